"""An independent, row-by-row reference for scoring, eligibility, group rules, admission and dominance.

Written from docs/schemes.md and the team's documented decisions, in plain Python over dicts, deliberately slow and
simple. It does not import ``scoring.engine.core``/``scoring.admission``/``scoring.dominance`` internals; it reads
only the
scheme model (the data of the scheme file). Tests compare the vectorised library against it, exactly, in cents.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from pandas.util import hash_array

from scoring.scheme.load import Condition, Item, Scheme

UNIT_TOLERANCE = 1e-3  # a value within 1/1000 of a step below the next step counts the step
MIN_UNITS_TOLERANCE = 1e-9
CENT_TOLERANCE = 1e-6
MASK64 = (1 << 64) - 1


def is_missing(value: Any) -> bool:
    """None, NaN, pd.NA and NaT are missing."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _is_infinite(value: Any) -> bool:
    return isinstance(value, float | np.floating) and math.isinf(value)


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return True
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return not isinstance(value, str)


def _num(value: Any) -> float:
    if isinstance(value, str):
        low = value.strip().lower()
        if low in ("true", "yes"):
            return 1.0
        if low in ("false", "no"):
            return 0.0
    return float(value)


def _same(value: Any, wanted: Any) -> bool:
    """Equality as a user means it: numbers (and booleans) by value, text by its string."""
    if _is_number(value) and _is_number(wanted):
        return float(value) == float(wanted)
    return str(value) == str(wanted)


@dataclass
class Ctx:
    """What the reference knows of the population's storage: each column's numpy dtype (float64 when not numpy)."""

    dtypes: dict[str, np.dtype]

    def narrow(self, source: Any) -> bool:
        """True when values of ``source`` compare at float32: a float32 column, or a min_of/max_of whose columns'
        common numpy type is float32 (docs/schemes.md)."""
        if isinstance(source, str):
            return self.dtypes.get(source) == np.float32
        return np.result_type(*[self.dtypes.get(c, np.dtype(np.float64)) for c in source.columns()]) == np.float32


def _ctx(pop: pd.DataFrame) -> Ctx:
    return Ctx({c: (pop[c].dtype if isinstance(pop[c].dtype, np.dtype) and pop[c].dtype.kind in "biuf"
                    else np.dtype(np.float64)) for c in pop.columns})


def _p(value: float, narrow: bool) -> float:
    """A number in the column's precision: float32 columns compare at float32 (6.99 meets ``min: 6.99``)."""
    return float(np.float32(value)) if narrow else value


def source_value(source: Any, row: dict[str, Any]) -> Any:
    """The row's value of a column, or the lowest/highest of a min_of/max_of (nested)."""
    if isinstance(source, str):
        return row[source]
    parts = [_num(source_value(p, row)) for p in (source.min_of or source.max_of)]
    return min(parts) if source.min_of is not None else max(parts)


def condition_holds(cond: Condition, row: dict[str, Any], ctx: Ctx) -> bool:
    """A leaf: equals, in, min, max (inclusive), above, below (strict), all given parts must hold, in the column's
    precision; all_of / any_of / not over conditions."""
    if cond.all_of is not None:
        return all(condition_holds(c, row, ctx) for c in cond.all_of)
    if cond.any_of is not None:
        return any(condition_holds(c, row, ctx) for c in cond.any_of)
    if cond.not_ is not None:
        return not condition_holds(cond.not_, row, ctx)
    source = cond.source
    narrow = ctx.narrow(source)
    value = source_value(source, row)
    if _is_number(value):
        value = _p(float(value), narrow)

    def same(wanted: Any) -> bool:
        return _same(value, _p(float(_num(wanted)), narrow) if _is_number(value) else wanted)

    if cond.equals is not None and not same(cond.equals):
        return False
    if cond.in_ is not None and not any(same(w) for w in cond.in_):
        return False
    if cond.min is not None and not _num(value) >= _p(cond.min, narrow):
        return False
    if cond.above is not None and not _num(value) > _p(cond.above, narrow):
        return False
    if cond.below is not None and not _num(value) < _p(cond.below, narrow):
        return False
    return not (cond.max is not None and not _num(value) <= _p(cond.max, narrow))


def _invalid(value: Any) -> bool:
    return is_missing(value) or _is_infinite(value)


def known_holds(cond: Condition, row: dict[str, Any], ctx: Ctx, needed: set[str]) -> bool | None:
    """Short-circuit evaluation: None (and the invalid columns added to ``needed``) when the condition needs a
    missing value; all_of stops at the first part that fails, any_of at the first that holds."""
    if cond.all_of is not None or cond.any_of is not None:
        want = cond.any_of is not None  # the value that decides
        for child in cond.all_of or cond.any_of or []:
            r = known_holds(child, row, ctx, needed)
            if r is None:
                return None
            if r == want:
                return want
        return not want
    if cond.not_ is not None:
        r = known_holds(cond.not_, row, ctx, needed)
        return None if r is None else not r
    bad = [c for c in cond.columns() if _invalid(row[c])]
    if bad:
        needed.update(bad)
        return None
    return condition_holds(cond, row, ctx)


def cents(points: float) -> int:
    """Points rounded to the cent, half away from zero (四舍五入); 1e-6 cent of float error below a half counts."""
    magnitude = math.floor(abs(points) * 100.0 + 0.5 + CENT_TOLERANCE)
    return magnitude if points >= 0 else -magnitude


def item_points_cents(item: Item, row: dict[str, Any], ctx: Ctx) -> int:
    """One item's cents for one person, before group rules."""
    if item.when is not None and not condition_holds(item.when, row, ctx):
        return 0
    if item.kind == "flag":
        return cents(float(item.points)) if _num(source_value(item.source, row)) != 0 else 0  # type: ignore[arg-type]
    if item.kind == "category":
        table = {str(k): v for k, v in (item.points or {}).items()}  # type: ignore[union-attr]
        return cents(table.get(str(row[item.column]), item.default))
    if item.kind == "bands":
        x = _num(source_value(item.source, row))
        narrow = ctx.narrow(item.source)
        for band in item.bands or []:
            lo = -math.inf if band.min is None else _p(band.min, narrow)
            hi = math.inf if band.max is None else _p(band.max, narrow)
            if lo <= x < hi:
                return cents(band.points)
        return cents(item.default)
    # per_unit
    if item.source is not None:
        units = float(_num(source_value(item.source, row)))
    else:
        units = 0.0
        for n, (col, weight) in enumerate((item.columns or {}).items()):
            term = _num(row[col]) * weight if weight != 1.0 else _num(row[col])
            units = term if n == 0 else units + term
    if item.max_units_column is not None:
        units = min(units, _num(row[item.max_units_column]))
    if item.unit is not None:
        steps = math.floor(units / item.unit + UNIT_TOLERANCE)
        units = steps * item.unit
    if item.min_units and units < item.min_units - MIN_UNITS_TOLERANCE:
        units = 0.0
    points = units * float(item.points_per_unit or 0.0)
    if item.cap is not None:
        points = max(-item.cap, min(item.cap, points))
    return cents(points)


def _group_depth(scheme: Scheme, group: str) -> int:
    depth, seen = 0, {group}
    within = scheme.groups[group].within
    while within is not None and within not in seen and within in scheme.groups:
        depth += 1
        seen.add(within)
        within = scheme.groups[within].within
    return depth


def _members(scheme: Scheme, group: str) -> list[str]:
    """Items of ``group`` and of every group within it (at any depth), in file order."""
    def inside(g: str) -> bool:
        seen = set()
        while g not in seen:
            if g == group:
                return True
            seen.add(g)
            rule = scheme.groups.get(g)
            if rule is None or rule.within is None:
                return False
            g = rule.within
        return False

    return [i.id for i in scheme.items if inside(i.group)]


def _group_cap(rule: Any, row: dict[str, Any], ctx: Ctx) -> int | None:
    """The cap (cents) for this row: the first conditional cap whose ``when`` holds, else ``cap``, else none."""
    for entry in rule.caps or []:
        if entry.when is None or condition_holds(entry.when, row, ctx):
            return round(entry.cap * 100)
    return None if rule.cap is None else round(rule.cap * 100)


def apply_group_rules(scheme: Scheme, person: dict[str, int], row: dict[str, Any], ctx: Ctx) -> dict[str, int]:
    """Group rules on one person's item cents, each group before any section it is within: ``mode: max`` keeps the
    best item (first on ties); the cap clips the running sum in declaration order (each item keeps what it adds
    below the cap)."""
    out = dict(person)
    order = sorted(scheme.groups, key=lambda g: -_group_depth(scheme, g))  # stable: file order among equals
    for group in order:
        rule = scheme.groups[group]
        ids = _members(scheme, group)
        if not ids:
            continue
        if rule.mode == "max" and len(ids) > 1:
            best = ids[0]
            for i in ids[1:]:
                if out[i] > out[best]:
                    best = i
            for i in ids:
                if i != best:
                    out[i] = 0
        cap = _group_cap(rule, row, ctx)
        if cap is not None:
            running = 0
            counted = 0
            for i in ids:
                running += out[i]
                now = min(running, cap)
                out[i] = now - counted
                counted = now
    return out


def needed_invalid(scheme: Scheme, row: dict[str, Any], ctx: Ctx) -> set[str]:
    """The columns this row needs whose value is missing or infinite (see docs/schemes.md, missing values)."""
    needed: set[str] = set()
    for gate in scheme.eligibility:
        known_holds(gate, row, ctx, needed)
    for item in scheme.items:
        if item.when is not None and known_holds(item.when, row, ctx, needed) is not True:
            continue
        needed.update(c for c in item.value_columns() if _invalid(row[c]))
    for rule in scheme.groups.values():
        for entry in rule.caps or []:
            if entry.when is None or known_holds(entry.when, row, ctx, needed) is not False:
                break
    if scheme.admission is not None and isinstance(scheme.admission.ties, list):
        needed.update(k.column for k in scheme.admission.ties if k.column and _invalid(row[k.column]))
    return needed


@dataclass
class RefScore:
    """Reference scoring result over the kept rows."""

    positions: list[int] = field(default_factory=list)  # positions of the scored rows in the input
    items: dict[str, list[int]] = field(default_factory=dict)
    total: list[int] = field(default_factory=list)
    eligible: list[bool] = field(default_factory=list)
    reason: list[str] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (row number, column)


def row_number(pop: pd.DataFrame, pos: int) -> int:
    """Row number reported for a position: index label + 1 for an integer index, else position + 1."""
    if pd.api.types.is_integer_dtype(pop.index.dtype):
        return int(pop.index[pos]) + 1
    return pos + 1


def ref_score(pop: pd.DataFrame, scheme: Scheme) -> RefScore:
    """Score row by row. Rows with a missing value that the scheme needs for them are rejected (listed, not
    scored)."""
    out = RefScore(items={i.id: [] for i in scheme.items})
    ctx = _ctx(pop)
    records = pop.to_dict("records")
    for pos, row in enumerate(records):
        bad = needed_invalid(scheme, row, ctx)
        if bad:
            out.rejected.extend((row_number(pop, pos), c) for c in sorted(bad))
            continue
        person = {item.id: item_points_cents(item, row, ctx) for item in scheme.items}
        person = apply_group_rules(scheme, person, row, ctx)
        out.positions.append(pos)
        for k, v in person.items():
            out.items[k].append(v)
        out.total.append(sum(person.values()))
        reason = ""
        for gate in scheme.eligibility:
            if not condition_holds(gate, row, ctx):
                reason = gate.id
                break
        out.eligible.append(reason == "")
        out.reason.append(reason)
    out.rejected.sort()
    return out


# ------------------------------------------------------------------------------------------------------------
# Admission: a full sort
# ------------------------------------------------------------------------------------------------------------
def splitmix64(x: int) -> int:
    """splitmix64 finaliser on Python ints (mod 2**64)."""
    z = (x + 0x9E3779B97F4A7C15) & MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


def lottery_key(label: Any, seed: int) -> int:
    """The person's lottery key: splitmix64 of (index label as uint64) xor seed; text labels are hashed first."""
    if isinstance(label, int) or hasattr(label, "__index__"):
        base = int(label) & MASK64
    else:
        base = int(hash_array(np.array([str(label)], dtype=object))[0])
    return splitmix64(base ^ (seed & MASK64))


@dataclass
class RefAdmission:
    """Reference admission outcome."""

    admitted: set[int]  # positions (in the scored rows)
    cutoff: int | None
    tied_at_cutoff: int
    decided_by_tiebreak: int


def ref_admit(
    total: list[int],
    eligible: list[bool],
    labels: list[Any],
    quota: int | None,
    threshold_cents: int | None,
    ties: Any,
    tie_values: dict[str, list[float]] | None = None,
) -> RefAdmission:
    """Rank everyone eligible (at or above the threshold) by a full sort and cut at the quota."""
    pool = [p for p in range(len(total)) if eligible[p] and (threshold_cents is None or total[p] >= threshold_cents)]
    if not pool or quota == 0:
        return RefAdmission(set(), None, 0, 0)
    ranked = sorted(pool, key=lambda p: -total[p])
    if quota is None or len(pool) <= quota:
        cutoff = total[ranked[-1]]
        return RefAdmission(set(pool), cutoff, sum(total[p] == cutoff for p in pool), 0)
    cutoff = total[ranked[quota - 1]]
    above = [p for p in pool if total[p] > cutoff]
    tied = [p for p in pool if total[p] == cutoff]
    left = quota - len(above)
    if ties == "admit_all" or len(tied) <= left:
        return RefAdmission(set(above) | set(tied), cutoff, len(tied), 0)

    def key(p: int) -> tuple:
        parts: list[Any] = []
        for k in ties:
            if k.lottery is not None:
                parts.append(lottery_key(labels[p], k.lottery))
            else:
                v = tie_values[k.column][p]  # type: ignore[index]
                parts.append(-v if k.order == "desc" else v)
        return tuple(parts)

    ordered = sorted(tied, key=key)
    chosen = ordered[:left]
    if ties[-1].lottery is None:
        boundary = key(ordered[left - 1])
        chosen += [p for p in ordered[left:] if key(p) == boundary]
    return RefAdmission(set(above) | set(chosen), cutoff, len(tied), len(chosen))


# ------------------------------------------------------------------------------------------------------------
# Dominance
# ------------------------------------------------------------------------------------------------------------
def ref_item_max(item: Item, values: list[int]) -> int:
    """Maximum attainable cents of one item; an uncapped per-unit item counts at the 99th percentile (lower)."""
    if item.kind == "per_unit":
        if (item.points_per_unit or 0) <= 0:
            return 0
        if item.cap is not None:
            return round(item.cap * 100)
        if not values:
            return 0
        ordered = sorted(values)
        return max(0, ordered[math.floor(0.99 * (len(ordered) - 1))])
    if item.kind == "category":
        return max(0, round(max([item.default, *item.points.values()]) * 100))  # type: ignore[union-attr]
    if item.kind == "bands":
        return max(0, round(max([item.default, *(b.points for b in item.bands or [])]) * 100))
    return max(0, round(float(item.points) * 100))  # type: ignore[arg-type]


def ref_design_share(scheme: Scheme, items: dict[str, list[int]], groups: list[str]) -> float | None:
    """Named groups' maximum attainable points over the maximum attainable total."""
    per_group: dict[str, int] = {}
    for item in scheme.items:
        per_group.setdefault(item.group, 0)
    for group in per_group:
        maxima = [ref_item_max(i, items[i.id]) for i in scheme.items if i.group == group]
        rule = scheme.groups.get(group)
        value = max(maxima) if rule is not None and rule.mode == "max" else sum(maxima)
        if rule is not None and rule.cap is not None:
            value = min(value, round(rule.cap * 100))
        per_group[group] = value
    whole = sum(per_group.values())
    return None if whole <= 0 else sum(v for g, v in per_group.items() if g in groups) / whole


def ref_realised_share(
    scheme: Scheme, items: dict[str, list[int]], mask: list[bool], groups: list[str]
) -> float | None:
    """Named groups' positive points over all positive points, over the people in ``mask``."""
    if not any(mask):
        return None
    num = den = 0
    for item in scheme.items:
        for p, keep in enumerate(mask):
            if keep and items[item.id][p] > 0:
                den += items[item.id][p]
                if item.group in groups:
                    num += items[item.id][p]
    return None if den == 0 else num / den


def ref_decisive_share(
    scheme: Scheme, items: dict[str, list[int]], total: list[int], mask: list[bool], groups: list[str]
) -> float | None:
    """Cov(group, total) / Var(total) over the people in ``mask``."""
    people = [p for p, keep in enumerate(mask) if keep]
    if len(people) < 2:
        return None
    g = [sum(items[i.id][p] for i in scheme.items if i.group in groups) for p in people]
    t = [total[p] for p in people]
    mt = sum(t) / len(t)
    mg = sum(g) / len(g)
    var = sum((x - mt) ** 2 for x in t)
    if var == 0:
        return None
    return sum((a - mg) * (b - mt) for a, b in zip(g, t, strict=True)) / var
