"""The quota question for any scheme, on a shipped scenario's machinery (for the dashboard's Quota page).

The scenario gives the people, the flows (arrivals, departures, accrual), the area (only its residents queue), the
burn-in that builds a steady-state starting pool, and what it is calibrated to; the scheme under study replaces the
scenario's scheme in the reported years. Two variants run on the same people and random streams: "with the quota"
(``quota`` real places a year, plus the line if the scheme has one) and "without the quota" (the line only: the
scheme's own threshold, else a stated line). Counts are real people; the sampling ratio is chosen by the caller.

::

    sc = scenario_at_ratio("scenarios/hangzhou-before-reform.yaml", 200)
    table = quota_years(sc, scheme, quota=8000, line=100, years=10)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scoring.dynamics.core import Progress, YearRule, simulate_many
from scoring.engine.core import score
from scoring.recognition import apply_recognition
from scoring.scenario.load import Scenario, load_scenario
from scoring.scenario.quota import cutoff_curve
from scoring.scheme.load import Scheme

VARIANTS = ("with", "without")
BINDS = ("quota", "quota_ties", "line", "none")


def scenario_at_ratio(path: str | Path, ratio: float) -> Scenario:
    """The scenario with its synthetic sample resized so that one simulated person stands for ``ratio`` real people
    (the real population, flows and quotas unchanged). Scenarios without ``represents`` are returned as they are."""
    sc = load_scenario(path)
    pop = sc.spec.population
    if pop.synth is None or pop.represents is None:
        return sc
    if not ratio > 0:
        raise ValueError("ratio must be > 0")
    n = max(1, int(round(pop.represents / ratio)))
    synth = pop.synth.model_copy(update={"n": n})
    spec = sc.spec.model_copy(update={"population": pop.model_copy(update={"synth": synth})})
    return Scenario(spec, sc.source, sc.scheme, sc.base_scheme, sc.year_schemes)


def scheme_line(scheme: Scheme) -> float | None:
    """The scheme's own line (its admission threshold when the mode uses one), else None."""
    adm = scheme.admission
    if adm is None or adm.threshold_in_force is None:
        return None
    return float(adm.threshold_in_force)


def _ties(scheme: Scheme, sc: Scenario) -> Any:
    """The scheme's tie rule (the scenario's when the scheme has no admission rule)."""
    adm = scheme.admission
    if adm is None:
        return sc.rules()[0].ties
    return adm.ties_plain()


def binds(quota: float | None, line: float | None, admitted: np.ndarray, applicants_above: np.ndarray,
          tolerance: float = 0.0) -> np.ndarray:
    """What decides who settles each year: ``quota`` (the places are filled and people above the line wait),
    ``quota_ties`` (the places are filled and more than them admitted because of ties at the cut-off), ``line``
    (fewer people reach the line than there are places, or there are no places) or ``none`` (everyone eligible who
    applies). ``applicants_above``: applicants at or above the line (all applicants without a line);
    ``tolerance``: admitted above the quota by no more than this is not counted as ties (the sample's rounding:
    one simulated person stands for ``ratio`` real people)."""
    admitted = np.asarray(admitted, dtype="float64")
    above = np.asarray(applicants_above, dtype="float64")
    if quota is None:
        return np.full(len(admitted), "line" if line is not None else "none", dtype=object)
    filled = above > quota * (1 + 1e-9)
    out = np.where(filled, "quota", "line" if line is not None else "none").astype(object)
    out[filled & (admitted > quota + tolerance)] = "quota_ties"
    return out


@dataclass
class QuotaYears:
    """The two variants year by year (``table``), the first year's cut-off curve on the starting pool (``curve``,
    real people: every eligible resident of the area counted as a candidate) and how the first year of the variant
    without the quota is reached from the static count (``steps``, see :func:`first_year_steps`)."""

    table: pd.DataFrame
    curve: pd.DataFrame
    ratio: float
    replications: int
    steps: pd.DataFrame | None = None


def quota_years(sc: Scenario, scheme: Scheme, *, quota: int, line: float | None, years: int | None = None,
                replications: int | None = None, progress: Progress | None = None,
                curve_points: int = 41, cap_line: float | str | None = "scheme", ties: Any = None) -> QuotaYears:
    """Year by year, with the quota (``quota`` real places a year, plus ``cap_line``: by default the scheme's own
    line, see :func:`scheme_line`) and without it (``line`` only; None = every eligible applicant), on the
    scenario's people, flows, area and burn-in, with ``scheme`` in the reported years. ``ties``: the quota
    variant's tie rule ("admit_all" or a list of tie keys; None = the scheme's own, see :func:`_ties`).

    One row per variant and year: admitted (mean and p05/p95), cumulative admitted, cut-off, pool, arrivals,
    departures, eligible, applicants, backlog, mean waiting years, and ``binds`` (see :func:`binds`).
    """
    if quota < 1:
        raise ValueError("quota must be at least 1")
    years = sc.horizon if years is None else int(years)
    ties = _ties(scheme, sc) if ties is None else ties
    kwargs = sc.sim_kwargs()
    if replications is not None:
        kwargs["replications"] = int(replications)
    pop = sc.starting_people()
    parts = []
    start = None
    with_line = scheme_line(scheme) if cap_line == "scheme" else cap_line
    for variant, q, th in (("with", int(quota), with_line), ("without", None, line)):
        rules = [YearRule(q, th, ties if q is not None else "admit_all", scheme)] * years
        mc = simulate_many(pop, scheme, rules, sc.spec.dynamics, progress=progress, **kwargs)
        s = mc.summary()
        start = mc.start if start is None else start
        per_rep = mc.yearly.sort_values(["rep", "year"])
        cum = per_rep.groupby("rep")["admitted"].cumsum()
        cum_by_year = cum.groupby(per_rep["year"]).agg(["mean", lambda x: x.quantile(0.05),
                                                        lambda x: x.quantile(0.95)])
        cum_by_year.columns = ["cumulative", "cumulative_p05", "cumulative_p95"]
        above = _above_line(mc.yearly, th)
        out = pd.DataFrame({
            "variant": variant, "year": s["year"].astype(int),
            "quota": float(q) if q is not None else np.nan, "line": th if th is not None else np.nan,
            "admitted": s["admitted"], "admitted_p05": s["admitted_p05"], "admitted_p95": s["admitted_p95"],
            "cumulative": cum_by_year["cumulative"].to_numpy(),
            "cumulative_p05": cum_by_year["cumulative_p05"].to_numpy(),
            "cumulative_p95": cum_by_year["cumulative_p95"].to_numpy(),
            "cutoff": s["cutoff"], "pool": s["pool"], "arrivals": s["arrivals"], "departures": s["departures"],
            "eligible": s["eligible"], "applicants": s["applicants"], "applicants_at_line": above,
            "backlog": s["backlog"], "wait_mean": s["wait_mean"],
        })
        out["binds"] = binds(q, th, out["admitted"].to_numpy(), above, tolerance=sc.ratio)
        parts.append(out)
    curve = first_year_curve(sc, scheme, start, quota, curve_points) if start is not None else pd.DataFrame()
    table = pd.concat(parts, ignore_index=True)
    steps = first_year_steps(sc, scheme, start, line, table) if start is not None else None
    return QuotaYears(table, curve, sc.ratio, int(kwargs["replications"]), steps)


def _candidates(sc: Scenario, res: Any) -> np.ndarray:
    """Eligible residents of the scenario's area (everyone eligible without an area)."""
    area = sc.area_districts()
    if area is None or "district" not in res.population:
        return res.eligible_mask
    inside = res.population["district"].astype("string").isin(list(area)).fillna(False).to_numpy(bool)
    return res.eligible_mask & inside


def first_year_steps(sc: Scenario, scheme: Scheme, start: pd.DataFrame, line: float | None,
                     table: pd.DataFrame) -> pd.DataFrame:
    """How the model's first year without the quota follows from the static count, each step a named quantity
    (real people, one row): ``eligible`` and ``at_line`` (eligible at or above ``line``; everyone eligible without a
    line) on the starting pool scored without the recognition rules (the static view: everyone counted, nobody
    choosing), ``at_line_recognised`` (the same with the scenario's recognition rules: ``recognition_adds`` is the
    difference), then the model's first year: ``applicants`` (at or above the line, applying with the assumed
    propensity; mean over replications) and ``admitted``. Without a quota, admitted = applicants at the line."""
    counts = {}
    for key, pool in (("plain", start), ("recognised", apply_recognition(start, sc.recognition))):
        res = score(pool, scheme)
        cand = _candidates(sc, res)
        at = cand if line is None else cand & (res.total_cents >= int(round(float(line) * 100)))
        counts[key] = (int(cand.sum()) * sc.ratio, int(at.sum()) * sc.ratio)
    first = table[table["variant"] == "without"].sort_values("year").iloc[0]
    return pd.DataFrame([{
        "year": int(first["year"]), "line": np.nan if line is None else float(line),
        "eligible": counts["plain"][0], "at_line": counts["plain"][1],
        "at_line_recognised": counts["recognised"][1],
        "recognition_adds": counts["recognised"][1] - counts["plain"][1],
        "applicants": float(first["applicants_at_line"]), "admitted": float(first["admitted"]),
    }])


def first_year_curve(sc: Scenario, scheme: Scheme, start: pd.DataFrame, quota: int, points: int = 41
                     ) -> pd.DataFrame:
    """The first year's cut-off for each quota size (real places), on the starting pool scored with ``scheme`` and
    the scenario's recognition rules, every eligible resident of the area a candidate; counts in real people."""
    pool = apply_recognition(start, sc.recognition)
    res = score(pool, scheme)
    area = sc.area_districts()
    cand = None
    if area is not None and "district" in res.population:
        cand = res.population["district"].astype("string").isin(list(area)).fillna(False).to_numpy(bool)
    n = int(res.eligible_mask.sum() if cand is None else (res.eligible_mask & cand).sum())
    ratio = sc.ratio
    grid = np.unique(np.concatenate([np.geomspace(1, max(n, 1), points).round(), [round(quota / ratio)]]))
    curve = cutoff_curve(res, grid.astype(np.int64), candidates=cand)
    for col in ("quota", "candidates", "admitted", "tied_at_cutoff"):
        curve[col] = curve[col].astype("float64") * ratio
    return curve[curve["quota"] > 0].reset_index(drop=True)


def _above_line(yearly: pd.DataFrame, line: float | None) -> np.ndarray:
    """Mean over replications of the applicants who could be admitted without the quota: all applicants when there
    is no line; with a line, the applicants at or above it (the simulation's ``backlog_applicants`` + admitted when
    recorded, else all applicants)."""
    g = yearly.groupby("year")
    if line is None or "applicants_at_line" not in yearly:
        return g["applicants"].mean().to_numpy()
    return g["applicants_at_line"].mean().to_numpy()
