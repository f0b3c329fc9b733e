"""What if: one person's itemised points, distance to the line, and the smallest change that flips the outcome.

Used by the dashboard's Person page, the CLI (``python -m scoring whatif``) and notebooks::

    standing(row, scheme, line=100.0)        # total, eligible, reason, admitted, distance, points per item
    flip_changes(row, scheme, line=100.0)    # the smallest change of each kind that flips the outcome

Against a fixed line, a person is a newcomer: in at the line unless a chain breaks ties there (``strict``). A person
of the file is not a newcomer: pass ``rivals=Rivals.of(res, adm, pos)`` (everyone else in the file, held fixed,
under the rule ``adm`` applied) and the verdict is admit's own, tie rule included; the search then finds what
would flip that verdict.

The search builds a small frame of candidate variants of that one person (month by month more or fewer years of a
column, every other category of a category item, the other value of a yes/no column) and re-scores it in one
vectorised call; the smallest variant of each kind that flips the outcome is reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from scoring.engine.core import ScoreResult, score
from scoring.scheme.load import AdmissionRule, Scheme

if TYPE_CHECKING:
    from scoring.admission import AdmissionResult

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


@dataclass
class Rivals:
    """Everyone else in a file, held fixed, under the admission rule applied to it: :meth:`decide` says whether a
    variant of one person of that file is admitted, exactly as :func:`scoring.admission.admit` would decide with
    that variant in the person's place (the tie rule included). For the person as they are, admit's verdict."""

    rule: AdmissionRule
    label: Any  # the person's index label: the key of a lottery
    threshold_cents: int | None
    quota: int | None  # None: no quota, or one with room for every other candidate
    cut_cents: int | None  # the quota-th best score of the others (a variant above it is in, below it out)
    left: int  # places left for the band tied at cut_cents
    band: pd.DataFrame  # the others scored exactly cut_cents

    @classmethod
    def of(cls, res: ScoreResult, adm: AdmissionResult, pos: int, candidates: np.ndarray | None = None) -> Rivals:
        """The rivals of the person at position ``pos`` of ``res`` under ``adm`` (admitted from ``candidates``)."""
        rule, total = adm.rule, res.total_cents
        thr = None if adm.threshold is None else int(round(adm.threshold * 100))
        pool = res.eligible_mask.copy() if candidates is None else (res.eligible_mask & candidates)
        if thr is not None:
            pool &= total >= thr
        pool[pos] = False
        quota, cut, left, band = adm.quota, None, 0, res.population.iloc[:0]
        scores = total[pool]
        if quota is not None and 0 < quota <= scores.size:
            cut = int(np.partition(scores, scores.size - quota)[scores.size - quota])
            left = quota - int((scores > cut).sum())
            band = res.population.iloc[np.flatnonzero(pool & (total == cut))]
        elif quota is not None and quota > scores.size:
            quota = None
        return cls(rule, res.index[pos], thr, quota, cut, left, band)

    def decide(self, res: ScoreResult) -> np.ndarray:
        """Admitted or not, for each scored row of ``res`` (variants of the person) taken alone in their place."""
        t = res.total_cents
        base = res.eligible_mask.copy()
        if self.threshold_cents is not None:
            base &= t >= self.threshold_cents
        if self.quota is None:
            return base
        if self.cut_cents is None:  # a quota of 0
            return np.zeros_like(base)
        out = base & (t > self.cut_cents)
        at = np.flatnonzero(base & (t == self.cut_cents))
        if self.rule.ties == "admit_all":
            out[at] = True
            return out
        for i in at:  # the few variants exactly at the cut: the chain decides, as admit's does
            out[i] = self._wins_tie(res.population.iloc[[int(i)]], res.scheme)
        return out

    def _wins_tie(self, row: pd.DataFrame, scheme: Scheme) -> bool:
        """The tie-break of :func:`scoring.admission.admit` on the band at the cut with ``row`` in it."""
        from scoring.admission import admit

        band = pd.concat([self.band, row.set_axis([self.label])])
        return bool(admit(score(band, scheme), quota=self.left, ties=self.rule.ties).admitted_mask[-1])


def _verdict(res: ScoreResult, line: float | None, strict: bool, rivals: Rivals | None) -> np.ndarray:
    if rivals is not None:
        return rivals.decide(res)
    return is_in(res.total_cents, res.eligible_mask, None if line is None else int(round(line * 100)), strict)


def standing(row: pd.DataFrame, scheme: Scheme, line: float | None, strict: bool = False,
             rivals: Rivals | None = None) -> Standing:
    """Score one person (a one-row frame) and place them against ``line`` (a newcomer), or, with ``rivals``,
    against the others of their file under its admission rule (admit's verdict; ``line`` only for the distance)."""
    res = score(row, scheme)
    admitted = bool(_verdict(res, line, strict, rivals)[0])
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


def flip_changes(row: pd.DataFrame, scheme: Scheme, line: float | None, strict: bool = False,
                 rivals: Rivals | None = None) -> pd.DataFrame:
    """The smallest change of each kind that flips this person's outcome at a fixed line (or, with ``rivals``,
    against the others of their file: :class:`Rivals`).

    Returns one row per column (or column pair) with ``kind`` ("months", "both" or "set"), ``column``, ``amount``
    (months, or the new value) and ``new_total``; sorted with the fewest months first. Empty if nothing flips.
    """
    empty = pd.DataFrame({"kind": [], "column": [], "amount": [], "new_total": []})
    if line is None and rivals is None:
        return empty
    now = standing(row, scheme, line, strict, rivals)
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
    flipped_at = _verdict(res, line, strict, rivals) != now.admitted
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
