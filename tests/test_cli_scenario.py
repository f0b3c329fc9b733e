"""``python -m scoring run`` / ``compare``: results folder, JSON, exit 2 on bad input, nothing half-written."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SCHEME = ROOT / "scenarios" / "schemes" / "hangzhou-2022-illustrative.yaml"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scoring", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def _scenario(tmp: Path, name: str = "s.yaml", **extra: object) -> Path:
    data = {"id": name.split(".")[0], "scheme": str(SCHEME), "population": {"synth": {"n": 1500, "seed": 2}},
            "horizon": 3, "admission": {"mode": "quota", "quota": 40}, "dynamics": {"arrivals": {"per_year": 100}},
            **extra}
    path = tmp / name
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_run_writes_results_folder(tmp_path: Path) -> None:
    out = tmp_path / "res"
    proc = _cli("run", str(_scenario(tmp_path)), "--out", str(out), "--json")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["stamp"]["en"].endswith("simulation") and summary["scheme"]["status"] == "illustrative"
    for name in ("yearly", "composition", "waiting", "quota_yearly", "cutoff_curve", "item_contributions"):
        csv = pd.read_csv(out / f"{name}.csv")
        parquet = pd.read_parquet(out / f"{name}.parquet")
        assert len(csv) == len(parquet) > 0 and csv["stamp"].str.contains("hangzhou-2022-illustrative").all()
    yearly = pd.read_csv(out / "yearly.csv")
    assert list(yearly["year"]) == [2024, 2025, 2026] and (yearly["admitted"] <= 40 + 10).all()
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "模拟" in html and "simulation" in html and "hangzhou-2022-illustrative" in html
    assert re.search(r"<script[^>]*\ssrc=", html) is None and "Plotly.newPlot" in html  # plotly inlined, no network
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["totals"] == summary["totals"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_compare(tmp_path: Path) -> None:
    a = _scenario(tmp_path, "a.yaml")
    b = _scenario(tmp_path, "b.yaml", admission={"mode": "none"}, recognition={"yrd_insurance": True})
    out = tmp_path / "cmp"
    proc = _cli("compare", str(a), str(b), "--out", str(out), "--json", "--no-quota-question")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["baseline"] == "a" and "b" in summary["impact"]
    t = summary["impact"]["b"]["transitions"]
    assert t["newly_admitted"] - t["newly_excluded"] == summary["impact"]["b"]["counts"]["admitted_change"]
    assert set(pd.read_csv(out / "compare_totals.csv")["scenario"]) == {"a", "b"}
    assert (out / "report.html").exists()


@pytest.mark.parametrize(("extra", "needle"), [
    ({"overrides": {"items.insurence.cap": 3}}, "valid: education, age, insurance, residence"),
    ({"admission": {"mode": "quota", "quota": 40, "schedule": {"quota": [1, 2]}}}, "horizon of 3"),
    ({"dynamics": {"arrivals": {"per_year": -1}}}, "dynamics.arrivals.per_year"),
])
def test_bad_input_exit_2_nothing_written(tmp_path: Path, extra: dict, needle: str) -> None:
    out = tmp_path / "res"
    out.mkdir()
    (out / "keep.txt").write_text("previous results")
    proc = _cli("run", str(_scenario(tmp_path, **extra)), "--out", str(out))
    assert proc.returncode == 2
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("错误：") and needle in last and "Traceback" not in proc.stderr
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["res", "s.yaml"]


def test_population_file_failing_validation_exit_2(tmp_path: Path) -> None:
    pd.DataFrame({"age": [30, 300], "insurance_years": [4, 4], "residence_years": [4, 4],
                  "has_residence_permit": [True, True]}).to_csv(tmp_path / "p.csv", index=False)
    out = tmp_path / "res"
    proc = _cli("run", str(_scenario(tmp_path, population="p.csv")), "--out", str(out))
    assert proc.returncode == 2 and "p.csv" in proc.stderr and not out.exists()


def test_beijing_run_json_reports_year_and_line(tmp_path: Path) -> None:
    """The calibrated Beijing scenario: 2018-2022, the line per year, rising under the fixed quota; real units."""
    proc = _cli("run", str(ROOT / "scenarios" / "beijing-2020-quota.yaml"), "--out", str(tmp_path / "bj"), "--json",
                "--no-quota-question", "--no-progress")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    years = [y["year"] for y in summary["yearly"]]
    lines = [y["cutoff"] for y in summary["yearly"]]
    assert years == [2018, 2019, 2020, 2021, 2022] and lines[-1] > lines[0]
    assert summary["sampling"]["ratio"] == 50 and summary["calibration"]["calibrated"]
    assert all(y["admitted"] >= 6000 for y in summary["yearly"])
