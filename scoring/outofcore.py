"""The partition kernel shared by the chunked and the Dask engines: validate + score one batch, mergeable aggregates,
the exact global cut-off from summed histograms, the tied band, and the second pass.

Everything here works on one batch (partition) at a time or on small aggregates: exact integer-cent histograms
(:class:`Hist`), counts and integer sums, so batches can be processed anywhere and combined in any grouping, and
the answers equal :func:`scoring.score` / :func:`scoring.admit` / :func:`scoring.dominance` on the whole population.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from scoring.admission import _break_ties, resolve_rule
from scoring.dominance import DEFAULT_WINDOW, MIN_NEAR, NO_LINE_NOTE, DominanceReport, deciding_line
from scoring.engine import score
from scoring.errors import PopulationError, ScoringInputError
from scoring.population import person_ids, read_population
from scoring.population_schema import load_schema
from scoring.population_validate import coerce_string, duplicate_id_reason, missing_mask
from scoring.scheme import AdmissionRule, Scheme

HELPER = "_ooc_"  # prefix of the helper columns kept between the passes
TOTAL, GROUP = HELPER + "total_cents", HELPER + "group_cents"
ADMIT_COLUMNS = ("admitted",)
_DUP = re.compile(r" is not unique \(rows ")


# ------------------------------------------------------------------------------------------------------------
# Exact histograms of integer cents
# ------------------------------------------------------------------------------------------------------------
@dataclass
class Hist:
    """An exact histogram of integer cents: sorted distinct values and their counts."""

    values: np.ndarray
    counts: np.ndarray

    @classmethod
    def of(cls, cents: np.ndarray) -> Hist:
        """The histogram of an integer array (a bincount when the range is small, else np.unique)."""
        cents = np.asarray(cents, dtype=np.int64)
        if cents.size == 0:
            return cls(np.empty(0, np.int64), np.empty(0, np.int64))
        lo, hi = int(cents.min()), int(cents.max())
        if hi - lo < 1 << 22:
            counts = np.bincount(cents - lo)
            nz = np.flatnonzero(counts)
            return cls(nz.astype(np.int64) + lo, counts[nz].astype(np.int64))
        values, counts = np.unique(cents, return_counts=True)
        return cls(values.astype(np.int64), counts.astype(np.int64))

    def merge(self, other: Hist) -> Hist:
        """The histogram of both samples together."""
        if other.values.size == 0:
            return self
        if self.values.size == 0:
            return other
        values, inverse = np.unique(np.concatenate([self.values, other.values]), return_inverse=True)
        counts = np.zeros(values.size, dtype=np.int64)
        np.add.at(counts, inverse, np.concatenate([self.counts, other.counts]))
        return Hist(values, counts)

    @property
    def n(self) -> int:
        """Number of people counted."""
        return int(self.counts.sum())

    def at_least(self, cents: int) -> Hist:
        """The part at or above ``cents``."""
        keep = self.values >= cents
        return Hist(self.values[keep], self.counts[keep])

    def count_between(self, lo: int, hi: int) -> int:
        """People with lo <= value <= hi."""
        keep = (self.values >= lo) & (self.values <= hi)
        return int(self.counts[keep].sum())

    def sorted_value(self, i: int) -> int:
        """The i-th smallest value (0-based), as if the sample were sorted."""
        return int(self.values[np.searchsorted(np.cumsum(self.counts), i, side="right")])

    def kth_largest(self, k: int) -> int:
        """The k-th largest value (1-based): the quota cut-off of k places."""
        return self.sorted_value(self.n - k)

    def median(self) -> float:
        """np.median of the sample."""
        n = self.n
        if n % 2:
            return float(self.sorted_value(n // 2))
        return float(np.mean([float(self.sorted_value(n // 2 - 1)), float(self.sorted_value(n // 2))]))

    def percentile_lower(self, q: float) -> int:
        """np.percentile(sample, q, method="lower")."""
        return self.sorted_value(int(np.floor((self.n - 1) * np.true_divide(q, 100))))


# ------------------------------------------------------------------------------------------------------------
# Aggregates
# ------------------------------------------------------------------------------------------------------------
def _design_items(scheme: Scheme) -> list[str]:
    return [i.id for i in scheme.items if i.kind == "per_unit" and (i.points_per_unit or 0) > 0 and i.cap is None]


def _merge_lists(a: list[Any], b: list[Any]) -> list[Any]:
    seen = set(a)
    return a + [x for x in b if x not in seen]


@dataclass
class Stats:
    """Pass-1 aggregates of some batches; :meth:`merge` in row order gives those of the whole file."""

    rows_in: int
    scored: int
    rejected: int
    eligible: int
    hist: Hist  # total cents of the eligible
    pos_eligible: dict[str, int]  # positive item cents summed over the eligible
    item_hist: dict[str, Hist]  # item cents of every scored person, for uncapped per-unit items (design share)
    categories: dict[str, list[Any]] = field(default_factory=dict)  # tie columns that are categorical
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def empty(cls, scheme: Scheme) -> Stats:
        """Aggregates of nothing."""
        h = Hist.of(np.empty(0, np.int64))
        return cls(0, 0, 0, 0, h, {i.id: 0 for i in scheme.items}, {i: h for i in _design_items(scheme)})

    def merge(self, o: Stats) -> Stats:
        """Combine with the aggregates of later rows."""
        return Stats(
            self.rows_in + o.rows_in, self.scored + o.scored, self.rejected + o.rejected, self.eligible + o.eligible,
            self.hist.merge(o.hist), {k: v + o.pos_eligible[k] for k, v in self.pos_eligible.items()},
            {k: v.merge(o.item_hist[k]) for k, v in self.item_hist.items()},
            {k: _merge_lists(self.categories.get(k, []), o.categories.get(k, []))
             for k in dict.fromkeys([*self.categories, *o.categories])},
            _merge_lists(self.warnings, o.warnings),
        )


@dataclass
class Pass2Stats:
    """Pass-2 aggregates: the admitted and the decisive-share moments near the line (exact integers)."""

    admitted: int
    pos_admitted: dict[str, int]
    near: int = 0
    s_g: int = 0
    s_t: int = 0
    s_gt: int = 0
    s_tt: int = 0

    @classmethod
    def empty(cls, scheme: Scheme) -> Pass2Stats:
        """Aggregates of nothing."""
        return cls(0, {i.id: 0 for i in scheme.items})

    def merge(self, o: Pass2Stats) -> Pass2Stats:
        """Combine two batches' aggregates."""
        keys = dict.fromkeys([*self.pos_admitted, *o.pos_admitted])
        pos = {k: self.pos_admitted.get(k, 0) + o.pos_admitted.get(k, 0) for k in keys}
        return Pass2Stats(self.admitted + o.admitted, pos,
                          self.near + o.near, self.s_g + o.s_g, self.s_t + o.s_t, self.s_gt + o.s_gt,
                          self.s_tt + o.s_tt)

    @classmethod
    def of(cls, group: np.ndarray, total: np.ndarray) -> Pass2Stats:
        """Moments of (group, total) cents of the people near the line."""
        g, t = group.astype(np.int64), total.astype(np.int64)
        return cls(0, {}, len(t), int(g.sum()), int(t.sum()), int(np.dot(g, t)),
                   int(np.dot(t, t)))

    def decisive(self) -> float | None:
        """Cov(group, total) / Var(total) from the moments (None when undefined, as in memory)."""
        if self.near < 2:
            return None
        var = self.near * self.s_tt - self.s_t * self.s_t
        return None if var == 0 else (self.near * self.s_gt - self.s_g * self.s_t) / var


# ------------------------------------------------------------------------------------------------------------
# Context: what every batch needs to know about the whole input
# ------------------------------------------------------------------------------------------------------------
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

    @property
    def groups(self) -> list[str]:
        """The dominance groups."""
        return list(self.scheme.dominance.groups)


def _normalised_ids(col: pd.Series) -> tuple[pd.Series, np.ndarray]:
    miss = missing_mask(col)
    return coerce_string("person_id", col.reset_index(drop=True), miss, _NoProblems()), miss


class _NoProblems:
    def add(self, *args: Any) -> None:
        pass


def find_duplicate_ids(batches: Callable[[], Iterable[pd.DataFrame]], column: str, buckets: int = 16
                       ) -> dict[str, str]:
    """Person ids occurring more than once in the whole file, each with the in-memory reason text.

    Bounded memory: 64-bit hashes are spilled to ``buckets`` files by their top bits and each file is checked on
    its own; a second scan collects the rows of the (few) repeated hashes and confirms them on the text.
    """
    shift = np.uint64(64 - int(np.log2(buckets)))
    with tempfile.TemporaryDirectory(prefix="scoring-ids-") as tmp:
        paths = [Path(tmp) / f"{k}.u64" for k in range(buckets)]
        files = [p.open("wb") for p in paths]
        try:
            for frame in batches():
                ids, miss = _normalised_ids(frame[column])
                h = pd.util.hash_array(ids.to_numpy(dtype=object)[~miss])
                bucket = (h >> shift).astype(np.int64)
                order = np.argsort(bucket, kind="stable")
                bounds = np.searchsorted(bucket[order], np.arange(buckets + 1))
                for k in range(buckets):
                    files[k].write(h[order[bounds[k]:bounds[k + 1]]].tobytes())
        finally:
            for f in files:
                f.close()
        repeated: list[np.ndarray] = []
        for p in paths:
            arr = np.sort(np.fromfile(p, dtype=np.uint64))
            repeated.append(np.unique(arr[1:][arr[1:] == arr[:-1]]))
    dup_hashes = np.concatenate(repeated)
    if dup_hashes.size == 0:
        return {}
    found: list[pd.DataFrame] = []
    start = 0
    for frame in batches():
        ids, miss = _normalised_ids(frame[column])
        h = pd.util.hash_array(ids.to_numpy(dtype=object))
        hit = np.isin(h, dup_hashes) & ~miss
        found.append(pd.DataFrame({"id": ids.to_numpy(dtype=object)[hit], "row": np.flatnonzero(hit) + start + 1}))
        start += len(frame)
    rows = pd.concat(found).groupby("id", sort=False)["row"].agg(list)
    out: dict[str, str] = {}
    for value, listed in rows.items():
        if len(listed) > 1:
            out[str(value)] = duplicate_id_reason(value, listed)
    return out


def make_context(scheme: Scheme, *, n_total: int, source: str, skip_invalid: bool, drop_identifiers: bool,
                 admission: bool, quota: int | None, threshold: float | None, ties: str | list[Any] | None,
                 id_batches: Callable[[list[str]], Iterable[pd.DataFrame]], columns: list[str]) -> Context:
    """Resolve the admission rule, find the id column and the person ids repeated anywhere in the file."""
    rule = resolve_rule(SimpleNamespace(scheme=scheme), quota, threshold, ties) if admission else None
    tie_cols = tuple(k.column for k in rule.ties if k.column) if rule is not None and isinstance(rule.ties, list) \
        else ()
    schema = load_schema()
    id_header = next((c for c in columns if schema.canonical_header(str(c)) == "person_id"), None)
    dups = find_duplicate_ids(lambda: id_batches([id_header]), id_header) if id_header is not None else {}
    return Context(scheme, int(n_total), source, skip_invalid, drop_identifiers, admission, rule, tie_cols,
                   id_header, dups)


# ------------------------------------------------------------------------------------------------------------
# Pass 1: validate + score one batch
# ------------------------------------------------------------------------------------------------------------
def validate_batch(raw: pd.DataFrame, start: int, ctx: Context) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Validate rows ``start+1 ...`` like :func:`scoring.read_population` on the whole file would.

    Returns the kept rows (index = 0-based row in the file), the rejected lines (global 1-based rows) and notes.
    """
    try:
        load = read_population(raw, skip_invalid=True, drop_identifiers=ctx.drop_identifiers)
    except PopulationError as exc:
        raise PopulationError(f"{ctx.source}: {str(exc).removeprefix('population: ')}") from None
    frame = load.frame
    frame.index = pd.Index(np.asarray(frame.index, dtype=np.int64) + start)
    rejected = load.rejected.copy()
    rejected["row"] = rejected["row"].astype(np.int64) + start
    if ctx.id_header is None:  # generated ids: global positions, the in-memory width
        ids = person_ids(frame.index.to_numpy(), width=max(7, len(str(ctx.n_total))))
        frame["person_id"] = pd.Series(ids.array, index=frame.index)
    else:
        local = (rejected["column"] == "person_id") & rejected["reason"].astype(str).str.contains(_DUP)
        ids, miss = _normalised_ids(raw[ctx.id_header])
        hit = np.flatnonzero(ids.isin(list(ctx.duplicates)).to_numpy() & ~miss) if ctx.duplicates else []
        if local.any() or len(hit):
            lines = pd.DataFrame({"row": np.asarray(hit, dtype=np.int64) + start + 1, "column": "person_id",
                                  "reason": [ctx.duplicates[v] for v in ids.to_numpy(dtype=object)[hit]]})
            order = {c: i for i, c in enumerate(load_schema().columns)}
            rejected = pd.concat([rejected.loc[~local], lines], ignore_index=True)
            rejected["_o"] = rejected["column"].map(lambda c: order.get(c, len(order))).astype(np.int64)
            rejected = rejected.sort_values(["row", "_o"], kind="stable").drop(columns="_o").reset_index(drop=True)
            frame = frame.loc[~frame.index.isin(rejected["row"].to_numpy() - 1)]
    if len(rejected) and not ctx.skip_invalid:
        first = rejected.drop_duplicates("row").head(3)
        shown = "; ".join(f"row {r.row}, column {r.column}: {r.reason}" for r in first.itertuples())
        raise PopulationError(f"{ctx.source}: {shown} (invalid rows among rows {start + 1}-{start + len(raw)}; use "
                              "--skip-invalid / skip_invalid=True to keep the valid rows)")
    return frame, rejected, list(load.warnings)


def pass1_batch(raw: pd.DataFrame, start: int, ctx: Context) -> tuple[pd.DataFrame, Stats, pd.DataFrame]:
    """Validate and score one batch: (scored rows with helper columns, aggregates, rejected lines)."""
    frame, rejected, warnings = validate_batch(raw, start, ctx)
    return score_frame(frame, ctx, rows_in=len(raw), rejected=rejected, warnings=warnings)


def score_frame(frame: pd.DataFrame, ctx: Context, *, rows_in: int | None = None, rejected: pd.DataFrame | None = None,
                warnings: list[str] | None = None) -> tuple[pd.DataFrame, Stats, pd.DataFrame]:
    """Score a typed frame (index = global row labels) with :func:`scoring.score`; aggregates for the plan."""
    scheme = ctx.scheme
    for col in ctx.tie_columns:
        if col not in frame.columns:
            raise ScoringInputError(f"ties: column {col!r} is not in the population")
    res = score(frame, scheme, on_invalid="reject" if ctx.skip_invalid else "raise")
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
        pos_eligible={k: int(np.maximum(v[elig], 0).sum(dtype=np.int64)) for k, v in res.item_cents.items()},
        item_hist={k: Hist.of(res.item_cents[k]) for k in _design_items(scheme)},
        categories=categories, warnings=list(warnings or []),
    )
    return out, stats, all_rejected


def public_frame(scored: pd.DataFrame, scheme: Scheme, lang: str | None = None) -> pd.DataFrame:
    """The per-row output columns (as ``ScoreResult.to_frame(lang)``), without the helper columns."""
    out = scored[[c for c in scored.columns if not str(c).startswith(HELPER)]]
    if lang is not None:
        out = out.rename(columns={i.id: i.name(lang) for i in scheme.items})
    return out


# ------------------------------------------------------------------------------------------------------------
# The plan: cut-off, ties and line from the aggregates
# ------------------------------------------------------------------------------------------------------------
@dataclass
class Plan:
    """How pass 2 admits and measures, found from the pass-1 aggregates (and the gathered band)."""

    admission: bool
    rule: AdmissionRule | None
    n_eligible: int
    n_candidates: int = 0
    cutoff: int | None = None  # cents
    tied: int = 0
    left: int = 0
    admit_all_tied: bool = True
    chosen: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # labels admitted from the tie band
    decided: int = 0
    line: float | None = None
    line_cents: int = 0
    window: float = DEFAULT_WINDOW
    window_cents: int = 0
    near: int = 0
    fallback: tuple[int, int] | None = None  # (distance of the k-th nearest, how many taken at that distance)
    decisive_band: float | None = None
    band_done: bool = False
    no_line: bool = False  # every eligible applicant admitted: no line decides

    @property
    def needs_band(self) -> bool:
        """True when the tied band or the nearest people must be gathered before pass 2."""
        return not self.band_done and (not self.admit_all_tied or self.fallback is not None)


def make_plan(ctx: Context, stats: Stats) -> Plan:
    """The exact global cut-off (k-th largest of the summed histograms), the tie arithmetic and the line."""
    h = stats.hist
    plan = Plan(admission=ctx.admission, rule=ctx.rule, n_eligible=h.n)
    rule = ctx.rule
    if rule is not None:
        cand = h
        if rule.threshold is not None and rule.mode in ("threshold", "both"):
            cand = h.at_least(int(round(rule.threshold * 100)))
        plan.n_candidates = cand.n
        places = int(rule.quota) if rule.mode in ("quota", "both") and rule.quota is not None else cand.n
        if cand.n and places:
            if cand.n <= places:
                plan.cutoff, plan.tied = int(cand.values[0]), int(cand.counts[0])
            else:
                plan.cutoff = cand.kth_largest(places)
                plan.tied = int(cand.counts[np.searchsorted(cand.values, plan.cutoff)])
                plan.left = places - int(cand.counts[cand.values > plan.cutoff].sum())
                plan.admit_all_tied = rule.ties == "admit_all" or plan.tied <= plan.left
    line = None
    if rule is not None:
        quota = rule.quota if rule.mode in ("quota", "both") else None
        threshold = rule.threshold if rule.mode in ("threshold", "both") else None
        cutoff = plan.cutoff / 100.0 if plan.cutoff is not None else None
        line = deciding_line(quota, threshold, plan.n_candidates, cutoff)
        plan.no_line = line is None
    scheme = ctx.scheme
    if line is None and not plan.no_line and scheme.admission is not None and scheme.admission.threshold is not None:
        line = scheme.admission.threshold
    if line is None and h.n:
        line = h.median() / 100.0
    plan.line, plan.window = line, scheme.dominance.window or DEFAULT_WINDOW
    if line is None:
        plan.band_done = plan.admit_all_tied
        return plan
    plan.line_cents, plan.window_cents = int(round(line * 100)), int(round(plan.window * 100))
    plan.near = h.count_between(plan.line_cents - plan.window_cents, plan.line_cents + plan.window_cents)
    k = min(MIN_NEAR, h.n)
    if plan.near < k:  # the nearest k eligible
        dist = np.abs(h.values - plan.line_cents)
        order = np.argsort(dist, kind="stable")
        reach = int(dist[order][np.searchsorted(np.cumsum(h.counts[order]), k)])
        plan.fallback = (reach, k - int(h.counts[dist < reach].sum()))
    return plan


def band_rows(scored: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """The rows of one batch that the plan must see individually: the tied band and the nearest to the line."""
    total = scored[TOTAL].to_numpy()
    elig = scored["eligible"].to_numpy(dtype=bool)
    want = np.zeros(len(scored), dtype=bool)
    if not plan.admit_all_tied:
        want |= total == plan.cutoff
    if plan.fallback is not None:
        want |= np.abs(total - plan.line_cents) <= plan.fallback[0]
    want &= elig
    return scored.loc[want, [c for c in scored.columns if str(c).startswith(HELPER)]]


def finish_plan(plan: Plan, band: pd.DataFrame, stats: Stats) -> Plan:
    """Break the tie at the cut-off (same chain and lottery keys as in memory) and measure the nearest band."""
    plan = replace(plan, band_done=True)
    band = band.sort_index(kind="stable")
    if not plan.admit_all_tied:
        tied = band.loc[band[TOTAL].to_numpy() == plan.cutoff]
        cols: dict[str, Any] = {}
        for key in plan.rule.ties:  # type: ignore[union-attr]
            if key.column and key.column not in cols:
                values = tied[HELPER + key.column]
                cats = stats.categories.get(key.column)
                cols[key.column] = pd.Categorical(values.to_numpy(dtype=object), categories=cats) \
                    if cats is not None else values.to_numpy()
        pop = pd.DataFrame(cols, index=tied.index)
        like = SimpleNamespace(index=tied.index, population=pop)
        chosen = _break_ties(like, np.arange(len(tied)), plan.left, plan.rule.ties)  # type: ignore[arg-type, union-attr]
        plan.chosen = np.asarray(tied.index[np.sort(chosen)], dtype=np.int64)
        plan.decided = len(chosen)
    if plan.fallback is not None:
        reach, take = plan.fallback
        dist = np.abs(band[TOTAL].to_numpy() - plan.line_cents)
        at_reach = np.flatnonzero(dist == reach)[:take]
        near = np.zeros(len(band), dtype=bool)
        near[dist < reach] = True
        near[at_reach] = True
        plan.near = int(near.sum())
        plan.decisive_band = Pass2Stats.of(band[GROUP].to_numpy()[near], band[TOTAL].to_numpy()[near]).decisive()
    return plan


# ------------------------------------------------------------------------------------------------------------
# Pass 2
# ------------------------------------------------------------------------------------------------------------
def pass2_batch(scored: pd.DataFrame, plan: Plan, item_ids: list[str]) -> tuple[np.ndarray, Pass2Stats]:
    """Admit the rows of one batch and sum the moments near the line."""
    total = scored[TOTAL].to_numpy()
    group = scored[GROUP].to_numpy()
    elig = scored["eligible"].to_numpy(dtype=bool)
    admitted = np.zeros(len(scored), dtype=bool)
    if plan.admission and plan.cutoff is not None:
        admitted = elig & (total > plan.cutoff)
        at = elig & (total == plan.cutoff)
        admitted |= at if plan.admit_all_tied else at & np.isin(np.asarray(scored.index, np.int64), plan.chosen)
    pos = {k: int(np.maximum(np.rint(scored[k].to_numpy()[admitted] * 100.0), 0).sum()) for k in item_ids}
    if plan.line is not None and plan.fallback is None:
        near = elig & (np.abs(total - plan.line_cents) <= plan.window_cents)
        stats = Pass2Stats.of(group[near], total[near])
    else:
        stats = Pass2Stats(0, {})
    stats.admitted, stats.pos_admitted = int(admitted.sum()), pos
    return admitted, stats


# ------------------------------------------------------------------------------------------------------------
# The result
# ------------------------------------------------------------------------------------------------------------
def _design_share(scheme: Scheme, stats: Stats, groups: list[str]) -> float | None:
    from scoring.dominance import design_share_of, item_max_cents

    item_max: dict[str, int] = {}
    for item in scheme.items:
        hist = stats.item_hist.get(item.id)
        if hist is not None:
            item_max[item.id] = max(0, hist.percentile_lower(99)) if hist.n else 0
        else:
            item_max[item.id] = item_max_cents(item, None)
    return design_share_of(scheme, item_max, groups)


def _realised(scheme: Scheme, positive: dict[str, int], groups: list[str], count: int) -> float | None:
    if count == 0:
        return None
    den = sum(positive.values())
    num = sum(positive[i.id] for i in scheme.items if i.group in groups)
    return None if den == 0 else num / den


@dataclass
class OutOfCoreResult:
    """What an out-of-core (chunked or Dask) run reports: the same figures as the in-memory path."""

    scheme: Scheme
    counts: dict[str, int]
    admission: dict[str, Any] | None
    dominance: DominanceReport
    warnings: list[str]
    plan: Plan

    @classmethod
    def build(cls, ctx: Context, stats: Stats, plan: Plan, p2: Pass2Stats) -> OutOfCoreResult:
        """Assemble the report from the aggregates of both passes."""
        scheme, groups, rule = ctx.scheme, ctx.groups, ctx.rule
        counts = {"rows_in": stats.rows_in, "scored": stats.scored, "rejected": stats.rejected,
                  "eligible": stats.eligible}
        adm = None
        if rule is not None:
            adm = {
                "mode": rule.mode,
                "quota": rule.quota if rule.mode in ("quota", "both") else None,
                "threshold": rule.threshold if rule.mode in ("threshold", "both") else None,
                "ties": rule.ties if isinstance(rule.ties, str) else [k.model_dump(exclude_none=True)
                                                                      for k in rule.ties],
                "eligible": stats.eligible, "candidates": plan.n_candidates, "admitted": p2.admitted,
                "cutoff": None if plan.cutoff is None else plan.cutoff / 100.0,
                "tied_at_cutoff": plan.tied, "decided_by_tiebreak": plan.decided,
            }
        decisive = plan.decisive_band if plan.fallback is not None else p2.decisive()
        rep = DominanceReport(
            groups=groups, measure=scheme.dominance.measure, min_share=scheme.dominance.min_share,
            design=_design_share(scheme, stats, groups),
            realised_eligible=_realised(scheme, stats.pos_eligible, groups, stats.eligible),
            realised_admitted=_realised(scheme, p2.pos_admitted, groups, p2.admitted) if rule is not None else None,
            decisive=decisive, line=plan.line, window=plan.window,
            near_line=plan.near if plan.line is not None else 0,
        )
        rep.judge([NO_LINE_NOTE] if plan.no_line else [])
        return cls(scheme, counts, adm, rep, stats.warnings, plan)

    def summary(self) -> dict[str, Any]:
        """rows_in, scored, rejected, eligible, the admission figures (if any) and the dominance report."""
        out: dict[str, Any] = dict(self.counts)
        if self.admission is not None:
            out.update(self.admission)
        out["dominance"] = self.dominance.to_dict()
        out["scheme"] = {"id": self.scheme.id, "version": self.scheme.version}
        return out
