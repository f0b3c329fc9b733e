"""Running and comparing scenarios: Monte Carlo dynamics, the quota question, single-year impact, tables.

::

    run = run_scenario(load_scenario("scenarios/hangzhou-2023-reform.yaml"))
    run.summary()        # JSON-ready headline figures, stamped with the scheme version and status
    run.tables()         # name -> DataFrame (yearly, composition, waiting, quota_*, cutoff_curve, ...)
    cmp = compare_runs([run_a, run_b])
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from scoring.dynamics.core import MonteCarlo, Progress, simulate_many
from scoring.dynamics.services import service_table, service_totals
from scoring.engine.core import score
from scoring.evaluation import evaluate_scored
from scoring.recognition import apply_recognition
from scoring.scenario.budget import check_work, distinct_rule_sets
from scoring.scenario.calibrate_targets import METRIC_NAMES_ZH
from scoring.scenario.impact import Outcome, impact_summary, item_contributions
from scoring.scenario.load import Scenario
from scoring.scenario.quota import QuotaQuestion, run_quota_question


def first_year_outcome(sc: Scenario, *, recognition: bool = True, pool: pd.DataFrame | None = None) -> Outcome:
    """The first year on the starting pool (by default the scenario's population), every eligible resident of the
    scenario's area a candidate (the static view; residents outside the area are scored but never candidates).
    Counts are simulated people; the quota is scaled to the sample (quota / ratio, rounded half to even)."""
    pop = pool if pool is not None else sc.population()
    if recognition:
        pop = apply_recognition(pop, sc.recognition)
    rule = sc.rules()[0]
    scheme = rule.scheme or sc.scheme
    res = score(pop, scheme)
    area = sc.area_districts()
    candidates = None
    if area is not None and "district" in res.population:
        candidates = res.population["district"].astype("string").isin(list(area)).fillna(False).to_numpy(bool)
    quota = None if rule.quota is None else int(round(rule.quota / sc.ratio))
    if quota is None and rule.threshold is None:  # no cap and no line: every eligible candidate
        return evaluate_scored(res, mode="none", ties="admit_all", candidates=candidates, label=sc.id)
    return evaluate_scored(res, quota=quota, threshold=rule.threshold, ties=rule.ties, candidates=candidates,
                           label=sc.id)


@dataclass
class ScenarioRun:
    """The results of one scenario."""

    scenario: Scenario
    mc: MonteCarlo
    first_year: Outcome
    quota: QuotaQuestion | None
    recognition_effect: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)

    def stamp(self, lang: str = "zh") -> str:
        """Scenario id + scheme stamp."""
        return self.scenario.stamp(lang)

    def summary(self) -> dict[str, Any]:
        """Headline figures (JSON-ready)."""
        sc, fy = self.scenario, self.first_year
        out: dict[str, Any] = {
            "scenario": sc.id, "title": {"zh": sc.title("zh"), "en": sc.title("en")}, "source": sc.source,
            "scheme": {"id": sc.scheme.id, "version": sc.scheme.version, "status": sc.scheme.status,
                       "base_version": sc.base_scheme.version, "overrides": dict(sc.spec.overrides)},
            "stamp": {"zh": sc.stamp("zh"), "en": sc.stamp("en")},
            "simulation": True,
            "recognition": sc.recognition.to_dict(),
            "population": sc.spec.population.model_dump(exclude_none=True),
            "people": int(len(sc.population())),
            "horizon": sc.horizon, "start_year": sc.spec.start_year, "replications": sc.spec.replications,
            "seed": sc.spec.seed, "rules": [r.describe() for r in sc.rules()],
            "sampling": sampling(sc),
            "area": {"districts": list(sc.area_districts() or []) or None, "zh": sc.area_label("zh"),
                     "en": sc.area_label("en")},
            "burn_in": sc.spec.burn_in.model_dump(),
            "calibration": calibration_note(sc),
            "first_year": _scaled_first_year(fy, sc.ratio),
            "totals": self.mc.totals(),
            "yearly": _records(self.mc.summary()[[
                "year", "rule", "pool", "eligible", "applicants", "admitted", "admitted_p05", "admitted_p95",
                "cutoff", "cutoff_p05", "cutoff_p95", "line", "backlog", "wait_mean"]]),
        }
        if self.quota is not None:
            out["quota_question"] = self.quota.totals()
        out["service_demand"] = service_totals(self.service_demand())
        if self.recognition_effect is not None:
            out["recognition_effect"] = real_counts(self.recognition_effect, sc.ratio)
        out["first_year_steps"] = self.first_year_steps()
        out["notes"] = self.notes
        return _clean(out)

    def first_year_steps(self) -> dict[str, Any]:
        """Why ``first_year.admitted`` (the static view) and ``yearly[0].admitted`` (the model) differ, as named
        quantities in real people: the static view counts every eligible resident of the area as a candidate (with
        the recognition rules; ``without_recognition`` and ``recognition_adds`` when the scenario has them); the
        model's first year counts those who apply (``applicants_at_line``: at or above the year's line, applying
        with the assumed propensity; mean over replications) and admits ``admitted`` of them."""
        sc, fy = self.scenario, self.first_year
        first = self.mc.yearly[self.mc.yearly["year"] == self.mc.yearly["year"].min()]
        out: dict[str, Any] = {"year": int(first["year"].iloc[0]),
                               "static_admitted": fy.adm.admitted_count * sc.ratio}
        rec = self.recognition_effect
        if rec is not None:
            base = rec["counts"]["baseline"]["admitted"] * sc.ratio
            out.update(without_recognition=base, recognition_adds=out["static_admitted"] - base)
        col = "applicants_at_line" if "applicants_at_line" in first else "applicants"
        out.update(applicants=float(first["applicants"].mean()), applicants_at_line=float(first[col].mean()),
                   admitted=float(first["admitted"].mean()),
                   note="static_admitted = first_year.admitted (every eligible resident of the area applies); "
                        "admitted = yearly[0].admitted (the model: only those who apply, with the assumed "
                        "application propensity)")
        return out

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table of the run, each with a ``stamp`` column."""
        t: dict[str, pd.DataFrame] = {
            "yearly": self.mc.summary(),
            "yearly_replications": self.mc.yearly,
            "composition": self.mc.composition_summary(),
            "waiting": self.mc.waiting_summary(),
            "item_contributions": item_contributions(self.first_year),
            "service_demand": self.service_demand(),
        }
        if self.quota is not None:
            t["quota_yearly"] = self.quota.yearly()
            t["quota_waiting"] = self.quota.waiting()
            t["quota_composition"] = self.quota.composition()
            t["cutoff_curve"] = self.quota.curve
        stamp = self.stamp("zh") + " | " + self.scheme_stamp_en()
        return {k: v.assign(stamp=stamp) for k, v in t.items()}

    def service_demand(self) -> pd.DataFrame:
        """Per year: compulsory-school places and housing-security applications the admitted bring (assumptions;
        real people), for the scenario's own rules and, with the quota question, with and without the cap."""
        variants: dict[str, MonteCarlo] = {"run": self.mc}
        if self.quota is not None:
            variants.update(with_cap=self.quota.with_cap, no_cap=self.quota.no_cap)
        return service_table(variants)

    def scheme_stamp_en(self) -> str:
        """The English stamp."""
        return self.scenario.stamp("en")


FIRST_YEAR_COUNTS = ("rows_in", "scored", "rejected", "eligible", "candidates", "admitted", "tied_at_cutoff",
                     "decided_by_tiebreak")


def _scaled_first_year(fy: Outcome, ratio: float) -> dict[str, Any]:
    """The static first-year view in real people (simulated counts times the ratio; the quota is already real)."""
    out = {**fy.res.summary(), **{k: v for k, v in fy.adm.summary().items() if k != "ties"}}
    if ratio != 1.0:
        for k in FIRST_YEAR_COUNTS:
            if isinstance(out.get(k), int | float):
                out[k] = out[k] * ratio
        if out.get("quota") is not None:
            out["quota"] = out["quota"] * ratio
    return out


def sampling(sc: Scenario) -> dict[str, Any]:
    """How the sample relates to real people, and what the intervals mean."""
    return {"ratio": sc.ratio, "label": f"1:{sc.ratio:g}", "replications": sc.spec.replications,
            "interval": "p05-p95 over Monte Carlo replications",
            "note": "counts are real people (simulated counts x ratio); quotas and arrivals are given in real "
                    "people and scaled to the sample (stochastic rounding)"}


def calibration_note(sc: Scenario) -> dict[str, Any]:
    """What the scenario is calibrated to and how well it fits (from its ``calibration`` block), or a plain
    statement that it is not calibrated."""
    cal = sc.spec.calibration
    if not cal:
        return {"calibrated": False, "note": "not calibrated: flows and propensities are stated assumptions"}
    return {"calibrated": True, **cal}


def calibration_line(sc: Scenario, lang: str = "en") -> str:
    """One line: what the scenario is calibrated to and how well it fits (or that it is not calibrated), in
    ``lang`` (the target names are the targets file's own)."""
    zh = lang == "zh"
    cal = sc.spec.calibration
    if not cal:
        return (f"{sc.id}：未校准；流量与申请倾向均为所述假设" if zh else
                f"{sc.id}: not calibrated; flows and propensities are stated assumptions")
    fit = cal.get("fit") or []
    worst = max(fit, key=lambda r: abs(r.get("error_units") or 0), default=None)
    parts = [f"{sc.id}：校准到 {cal.get('targets')}（{len(fit)} 个目标，均方根误差 {cal.get('rms_error_units')} 单位）"
             if zh else f"{sc.id}: calibrated to {cal.get('targets')} ({len(fit)} targets, rms error "
             f"{cal.get('rms_error_units')} units)"]
    if worst is not None:
        parts.append(("最大误差 " if zh else "largest error ") + _fit_text(worst, lang))
    held = cal.get("held_out") or []
    if held:
        parts.append(("留出检验：" if zh else "held out: ") + "; ".join(_fit_text(r, lang) for r in held))
    parts.append(FIT_WITH_QUOTA[0] if zh else FIT_WITH_QUOTA[1])
    return ("；" if zh else "; ").join(parts)


FIT_WITH_QUOTA = ("拟合的是有名额的运行；无名额时落户者离开非户籍人群，存量随之下降：这是落户的结果，不是校准失误",
                  "the fit is of the run with the quota; without it the people who settle leave the non-hukou pool, "
                  "so the stock falls: a consequence of settling, not a failure of the calibration")


def _fit_text(row: dict[str, Any], lang: str = "en") -> str:
    zh = lang == "zh"
    target = _target_name(str(row.get("target")), lang)
    model = _fit_number(row.get("model"))
    if row.get("observed") is None:  # a distribution: the model's distance from the observed shares
        return (f"{target} 距离 {model}（{row.get('error_units')} 单位）" if zh else
                f"{target} distance {model} ({row.get('error_units')} units)")
    observed = _fit_number(row.get("observed"))
    return f"{target} 观测 {observed}，模型 {model}" if zh else f"{target} observed {observed}, model {model}"


def _target_name(label: str, lang: str) -> str:
    """A target's label ("2028 pool", "2019 share education=bachelor") in ``lang``: in Chinese the metric named."""
    year, _, rest = label.partition(" ")
    metric, _, extra = rest.partition(" ")
    if lang != "zh" or not year.isdigit() or metric not in METRIC_NAMES_ZH:
        return label
    return f"{year} 年{METRIC_NAMES_ZH[metric]}" + (f"（{extra}）" if extra else "")


def _fit_number(value: Any) -> str:
    """A fitted or observed value for people: whole numbers grouped (3,590,000), others to four figures."""
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        return str(value)
    if float(value).is_integer() or abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [_clean(r) for r in df.to_dict(orient="records")]


def _clean(value: Any) -> Any:
    """JSON-ready: numpy scalars to Python, NaN/NA to None, floats rounded to 6 digits."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if value is pd.NA or value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 6)
    return value


def recognition_effect(sc: Scenario) -> dict[str, Any] | None:
    """First-year impact of the scenario's recognition rules: without them (baseline) against with them."""
    if not sc.recognition.any:
        return None
    pop = sc.population()
    area = sc.area_districts()
    if area is not None and "district" in pop:  # count only the area's residents (the route's people)
        pop = pop[pop["district"].astype("string").isin(list(area)).fillna(False).to_numpy(bool)]
    with_rec = first_year_outcome(sc, pool=pop)
    without = first_year_outcome(sc, recognition=False, pool=pop)
    summary = impact_summary(replace(without, label="no recognition"), with_rec, columns=())
    return {"rules": sc.recognition.to_dict(), "counts": summary["counts"], "transitions": summary["transitions"],
            "jaccard": summary["jaccard"]}


def run_scenario(sc: Scenario, *, quota_question: bool = True, progress: Progress | None = None) -> ScenarioRun:
    """Run a scenario: its own rules, then (optionally) the with-cap / no-cap pair on the same seeds; refused
    (:class:`ScenarioError`) before anything runs when its work is over :func:`check_work`'s bounds."""
    check_work([sc], quota_question)
    pop = sc.starting_people()
    kwargs = sc.sim_kwargs()
    rules = sc.rules()
    mc = simulate_many(pop, sc.scheme, rules, sc.spec.dynamics, progress=progress, **kwargs)
    fy = first_year_outcome(sc, pool=mc.start)
    notes = list(sc.spec.notes)
    qq = None
    if quota_question:
        reuse = {repr([r.key() for r in rules]): mc}
        qq = run_quota_question(pop, sc.scheme, sc.rules_with_cap(), sc.rules_no_cap(), fy.res,
                                curve_points=sc.spec.quota_question.curve_points, reuse=reuse, progress=progress,
                                params=sc.spec.dynamics, **kwargs)
    notes.append("waiting time counts years since first eligible within the simulation (left-censored at the "
                 "first year)")
    notes.append(f"sampling ratio 1:{sc.ratio:g}; intervals are p05-p95 over {sc.spec.replications} Monte Carlo "
                 "replication(s)")
    notes.append(calibration_line(sc))
    return ScenarioRun(sc, mc, fy, qq, recognition_effect(sc), notes)


def progress_steps(sc: Scenario, quota_question: bool = True) -> int:
    """Years x replications the run will simulate (for a progress bar)."""
    return len(distinct_rule_sets(sc, quota_question)) * sc.horizon * sc.spec.replications


@dataclass
class Comparison:
    """Several runs side by side; impact of each against the first (the baseline) where populations match."""

    runs: list[ScenarioRun]
    impacts: dict[str, dict[str, Any]]
    notes: list[str]

    def yearly(self) -> pd.DataFrame:
        """Yearly summaries stacked with a ``scenario`` column."""
        return pd.concat([r.mc.summary().assign(scenario=r.scenario.id) for r in self.runs], ignore_index=True)

    def totals(self) -> pd.DataFrame:
        """One row per scenario: totals over the horizon, first-year eligible/admitted/cut-off, stamp."""
        rows = []
        for r in self.runs:
            fy = r.first_year
            rows.append({"scenario": r.scenario.id, "scheme": f"{r.scenario.scheme.id} v{r.scenario.scheme.version}",
                         "status": r.scenario.scheme.status, "recognition": r.scenario.recognition.label("en"),
                         "sampling_ratio": r.scenario.ratio,
                         "first_year_eligible": int(fy.res.eligible_mask.sum()) * r.scenario.ratio,
                         "first_year_admitted": fy.adm.admitted_count * r.scenario.ratio,
                         "first_year_cutoff": fy.adm.cutoff,
                         **r.mc.totals()})
        return pd.DataFrame(rows)

    def composition(self) -> pd.DataFrame:
        """Composition of the admitted over the horizon, stacked with a ``scenario`` column."""
        return pd.concat([r.mc.composition_summary().assign(scenario=r.scenario.id) for r in self.runs],
                         ignore_index=True)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The comparison tables, each stamped with every scheme's stamp."""
        stamp = " | ".join(r.stamp("en") for r in self.runs)
        t = {"compare_totals": self.totals(), "compare_yearly": self.yearly(),
             "compare_composition": self.composition()}
        for name, imp in self.impacts.items():
            t[f"impact_composition_{name}"] = pd.DataFrame(imp["composition"])
            t[f"impact_dominance_{name}"] = pd.DataFrame(imp["dominance"])
        return {k: v.assign(stamp=stamp) for k, v in t.items()}

    def summary(self) -> dict[str, Any]:
        """JSON-ready: each run's summary, the totals table and the impacts against the baseline."""
        return _clean({
            "baseline": self.runs[0].scenario.id,
            "scenarios": [r.summary() for r in self.runs],
            "totals": self.totals().to_dict(orient="records"),
            "impact": {k: {kk: vv for kk, vv in v.items() if kk != "composition"} for k, v in self.impacts.items()},
            "notes": self.notes, "simulation": True,
        })


def compare_runs(runs: list[ScenarioRun]) -> Comparison:
    """Compare runs; first-year impact (counts, transitions, Kendall tau, Jaccard, composition, dominance) of each
    against the first, when both start from the same population spec."""
    base = runs[0]
    impacts, notes = {}, []
    for r in runs[1:]:
        same = (r.scenario.spec.population, r.scenario.spec.burn_in, r.scenario.spec.area,
                r.scenario.spec.seed) == (base.scenario.spec.population, base.scenario.spec.burn_in,
                                          base.scenario.spec.area, base.scenario.spec.seed)
        if r.scenario.spec.burn_in.years and r.scenario.spec.dynamics != base.scenario.spec.dynamics:
            same = False
        if not same:
            notes.append(f"{r.scenario.id}: population differs from {base.scenario.id}; no person-level impact")
            continue
        impacts[r.scenario.id] = real_counts(impact_summary(base.first_year, r.first_year), base.scenario.ratio)
    return Comparison(runs, impacts, notes)


def real_counts(summary: dict[str, Any], ratio: float) -> dict[str, Any]:
    """An impact summary with its person counts in real people (simulated counts x ratio)."""
    if ratio == 1.0:
        return summary
    out = dict(summary)
    counts = {k: (dict(v) if isinstance(v, dict) else v) for k, v in summary.get("counts", {}).items()}
    for side in ("baseline", "reform"):
        if isinstance(counts.get(side), dict):
            for k in ("eligible", "admitted", "quota"):
                if isinstance(counts[side].get(k), int | float):
                    counts[side][k] = counts[side][k] * ratio
    if isinstance(counts.get("admitted_change"), int | float):
        counts["admitted_change"] = counts["admitted_change"] * ratio
    out["counts"] = counts
    out["transitions"] = {k: v * ratio if isinstance(v, int | float) else v
                          for k, v in summary.get("transitions", {}).items()}
    out["sampling_ratio"] = ratio
    return out
