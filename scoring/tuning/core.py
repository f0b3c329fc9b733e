"""Weight tuning: meet the policy's requirements with the smallest change to the scheme.

``tune(scheme, pop, Constraints(...), objective)`` searches the tunable parameters (points per unit, table scales,
flag points, caps; see :mod:`scoring.tuning.model`) with scipy's SLSQP on a seeded sample of the population, then
rounds the values, writes them into a new scheme and checks that scheme exactly with :func:`scoring.score` on
everyone. When no weights within the bounds meet the constraints, the result names the binding constraint and the
gap (see :mod:`scoring.tuning.diagnosis`).
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from scoring.evaluation import Evaluation, evaluate
from scoring.scheme.diff import scheme_diff
from scoring.scheme.load import Scheme
from scoring.tuning.diagnosis import Binding, diagnose
from scoring.tuning.gradient import slack_grad, tau_grad, violation_grad
from scoring.tuning.model import Evaluator, Param, apply_params, scheme_params
from scoring.tuning.problem import Constraints, Problem

SAMPLE = 200_000
OBJECTIVES = ("closest", "stable-rank")
Progress = Callable[[str], None]


_BLAS_LOCK = threading.Lock()
_BLAS_USERS: list[Any] = []  # the threadpoolctl limiter, held while any tuning search runs (dashboard sessions)


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """BLAS held to one thread: scipy's SLSQP/L-BFGS-B round differently with another thread count, and the search
    amplifies a last-bit difference into another path. The limit is process-wide, so concurrent searches share it:
    the first sets it, the last restores it. Without threadpoolctl (requirements.txt), a no-op."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - an environment installed before the pin
        yield
        return
    with _BLAS_LOCK:
        if not _BLAS_USERS:
            _BLAS_USERS.append(ThreadpoolController().limit(limits=1, user_api="blas"))
        _BLAS_USERS.append(None)
    try:
        yield
    finally:
        with _BLAS_LOCK:
            _BLAS_USERS.pop()
            if len(_BLAS_USERS) == 1:
                _BLAS_USERS.pop().restore_original_limits()


@dataclass
class Check:
    """One constraint checked exactly on everyone with the new scheme."""

    constraint: str
    quantity: str
    target: float
    sense: int
    sample_value: float | None
    value: float | None
    met: bool
    gap: float


@dataclass
class TuneResult:
    """The outcome of :func:`tune`."""

    status: str  # "ok" | "not_met" (found on the sample but the exact check misses) | "infeasible"
    scheme: Scheme
    new_scheme: Scheme | None
    constraints: Constraints
    objective: str
    params: list[Param]
    values: dict[str, float]
    checks: list[Check] = field(default_factory=list)
    binding: list[Binding] = field(default_factory=list)
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    kendall_tau: float | None = None
    changed_admissions: int | None = None
    population: int = 0
    sample: int = 0
    evaluations: int = 0
    seconds: float = 0.0
    message: str = ""

    @property
    def ok(self) -> bool:
        """True when the new scheme meets every constraint on everyone."""
        return self.status == "ok"

    def diff(self, lang: str = "zh") -> list[str]:
        """Changed values, old -> new (scoring.scheme.diff)."""
        return [] if self.new_scheme is None else scheme_diff(self.scheme, self.new_scheme, lang)

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "status": self.status,
            "ok": self.ok,
            "message": self.message,
            "scheme": {"id": self.scheme.id, "version": self.scheme.version, "stamp": self.scheme.stamp(lang)},
            "new_scheme": None if self.new_scheme is None else {
                "id": self.new_scheme.id, "version": self.new_scheme.version, "stamp": self.new_scheme.stamp(lang)},
            "objective": self.objective,
            "constraints": {"min_share": self.constraints.min_share, "measure": self.constraints.measure,
                            "admitted": self.constraints.admitted, "cutoff": self.constraints.cutoff},
            "parameters": [{"name": p.name, "old": p.value, "new": self.values.get(p.name), "lo": p.lo, "hi": p.hi}
                           for p in self.params],
            "checks": [c.__dict__ for c in self.checks],
            "binding": [b.__dict__ for b in self.binding],
            "before": self.before,
            "after": self.after,
            "kendall_tau": self.kendall_tau,
            "changed_admissions": self.changed_admissions,
            "population": self.population,
            "sample": self.sample,
            "evaluations": self.evaluations,
            "seconds": round(self.seconds, 2),
            "diff": self.diff(lang),
            "note": "optimised on a seeded sample, checked exactly on the whole population; simulation"
                    if self.sample < self.population else "optimised and checked on the whole population; simulation",
        }


def _summary(e: Evaluation) -> dict[str, Any]:
    adm, dom = e.adm, e.dom
    return {"eligible": adm.eligible, "admitted": adm.admitted_count, "cutoff": adm.cutoff,
            "design": dom.design, "realised": dom.realised_eligible, "realised_admitted": dom.realised_admitted,
            "decisive": dom.decisive}


def _quantities(summary: dict[str, Any], measure: str) -> dict[str, float | None]:
    return {"share": summary[measure], "admitted": summary["admitted"], "cutoff": summary["cutoff"]}


EPS = 1e-2  # finite-difference step in normalised units (1 % of a weight): wide enough to average out ranks
AIM = 0.3  # the optimiser aims this many norms inside each target
MAXITER = 30  # SLSQP iterations per run
GRADIENTS = True  # analytic gradients (scoring.tuning.gradient); False: finite differences
REFINE = 2  # re-aimed searches after a miss in the exact check on everyone


def _stop_when_feasible(prob: Problem) -> Callable[[Any], None]:
    def callback(intermediate_result: Any) -> None:
        if prob.violation(intermediate_result.x) == 0.0:
            raise StopIteration

    return callback


def feasible_start(prob: Problem, objective: str, progress: Progress | None = None,
                   z_from: np.ndarray | None = None) -> np.ndarray:
    """Phase 1, stopping at the first point that meets every target: today's values; the best uniform rescaling;
    SLSQP from there (re-aimed up to three times); least squared violation by L-BFGS-B; then by Powell (no
    gradients: copes with kinks). Changes the bounds' aims; the caller resets them."""
    say = progress or (lambda _m: None)
    candidates = [np.zeros(prob.dim)] + [np.clip(np.full(prob.dim, f - 1.0), prob.z_lo, prob.z_hi)
                                         for f in np.linspace(0.4, 2.0, 33)]
    z = min(candidates, key=prob.violation) if z_from is None else z_from
    box = optimize.Bounds(prob.z_lo, prob.z_hi)
    for r in range(2):  # SLSQP; a target it ends short of is aimed past by a growing margin
        if prob.violation(z) == 0.0:
            return z
        say(f"phase 1: SLSQP round {r + 1}")
        trial = _solve(prob, objective, z)
        miss = prob.slacks(trial) < 0
        for b, m in zip(prob.bounds, miss, strict=True):
            b.aim += 0.5 * (r + 1) * float(m)
        z = trial if prob.violation(trial) <= prob.violation(z) or r == 0 else z
    steps: list[tuple[str, Callable[[np.ndarray], np.ndarray]]] = [
        ("L-BFGS-B", lambda z0: optimize.minimize(prob.violation, z0, method="L-BFGS-B", bounds=box,
                                                  jac=(lambda z: violation_grad(prob, z)) if GRADIENTS else None,
                                                  callback=_stop_when_feasible(prob),
                                                  options={"maxiter": 100, "eps": EPS}).x),
        ("Powell", lambda z0: optimize.minimize(prob.violation, z0, method="Powell", bounds=box,
                                                callback=_stop_when_feasible(prob),
                                                options={"maxiter": 20, "xtol": 1e-3, "ftol": 1e-9}).x),
    ]
    for name, step in steps:
        if prob.violation(z) == 0.0:
            break
        say(f"phase 1: {name}")
        trial = np.clip(step(z), prob.z_lo, prob.z_hi)
        if prob.violation(trial) <= prob.violation(z):
            z = trial
    return z


def _jacobians(prob: Problem, objective: str) -> tuple[Callable[[np.ndarray], float], Any, list[dict[str, Any]]]:
    fun, jac = prob.objective(objective)
    if GRADIENTS and jac is None:
        def jac(z: np.ndarray) -> np.ndarray:
            return -tau_grad(prob, z) + 2e-4 * np.asarray(z)
    cons = [{"type": "ineq", "fun": prob.slack_fn(k),
             **({"jac": (lambda z, b=b: slack_grad(prob, b, z))} if GRADIENTS else {})}
            for k, b in enumerate(prob.bounds)]
    return fun, jac, cons


def _solve(prob: Problem, objective: str, z_start: np.ndarray) -> np.ndarray:
    fun, jac, cons = _jacobians(prob, objective)
    res = optimize.minimize(fun, z_start, jac=jac, method="SLSQP", constraints=cons,
                            bounds=optimize.Bounds(prob.z_lo, prob.z_hi),
                            options={"maxiter": MAXITER, "ftol": 1e-8, "eps": EPS})
    return np.clip(res.x, prob.z_lo, prob.z_hi)


def _met(prob: Problem, z: np.ndarray) -> bool:
    """Every target met, each by its current aim (margin)."""
    return bool(np.all(prob.slacks(z) >= -1e-9))


def _towards(prob: Problem, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """The point furthest along start -> end that still meets every target (start must meet them)."""
    if _met(prob, end):
        return end
    lo, hi = 0.0, 1.0
    for _ in range(12):
        mid = 0.5 * (lo + hi)
        if _met(prob, start + mid * (end - start)):
            lo = mid
        else:
            hi = mid
    return start + lo * (end - start)


def search(prob: Problem, objective: str, extra: np.ndarray | None = None,
           progress: Progress | None = None, z_from: np.ndarray | None = None) -> tuple[np.ndarray, bool]:
    """Phase 1 to a point inside every target (by a margin), SLSQP for the objective, then the same without the
    margin; each SLSQP end that misses a target is pulled back along the segment to the last point meeting all."""
    say = progress or (lambda _m: None)
    extra = np.zeros(len(prob.bounds)) if extra is None else extra

    def set_aim(margin: float) -> None:
        for k, b in enumerate(prob.bounds):
            b.aim = margin + float(extra[k])

    try:
        set_aim(AIM)
        start = feasible_start(prob, objective, say, z_from)
        set_aim(AIM)
        if not _met(prob, start):
            return start, False
        say("phase 2: objective")
        z = _towards(prob, start, _solve(prob, objective, start))
        if objective == "closest":  # a phase-1 fallback may land far away: pull back towards today, solve again
            z = _towards(prob, z, np.zeros_like(z))
            z = _towards(prob, z, _solve(prob, objective, z))
        set_aim(0.0)
        z = _towards(prob, z, _solve(prob, objective, z))
        return z, True
    finally:
        for b in prob.bounds:
            b.aim = 0.0


def refuse_unmodelled_groups(scheme: Scheme) -> None:
    """Raise ScoringInputError for group rules the tuner does not tune on: conditional caps and sections.

    The fast model applies every group rule as the engine does (:func:`scoring.engine.kernels.apply_group_rule`),
    but the design share it constrains does not apply ``caps`` (a cap that depends on a column) or ``within`` (a
    section cap over groups): see :func:`scoring.dominance.design_values`. Such a scheme is refused rather than
    tuned on an approximate share.
    """
    from scoring.errors import ScoringInputError

    odd = [g for g, rule in scheme.groups.items() if rule.caps or rule.within]
    if odd:
        raise ScoringInputError(f"{scheme.id}: groups {', '.join(odd[:5])}{' ...' if len(odd) > 5 else ''} use "
                                "conditional caps (caps:) or sections (within:), which the tuner's design share does "
                                "not apply yet; tune a scheme without them")


def tune(
    scheme: Scheme,
    pop: pd.DataFrame,
    constraints: Constraints | None = None,
    objective: str = "closest",
    *,
    bounds: dict[str, tuple[float, float]] | None = None,
    caps: bool = True,
    sample: int | None = SAMPLE,
    seed: int = 0,
    decimals: int | None = 2,
    progress: Progress | None = None,
) -> TuneResult:
    """Find the parameter values closest to today's (or keeping the ranking most stable) that meet ``constraints``.

    The search runs on a seeded sample of ``sample`` people (all when ``sample`` is None or larger than the
    population); the rounded result is written into a new scheme (status ``draft``, version ``<old>-tuned``) and
    checked exactly on everyone.
    """
    t0 = time.perf_counter()
    say = progress or (lambda _m: None)
    if objective not in OBJECTIVES:
        from scoring.errors import ScoringInputError

        raise ScoringInputError(f"objective: value {objective!r}; choose one of {', '.join(OBJECTIVES)}")
    refuse_unmodelled_groups(scheme)
    params = scheme_params(scheme, bounds, caps=caps)
    say("unit scores")
    ev = Evaluator(scheme, pop, params, sample=sample, seed=seed)
    cons = (constraints or Constraints()).resolved(ev)
    prob = Problem(ev, cons, seed=seed)
    say("baseline")
    base = evaluate(pop, scheme, quota=ev.quota, threshold=ev.threshold, require_rule=True, on_invalid="reject")
    base_res, base_adm = base.res, base.adm
    before = _summary(base)
    out = TuneResult("infeasible", scheme, None, cons, objective, params, {}, before=before,
                     population=len(pop), sample=ev.n)
    with one_blas_thread():
        _refine(out, prob, scheme, pop, base_res, base_adm, objective, decimals, say)
    out.evaluations = prob.evaluations
    out.seconds = time.perf_counter() - t0
    return out


def _refine(out: TuneResult, prob: Problem, scheme: Scheme, pop: pd.DataFrame, base_res: Any, base_adm: Any,
            objective: str, decimals: int | None, say: Progress) -> None:
    """Search, check exactly on everyone, and re-aim after a miss (up to REFINE times); fill ``out``."""
    extra = np.zeros(len(prob.bounds))
    z = None
    for attempt in range(REFINE + 1):
        z, found = search(prob, objective, extra, progress=say, z_from=z)
        if not found:
            if attempt == 0:
                say("diagnosing")
                out.binding = diagnose(prob, z)
                out.message = "; ".join(b.text("en") for b in out.binding) or "no weights within the bounds meet them"
            break
        _check(out, prob, scheme, pop, base_res, base_adm, prob.theta(z), decimals, say)
        if out.ok:
            break
        for k, c in enumerate(out.checks):  # a miss on everyone (sample error, rounding): aim further inside
            b = prob.bounds[k]
            if c.met:
                continue
            if b.rank is not None:  # the rank whose score must clear the line moves by the missing people
                b.rank = max(1, b.rank + b.sense * math.ceil((c.gap + AIM * b.norm) / prob.ev.scale))
            else:
                extra[k] += c.gap / b.norm + AIM


def _check(out: TuneResult, prob: Problem, scheme: Scheme, pop: pd.DataFrame, base_res: Any, base_adm: Any,
           theta: np.ndarray, decimals: int | None, say: Progress) -> None:
    """Round, write the new scheme and check it exactly on everyone; fill ``out``."""
    ev, params, cons = prob.ev, prob.ev.params, out.constraints
    values = {p.name: float(v) for p, v in zip(params, theta, strict=True) if not p.fixed}
    new = apply_params(scheme, values, decimals)
    new = new.model_copy(update={"version": f"{scheme.version}-tuned", "status": "draft"})
    out.values = {p.name: _new_value(scheme, new, p, t) for p, t in zip(params, theta, strict=True)}
    say("exact check on everyone")
    after = evaluate(pop, new, quota=ev.quota, threshold=ev.threshold, require_rule=True, on_invalid="reject")
    res, adm = after.res, after.adm
    out.after = _summary(after)
    q_sample = prob.quantities(prob.z_of(np.array([out.values[p.name] for p in params])))
    q_full = _quantities(out.after, cons.measure or "realised")
    out.checks = []
    for b in prob.bounds:
        slack = b.slack(q_full)
        out.checks.append(Check(b.describe(), b.quantity, b.value, b.sense, q_sample.get(b.quantity),
                                q_full.get(b.quantity), slack >= 0.0, max(0.0, -slack)))
    elig = base_res.eligible_mask
    if elig.sum() > 1:
        out.kendall_tau = float(stats.kendalltau(base_res.total_cents[elig], res.total_cents[elig]).statistic)
    out.changed_admissions = int((base_adm.admitted_mask != adm.admitted_mask).sum())
    out.new_scheme = new
    out.status = "ok" if all(c.met for c in out.checks) else "not_met"
    out.message = "; ".join(f"{c.constraint}: exact value on everyone {c.value} misses by {c.gap:.4g} "
                            "(sample error or rounding)" for c in out.checks if not c.met)


def _new_value(old: Scheme, new: Scheme, p: Param, theta: float) -> float:
    """The parameter's value in the rounded new scheme (a table's scale as new over old of its largest entry)."""
    item = new.item(p.item)
    if p.key == "cap":
        return float(item.cap or 0.0)
    if p.key == "points_per_unit":
        return float(item.points_per_unit or 0.0)
    if p.key == "points":
        return float(item.points)  # type: ignore[arg-type]
    before = old.item(p.item)
    pairs = (zip(before.points.values(), item.points.values(), strict=True) if item.kind == "category"  # type: ignore[union-attr]
             else zip((b.points for b in before.bands or []), (b.points for b in item.bands or []), strict=True))
    ref = max(pairs, key=lambda ab: abs(ab[0]), default=(0.0, 0.0))
    return float(ref[1] / ref[0]) if ref[0] else float(theta)
