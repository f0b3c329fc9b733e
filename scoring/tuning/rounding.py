"""Publishable values: round a tuning result's new scheme to a step (0.5 or 1 point) and re-check every constraint
exactly on everyone.

A tuned scheme carries values such as 3.27 points a year; a published scheme has 3 or 3.5. ``round_result(result,
pop, step)`` rounds every value of the tuned items (points per unit, caps, flag points, category and band points) to
the nearest multiple of ``step`` (half away from zero), scores everyone with the rounded scheme, and reports, for each
of the tuning's constraints, the exact value and whether it still holds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from scoring.errors import ScoringInputError
from scoring.evaluation import evaluate
from scoring.scheme.diff import scheme_diff
from scoring.scheme.load import Scheme, scheme_from_dict
from scoring.tuning.core import Check, TuneResult, _quantities, _summary
from scoring.tuning.problem import bounds_list

STEPS = (0.5, 1.0)


def round_to(value: float, step: float) -> float:
    """``value`` to the nearest multiple of ``step``, halves away from zero (2.25 -> 2.5 at 0.5; -0.5 -> -1 at 1)."""
    q = abs(value) / step
    n = math.floor(q + 0.5 + 1e-9)
    return math.copysign(n * step, value) + 0.0


def round_scheme(scheme: Scheme, items: set[str], step: float) -> Scheme:
    """A copy of ``scheme`` with every value of ``items`` rounded to multiples of ``step``."""
    if step not in STEPS:
        raise ScoringInputError(f"round: value {step:g}; choose one of {', '.join(f'{s:g}' for s in STEPS)}")
    data = scheme.to_dict()
    for entry in data["items"]:
        if entry["id"] not in items:
            continue
        for key in ("points_per_unit", "cap", "default"):
            if isinstance(entry.get(key), int | float):
                entry[key] = round_to(float(entry[key]), step)
        if isinstance(entry.get("points"), int | float):
            entry["points"] = round_to(float(entry["points"]), step)
        elif isinstance(entry.get("points"), dict):
            entry["points"] = {k: round_to(float(v), step) for k, v in entry["points"].items()}
        if entry.get("bands"):
            entry["bands"] = [{**b, "points": round_to(float(b["points"]), step)} for b in entry["bands"]]
    return scheme_from_dict(data, scheme.path or scheme.id)


@dataclass
class RoundedResult:
    """The rounded scheme and the constraints re-checked on everyone."""

    step: float
    tuned: Scheme
    scheme: Scheme
    checks: list[Check] = field(default_factory=list)
    after: dict[str, Any] = field(default_factory=dict)
    changed_admissions: int = 0  # against the tuned (unrounded) scheme

    @property
    def ok(self) -> bool:
        """True when every constraint still holds after rounding."""
        return all(c.met for c in self.checks)

    def diff(self, lang: str = "zh") -> list[str]:
        """What rounding changed (tuned -> rounded)."""
        return scheme_diff(self.tuned, self.scheme, lang)

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        """JSON-ready form."""
        return {"step": self.step, "ok": self.ok, "checks": [c.__dict__ for c in self.checks], "after": self.after,
                "changed_admissions_vs_tuned": self.changed_admissions, "diff": self.diff(lang),
                "scheme": {"id": self.scheme.id, "version": self.scheme.version, "stamp": self.scheme.stamp(lang)}}


def round_result(result: TuneResult, pop: pd.DataFrame, step: float) -> RoundedResult:
    """Round ``result.new_scheme``'s tuned values to ``step`` and re-check the constraints exactly on ``pop``."""
    if result.new_scheme is None:
        raise ScoringInputError("round: the tuning found no new scheme to round")
    items = {p.item for p in result.params if not p.fixed}
    tuned = result.new_scheme
    rounded = round_scheme(tuned, items, step)
    rounded = rounded.model_copy(update={"version": f"{tuned.version}-r{step:g}"})
    rule = rounded.admission
    quota = None if rule is None else rule.quota_in_force
    threshold = None if rule is None else rule.threshold_in_force
    rounded_ev = evaluate(pop, rounded, quota=quota, threshold=threshold, require_rule=True, on_invalid="reject")
    adm = rounded_ev.adm
    after = _summary(rounded_ev)
    cons = result.constraints
    q = _quantities(after, cons.measure or "realised")
    checks = []
    for b in bounds_list(cons):
        slack = b.slack(q)
        checks.append(Check(b.describe(), b.quantity, b.value, b.sense, None, q.get(b.quantity), slack >= -1e-9,
                            max(0.0, -slack)))
    tuned_adm = evaluate(pop, tuned, quota=quota, threshold=threshold, require_rule=True, on_invalid="reject").adm
    changed = int((tuned_adm.admitted_mask != adm.admitted_mask).sum())
    return RoundedResult(step, tuned, rounded, checks, after, changed)
