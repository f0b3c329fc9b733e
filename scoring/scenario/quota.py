"""The quota question, built in: "with cap" against "no cap" on the same population and seeds.

Both variants run the same people with the same random streams (draws are keyed by person id, see
:mod:`scoring.dynamics.state`), so every difference comes from the cap. For a single year,
:func:`scoring.admission.cutoff_curve` gives the cut-off for every quota size from one sort of the eligible scores
(re-exported here).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from scoring.admission import cutoff_curve
from scoring.dynamics.core import MonteCarlo, Progress, YearRule, simulate_many
from scoring.engine.core import ScoreResult


@dataclass
class QuotaQuestion:
    """Runs with and without a cap, and the single-year cut-off curve."""

    with_cap: MonteCarlo
    no_cap: MonteCarlo
    curve: pd.DataFrame
    quota: int | None

    def yearly(self) -> pd.DataFrame:
        """Per year, side by side: admitted, cut-off path against the line, backlog, pool, waiting (means)."""
        keep = ["year", "quota", "threshold", "eligible", "applicants", "admitted", "admitted_p05", "admitted_p95",
                "cutoff", "line", "backlog", "pool", "wait_mean"]
        a = self.with_cap.summary()[keep].add_suffix("_cap").rename(columns={"year_cap": "year"})
        b = self.no_cap.summary()[keep].add_suffix("_nocap").rename(columns={"year_nocap": "year"})
        out = a.merge(b, on="year")
        out["admitted_gain"] = out["admitted_nocap"] - out["admitted_cap"]
        return out

    def totals(self) -> dict[str, Any]:
        """Totals over the horizon under each, and the gain from removing the cap."""
        cap, nocap = self.with_cap.totals(), self.no_cap.totals()
        return {"with_cap": cap, "no_cap": nocap, "quota": self.quota,
                "admitted_gain": nocap["admitted_total"] - cap["admitted_total"],
                "backlog_final_change": nocap["backlog_final"] - cap["backlog_final"]}

    def waiting(self) -> pd.DataFrame:
        """Distribution of waiting years of the admitted under each (mean counts and shares)."""
        a = self.with_cap.waiting_summary().rename(columns={"admitted": "admitted_cap", "share": "share_cap"})
        b = self.no_cap.waiting_summary().rename(columns={"admitted": "admitted_nocap", "share": "share_nocap"})
        return a.merge(b, on="wait_years", how="outer").fillna(0.0).sort_values("wait_years", ignore_index=True)

    def composition(self) -> pd.DataFrame:
        """Admitted over the horizon by group under each, with the shift in share (no cap - cap)."""
        a = self.with_cap.composition_summary().rename(columns={"admitted": "admitted_cap", "share": "share_cap"})
        b = self.no_cap.composition_summary().rename(columns={"admitted": "admitted_nocap", "share": "share_nocap"})
        out = a.merge(b, on=["dimension", "group"], how="outer").fillna(0.0)
        out["share_shift"] = out["share_nocap"] - out["share_cap"]
        return out.sort_values(["dimension", "group"], ignore_index=True)


def run_quota_question(pop: pd.DataFrame, scheme: Any, cap_rules: list[YearRule], nocap_rules: list[YearRule],
                       curve_res: ScoreResult, *, curve_points: int = 41, reuse: dict[str, MonteCarlo] | None = None,
                       progress: Progress | None = None, **kwargs: Any) -> QuotaQuestion:
    """Simulate both variants (reusing a run already made with identical rules) and the first year's curve."""
    reuse = reuse or {}

    def run(rules: list[YearRule]) -> MonteCarlo:
        key = repr([r.key() for r in rules])
        if key not in reuse:
            reuse[key] = simulate_many(pop, scheme, rules, progress=progress, **kwargs)
        return reuse[key]

    with_cap, no_cap = run(cap_rules), run(nocap_rules)
    quota = cap_rules[0].quota
    ratio = float(kwargs.get("ratio", 1.0))
    n_elig = int(curve_res.eligible_mask.sum())
    quotas = np.unique(np.concatenate([np.linspace(0, max(n_elig, 1), curve_points).round(),
                                       [round(q / ratio) for q in (quota,) if q is not None]]).astype(np.int64))
    curve = cutoff_curve(curve_res, quotas, threshold=nocap_rules[0].threshold)
    if ratio != 1.0:  # the curve in real people: every simulated person stands for ``ratio``
        for col in ("quota", "candidates", "admitted", "tied_at_cutoff"):
            curve[col] = curve[col].astype("float64") * ratio
    return QuotaQuestion(with_cap, no_cap, curve, quota)
