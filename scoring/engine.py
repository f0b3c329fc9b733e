"""Vectorised scoring: population x scheme -> item points, totals, eligibility.

Whole-column numpy on compact dtypes, in row blocks spread over a small thread pool (numpy releases the GIL),
so temporaries stay block-sized. Item points are rounded to the cent, as published lists are, and kept as int32
cents; the total is their exact integer sum. A person with a missing value in any column the scheme reads is
rejected with a reason, never scored as 0.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from scoring.errors import PopulationError, SchemeError
from scoring.scheme import Condition, Item, Scheme

BLOCK_ROWS = 1 << 18
UNIT_TOLERANCE = 1e-3  # a value within 1/1000 of a step of the next step counts the step (float error, float32)
CENT_TOLERANCE = 1e-6  # a value within 1e-6 cent below a half cent rounds up (0.375 points is 38 cents, always)
_THREADS = max(1, min(4, os.cpu_count() or 1))


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

    def group_cents(self, groups: list[str] | tuple[str, ...] | str) -> np.ndarray:
        """Sum of the item points (cents, int64) of the items in ``groups``."""
        wanted = {groups} if isinstance(groups, str) else set(groups)
        out = np.zeros(self.n, dtype=np.int64)
        for item in self.scheme.items:
            if item.group in wanted:
                out += self.item_cents[item.id]
        return out

    def to_frame(self, lang: str | None = None) -> pd.DataFrame:
        """One row per scored person: person_id (if any), item points, total, eligible, reason."""
        cols: dict[str, object] = {}
        if "person_id" in self.population.columns:
            cols["person_id"] = self.population["person_id"].to_numpy()
        for item in self.scheme.items:
            name = item.id if lang is None else item.name(lang)
            cols[name] = self.item_cents[item.id] / 100.0
        cols["total"] = self.total_cents / 100.0
        cols["eligible"] = self.eligible_mask
        cols["reason"] = self.reason.to_numpy()
        return pd.DataFrame(cols, index=self.index)

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
# Column access
# ------------------------------------------------------------------------------------------------------------
class _Columns:
    """Population columns as numpy arrays, prepared once: numbers, booleans, or category codes."""

    def __init__(self, pop: pd.DataFrame, scheme: Scheme) -> None:
        self.pop = pop
        self.scheme = scheme
        self._numeric: dict[str, np.ndarray] = {}
        self._codes: dict[str, tuple[np.ndarray, list[object]]] = {}

    def require(self, column: str, user: str) -> pd.Series:
        if column not in self.pop.columns:
            raise PopulationError(
                f"column {column!r} (used by {user} of scheme {self.scheme.id}) is not in the population"
            )
        return self.pop[column]

    def is_textual(self, column: str) -> bool:
        s = self.pop[column]
        return isinstance(s.dtype, pd.CategoricalDtype) or s.dtype == object or pd.api.types.is_string_dtype(s)

    def numeric(self, column: str, user: str) -> np.ndarray:
        """The column as a numeric numpy array (bools as 0/1); an error names a non-numeric column."""
        if column in self._numeric:
            return self._numeric[column]
        s = self.require(column, user)
        kind = s.dtype.kind if isinstance(s.dtype, np.dtype) else ""
        if kind in "biuf" and kind:
            arr = s.to_numpy()
        elif not self.is_textual(column) and (
            pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype)
        ):
            arr = s.to_numpy(dtype=np.float64, na_value=np.nan)  # nullable extension types
        else:
            converted = pd.to_numeric(s.astype(object).map(_bool_text), errors="coerce")
            bad = converted.isna() & s.notna()
            if bad.any():
                pos = int(np.flatnonzero(bad.to_numpy())[0])
                raise PopulationError(
                    f"column {column!r} (used by {user}) must be numeric; row {_row_number(self.pop, pos)} "
                    f"has {s.iloc[pos]!r}"
                )
            arr = converted.to_numpy(dtype=np.float64, na_value=np.nan)
        self._numeric[column] = arr
        return arr

    def codes(self, column: str, user: str) -> tuple[np.ndarray, list[object]]:
        """The column as category codes (-1 = missing) and its categories."""
        if column in self._codes:
            return self._codes[column]
        s = self.require(column, user)
        cat = s.array if isinstance(s.dtype, pd.CategoricalDtype) else pd.Categorical(s)
        result = (np.asarray(cat.codes), list(cat.categories))
        self._codes[column] = result
        return result

    def missing(self, column: str, user: str) -> np.ndarray | None:
        """Mask of missing values in the column (None when it has none)."""
        s = self.require(column, user)
        if not s.hasnans:
            return None
        return s.isna().to_numpy()


def _bool_text(value: object) -> object:
    """True/False given as text count as 1/0 in a numeric context."""
    if isinstance(value, str):
        low = value.strip().lower()
        if low in ("true", "yes"):
            return 1
        if low in ("false", "no"):
            return 0
    return value


def _row_number(pop: pd.DataFrame, pos: int) -> int:
    label = pop.index[pos]
    return int(label) + 1 if isinstance(label, int | np.integer) else pos + 1


# ------------------------------------------------------------------------------------------------------------
# Conditions, items
# ------------------------------------------------------------------------------------------------------------
def _condition_fn(cond: Condition, cols: _Columns, user: str) -> Callable[[slice], np.ndarray]:
    """A function of a row block returning the boolean mask where the condition holds."""
    column = cond.column
    cols.require(column, user)
    textual = cols.is_textual(column)
    values = [cond.equals] if cond.equals is not None else []
    if cond.in_ is not None:
        values = list(cond.in_)
    tests: list[Callable[[slice], np.ndarray]] = []
    if cond.equals is not None or cond.in_ is not None:
        if textual:
            codes, cats = cols.codes(column, user)
            lookup = {str(c): n for n, c in enumerate(cats)}
            wanted = np.array(sorted({lookup[str(v)] for v in values if str(v) in lookup}), dtype=np.int64)
            if cond.equals is not None and cond.in_ is not None:
                eq = lookup.get(str(cond.equals), -2)
                wanted = wanted[wanted == eq]
            tests.append(lambda sl, c=codes, w=wanted: np.isin(c[sl], w))
        else:
            arr = cols.numeric(column, user)
            nums = np.array([_test_number(v, column, user, cols.scheme) for v in values], dtype=np.float64)
            if cond.equals is not None and cond.in_ is not None:
                nums = nums[nums == _test_number(cond.equals, column, user, cols.scheme)]
            if len(nums) == 1:
                tests.append(lambda sl, a=arr, v=nums[0]: a[sl] == v)
            else:
                tests.append(lambda sl, a=arr, v=nums: np.isin(a[sl], v))
    if cond.min is not None or cond.max is not None:
        arr = cols.numeric(column, user)
        if cond.min is not None:
            tests.append(lambda sl, a=arr, m=cond.min: a[sl] >= m)
        if cond.max is not None:
            tests.append(lambda sl, a=arr, m=cond.max: a[sl] <= m)

    def run(sl: slice) -> np.ndarray:
        mask = tests[0](sl)
        for test in tests[1:]:
            mask &= test(sl)
        return mask

    return run


def _test_number(value: object, column: str, user: str, scheme: Scheme) -> float:
    """A test value (equals/in) compared with a numeric column: numbers, booleans, or true/false/yes/no text."""
    converted = _bool_text(value)
    try:
        return float(converted)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise SchemeError(
            f"{scheme.path or scheme.id}: {user}: value {value!r} cannot match column {column!r}, which holds "
            f"numbers in the population; use a number or true/false"
        ) from None


def _to_cents(points: np.ndarray) -> np.ndarray:
    """Points to int32 cents, half away from zero (四舍五入); ``CENT_TOLERANCE`` absorbs float error at a half cent."""
    out = np.multiply(points, 100.0, dtype=np.float64)
    out += np.copysign(0.5 + CENT_TOLERANCE, out)
    np.trunc(out, out=out)
    np.nan_to_num(out, copy=False, nan=0.0, posinf=0.0, neginf=0.0)
    return out.astype(np.int32)


def _item_fn(item: Item, cols: _Columns) -> Callable[[slice], np.ndarray]:
    """A function of a row block returning the item's points in cents (int32), before group rules."""
    user = f"item {item.id}"
    when = _condition_fn(item.when, cols, f"{user} (when)") if item.when is not None else None
    if item.kind == "per_unit":
        fn = _per_unit_fn(item, cols, user)
    elif item.kind == "category":
        fn = _category_fn(item, cols, user)
    elif item.kind == "bands":
        fn = _bands_fn(item, cols, user)
    else:
        arr = cols.numeric(item.column or "", user)
        cents = int(_to_cents(np.array([float(item.points)]))[0])  # type: ignore[arg-type]
        fn = lambda sl: np.where(arr[sl] != 0, np.int32(cents), np.int32(0)).astype(np.int32)  # noqa: E731
    if when is None:
        return fn

    def with_when(sl: slice) -> np.ndarray:
        out = fn(sl)
        out[~when(sl)] = 0
        return out

    return with_when


def _per_unit_fn(item: Item, cols: _Columns, user: str) -> Callable[[slice], np.ndarray]:
    sources = [(cols.numeric(item.column, user), 1.0)] if item.column else [
        (cols.numeric(c, user), float(w)) for c, w in (item.columns or {}).items()
    ]
    limit = cols.numeric(item.max_units_column, user) if item.max_units_column else None
    unit, min_units, cap = item.unit, item.min_units, item.cap
    ppu = float(item.points_per_unit or 0.0)

    def run(sl: slice) -> np.ndarray:
        first, weight = sources[0]
        units = first[sl].astype(np.float64) if weight == 1.0 else np.multiply(first[sl], weight, dtype=np.float64)
        for arr, w in sources[1:]:
            units += np.multiply(arr[sl], w, dtype=np.float64) if w != 1.0 else arr[sl]
        if limit is not None:
            np.minimum(units, limit[sl], out=units)
        if unit is not None:
            units /= unit
            units += UNIT_TOLERANCE
            np.floor(units, out=units)
            units *= unit
        if min_units:
            units[units < min_units - 1e-9] = 0.0
        units *= ppu
        if cap is not None:
            np.clip(units, -cap, cap, out=units)
        return _to_cents(units)

    return run


def _category_fn(item: Item, cols: _Columns, user: str) -> Callable[[slice], np.ndarray]:
    codes, cats = cols.codes(item.column or "", user)
    table = item.points if isinstance(item.points, dict) else {}
    norm = {str(k): v for k, v in table.items()}
    lut = np.array([norm.get(str(c), item.default) for c in cats] + [item.default], dtype=np.float64)
    lut_cents = _to_cents(lut)
    return lambda sl: lut_cents[codes[sl]]


def _bands_fn(item: Item, cols: _Columns, user: str) -> Callable[[slice], np.ndarray]:
    arr = cols.numeric(item.column or "", user)
    bands = item.bands or []
    edges = np.array(sorted({e for b in bands for e in (b.min, b.max) if e is not None}), dtype=np.float64)
    # interval k is [edges[k-1], edges[k]); interval 0 is below edges[0], the last is at or above edges[-1]
    lut = np.full(len(edges) + 1, item.default, dtype=np.float64)
    for k in range(len(edges) + 1):
        lo = -np.inf if k == 0 else edges[k - 1]
        for b in bands:
            bmin = -np.inf if b.min is None else b.min
            bmax = np.inf if b.max is None else b.max
            if bmin <= lo < bmax:
                lut[k] = b.points
    lut_cents = _to_cents(lut)
    return lambda sl: lut_cents[np.searchsorted(edges, arr[sl], side="right")]


def _apply_group_rules(scheme: Scheme, cents: dict[str, np.ndarray], sl: slice) -> None:
    for group, rule in scheme.groups.items():
        ids = [i.id for i in scheme.items if i.group == group]
        if not ids:
            continue
        stack = np.stack([cents[i][sl] for i in ids]).astype(np.int64)
        if rule.mode == "max" and len(ids) > 1:
            best = np.argmax(stack, axis=0)
            keep = np.arange(len(ids))[:, None] == best[None, :]
            stack = np.where(keep, stack, 0)
        if rule.cap is not None:
            running = np.minimum(np.cumsum(stack, axis=0), round(rule.cap * 100))
            stack = np.diff(running, axis=0, prepend=0)
        for n, i in enumerate(ids):
            cents[i][sl] = stack[n]


# ------------------------------------------------------------------------------------------------------------
# Scoring
# ------------------------------------------------------------------------------------------------------------
def find_missing(pop: pd.DataFrame, scheme: Scheme) -> pd.DataFrame:
    """Rows with a missing value in a column the scheme reads: (row, column, reason), one line per problem."""
    cols = _Columns(pop, scheme)
    rows: list[pd.DataFrame] = []
    for column in scheme.columns():
        mask = cols.missing(column, f"scheme {scheme.id}")
        if mask is None:
            continue
        pos = np.flatnonzero(mask)
        numbers = _row_numbers(pop, pos)
        rows.append(pd.DataFrame({"row": numbers, "column": column, "reason": "missing value"}))
    if not rows:
        return _empty_rejected()
    return pd.concat(rows, ignore_index=True).sort_values(["row", "column"], kind="stable", ignore_index=True)


def _row_numbers(pop: pd.DataFrame, pos: np.ndarray) -> np.ndarray:
    idx = pop.index
    if pd.api.types.is_integer_dtype(idx.dtype):
        return np.asarray(idx[pos], dtype=np.int64) + 1
    return pos.astype(np.int64) + 1


def score(pop: pd.DataFrame, scheme: Scheme, *, on_invalid: str = "raise", threads: int | None = None) -> ScoreResult:
    """Score every person in ``pop`` under ``scheme``.

    A person with a missing value in a column the scheme reads is rejected with a reason: by default the first
    such rows raise :class:`PopulationError`; with ``on_invalid="reject"`` they are left out and listed in
    ``result.rejected``. A column the scheme needs but the population lacks raises :class:`PopulationError`.
    """
    if on_invalid not in ("raise", "reject"):
        raise ValueError("on_invalid must be 'raise' or 'reject'")
    for column in scheme.columns():
        if column not in pop.columns:
            users = [i.id for i in scheme.items if column in i.source_columns()]
            users += [g.id for g in scheme.eligibility if g.column == column]
            raise PopulationError(
                f"scheme {scheme.id}: column {column!r} (used by {', '.join(users) or 'a tie-break'}) is not in "
                f"the population; its columns: {', '.join(map(str, pop.columns[:20]))}"
            )
    rejected = find_missing(pop, scheme)
    if len(rejected) and on_invalid == "raise":
        first = "; ".join(f"row {r.row}, column {r.column}: {r.reason}" for r in rejected.head(3).itertuples())
        raise PopulationError(f"{rejected['row'].nunique()} row(s) cannot be scored: {first}")

    n = len(pop)
    cols = _Columns(pop, scheme)
    item_fns = {item.id: _item_fn(item, cols) for item in scheme.items}
    gate_fns = [_condition_fn(g, cols, f"eligibility gate {g.id}") for g in scheme.eligibility]
    item_cents = {item.id: np.empty(n, dtype=np.int32) for item in scheme.items}
    total = np.empty(n, dtype=np.int64)
    reason = np.zeros(n, dtype=np.int8 if len(gate_fns) < 127 else np.int16)

    def block(start: int) -> None:
        sl = slice(start, min(start + BLOCK_ROWS, n))
        for item_id, fn in item_fns.items():
            item_cents[item_id][sl] = fn(sl)
        _apply_group_rules(scheme, item_cents, sl)
        acc = np.zeros(sl.stop - sl.start, dtype=np.int64)
        for arr in item_cents.values():
            acc += arr[sl]
        total[sl] = acc
        codes = np.zeros(sl.stop - sl.start, dtype=reason.dtype)
        for k in range(len(gate_fns) - 1, -1, -1):
            codes[~gate_fns[k](sl)] = k + 1
        reason[sl] = codes

    starts = range(0, n, BLOCK_ROWS)
    workers = threads or _THREADS
    if workers > 1 and n > BLOCK_ROWS:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(block, starts))
    else:
        for start in starts:
            block(start)

    eligible = reason == 0
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
