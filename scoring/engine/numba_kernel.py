"""The fused scoring path: one numba kernel computes every item, the group rules, the total and the eligibility
in a single pass over the rows.

The scheme is encoded as small integer/float tables (item kinds, column slots, look-up tables, band edges, tests);
nothing from a scheme is turned into code. The constants come from the same functions as the numpy path
(:mod:`scoring.engine.params`), and every operation is the numpy path's operation in the same order in float64,
so both paths give the same cents bit for bit (tests/test_engine_numba.py checks it).

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

from scoring.engine.kernels import lookup_table
from scoring.engine.params import (
    NO_CAP,
    Columns,
    Test,
    band_table,
    category_table,
    condition_program,
    flag_cents,
    group_rules,
    lookup_column,
    per_unit_params,
    program_depth,
)
from scoring.scheme.load import Condition, Item, Scheme

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
# item kinds; test kinds
_LUT, _PER_UNIT, _BANDS, _FLAG = range(4)
_CONST, _GE, _LE, _IN, _GT, _LT = range(6)
# condition program ops: a leaf (all of its tests), all/any of the last k results, not
_LEAF, _ALL, _ANY, _NOT = range(4)
# item table columns: kind, slot, off, length, when, limit, flags; flags bits
_HAS_UNIT, _HAS_MIN, _HAS_CAP, _EXACT = 1, 2, 4, 8
_EXACT_INT = float(2**53)


@dataclass
class Plan:
    """A scheme encoded as arrays for the kernel, with the column arrays it reads (kept alive here)."""

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
    tests: list[list[int]] = field(default_factory=list)
    testf: list[float] = field(default_factory=list)
    mvals: list[float] = field(default_factory=list)
    gates: list[int] = field(default_factory=list)
    rules: list[list[int]] = field(default_factory=list)
    rule_items: list[int] = field(default_factory=list)
    caps: list[int] = field(default_factory=list)
    capconds: list[list[int]] = field(default_factory=list)  # (condition, cents) of conditional group caps
    compared: set[int] = field(default_factory=set)  # slots used in conditions

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

    def condition(self, tests: list[Test]) -> int:
        first = len(self.tests)
        for kind, arr, value in tests:
            slot = -1 if arr is None else self.slot(arr)
            if slot >= 0:
                self.compared.add(slot)
            if kind == "const":
                self.tests.append([_CONST, 0, int(bool(value)), 0])
                self.testf.append(0.0)
            elif kind in ("ge", "le", "gt", "lt"):
                self.tests.append([{"ge": _GE, "le": _LE, "gt": _GT, "lt": _LT}[kind], slot, 0, 0])
                self.testf.append(float(value))  # type: ignore[arg-type]
            else:  # "in" (values in the column's dtype) or "self" (a bool column: true is 1)
                values = [1.0] if kind == "self" else [float(v) for v in np.asarray(value).tolist()]
                self.tests.append([_IN, slot, len(self.mvals), len(values)])
                self.testf.append(0.0)
                self.mvals.extend(values)
        self.conds.append([first, len(self.tests) - first])
        return len(self.conds) - 1

    def program(self, cond: Condition, cols: Columns, user: str) -> int:
        """Encode a condition (a postfix program over leaves); returns its index."""
        program = condition_program(cond, cols, user)
        first = len(self.ops)
        for kind, arg in program:
            if kind == "leaf":
                self.ops.append([_LEAF, self.condition(arg)])  # type: ignore[arg-type]
            else:
                self.ops.append([{"all": _ALL, "any": _ANY, "not": _NOT}[kind], int(arg)])  # type: ignore[call-overload]
        self.depth = max(self.depth, program_depth(program))
        self.progs.append([first, len(self.ops) - first])
        return len(self.progs) - 1


def build_plan(scheme: Scheme, cols: Columns) -> Plan | None:
    """Encode ``scheme`` over ``cols`` in the numpy path's order (so errors come out the same); None when the
    kernel cannot take it exactly (the numpy path does)."""
    if len(scheme.eligibility) >= 127:
        return None
    plan = Plan()
    for item in scheme.items:
        _encode_item(plan, item, cols)
    for gate in scheme.eligibility:
        plan.gates.append(plan.program(gate, cols, f"eligibility gate {gate.id}"))
    index = {item.id: k for k, item in enumerate(scheme.items)}
    for step in group_rules(scheme):
        conds = [(plan.program(c, cols, "groups (caps)"), cents) for c, cents in step.caps]
        plan.rules.append([len(plan.rule_items), len(step.ids), int(step.best_only), int(step.capped),
                           len(plan.capconds), len(conds)])
        plan.rule_items.extend(index[i] for i in step.ids)
        plan.caps.append(NO_CAP if step.cap is None else int(step.cap))
        plan.capconds.extend([p, int(cents)] for p, cents in conds)
    for k, arr in enumerate(plan.arrays):
        if arr.dtype.str[1:] not in _CODES or not arr.dtype.isnative or arr.ndim != 1:
            return None
        if arr.dtype.kind in "iu" and arr.dtype.itemsize == 8 and k in plan.compared and len(arr) and (
                float(arr.min()) < -_EXACT_INT or float(arr.max()) > _EXACT_INT):
            return None  # not exact in float64: the numpy path compares these as integers
    for column in scheme.columns():
        s = cols.pop[column]
        if isinstance(s.dtype, np.dtype) and s.dtype.kind == "f" and column in cols._numeric:
            arr = cols._numeric[column]
            for k, a in enumerate(plan.arrays):
                if a is arr:
                    plan.checked[k] = True
                    plan.fused_columns.add(column)
    return plan


def _encode_item(plan: Plan, item: Item, cols: Columns) -> None:
    user = f"item {item.id}"
    row = [0, 0, 0, 0, -1, -1, 0]
    flt = [0.0, 0.0, 0.0, 0.0]
    found = lookup_column(item, cols)
    if found is not None:
        column, arr = found
        lut, _ = lookup_table(item, cols, column, arr)
        row[:4] = [_LUT, plan.slot(arr), plan.lut(lut), len(lut)]
    else:
        if item.when is not None:
            row[4] = plan.program(item.when, cols, f"{user} (when)")
        if item.kind == "per_unit":
            p = per_unit_params(item, cols, user)
            row[:4] = [_PER_UNIT, 0, len(plan.srcs), len(p.sources)]
            for arr, weight in p.sources:
                plan.srcs.append(plan.slot(arr))
                plan.srcw.append(weight)
            row[5] = -1 if p.limit is None else plan.slot(p.limit)
            row[6] = (_HAS_UNIT * (p.unit is not None) | _HAS_MIN * (p.min_steps is not None)
                      | _HAS_CAP * (p.cap_cents is not None) | _EXACT * p.exact)
            flt = [p.unit or 0.0, p.min_steps or 0.0, p.factor, p.cap_cents or 0.0]
        elif item.kind == "category":
            codes, lut = category_table(item, cols, user)
            row[:4] = [_LUT, plan.slot(codes), plan.lut(lut), len(lut)]
        elif item.kind == "bands":
            arr = cols.value(item.source or "", user)
            search, lut = band_table(item, arr)
            row[:4] = [_BANDS, plan.slot(arr), len(plan.edges), len(search)]
            plan.edges.extend(float(e) for e in search.tolist())
            flt[0] = float(plan.lut(lut))
        else:
            row[:4] = [_FLAG, plan.slot(cols.value(item.source or "", user)), flag_cents(item), 0]
    plan.items.append(row)
    plan.itemf.append(flt)


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


def run(plan: Plan, n: int, threads: int, chunk: int = CHUNK_ROWS) -> Outputs:
    """Run the kernel over ``n`` rows with ``threads`` workers."""
    i64, f64 = np.int64, np.float64
    arrays = [np.ascontiguousarray(a) for a in plan.arrays]
    addrs = np.array([a.ctypes.data for a in arrays], i64)
    codes = np.array([_CODES[a.dtype.str[1:]] for a in arrays], i64)
    checked = np.array(plan.checked, np.bool_)
    n_items = len(plan.items)
    cents = np.empty((n_items, n), np.int32)
    total = np.empty(n, np.int64)
    reason = np.empty(n, np.int8)
    eligible = np.empty(n, np.bool_)
    n_blocks = -(-n // chunk) if n else 0
    workers = max(1, min(threads, n_blocks))
    bad = np.zeros(workers, i64)
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
        _kernel(addrs, codes, checked, n, chunk, workers, plan.depth, *tables, cents, total, reason, eligible, bad)
    del arrays
    return Outputs(cents, total, reason, eligible, bool(bad.any()))


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
    def _load(dst, address, code, start, m):
        """Rows start..start+m of a column into float64 ``dst``; returns the count of NaN/inf seen."""
        bad = 0
        if code == _F8:
            a = numba.carray(_pointer(address + start * 8), m, np.float64)
            for i in range(m):
                dst[i] = a[i]
                bad += (a[i] - a[i]) != 0.0
        elif code == _F4:
            b = numba.carray(_pointer(address + start * 4), m, np.float32)
            for i in range(m):
                x = np.float64(b[i])
                dst[i] = x
                bad += (x - x) != 0.0
        elif code == _U1:
            c = numba.carray(_pointer(address + start), m, np.uint8)
            for i in range(m):
                dst[i] = c[i]
        elif code == _I1:
            d = numba.carray(_pointer(address + start), m, np.int8)
            for i in range(m):
                dst[i] = d[i]
        elif code == _U2:
            e = numba.carray(_pointer(address + start * 2), m, np.uint16)
            for i in range(m):
                dst[i] = e[i]
        elif code == _I2:
            f = numba.carray(_pointer(address + start * 2), m, np.int16)
            for i in range(m):
                dst[i] = f[i]
        elif code == _U4:
            g = numba.carray(_pointer(address + start * 4), m, np.uint32)
            for i in range(m):
                dst[i] = g[i]
        elif code == _I4:
            h = numba.carray(_pointer(address + start * 4), m, np.int32)
            for i in range(m):
                dst[i] = h[i]
        elif code == _U8:
            j = numba.carray(_pointer(address + start * 8), m, np.uint64)
            for i in range(m):
                dst[i] = j[i]
        else:
            k = numba.carray(_pointer(address + start * 8), m, np.int64)
            for i in range(m):
                dst[i] = k[i]
        return bad

    @_jit
    def _test(kind, x, m, value, off, length, mvals, hit):
        """hit[:m] = test ``kind`` holds on each row (plain loops, one per kind, so they vectorise)."""
        if kind == _CONST:
            for i in range(m):
                hit[i] = off != 0
        elif kind == _GE:
            for i in range(m):
                hit[i] = x[i] >= value
        elif kind == _LE:
            for i in range(m):
                hit[i] = x[i] <= value
        elif kind == _GT:
            for i in range(m):
                hit[i] = x[i] > value
        elif kind == _LT:
            for i in range(m):
                hit[i] = x[i] < value
        else:
            for i in range(m):
                hit[i] = False
            for j in range(off, off + length):
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
            x = vals[max(tests[t, 1], 0)]
            if t == first:
                _test(tests[t, 0], x, m, testf[t], tests[t, 2], tests[t, 3], mvals, mask)
            else:
                _test(tests[t, 0], x, m, testf[t], tests[t, 2], tests[t, 3], mvals, hit)
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
        for i in range(m):  # truncation; out of range or NaN gives INT32_MIN, as numpy's cast here
            v = u[i]
            ok = v > -2147483649.0 and v < 2147483648.0
            out[i] = np.int32(v if ok else 0.0) if ok else np.int32(-2147483648)

    @_jit
    def _item(k, m, vals, items, itemf, srcs, srcw, luts, edges, out, u, count):
        kind, slot, off, length = items[k, 0], items[k, 1], items[k, 2], items[k, 3]
        if kind == _PER_UNIT:
            _per_unit(k, m, vals, items, itemf, srcs, srcw, out, u)
            return
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

    @njit(parallel=True, cache=True, nogil=True)
    def _kernel(addrs, codes, checked, n, chunk, workers, depth, items, itemf, srcs, srcw, luts, edges,
                conds, progs, ops, tests, testf, mvals, gates, rules, rule_items, caps, capconds, cents_out, total_out,
                reason_out, eligible_out, bad_out):
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
            for b in range(w * n_blocks // workers, (w + 1) * n_blocks // workers):
                start = b * chunk
                m = min(chunk, n - start)
                for s in range(n_slots):
                    seen = _load(vals[s], addrs[s], codes[s], start, m)
                    if checked[s]:
                        bad += seen
                for k in range(n_items):
                    _item(k, m, vals, items, itemf, srcs, srcw, luts, edges, cents[k], u, counts)
                    when = items[k, 4]
                    if when >= 0:
                        _program(when, m, vals, conds, progs, ops, tests, testf, mvals, mask, hit, stack)
                        row = cents[k]
                        for i in range(m):
                            row[i] = row[i] if mask[i] else 0
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
