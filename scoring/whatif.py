"""What if: one person's itemised points, distance to the line, and the smallest change that flips the outcome.

Used by the dashboard's Person page, the CLI (``python -m scoring whatif``) and notebooks::

    standing(row, scheme, line=100.0)        # total, eligible, reason, admitted, distance, points per item
    flip_changes(row, scheme, line=100.0)    # the smallest change of each kind that flips the outcome

The search builds a small frame of candidate variants of that one person (month by month more or fewer years of a
column, every other category of a category item, the other value of a yes/no column) and re-scores it in one
vectorised call; the smallest variant of each kind that flips the outcome is reported.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from scoring.engine.core import score
from scoring.scheme.load import AdmissionRule, Scheme

MAX_MONTHS = 360  # search up to 30 years more (or fewer)
PAIR = ("residence_years", "insurance_years")


@dataclass
class Standing:
    """Where one person stands."""

    total: float
    eligible: bool
    reason: str
    admitted: bool
    line: float | None
    points: dict[str, float]

    @property
    def distance(self) -> float | None:
        """Total minus the line (positive = above)."""
        return None if self.line is None else round(self.total - self.line, 2)


def is_strict(rule: AdmissionRule | None) -> bool:
    """True when a person exactly at the line is not sure to be in: a quota whose ties are broken by a chain."""
    return bool(rule is not None and rule.mode not in ("threshold", "none") and not isinstance(rule.ties, str))


def is_in(total_cents: np.ndarray, eligible: np.ndarray, line_cents: int | None, strict: bool) -> np.ndarray:
    """Who would be admitted at a fixed line (strictly above it when ties at the line are broken by a chain)."""
    if line_cents is None:
        return np.zeros_like(eligible)
    return eligible & ((total_cents > line_cents) if strict else (total_cents >= line_cents))


def standing(row: pd.DataFrame, scheme: Scheme, line: float | None, strict: bool = False) -> Standing:
    """Score one person (a one-row frame) and place them against ``line``."""
    res = score(row, scheme)
    line_c = None if line is None else int(round(line * 100))
    admitted = bool(is_in(res.total_cents, res.eligible_mask, line_c, strict)[0])
    return Standing(
        total=float(res.total_cents[0]) / 100.0,
        eligible=bool(res.eligible_mask[0]),
        reason=str(res.reason.iloc[0]),
        admitted=admitted,
        line=line,
        points={k: float(v[0]) / 100.0 for k, v in res.item_cents.items()},
    )


def _variant_specs(row: pd.DataFrame, scheme: Scheme, direction: int) -> list[tuple[str, str, object, dict]]:
    """(kind, column, amount, {column: new value}) for every candidate variant."""
    specs: list[tuple[str, str, object, dict]] = []
    months_cols: list[str] = []
    for item in scheme.items:
        if item.kind == "per_unit" and (item.points_per_unit or 0) > 0:
            months_cols += [item.column] if item.column else list(item.columns or {})
            if item.max_units_column:
                months_cols.append(item.max_units_column)
    for gate in scheme.eligibility:
        if gate.min is not None and direction > 0:
            months_cols.append(gate.column)
    months_cols = [c for c in dict.fromkeys(months_cols) if c in row.columns]
    for col in months_cols:
        base = float(row[col].iloc[0])
        for m in range(1, MAX_MONTHS + 1):
            value = base + direction * m / 12.0
            if value < 0:
                break
            specs.append(("months", col, m, {col: value}))
    if direction > 0 and all(c in months_cols for c in PAIR):
        bases = {c: float(row[c].iloc[0]) for c in PAIR}
        for m in range(1, MAX_MONTHS + 1):
            specs.append(("both", "+".join(PAIR), m, {c: bases[c] + m / 12.0 for c in PAIR}))
    for item in scheme.items:
        col = item.column
        if col is None or col not in row.columns:
            continue
        current = row[col].iloc[0]
        if item.kind == "category":
            s = row[col]
            cats = list(s.cat.categories) if isinstance(s.dtype, pd.CategoricalDtype) else list(item.points or {})
            for value in cats:
                if str(value) != str(current):
                    specs.append(("set", col, value, {col: value}))
        elif item.kind == "flag":
            specs.append(("set", col, not bool(current), {col: not bool(current)}))
    for gate in scheme.eligibility:
        col = gate.column
        if col in row.columns and isinstance(gate.equals, bool) and bool(row[col].iloc[0]) != gate.equals:
            specs.append(("set", gate.column, gate.equals, {gate.column: gate.equals}))
    return specs


def flip_changes(row: pd.DataFrame, scheme: Scheme, line: float | None, strict: bool = False) -> pd.DataFrame:
    """The smallest change of each kind that flips this person's outcome at a fixed line.

    Returns one row per column (or column pair) with ``kind`` ("months", "both" or "set"), ``column``, ``amount``
    (months, or the new value) and ``new_total``; sorted with the fewest months first. Empty if nothing flips.
    """
    empty = pd.DataFrame({"kind": [], "column": [], "amount": [], "new_total": []})
    if line is None:
        return empty
    now = standing(row, scheme, line, strict)
    direction = -1 if now.admitted else 1
    specs = _variant_specs(row, scheme, direction)
    if not specs:
        return empty
    frame = row.iloc[np.zeros(len(specs), dtype=np.int64)].reset_index(drop=True)
    for col in {c for *_, change in specs for c in change}:
        values = [change.get(col, row[col].iloc[0]) for *_, change in specs]
        dtype = row[col].dtype
        if isinstance(dtype, pd.CategoricalDtype):
            frame[col] = pd.Categorical([str(v) for v in values], categories=dtype.categories)
        else:
            frame[col] = pd.array(values).astype(dtype) if dtype.kind in "bui" else np.asarray(values, dtype=np.float64)
    res = score(frame, scheme, on_invalid="reject")
    flipped_at = is_in(res.total_cents, res.eligible_mask, int(round(line * 100)), strict) != now.admitted
    kept = res.index.to_numpy()
    out = pd.DataFrame({
        "kind": [specs[i][0] for i in kept],
        "column": [specs[i][1] for i in kept],
        "amount": [specs[i][2] for i in kept],
        "new_total": res.total_cents / 100.0,
        "flips": flipped_at,
    })
    out = out[out["flips"]]
    out = out.groupby(["kind", "column"], sort=False).head(1).drop(columns="flips")
    order = out["amount"].map(lambda a: a if isinstance(a, int | np.integer) and not isinstance(a, bool) else 10**6)
    return out.assign(_o=order).sort_values("_o", kind="stable").drop(columns="_o").reset_index(drop=True)
