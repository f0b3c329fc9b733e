"""An independent, row-by-row reference for scoring, eligibility, group rules, admission and dominance.

Written from DESIGN.md and the team's documented decisions, in plain Python over dicts, deliberately slow and
simple. It does not import ``scoring.engine``/``scoring.admission``/``scoring.dominance`` internals; it reads only the
scheme model (the data of the scheme file). Tests compare the vectorised library against it, exactly, in cents.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from pandas.util import hash_array

from scoring.scheme import Condition, Item, Scheme

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


def _p(value: float, column: str, narrow: frozenset[str]) -> float:
    """A number in the column's precision: float32 columns compare at float32 (6.99 meets ``min: 6.99``)."""
    return float(np.float32(value)) if column in narrow else value


def condition_holds(cond: Condition, row: dict[str, Any], narrow: frozenset[str] = frozenset()) -> bool:
    """equals, in, min and max (inclusive): all given parts must hold; in the column's precision."""
    col = cond.column
    value = row[col]
    if _is_number(value):
        value = _p(float(value), col, narrow)

    def same(wanted: Any) -> bool:
        return _same(value, _p(float(_num(wanted)), col, narrow) if _is_number(value) else wanted)

    if cond.equals is not None and not same(cond.equals):
        return False
    if cond.in_ is not None and not any(same(w) for w in cond.in_):
        return False
    if cond.min is not None and not _num(value) >= _p(cond.min, col, narrow):
        return False
    return not (cond.max is not None and not _num(value) <= _p(cond.max, col, narrow))


def cents(points: float) -> int:
    """Points rounded to the cent, half away from zero (四舍五入); 1e-6 cent of float error below a half counts."""
    magnitude = math.floor(abs(points) * 100.0 + 0.5 + CENT_TOLERANCE)
    return magnitude if points >= 0 else -magnitude


def item_points_cents(item: Item, row: dict[str, Any], narrow: frozenset[str] = frozenset()) -> int:
    """One item's cents for one person, before group rules."""
    if item.when is not None and not condition_holds(item.when, row, narrow):
        return 0
    if item.kind == "flag":
        return cents(float(item.points)) if _num(row[item.column]) != 0 else 0  # type: ignore[arg-type]
    if item.kind == "category":
        table = {str(k): v for k, v in (item.points or {}).items()}  # type: ignore[union-attr]
        return cents(table.get(str(row[item.column]), item.default))
    if item.kind == "bands":
        x = _num(row[item.column])
        for band in item.bands or []:
            lo = -math.inf if band.min is None else _p(band.min, item.column, narrow)  # type: ignore[arg-type]
            hi = math.inf if band.max is None else _p(band.max, item.column, narrow)  # type: ignore[arg-type]
            if lo <= x < hi:
                return cents(band.points)
        return cents(item.default)
    # per_unit
    if item.column is not None:
        units = float(_num(row[item.column]))
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


def apply_group_rules(scheme: Scheme, person: dict[str, int]) -> dict[str, int]:
    """Group rules on one person's item cents: ``mode: max`` keeps the best item (first on ties); ``cap`` clips
    the running sum in declaration order (each item keeps what it adds below the cap)."""
    out = dict(person)
    for group, rule in scheme.groups.items():
        ids = [i.id for i in scheme.items if i.group == group]
        if rule.mode == "max" and len(ids) > 1:
            best = ids[0]
            for i in ids[1:]:
                if out[i] > out[best]:
                    best = i
            for i in ids:
                if i != best:
                    out[i] = 0
        if rule.cap is not None:
            cap = round(rule.cap * 100)
            running = 0
            counted = 0
            for i in ids:
                running += out[i]
                now = min(running, cap)
                out[i] = now - counted
                counted = now
    return out


def scheme_columns(scheme: Scheme) -> list[str]:
    """Every column the scheme reads (gates, items, conditions, tie keys)."""
    cols: list[str] = [g.column for g in scheme.eligibility]
    for item in scheme.items:
        if item.column:
            cols.append(item.column)
        cols.extend(item.columns or {})
        if item.max_units_column:
            cols.append(item.max_units_column)
        if item.when is not None:
            cols.append(item.when.column)
    if scheme.admission is not None and isinstance(scheme.admission.ties, list):
        cols.extend(k.column for k in scheme.admission.ties if k.column)
    return list(dict.fromkeys(cols))


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
    """Score row by row. Rows with a missing value in a read column are rejected (listed, not scored)."""
    out = RefScore(items={i.id: [] for i in scheme.items})
    columns = scheme_columns(scheme)
    narrow = frozenset(c for c in pop.columns if pop[c].dtype == np.float32)
    records = pop.to_dict("records")
    for pos, row in enumerate(records):
        bad = [c for c in columns if is_missing(row[c]) or _is_infinite(row[c])]
        if bad:
            out.rejected.extend((row_number(pop, pos), c) for c in bad)
            continue
        person = {item.id: item_points_cents(item, row, narrow) for item in scheme.items}
        person = apply_group_rules(scheme, person)
        out.positions.append(pos)
        for k, v in person.items():
            out.items[k].append(v)
        out.total.append(sum(person.values()))
        reason = ""
        for gate in scheme.eligibility:
            if not condition_holds(gate, row, narrow):
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
