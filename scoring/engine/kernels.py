"""The numpy backend: runs a compiled scheme (:mod:`scoring.engine.compiled`) block by block.

Each kernel works on one block of rows and writes into the caller's output with ``out=`` arguments and per-thread
scratch buffers, so a block allocates (almost) nothing and its temporaries stay in cache. An item compiled to a
look-up table costs one ``take`` per block. :func:`apply_group_rule` is the one implementation of a group rule on
numpy rows, used here per block and by the tuner's fast model and the design share on whole rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from scoring.engine.columns import Columns
from scoring.engine.compiled import (
    CENT_TOLERANCE,
    ITEM_CENTS_LIMIT,
    NO_CAP,
    UNIT_TOLERANCE,
    BandsItem,
    CompiledScheme,
    FlagItem,
    GroupPlan,
    ItemPlan,
    PerUnit,
    Program,
    TableItem,
    Test,
    cents_bound,
    condition_program,
    dtype_values,
    needs_range_check,
)
from scoring.scheme.load import Condition


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
        self.c1 = np.empty(rows, np.int16)  # reason codes' arithmetic (int8 or int16, as a view)


ItemKernel = Callable[[slice, np.ndarray, Scratch], None]  # (rows, out int32 view, scratch)
CondKernel = Callable[[slice, Scratch], np.ndarray]  # (rows, scratch) -> bool mask (read only)

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


def program_kernel(ops: Program) -> CondKernel:
    """A kernel returning the mask where a condition program holds: a leaf's tests all hold; all/any/not combine
    the masks of the last results (the same program the numba kernel runs)."""
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


def compile_condition(cond: Condition, cols: Columns, user: str) -> CondKernel:
    """A kernel for one condition over ``cols`` (its program of :func:`condition_program`)."""
    return program_kernel(condition_program(cond, cols, user))


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
def item_kernel(item: ItemPlan) -> ItemKernel:
    """A kernel writing a compiled item's cents (before group rules) into ``out``."""
    how = item.how
    fn: ItemKernel
    if isinstance(how, TableItem):
        fn = _table(how)
    elif isinstance(how, BandsItem):
        arr, search, lut = how.column, how.edges, how.table
        fn = _small_int_bands(arr, search, lut) or (
            lambda sl, out, s: np.take(lut, np.searchsorted(search, arr[sl], side="right"), out=out))
    elif isinstance(how, FlagItem):
        fn = _flag(how.column, how.cents)
    else:
        fn = _per_unit(how)
    if item.when is None:
        return fn
    when = program_kernel(item.when)

    def with_when(sl: slice, out: np.ndarray, s: Scratch) -> None:
        fn(sl, out, s)
        np.multiply(out, when(sl, s), out=out)

    return with_when


def _table(how: TableItem) -> ItemKernel:
    lut, index = how.table, how.index
    if how.column.dtype == bool and lut[0] == 0:  # a flag: points where true
        arr = how.column
        return lambda sl, out, s: np.multiply(arr[sl], lut[1], out=out)
    if index.dtype.kind == "i":  # category codes: -1 (missing) wraps to the last entry, the default
        return lambda sl, out, s: np.take(lut, index[sl], out=out, mode="wrap")
    if index.dtype.kind == "u" and len(lut) == 1 << (8 * index.dtype.itemsize):  # every value has an entry
        return lambda sl, out, s: np.take(lut, index[sl], out=out, mode="clip")  # no bounds check needed
    return lambda sl, out, s: np.take(lut, index[sl], out=out)


def _small_int_bands(arr: np.ndarray, search: np.ndarray, lut: np.ndarray) -> ItemKernel | None:
    """Bands over a small-integer or boolean column (or min_of/max_of of such): the band of every value of the
    dtype, looked up with one ``take`` (the same cents as the search, without a search per row)."""
    if arr.dtype.kind not in "biu" or arr.dtype.itemsize > 2:
        return None
    values, index = dtype_values(arr)
    table = np.take(lut, np.searchsorted(search, values, side="right"))
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
def groups_kernel(groups: list[GroupPlan]) -> Callable[[list[np.ndarray], slice, Scratch], None]:
    """Group rules applied in place on a block of the item cents (by item position), groups before the sections
    they are within (see :func:`apply_group_rule`)."""
    conds = [[(program_kernel(p), cents) for p, cents in g.caps] for g in groups]

    def run(cents: list[np.ndarray], sl: slice, s: Scratch) -> None:
        n = sl.stop - sl.start
        for g, caps in zip(groups, conds, strict=True):
            cap: int | np.ndarray | None = g.step.cap
            if caps:
                cap = np.full(n, NO_CAP if cap is None else cap, dtype=np.int64)
                for cond, value in reversed(caps):  # the first that holds wins
                    np.copyto(cap, value, where=cond(sl, s))
            apply_group_rule([cents[k][sl] for k in g.items], g.step.best_only, cap, s)

    return run


def group_caps(group: GroupPlan, n: int) -> int | np.ndarray | None:
    """The cap (cents) of a group rule for rows 0..n-1 of its columns: a number, one per row (conditional caps), or
    None."""
    if not group.caps:
        return group.step.cap
    cap = np.full(n, NO_CAP if group.step.cap is None else group.step.cap, dtype=np.int64)
    s = Scratch(n)
    for ops, value in reversed(group.caps):  # the first that holds wins
        np.copyto(cap, value, where=program_kernel(ops)(slice(0, n), s))
    return cap


def apply_group_rule(rows: Sequence[np.ndarray], best_only: bool, cap: int | np.ndarray | None,
                     s: Scratch | None = None) -> None:
    """One group rule in place on its items' rows (whole cents, integer or float): ``best_only`` (``mode: max``)
    keeps the best item (first on ties) and zeroes the others; then ``cap`` (cents, one or per row) clips the
    running sum in declaration order, each item keeping what it adds below the cap. ``s`` lends block buffers."""
    n = len(rows[0]) if rows else 0
    whole = rows[0].dtype.kind in "iu" if rows else True
    if best_only:
        best = s.i1[:n] if s is not None and rows[0].dtype == np.int32 else np.empty(n, rows[0].dtype)
        arg = s.i2[:n] if s is not None else np.empty(n, np.int32)
        better = s.b3[:n] if s is not None else np.empty(n, bool)
        np.copyto(best, rows[0])
        arg.fill(0)
        for k, x in enumerate(rows[1:], start=1):
            np.greater(x, best, out=better)
            np.copyto(best, x, where=better)
            np.copyto(arg, k, where=better)
        for k, x in enumerate(rows):
            np.copyto(x, 0, where=np.not_equal(arg, k, out=better))
    if cap is not None:
        if s is not None and whole:
            running, before, now = s.l1[:n], s.l2[:n], s.l3[:n]
        else:  # float rows: the running sum in float64 (exact for whole cents below 2**53)
            acc = np.int64 if whole else np.float64
            running, before, now = np.empty(n, acc), np.empty(n, acc), np.empty(n, acc)
        running.fill(0)
        before.fill(0)
        for x in rows:
            np.add(running, x, out=running)
            np.minimum(running, cap, out=now)
            np.subtract(now, before, out=x, casting="unsafe")
            before, now = now, before


_INT32_SUM = (1 << 31) - 1


def run_block(plan: CompiledScheme, beyond: list[tuple[int, np.ndarray]] | None = None,
              ) -> Callable[[list[np.ndarray], np.ndarray, np.ndarray, slice, Scratch], None]:
    """The whole plan on one block: item cents (in place, by item position), then the group rules, the total and
    the reason code (0 = eligible, else 1 + the first failing gate).

    ``beyond`` (if given) collects (item position, rows) where an item gives more than ``ITEM_CENTS_LIMIT`` cents
    either way (checked on the items that can: :func:`needs_range_check`; a float beyond int32 is cast to a value
    beyond the limit on every platform); the caller refuses them, except rows it rejects for missing values.

    The total is summed in int32 when the items' bounds (:func:`cents_bound`, the block's own extremes for an
    unbounded item) show that no sum can overflow it (about 3x faster than adding int32 into int64), else in int64.
    A reason code is set by arithmetic (``code = k + held * (code - k)``), ~10x faster than a masked copy."""
    items = [item_kernel(i) for i in plan.items]
    gates = [program_kernel(g) for g in plan.gates]
    groups = groups_kernel(plan.groups)
    bounds = [cents_bound(i) for i in plan.items]
    known = sum(b for b in bounds if b is not None)
    unbounded = [k for k, b in enumerate(bounds) if b is None]
    checked = [beyond is not None and needs_range_check(b) for b in bounds]

    def run(cents: list[np.ndarray], total: np.ndarray, reason: np.ndarray, sl: slice, s: Scratch) -> None:
        n = sl.stop - sl.start
        for k, (kernel, out) in enumerate(zip(items, cents, strict=True)):
            part = out[sl]
            kernel(sl, part, s)
            if checked[k] and n and (int(part.min()) < -ITEM_CENTS_LIMIT or int(part.max()) > ITEM_CENTS_LIMIT):
                rows = np.flatnonzero((part < -ITEM_CENTS_LIMIT) | (part > ITEM_CENTS_LIMIT))
                beyond.append((k, sl.start + rows))  # type: ignore[union-attr]  # checked only with a list
        groups(cents, sl, s)
        _total(cents, total, sl, s, known, unbounded)
        codes = reason[sl]
        codes.fill(0)
        step = s.c1.view(codes.dtype)[:n]
        for k in range(len(gates), 0, -1):  # the first gate that fails sets the code last
            held = gates[k - 1](sl, s)
            np.subtract(codes, k, out=step)
            np.multiply(step, held, out=step)
            np.add(step, k, out=codes)

    return run


def _total(cents: list[np.ndarray], total: np.ndarray, sl: slice, s: Scratch, known: int,
           unbounded: list[int]) -> None:
    """``total[sl]``: the sum of the items' cents on the block (see :func:`run_block`)."""
    n = sl.stop - sl.start
    bound = known
    for k in unbounded:
        if bound > _INT32_SUM:
            break
        x = cents[k][sl]
        if n:
            bound += max(int(x.max()), -int(x.min()))
    if bound <= _INT32_SUM:
        acc32 = s.i1[:n]  # summed in cache in int32: no sum can overflow it
        np.copyto(acc32, cents[0][sl])
        for out in cents[1:]:
            np.add(acc32, out[sl], out=acc32)
        total[sl] = acc32
        return
    acc = s.l1[:n]  # summed in cache, written once
    np.copyto(acc, cents[0][sl])
    for out in cents[1:]:
        np.add(acc, out[sl], out=acc)
    total[sl] = acc
