"""The tuning problem: constraints and objectives as continuous functions of the parameters, for scipy.optimize.

Parameters are normalised, ``theta = theta0 + z * scale`` (``scale`` = today's size), so ``z = 0`` is today and a
unit of ``z`` is a 100 % change. Each constraint has a natural slack (share, people, points; >= 0 when met) for
reports and a continuous slack for the optimiser. The number admitted under a line is a step function of the
weights, so "at least L admitted" is handed to the optimiser as "the L-th best eligible score is at or above the
line" (and "at most H" as "the (H+1)-th best is below it"): exactly the same condition, but continuous
(piecewise linear) in the weights. Kendall's tau for the stable-rank objective is smoothed on random pairs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from scoring.errors import ScoringInputError
from scoring.tuning.model import MEASURES, Evaluator

PAIRS = 200_000  # random pairs of eligible people for the smoothed Kendall tau
RANK_NORM = 0.1  # points: the norm of the rank-score slacks


@dataclass
class Constraints:
    """What the weights must achieve.

    ``min_share``/``measure`` default to the scheme's dominance rule; ``admitted`` and ``cutoff`` are target ranges
    ``(lo, hi)`` (either end may be None) for the number admitted and for the cut-off score.
    """

    min_share: float | None = None
    measure: str | None = None
    admitted: tuple[float | None, float | None] | None = None
    cutoff: tuple[float | None, float | None] | None = None

    def resolved(self, ev: Evaluator) -> Constraints:
        """Defaults filled in from the scheme; values checked."""
        rule = ev.scheme.dominance
        measure = self.measure or rule.measure
        if measure not in MEASURES:
            raise ScoringInputError(f"measure: value {measure!r}; choose one of {', '.join(MEASURES)}")
        share = rule.min_share if self.min_share is None else self.min_share
        if not 0 <= share <= 1:
            raise ScoringInputError(f"min_share: value {share!r} must be between 0 and 1")
        for name, rng in (("admitted", self.admitted), ("cutoff", self.cutoff)):
            if rng is not None and rng[0] is not None and rng[1] is not None and rng[0] > rng[1]:
                raise ScoringInputError(f"target {name}: low {rng[0]} is above high {rng[1]}")
        if self.admitted is not None and ev.threshold is None:
            quota = ev.quota or 0
            lo, hi = self.admitted
            if (lo is not None and lo > quota) or (hi is not None and hi < quota):
                raise ScoringInputError(f"target admitted: under a quota of {quota} the number admitted is the "
                                        "quota; give --target-cutoff instead, or a threshold")
        return Constraints(share, measure, self.admitted, self.cutoff)


@dataclass
class Bound:
    """One one-sided constraint: ``quantity >= value`` (sense +1) or ``quantity <= value`` (sense -1)."""

    name: str
    quantity: str  # "share" | "admitted" | "cutoff"
    sense: int
    value: float
    norm: float
    rank: int | None = None  # admitted under a line: the rank whose score decides (sample people, 1 = best)
    aim: float = 0.0  # extra margin (in norms) the optimiser aims past the value

    def slack(self, q: dict[str, float | None]) -> float:
        """Natural-unit slack (>= 0 when met); a missing quantity counts as badly violated."""
        x = q.get(self.quantity)
        if x is None:
            return -10.0 * self.norm
        return self.sense * (x - self.value)

    def describe(self, lang: str = "en") -> str:
        """E.g. ``decisive share >= 0.6``."""
        return f"{self.name} {'>=' if self.sense > 0 else '<='} {self.value:g}"


def bounds_list(c: Constraints) -> list[Bound]:
    """The constraints as one-sided bounds with norms (about a tolerable miss)."""
    out = [Bound(f"{c.measure} share", "share", 1, float(c.min_share or 0.0), 0.01)]
    for quantity, rng in (("admitted", c.admitted), ("cutoff", c.cutoff)):
        if rng is None:
            continue
        mid = np.mean([abs(v) for v in rng if v is not None])
        norm = max(1.0, 0.01 * mid) if quantity == "admitted" else max(0.1, 0.005 * mid)
        if rng[0] is not None:
            out.append(Bound(quantity, quantity, 1, float(rng[0]), norm))
        if rng[1] is not None:
            out.append(Bound(quantity, quantity, -1, float(rng[1]), norm))
    return out


class Problem:
    """Memoised quantities of a parameter vector on the evaluator's people."""

    def __init__(self, ev: Evaluator, constraints: Constraints, *, seed: int = 0) -> None:
        self.ev = ev
        self.c = constraints
        self.bounds = bounds_list(constraints)
        if ev.threshold is not None:
            for b in self.bounds:
                if b.quantity == "admitted":  # at least L: the L-th best; at most H: the (H+1)-th best
                    b.rank = max(1, math.ceil(b.value / ev.scale - 1e-9)) if b.sense > 0 else (
                        math.floor(b.value / ev.scale + 1e-9) + 1)
        self.theta0 = ev.theta0
        self.free = np.array([not p.fixed for p in ev.params])
        self.scale = np.maximum(np.abs(self.theta0), 1e-3)
        lo = np.array([p.lo for p in ev.params])
        hi = np.array([p.hi for p in ev.params])
        self.z_lo = ((lo - self.theta0) / self.scale)[self.free]
        self.z_hi = ((hi - self.theta0) / self.scale)[self.free]
        self.evaluations = 0
        self._eligible_idx = np.flatnonzero(ev.eligible)
        self.last: tuple | None = None
        self.last_grad: tuple | None = None
        self.want_tau = False  # the smoothed Kendall tau is computed only for the stable-rank objective
        self._cache: dict[bytes, dict[str, float | None]] = {}
        self._pairs = self._make_pairs(seed)

    # -- parameter space ---------------------------------------------------------------------------------------
    def theta(self, z: np.ndarray) -> np.ndarray:
        """Parameter vector for normalised free values ``z``."""
        out = self.theta0.copy()
        out[self.free] = self.theta0[self.free] + np.asarray(z) * self.scale[self.free]
        return out

    def z_of(self, theta: np.ndarray) -> np.ndarray:
        """Normalised free values of a parameter vector."""
        return ((theta - self.theta0) / self.scale)[self.free]

    @property
    def dim(self) -> int:
        """Number of free parameters."""
        return int(self.free.sum())

    # -- quantities --------------------------------------------------------------------------------------------
    def quantities(self, z: np.ndarray) -> dict[str, float | None]:
        """share (under the measure), admitted (scaled), cutoff, rank scores ``rank:K`` (points), smoothed tau."""
        key = self.key(z)
        if key in self._cache:
            return self._cache[key]
        self.evaluations += 1
        ev, theta = self.ev, self.theta(z)
        P = ev.item_cents(theta)
        total = ev.total_cents(theta, P)
        adm, cut = ev.cutoff_cents(total)
        q: dict[str, float | None] = {"cutoff": None if cut is None else cut / 100.0,
                                      "admitted": float(adm.sum()) * ev.scale}
        ranks = sorted({b.rank for b in self.bounds if b.rank is not None})
        who: dict[str, int] = {}  # the person whose score is each rank score / the cut-off (for gradients)
        if ranks:
            elig = self._eligible_idx
            scores = total[elig]
            m = len(scores)
            kth = [m - r for r in ranks if 0 < r <= m]
            order = np.argpartition(scores, kth) if kth else np.arange(m)
            for r in ranks:  # fewer eligible people than the rank: as if the r-th best scored -inf
                q[f"rank:{r}"] = float(scores[order[m - r]]) / 100.0 if 0 < r <= m else None
                if 0 < r <= m:
                    who[f"rank:{r}"] = int(elig[order[m - r]])
        if cut is not None:
            at = np.flatnonzero(adm & (total == cut))
            if len(at):
                who["cutoff"] = int(at[0])
        if self.c.measure == "design":
            q["share"] = ev.design_share(theta)
        elif self.c.measure == "realised":
            q["share"] = ev.realised_share(P, ev.eligible)
        else:
            q["share"] = ev.decisive_share(P, total, ev.line_cents(total, cut))
        q["tau"] = self._smooth_tau(total) if self._pairs is not None and self.want_tau else None
        if len(self._cache) > 4096:
            self._cache.clear()
        self._cache[key] = q
        self.last = (key, theta, P, total, adm, cut, who)
        return q

    def key(self, z: np.ndarray) -> bytes:
        """Cache key: the point and the ranks the bounds currently ask about (re-aiming changes them)."""
        ranks = tuple(-1 if b.rank is None else b.rank for b in self.bounds)
        return np.asarray(z, dtype=np.float64).tobytes() + np.asarray(ranks, dtype=np.int64).tobytes()

    def opt_slack(self, b: Bound, q: dict[str, float | None]) -> float:
        """The optimiser's continuous slack of one bound, in norms (>= 0 when met, including the aim)."""
        ev = self.ev
        if b.rank is None:
            return b.slack(q) / b.norm - b.aim
        quota = ev.sample_quota
        if quota is not None and b.sense > 0 and quota < b.rank:
            return -(b.rank - quota) * ev.scale / b.norm  # the quota alone keeps the number below the target
        if quota is not None and b.sense < 0 and quota < b.rank:
            return 10.0  # the quota alone keeps the number under the cap
        score = q.get(f"rank:{b.rank}")
        line = float(ev.threshold)  # type: ignore[arg-type]
        if score is None:
            return -10.0 if b.sense > 0 else 10.0
        gap = (score - line) if b.sense > 0 else (line - 0.01 - score)
        return gap / RANK_NORM - b.aim

    def _make_pairs(self, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        idx = np.flatnonzero(self.ev.eligible)
        if len(idx) < 2:
            return None
        rng = np.random.default_rng(seed + 1)
        i, j = rng.choice(idx, PAIRS), rng.choice(idx, PAIRS)
        old = self.ev.total_cents(self.theta0)
        sign = np.sign(old[i] - old[j])
        keep = sign != 0
        return i[keep], j[keep], sign[keep]

    def _smooth_tau(self, total: np.ndarray) -> float:
        i, j, sign = self._pairs  # type: ignore[misc]
        d = total[i] - total[j]
        s = 0.05 * (float(np.std(d)) or 1.0)
        return float(np.mean(np.tanh(d / s) * sign))

    # -- scipy functions ---------------------------------------------------------------------------------------
    def slacks(self, z: np.ndarray) -> np.ndarray:
        """The optimiser's slack of every bound (>= 0 when met)."""
        q = self.quantities(z)
        return np.array([self.opt_slack(b, q) for b in self.bounds])

    def natural_slacks(self, z: np.ndarray) -> np.ndarray:
        """Natural-unit slack of every bound (share, people, points)."""
        q = self.quantities(z)
        return np.array([b.slack(q) for b in self.bounds])

    def slack_fn(self, k: int) -> Callable[[np.ndarray], float]:
        """The k-th optimiser slack as a scalar function."""
        b = self.bounds[k]
        return lambda z: self.opt_slack(b, self.quantities(z))

    def objective(self, kind: str) -> tuple[Callable[[np.ndarray], float], Callable[[np.ndarray], np.ndarray] | None]:
        """(function, gradient or None) of the objective to minimise."""
        if kind == "closest":  # numpy's fixed-order sum, not a BLAS dot
            return (lambda z: float(np.sum(np.square(z)))), (lambda z: 2.0 * np.asarray(z))
        if kind == "stable-rank":
            self.want_tau = True
            return (lambda z: -float(self.quantities(z)["tau"] or 0.0) + 1e-4 * float(np.sum(np.square(z)))), None
        raise ScoringInputError(f"objective: value {kind!r}; choose closest or stable-rank")

    def violation(self, z: np.ndarray, only: list[int] | None = None) -> float:
        """Sum of squared optimiser violations (0 when every bound, or every bound in ``only``, holds)."""
        s = self.slacks(z)
        if only is not None:
            s = s[only]
        return float(np.sum(np.minimum(s, 0.0) ** 2))
