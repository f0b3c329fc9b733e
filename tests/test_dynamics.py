"""Multi-year dynamics: properties (conservation, caps, no-cap completeness, determinism) and a slow reference."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import scoring
from scoring.dynamics.core import YearRule, rebase_newcomers, simulate, simulate_many
from scoring.dynamics.params import DynamicsParams
from scoring.dynamics.state import State, stream_key, uniforms
from scoring.population.synthetic import synth

HZ22 = scoring.load_scheme("scenarios/schemes/hangzhou-2022-illustrative.yaml")
HZ23 = scoring.load_scheme("scenarios/schemes/hangzhou-2023-illustrative.yaml")
PARAMS = DynamicsParams.model_validate({"arrivals": {"per_year": 300}})


@pytest.fixture(scope="module")
def pop() -> pd.DataFrame:
    return synth(4000, 11)


def _check_conservation(y: pd.DataFrame) -> None:
    assert (y["pool_next"] == y["pool"] + y["arrivals"] - y["departures"] - y["admitted"]).all()
    assert (y["pool"].iloc[1:].to_numpy() == y["pool_next"].iloc[:-1].to_numpy()).all()
    assert (y["backlog"] == y["eligible"] - y["admitted"]).all()
    assert (y["admitted"] <= y["applicants"]).all() and (y["applicants"] <= y["eligible"]).all()


def test_no_cap_admits_every_eligible_applicant_at_the_line(pop: pd.DataFrame) -> None:
    sim = simulate(pop, HZ23, [YearRule(threshold=100)] * 6, PARAMS, seed=3)
    y = sim.yearly
    _check_conservation(y)
    assert (y["admitted"] == y["applicants_at_line"]).all()
    assert (y["cutoff"].dropna() >= 100).all()


def test_no_cap_no_line_admits_every_eligible_applicant(pop: pd.DataFrame) -> None:
    y = simulate(pop, HZ23, [YearRule()] * 3, PARAMS, seed=3).yearly
    assert (y["admitted"] == y["applicants"]).all()


@pytest.mark.parametrize("ties", ["admit_all", [{"column": "insurance_years", "order": "desc"}, {"lottery": 5}]])
def test_cap_never_exceeded_beyond_the_tied(pop: pd.DataFrame, ties: object) -> None:
    y = simulate(pop, HZ22, [YearRule(quota=150, ties=ties)] * 6, PARAMS, seed=4).yearly
    _check_conservation(y)
    if ties == "admit_all":
        assert (y["admitted"] <= y["quota"] + y["tied_at_cutoff"]).all()
    else:
        assert (y["admitted"] == np.minimum(150, y["applicants"])).all()
    assert (y["admitted"] >= np.minimum(150, y["applicants"])).all()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(quota=st.one_of(st.none(), st.integers(0, 400)), threshold=st.one_of(st.none(), st.floats(40, 130)),
       arrivals=st.integers(0, 500), seed=st.integers(0, 2**31 - 1), base=st.floats(0, 0.5))
def test_properties_random_rules(pop: pd.DataFrame, quota: int | None, threshold: float | None, arrivals: int,
                                 seed: int, base: float) -> None:
    params = DynamicsParams.model_validate({"arrivals": {"per_year": arrivals}, "departures": {"base": base}})
    y = simulate(pop.iloc[:1500], HZ23, [YearRule(quota, threshold)] * 3, params, seed=seed).yearly
    _check_conservation(y)
    if quota is None:
        assert (y["admitted"] == y["applicants_at_line"]).all()
    else:
        assert (y["admitted"] <= quota + y["tied_at_cutoff"]).all()
        assert (y["admitted"] >= np.minimum(quota, y["applicants_at_line"])).all()


def test_deterministic_for_a_seed_and_seeds_matter(pop: pd.DataFrame) -> None:
    a = simulate_many(pop, HZ23, [YearRule(threshold=100)] * 4, PARAMS, replications=2, seed=9)
    b = simulate_many(pop, HZ23, [YearRule(threshold=100)] * 4, PARAMS, replications=2, seed=9)
    c = simulate_many(pop, HZ23, [YearRule(threshold=100)] * 4, PARAMS, replications=2, seed=10)
    pd.testing.assert_frame_equal(a.yearly, b.yearly)
    pd.testing.assert_frame_equal(a.composition, b.composition)
    assert not a.yearly["applicants"].equals(c.yearly["applicants"])
    reps = a.yearly.groupby("rep")["applicants"].apply(list)
    assert reps[0] != reps[1]  # replications differ


def test_input_population_not_modified(pop: pd.DataFrame) -> None:
    before = pop.copy(deep=True)
    simulate(pop, HZ23, [YearRule(threshold=100)] * 3, PARAMS, seed=1, recognition={"yrd_insurance": True})
    pd.testing.assert_frame_equal(pop, before)


def test_summary_intervals_and_totals(pop: pd.DataFrame) -> None:
    mc = simulate_many(pop, HZ22, [YearRule(quota=100)] * 3, PARAMS, replications=3, seed=2)
    s = mc.summary()
    assert len(s) == 3 and (s["admitted_p05"] <= s["admitted"]).all() and (s["admitted"] <= s["admitted_p95"]).all()
    assert mc.totals()["admitted_total"] == pytest.approx(mc.yearly.groupby("rep")["admitted"].sum().mean())
    comp = mc.composition_summary()
    assert np.allclose(comp.groupby("dimension")["share"].sum(), 1.0)
    assert comp[comp["dimension"] == "education"]["admitted"].sum() == pytest.approx(s["admitted"].sum())
    w = mc.waiting_summary()
    assert w["admitted"].sum() == pytest.approx(s["admitted"].sum())


def test_waiting_grows_when_the_queue_is_capped(pop: pd.DataFrame) -> None:
    capped = simulate(pop, HZ22, [YearRule(quota=50)] * 6, PARAMS, seed=5).yearly
    free = simulate(pop, HZ22, [YearRule()] * 6, PARAMS, seed=5).yearly
    assert capped["wait_mean"].iloc[-1] > free["wait_mean"].iloc[-1]
    assert capped["backlog"].iloc[-1] > free["backlog"].iloc[-1]


def test_rebase_newcomers_zero_local_years() -> None:
    drawn = synth(500, 3)
    new = rebase_newcomers(drawn)
    for col in ("residence_years", "residence_years_other_districts", "insurance_years", "permit_years"):
        assert (new[col] == 0).all()
    assert not new["has_residence_permit"].any()
    assert (new["age"] <= drawn["age"]).all() and (new["age"] >= 16).all()
    assert (new["insurance_years_yrd"] <= np.maximum(new["age"].astype(float) - 16, 0) + 1e-6).all()
    pd.testing.assert_series_equal(new["education"], drawn["education"])


def test_uniforms_are_uniform_and_keyed() -> None:
    ids = np.arange(200_000, dtype=np.uint64)
    u = uniforms(ids, stream_key(1, 0, 0, 0))
    assert u.min() >= 0 and u.max() < 1 and abs(u.mean() - 0.5) < 0.005
    assert np.array_equal(u[50:60], uniforms(ids[50:60], stream_key(1, 0, 0, 0)))
    assert not np.array_equal(u, uniforms(ids, stream_key(1, 0, 1, 0)))


def _reference_two_years(pop: pd.DataFrame, scheme: scoring.Scheme, threshold: float, params: DynamicsParams,
                         seed: int) -> list[dict[str, int]]:
    """A slow per-person reference of two years (no arrivals, no recognition), written from the documented rules."""
    people = [dict(zip(pop.columns, row, strict=True)) | {"pid": i} for i, row in enumerate(pop.itertuples(False))]
    app, dep, emp = params.application, params.departures, params.employment
    out = []
    for t in range(2):
        frame = pd.DataFrame(people).drop(columns="pid")
        for col in ("education", "housing"):
            frame[col] = pd.Categorical(frame[col], categories=pop[col].cat.categories)
        res = scoring.score(frame, scheme)
        counts = {"pool": len(people), "eligible": 0, "applicants": 0, "admitted": 0, "departures": 0}
        stay = []
        for k, person in enumerate(people):
            pid = np.array([person["pid"]], dtype=np.uint64)
            total = res.total_cents[k] / 100
            p = app.low + (app.high - app.low) / (1 + math.exp(-max(-50, min(50, (total - threshold) / app.scale))))
            eligible = bool(res.eligible_mask[k])
            applies = eligible and uniforms(pid, stream_key(seed, 0, t, 0))[0] < p
            admitted = applies and res.total_cents[k] >= threshold * 100
            counts["eligible"] += eligible
            counts["applicants"] += applies
            counts["admitted"] += admitted
            if admitted:
                continue
            h = dep.base * math.exp(-dep.years_slope * person["residence_years"]) + dep.age_rate * max(
                person["age"] - dep.age_from, 0)
            if uniforms(pid, stream_key(seed, 0, t, 1))[0] < h or person["age"] + 1 >= dep.max_age:
                counts["departures"] += 1
                continue
            q = dict(person)
            q["age"] = person["age"] + 1
            q["residence_years"] = person["residence_years"] + 1
            insured = person["employed"] and uniforms(pid, stream_key(seed, 0, t, 3))[0] < emp.insured_share
            q["insurance_years"] = person["insurance_years"] + insured
            q["permit_years"] = person["permit_years"] + person["has_residence_permit"]
            home = person["housing"] in ("owned", "rented", "employer")
            if not person["has_residence_permit"] and (person["employed"] or home):
                q["has_residence_permit"] = uniforms(pid, stream_key(seed, 0, t, 4))[0] < params.permits.take_up
            q["owned_home_years"] = person["owned_home_years"] + (person["housing"] == "owned")
            q["rented_home_years"] = person["rented_home_years"] + (person["housing"] in ("rented", "employer"))
            u = uniforms(pid, stream_key(seed, 0, t, 2))[0]
            q["employed"] = (u >= emp.job_loss) if person["employed"] else (u < emp.job_find)
            stay.append(q)
        people = stay
        out.append(counts)
    return out


def test_matches_slow_reference() -> None:
    pop = synth(600, 21).drop(columns=["person_id"])
    params = DynamicsParams()
    ref = _reference_two_years(pop, HZ23, 100.0, params, seed=77)
    y = simulate(pop, HZ23, [YearRule(threshold=100)] * 2, params, seed=77).yearly
    for t in range(2):
        for key, value in ref[t].items():
            assert int(y[key].iloc[t]) == value, (t, key)


def test_state_append_recodes_categories() -> None:
    a = pd.DataFrame({"x": pd.Categorical(["a", "b"]), "n": [1.0, 2.0]})
    b = pd.DataFrame({"x": pd.Categorical(["c", "a"]), "n": [3.0, 4.0]})
    s = State.from_frame(a, np.arange(2)).append(State.from_frame(b, np.arange(2, 4)))
    assert list(s.frame(["x", "n"])["x"].astype(str)) == ["a", "b", "c", "a"]
