"""The three dominance measures: do residence and insurance years form the main share of the points?

1. design share: the named groups' maximum attainable points over the maximum attainable total (an item without a
   cap counts at the population's 99th percentile of its points);
2. realised share: the named groups' positive points over all positive points, summed over the eligible (and,
   separately, over the admitted);
3. decisive share: Cov(group points, total) / Var(total) among the eligible near the line: the share of the
   score differences that actually decide who gets in.

The scheme's ``dominance`` block says which measure the requirement uses and the minimum share.

The notice's words "确保居住年限和社会保险缴纳年限分数占积分的主要比例" read literally ask for measure 2, a share of the
points: :attr:`DominanceReport.points_share` gives it over the eligible and over the admitted (always between 0 and
1), :attr:`DominanceReport.literal_ok` judges both, and :func:`main_share_headline` is the figure to headline.
The design and decisive shares are analysis beside it (:data:`MEASURE_TEXT`); the decisive share is NOT a share of
the points (it can exceed 100% or be negative) and must never be presented as one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from scoring import labels
from scoring.engine.compiled import group_rules
from scoring.engine.core import ScoreResult
from scoring.engine.kernels import apply_group_rule
from scoring.labels import MEASURES
from scoring.scheme.load import Item, Scheme

# One sentence per measure saying what it is (zh, en): from scoring.labels, the one source of the measures' names.
MEASURE_TEXT: dict[str, tuple[str, str]] = {m: forms["text"] for m, forms in MEASURES.items()}

DEFAULT_WINDOW = 10.0  # points either side of the line that count as "near the line"
MIN_NEAR = 200  # if fewer eligible people are within the window, the nearest this many are used


@dataclass
class DominanceReport:
    """The three measures, the requirement and its verdict."""

    groups: list[str]
    measure: str
    min_share: float
    design: float | None
    realised_eligible: float | None
    realised_admitted: float | None
    decisive: float | None
    line: float | None
    window: float
    near_line: int
    passed: dict[str, bool | None] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def required(self) -> float | None:
        """The share under the measure the requirement uses."""
        return {"design": self.design, "realised": self.realised_eligible, "decisive": self.decisive}[self.measure]

    @property
    def ok(self) -> bool | None:
        """Pass/fail of the requirement (None when it cannot be measured)."""
        return self.passed.get(self.measure)

    def judge(self, notes: list[str] | tuple[str, ...] = ()) -> DominanceReport:
        """Set pass/fail per measure against the requirement and warn when the measures disagree."""
        self.warnings.extend(notes)
        shares = {"design": self.design, "realised": self.realised_eligible, "decisive": self.decisive}
        self.passed = {k: (None if v is None else bool(v >= self.min_share)) for k, v in shares.items()}
        verdicts = {k: v for k, v in self.passed.items() if v is not None}
        if len(set(verdicts.values())) > 1:
            passing = ", ".join(k for k, v in verdicts.items() if v)
            failing = ", ".join(k for k, v in verdicts.items() if not v)
            self.warnings.append(
                f"the measures disagree: {passing} pass(es) but {failing} fail(s) the {self.min_share:.0%} "
                f"requirement; the requirement uses the {self.measure} share"
            )
        return self

    @property
    def points_share(self) -> dict[str, float | None]:
        """The literal reading: the named groups' share of the points over the eligible and over the admitted."""
        return {"eligible": self.realised_eligible, "admitted": self.realised_admitted}

    @property
    def literal_ok(self) -> bool | None:
        """The literal reading's verdict: the share of the points reaches ``min_share`` over the eligible and (when
        measured) over the admitted; None when it cannot be measured."""
        shares = [v for v in self.points_share.values() if v is not None]
        return None if not shares else all(v >= self.min_share for v in shares)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        out = asdict(self)
        out["required_share"] = self.required
        out["ok"] = self.ok
        out["points_share"] = self.points_share
        out["literal_ok"] = self.literal_ok
        return out


def main_share_headline(report: DominanceReport, lang: str = "zh") -> dict[str, Any]:
    """The figure to headline for "占积分的主要比例": the share of the points (never above 100%), its verdict, and the
    analysis measures beside it, each with one sentence saying what it is."""
    zh = lang != "en"
    share = report.realised_eligible
    label = labels.text("points_share_eligible", lang)
    return {
        "label": label, "share": share, "share_admitted": report.realised_admitted,
        "min_share": report.min_share, "ok": report.literal_ok,
        "text": MEASURE_TEXT["realised"][0 if zh else 1],
        "analysis": [{"measure": m, "value": getattr(report, m), "text": MEASURE_TEXT[m][0 if zh else 1]}
                     for m in ("design", "decisive")],
        "requirement_measure": report.measure,
    }


def item_max_cents(item: Item, cents: np.ndarray | None) -> int:
    """Maximum attainable points of one item (cents); an uncapped per-unit item counts at its 99th percentile."""
    if item.kind == "per_unit":
        if (item.points_per_unit or 0) <= 0:
            return 0
        if item.cap is not None:
            return int(round(item.cap * 100))
        if cents is None or len(cents) == 0:
            return 0
        return max(0, int(np.percentile(cents, 99, method="lower")))
    if item.kind == "category":
        table = item.points if isinstance(item.points, dict) else {}
        return max(0, int(round(max([item.default, *table.values()]) * 100)))
    if item.kind == "bands":
        return max(0, int(round(max([item.default, *(b.points for b in item.bands or [])]) * 100)))
    return max(0, int(round(float(item.points or 0) * 100)))  # flag


def design_values(scheme: Scheme, item_max: Mapping[str, float], cents: bool = True) -> dict[str, float]:
    """Each item's maximum attainable points after the group rules, on one imagined person who has every item at its
    maximum: the engine's group steps (:func:`scoring.engine.compiled.group_rules`) applied by the engine's
    :func:`scoring.engine.kernels.apply_group_rule`. ``item_max`` in cents (whole numbers), or in points when not
    ``cents``. Approximate by design: each rule applies to its own group's items with its unconditional cap;
    section caps (``within``) and conditional caps (``caps`` with ``when``) are not applied (:func:`design_note`)."""
    group_of = {item.id: item.group for item in scheme.items}
    dtype = np.int64 if cents else np.float64
    values = {item.id: np.array([item_max[item.id]], dtype) for item in scheme.items}
    for step in group_rules(scheme):
        own = [values[i] for i in step.ids if group_of[i] == step.group]
        cap = step.cap if step.cap is None or cents else step.cap / 100
        if own:
            apply_group_rule(own, step.best_only, cap)
    return {i: v[0].item() for i, v in values.items()}


def design_share_of(scheme: Scheme, item_max: dict[str, int], groups: list[str]) -> float | None:
    """Measure 1 from each item's maximum attainable points (cents), with the group rules applied
    (:func:`design_values`)."""
    after = design_values(scheme, item_max)
    total = sum(int(v) for v in after.values())
    if total <= 0:
        return None
    return sum(int(after[item.id]) for item in scheme.items if item.group in groups) / total


def design_note(scheme: Scheme, lang: str = "en") -> str | None:
    """One line saying the design share is approximate for ``scheme`` (section caps or conditional caps that
    :func:`design_values` does not apply), or None when it is exact."""
    sections = list(dict.fromkeys(r.within for r in scheme.groups.values() if r.within is not None))
    conditional = [g for g, r in scheme.groups.items() if any(e.when is not None for e in r.caps or [])]
    if not sections and not conditional:
        return None
    zh = lang == "zh"

    def names(groups: list[str]) -> str:
        return ("、" if zh else ", ").join(scheme.group_label(g, lang) for g in groups)

    parts = []
    if sections:
        parts.append(f"分段上限（{names(sections)}）" if zh else f"section caps ({names(sections)})")
    if conditional:
        parts.append(f"条件上限（{names(conditional)}）" if zh else f"conditional caps ({names(conditional)})")
    if zh:
        return "设计占比为近似值：未计入" + "和".join(parts) + "；占积分的比例与决定性占比不受影响。"
    return ("design share is approximate: it does not apply " + " or ".join(parts)
            + "; the share of the points and the decisive share are exact")


def design_share(scheme: Scheme, res: ScoreResult | None = None, groups: list[str] | None = None) -> float | None:
    """Measure 1: maximum attainable points of the named groups over the maximum attainable total."""
    item_max = {
        item.id: item_max_cents(item, None if res is None else res.item_cents[item.id]) for item in scheme.items
    }
    return design_share_of(scheme, item_max, groups or scheme.dominance.groups)


def realised_share(res: ScoreResult, mask: np.ndarray, groups: list[str]) -> float | None:
    """Measure 2: the named groups' positive points over all positive points, summed over ``mask``."""
    if not mask.any():
        return None
    items = res.scheme.items
    rows = np.flatnonzero(mask) if np.count_nonzero(mask) * 8 < mask.size else None  # few rows: gather them
    if rows is not None:
        positive = [int(np.maximum(res.item_cents[item.id][rows], 0).sum(dtype=np.int64)) for item in items]
    else:
        positive = masked_positive_sums([res.item_cents[item.id] for item in items], mask)
    num = sum(p for p, item in zip(positive, items, strict=True) if item.group in groups)
    den = sum(positive)
    return None if den == 0 else num / den


_BLOCK = 1 << 16  # rows at a time: the masked points of a block stay in the cache


def masked_positive_sums(columns: list[np.ndarray], mask: np.ndarray) -> list[int]:
    """For each column of whole numbers, the sum of its positive values where ``mask`` holds, a block of rows at a
    time into a small buffer (no array the size of the column written). A block's extremes, read while it is in the
    cache, tell whether it has negative points to clip and whether it can be summed in its own integer type (about 4x
    faster than summing int32 into int64); else it is summed in int64."""
    sums = [0] * len(columns)
    scratch: dict[np.dtype, np.ndarray] = {}
    for lo in range(0, len(mask), _BLOCK):
        keep = mask[lo:lo + _BLOCK]
        for j, column in enumerate(columns):
            part = scratch.setdefault(column.dtype, np.empty(_BLOCK, column.dtype))[:len(keep)]
            np.multiply(column[lo:lo + _BLOCK], keep, out=part)
            if int(part.min()) < 0:  # negative points (few items): clipped at 0
                np.maximum(part, 0, out=part)
            small = part.dtype.kind in "iu" and int(part.max()) * len(part) <= np.iinfo(part.dtype).max
            sums[j] += int(part.sum(dtype=part.dtype if small else np.int64))
    return sums


def near_line_mask(res: ScoreResult, line: float, window: float) -> np.ndarray:
    """The eligible within ``window`` points of ``line``; if fewer than MIN_NEAR, the nearest MIN_NEAR eligible."""
    eligible = res.eligible_mask
    centre, half = int(round(line * 100)), int(round(window * 100))
    total = res.total_cents
    near = eligible & (total >= centre - half) & (total <= centre + half)  # |total - centre| <= half, no temporaries
    n_eligible = int(eligible.sum())
    if int(near.sum()) >= min(MIN_NEAR, n_eligible):
        return near
    distance = np.abs(total - centre)
    idx = np.flatnonzero(eligible)
    k = min(MIN_NEAR, len(idx))
    nearest = idx[np.argpartition(distance[idx], k - 1)[:k]] if k else idx
    out = np.zeros_like(eligible)
    out[nearest] = True
    return out


def exact_dot(a: np.ndarray, b: np.ndarray) -> int:
    """Sum of ``a * b`` over whole numbers, exactly (int64 blocks small enough never to overflow, added as Python
    ints): no BLAS, so the same on every machine and thread count."""
    if len(a) == 0:
        return 0
    bound = max(1, int(np.abs(a).max()) * int(np.abs(b).max()))
    block = max(1, (2**62) // bound)
    return sum(int(np.dot(a[i:i + block], b[i:i + block])) for i in range(0, len(a), block))


def cov_ratio(group: np.ndarray, total: np.ndarray) -> float | None:
    """Cov(group, total) / Var(total) of whole-cent values from exact integer moments and one correctly rounded
    division: bit-identical on every machine, whatever the BLAS kernel or thread count."""
    n = len(total)
    if n < 2:
        return None
    g, t = np.rint(group).astype(np.int64), np.rint(total).astype(np.int64)
    s_g, s_t = int(g.sum()), int(t.sum())
    var = n * exact_dot(t, t) - s_t * s_t
    return None if var == 0 else (n * exact_dot(g, t) - s_g * s_t) / var


def decisive_share(res: ScoreResult, mask: np.ndarray, groups: list[str]) -> float | None:
    """Measure 3: Cov(group points, total) / Var(total) over ``mask`` (exact, see :func:`cov_ratio`)."""
    if int(mask.sum()) < 2:
        return None
    rows = np.flatnonzero(mask)  # the rows near the line only: the group's points summed over those
    return cov_ratio(res.group_cents(groups, rows=rows), res.total_cents[rows])


NO_LINE_NOTE = labels.TEXT["no_line"][1]  # the warning's words (English in the report; the CLI translates it)


def deciding_line(
    quota: int | None, threshold: float | None, candidates: int, cutoff: float | None
) -> float | None:
    """The line that decides admission: the cut-off of a binding quota, else the threshold, else None (nobody
    eligible is turned away, so no line decides)."""
    if quota is not None and candidates > quota:
        return cutoff
    return threshold


def dominance(
    res: ScoreResult,
    scheme: Scheme | None = None,
    admitted: np.ndarray | None = None,
    line: float | None = None,
) -> DominanceReport:
    """All three measures for a scored population, with the requirement's verdict.

    ``admitted`` (a mask or an AdmissionResult) gives the realised share among the admitted; ``line`` (the cut-off
    or threshold) centres the decisive share; without it the scheme's threshold, else the median eligible score.
    """
    scheme = scheme or res.scheme
    rule = scheme.dominance
    groups = list(rule.groups)
    notes: list[str] = []
    if admitted is not None and not isinstance(admitted, np.ndarray):
        admitted_mask = np.asarray(admitted.admitted_mask)  # AdmissionResult
        if line is None:
            line = deciding_line(admitted.quota, admitted.threshold, admitted.candidates, admitted.cutoff)
            if line is None:
                notes.append(NO_LINE_NOTE)
    else:
        admitted_mask = admitted
    eligible = res.eligible_mask
    if line is None and not notes and scheme.admission is not None and scheme.admission.threshold is not None:
        line = scheme.admission.threshold
    if line is None and eligible.any():
        line = float(np.median(res.total_cents[eligible])) / 100.0
    window = rule.window or DEFAULT_WINDOW
    near = near_line_mask(res, line, window) if line is not None else np.zeros_like(eligible)
    report = DominanceReport(
        groups=groups,
        measure=rule.measure,
        min_share=rule.min_share,
        design=design_share(scheme, res, groups),
        realised_eligible=realised_share(res, eligible, groups),
        realised_admitted=realised_share(res, admitted_mask, groups) if admitted_mask is not None else None,
        decisive=decisive_share(res, near, groups),
        line=line,
        window=window,
        near_line=int(near.sum()),
    )
    return report.judge(notes)
