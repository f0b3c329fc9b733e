"""Vectorised scoring: population x scheme -> item points, totals, eligibility.

Whole-column numpy on compact dtypes, in row blocks spread over a small thread pool (numpy releases the GIL),
so temporaries stay block-sized. Item points are rounded to the cent, as published lists are, and kept as int32
cents; the total is their exact integer sum. A person with a missing value that the scheme needs for them (a
column read by a gate, or by an item whose ``when`` holds for them) is rejected with a reason, never scored as 0.
"""

from __future__ import annotations

import os
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd

from scoring import buffers
from scoring.engine.columns import Columns
from scoring.engine.compiled import CENT_TOLERANCE, UNIT_TOLERANCE, CompiledScheme
from scoring.engine.compiler import compile_scheme
from scoring.engine.kernels import Scratch, run_block
from scoring.engine.missing import needed_missing
from scoring.errors import PopulationError, ScoringInputError
from scoring.scheme.conditions import MAX_POINTS
from scoring.scheme.load import Scheme

__all__ = ["CENT_TOLERANCE", "ENGINES", "UNIT_TOLERANCE", "ScoreResult", "default_engine", "find_missing", "score",
           "startup_engine"]
ENGINES = ("numba", "numpy")

BLOCK_ROWS = 1 << 15  # rows per block: a block's float64 temporaries stay in a core's L2 cache
_THREADS = max(1, min(4, os.cpu_count() or 1))
_TEXT = pd.StringDtype("pyarrow", na_value=np.nan)  # the loader's text dtype (scoring.population.text.STR_DTYPE)


@dataclass
class ScoreResult:
    """The outcome of scoring one population under one scheme.

    ``points_cents``/``total_cents`` are exact integers; ``points``/``total`` are the same in points (float64).
    Only scored rows appear (index = the population's index); rejected rows are listed in ``rejected``.
    """

    scheme: Scheme
    population: pd.DataFrame
    item_cents: dict[str, np.ndarray]
    total_cents: np.ndarray
    eligible_mask: np.ndarray
    reason_codes: np.ndarray
    reason_labels: list[str]
    rejected: pd.DataFrame = field(default_factory=lambda: _empty_rejected())
    rows_in: int = 0

    @property
    def index(self) -> pd.Index:
        """Index of the scored rows (from the population)."""
        return self.population.index

    @property
    def n(self) -> int:
        """Number of scored people."""
        return len(self.total_cents)

    @cached_property
    def points_cents(self) -> pd.DataFrame:
        """Item points in cents (int32), one column per item id."""
        return pd.DataFrame(self.item_cents, index=self.index, copy=False)

    @cached_property
    def points(self) -> pd.DataFrame:
        """Item points (float64), one column per item id."""
        return pd.DataFrame({k: v / 100.0 for k, v in self.item_cents.items()}, index=self.index)

    @cached_property
    def total(self) -> pd.Series:
        """Total points (float64): the exact sum of the item points, rounded to the cent."""
        return pd.Series(self.total_cents / 100.0, index=self.index, name="total")

    @cached_property
    def eligible(self) -> pd.Series:
        """True where every eligibility gate holds."""
        return pd.Series(self.eligible_mask, index=self.index, name="eligible")

    @cached_property
    def reason(self) -> pd.Series:
        """The id of the first failing gate, or "" for the eligible (categorical)."""
        cat = pd.Categorical.from_codes(self.reason_codes.astype(np.int16), categories=self.reason_labels)
        return pd.Series(cat, index=self.index, name="reason")

    @property
    def scored(self) -> int:
        """Rows scored."""
        return self.n

    @property
    def rows_rejected(self) -> int:
        """Distinct rows rejected."""
        return int(self.rejected["row"].nunique()) if len(self.rejected) else 0

    def group_cents(self, groups: list[str] | tuple[str, ...] | str, rows: np.ndarray | None = None) -> np.ndarray:
        """Sum of the item points (cents, int64) of the items in ``groups``; only at the positions ``rows`` when
        given."""
        wanted = {groups} if isinstance(groups, str) else set(groups)
        out = np.zeros(self.n if rows is None else len(rows), dtype=np.int64)
        for item in self.scheme.items:
            if item.group in wanted:
                out += self.item_cents[item.id] if rows is None else self.item_cents[item.id][rows]
        return out

    def to_frame(self, lang: str | None = None) -> pd.DataFrame:
        """One row per scored person: person_id (if any), item points, total, eligible, reason.

        No per-row Python objects: person_id keeps the population's array (pyarrow text after loading), the reason
        is categorical (a small code per row and the gate ids), points and totals are float64 columns.
        """
        cols: dict[str, object] = {}
        if "person_id" in self.population.columns:
            ids = self.population["person_id"].array
            if isinstance(ids.dtype, pd.StringDtype) and ids.dtype != _TEXT:  # e.g. dask's string[pyarrow]
                ids = ids.astype(_TEXT)
            cols["person_id"] = ids
        for item in self.scheme.items:
            name = item.id if lang is None else item.name(lang)
            cols[name] = self.item_cents[item.id] / 100.0
        cols["total"] = self.total_cents / 100.0
        cols["eligible"] = self.eligible_mask
        cols["reason"] = self.reason.array
        return pd.DataFrame(cols, index=self.index, copy=False)

    def summary(self) -> dict[str, object]:
        """Counts for reports: rows_in, scored, rejected, eligible."""
        return {
            "rows_in": int(self.rows_in),
            "scored": int(self.n),
            "rejected": self.rows_rejected,
            "eligible": int(self.eligible_mask.sum()),
        }


def _empty_rejected() -> pd.DataFrame:
    return pd.DataFrame({"row": pd.Series([], dtype="int64"), "column": [], "reason": []})


# ------------------------------------------------------------------------------------------------------------
# Scoring
# ------------------------------------------------------------------------------------------------------------
def find_missing(pop: pd.DataFrame, scheme: Scheme, skip: set[str] | frozenset[str] = frozenset()) -> pd.DataFrame:
    """Rows with a missing (or infinite) value that the scheme needs for that row: (row, column, reason), one per
    problem. A value behind a condition that does not hold for the row is not needed (see
    :mod:`scoring.engine.missing`). Columns in ``skip`` are not checked (the fused kernel checks them on the way)."""
    cols = Columns(pop, scheme)
    found: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for column in scheme.columns():
        if column in skip:
            continue
        masks = cols.invalid(column, f"scheme {scheme.id}")
        if masks is not None and (masks[0].any() or masks[1].any()):
            found[column] = masks
    if not found:
        return _empty_rejected()
    pos = np.flatnonzero(np.logical_or.reduce([m | i for m, i in found.values()]))
    rows_with_gaps = pop[[c for c in scheme.columns() if c in pop.columns]].iloc[pos]  # only the columns read
    needed = needed_missing(rows_with_gaps, scheme, {c: (m | i)[pos] for c, (m, i) in found.items()})
    rows: list[pd.DataFrame] = []
    for column, (missing, infinite) in found.items():
        for mask, reason in ((missing, "missing value"), (infinite, "infinite value")):
            hit = pos[needed[column] & mask[pos]]
            if len(hit):
                rows.append(pd.DataFrame({"row": _row_numbers(pop, hit), "column": column, "reason": reason}))
    if not rows:
        return _empty_rejected()
    return pd.concat(rows, ignore_index=True).sort_values(["row", "column"], kind="stable", ignore_index=True)


def _row_numbers(pop: pd.DataFrame, pos: np.ndarray) -> np.ndarray:
    idx = pop.index
    if pd.api.types.is_integer_dtype(idx.dtype):
        return np.asarray(idx[pos], dtype=np.int64) + 1
    return pos.astype(np.int64) + 1


def _numba() -> ModuleType:
    """The numba backend, imported on first use (importing numba takes a noticeable part of a second)."""
    from scoring.engine import numba_kernel

    return numba_kernel


def default_engine() -> str:
    """"numba" when numba is installed, unless the environment variable SCORING_ENGINE says "numpy"."""
    wanted = os.environ.get("SCORING_ENGINE", "").strip().lower()
    if wanted and wanted not in ENGINES:
        raise ValueError(f"SCORING_ENGINE={wanted!r}: choose one of {', '.join(ENGINES)}")
    if wanted == "numpy" or not _numba().AVAILABLE:
        return "numpy"
    return "numba"


def kernel_compiled() -> bool:
    """Whether numba's cache holds the fused kernel (``scoring/engine/__pycache__``); else its first call compiles it,
    about 15 CPU-s once per machine (a command can say so instead of waiting silently). Read from the file names,
    without importing numba; True when NUMBA_CACHE_DIR puts the cache elsewhere (not looked for)."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return True
    return any((Path(__file__).parent / "__pycache__").glob("numba_kernel._kernel-*.nbi"))


STARTUP_NUMBA_ROWS = 30_000_000  # below this, a process that has not loaded numba scores faster with numpy


def startup_engine(n: int) -> str | None:
    """The engine for one score of ``n`` rows in a short-lived process (a CLI command): "numpy" when numba is not
    loaded yet, SCORING_ENGINE does not choose, and ``n`` is below :data:`STARTUP_NUMBA_ROWS`: loading numba and
    its cached kernel costs more CPU than the fused kernel saves on fewer rows (``bench_datapath.py cli``; both
    engines give the same cents). Else None: :func:`default_engine`."""
    if os.environ.get("SCORING_ENGINE", "").strip() or "numba" in sys.modules or n >= STARTUP_NUMBA_ROWS:
        return None
    return "numpy"


def _raise_if_invalid(rejected: pd.DataFrame, on_invalid: str) -> None:
    if len(rejected) and on_invalid == "raise":
        first = "; ".join(f"row {r.row}, column {r.column}: {r.reason}" for r in rejected.head(3).itertuples())
        raise PopulationError(f"{rejected['row'].nunique()} row(s) cannot be scored: {first}")


def score(pop: pd.DataFrame, scheme: Scheme, *, on_invalid: str = "raise", threads: int | None = None,
          engine: str | None = None) -> ScoreResult:
    """Score every person in ``pop`` under ``scheme``.

    A person with a missing (or infinite) value that the scheme needs for them is rejected with a reason: by default
    the first such rows raise :class:`PopulationError`; with ``on_invalid="reject"`` they are left out and listed in
    ``result.rejected``. A column the scheme needs but the population lacks raises :class:`PopulationError`.
    ``engine`` is "numba" (one fused compiled pass; the default when numba is installed) or "numpy" (whole-column
    numpy in row blocks); both give the same cents. ``threads`` caps the worker threads.
    """
    if on_invalid not in ("raise", "reject"):
        raise ValueError("on_invalid must be 'raise' or 'reject'")
    engine = engine or default_engine()
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    if engine == "numba" and not _numba().AVAILABLE:
        raise ValueError("engine='numba' needs the numba package (pip install -r requirements.txt)")
    for column in scheme.columns():
        if column not in pop.columns:
            raise PopulationError(
                f"scheme {scheme.id}: column {column!r} (used by {scheme.users_of(column)}) is not in "
                f"the population; its columns: {', '.join(map(str, pop.columns[:20]))}"
            )
    fused = _score_numba(pop, scheme, on_invalid, threads) if engine == "numba" else None
    if fused is None:
        rejected = find_missing(pop, scheme)
        _raise_if_invalid(rejected, on_invalid)
        item_cents, total, reason, beyond = _score_numpy(pop, scheme, threads)
        _refuse_beyond_limit(pop, scheme, beyond, rejected)
        eligible = reason == 0
    else:
        item_cents, total, reason, eligible, rejected = fused
    return _result(pop, scheme, item_cents, total, reason, eligible, rejected)


def _score_numba(pop: pd.DataFrame, scheme: Scheme, on_invalid: str, threads: int | None) -> tuple | None:
    """The fused path; None when the kernel cannot take the scheme exactly (the numpy path runs)."""
    try:
        plan = compile_scheme(scheme, Columns(pop, scheme))
    except ScoringInputError:
        _raise_if_invalid(find_missing(pop, scheme), on_invalid)  # missing values are reported first, as in numpy
        raise
    engine_numba = _numba()
    tables = engine_numba.encode(plan)
    if tables is None:
        return None
    rejected = find_missing(pop, scheme, skip=tables.fused_columns)
    if len(rejected) and on_invalid == "raise":
        _raise_if_invalid(find_missing(pop, scheme), on_invalid)  # name the same first rows as the numpy path
    out = engine_numba.run(tables, len(pop), threads or _THREADS, min(engine_numba.CHUNK_ROWS, BLOCK_ROWS))
    if out.beyond:  # an item gave someone more than the limit: the numpy path finds the rows and refuses them
        return None
    if out.nonfinite:  # a NaN or inf in a float column: list the rows exactly as the numpy path does
        rejected = find_missing(pop, scheme)
        _raise_if_invalid(rejected, on_invalid)
    item_cents = {item.id: out.cents[k] for k, item in enumerate(scheme.items)}
    return item_cents, out.total, out.reason, out.eligible, rejected


def _score_numpy(pop: pd.DataFrame, scheme: Scheme, threads: int | None) -> tuple:
    """Whole-column numpy in row blocks over a thread pool: (cents by item, total, reason codes, and the (item
    position, rows) where an item gives more than the limit: see :func:`scoring.engine.kernels.run_block`)."""
    n = len(pop)
    plan: CompiledScheme = compile_scheme(scheme, Columns(pop, scheme))
    beyond: list[tuple[int, np.ndarray]] = []
    block = run_block(plan, beyond)
    cents = [buffers.empty(n, np.int32) for _ in scheme.items]
    total = buffers.empty(n, np.int64)
    reason = buffers.empty(n, np.int8 if len(plan.gates) < 127 else np.int16)
    block_rows = BLOCK_ROWS

    def worker(first: int, step: int) -> None:
        s = Scratch(min(block_rows, n))
        with np.errstate(invalid="ignore", over="ignore"):  # rejected rows (NaN, inf) are computed, then dropped
            for start in range(first * block_rows, n, step * block_rows):
                block(cents, total, reason, slice(start, min(start + block_rows, n)), s)

    n_blocks = -(-n // block_rows)
    workers = max(1, min(threads or _THREADS, n_blocks))
    if workers > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(worker, range(workers), [workers] * workers))
    elif n:
        worker(0, 1)

    return {item.id: c for item, c in zip(scheme.items, cents, strict=True)}, total, reason, beyond


def _refuse_beyond_limit(pop: pd.DataFrame, scheme: Scheme, beyond: list[tuple[int, np.ndarray]],
                         rejected: pd.DataFrame) -> None:
    """Refuse (ScoringInputError) the first item that gives a row more than MAX_POINTS either way; rows rejected for
    a missing or infinite value are not counted (their cents are never used)."""
    if not beyond:
        return
    bad = set(rejected["row"].tolist()) if len(rejected) else set()
    for k, item in enumerate(scheme.items):
        parts = [rows for j, rows in beyond if j == k]
        if not parts:
            continue
        labels = _row_numbers(pop, np.sort(np.concatenate(parts)))
        labels = labels[~np.isin(labels, list(bad))] if bad else labels
        if len(labels):
            raise ScoringInputError(
                f"item {item.id}: {len(labels):,} row(s) would get more than ±{MAX_POINTS:,} points from it, the "
                f"most an item can give (first: row {labels[0]}); check its points_per_unit and unit, and the "
                "values of its column(s)")


def _result(pop: pd.DataFrame, scheme: Scheme, item_cents: dict[str, np.ndarray], total: np.ndarray,
            reason: np.ndarray, eligible: np.ndarray, rejected: pd.DataFrame) -> ScoreResult:
    n = len(pop)
    labels = ["", *[g.id for g in scheme.eligibility]]
    population = pop
    if len(rejected):
        keep = np.ones(n, dtype=bool)
        bad_rows = rejected["row"].to_numpy()
        all_rows = _row_numbers(pop, np.arange(n))
        keep[np.isin(all_rows, bad_rows)] = False
        item_cents = {k: v[keep] for k, v in item_cents.items()}
        total, eligible, reason = total[keep], eligible[keep], reason[keep]
        population = pop[keep]
    return ScoreResult(
        scheme=scheme,
        population=population,
        item_cents=item_cents,
        total_cents=total,
        eligible_mask=eligible,
        reason_codes=reason,
        reason_labels=labels,
        rejected=rejected,
        rows_in=n,
    )
