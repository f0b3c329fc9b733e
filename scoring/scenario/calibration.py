"""Calibrate a scenario's flows to observed yearly series: ``python -m scoring calibrate SCENARIO --targets FILE``.

The chosen parameters (arrivals per year and their age profile, application propensity, departure hazards, ...;
the starting pool's profile follows from the arrivals through the burn-in) are fitted by Nelder-Mead (scipy) on
parameters scaled to [0, 1] within their bounds. Every evaluation runs the scenario with the same seeds (common
random numbers: a person's draws depend on its id and the seed only, newcomers come from a fixed bank), so the
objective changes smoothly with the parameters instead of jumping with the noise. The objective is the weighted
sum of squared errors, each error in units of its target's ``scale``; held-out targets are left out of the fit
and reported beside the prediction.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError
from scipy.optimize import minimize

from scoring.dynamics.core import MonteCarlo, simulate_many
from scoring.dynamics.params import DynamicsParams
from scoring.scenario.calibrate_targets import Parameter, Target, Targets, TargetsError, bins
from scoring.scenario.load import Scenario

Log = Callable[[str], None]
NO_VALUE_PENALTY = 10.0  # units of error when the run gives no value (e.g. nobody admitted: no line)
INVALID = 1e12  # the objective of a parameter combination the model refuses
INT_PATHS = ("dynamics.departures.age_from",)


def with_values(params: DynamicsParams, values: dict[str, float]) -> DynamicsParams:
    """A copy of ``params`` with the dotted ``dynamics.*`` values set."""
    data = params.model_dump()
    for path, value in values.items():
        if not path.startswith("dynamics."):
            continue
        parts = path.split(".")[1:]
        node = data
        for key in parts[:-1]:
            if node.get(key) is None:  # an optional block the scenario does not give (e.g. profile): defaults
                node[key] = {}
            node = node[key]
        node[parts[-1]] = int(round(value)) if path in INT_PATHS else float(value)
    return DynamicsParams.model_validate(data)


def run(sc: Scenario, params: DynamicsParams, *, replications: int | None = None,
        ratio: float | None = None, stock: float | None = None, burn_in_quota: float | None = None) -> MonteCarlo:
    """The scenario's own rules with these dynamics parameters (no quota question); ``stock`` and
    ``burn_in_quota`` replace the burn-in's starting stock and quota."""
    kwargs = sc.sim_kwargs()
    if burn_in_quota is not None:
        kwargs["burn_in_rule"] = sc._burn_in_rule(sc.rules()[0], burn_in_quota)
    people = sc.starting_people(stock)
    if ratio is not None and ratio != sc.ratio and len(people):
        people = people.iloc[:int(round(len(people) * sc.ratio / ratio))]
    if replications is not None:
        kwargs["replications"] = replications
    if ratio is not None:
        kwargs["ratio"] = ratio
    return simulate_many(people, sc.scheme, sc.rules(), params, **kwargs)


def simulated(mc: MonteCarlo, target: Target) -> float | None:
    """The run's value for a target (mean over replications); None if the run has none (e.g. no line)."""
    y = mc.yearly[mc.yearly["year"] == target.year]
    if y.empty:
        return None
    if target.metric == "score_distribution":
        return _distribution_distance(mc, target)
    if target.metric == "share":
        c = mc.composition[(mc.composition["year"] == target.year)
                           & (mc.composition["dimension"] == target.dimension)]
        total = float(c["admitted"].sum())
        return float(c.loc[c["group"] == target.group, "admitted"].sum()) / total if total else None
    values = pd.to_numeric(y[target.metric], errors="coerce").astype("float64").dropna()
    return float(values.mean()) if len(values) else None


def _distribution_distance(mc: MonteCarlo, target: Target) -> float | None:
    """Total-variation distance between the observed and simulated shares over the target's score bins."""
    s = mc.scores
    if s is None:
        return None
    s = s[s["year"] == target.year]
    total = float(s["admitted"].sum())
    if not total:
        return None
    b = bins(target)
    obs = np.array([c for _, _, c in b], dtype=np.float64)
    obs = obs / obs.sum()
    score = s["score"].to_numpy(np.float64)
    sim = np.array([s.loc[(score >= lo) & (score < hi), "admitted"].sum() for lo, hi, _ in b]) / total
    outside = max(0.0, 1.0 - float(sim.sum()))
    return 0.5 * (float(np.abs(sim - obs).sum()) + outside)


def error(target: Target, value: float | None) -> float:
    """Signed error in units of the target's scale (one-sided for bounds; distances are already errors)."""
    if value is None:
        return NO_VALUE_PENALTY
    if target.metric == "score_distribution":
        return value / target.unit()
    diff = (value - float(target.value)) / target.unit()  # type: ignore[arg-type]
    if target.bound == "lower":
        return min(diff, 0.0)
    if target.bound == "upper":
        return max(diff, 0.0)
    return diff


@dataclass
class FitResult:
    """The outcome of a calibration."""

    scenario: Scenario
    targets: Targets
    fitted: dict[str, float]
    parameters: list[Parameter]
    table: pd.DataFrame
    objective: float
    evaluations: int
    seconds: float
    mc: MonteCarlo
    message: str

    def parameter_table(self) -> pd.DataFrame:
        """Fitted value of each parameter, its bounds and whether it ended at one (within 1% of the range)."""
        rows = []
        for p in self.parameters:
            v = self.fitted[p.path]
            tol = 0.01 * (p.high - p.low)
            rows.append({"path": p.path, "value": v, "low": p.low, "high": p.high,
                         "at_bound": "low" if v <= p.low + tol else "high" if v >= p.high - tol else ""})
        return pd.DataFrame(rows)

    def report(self) -> dict[str, Any]:
        """JSON-ready fit report."""
        fit = self.table[~self.table["held_out"]]
        held = self.table[self.table["held_out"]]
        return {
            "scenario": self.scenario.id, "targets": self.targets.id, "sources": self.targets.sources,
            "objective": self.objective, "evaluations": self.evaluations, "seconds": round(self.seconds, 2),
            "sampling_ratio": self.scenario.ratio, "replications": int(self.mc.replications),
            "optimizer": "scipy Nelder-Mead on [0, 1]-scaled parameters, common random numbers",
            "message": self.message,
            "parameters": self.parameter_table().to_dict(orient="records"), "fixed": dict(self.targets.fixed),
            "fit": fit.to_dict(orient="records"), "held_out": held.to_dict(orient="records"),
            "rms_error_units": float(np.sqrt((fit["error_units"] ** 2).mean())) if len(fit) else None,
        }

    def calibration_block(self, targets_path: str) -> dict[str, Any]:
        """What the fitted scenario records about its calibration (shown beside every queue figure)."""
        def row(r: pd.Series) -> dict[str, Any]:
            return {"target": r["target"], "observed": _num(r["observed"]), "model": _num(r["simulated"]),
                    "error_units": _num(r["error_units"])}

        return {
            "targets": targets_path, "fitted": {k: _num(v) for k, v in self.fitted.items()},
            **({"fixed": dict(self.targets.fixed)} if self.targets.fixed else {}),
            "at_bound": [p for p, b in zip(self.parameter_table()["path"], self.parameter_table()["at_bound"],
                                           strict=True) if b],
            "fit": [row(r) for _, r in self.table[~self.table["held_out"]].iterrows()],
            "held_out": [row(r) for _, r in self.table[self.table["held_out"]].iterrows()],
            "rms_error_units": _num(self.report()["rms_error_units"]),
        }


def _num(v: Any) -> Any:
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return None
    if isinstance(v, float | np.floating):
        return round(float(v), 4)
    return v


def fit_table(mc: MonteCarlo, targets: list[Target]) -> pd.DataFrame:
    """Observed against simulated, with the error in scale units, for every target."""
    rows = []
    for t in targets:
        v = simulated(mc, t)
        obs = None if isinstance(t.value, dict) else float(t.value)
        rows.append({"target": t.label, "year": t.year, "metric": t.metric, "observed": obs,
                     "simulated": v, "error_units": error(t, v), "scale": t.unit(), "bound": t.bound or "",
                     "held_out": t.held_out, "weight": t.weight, "source": t.source or ""})
    return pd.DataFrame(rows)


def check_targets(sc: Scenario, targets: Targets) -> None:
    """Every target year is simulated and there is something to fit; else :class:`TargetsError`."""
    years = range(sc.spec.start_year, sc.spec.start_year + sc.horizon)
    for t in targets.targets:
        if t.year not in years:
            raise TargetsError(f"target {t.label}: year {t.year} is not simulated by {sc.id} "
                               f"({years.start}-{years.stop - 1})")
    if not targets.parameters:
        raise TargetsError(f"{targets.id}: parameters: give at least one parameter to fit (path, low, high)")
    if all(t.held_out for t in targets.targets):
        raise TargetsError(f"{targets.id}: every target is held out; nothing to fit")


def calibrate(sc: Scenario, targets: Targets, *, max_evals: int = 60, replications: int | None = None,
              ratio: float | None = None, log: Log | None = None) -> FitResult:
    """Fit ``targets.parameters`` to the non-held-out targets; the final table is run at the scenario's ratio."""
    check_targets(sc, targets)
    say = log or (lambda _m: None)
    params = targets.parameters
    lo = np.array([p.low for p in params])
    span = np.array([p.high - p.low for p in params])
    try:
        base = with_values(sc.spec.dynamics, targets.fixed)  # values the targets file sets (not fitted)
    except ValidationError as exc:
        raise TargetsError(f"{targets.id}: fixed: {exc.errors()[0].get('msg', 'invalid value')}") from None
    fit_targets = [t for t in targets.targets if not t.held_out]
    weights = np.array([t.weight for t in fit_targets])
    cache: dict[tuple[float, ...], float] = {}
    t0 = time.perf_counter()

    def values_of(x: np.ndarray) -> dict[str, float]:
        return {p.path: float(v) for p, v in zip(params, lo + np.clip(x, 0, 1) * span, strict=True)}

    def objective(x: np.ndarray) -> float:
        key = tuple(np.round(np.clip(x, 0, 1), 6))
        if key not in cache:
            v = values_of(x)
            try:
                dyn = with_values(base, v)
            except ValidationError:  # a combination the model refuses (e.g. first_low above high): never the best
                cache[key] = INVALID
            else:
                mc = run(sc, dyn, replications=replications, ratio=ratio, stock=v.get("burn_in.stock"),
                         burn_in_quota=v.get("burn_in.quota"))
                errs = np.array([error(t, simulated(mc, t)) for t in fit_targets])
                cache[key] = float((weights * errs**2).sum())
            shown = ", ".join(f"{p.path.split('.', 1)[1]}={v:.4g}" for p, v in zip(params, values_of(x).values(),
                                                                                   strict=True))
            say(f"[{len(cache):3d}] objective {cache[key]:.4g}  {shown}  ({time.perf_counter() - t0:.0f} s)")
        return cache[key]

    def start(p: Parameter) -> float:
        current = _get(base, p.path, sc)
        v = p.start if p.start is not None else (current if current is not None and p.low <= current <= p.high
                                                 else (p.low + p.high) / 2)
        return (v - p.low) / (p.high - p.low)

    x0 = np.array([start(p) for p in params])
    simplex = [x0]
    for i in range(len(params)):
        x = x0.copy()
        x[i] = x[i] + 0.25 if x[i] + 0.25 <= 1 else x[i] - 0.25
        simplex.append(x)
    res = minimize(objective, x0, method="Nelder-Mead", bounds=[(0.0, 1.0)] * len(params),
                   options={"maxfev": max_evals, "initial_simplex": np.array(simplex), "xatol": 0.002,
                            "fatol": 1e-4})
    best = min(cache, key=cache.__getitem__)
    fitted = values_of(np.array(best))
    say(f"best objective {cache[best]:.4g} after {len(cache)} evaluations; final run at the scenario's ratio")
    mc = run(sc, with_values(base, fitted), stock=fitted.get("burn_in.stock"),
             burn_in_quota=fitted.get("burn_in.quota"))
    table = fit_table(mc, targets.targets)
    objective_final = float((np.array([t.weight for t in fit_targets])
                             * table.loc[~table["held_out"], "error_units"].to_numpy() ** 2).sum())
    return FitResult(sc, targets, fitted, params, table, objective_final, len(cache), time.perf_counter() - t0,
                     mc, str(res.message))


def _get(params: DynamicsParams, path: str, sc: Scenario | None = None) -> float | None:
    if path in ("burn_in.stock", "burn_in.quota"):
        return None if sc is None else getattr(sc.spec.burn_in, path.split(".")[1])
    node: Any = params
    for key in path.split(".")[1:]:
        node = getattr(node, key, None)
    return None if node is None else float(node)
