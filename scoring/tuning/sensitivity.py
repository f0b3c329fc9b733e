"""Sensitivity of the outcomes to the weights: a one-at-a-time tornado and global Sobol indices.

Outcomes of a parameter vector (from :class:`scoring.tuning.model.Evaluator`, admissions by :func:`scoring.admit`
with the scheme's tie rule): the line (cut-off), the number admitted, the three dominance shares, the realised
share among the admitted (the composition of their points) and the admissions changed against today's scheme.

* :func:`tornado` moves each parameter to -x % and +x % of its value, the others fixed.
* :func:`sobol` samples every parameter uniformly within +-x % by a scrambled Sobol sequence and estimates
  first-order and total Sobol indices (Saltelli 2010 and Jansen estimators, :func:`scipy.stats.sobol_indices`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from scoring.errors import ScoringInputError
from scoring.scheme.load import Scheme
from scoring.tuning.model import Evaluator, Param, scheme_params

OUTCOMES = ("cutoff", "admitted", "design", "realised", "decisive", "realised_admitted", "changed")
Progress = Callable[[int, int], None]
NEGLIGIBLE_CV = 1e-3  # an outcome whose spread is below 0.1 % of its mean is not moved by the weights (indices 0)


def outcomes(ev: Evaluator, theta: np.ndarray, base_mask: np.ndarray | None = None) -> dict[str, float | None]:
    """Every outcome of one parameter vector (counts scaled to the whole population if ``ev`` is sampled)."""
    P, total, adm = ev.admission(theta)
    mask = adm.admitted_mask
    out: dict[str, float | None] = {
        "cutoff": adm.cutoff,
        "admitted": float(mask.sum()) * ev.scale,
        "design": ev.design_share(theta),
        "realised": ev.realised_share(P, ev.eligible),
        "decisive": ev.decisive_share(P, total, None if adm.cutoff_cents is None else float(adm.cutoff_cents)),
        "realised_admitted": ev.realised_share(P, mask),
        "changed": None if base_mask is None else float((mask != base_mask).sum()) * ev.scale,
    }
    return out


@dataclass
class Tornado:
    """One-at-a-time effects: ``rows`` has, per parameter, the outcomes at the low and the high value."""

    scheme: Scheme
    pct: float
    base: dict[str, float | None]
    rows: list[dict[str, Any]] = field(default_factory=list)
    population: int = 0
    sample: int = 0

    def frame(self, outcome: str = "admitted") -> pd.DataFrame:
        """Per parameter: low/high values, the outcome at each and the change from today, largest swing first."""
        base = self.base[outcome]
        recs = []
        for r in self.rows:
            lo, hi = r["low"][outcome], r["high"][outcome]
            d_lo = None if lo is None or base is None else lo - base
            d_hi = None if hi is None or base is None else hi - base
            swing = max(abs(d_lo or 0.0), abs(d_hi or 0.0))
            recs.append({"parameter": r["parameter"], "value": r["value"], "low_value": r["low_value"],
                         "high_value": r["high_value"], "low": lo, "high": hi, "change_low": d_lo,
                         "change_high": d_hi, "swing": swing})
        df = pd.DataFrame(recs)
        return df.sort_values("swing", ascending=False, kind="stable", ignore_index=True) if len(df) else df

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        """JSON-ready form."""
        return {"stamp": self.scheme.stamp(lang), "pct": self.pct, "base": self.base, "rows": self.rows,
                "population": self.population, "sample": self.sample}


def _params(scheme: Scheme, names: list[str] | None) -> list[Param]:
    params = scheme_params(scheme, rel=1e9)
    if names is None:
        return params
    known = {p.name: p for p in params}
    missing = [n for n in names if n not in known]
    if missing:
        raise ScoringInputError(f"parameter {missing[0]!r} is not tunable; parameters: {', '.join(known)}")
    return [known[n] for n in names]


def tornado(scheme: Scheme, pop: pd.DataFrame, pct: float = 10.0, *, params: list[str] | None = None,
            sample: int | None = None, seed: int = 0, progress: Progress | None = None,
            ev: Evaluator | None = None) -> Tornado:
    """Each parameter at -pct % and +pct % of today's value (others fixed): outcomes and changes from today."""
    if not 0 < pct < 100:
        raise ScoringInputError(f"pct: value {pct!r} must be between 0 and 100 (per cent)")
    ev = ev or Evaluator(scheme, pop, _params(scheme, None), sample=sample, seed=seed)
    chosen = _params(scheme, params)
    theta0 = ev.theta0
    _, _, adm0 = ev.admission(theta0)
    base_mask = adm0.admitted_mask
    out = Tornado(scheme, pct, outcomes(ev, theta0, base_mask), population=ev.n_full, sample=ev.n)
    names = [p.name for p in ev.params]
    for k, p in enumerate(chosen):
        n = names.index(p.name)
        row: dict[str, Any] = {"parameter": p.name, "value": p.value}
        for side, f in (("low", 1 - pct / 100), ("high", 1 + pct / 100)):
            theta = theta0.copy()
            theta[n] = p.value * f
            row[f"{side}_value"] = float(theta[n])
            row[side] = outcomes(ev, theta, base_mask)
        out.rows.append(row)
        if progress:
            progress(k + 1, len(chosen))
    return out


@dataclass
class SobolResult:
    """First-order and total Sobol indices per outcome and parameter, with the variance of each outcome."""

    scheme: Scheme
    pct: float
    n: int
    parameters: list[str]
    first_order: pd.DataFrame  # outcomes x parameters
    total_order: pd.DataFrame
    variance: dict[str, float]
    evaluations: int
    sample: int
    population: int

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        """JSON-ready form."""
        return {"stamp": self.scheme.stamp(lang), "pct": self.pct, "n": self.n, "parameters": self.parameters,
                "first_order": self.first_order.to_dict(), "total_order": self.total_order.to_dict(),
                "variance": self.variance, "evaluations": self.evaluations, "sample": self.sample,
                "population": self.population, "estimators": "Saltelli 2010 (first order), Jansen (total)"}


def sobol(scheme: Scheme, pop: pd.DataFrame, pct: float = 20.0, *, n: int = 128,
          outcome_names: tuple[str, ...] = ("cutoff", "admitted", "design", "realised", "decisive"),
          params: list[str] | None = None, sample: int | None = 100_000, seed: int = 0,
          progress: Progress | None = None, ev: Evaluator | None = None) -> SobolResult:
    """Global sensitivity: parameters uniform within +-pct % of today (scrambled Sobol sampling), n base points.

    Costs ``n * (parameters + 2)`` evaluations. Outcomes that cannot be computed for a draw count as their mean.
    """
    if n < 2 or n & (n - 1):
        raise ScoringInputError(f"n: value {n!r} must be a power of two (Sobol sampling), e.g. 64, 128, 256")
    if not 0 < pct < 100:
        raise ScoringInputError(f"pct: value {pct!r} must be between 0 and 100 (per cent)")
    unknown = [o for o in outcome_names if o not in OUTCOMES or o == "changed"]
    if unknown:
        raise ScoringInputError(f"outcome {unknown[0]!r}; choose from {', '.join(OUTCOMES[:-1])}")
    ev = ev or Evaluator(scheme, pop, _params(scheme, None), sample=sample, seed=seed)
    chosen = _params(scheme, params)
    names = [p.name for p in ev.params]
    cols = [names.index(p.name) for p in chosen]
    theta0 = ev.theta0
    width = np.array([abs(p.value) * pct / 100 for p in chosen])
    dists = [stats.uniform(loc=p.value - w, scale=2 * w if w > 0 else 1e-12) for p, w in zip(chosen, width,
                                                                                            strict=True)]
    total_evals = n * (len(chosen) + 2)
    done = [0]
    seen: list[np.ndarray] = []

    def func(x: np.ndarray) -> np.ndarray:
        res = np.empty((len(outcome_names), x.shape[1]))
        for j in range(x.shape[1]):
            theta = theta0.copy()
            theta[cols] = x[:, j]
            o = outcomes(ev, theta)
            res[:, j] = [np.nan if o[k] is None else o[k] for k in outcome_names]
            done[0] += 1
            if progress and done[0] % 32 == 0:
                progress(done[0], total_evals)
        for row in res:  # an outcome that cannot be computed for a draw (e.g. nobody admitted): its mean
            bad = ~np.isfinite(row)
            row[bad] = np.nanmean(row) if (~bad).any() else 0.0
        seen.append(res)
        return res

    result = stats.sobol_indices(func=func, n=n, dists=dists, rng=np.random.default_rng(seed))
    pnames = [p.name for p in chosen]
    first = pd.DataFrame(np.atleast_2d(result.first_order), index=list(outcome_names), columns=pnames)
    total = pd.DataFrame(np.atleast_2d(result.total_order), index=list(outcome_names), columns=pnames)
    values = np.concatenate(seen, axis=1)
    variance = {k: float(np.var(values[i])) for i, k in enumerate(outcome_names)}
    for i, k in enumerate(outcome_names):  # an outcome the weights do not move has no indices to speak of
        if variance[k] <= (NEGLIGIBLE_CV * max(1e-6, abs(float(np.mean(values[i]))))) ** 2:
            first.loc[k] = 0.0
            total.loc[k] = 0.0
    return SobolResult(scheme, pct, n, pnames, first.clip(lower=0.0), total.clip(lower=0.0),
                       variance, done[0], ev.n, ev.n_full)
