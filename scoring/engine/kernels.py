"""The numpy kernels of the scoring engine: a scheme's items, conditions and group rules as block functions.

Each kernel works on one block of rows and writes into the caller's output with ``out=`` arguments and per-thread
scratch buffers, so a block allocates (almost) nothing and its temporaries stay in cache. An item that reads a
single small-integer or boolean column (age, counts, flags) is evaluated once over every possible value of the
column's dtype and becomes a look-up table: one ``take`` per block. The parameters come from
:mod:`scoring.engine.params`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from scoring.engine.params import (
    CENT_TOLERANCE,
    NO_CAP,
    UNIT_TOLERANCE,
    Columns,
    PerUnit,
    Test,
    band_table,
    category_table,
    condition_program,
    flag_cents,
    group_rules,
    lookup_column,
    per_unit_params,
)
from scoring.scheme.load import Condition, Item, Scheme


class Scratch:
    """Per-thread block buffers."""

    def __init__(self, rows: int) -> None:
        self.f1 = np.empty(rows, np.float64)
        self.f2 = np.empty(rows, np.float64)
        self.b1 = np.empty(rows, bool)
        self.b2 = np.empty(rows, bool)
        self.b3 = np.empty(rows, bool)
        self.i1 = np.empty(rows, np.int32)
        self.i2 = np.empty(rows, np.int32)
        self.l1 = np.empty(rows, np.int64)
        self.l2 = np.empty(rows, np.int64)
        self.l3 = np.empty(rows, np.int64)


ItemKernel = Callable[[slice, np.ndarray, Scratch], None]  # (rows, out int32 view, scratch)
CondKernel = Callable[[slice, Scratch], np.ndarray]  # (rows, scratch) -> bool mask (read only)

class _Values(Columns):
    """One column replaced by given values (every value of its dtype), to build look-up tables."""

    def __init__(self, base: Columns, column: str, values: np.ndarray) -> None:
        super().__init__(base.pop, base.scheme)
        self._numeric[column] = values


# ------------------------------------------------------------------------------------------------------------
# Conditions
# ------------------------------------------------------------------------------------------------------------
def _numpy_test(test: Test) -> Callable[[slice, np.ndarray], np.ndarray]:
    kind, arr, value = test
    if kind == "const":
        return lambda sl, out: (out.fill(value), out)[1]
    assert arr is not None
    if kind == "self":
        return lambda sl, out: arr[sl]
    if kind == "ge":
        return lambda sl, out: np.greater_equal(arr[sl], value, out=out)
    if kind == "le":
        return lambda sl, out: np.less_equal(arr[sl], value, out=out)
    if kind == "gt":
        return lambda sl, out: np.greater(arr[sl], value, out=out)
    if kind == "lt":
        return lambda sl, out: np.less(arr[sl], value, out=out)
    return _member_test(arr, value)


def _leaf(tests: list[Test]) -> CondKernel:
    fns = [_numpy_test(t) for t in tests]

    def run(sl: slice, s: Scratch) -> np.ndarray:
        n = sl.stop - sl.start
        mask = fns[0](sl, s.b1[:n])
        for test in fns[1:]:
            other = test(sl, s.b2[:n])
            mask = np.logical_and(mask, other, out=s.b1[:n])
        return mask

    return run


def compile_condition(cond: Condition, cols: Columns, user: str) -> CondKernel:
    """A kernel returning the mask where the condition holds: a leaf's tests all hold; all_of/any_of/not combine
    the masks of their parts (the program of :func:`condition_program`, the same one the numba path runs)."""
    ops = condition_program(cond, cols, user)
    if len(ops) == 1:
        return _leaf(ops[0][1])  # type: ignore[arg-type]
    steps = [(kind, _leaf(arg) if kind == "leaf" else arg) for kind, arg in ops]  # type: ignore[arg-type]

    def run(sl: slice, s: Scratch) -> np.ndarray:
        stack: list[np.ndarray] = []
        for kind, arg in steps:
            if kind == "leaf":
                stack.append(arg(sl, s).copy())  # type: ignore[operator]
            elif kind == "not":
                np.logical_not(stack[-1], out=stack[-1])
            else:
                k = int(arg)  # type: ignore[call-overload]
                parts = stack[len(stack) - k:]
                del stack[len(stack) - k:]
                fn = np.logical_and if kind == "all" else np.logical_or
                for part in parts[1:]:
                    fn(parts[0], part, out=parts[0])
                stack.append(parts[0])
        n = sl.stop - sl.start
        np.copyto(s.b1[:n], stack[0])
        return s.b1[:n]

    return run


def _member_test(arr: np.ndarray, wanted: np.ndarray) -> Callable[[slice, np.ndarray], np.ndarray]:
    if len(wanted) == 0:
        return lambda sl, out: (out.fill(False), out)[1]
    if len(wanted) == 1:
        value = wanted[0]
        return lambda sl, out: np.equal(arr[sl], value, out=out)

    def run(sl: slice, out: np.ndarray) -> np.ndarray:
        out[...] = np.isin(arr[sl], wanted)
        return out

    return run


# ------------------------------------------------------------------------------------------------------------
# Items
# ------------------------------------------------------------------------------------------------------------
def lookup_table(item: Item, cols: Columns, column: str, arr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The item's cents for every value of the column's dtype (``when`` included), and the column viewed as the
    table's index (unsigned)."""
    if arr.dtype == bool:
        values = np.array([False, True])
        index = arr.view(np.uint8)
    else:
        unsigned = np.dtype(f"u{arr.dtype.itemsize}")
        values = np.arange(1 << (8 * arr.dtype.itemsize), dtype=unsigned).view(arr.dtype)
        index = arr.view(unsigned)
    fn = _direct_kernel(item, _Values(cols, column, values))
    lut = np.empty(len(values), np.int32)
    fn(slice(0, len(values)), lut, Scratch(len(values)))
    return lut, index


def compile_item(item: Item, cols: Columns) -> ItemKernel:
    """A kernel writing the item's cents (before group rules) into ``out``."""
    found = lookup_column(item, cols)
    if found is not None:
        return _lookup_kernel(item, cols, *found)
    return _direct_kernel(item, cols)


def _lookup_kernel(item: Item, cols: Columns, column: str, arr: np.ndarray) -> ItemKernel:
    """Evaluate the item once for every value of a small integer dtype; then one ``take`` per block."""
    lut, index = lookup_table(item, cols, column, arr)
    if arr.dtype == bool and lut[0] == 0:  # a flag: points where true
        return lambda sl, out, s: np.multiply(arr[sl], lut[1], out=out)
    return lambda sl, out, s: np.take(lut, index[sl], out=out)


def _direct_kernel(item: Item, cols: Columns) -> ItemKernel:
    user = f"item {item.id}"
    when = compile_condition(item.when, cols, f"{user} (when)") if item.when is not None else None
    if item.kind == "per_unit":
        fn = _per_unit(per_unit_params(item, cols, user))
    elif item.kind == "category":
        codes, lut = category_table(item, cols, user)
        fn = lambda sl, out, s: np.take(lut, codes[sl], out=out, mode="wrap")  # noqa: E731  (-1 -> default)
    elif item.kind == "bands":
        arr = cols.value(item.source or "", user)
        search, lut = band_table(item, arr)
        fn = _small_int_bands(arr, search, lut) or (
            lambda sl, out, s: np.take(lut, np.searchsorted(search, arr[sl], side="right"), out=out))
    else:
        fn = _flag(cols.value(item.source or "", user), flag_cents(item))
    if when is None:
        return fn

    def with_when(sl: slice, out: np.ndarray, s: Scratch) -> None:
        fn(sl, out, s)
        np.multiply(out, when(sl, s), out=out)

    return with_when


def _small_int_bands(arr: np.ndarray, search: np.ndarray, lut: np.ndarray) -> ItemKernel | None:
    """Bands over a small-integer or boolean column (or min_of/max_of of such): the band of every value of the
    dtype, looked up with one ``take`` (the same cents as the search, without a search per row)."""
    if arr.dtype.kind not in "biu" or arr.dtype.itemsize > 2:
        return None
    unsigned = np.dtype(np.uint8) if arr.dtype == bool else np.dtype(f"u{arr.dtype.itemsize}")
    values = np.array([False, True]) if arr.dtype == bool else \
        np.arange(1 << (8 * arr.dtype.itemsize), dtype=unsigned).view(arr.dtype)
    table = np.take(lut, np.searchsorted(search, values, side="right"))
    index = arr.view(unsigned)
    return lambda sl, out, s: np.take(table, index[sl], out=out)


def _flag(arr: np.ndarray, cents: int) -> ItemKernel:
    def run(sl: slice, out: np.ndarray, s: Scratch) -> None:
        mask = np.not_equal(arr[sl], 0, out=s.b3[: sl.stop - sl.start])
        np.multiply(mask, np.int32(cents), out=out)

    return run


def _per_unit(p: PerUnit) -> ItemKernel:
    sources, limit, unit, min_steps, factor, cap_cents, exact = (
        p.sources, p.limit, p.unit, p.min_steps, p.factor, p.cap_cents, p.exact)

    def run(sl: slice, out: np.ndarray, s: Scratch) -> None:
        n = sl.stop - sl.start
        u, t = s.f1[:n], s.f2[:n]
        first, weight = sources[0]
        simple = len(sources) == 1 and weight == 1.0 and limit is None and unit is not None
        if simple:
            np.divide(first[sl], unit, out=u, dtype=np.float64)
        else:
            if weight == 1.0:
                np.copyto(u, first[sl])
            else:
                np.multiply(first[sl], weight, out=u, dtype=np.float64)
            for arr, w in sources[1:]:
                if w == 1.0:
                    np.add(u, arr[sl], out=u, dtype=np.float64)
                else:
                    np.multiply(arr[sl], w, out=t, dtype=np.float64)
                    np.add(u, t, out=u)
            if limit is not None:
                np.minimum(u, limit[sl], out=u, dtype=np.float64)
            if unit is not None:
                np.divide(u, unit, out=u)
        if unit is not None:
            np.add(u, UNIT_TOLERANCE, out=u)
            np.floor(u, out=u)
        if min_steps is not None:
            np.copyto(u, 0.0, where=np.less(u, min_steps, out=s.b3[:n]))
        np.multiply(u, factor, out=u)
        if cap_cents is not None:
            np.clip(u, -cap_cents, cap_cents, out=u)
        if not exact:
            _round_half_away(u, t)
        np.copyto(out, u, casting="unsafe")  # truncation toward zero: half away from zero overall

    return run


def _round_half_away(u: np.ndarray, scratch: np.ndarray) -> None:
    """Shift cents by half a cent away from zero, so that the truncating cast rounds half away from zero.

    One-signed blocks (the usual case: points or deductions) take one add; mixed blocks use copysign."""
    half = 0.5 + CENT_TOLERANCE
    if len(u) == 0:
        return
    if u.min() >= 0:
        np.add(u, half, out=u)
    elif u.max() <= 0:
        np.subtract(u, half, out=u)
    else:
        np.copysign(half, u, out=scratch)
        np.add(u, scratch, out=u)


# ------------------------------------------------------------------------------------------------------------
# Group rules
# ------------------------------------------------------------------------------------------------------------
def compile_groups(scheme: Scheme, cols: Columns) -> Callable[[dict[str, np.ndarray], slice, Scratch], None]:
    """Group rules applied in place on a block, groups before the sections they are within: ``mode: max`` keeps the
    best item (first on ties), then the cap (the first conditional cap that holds, else ``cap``) clips the running
    sum in declaration order (each item keeps what it adds below the cap)."""
    rules = []
    for step in group_rules(scheme):
        conds = [(compile_condition(c, cols, "groups (caps)"), cents) for c, cents in step.caps]
        rules.append((step.ids, step.best_only, step.cap, conds))

    def run(cents: dict[str, np.ndarray], sl: slice, s: Scratch) -> None:
        n = sl.stop - sl.start
        for ids, best_only, fixed, conds in rules:
            cap: int | np.ndarray | None = fixed
            if conds:
                cap = np.full(n, NO_CAP if fixed is None else fixed, dtype=np.int64)
                for cond, value in reversed(conds):  # the first that holds wins
                    np.copyto(cap, value, where=cond(sl, s))
            items = [cents[i][sl] for i in ids]
            if best_only:
                best, arg, better = s.i1[:n], s.i2[:n], s.b3[:n]
                np.copyto(best, items[0])
                arg.fill(0)
                for k, x in enumerate(items[1:], start=1):
                    np.greater(x, best, out=better)
                    np.copyto(best, x, where=better)
                    np.copyto(arg, k, where=better)
                for k, x in enumerate(items):
                    np.copyto(x, 0, where=np.not_equal(arg, k, out=better))
            if cap is not None:
                running, before, now = s.l1[:n], s.l2[:n], s.l3[:n]
                running.fill(0)
                before.fill(0)
                for x in items:
                    np.add(running, x, out=running)
                    np.minimum(running, cap, out=now)
                    np.subtract(now, before, out=x, casting="unsafe")
                    before, now = now, before

    return run
