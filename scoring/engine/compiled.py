"""A scheme compiled once over a population: ONE plan that both scoring backends consume.

:func:`scoring.engine.compiler.compile_scheme` turns a scheme and the population's columns
(:class:`scoring.engine.columns.Columns`) into a :class:`CompiledScheme`: per item its look-up table, bands, flag
cents or per_unit constants and its ``when``; the eligibility gates; the group rules with their caps. Conditions
are postfix programs over leaves of tests, as data. This module holds the plan's pieces and how each is built.
The numpy backend (:mod:`scoring.engine.kernels`) and the fused numba kernel (:mod:`scoring.engine.numba_kernel`)
each run this same plan, so both give the same cents; nothing from a scheme is turned into code.

Numeric comparisons (gates, ``when``, band edges) are made in the column's own precision: a float32 column is
compared with the float32 value of the threshold, so a value written as 6.99 meets ``min: 6.99`` whatever the
storage; integer columns compare exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from scoring.engine.columns import Columns
from scoring.errors import SchemeError
from scoring.scheme.conditions import MAX_POINTS
from scoring.scheme.inputs import bool_text
from scoring.scheme.load import Condition, Item, Scheme

UNIT_TOLERANCE = 1e-3  # a value within 1/1000 of a step of the next step counts the step (float error, float32)
CENT_TOLERANCE = 1e-6  # a value within 1e-6 cent below a half cent rounds up (0.375 points is 38 cents, always)
MIN_UNITS_TOLERANCE = 1e-9

Test = tuple[str, "np.ndarray | None", object]  # (kind, column array, value): see condition_tests
Op = tuple[str, object]  # one step of a condition: ("leaf", [Test]), ("all", k), ("any", k), ("not", 1)
Program = list[Op]  # a condition as a postfix program (see condition_program)
NO_CAP = 1 << 62  # a group cap (cents) that never binds
ITEM_CENTS_LIMIT = MAX_POINTS * 100  # the most cents one item gives anyone; more is refused (int32 holds ~21x it)


def to_cents(points: np.ndarray) -> np.ndarray:
    """Points to int32 cents, half away from zero (四舍五入); ``CENT_TOLERANCE`` absorbs float error at a half cent."""
    out = np.multiply(points, 100.0, dtype=np.float64)
    out += np.copysign(0.5 + CENT_TOLERANCE, out)
    with np.errstate(invalid="ignore"):
        return np.nan_to_num(out, nan=0.0, posinf=0.0, neginf=0.0).astype(np.int32)


# ------------------------------------------------------------------------------------------------------------
# Conditions
# ------------------------------------------------------------------------------------------------------------
def _test_number(value: object, column: str, user: str, scheme: Scheme) -> float:
    """A test value (equals/in) compared with a numeric column: numbers, booleans, or true/false/yes/no text."""
    try:
        return float(bool_text(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise SchemeError(
            f"{scheme.path or scheme.id}: {user}: value {value!r} cannot match column {column!r}, which holds "
            f"numbers in the population; use a number or true/false"
        ) from None


def _as_comparable(arr: np.ndarray) -> np.ndarray:
    return arr.view(np.uint8) if arr.dtype == bool else arr


def bound_spec(arr: np.ndarray, bound: float, lower: bool, strict: bool = False) -> Test:
    """x >= bound (lower), x <= bound, or with ``strict`` x > bound / x < bound, in the column's precision;
    integer columns compare exactly (x > 2.5 is x >= 3, x < 3 is x <= 2)."""
    a = _as_comparable(arr)
    if a.dtype.kind in "iu":
        info = np.iinfo(a.dtype)
        if lower:
            edge = math.floor(bound) + 1 if strict else math.ceil(bound)
        else:
            edge = math.ceil(bound) - 1 if strict else math.floor(bound)
        always = edge <= info.min if lower else edge >= info.max
        never = edge > info.max if lower else edge < info.min
        if always or never:
            return ("const", None, bool(always))
        return ("ge" if lower else "le", a, a.dtype.type(edge))
    kind = ("gt" if lower else "lt") if strict else ("ge" if lower else "le")
    return (kind, a, a.dtype.type(bound))


def _typed(arr: np.ndarray, nums: list[float]) -> np.ndarray:
    """Test values that the column's dtype can hold exactly (others can never be equal), in that dtype."""
    a = _as_comparable(arr)
    if a.dtype.kind in "iu":
        info = np.iinfo(a.dtype)
        keep = [int(v) for v in nums if float(v).is_integer() and info.min <= v <= info.max]
        return np.array(sorted(set(keep)), dtype=a.dtype)
    return np.array(sorted(set(nums)), dtype=a.dtype)


def condition_program(cond: Condition, cols: Columns, user: str) -> list[Op]:
    """A condition as a postfix program shared by both engines: ("leaf", tests that must all hold), then
    ("all", k) / ("any", k) over the last k results, or ("not", 1)."""
    if cond.source is not None:
        return [("leaf", condition_tests(cond, cols, user))]
    ops: list[Op] = []
    for child in cond.children:
        ops.extend(condition_program(child, cols, user))
    if cond.not_ is not None:
        ops.append(("not", 1))
    else:
        ops.append(("all" if cond.all_of is not None else "any", len(cond.children)))
    return ops


def program_depth(ops: list[Op]) -> int:
    """The largest number of results a program holds at once (stack depth)."""
    depth = top = 0
    for kind, arg in ops:
        top = top + 1 if kind == "leaf" else top - int(arg) + 1  # type: ignore[call-overload]
        depth = max(depth, top)
    return depth


def condition_tests(cond: Condition, cols: Columns, user: str) -> list[Test]:
    """The tests of a leaf condition (all must hold), as data: ("in", column, values in its dtype), ("self", bool
    column, None), ("const", None, bool), ("ge"/"le"/"gt"/"lt", column, value in its dtype). Shared by the numpy and
    numba paths. A min_of/max_of is compared in numpy's common dtype of its columns."""
    source = cond.source
    assert source is not None
    if isinstance(source, str):
        column = source
        cols.require(column, user)
    else:
        for col in source.columns():
            cols.require(col, user)
        column = ""
    tests: list[Test] = []
    if cond.equals is not None or cond.in_ is not None:
        values = list(cond.in_) if cond.in_ is not None else [cond.equals]
        if column and cols.is_textual(column):
            codes, cats = cols.codes(column, user)
            lookup = {str(c): n for n, c in enumerate(cats)}
            wanted = {lookup[str(v)] for v in values if str(v) in lookup}
            if cond.equals is not None and cond.in_ is not None:
                wanted &= {lookup.get(str(cond.equals), -2)}
            tests.append(("in", codes, np.array(sorted(wanted), dtype=codes.dtype)))
        else:
            arr = cols.value(source, user)
            nums = [_test_number(v, column or "min_of/max_of", user, cols.scheme) for v in values]
            if cond.equals is not None and cond.in_ is not None:
                eq = _test_number(cond.equals, column or "min_of/max_of", user, cols.scheme)
                nums = [v for v in nums if v == eq]
            if arr.dtype == bool and nums == [1.0]:
                tests.append(("self", arr, None))  # the column itself (read only)
            else:
                tests.append(("in", _as_comparable(arr), _typed(arr, nums)))
    for bound, lower, strict in ((cond.min, True, False), (cond.max, False, False), (cond.above, True, True),
                                 (cond.below, False, True)):
        if bound is not None:
            tests.append(bound_spec(cols.value(source, user), bound, lower=lower, strict=strict))
    return tests


# ------------------------------------------------------------------------------------------------------------
# Items
# ------------------------------------------------------------------------------------------------------------
def lookup_column(item: Item, cols: Columns) -> tuple[str, np.ndarray] | None:
    """(column, array) when the item reads one small-integer or boolean column (a look-up table item), else None."""
    used = set(item.source_columns())
    if len(used) == 1:
        column = next(iter(used))
        cols.require(column, f"item {item.id}")
        if not cols.is_textual(column):
            arr = cols.numeric(column, f"item {item.id}")
            if arr.dtype.kind in "biu" and arr.dtype.itemsize <= 2:
                return column, arr
    return None


def category_table(item: Item, cols: Columns, user: str) -> tuple[np.ndarray, np.ndarray]:
    """(codes, cents by code); code -1 (missing) takes the last entry, the default."""
    codes, cats = cols.codes(item.column or "", user)
    norm = {str(k): v for k, v in (item.points if isinstance(item.points, dict) else {}).items()}
    return codes, to_cents(np.array([norm.get(str(c), item.default) for c in cats] + [item.default], np.float64))


def flag_cents(item: Item) -> int:
    """A flag item's points in cents."""
    return int(to_cents(np.array([float(item.points)]))[0])  # type: ignore[arg-type]


def band_table(item: Item, arr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sorted edges in the column's precision, cents of each interval): value x scores
    ``lut[searchsorted(edges, x, side="right")]``, i.e. the entry after the number of edges <= x."""
    kind = _as_comparable(arr).dtype
    typed = (lambda v: float(kind.type(v))) if kind.kind == "f" else float
    bands = [(-math.inf if b.min is None else typed(b.min), math.inf if b.max is None else typed(b.max), b.points)
             for b in item.bands or []]
    edges = np.array(sorted({e for lo, hi, _ in bands for e in (lo, hi) if math.isfinite(e)}), dtype=np.float64)
    points = np.full(len(edges) + 1, item.default, dtype=np.float64)
    for k in range(len(edges) + 1):  # interval k is [edges[k-1], edges[k])
        lo = -math.inf if k == 0 else edges[k - 1]
        for blo, bhi, pts in bands:
            if blo <= lo < bhi:
                points[k] = pts
    return (edges.astype(kind) if kind.kind == "f" else edges), to_cents(points)


@dataclass
class PerUnit:
    """A per_unit item's inputs and constants (see :func:`per_unit_params`)."""

    sources: list[tuple[np.ndarray, float]]  # (column, weight)
    limit: np.ndarray | None  # max_units_column
    unit: float | None
    min_steps: float | None  # units (or steps) below this score 0
    factor: float  # cents per step (or per unit)
    cap_cents: float | None
    exact: bool  # whole steps x whole cents: no rounding


def per_unit_params(item: Item, cols: Columns, user: str) -> PerUnit:
    """The arrays and constants of a per_unit item, shared by the numpy and numba paths."""
    source = item.source
    sources = [(cols.value(source, user), 1.0)] if source is not None else [
        (cols.numeric(c, user), float(w)) for c, w in (item.columns or {}).items()
    ]
    limit = cols.numeric(item.max_units_column, user) if item.max_units_column else None
    unit, min_units, cap = item.unit, item.min_units, item.cap
    ppu = float(item.points_per_unit or 0.0)
    factor = (unit if unit is not None else 1.0) * ppu * 100.0  # cents per step (or per unit)
    min_steps = None
    if min_units:
        min_steps = (min_units - MIN_UNITS_TOLERANCE) / unit if unit is not None else min_units - MIN_UNITS_TOLERANCE
    cap_cents = None if cap is None else cap * 100.0
    # whole steps times a whole number of cents per step are exact: no rounding needed (3 points a year by month)
    exact = unit is not None and abs(factor - round(factor)) < 1e-9 and (cap_cents is None or cap_cents.is_integer())
    if exact:
        factor = float(round(factor))
    return PerUnit(sources, limit, unit, min_steps, factor, cap_cents, exact)


# ------------------------------------------------------------------------------------------------------------
# Group rules
# ------------------------------------------------------------------------------------------------------------
@dataclass
class GroupStep:
    """One group rule as applied: its items (with those of groups within it), best-only, and its caps in cents:
    ``caps`` are (condition, cents) tried in order, the first that holds applies, else ``cap`` (None: no cap)."""

    group: str
    ids: list[str]
    best_only: bool
    cap: int | None
    caps: list[tuple[Condition, int]]

    @property
    def capped(self) -> bool:
        """True when some row may be capped."""
        return self.cap is not None or bool(self.caps)


def group_rules(scheme: Scheme) -> list[GroupStep]:
    """The group rules that apply, groups before the sections they are within (else in the scheme's order).

    This is the one definition of which items a rule covers and which cap applies; the engine's backends, the
    tuner's fast model and the design share all apply these steps (:func:`scoring.engine.kernels.apply_group_rule`).
    """
    rules = []
    for group in scheme.group_order():
        rule = scheme.groups[group]
        ids = scheme.group_items(group)
        if ids:
            cap = None if rule.cap is None else round(rule.cap * 100)
            caps: list[tuple[Condition, int]] = []
            for entry in rule.caps or []:
                cents = round(entry.cap * 100)
                if entry.when is None:  # an unconditional entry ends the list (validation forbids entries after it)
                    cap = cents
                    break
                caps.append((entry.when, cents))
            rules.append(GroupStep(group, ids, rule.mode == "max" and len(ids) > 1, cap, caps))
    return rules


# ------------------------------------------------------------------------------------------------------------
# The plan
# ------------------------------------------------------------------------------------------------------------
@dataclass
class TableItem:
    """Cents by value: ``table[column]``, a negative value counting from the end (a category's code -1, missing,
    takes the last entry, the default). ``index`` is the column as the numpy backend indexes the table (unsigned
    for a look-up over every value of a small dtype, the signed codes of a category)."""

    column: np.ndarray
    index: np.ndarray
    table: np.ndarray  # int32 cents


@dataclass
class BandsItem:
    """Cents by interval: ``table[number of edges <= x]`` (NaN counts every edge); see :func:`band_table`."""

    column: np.ndarray
    edges: np.ndarray  # sorted, in the column's precision
    table: np.ndarray  # int32 cents, one more than the edges


@dataclass
class FlagItem:
    """``cents`` where the column is non-zero, else 0."""

    column: np.ndarray
    cents: int


@dataclass
class ItemPlan:
    """One item compiled: how its cents are computed, and its ``when`` (None: always; a look-up table holds it)."""

    id: str
    how: TableItem | BandsItem | FlagItem | PerUnit
    when: Program | None


@dataclass
class GroupPlan:
    """A group rule compiled: the positions of its items in the scheme and its conditional caps as programs."""

    step: GroupStep
    items: list[int]
    caps: list[tuple[Program, int]]


@dataclass
class CompiledScheme:
    """A scheme compiled over one population's columns: what both backends run (see
    :func:`scoring.engine.compiler.compile_scheme`)."""

    scheme: Scheme
    cols: Columns
    items: list[ItemPlan]
    gates: list[Program]
    groups: list[GroupPlan]


def compile_groups(scheme: Scheme, cols: Columns) -> list[GroupPlan]:
    """The group rules of :func:`group_rules` with item positions and conditional caps compiled over ``cols``."""
    index = {item.id: k for k, item in enumerate(scheme.items)}
    return [GroupPlan(step, [index[i] for i in step.ids],
                      [(condition_program(c, cols, "groups (caps)"), cents) for c, cents in step.caps])
            for step in group_rules(scheme)]


def dtype_values(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(every value of a small-integer or boolean column's dtype, the column viewed as an index into them)."""
    if arr.dtype == bool:
        return np.array([False, True]), arr.view(np.uint8)
    unsigned = np.dtype(f"u{arr.dtype.itemsize}")
    return np.arange(1 << (8 * arr.dtype.itemsize), dtype=unsigned).view(arr.dtype), arr.view(unsigned)


def direct_item(item: Item, cols: Columns) -> ItemPlan:
    """The item as written: its kind's table or constants over its columns, and its ``when``."""
    user = f"item {item.id}"
    when = condition_program(item.when, cols, f"{user} (when)") if item.when is not None else None
    how: TableItem | BandsItem | FlagItem | PerUnit
    if item.kind == "per_unit":
        how = per_unit_params(item, cols, user)
    elif item.kind == "category":
        codes, lut = category_table(item, cols, user)
        how = TableItem(codes, codes, lut)
    elif item.kind == "bands":
        arr = cols.value(item.source or "", user)
        how = BandsItem(arr, *band_table(item, arr))
    else:
        how = FlagItem(cols.value(item.source or "", user), flag_cents(item))
    return ItemPlan(item.id, how, when)


def cents_bound(item: ItemPlan) -> int | None:
    """The largest absolute cents the item's kernel writes for a row with finite inputs (a table's or a flag's
    entries, a capped per_unit's cap), or None when only the values can tell. Group rules never raise it: a cap
    clips a running sum, which moves each item's share by at most its own cents."""
    how = item.how
    if isinstance(how, (TableItem, BandsItem)):
        return int(np.abs(how.table.astype(np.int64)).max()) if len(how.table) else 0
    if isinstance(how, FlagItem):
        return abs(int(how.cents))
    if how.cap_cents is not None:  # clipped, then rounded half away from zero and truncated
        return int(abs(how.cap_cents) + (0.0 if how.exact else 0.5 + CENT_TOLERANCE))
    return None


def needs_range_check(bound: int | None) -> bool:
    """Whether the engine must check that no row gets more than :data:`ITEM_CENTS_LIMIT` from an item of this
    :func:`cents_bound`: unknown, or above the limit (a look-up table with an entry beyond it, whose value may or may
    not occur)."""
    return bound is None or bound > ITEM_CENTS_LIMIT
