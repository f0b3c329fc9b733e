"""The work of a run is bounded before it starts (scoring.scenario.budget): a probe's scenario of 200,000 people x
220 years x 1,000 replications would have run for days; arrivals of 1e9 a year tried to allocate tens of GB."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from scoring.cli import main
from scoring.errors import ScenarioError
from scoring.scenario import budget
from scoring.scenario.load import Scenario, load_scenario
from scoring.scenario.run import progress_steps, run_scenario

ROOT = Path(__file__).resolve().parent.parent
SCHEME = ROOT / "scenarios" / "schemes" / "hangzhou-2023-illustrative.yaml"
LONG = {"population": {"synth": {"n": 200_000, "seed": 1}}, "horizon": 100, "replications": 1000,
        "burn_in": {"years": 120, "rule": "first"}, "dynamics": {"arrivals": {"per_year": 20_000}}}


def _write(tmp: Path, name: str = "w", **extra: Any) -> Path:
    data = {"id": name, "scheme": str(SCHEME), "admission": {"mode": "threshold", "threshold": 100},
            "population": {"synth": {"n": 300, "seed": 1}}, "horizon": 2, **extra}
    path = tmp / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_person_years_are_the_closed_form_sum_of_people_present() -> None:
    """N0 starting people, A = per_year (1 + g)^t / ratio arriving at the end of year t, t from -burn_in: people
    present in year k are N0 + the arrivals before it (a numpy cumulative sum, not the module's loop)."""
    sc = load_scenario(ROOT / "scenarios" / "beijing-2020-quota.yaml")
    a = sc.spec.dynamics.arrivals
    years = np.arange(-sc.spec.burn_in.years, sc.horizon)
    arrivals = a.per_year * (1 + a.growth) ** years / sc.ratio
    n0 = round(sc.spec.burn_in.stock / sc.ratio)  # burn_in.start records, a stock of the synthetic sample
    present = n0 + np.concatenate([[0.0], np.cumsum(arrivals)[:-1]])
    w = budget.work(sc)
    assert w.runs == 2  # its quota is the quota question's cap: with cap = its own rules; no cap differs
    assert w.years == len(years) and w.replications == sc.spec.replications
    assert w.person_years == pytest.approx(present.sum() * w.replications * w.runs, rel=1e-12)
    assert w.people == pytest.approx(n0 + arrivals.sum(), rel=1e-12)


def test_the_count_bounds_the_people_a_run_actually_simulates(tmp_path: Path) -> None:
    path = _write(tmp_path, horizon=5, replications=2, population={"synth": {"n": 400, "seed": 3}, "ratio": 10},
                  dynamics={"arrivals": {"per_year": 600, "growth": 0.1}}, quota_question={"quota": 500})
    sc = load_scenario(path)
    run = run_scenario(sc)
    runs = {id(m): m for m in (run.mc, run.quota.with_cap, run.quota.no_cap)}.values()  # a reused run once
    simulated = sum(mc.yearly["pool"].sum() / sc.ratio for mc in runs)
    w = budget.work(sc)
    assert w.runs == 2 and 0 < simulated <= w.person_years


@pytest.mark.parametrize(("admission", "question", "runs"), [
    ({"mode": "threshold", "threshold": 100}, {"quota": 50}, 2),  # no cap = its own rules
    ({"mode": "quota", "quota": 50}, {}, 2),  # with cap = its own rules
    ({"mode": "threshold", "threshold": 100}, {"quota": 50, "threshold": 90}, 3),  # all three differ
])
def test_runs_are_the_distinct_sets_of_rules(tmp_path: Path, admission: dict, question: dict, runs: int) -> None:
    sc = load_scenario(_write(tmp_path, admission=admission, quota_question=question, replications=3))
    assert len(budget.distinct_rule_sets(sc)) == budget.work(sc).runs == runs
    assert budget.work(sc, quota_question=False).runs == 1
    assert progress_steps(sc) == runs * sc.horizon * 3


def _refusal(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1, err
    return err


def test_the_probe_scenario_is_refused_before_its_population_is_drawn(tmp_path: Path, monkeypatch: Any,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "long", **LONG)
    monkeypatch.setattr(Scenario, "population", lambda self: pytest.fail("the population was drawn"))
    out = tmp_path / "out"
    en = _refusal(["run", str(path), "--no-quota-question", "--out", str(out), "--lang", "en"], capsys)
    people = 200_000 + 220 * 20_000
    assert en.startswith(f"error: {path}: the run would simulate about ")
    assert f"(220 years x 1000 replication(s) x 1 run(s), up to {people:,} simulated people)" in en
    assert f"at most {budget.MAX_RUN_MINUTES} minutes ({budget.MAX_PERSON_YEARS:,.0f} person-years)" in en
    assert "lower replications, horizon, burn_in.years" in en
    zh = _refusal(["run", str(path), "--no-quota-question", "--out", str(out)], capsys)
    assert zh.startswith(f"错误：{path}：运行需模拟约 ") and f"最多 {people:,} 名模拟人员" in zh
    assert re.search(r"[A-Za-z]{3,}", zh.replace(str(path), "").replace("replications、horizon、burn_in.years", "")
                     ) is None  # no English left but the file and the keys to set
    assert not out.exists()


def test_a_comparison_is_bounded_as_a_whole(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Three scenarios of about 11 minutes each: each may run alone, not the three together."""
    spec = {"population": {"synth": {"n": 2000, "seed": 1}}, "horizon": 100, "replications": 900}
    paths = [_write(tmp_path, f"s{k}", **spec) for k in range(3)]
    one = load_scenario(paths[0])
    assert budget.MAX_RUN_MINUTES / 3 < budget.work(one, False).minutes < budget.MAX_RUN_MINUTES / 2
    budget.check_work([one], quota_question=False)  # alone: allowed
    with pytest.raises(ScenarioError, match=r"\(all 3 scenarios: about 3\d minutes\)"):
        budget.check_work([load_scenario(p) for p in paths], quota_question=False)
    zh = _refusal(["compare", *map(str, paths), "--no-quota-question", "--out", str(tmp_path / "o")], capsys)
    assert "（3 个情景合计约 3" in zh


def test_a_pool_too_large_for_memory_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, horizon=10, population={"synth": {"n": 100_000, "seed": 1}},
                  dynamics={"arrivals": {"per_year": 1_000_000}})
    with pytest.raises(ScenarioError, match=rf"up to 10,100,000 simulated people .*at most "
                                            rf"{budget.MAX_SIMULATED_PEOPLE:,}"):
        budget.check_work([load_scenario(path)], quota_question=False)
    zh = _refusal(["run", str(path), "--no-quota-question", "--out", str(tmp_path / "o")], capsys)
    assert "运行时人口池最多可达 10,100,000 名模拟人员" in zh


def test_the_shipped_scenarios_are_well_within_the_bounds() -> None:
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        (w,) = budget.check_work([load_scenario(path)])
        assert w.minutes < 1 and w.people < budget.MAX_SIMULATED_PEOPLE / 10, path
