"""The numba backend: one fused kernel computes every item, the group rules, the total and the eligibility in a
single pass over the rows.

:func:`encode` writes a compiled scheme (:class:`scoring.engine.compiled.CompiledScheme`, the same plan the numpy
backend runs) as small integer/float tables (item kinds, column slots, look-up tables, band edges, tests); nothing
from a scheme is turned into code. Every operation is the numpy backend's operation in the same order in float64,
so both give the same cents bit for bit (tests/test_engine_numba.py checks it).

Input columns are read in their own dtype, block by block, into a small float64 scratch: every float32, small
integer and boolean value converts exactly, so comparisons keep the column's precision. The kernel takes each
column as (address, dtype code), which keeps ONE compiled specialisation whatever the population's dtypes; the
caller keeps the arrays alive during the call. 64-bit integer columns holding values beyond 2**53 (not exact in
float64) are left to the numpy path.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field

import numpy as np

from scoring import buffers
from scoring.engine.compiled import (
    ITEM_CENTS_LIMIT,
    NO_CAP,
    BandsItem,
    CompiledScheme,
    FlagItem,
    ItemPlan,
    Program,
    TableItem,
    Test,
    cents_bound,
    needs_range_check,
    program_depth,
)

try:  # numba is optional: without it the engine uses the numpy path
    import numba
    from numba import njit, prange, types
    from numba.core import cgutils
    from numba.extending import intrinsic
except ImportError:  # pragma: no cover - exercised where numba is missing
    numba = None

AVAILABLE = numba is not None
CHUNK_ROWS = 16384  # rows per block inside the kernel: the block's float64 scratch stays in L2 (measured best)

# dtype codes of the input slots
_F8, _F4, _U1, _I1, _U2, _I2, _U4, _I4, _U8, _I8 = range(10)
_CODES = {"f8": _F8, "f4": _F4, "u1": _U1, "b1": _U1, "i1": _I1, "u2": _U2, "i2": _I2, "u4": _U4, "i4": _I4,
          "u8": _U8, "i8": _I8}
# item kinds; test kinds (a bound is sign * x >= sign * value, or > when strict: a negation is exact in float64)
_LUT, _PER_UNIT, _BANDS, _FLAG = range(4)
_CONST, _BOUND, _IN = range(3)
_BOUNDS = {"ge": (1.0, 0), "gt": (1.0, 1), "le": (-1.0, 0), "lt": (-1.0, 1)}  # kind -> (sign, strict)
# condition program ops: a leaf (all of its tests), all/any of the last k results, not
_LEAF, _ALL, _ANY, _NOT = range(4)
# item table columns: kind, slot, off, length, when, limit, flags; flags bits
_HAS_UNIT, _HAS_MIN, _HAS_CAP, _EXACT = 1, 2, 4, 8
_EXACT_INT = float(2**53)
_LIMIT = np.int32(ITEM_CENTS_LIMIT)
_LIMIT_F = float(ITEM_CENTS_LIMIT)


@dataclass
class KernelTables:
    """A compiled scheme written as arrays for the kernel, with the column arrays it reads (kept alive here)."""

    arrays: list[np.ndarray] = field(default_factory=list)
    checked: list[bool] = field(default_factory=list)  # slot is a float column whose NaN/inf check is fused
    fused_columns: set[str] = field(default_factory=set)
    items: list[list[int]] = field(default_factory=list)
    itemf: list[list[float]] = field(default_factory=list)
    srcs: list[int] = field(default_factory=list)
    srcw: list[float] = field(default_factory=list)
    luts: list[np.ndarray] = field(default_factory=list)
    lut_len: int = 0
    edges: list[float] = field(default_factory=list)
    conds: list[list[int]] = field(default_factory=list)  # leaves: (first test, count)
    progs: list[list[int]] = field(default_factory=list)  # conditions: (first op, count)
    ops: list[list[int]] = field(default_factory=list)  # (op, leaf index or k)
    depth: int = 1
    tests: list[list[int]] = field(default_factory=list)  # (kind, slot, const / strict / first value, 0 / sign / count)
    testf: list[float] = field(default_factory=list)  # a bound's sign * value
    mvals: list[float] = field(default_factory=list)
    gates: list[int] = field(default_factory=list)
    rules: list[list[int]] = field(default_factory=list)
    rule_items: list[int] = field(default_factory=list)
    caps: list[int] = field(default_factory=list)
    capconds: list[list[int]] = field(default_factory=list)  # (condition, cents) of conditional group caps
    compared: set[int] = field(default_factory=set)  # slots used in conditions
    checked_items: list[bool] = field(default_factory=list)  # items whose cents may pass ITEM_CENTS_LIMIT

    def slot(self, arr: np.ndarray) -> int:
        for k, a in enumerate(self.arrays):
            if a is arr:
                return k
        self.arrays.append(arr)
        self.checked.append(False)
        return len(self.arrays) - 1

    def lut(self, table: np.ndarray) -> int:
        off = self.lut_len
        self.luts.append(np.asarray(table, np.int32))
        self.lut_len += len(table)
        return off

    def leaf(self, tests: list[Test]) -> int:
        first = len(self.tests)
        for kind, arr, value in tests:
            slot = -1 if arr is None else self.slot(arr)
            if slot >= 0:
                self.compared.add(slot)
            if kind == "const":
                self.tests.append([_CONST, 0, int(bool(value)), 0])
                self.testf.append(0.0)
            elif kind in _BOUNDS:
                sign, strict = _BOUNDS[kind]
                self.tests.append([_BOUND, slot, strict, int(sign)])
                self.testf.append(sign * float(value))  # type: ignore[arg-type]
            else:  # "in" (values in the column's dtype) or "self" (a bool column: true is 1)
                values = [1.0] if kind == "self" else [float(v) for v in np.asarray(value).tolist()]
                self.tests.append([_IN, slot, len(self.mvals), len(values)])
                self.testf.append(0.0)
                self.mvals.extend(values)
        self.conds.append([first, len(self.tests) - first])
        return len(self.conds) - 1

    def program(self, program: Program) -> int:
        """Encode a condition (a postfix program over leaves); returns its index."""
        first = len(self.ops)
        for kind, arg in program:
            if kind == "leaf":
                self.ops.append([_LEAF, self.leaf(arg)])  # type: ignore[arg-type]
            else:
                self.ops.append([{"all": _ALL, "any": _ANY, "not": _NOT}[kind], int(arg)])  # type: ignore[call-overload]
        self.depth = max(self.depth, program_depth(program))
        self.progs.append([first, len(self.ops) - first])
        return len(self.progs) - 1


def encode(plan: CompiledScheme) -> KernelTables | None:
    """Write ``plan`` as the kernel's tables; None when the kernel cannot take it exactly (the numpy path does)."""
    if len(plan.gates) >= 127:
        return None
    out = KernelTables()
    for item in plan.items:
        _encode_item(out, item)
        out.checked_items.append(needs_range_check(cents_bound(item)))
    out.gates.extend(out.program(g) for g in plan.gates)
    for group in plan.groups:
        step = group.step
        conds = [(out.program(p), cents) for p, cents in group.caps]
        out.rules.append([len(out.rule_items), len(group.items), int(step.best_only), int(step.capped),
                          len(out.capconds), len(conds)])
        out.rule_items.extend(group.items)
        out.caps.append(NO_CAP if step.cap is None else int(step.cap))
        out.capconds.extend([p, int(cents)] for p, cents in conds)
    for k, arr in enumerate(out.arrays):
        if arr.dtype.str[1:] not in _CODES or not arr.dtype.isnative or arr.ndim != 1:
            return None
        if arr.dtype.kind in "iu" and arr.dtype.itemsize == 8 and k in out.compared and len(arr) and (
                float(arr.min()) < -_EXACT_INT or float(arr.max()) > _EXACT_INT):
            return None  # not exact in float64: the numpy path compares these as integers
    cols = plan.cols
    for column in plan.scheme.columns():
        s = cols.pop[column]
        if isinstance(s.dtype, np.dtype) and s.dtype.kind == "f" and column in cols._numeric:
            arr = cols._numeric[column]
            for k, a in enumerate(out.arrays):
                if a is arr:
                    out.checked[k] = True
                    out.fused_columns.add(column)
    return out


def _encode_item(out: KernelTables, item: ItemPlan) -> None:
    row = [0, 0, 0, 0, -1, -1, 0]
    flt = [0.0, 0.0, 0.0, 0.0]
    how = item.how
    if isinstance(how, TableItem):
        row[:4] = [_LUT, out.slot(how.column), out.lut(how.table), len(how.table)]
    elif isinstance(how, BandsItem):
        row[:4] = [_BANDS, out.slot(how.column), len(out.edges), len(how.edges)]
        out.edges.extend(float(e) for e in how.edges.tolist())
        flt[0] = float(out.lut(how.table))
    elif isinstance(how, FlagItem):
        row[:4] = [_FLAG, out.slot(how.column), how.cents, 0]
    else:
        row[:4] = [_PER_UNIT, 0, len(out.srcs), len(how.sources)]
        for arr, weight in how.sources:
            out.srcs.append(out.slot(arr))
            out.srcw.append(weight)
        row[5] = -1 if how.limit is None else out.slot(how.limit)
        row[6] = (_HAS_UNIT * (how.unit is not None) | _HAS_MIN * (how.min_steps is not None)
                  | _HAS_CAP * (how.cap_cents is not None) | _EXACT * how.exact)
        flt = [how.unit or 0.0, how.min_steps or 0.0, how.factor, how.cap_cents or 0.0]
    if item.when is not None:
        row[4] = out.program(item.when)
    out.items.append(row)
    out.itemf.append(flt)


# ------------------------------------------------------------------------------------------------------------
# Running
# ------------------------------------------------------------------------------------------------------------
_LOCK = threading.Lock()  # one kernel at a time: each uses every core, and the workqueue layer is not re-entrant


@dataclass
class Outputs:
    """The kernel's results: cents by item (rows of one int32 array), total, reason code, eligibility."""

    cents: np.ndarray
    total: np.ndarray
    reason: np.ndarray
    eligible: np.ndarray
    nonfinite: bool  # a fused float column holds NaN or inf: the caller lists the rows
    beyond: bool  # an item gives some row more than ITEM_CENTS_LIMIT cents either way: the caller finds the rows


def run(plan: KernelTables, n: int, threads: int, chunk: int = CHUNK_ROWS) -> Outputs:
    """Run the kernel on ``plan``'s tables over ``n`` rows with ``threads`` workers."""
    i64, f64 = np.int64, np.float64
    arrays = [np.ascontiguousarray(a) for a in plan.arrays]
    addrs = np.array([a.ctypes.data for a in arrays], i64)
    codes = np.array([_CODES[a.dtype.str[1:]] for a in arrays], i64)
    checked = np.array(plan.checked, np.bool_)
    n_items = len(plan.items)
    cents = buffers.empty((n_items, n), np.int32)
    total = buffers.empty(n, np.int64)
    reason = buffers.empty(n, np.int8)
    eligible = buffers.empty(n, np.bool_)
    n_blocks = -(-n // chunk) if n else 0
    workers = max(1, min(threads, n_blocks))
    bad = np.zeros(workers, i64)
    beyond = np.zeros(workers, i64)
    check = np.array(plan.checked_items, np.bool_)
    tables = (
        np.array(plan.items, i64).reshape(-1, 7), np.array(plan.itemf, f64).reshape(-1, 4),
        np.array(plan.srcs, i64), np.array(plan.srcw, f64),
        np.concatenate(plan.luts) if plan.luts else np.zeros(0, np.int32), np.array(plan.edges, f64),
        np.array(plan.conds, i64).reshape(-1, 2), np.array(plan.progs, i64).reshape(-1, 2),
        np.array(plan.ops, i64).reshape(-1, 2), np.array(plan.tests, i64).reshape(-1, 4),
        np.array(plan.testf, f64), np.array(plan.mvals, f64), np.array(plan.gates, i64),
        np.array(plan.rules, i64).reshape(-1, 6), np.array(plan.rule_items, i64), np.array(plan.caps, i64),
        np.array(plan.capconds, i64).reshape(-1, 2),
    )
    with _LOCK:
        numba.set_num_threads(max(1, min(workers, numba.config.NUMBA_NUM_THREADS)))
        _kernel(addrs, codes, checked, n, chunk, workers, plan.depth, *tables, cents, total, reason, eligible, bad,
                check, beyond)
    del arrays
    return Outputs(cents, total, reason, eligible, bool(bad.any()), bool(beyond.any()))


def configure() -> None:
    """Pick numba's fork-safe built-in threading layer unless the user chose one (calls are serialised here)."""
    if AVAILABLE and not os.environ.get("NUMBA_THREADING_LAYER"):
        numba.config.THREADING_LAYER = "workqueue"


configure()


# ------------------------------------------------------------------------------------------------------------
# The kernel (compiled on first use, cached in __pycache__)
# ------------------------------------------------------------------------------------------------------------
if AVAILABLE:
    _jit = njit(cache=True, nogil=True)

    @intrinsic
    def _pointer(typingctx, address):
        """An int64 address as a void pointer (for numba.carray)."""
        def codegen(context, builder, signature, args):
            return builder.inttoptr(args[0], cgutils.voidptr_t)
        return types.voidptr(types.int64), codegen

    @_jit
    def _copy(dst, a, m):
        """dst[:m] = a[:m] in float64 (exact for every dtype the kernel takes); returns the count of NaN/inf."""
        bad = 0
        for i in range(m):
            x = np.float64(a[i])
            dst[i] = x
            bad += (x - x) != 0.0  # NaN and inf give NaN; integers never
        return bad

    @_jit
    def _load(dst, address, code, start, m):
        """Rows start..start+m of a column (address, dtype code) into float64 ``dst``; returns the NaN/inf count."""
        if code == _F8:
            return _copy(dst, numba.carray(_pointer(address + start * 8), m, np.float64), m)
        if code == _F4:
            return _copy(dst, numba.carray(_pointer(address + start * 4), m, np.float32), m)
        if code == _U1:
            return _copy(dst, numba.carray(_pointer(address + start), m, np.uint8), m)
        if code == _I1:
            return _copy(dst, numba.carray(_pointer(address + start), m, np.int8), m)
        if code == _U2:
            return _copy(dst, numba.carray(_pointer(address + start * 2), m, np.uint16), m)
        if code == _I2:
            return _copy(dst, numba.carray(_pointer(address + start * 2), m, np.int16), m)
        if code == _U4:
            return _copy(dst, numba.carray(_pointer(address + start * 4), m, np.uint32), m)
        if code == _I4:
            return _copy(dst, numba.carray(_pointer(address + start * 4), m, np.int32), m)
        if code == _U8:
            return _copy(dst, numba.carray(_pointer(address + start * 8), m, np.uint64), m)
        return _copy(dst, numba.carray(_pointer(address + start * 8), m, np.int64), m)

    @_jit
    def _test(kind, x, m, value, arg, length, mvals, hit):
        """hit[:m] = test ``kind`` holds on each row (plain loops that vectorise): a constant; a bound
        ``length * x >= value`` (``> value`` when ``arg``: strict; ``length`` is the sign); membership in
        mvals[arg:arg + length]."""
        if kind == _CONST:
            for i in range(m):
                hit[i] = arg != 0
        elif kind == _BOUND:
            closed = arg == 0
            for i in range(m):
                y = length * x[i]
                hit[i] = (y > value) | (closed & (y == value))
        else:
            for i in range(m):
                hit[i] = False
            for j in range(arg, arg + length):
                v = mvals[j]
                for i in range(m):
                    hit[i] = hit[i] | (x[i] == v)

    @_jit
    def _program(p, m, vals, conds, progs, ops, tests, testf, mvals, mask, hit, stack):
        """mask[:m] = condition ``p`` holds: its postfix program over leaves, all/any of the last k, not."""
        first, count = progs[p, 0], progs[p, 1]
        if count == 1:
            _condition(ops[first, 1], m, vals, conds, tests, testf, mvals, mask, hit)
            return
        top = 0
        for o in range(first, first + count):
            op, arg = ops[o, 0], ops[o, 1]
            if op == _LEAF:
                _condition(arg, m, vals, conds, tests, testf, mvals, stack[top], hit)
                top += 1
            elif op == _NOT:
                row = stack[top - 1]
                for i in range(m):
                    row[i] = not row[i]
            else:
                base = stack[top - arg]
                for j in range(top - arg + 1, top):
                    other = stack[j]
                    if op == _ALL:
                        for i in range(m):
                            base[i] = base[i] & other[i]
                    else:
                        for i in range(m):
                            base[i] = base[i] | other[i]
                top = top - arg + 1
        for i in range(m):
            mask[i] = stack[0, i]

    @_jit
    def _condition(c, m, vals, conds, tests, testf, mvals, mask, hit):
        """mask[:m] = leaf ``c`` holds (every test)."""
        first, count = conds[c, 0], conds[c, 1]
        for t in range(first, first + count):
            out = mask if t == first else hit
            _test(tests[t, 0], vals[max(tests[t, 1], 0)], m, testf[t], tests[t, 2], tests[t, 3], mvals, out)
            if t != first:
                for i in range(m):
                    mask[i] = mask[i] & hit[i]

    @_jit
    def _per_unit(k, m, vals, items, itemf, srcs, srcw, out, u):
        """The numpy path's per_unit steps, in the same order, one plain loop each."""
        off, count, limit, flags = items[k, 2], items[k, 3], items[k, 5], items[k, 6]
        unit, min_steps, factor, cap = itemf[k, 0], itemf[k, 1], itemf[k, 2], itemf[k, 3]
        x, w = vals[srcs[off]], srcw[off]
        if w == 1.0:
            for i in range(m):
                u[i] = x[i]
        else:
            for i in range(m):
                u[i] = x[i] * w
        for s in range(off + 1, off + count):
            x, w = vals[srcs[s]], srcw[s]
            if w == 1.0:
                for i in range(m):
                    u[i] = u[i] + x[i]
            else:
                for i in range(m):
                    u[i] = u[i] + x[i] * w
        if limit >= 0:
            y = vals[limit]
            for i in range(m):  # np.minimum: NaN in either gives NaN
                u[i] = u[i] if u[i] != u[i] or not (y[i] < u[i] or y[i] != y[i]) else y[i]
        if flags & _HAS_UNIT:
            for i in range(m):
                u[i] = np.floor(u[i] / unit + 1e-3)
        if flags & _HAS_MIN:
            for i in range(m):
                u[i] = 0.0 if u[i] < min_steps else u[i]
        for i in range(m):
            u[i] = u[i] * factor
        if flags & _HAS_CAP:
            for i in range(m):  # np.clip(u, -cap, cap): max then min
                v = -cap if u[i] < -cap else u[i]
                u[i] = cap if v > cap else v
        if not flags & _EXACT:
            half = 0.5 + 1e-6
            for i in range(m):
                u[i] = u[i] + np.copysign(half, u[i])
        beyond = 0
        for i in range(m):  # truncation; out of range or NaN gives INT32_MIN, as numpy's cast here
            v = u[i]
            ok = v > -2147483649.0 and v < 2147483648.0
            out[i] = np.int32(v if ok else 0.0) if ok else np.int32(-2147483648)
            beyond += (v > _LIMIT_F) | (v < -_LIMIT_F)  # beyond the limit (inf too); NaN (a missing value) is not
        return beyond

    @_jit
    def _item(k, m, vals, items, itemf, srcs, srcw, luts, edges, out, u, count):
        """An item's cents on a block into ``out``; for a per_unit item, the rows given more than the limit."""
        kind, slot, off, length = items[k, 0], items[k, 1], items[k, 2], items[k, 3]
        if kind == _PER_UNIT:
            return _per_unit(k, m, vals, items, itemf, srcs, srcw, out, u)
        x = vals[slot]
        if kind == _LUT:
            table = luts[off:off + length]
            last = np.uint64(length - 1)
            for i in range(m):  # a negative value counts from the end: int8 -3 is uint8 253, code -1 the default
                j = np.int64(x[i])
                out[i] = table[min(np.uint64(j + length if j < 0 else j), last)]
        elif kind == _BANDS:
            table = luts[np.int64(itemf[k, 0]):]
            for i in range(m):
                count[i] = length if x[i] != x[i] else 0  # NaN sorts after every edge (np.searchsorted)
            for j in range(off, off + length):
                e = edges[j]
                for i in range(m):
                    count[i] += e <= x[i]
            for i in range(m):
                out[i] = table[np.uint64(count[i])]
        else:
            for i in range(m):
                out[i] = off if x[i] != 0 else 0
        return 0

    @njit(parallel=True, cache=True, nogil=True)
    def _kernel(addrs, codes, checked, n, chunk, workers, depth, items, itemf, srcs, srcw, luts, edges,
                conds, progs, ops, tests, testf, mvals, gates, rules, rule_items, caps, capconds, cents_out, total_out,
                reason_out, eligible_out, bad_out, check, beyond_out):
        n_slots, n_items = len(addrs), items.shape[0]
        n_blocks = (n + chunk - 1) // chunk
        for w in prange(workers):
            vals = np.empty((max(n_slots, 1), chunk))
            cents = np.empty((max(n_items, 1), chunk), np.int32)
            u = np.empty(chunk)
            mask = np.empty(chunk, np.bool_)
            hit = np.empty(chunk, np.bool_)
            stack = np.empty((max(depth, 1), chunk), np.bool_)
            capv = np.empty(chunk, np.int64)
            counts = np.empty(chunk, np.int64)
            code = np.empty(chunk, np.int8)
            acc = np.empty(chunk, np.int64)
            bad = 0
            beyond = 0
            for b in range(w * n_blocks // workers, (w + 1) * n_blocks // workers):
                start = b * chunk
                m = min(chunk, n - start)
                for s in range(n_slots):
                    seen = _load(vals[s], addrs[s], codes[s], start, m)
                    if checked[s]:
                        bad += seen
                for k in range(n_items):
                    over = _item(k, m, vals, items, itemf, srcs, srcw, luts, edges, cents[k], u, counts)
                    when = items[k, 4]
                    if when >= 0:
                        _program(when, m, vals, conds, progs, ops, tests, testf, mvals, mask, hit, stack)
                        row = cents[k]
                        for i in range(m):
                            row[i] = row[i] if mask[i] else 0
                    if check[k] and items[k, 0] == _PER_UNIT:  # counted before its when: numpy then tells
                        beyond += over
                    elif check[k]:  # before the group rules, which could hide it (mode max drops it)
                        row = cents[k]
                        for i in range(m):
                            beyond += (row[i] > _LIMIT) | (row[i] < -_LIMIT)
                for r in range(rules.shape[0]):
                    off, count = rules[r, 0], rules[r, 1]
                    if rules[r, 2]:  # mode max: the first best item keeps its points
                        for i in range(m):
                            best, arg = cents[rule_items[off], i], 0
                            for j in range(1, count):
                                if cents[rule_items[off + j], i] > best:
                                    best, arg = cents[rule_items[off + j], i], j
                            for j in range(count):
                                if j != arg:
                                    cents[rule_items[off + j], i] = 0
                    if rules[r, 3]:  # cap on the running sum, in declaration order
                        for i in range(m):
                            capv[i] = caps[r]
                        c0, nc = rules[r, 4], rules[r, 5]
                        for c in range(c0 + nc - 1, c0 - 1, -1):  # the first conditional cap that holds wins
                            _program(capconds[c, 0], m, vals, conds, progs, ops, tests, testf, mvals, mask, hit, stack)
                            for i in range(m):
                                capv[i] = capconds[c, 1] if mask[i] else capv[i]
                        for i in range(m):
                            cap = capv[i]
                            running, before = np.int64(0), np.int64(0)
                            for j in range(count):
                                running += cents[rule_items[off + j], i]
                                now = min(running, cap)
                                cents[rule_items[off + j], i] = np.int32(now - before)
                                before = now
                for i in range(m):
                    acc[i] = 0
                for k in range(n_items):
                    row = cents[k]
                    dst = cents_out[k, start:start + m]
                    for i in range(m):
                        acc[i] += row[i]
                    for i in range(m):
                        dst[i] = row[i]
                total = total_out[start:start + m]
                for i in range(m):
                    total[i] = acc[i]
                for i in range(m):
                    code[i] = 0
                for g in range(len(gates)):
                    _program(gates[g], m, vals, conds, progs, ops, tests, testf, mvals, mask, hit, stack)
                    for i in range(m):
                        code[i] = g + 1 if code[i] == 0 and not mask[i] else code[i]
                reason, eligible = reason_out[start:start + m], eligible_out[start:start + m]
                for i in range(m):
                    reason[i] = code[i]
                for i in range(m):
                    eligible[i] = code[i] == 0
            bad_out[w] = bad
            beyond_out[w] = beyond
