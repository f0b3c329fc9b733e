"""Pass 1 of the out-of-core engines (chunked and Dask), one batch at a time: the run's context (settings, the
admission rule, person ids repeated anywhere in the file), then validate + score a batch into mergeable aggregates.

The rest of the out-of-core kernel: :mod:`scoring.outofcore.stats` (aggregates), :mod:`scoring.outofcore.plan`
(the global cut-off, the tied band and pass 2) and :mod:`scoring.outofcore.result` (the report). Together the
answers equal :func:`scoring.score` / :func:`scoring.admit` / :func:`scoring.dominance` on the whole population.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from scoring.admission import resolve_rule
from scoring.dominance import masked_positive_sums
from scoring.engine.core import score
from scoring.engine.inputs import population_schema_for, refuse_missing_columns
from scoring.errors import IdentifierError, PopulationError, RowsError, ScoringInputError
from scoring.outofcore.ids import find_duplicate_ids, id_hashes, normalised_ids
from scoring.outofcore.stats import Hist, Stats, design_items
from scoring.population.identifiers import IdentifierFinding, screen_identifiers
from scoring.population.identifiers_arrow import UnreadColumns, screen_unread
from scoring.population.io import clean_header
from scoring.population.load import (
    as_written,
    identifier_refusal,
    person_ids,
    read_population,
    read_set,
    written_headers,
)
from scoring.population.schema import Schema
from scoring.population.text import STR_DTYPE
from scoring.scheme.load import AdmissionRule, Scheme

HELPER = "_ooc_"  # prefix of the helper columns kept between the passes
TOTAL, GROUP = HELPER + "total_cents", HELPER + "group_cents"
ADMIT_COLUMNS = ("admitted",)
_DUP = re.compile(r" is not unique \(rows ")


# ------------------------------------------------------------------------------------------------------------
# Context: what every batch needs to know about the whole input
# ------------------------------------------------------------------------------------------------------------
class FactsNeeded(Exception):
    """Raised by a batch validated before the file-wide facts were known (repeated ids, identifiers in the columns
    not read) when the answer depends on them: the engine finds them with a full scan and runs pass 1 again.
    :attr:`findings`: the screen of the columns not read when it has ended already (None: not known)."""

    def __init__(self, findings: list[IdentifierFinding] | None = None) -> None:
        super().__init__()
        self.findings = findings


@dataclass(frozen=True)
class Context:
    """The run's settings and file-wide facts (picklable: shipped to Dask workers)."""

    scheme: Scheme
    n_total: int
    source: str
    skip_invalid: bool
    drop_identifiers: bool
    admission: bool
    rule: AdmissionRule | None
    tie_columns: tuple[str, ...]
    id_header: str | None
    duplicates: dict[str, str]  # normalised person_id -> the in-memory "not unique (rows ...)" reason
    headers: tuple[str, ...] = ()  # every column of the file (screened by header)
    read: tuple[str, ...] = ()  # the columns whose values are read, screened and validated (see read_set)
    columns: tuple[str, ...] = ()  # the canonical columns validated: the scheme's and the tie columns
    unread_findings: tuple[IdentifierFinding, ...] = ()  # identifiers in the columns not read (dropped: see below)
    schema: Schema | None = None  # the population schema of the run (the scheme's own inputs left to the scheme)
    facts_known: bool = True  # False: duplicates and unread_findings not found yet (a batch raises FactsNeeded
    # when its answer would depend on them)
    engine: str | None = None  # the scoring engine of the batches (None: scoring.engine.core.default_engine)

    @property
    def groups(self) -> list[str]:
        """The dominance groups."""
        return list(self.scheme.dominance.groups)

    @property
    def pop_schema(self) -> Schema:
        """The population schema the run validates with."""
        return self.schema if self.schema is not None else population_schema_for(self.scheme)

    @functools.cached_property
    def written(self) -> dict[str, str]:
        """Column name -> its header as the file writes it, where they differ (the rejected rows' ``column``, as
        :meth:`scoring.population.load.PopulationLoad.rejected_table` names it in memory)."""
        return written_headers([clean_header(str(c)) for c in self.headers], self.pop_schema)

    @property
    def unread(self) -> list[str]:
        """The file's columns whose values are not read (screened for identifiers only)."""
        return [c for c in self.headers if c not in self.read]


Batches = Callable[[list[str]], Iterable[pd.DataFrame]]
Blocks = Callable[[list[str]], Iterable[tuple[int, dict[str, Any]]]]


def make_context(scheme: Scheme, *, n_total: int, source: str, skip_invalid: bool, drop_identifiers: bool,
                 admission: bool, quota: int | None, threshold: float | None, ties: str | list[Any] | None,
                 id_batches: Batches, columns: list[str], unread_blocks: Blocks | None = None,
                 prescan: bool = True) -> Context:
    """Resolve the admission rule and the columns read; with ``prescan``, find the file-wide facts too (see
    :func:`find_facts`), else leave them to the engine (``facts_known`` False)."""
    rule = resolve_rule(SimpleNamespace(scheme=scheme), quota, threshold, ties) if admission else None
    tie_cols = tuple(k.column for k in rule.ties if k.column) if rule is not None and isinstance(rule.ties, list) \
        else ()
    schema = population_schema_for(scheme)
    wanted = (*scheme.columns(), *(c for c in tie_cols if c not in scheme.columns()))
    try:
        keep = read_set([clean_header(str(c)) for c in columns], schema, wanted, drop_identifiers=drop_identifiers,
                        name=source)
    except PopulationError as exc:
        raise PopulationError(str(exc)) from None
    read = tuple(c for c in columns if clean_header(str(c)) in keep)
    id_header = next((c for c in columns if schema.canonical_header(str(c)) == "person_id"), None)
    ctx = Context(scheme, int(n_total), source, skip_invalid, drop_identifiers, admission, rule, tie_cols,
                  id_header, {}, tuple(columns), read, wanted, (), schema, facts_known=False)
    return find_facts(ctx, id_batches, unread_blocks) if prescan else ctx


def find_facts(ctx: Context, id_batches: Batches, unread_blocks: Blocks | None,
               findings: list[IdentifierFinding] | None = None) -> Context:
    """The context with the file-wide facts: the columns not read screened, every value, once for the whole file
    (identifiers in them refused with the message the in-memory reader gives, or with ``drop_identifiers`` reported
    dropped by the batches), and the person ids repeated anywhere in the file. ``findings``: the screen's answer
    when it is known already (not screened again)."""
    findings = refuse_unread(ctx, unread_findings(ctx, unread_blocks) if findings is None else findings)
    dups = find_duplicate_ids(lambda: id_batches([ctx.id_header]), ctx.id_header) \
        if ctx.id_header is not None else {}
    return dataclasses.replace(ctx, duplicates=dups, unread_findings=findings, facts_known=True)


def unread_findings(ctx: Context, unread_blocks: Blocks | None) -> list[IdentifierFinding]:
    """Identifier findings (values and header) in the columns not read, in file order, with their rows."""
    names = ctx.unread
    if not names or unread_blocks is None:
        return []
    headers = {c: clean_header(str(c)) for c in ctx.headers}
    unread = UnreadColumns([headers[c] for c in names],
                           lambda: ((rows, {headers[c]: v for c, v in block.items()})
                                    for rows, block in unread_blocks(names)))
    by_header = screen_unread(unread, ctx.pop_schema)
    return [by_header[headers[c]] for c in names if headers[c] in by_header]


def refuse_unread(ctx: Context, findings: list[IdentifierFinding]) -> tuple[IdentifierFinding, ...]:
    """Refuse the findings (PopulationError) unless ``drop_identifiers``; then without their rows (the batches
    number rows from their own start)."""
    if findings:
        identifier_refusal(ctx.source, [clean_header(str(c)) for c in ctx.headers], findings, ctx.pop_schema,
                           drop=ctx.drop_identifiers, used=ctx.columns or None)
    return tuple(dataclasses.replace(fi, positions=()) for fi in findings)


# ------------------------------------------------------------------------------------------------------------
# Pass 1: validate + score one batch
# ------------------------------------------------------------------------------------------------------------
def validate_batch(raw: pd.DataFrame, start: int, ctx: Context, spill: Any = None
                   ) -> tuple[pd.DataFrame, pd.DataFrame, list[str], list[str]]:
    """Validate rows ``start+1 ...`` like :func:`scoring.read_population` on the whole file would.

    Returns the kept rows (index = 0-based row in the file), the rejected lines (global 1-based rows), notes and
    the identifier columns dropped (``drop_identifiers``: their headers, as the reader names them).
    ``spill`` (a :class:`scoring.outofcore.ids.HashSpill`) receives the hashes of the batch's person ids.
    """
    try:
        load = read_population(raw, skip_invalid=True, drop_identifiers=ctx.drop_identifiers, row_offset=start,
                               schema=ctx.pop_schema, columns=ctx.columns or None,
                               headers=list(ctx.headers) or None, unread_findings=list(ctx.unread_findings))
    except PopulationError as exc:
        if not ctx.facts_known:  # identifiers in the columns not read are refused first
            raise FactsNeeded from None
        message = f"{ctx.source}: {str(exc).removeprefix('population: ')}"
        if isinstance(exc, IdentifierError):  # its fields kept: the command line words it in the report's language
            raise IdentifierError(message, file=ctx.source, needed=exc.needed, findings=exc.findings) from None
        raise PopulationError(message) from None
    frame = load.frame
    frame.index = pd.Index(np.asarray(frame.index, dtype=np.int64) + start)
    rejected = load.rejected.copy()
    rejected["row"] = rejected["row"].astype(np.int64) + start
    if ctx.id_header is None:  # generated ids: global positions, the in-memory width
        ids = person_ids(frame.index.to_numpy(), width=max(7, len(str(ctx.n_total))))
        frame["person_id"] = pd.Series(ids.array, index=frame.index)
    else:
        local = (rejected["column"] == "person_id") & rejected["reason"].astype(str).str.contains(_DUP)
        ids, miss = normalised_ids(raw[ctx.id_header])
        if spill is not None:
            if hasattr(spill, "add_ids"):
                spill.add_ids(ids, miss)
            else:
                spill.add(id_hashes(ids, miss))
        if local.any() and not ctx.facts_known:  # a repeat: its reason lists the rows in the whole file
            raise FactsNeeded
        hit = np.flatnonzero(ids.isin(list(ctx.duplicates)).to_numpy() & ~miss) if ctx.duplicates else []
        if local.any() or len(hit):
            lines = pd.DataFrame({"row": np.asarray(hit, dtype=np.int64) + start + 1, "column": "person_id",
                                  "reason": [ctx.duplicates[v] for v in ids.to_numpy(dtype=object)[hit]]})
            order = {c: i for i, c in enumerate(ctx.pop_schema.columns)}
            rejected = pd.concat([rejected.loc[~local], lines], ignore_index=True)
            rejected["_o"] = rejected["column"].map(lambda c: order.get(c, len(order))).astype(np.int64)
            rejected = rejected.sort_values(["row", "_o"], kind="stable").drop(columns="_o").reset_index(drop=True)
            frame = frame.loc[~frame.index.isin(rejected["row"].to_numpy() - 1)]
    if len(rejected) and not ctx.skip_invalid:
        if not ctx.facts_known:  # the first invalid rows of the file may be repeats found later
            raise FactsNeeded
        first = rejected.drop_duplicates("row").head(3)
        written = ctx.written  # each column named by its header as the file writes it (as the rejected rows' export)
        problems = [{"row": int(r.row), "column": str(r.column), "header": written.get(str(r.column), str(r.column)),
                     "reason": str(r.reason)} for r in first.itertuples()]
        shown = "; ".join(f"row {p['row']}, column {p['header']}: {p['reason']}" for p in problems)
        count, first, last = int(rejected["row"].nunique()), start + 1, start + len(raw)
        raise RowsError(f"{ctx.source}: {shown} ({count:,} invalid row(s) among rows {first:,}-{last:,}; use "
                        "--skip-invalid / skip_invalid=True to keep the valid rows)", file=ctx.source,
                        problems=problems, first=first, last=last, count=count)
    return frame, rejected, list(load.warnings), list(load.dropped_identifiers)


def pass1_batch(raw: pd.DataFrame, start: int, ctx: Context, spill: Any = None, *, compact: bool = False
                ) -> tuple[pd.DataFrame, Stats, pd.DataFrame]:
    """Validate and score one batch: (scored rows with helper columns, aggregates, rejected lines, each column named
    by its header as the file writes it); ``compact``: the scored rows as :func:`compact_scored` gives them."""
    frame, rejected, warnings, dropped = validate_batch(raw, start, ctx, spill)
    refuse_missing(frame, ctx, dropped)
    out, stats, rejected = score_frame(frame, ctx, rows_in=len(raw), rejected=rejected, warnings=warnings,
                                       compact=compact)
    stats.dropped = dropped
    return out, stats, as_written(rejected, ctx.written)


def refuse_missing(frame: pd.DataFrame, ctx: Context, dropped: list[str]) -> None:
    """Refuse a validated batch without a column the run needs, as the in-memory reader refuses the file (the same
    words, naming the file's headers)."""
    needed = ctx.scheme.columns()  # a tie column (--ties) missing: the admission's reason, with its near misses
    if any(c not in frame.columns for c in needed):
        refuse_missing_columns(frame.columns, needed, ctx.scheme, ctx.source, _listable_headers(ctx, dropped))


def _listable_headers(ctx: Context, dropped: list[str]) -> list[str]:
    """The file's headers a message may list: those of the columns dropped for identifiers, and headers that are
    identifiers themselves, left out (as the in-memory reader's ``PopulationLoad.file_headers``)."""
    headers = [clean_header(str(c)) for c in ctx.headers]
    empty = pd.DataFrame({h: pd.Series([], dtype=object) for h in headers})
    hidden = set(dropped) | {fi.column for fi in screen_identifiers(empty, schema=ctx.pop_schema)}
    return [h for h in headers if h not in hidden]


def _compact_frame(res: Any, ctx: Context) -> pd.DataFrame:
    """``compact_scored(res.to_frame() + helpers)`` straight from the engine's integer cents (no float round trip)."""
    cols: dict[str, Any] = {}
    if "person_id" in res.population.columns:
        ids = res.population["person_id"].array
        if isinstance(ids.dtype, pd.StringDtype) and ids.dtype != STR_DTYPE:  # as ScoreResult.to_frame
            ids = ids.astype(STR_DTYPE)
        cols["person_id"] = ids
    for item in ctx.scheme.items:
        cols[item.id] = np.asarray(res.item_cents[item.id]).astype(np.int32, copy=False)
    cols["eligible"] = res.eligible_mask
    cols["reason"] = res.reason.array
    cols[TOTAL] = res.total_cents
    cols[GROUP] = res.group_cents(ctx.groups)
    return pd.DataFrame(cols, index=res.index, copy=False)


def _positive_sums(item_cents: dict[str, np.ndarray], eligible: np.ndarray) -> dict[str, int]:
    """Each item's positive cents summed over the eligible rows (as the dominance report sums them)."""
    sums = masked_positive_sums([np.asarray(v) for v in item_cents.values()], eligible)
    return dict(zip(item_cents, sums, strict=True))


def score_frame(frame: pd.DataFrame, ctx: Context, *, rows_in: int | None = None, rejected: pd.DataFrame | None = None,
                warnings: list[str] | None = None, compact: bool = False) -> tuple[pd.DataFrame, Stats, pd.DataFrame]:
    """Score a typed frame (index = global row labels) with :func:`scoring.score`; aggregates for the plan.
    ``compact``: the scored rows as :func:`compact_scored` gives them, made from the engine's cents directly."""
    scheme = ctx.scheme
    for col in ctx.tie_columns:
        if col not in frame.columns:
            raise ScoringInputError(f"ties: column {col!r} is not in the population")
    res = score(frame, scheme, on_invalid="reject" if ctx.skip_invalid else "raise", engine=ctx.engine)
    if compact:
        out = _compact_frame(res, ctx)
    else:
        out = res.to_frame()
        out[TOTAL] = res.total_cents
        out[GROUP] = res.group_cents(ctx.groups)
    categories: dict[str, list[Any]] = {}
    for col in ctx.tie_columns:
        s = res.population[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            categories[col] = list(s.cat.categories)
            out[HELPER + col] = s.astype(object).to_numpy()
        elif pd.api.types.is_datetime64_any_dtype(s.dtype):
            out[HELPER + col] = s.to_numpy().astype("datetime64[ns]").astype(np.int64).astype(np.float64)
        elif pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
            out[HELPER + col] = s.to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            out[HELPER + col] = s.astype(object).to_numpy()
    elig = res.eligible_mask
    all_rejected = pd.concat([x for x in (rejected, res.rejected) if x is not None and len(x)]) \
        if (rejected is not None and len(rejected)) or len(res.rejected) else res.rejected
    stats = Stats(
        rows_in=len(frame) if rows_in is None else rows_in, scored=res.n,
        rejected=int(all_rejected["row"].nunique()) if len(all_rejected) else 0, eligible=int(elig.sum()),
        hist=Hist.of(res.total_cents[elig]),
        pos_eligible=_positive_sums(res.item_cents, elig),
        item_hist={k: Hist.of(res.item_cents[k]) for k in design_items(scheme)},
        categories=categories, warnings=list(warnings or []),
    )
    return out, stats, all_rejected


def compact_scored(scored: pd.DataFrame, scheme: Scheme) -> pd.DataFrame:
    """The scored rows as kept between the passes: item points as int32 cents (the engine's own integers, so
    ``cents / 100`` gives the points back exactly) and no ``total`` column (``TOTAL / 100``): about 40% fewer bytes
    to compress and decompress. See :func:`scoring.outofcore.pass2.expanded`; the chunked engine's scratch also
    leaves out the total and group sums (:func:`scoring.outofcore.pass2.with_totals`)."""
    if "total" not in scored.columns:  # already compact (score_frame(..., compact=True))
        return scored
    out = scored.drop(columns="total")
    for item in scheme.items:
        out[item.id] = np.rint(scored[item.id].to_numpy(dtype=np.float64) * 100.0).astype(np.int32)
    return out


def public_frame(scored: pd.DataFrame, scheme: Scheme, lang: str | None = None) -> pd.DataFrame:
    """The per-row output columns (as ``ScoreResult.to_frame(lang)``), without the helper columns."""
    out = scored[[c for c in scored.columns if not str(c).startswith(HELPER)]]
    if lang is not None:
        out = out.rename(columns={i.id: i.name(lang) for i in scheme.items})
    return out
