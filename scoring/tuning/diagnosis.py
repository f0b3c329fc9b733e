"""Why no weights meet the targets: which constraint binds and by how much.

First each constraint alone: the best any parameter values within the bounds achieve (e.g. the largest decisive
share reachable). A constraint that cannot be met even on its own binds with that gap. If each can be met alone,
each is pushed as far as possible while the others hold; those still short bind together, with their gaps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize

from scoring.tuning.problem import Problem

TOL = 1e-9


@dataclass
class Binding:
    """A constraint that cannot be met: the best value reachable and the gap to the requirement."""

    constraint: str
    quantity: str
    required: float
    best: float | None
    gap: float
    alone: bool

    def text(self, lang: str = "zh", ratio: float = 1.0) -> str:
        """One line naming the constraint, the best reachable value and the gap, in ``lang`` with values for people
        (a count of a sample of ``ratio`` real people per row in real people)."""
        from scoring.tuning.text import constraint_name, quantity_text

        name = constraint_name(self.constraint, self.quantity, lang)
        sense = "≤" if "<=" in self.constraint else "≥"
        required, best = (quantity_text(self.quantity, v, ratio) for v in (self.required, self.best))
        gap = quantity_text(self.quantity, self.gap, ratio)
        if self.quantity == "share":  # a difference of shares: percentage points
            gap = f"{self.gap * 100:.1f}{' percentage points' if lang == 'en' else '个百分点'}"
        if lang == "en":
            how = "even on its own within the bounds" if self.alone else "while the other constraints hold"
            return f"binding: {name} {sense} {required}: best reachable {how} is {best}; short by {gap}"
        how = "即使单独考虑（在参数范围内）" if self.alone else "在满足其他约束的前提下"
        return f"约束受限：{name} {sense} {required}：{how}最多只能达到 {best}，差距 {gap}"


def _starts(prob: Problem, k: int) -> list[np.ndarray]:
    """Start points: today, both corners, and the corner favoured by constraint k's gradient at today."""
    z0 = np.zeros(prob.dim)
    fn = prob.slack_fn(k)
    base = fn(z0)
    grad = np.array([fn(z0 + 1e-2 * e) - base for e in np.eye(prob.dim)])
    favour = np.where(grad > 0, prob.z_hi, np.where(grad < 0, prob.z_lo, 0.0))
    return [z0, prob.z_lo.copy(), prob.z_hi.copy(), favour]


def best_alone(prob: Problem, k: int, extra: list[np.ndarray] = ()) -> tuple[np.ndarray, float]:
    """Push constraint k as far as it goes within the bounds; (z, natural-unit slack)."""
    fn = prob.slack_fn(k)
    b = prob.bounds[k]
    best_z, best = np.zeros(prob.dim), -np.inf
    for start in [*_starts(prob, k), *extra]:
        res = optimize.minimize(lambda z: -min(fn(z), 2.0), start, method="L-BFGS-B",
                                bounds=optimize.Bounds(prob.z_lo, prob.z_hi), options={"maxiter": 60, "eps": 1e-3})
        for z in (start, np.clip(res.x, prob.z_lo, prob.z_hi)):
            s = b.slack(prob.quantities(z))
            if s > best:
                best_z, best = z, s
    return best_z, best


def best_jointly(prob: Problem, k: int, z_start: np.ndarray) -> float:
    """Push constraint k as far as it goes while the others hold; natural slack of k (-inf if they cannot)."""
    fn = prob.slack_fn(k)
    others = [{"type": "ineq", "fun": prob.slack_fn(j)} for j in range(len(prob.bounds)) if j != k]
    res = optimize.minimize(lambda z: -min(fn(z), 2.0), z_start, method="SLSQP", constraints=others,
                            bounds=optimize.Bounds(prob.z_lo, prob.z_hi),
                            options={"maxiter": 100, "eps": 1e-3})
    z = np.clip(res.x, prob.z_lo, prob.z_hi)
    q = prob.quantities(z)
    others_ok = all(prob.bounds[j].slack(q) >= -prob.bounds[j].norm for j in range(len(prob.bounds)) if j != k)
    return prob.bounds[k].slack(q) if others_ok else -np.inf


def _binding(prob: Problem, k: int, slack: float, alone: bool) -> Binding:
    b = prob.bounds[k]
    best = None if not np.isfinite(slack) else b.value + b.sense * slack
    gap = float(-slack) if np.isfinite(slack) else float("inf")
    return Binding(b.describe(), b.quantity, b.value, best, gap, alone)


def diagnose(prob: Problem, z_end: np.ndarray) -> list[Binding]:
    """The binding constraints and their gaps (natural units), most binding first."""
    alone: list[Binding] = []
    ends: list[np.ndarray] = []
    for k in range(len(prob.bounds)):
        z, slack = best_alone(prob, k, [z_end])
        ends.append(z)
        if slack < -TOL:
            alone.append(_binding(prob, k, slack, True))
    if alone:
        return sorted(alone, key=lambda b: -b.gap / next(x.norm for x in prob.bounds if x.describe() == b.constraint))
    joint: list[tuple[float, Binding]] = []
    for k in range(len(prob.bounds)):
        slack = max(best_jointly(prob, k, z) for z in (z_end, *ends))
        if slack < -TOL:
            joint.append((-slack / prob.bounds[k].norm if np.isfinite(slack) else np.inf,
                          _binding(prob, k, slack, False)))
    if joint:
        return [b for _, b in sorted(joint, key=lambda t: -t[0])]
    q = prob.quantities(z_end)  # nothing found separately: report the misses where the search ended
    return [_binding(prob, k, b.slack(q), False) for k, b in enumerate(prob.bounds) if b.slack(q) < -TOL]
