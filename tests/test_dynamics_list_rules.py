"""Rules of Beijing's lists that the scheme file does not carry, applied by the queue model's profile: location
years counted from a given year, the study-period deduction, the age reference date, the first round's propensity."""

from __future__ import annotations

import numpy as np

from scoring.dynamics.flows import expected_line, propensity
from scoring.dynamics.params import DynamicsParams, Profile
from scoring.dynamics.profile import accrue_location, scored_age, study_deduction_cents
from scoring.dynamics.state import State

N = 40_000


def _state(n: int = N) -> State:
    """People with every education level and housing kind in turn, 10 insurance years, age 40."""
    levels = ["junior_secondary", "associate", "bachelor", "master", "doctor"]
    housing = ["owned", "rented"]
    return State(
        ids=np.arange(n, dtype=np.uint64) + 10**7,
        num={"outside_core_years": np.zeros(n, np.float32), "insurance_years": np.full(n, 10.0, np.float32),
             "age": np.full(n, 40, np.int16)},
        cat={"education": (np.arange(n) % 5).astype(np.int16), "housing": ((np.arange(n) // 5) % 2).astype(np.int16)},
        labels={"education": levels, "housing": housing})


def test_location_years_count_from_the_rules_year_for_the_outside_share() -> None:
    state = _state()
    prof = Profile(outside_core_share=0.6, location_from=2018)
    for year in (2015, 2016, 2017):
        accrue_location(state, prof, seed=1, year=year)
    assert not state.num["outside_core_years"].any()  # nothing counts before 2018
    accrue_location(state, prof, seed=1, year=2018)
    once = state.num["outside_core_years"].copy()
    accrue_location(state, prof, seed=1, year=2019)
    twice = state.num["outside_core_years"]
    assert set(np.unique(twice)) <= {0.0, 2.0} and np.array_equal(twice == 2, once == 1)  # the same people each year
    assert abs((once == 1).mean() - 0.6) < 5 * np.sqrt(0.24 / N)
    none = _state(100)
    accrue_location(none, Profile(), seed=1, year=2020)  # no share given: no location years
    assert not none.num["outside_core_years"].any()


def test_study_deduction_is_the_residence_and_employment_points_of_the_study_months() -> None:
    state = _state()
    ded = study_deduction_cents(state, Profile(study_share=0.4, study_years=3), seed=2)
    assert ded is not None and (ded >= 0).all()
    level = state.cat["education"]
    assert not ded[level == 0].any()  # below an associate degree: no counted degree studied for
    owned = state.cat["housing"] == 0
    rate = np.where(owned, 4.0, 3.5)  # 3 employment points a year + 1 (owned) or 0.5 (rented) residence
    months = ded / (rate * 100 / 12)
    hit = ded > 0
    assert np.allclose(months[hit], np.round(months[hit]), atol=0.02)  # whole months of study
    assert months.max() <= 36.01 and months[hit].min() >= 0.95  # (0, 3] years by month, to the cent
    assert abs(hit[level > 0].mean() - 0.4) < 5 * np.sqrt(0.24 / hit[level > 0].size)
    assert study_deduction_cents(state, Profile(), seed=2) is None
    short = _state(1000)
    short.num["insurance_years"][:] = 0.5  # a deduction never exceeds the years on record
    cut = study_deduction_cents(short, Profile(study_share=1.0, study_years=3), seed=2)
    assert cut is not None and cut.max() <= 0.5 * 4 * 100


def test_scored_age_is_completed_years_at_the_reference_date() -> None:
    state = _state()
    lag = state.num["age"] - scored_age(state, Profile(age_lag=1.5), seed=3)
    assert set(np.unique(lag)) == {1, 2} and abs((lag == 2).mean() - 0.5) < 5 * np.sqrt(0.25 / N)
    assert np.array_equal(scored_age(state, Profile(age_lag=0.0), seed=3), state.num["age"])


def test_first_round_propensity_below_the_line_and_its_expected_line() -> None:
    params = DynamicsParams.model_validate({"application": {"low": 0.1, "first_low": 0.3, "high": 0.6, "scale": 2.0,
                                                            "first_line": "expected"}})
    far_below = np.array([0.0])
    assert abs(float(propensity(far_below, 100.0, params)[0]) - 0.1) < 1e-9
    assert abs(float(propensity(far_below, 100.0, params, first=True)[0]) - 0.3) < 1e-9
    scores = np.random.default_rng(4).normal(60, 10, 20_000)
    # more people far below apply in the first round, so the line that admits 500 is at least as high
    assert expected_line(scores, 500, params, first=True) >= expected_line(scores, 500, params)
    default = DynamicsParams.model_validate({"application": {"low": 0.1, "high": 0.6, "scale": 2.0}})
    assert float(propensity(far_below, 100.0, default, first=True)[0]) == float(propensity(far_below, 100.0,
                                                                                            default)[0])
