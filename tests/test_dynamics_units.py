"""Real-world units, the line under a fixed quota (a known answer), scheme switches and burn-in."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import scoring
from scoring.dynamics.core import YearRule, simulate, simulate_many
from scoring.dynamics.params import DynamicsParams
from scoring.population.area import area_share, city_districts, in_city_districts

QUIET = DynamicsParams.model_validate({
    "departures": {"base": 0.0, "age_rate": 0.0, "max_age": 120},
    "employment": {"job_loss": 0.0, "job_find": 1.0, "insured_share": 1.0},
    "permits": {"take_up": 1.0}, "application": {"low": 1.0, "high": 1.0, "scale": None},
})


def _linear_scheme() -> scoring.Scheme:
    from scoring.scheme.load import scheme_from_dict

    return scheme_from_dict({
        "id": "linear", "version": "1", "title": {"zh": "线性", "en": "linear"}, "status": "illustrative",
        "items": [{"id": "insurance", "label": {"zh": "社保", "en": "insurance"}, "kind": "per_unit",
                   "column": "insurance_years", "points_per_unit": 3, "unit": 1 / 12}],
        "admission": {"mode": "quota", "quota": 1, "ties": "admit_all"},
    }, "linear")


def _pool(m: int, years: int) -> pd.DataFrame:
    """A steady-state pool: ``m`` people per year of insurance, evenly spread by month (0 .. years)."""
    k = m * years
    ins = np.arange(k, dtype=np.float64) * (years / k)
    ins = np.round(ins * 12) / 12
    return pd.DataFrame({"age": np.full(k, 30, dtype=np.int16), "insurance_years": ins.astype(np.float32),
                         "employed": np.ones(k, dtype=bool)})


@pytest.mark.parametrize("q", [12, 48])
def test_line_rises_by_the_yearly_accrual_of_the_marginal_applicant(q: int) -> None:
    """Known answer: m people per insurance year, everyone accrues c = 3 points a year, the quota takes q from the
    top: the line rises by c (1 - q / m) a year (the accrual of the marginal applicant less the drain)."""
    m, years, horizon = 240, 30, 8
    sim = simulate(_pool(m, years), _linear_scheme(), [YearRule(quota=q)] * horizon, QUIET, seed=1)
    line = sim.yearly["cutoff"].to_numpy(np.float64)
    rise = np.diff(line).mean()
    expected = 3.0 * (1 - q / m)
    assert rise == pytest.approx(expected, abs=3.0 / 12 + 1e-9)  # one month of accrual is the score's grain
    assert (np.diff(line) > 0).all()
    adm = sim.yearly["admitted"]
    assert ((adm >= q) & (adm <= q + m // 12 + q)).all()  # whole tied month groups at the line are admitted


def test_ties_at_the_line_all_admitted() -> None:
    pop = pd.DataFrame({"age": np.full(100, 30, dtype=np.int16),
                        "insurance_years": np.repeat(np.arange(10, dtype=np.float32), 10),
                        "employed": np.ones(100, dtype=bool)})
    y = simulate(pop, _linear_scheme(), [YearRule(quota=15)], QUIET, seed=2).yearly
    assert int(y["admitted"].iloc[0]) == 20 and int(y["tied_at_cutoff"].iloc[0]) == 10  # 10 above, 10 tied


def test_real_units_agree_across_sampling_ratios() -> None:
    """The same real population sampled at 1:10 and 1:20: real-unit means agree within Monte Carlo error."""
    from scoring.population.synthetic import synth

    scheme = scoring.load_scheme("scenarios/schemes/beijing-2020.yaml")
    params = DynamicsParams.model_validate({"arrivals": {"per_year": 40_000, "age_mean": 26}})
    pop = synth(8000, 5)
    runs = {}
    for ratio, n in ((10.0, 8000), (20.0, 4000)):
        mc = simulate_many(pop.iloc[:n], scheme, [YearRule(quota=3000)] * 3, params, replications=6, seed=3,
                           ratio=ratio, burn_in=5, burn_in_rule=YearRule(quota=3000))
        runs[ratio] = mc.yearly
    for metric in ("pool", "eligible", "applicants", "cutoff"):
        a = runs[10.0].groupby("year")[metric].agg(["mean", "std", "count"])
        b = runs[20.0].groupby("year")[metric].agg(["mean", "std", "count"])
        se = np.sqrt(a["std"] ** 2 / a["count"] + b["std"] ** 2 / b["count"])
        # the two samples of the starting pool differ too: allow 4 standard errors plus 1% of the level
        assert ((a["mean"] - b["mean"]).abs() <= 4 * se + 0.01 * a["mean"].abs() + 0.3).all(), metric
    for ratio, y in runs.items():
        assert (y["admitted"] >= 3000 - ratio).all() and (y["ratio"] == ratio).all()


def test_scheme_switch_by_year() -> None:
    from scoring.population.synthetic import synth

    b16 = scoring.load_scheme("scenarios/schemes/beijing-2016.yaml")
    b20 = scoring.load_scheme("scenarios/schemes/beijing-2020.yaml")
    pop = synth(3000, 4)
    rules = [YearRule(quota=50, scheme=b16), YearRule(quota=50, scheme=b20)]
    both = simulate(pop, b16, rules, seed=1).yearly
    only16 = simulate(pop, b16, [YearRule(quota=50)] * 2, seed=1).yearly
    assert both["cutoff"].iloc[0] == only16["cutoff"].iloc[0]
    assert rules[1].describe().endswith("beijing-2020")


def test_burn_in_years_are_not_reported_and_area_filters() -> None:
    from scoring.population.synthetic import synth

    scheme = scoring.load_scheme("scenarios/schemes/hangzhou-2022-illustrative.yaml")
    pop = synth(3000, 6)
    area = city_districts("excluding_fuyang_linan")
    sim = simulate(pop, scheme, [YearRule(quota=30)] * 2, DynamicsParams.model_validate(
        {"arrivals": {"per_year": 200}}), seed=1, burn_in=4, start_year=2024, area=area)
    assert list(sim.yearly["year"]) == [2024, 2025]
    assert set(sim.start["district"].astype(str)) <= set(area)
    inside = in_city_districts(pop["district"], "excluding_fuyang_linan")
    assert 0 < inside.mean() < 1 and "fuyang" not in area and "fuyang" in city_districts()
    assert 0.85 < area_share() < 0.95 and area_share("excluding_fuyang_linan") < area_share()


def test_newcomers_follow_the_degree_share_and_age_profile() -> None:
    from scoring.dynamics.flows import arrival_bank, newcomers

    params = DynamicsParams.model_validate({"arrivals": {"degree_share": 0.6, "age_mean": 28, "age_sd": 3,
                                                         "bank": 5000}})
    bank = arrival_bank(params, seed=1)
    new = newcomers(bank, np.arange(20_000, dtype=np.uint64) + 10**7, params, seed=1)
    degree = new.codes_of("education", ("bachelor", "master", "doctor")).mean()
    assert abs(degree - 0.6) < 0.02  # binomial sd 0.0035
    age = new.num["age"].astype(float)
    assert abs(age.mean() - 28) < 0.2 and 2.5 < age.std() < 3.5
    assert (new.num["residence_years"] < 1).all() and (new.num["residence_years"] >= 0).all()
    # the same ids give the same newcomers whatever else happens (common random numbers)
    again = newcomers(bank, np.arange(100, dtype=np.uint64) + 10**7, params, seed=1)
    assert np.array_equal(again.num["age"], new.num["age"][:100])
