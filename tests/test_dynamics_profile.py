"""A scenario's own applicant profile (dynamics.profile): the shares it states, common random numbers, the stock."""

from __future__ import annotations

import numpy as np

from scoring.dynamics.params import DynamicsParams
from scoring.dynamics.profile import apply_profile

N = 40_000
PROFILE = {"degree_share": 0.5, "master_share": 0.4, "doctor_share": 0.1, "associate_share": 0.3,
           "tax_share": 0.1, "honour_share": 0.01, "innovation_share": 0.02, "owned_share": 0.25,
           "stock_age_mean": 30, "stock_age_sd": 5}


def _newcomers(profile: dict[str, float], n: int = N):
    from scoring.dynamics.flows import arrival_bank, newcomers

    params = DynamicsParams.model_validate({"arrivals": {"bank": 4000}, "profile": profile})
    return newcomers(arrival_bank(params, seed=3), np.arange(n, dtype=np.uint64) + 10**7, params, seed=3)


def test_newcomers_follow_the_stated_education_mix_and_items() -> None:
    new = _newcomers(PROFILE)
    share = {k: new.codes_of("education", (k,)).mean() for k in ("associate", "bachelor", "master", "doctor")}
    # nested shares: doctor 0.5*0.4*0.1 = 0.02, master 0.18, bachelor 0.30, associate 0.5*0.3 = 0.15
    for k, want in {"doctor": 0.02, "master": 0.18, "bachelor": 0.30, "associate": 0.15}.items():
        assert abs(share[k] - want) < 5 * np.sqrt(want * (1 - want) / N)
    # tax: base share x degree weight (0.25 below associate, 0.5 associate, 1 bachelor, 2 master/doctor)
    want_tax = 0.1 * (0.35 * 0.25 + 0.15 * 0.5 + 0.30 * 1 + 0.20 * 2)
    tax = (new.num["tax_years_high"] == 3).mean()
    assert abs(tax - want_tax) < 5 * np.sqrt(want_tax / N) and set(np.unique(new.num["tax_years_high"])) <= {0, 3}
    owned = new.codes_of("housing", ("owned",)).mean()
    assert abs(owned - 0.25) < 5 * np.sqrt(0.25 * 0.75 / N)
    assert set(np.unique(new.num["innovation_points"])) <= {0, 2, 4, 6, 8, 12}


def test_a_larger_share_only_adds_people_on_the_margin() -> None:
    """Common random numbers: raising the tax share keeps every taxpayer and adds some; the rest is unchanged."""
    low = _newcomers(PROFILE, 5000)
    high = _newcomers({**PROFILE, "tax_share": 0.2}, 5000)
    t_low, t_high = low.num["tax_years_high"] == 3, high.num["tax_years_high"] == 3
    assert (t_high | ~t_low).all() and t_high.sum() > t_low.sum()
    assert np.array_equal(low.cat["education"], high.cat["education"])
    assert np.array_equal(low.num["age"], high.num["age"])


def test_the_stock_gets_its_age_profile_and_record_months() -> None:
    from scoring.dynamics.state import State
    from scoring.population.synthetic import synth
    from scoring.scenario.load import zero_local_years

    pop = zero_local_years(synth(N, 5))
    state = State.from_frame(pop, np.arange(N, dtype=np.uint64))
    apply_profile(state, DynamicsParams.model_validate({"profile": PROFILE}).profile, seed=5, stock=True)
    age = state.num["age"].astype(float)
    assert abs(age.mean() - 30) < 0.2 and 4.5 < age.std() < 5.5
    months = state.num["insurance_years"] * 12
    assert np.allclose(months, np.round(months), atol=1e-3) and months.min() >= 0 and months.max() <= 11.001
    assert 5.0 < months.mean() < 6.0  # uniform over 0..11 months: mean 5.5


def test_expected_first_line_is_the_fixed_point() -> None:
    """The first round's expected line: applicants expected at or above it number the quota."""
    from scoring.dynamics.flows import expected_line, propensity

    scores = np.random.default_rng(0).normal(60, 12, 20_000)
    constant = DynamicsParams.model_validate({"application": {"high": 0.5, "scale": None}})
    # constant propensity 0.5: the line is the (2 x quota)-th best score
    line = expected_line(scores, 300, constant)
    assert line == np.sort(scores)[-600]
    params = DynamicsParams.model_validate({"application": {"low": 0.1, "high": 0.9, "scale": 5}})
    line = expected_line(scores, 300, params)

    def expected(at: float) -> float:
        above = scores[scores >= at]
        return float(np.sum(np.broadcast_to(propensity(above, at, params), above.shape)))

    assert expected(line) <= 300 < expected(line - 0.01)
    assert np.sort(scores)[-300] > line  # low propensity below the line: the line is lower than the ranked one


def test_a_profile_share_can_be_fitted_without_a_profile_block() -> None:
    from scoring.scenario.calibration import with_values

    params = with_values(DynamicsParams(), {"dynamics.profile.tax_share": 0.2})
    assert params.profile is not None and params.profile.tax_share == 0.2
    assert DynamicsParams().profile is None  # no profile: the generator's own people (Hangzhou scenarios unchanged)
