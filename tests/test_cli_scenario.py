"""``python -m scoring run`` / ``compare``: results folder, JSON, exit 2 on bad input, nothing half-written."""

from __future__ import annotations

import json
import os
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
    ({"overrides": {"items.insurence.cap": 3}}, "现有的 id：education, age, insurance, residence"),
    ({"admission": {"mode": "quota", "quota": 40, "schedule": {"quota": [1, 2]}}}, "模拟期为 3 年"),
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


@pytest.mark.parametrize("sid", ["/tmp/elsewhere", "../../up", "a/b", "line\nbreak", "..", "C:x", "_hidden"])
def test_a_scenario_id_that_is_not_a_name_is_refused_before_anything_is_written(tmp_path: Path, sid: str) -> None:
    """The id names the results folder (out/ID) and compare's tables (ID__yearly.csv): a probe's scenario with
    id /tmp/probe/victim made ``run`` replace that folder, and ``compare`` wrote its tables into / . Refused with
    exit 2 in the user's language, before any run; nothing is written."""
    work = tmp_path / "work"
    work.mkdir()
    path = _scenario(tmp_path, "s.yaml")
    path.write_text(path.read_text(encoding="utf-8").replace("id: s", f"id: {json.dumps(sid)}"), encoding="utf-8")
    for cmd in (["run", str(path)], ["compare", str(path), str(_scenario(tmp_path, "b.yaml"))]):
        for lang, words in (("zh", "不是名称"), ("en", "not a name")):
            proc = subprocess.run([sys.executable, "-m", "scoring", *cmd, "--no-progress", "--lang", lang], cwd=work,
                                  capture_output=True, text=True, timeout=300)
            assert proc.returncode == 2 and words in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, \
                proc.stderr
    assert list(work.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["b.yaml", "s.yaml", "work"]


def test_a_results_folder_replaces_only_an_earlier_result(tmp_path: Path) -> None:
    """``--out`` may name a new folder or an earlier run's results (replaced whole); a folder holding anything else
    (another file, a subfolder) is refused with exit 2 before the run and left as it was."""
    scenario = _scenario(tmp_path)
    out = tmp_path / "res"
    for _ in range(2):  # an earlier result is replaced
        assert _cli("run", str(scenario), "--out", str(out), "--no-progress").returncode == 0
    mask = os.umask(0)
    os.umask(mask)
    assert (out / "summary.json").is_file() and (out.stat().st_mode & 0o777) == 0o777 & ~mask  # as mkdir makes it
    mine = tmp_path / "mine"
    (mine / "sub").mkdir(parents=True)
    (mine / "precious.txt").write_text("keep", encoding="utf-8")
    for lang, words in (("zh", "不是某次运行的结果"), ("en", "is not the results of a run")):
        proc = _cli("run", str(scenario), "--out", str(mine), "--no-progress", "--lang", lang)
        assert proc.returncode == 2 and words in proc.stderr and "precious.txt" in proc.stderr, proc.stderr
    assert sorted(p.name for p in mine.iterdir()) == ["precious.txt", "sub"]
    assert (mine / "precious.txt").read_text(encoding="utf-8") == "keep"
    (out / "notes.txt").write_text("mine now", encoding="utf-8")  # a result the user added to: kept too
    assert _cli("compare", str(scenario), str(scenario), "--out", str(out), "--no-progress").returncode == 2
    assert (out / "notes.txt").is_file()


def test_a_link_given_as_the_results_folder_is_refused_as_a_link(tmp_path: Path) -> None:
    """A link (to a folder or a file) is refused, and said to be a link, not "a file"; what it points to stays."""
    scenario = _scenario(tmp_path)
    target = tmp_path / "target"
    target.mkdir()
    (target / "summary.json").write_text("{}", encoding="utf-8")  # even a results folder: the link is not replaced
    (tmp_path / "a-file.txt").write_text("keep", encoding="utf-8")
    (tmp_path / "to-folder").symlink_to(target, target_is_directory=True)
    (tmp_path / "to-file").symlink_to(tmp_path / "a-file.txt")
    said = {"zh": ("：是一个链接，不是结果文件夹；--out 应为结果文件夹本身", "：是一个文件；"),
            "en": (": is a link, not a results folder; --out names the results folder itself", ": is a file;")}
    for name in ("to-folder", "to-file", "a-file.txt"):
        for lang, (link, file) in said.items():
            proc = _cli("run", str(scenario), "--out", str(tmp_path / name), "--no-progress", "--lang", lang)
            assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
            assert (link if name.startswith("to-") else file) in proc.stderr, proc.stderr
    assert [p.name for p in target.iterdir()] == ["summary.json"]
    assert (tmp_path / "a-file.txt").read_text(encoding="utf-8") == "keep" and (tmp_path / "to-folder").is_symlink()
