"""Scenario files: overrides (by id, removal, addition, never in place), base stacking, schedules, errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import scoring
from scoring.errors import PopulationError, ScenarioError
from scoring.scenario.load import apply_overrides, load_scenario, override_paths
from scoring.scenario.quota import cutoff_curve
from scoring.scenario.run import first_year_outcome, run_scenario
from scoring.scheme.load import read_scheme_dict

ROOT = Path(__file__).resolve().parent.parent
SCHEMES = ROOT / "scenarios" / "schemes"
SHIPPED = sorted((ROOT / "scenarios").glob("*.yaml"))


def _write(tmp: Path, name: str, data: dict) -> Path:
    path = tmp / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _basic(**extra: object) -> dict:
    return {"id": "t", "scheme": str(SCHEMES / "hangzhou-2023-illustrative.yaml"),
            "population": {"synth": {"n": 2000, "seed": 1}}, "horizon": 3, **extra}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_scenarios_load(path: Path) -> None:
    sc = load_scenario(path)
    assert len(sc.rules()) == sc.horizon
    assert sc.scheme.stamp("en").endswith("simulation")


def test_override_by_id_never_modifies_the_base(tmp_path: Path) -> None:
    file = SCHEMES / "hangzhou-2023-illustrative.yaml"
    before = file.read_text(encoding="utf-8")
    sc = load_scenario(_write(tmp_path, "s.yaml", _basic(overrides={
        "items.insurance.points_per_unit": 4, "items.education.points.master": 30, "items.law_record.remove": True,
        "eligibility.insurance_min.min": 2, "admission.threshold": 90})))
    assert sc.scheme.item("insurance").points_per_unit == 4
    assert sc.base_scheme.item("insurance").points_per_unit == 6
    assert sc.scheme.item("education").points == {"associate": 5, "bachelor": 10, "master": 30, "doctor": 20}
    assert "law_record" not in [i.id for i in sc.scheme.items]
    assert sc.scheme.eligibility[1].min == 2 and sc.scheme.admission.threshold == 90
    assert sc.scheme.version.endswith("+t") and sc.base_scheme.version == "2023.0-illustrative"
    assert file.read_text(encoding="utf-8") == before
    # scores change only through the overrides
    pop = sc.population()
    assert (scoring.score(pop, sc.scheme).item_cents["insurance"] <=
            scoring.score(pop, sc.base_scheme).item_cents["insurance"]).all()


def test_apply_overrides_is_pure_and_adds_items() -> None:
    data = read_scheme_dict(SCHEMES / "hangzhou-2023-illustrative.yaml")
    snapshot = yaml.safe_dump(data)
    out = apply_overrides(data, {"items.honours": {"kind": "flag", "column": "has_honour", "points": 5}})
    assert yaml.safe_dump(data) == snapshot
    assert out["items"][-1] == {"kind": "flag", "column": "has_honour", "points": 5, "id": "honours"}


@pytest.mark.parametrize(("path", "needle"), [
    ("items.insurence.points_per_unit", "valid: residence, insurance, education, law_record"),
    ("items.insurance.points_per_year", "valid: assumed, cap, column, columns"),
    ("admision.quota", "valid: id, version, title"),
    ("eligibility.nope.min", "valid: permit, insurance_min"),
])
def test_bad_override_path_lists_valid_choices(tmp_path: Path, path: str, needle: str) -> None:
    file = _write(tmp_path, "bad.yaml", _basic(overrides={path: 1}))
    with pytest.raises(ScenarioError) as err:
        load_scenario(file)
    assert str(file) in str(err.value) and path in str(err.value) and needle in str(err.value)


def test_override_that_breaks_the_scheme_is_a_scenario_error(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="overrides"):
        load_scenario(_write(tmp_path, "s.yaml", _basic(overrides={"items.insurance.unit": -1})))


def test_override_paths_lists_items_by_id() -> None:
    paths = override_paths(read_scheme_dict(SCHEMES / "hangzhou-2022-illustrative.yaml"))
    assert "items.insurance.points_per_unit" in paths and "items.honours.remove" in paths
    assert "groups.bonus.cap" in paths and "admission.quota" in paths


def test_base_stacking(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", _basic(admission={"mode": "quota", "quota": 50}, seed=3,
                                      dynamics={"arrivals": {"per_year": 10}}))
    child = {"id": "b", "base": "a.yaml", "dynamics": {"arrivals": {"growth": 0.1}},
             "admission": {"schedule": {"quota": [10, 20, None]}}}
    sc = load_scenario(_write(tmp_path, "b.yaml", child))
    assert sc.id == "b" and sc.spec.seed == 3
    assert sc.spec.dynamics.arrivals.per_year == 10 and sc.spec.dynamics.arrivals.growth == 0.1
    assert [r.quota for r in sc.rules()] == [10, 20, None]
    assert [r.quota for r in sc.rules_no_cap()] == [None] * 3
    assert [r.quota for r in sc.rules_with_cap()] == [10, 20, 10]
    _write(tmp_path, "loop1.yaml", {"id": "l1", "base": "loop2.yaml"})
    _write(tmp_path, "loop2.yaml", {"id": "l2", "base": "loop1.yaml"})
    with pytest.raises(ScenarioError, match="loops"):
        load_scenario(tmp_path / "loop1.yaml")


@pytest.mark.parametrize(("extra", "needle"), [
    ({"admission": {"mode": "quota", "quota": 5, "schedule": {"quota": [1, 2]}}}, "2 value(s) for a horizon of 3"),
    ({"admission": {"mode": "quota", "quota": 5, "schedule": {"quota": [1, 2, 3, 4]}}}, "4 value(s)"),
    ({"admission": {"mode": "quota", "quota": 5, "schedule": {"quota": [1, -2, 3]}}}, "quota[1]"),
    ({"dynamics": {"arrivals": {"per_year": -5}}}, "dynamics.arrivals.per_year"),
    ({"dynamics": {"departures": {"base": -0.1}}}, "dynamics.departures.base"),
    ({"dynamics": {"arival": {}}}, "valid: arrivals, departures"),
    ({"recognition": {"yrd": True}}, "valid: yrd_insurance, prefecture_residence"),
    ({"horizon": 0}, "horizon"),
    ({"popluation": {}}, "valid: id, title"),
    ({"admission": {"mode": "quota"}}, "needs a quota"),
])
def test_bad_scenarios(tmp_path: Path, extra: dict, needle: str) -> None:
    file = _write(tmp_path, "bad.yaml", _basic(**extra))
    with pytest.raises(ScenarioError) as err:
        load_scenario(file)
    assert str(file) in str(err.value) and needle in str(err.value)


def test_reform_without_quota_needs_one_for_the_quota_question(tmp_path: Path) -> None:
    sc = load_scenario(_write(tmp_path, "s.yaml", _basic()))
    with pytest.raises(ScenarioError, match=r"quota_question\.quota"):
        sc.rules_with_cap()


def test_population_file_that_fails_validation(tmp_path: Path) -> None:
    bad = tmp_path / "people.csv"
    pd.DataFrame({"age": [30, 200], "insurance_years": [1, 2], "residence_years": [1, 1],
                  "has_residence_permit": [True, True]}).to_csv(bad, index=False)
    sc = load_scenario(_write(tmp_path, "s.yaml", {**_basic(), "population": {"file": "people.csv"}}))
    with pytest.raises(PopulationError, match=r"people\.csv"):
        sc.population()
    sc2 = load_scenario(_write(tmp_path, "s2.yaml", {**_basic(), "population": "missing.csv"}))
    with pytest.raises(ScenarioError, match="not found"):
        sc2.population()


def test_population_file_runs(tmp_path: Path) -> None:
    from scoring.population.synthetic import synth

    synth(800, 4).to_parquet(tmp_path / "p.parquet")
    sc = load_scenario(_write(tmp_path, "s.yaml", {**_basic(), "population": "p.parquet",
                                                   "quota_question": {"quota": 30}}))
    run = run_scenario(sc)
    assert run.summary()["people"] == 800


def test_cutoff_curve_matches_admit_for_every_quota() -> None:
    from scoring.population.synthetic import synth

    scheme = scoring.load_scheme(SCHEMES / "hangzhou-2022-illustrative.yaml")
    res = scoring.score(synth(3000, 2), scheme)
    quotas = [0, 1, 7, 100, 500, 1000, int(res.eligible_mask.sum()), 10_000]
    curve = cutoff_curve(res, quotas)
    for q, row in zip(quotas, curve.itertuples(), strict=True):
        adm = scoring.admit(res, quota=q, ties="admit_all")
        assert row.admitted == adm.admitted_count
        assert (np.isnan(row.cutoff) and adm.cutoff is None) or row.cutoff == adm.cutoff
    line = cutoff_curve(res, [50, 200], threshold=100)
    for q, row in zip([50, 200], line.itertuples(), strict=True):
        assert row.admitted == scoring.admit(res, quota=q, threshold=100, ties="admit_all").admitted_count
    assert curve["cutoff"].dropna().is_monotonic_decreasing


def test_quota_question_uses_the_same_people_and_seeds() -> None:
    sc = load_scenario(ROOT / "scenarios" / "hangzhou-2023-reform.yaml")
    sc.spec.population.synth.n = 3000
    sc.spec.replications = 1
    sc.spec.horizon = 4
    run = run_scenario(sc)
    qy = run.quota.yearly()
    cap, nocap = run.quota.with_cap.yearly, run.quota.no_cap.yearly
    assert (cap["admitted"] <= 400 + cap["tied_at_cutoff"]).all()
    assert qy["admitted_nocap"].sum() >= qy["admitted_cap"].sum()
    assert (cap["arrivals"].to_numpy() == nocap["arrivals"].to_numpy()).all()
    assert cap["pool"].iloc[0] == nocap["pool"].iloc[0]
    assert cap["applicants"].iloc[0] == nocap["applicants"].iloc[0]  # same propensity at a fixed line, same draws
    assert run.recognition_effect["transitions"]["newly_excluded"] == 0
    fy = first_year_outcome(sc)
    assert fy.adm.threshold == 100
