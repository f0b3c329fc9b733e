"""Scenario files in real-world units: represents / ratio / weights, the area, burn-in, scheme switches."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from scoring.errors import ScenarioError
from scoring.population.synthetic import synth
from scoring.scenario.load import load_scenario
from scoring.scenario.run import run_scenario

ROOT = Path(__file__).resolve().parent.parent
HZ22 = ROOT / "scenarios" / "schemes" / "hangzhou-2022-illustrative.yaml"
B16 = ROOT / "scenarios" / "schemes" / "beijing-2016.yaml"
B20 = ROOT / "scenarios" / "schemes" / "beijing-2020.yaml"


def _write(tmp: Path, **data: object) -> Path:
    base = {"id": "u", "scheme": str(HZ22), "population": {"synth": {"n": 2000, "seed": 1}}, "horizon": 2,
            "admission": {"mode": "quota", "quota": 400}}
    path = tmp / "u.yaml"
    path.write_text(yaml.safe_dump({**base, **data}), encoding="utf-8")
    return path


def test_represents_sets_the_ratio_and_counts_are_real(tmp_path: Path) -> None:
    sc = load_scenario(_write(tmp_path, population={"synth": {"n": 2000, "seed": 1}, "represents": 40000}))
    assert sc.ratio == 20.0
    s = run_scenario(sc, quota_question=False).summary()
    assert s["sampling"]["ratio"] == 20.0 and s["sampling"]["label"] == "1:20"
    first = s["yearly"][0]
    assert first["pool"] == pytest.approx(40000) and 400 <= first["admitted"] <= 400 + 20 * 5
    assert first["admitted"] % 20 == 0  # whole simulated people, each standing for 20
    assert first["cutoff_p05"] <= first["cutoff"] <= first["cutoff_p95"]


def test_weights_resample_rows_in_proportion(tmp_path: Path) -> None:
    pop = synth(400, 2)
    heavy = pop["age"].to_numpy() >= 40
    pop["w"] = np.where(heavy, 30.0, 10.0)  # people aged 40+ weigh 3x
    pop.to_csv(tmp_path / "p.csv", index=False)
    sc = load_scenario(_write(tmp_path, population={"file": "p.csv", "weights": "w"}))
    frame = sc.population()
    h = int(heavy.sum())
    assert len(frame) == 400 and "w" not in frame and sc.ratio == pytest.approx((h * 30 + (400 - h) * 10) / 400)
    # systematic resampling: every row is drawn floor or ceil of its expected count n * w / sum(w)
    expected = pd.Series(400 * pop["w"].to_numpy() / pop["w"].sum(), index=pop["person_id"].astype(str))
    got = frame["person_id"].astype(str).value_counts().reindex(expected.index, fill_value=0)
    assert ((got >= np.floor(expected) - 1e-9) & (got <= np.ceil(expected) + 1e-9)).all()
    assert abs(int(got[heavy].sum()) - expected[heavy].sum()) < 0.1 * h


def test_weights_need_a_numeric_column(tmp_path: Path) -> None:
    pd.DataFrame({"age": [30, 31], "insurance_years": [4, 4], "residence_years": [4, 4],
                  "has_residence_permit": [True, True], "w": ["a", "b"]}).to_csv(tmp_path / "p.csv", index=False)
    sc = load_scenario(_write(tmp_path, population={"file": "p.csv", "weights": "w"}))
    with pytest.raises(ScenarioError, match="weights"):
        sc.population()


def test_area_keeps_outsiders_out_of_the_queue(tmp_path: Path) -> None:
    sc = load_scenario(_write(tmp_path, area={"reading": "excluding_fuyang_linan"}, horizon=1))
    run = run_scenario(sc, quota_question=False)
    comp = run.mc.composition_summary()
    admitted_districts = set(comp.loc[comp["dimension"] == "district", "group"])
    assert admitted_districts and not admitted_districts & {"fuyang", "linan", "tonglu", "chunan", "jiande"}
    fy = run.first_year
    outside = ~fy.res.population["district"].astype(str).isin(sc.area_districts()).to_numpy()
    assert not (fy.adm.admitted_mask & outside).any()
    assert run.summary()["area"]["en"].startswith("Hangzhou city districts")


def test_scheme_switch_and_burn_in(tmp_path: Path) -> None:
    sc = load_scenario(_write(tmp_path, scheme=str(B16), schemes={2025: str(B20)}, start_year=2024, horizon=2,
                              burn_in={"years": 3, "start": "records", "stock": 1000, "rule": "first"},
                              admission={"mode": "quota", "quota": 20, "ties": "admit_all"},
                              dynamics={"arrivals": {"per_year": 100, "age_mean": 26}}))
    rules = sc.rules()
    assert rules[0].scheme is None and rules[1].scheme is not None and rules[1].scheme.id == "beijing-2020"
    assert len(sc.starting_people()) == 1000 and (sc.starting_people()["insurance_years"] == 0).all()
    y = run_scenario(sc, quota_question=False).mc.yearly
    assert list(y["year"]) == [2024, 2025]


@pytest.mark.parametrize(("extra", "needle"), [
    ({"schemes": {1999: str(B20)}}, "within the simulated years"),
    ({"burn_in": {"years": 2, "stock": 10**9}}, "burn_in.stock"),
    ({"population": {"synth": {"n": 10, "seed": 1}, "represents": 100, "ratio": 3}}, "at most one"),
    ({"area": {"reading": "downtown"}}, "area.reading"),
])
def test_bad_unit_settings(tmp_path: Path, extra: dict, needle: str) -> None:
    with pytest.raises(ScenarioError, match=needle):
        sc = load_scenario(_write(tmp_path, **extra))
        sc.starting_people()
