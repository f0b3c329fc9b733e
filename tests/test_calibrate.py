"""``calibrate``: recovers known parameters from series simulated with them; targets files; CLI exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from scoring.cli.calibrate import replace_blocks
from scoring.scenario.calibrate_targets import Targets, TargetsError, read_targets
from scoring.scenario.calibration import calibrate, run
from scoring.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parent.parent
SCHEME = ROOT / "scenarios" / "schemes" / "beijing-2020.yaml"
TRUTH = {"per_year": 4000.0, "low": 0.15}


def _scenario(tmp: Path, **dyn: float) -> Path:
    data = {"id": "toy", "scheme": str(SCHEME), "population": {"synth": {"n": 3000, "seed": 7}, "ratio": 10},
            "admission": {"mode": "quota", "quota": 1500, "ties": "admit_all"}, "horizon": 4, "start_year": 2020,
            "seed": 3, "dynamics": {"arrivals": {"per_year": dyn.get("per_year", 1000), "age_mean": 26},
                                    "application": {"low": dyn.get("low", 0.4), "high": 0.9, "scale": 5}}}
    path = tmp / "toy.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _targets(tmp: Path) -> Path:
    truth = load_scenario(_scenario(tmp, **TRUTH))
    y = run(truth, truth.spec.dynamics).yearly
    rows = [{"year": int(r.year), "metric": m, "value": float(getattr(r, m)), "scale": s}
            for r in y.itertuples() for m, s in (("applicants", 100.0), ("pool", 200.0))]
    rows.append({"year": 2023, "metric": "cutoff", "value": float(y["cutoff"].iloc[-1]), "held_out": True})
    data = {"id": "toy-truth", "targets": rows,
            "parameters": [{"path": "dynamics.arrivals.per_year", "low": 500, "high": 8000},
                           {"path": "dynamics.application.low", "low": 0.0, "high": 0.6}]}
    path = tmp / "targets.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_calibrate_recovers_known_parameters(tmp_path: Path) -> None:
    targets = read_targets(_targets(tmp_path))
    sc = load_scenario(_scenario(tmp_path))  # starts far from the truth: 1,000 arrivals, low 0.4
    res = calibrate(sc, targets, max_evals=60)
    assert res.fitted["dynamics.arrivals.per_year"] == pytest.approx(TRUTH["per_year"], rel=0.1)
    assert res.fitted["dynamics.application.low"] == pytest.approx(TRUTH["low"], abs=0.05)
    fit = res.table[~res.table["held_out"]]
    assert (fit["error_units"].abs() < 2).all()
    held = res.table[res.table["held_out"]]
    assert len(held) == 1 and held["simulated"].notna().all()
    report = res.report()
    assert report["held_out"][0]["target"] == "2023 cutoff" and len(report["parameters"]) == 2


def test_targets_validation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("targets: [{year: 2020, metric: lines, value: 1}]\n", encoding="utf-8")
    with pytest.raises(TargetsError, match="metric"):
        read_targets(bad)
    csv = tmp_path / "t.csv"
    csv.write_text("year,metric,value,held_out\n2020,cutoff,90.5,no\n2021,cutoff,92,yes\n", encoding="utf-8")
    t = read_targets(csv)
    assert isinstance(t, Targets) and [x.held_out for x in t.targets] == [False, True]
    with pytest.raises(TargetsError, match="not found"):
        read_targets(tmp_path / "missing.yaml")


def test_replace_blocks_keeps_comments() -> None:
    text = "# keep me\nid: a\ndynamics:\n  arrivals: {per_year: 1}\n# and me\nhorizon: 2\n"
    out = replace_blocks(text, {"dynamics": {"arrivals": {"per_year": 5}}, "calibration": {"x": 1}})
    assert out.startswith("# keep me\nid: a\ndynamics:\n  arrivals:\n    per_year: 5\n# and me\nhorizon: 2\n")
    assert yaml.safe_load(out)["calibration"] == {"x": 1}


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scoring", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


@pytest.mark.parametrize(("content", "needle"), [
    ("targets: [{year: 1990, metric: cutoff, value: 90}]\nparameters: "
     "[{path: dynamics.arrivals.per_year, low: 1, high: 2}]\n", "not simulated"),
    ("targets: [{year: 2020, metric: cutoff, value: 90}]\n", "parameters"),
    ("targets: [{year: 2020, metric: cutoff, value: 90}]\nparameters: [{path: horizon, low: 1, high: 2}]\n",
     "不能拟合"),
    ("[1, 2]\n", "须为 YAML 映射"),  # worded in Chinese (the default --lang)
    ("targets: [{year: 2020, metric: cutoff, value: 90}]\nparameters: "
     "[{path: dynamics.arrivals.per_year, low: 1, high: 2}]\nfixed: {dynamics.arrivals.per_year: 3}\n",
     "同时也是要拟合的参数"),
    ("targets: [{year: 2020, metric: cutoff, value: 90}]\nparameters: "
     "[{path: dynamics.arrivals.per_year, low: 1, high: 2}]\nfixed: {burn_in.stock: 3}\n", "不能设定"),
])
def test_cli_bad_targets_exit_2(tmp_path: Path, content: str, needle: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(content, encoding="utf-8")
    proc = _cli("calibrate", str(_scenario(tmp_path)), "--targets", str(bad), "--out", str(tmp_path / "o"))
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误：") and needle in lines[0]


def test_cli_writes_fit(tmp_path: Path) -> None:
    targets = _targets(tmp_path)
    out = tmp_path / "o"
    proc = _cli("calibrate", str(_scenario(tmp_path)), "--targets", str(targets), "--out", str(out), "--json",
                "--max-evals", "8")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["evaluations"] <= 8 and "objective" in proc.stderr
    fitted = load_scenario(out / "scenario.yaml")
    assert fitted.spec.calibration is not None and fitted.spec.calibration["targets"] == str(targets)
    assert (out / "fit.csv").exists() and (out / "parameters.csv").exists()


def test_fixed_values_are_used_not_fitted(tmp_path: Path) -> None:
    """``fixed:`` sets a value for the whole fit: the run uses it, the report and the written scenario record it."""
    data = yaml.safe_load(_targets(tmp_path).read_text(encoding="utf-8"))
    data["parameters"] = data["parameters"][:1]
    data["fixed"] = {"dynamics.application.low": TRUTH["low"]}
    path = tmp_path / "fixed.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    sc = load_scenario(_scenario(tmp_path))  # the scenario's own low is 0.4; fixed at the truth, 0.15
    res = calibrate(sc, read_targets(path), max_evals=30)
    assert set(res.fitted) == {"dynamics.arrivals.per_year"} and res.report()["fixed"] == data["fixed"]
    assert res.fitted["dynamics.arrivals.per_year"] == pytest.approx(TRUTH["per_year"], rel=0.1)
    out = tmp_path / "o"
    proc = _cli("calibrate", str(_scenario(tmp_path)), "--targets", str(path), "--out", str(out), "--max-evals", "3")
    assert proc.returncode == 0, proc.stderr
    written = load_scenario(out / "scenario.yaml")
    assert written.spec.dynamics.application.low == TRUTH["low"]
    assert written.spec.calibration["fixed"] == data["fixed"]


def test_a_combination_the_model_refuses_is_never_the_fit(tmp_path: Path) -> None:
    """Bounds that allow low above high (0.9 in the scenario): such points get no run, and the fit is a valid one."""
    data = yaml.safe_load(_targets(tmp_path).read_text(encoding="utf-8"))
    data["parameters"] = [{"path": "dynamics.application.low", "low": 0.0, "high": 1.0, "start": 0.95}]
    path = tmp_path / "wide.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    res = calibrate(load_scenario(_scenario(tmp_path)), read_targets(path), max_evals=6)
    assert res.fitted["dynamics.application.low"] <= 0.9 and res.objective < 1e12
