"""Monte Carlo replications of the queue simulation and their summaries (means and intervals over replications)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

METRICS = ("pool", "arrivals", "departures", "eligible", "applicants", "admitted", "cutoff", "line", "backlog",
           "wait_mean", "pool_next", "score_mean", "score_median")


@dataclass
class MonteCarlo:
    """Replications of one run: per-replication tables with a ``rep`` column, and summaries with intervals.

    Counts are in real people (sample counts times ``ratio``, the real people each simulated person stands for).
    """

    yearly: pd.DataFrame
    composition: pd.DataFrame
    waiting: pd.DataFrame
    replications: int
    rules: list[Any] = field(default_factory=list)
    ratio: float = 1.0
    scores: pd.DataFrame | None = None
    start: pd.DataFrame | None = None  # replication 0's pool at the start of the first reported year

    def summary(self, low: float = 0.05, high: float = 0.95) -> pd.DataFrame:
        """Per year: mean of each metric and its [low, high] quantiles over replications (``admitted_p05`` ...)."""
        cols = [m for m in METRICS if m in self.yearly]
        data = self.yearly[["year", *cols]].astype({c: "float64" for c in cols})
        g = data.groupby("year")
        out = g[cols].mean()
        lo, hi = g[cols].quantile(low), g[cols].quantile(high)
        for c in cols:
            out[f"{c}_p{round(low * 100):02d}"] = lo[c]
            out[f"{c}_p{round(high * 100):02d}"] = hi[c]
        first = self.yearly[self.yearly["rep"] == self.yearly["rep"].min()].set_index("year")
        out.insert(0, "rule", [r.describe() for r in self.rules] if self.rules else "")
        out.insert(1, "quota", first["quota"])
        out.insert(2, "threshold", first["threshold"])
        return out.reset_index()

    def totals(self) -> dict[str, float]:
        """Totals over the horizon, averaged over replications."""
        per_rep = self.yearly.groupby("rep")
        admitted = per_rep["admitted"].sum()
        waits = [float(np.average(w["wait_years"], weights=w["admitted"]))  # one per replication that admitted anyone
                 for _, w in self.waiting.groupby("rep") if w["admitted"].sum()]
        last = self.yearly[self.yearly["year"] == self.yearly["year"].max()]
        return {
            "admitted_total": float(admitted.mean()),
            "admitted_total_p05": float(admitted.quantile(0.05)),
            "admitted_total_p95": float(admitted.quantile(0.95)),
            "wait_mean": float(np.mean(waits)) if waits else float("nan"),  # nobody admitted: no wait
            "backlog_final": float(last["backlog"].mean()),
            "pool_final": float(last["pool_next"].mean()),
        }

    def composition_summary(self) -> pd.DataFrame:
        """Admitted over the horizon by dimension and group: mean count over replications and share."""
        c = self.composition.groupby(["dimension", "group"], observed=True)["admitted"].sum() / self.replications
        out = c.rename("admitted").reset_index()
        out["share"] = out["admitted"] / out.groupby("dimension")["admitted"].transform("sum")
        return out

    def waiting_summary(self) -> pd.DataFrame:
        """Distribution of waiting years over the horizon: mean count over replications and share."""
        w = self.waiting.groupby("wait_years")["admitted"].sum() / self.replications
        out = w.rename("admitted").reset_index()
        out["share"] = out["admitted"] / out["admitted"].sum() if out["admitted"].sum() else 0.0
        return out

    def scores_summary(self) -> pd.DataFrame:
        """Admitted by integer part of the score per year (mean over replications, real people); empty if absent."""
        if self.scores is None:
            return pd.DataFrame(columns=["year", "score", "admitted"])
        s = self.scores
        return (s.groupby(["year", "score"])["admitted"].sum() / self.replications).rename("admitted").reset_index()


def combine(sims: Sequence[Any], rules: Sequence[Any], ratio: float = 1.0) -> MonteCarlo:
    """One :class:`MonteCarlo` from per-replication :class:`~scoring.dynamics.core.Simulation` results."""

    def cat(name: str) -> pd.DataFrame:
        return pd.concat([getattr(s, name).assign(rep=r) for r, s in enumerate(sims)], ignore_index=True)

    scores = cat("scores") if all(getattr(s, "scores", None) is not None for s in sims) else None
    return MonteCarlo(cat("yearly"), cat("composition"), cat("waiting"), len(sims), list(rules), ratio, scores,
                      getattr(sims[0], "start", None))
