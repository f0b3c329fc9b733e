"""The core commands as a user runs them: check-scheme, score, admit (exit codes, JSON, rejected rows)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from popgen import make_population
from popgen_crs import make_crs_population

import scoring

ROOT = Path(__file__).resolve().parent.parent
SCHEMES = ROOT / "scenarios" / "schemes"
BEIJING = str(SCHEMES / "beijing-2020.yaml")
HZ22 = str(SCHEMES / "hangzhou-2022-illustrative.yaml")
HZ23 = str(SCHEMES / "hangzhou-2023-illustrative.yaml")


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "scoring", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300, env=env)


@pytest.fixture(scope="module")
def pop_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("cli")
    pop = make_population(3000, seed=11)
    paths = {"parquet": folder / "pop.parquet", "csv": folder / "pop.csv"}
    pop.to_parquet(paths["parquet"], index=False)
    pop.to_csv(paths["csv"], index=False)
    bad = pop.copy()
    bad["insurance_years"] = bad["insurance_years"].astype("float64")
    bad.loc[4, "insurance_years"] = np.nan
    bad.loc[7, "age"] = 250
    paths["bad"] = folder / "bad.csv"
    bad.to_csv(paths["bad"], index=False)
    ids = pop.head(50).copy()
    ids["phone"] = [f"139{i:08d}" for i in range(50)]
    paths["ids"] = folder / "ids.csv"
    ids.to_csv(paths["ids"], index=False)
    paths["folder"] = folder
    return paths


def test_admit_json_matches_library(pop_files: dict[str, Path]) -> None:
    proc = run("admit", "--scheme", BEIJING, "--population", str(pop_files["parquet"]), "--quota", "250", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    for key in ("eligible", "admitted", "cutoff", "tied_at_cutoff", "decided_by_tiebreak", "dominance",
                "rows_in", "scored", "rejected"):
        assert key in out
    res = scoring.score(scoring.load_population(pop_files["parquet"]), scoring.load_scheme(BEIJING))
    adm = scoring.admit(res, quota=250)
    assert out["admitted"] == adm.admitted_count
    assert out["cutoff"] == adm.cutoff
    assert out["tied_at_cutoff"] == adm.tied_at_cutoff
    assert out["rows_in"] == out["scored"] == 3000 and out["rejected"] == 0
    assert out["scheme"]["status"] == "official" and "beijing-2020" in out["scheme"]["stamp"]
    assert set(out["dominance"]["passed"]) == {"design", "realised", "decisive"}


def test_score_writes_output_with_stamp(pop_files: dict[str, Path]) -> None:
    out_path = pop_files["folder"] / "scores.parquet"
    proc = run("score", "--scheme", HZ23, "--population", str(pop_files["csv"]), "--out", str(out_path), "--json")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    table = pd.read_parquet(out_path)
    assert len(table) == summary["scored"] == 3000
    items = [i.id for i in scoring.load_scheme(HZ23).items]
    assert np.allclose(table[items].sum(axis=1), table["total"])
    assert table["stamp"].astype(str).str.contains("示意").all()


def test_invalid_rows_stop_the_run_with_exit_2(pop_files: dict[str, Path]) -> None:
    proc = run("admit", "--scheme", BEIJING, "--population", str(pop_files["bad"]), "--quota", "10")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    line = proc.stderr.strip().splitlines()
    assert len(line) == 1 and "第 5 行" in line[0] and "第 8 行" in line[0]  # Chinese by default
    proc = run("admit", "--scheme", BEIJING, "--population", str(pop_files["bad"]), "--quota", "10", "--lang", "en")
    line = proc.stderr.strip().splitlines()
    assert len(line) == 1 and "row 5" in line[0] and "row 8" in line[0]


def test_skip_invalid_accounts_for_every_row(pop_files: dict[str, Path]) -> None:
    out_path = pop_files["folder"] / "admitted.csv"
    proc = run("admit", "--scheme", BEIJING, "--population", str(pop_files["bad"]), "--quota", "10",
               "--skip-invalid", "--out", str(out_path), "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["rows_in"] == 3000 and out["rejected"] == 2 and out["scored"] == 2998
    rejected = pd.read_csv(out["rejected_out"])
    assert sorted(rejected["row"].unique()) == [5, 8]
    assert set(rejected["column"]) == {"insurance_years", "age"}
    assert len(pd.read_csv(out_path)) == 2998


def test_the_output_and_its_rejected_rows_are_a_pair(pop_files: dict[str, Path]) -> None:
    """A run with rejected rows writes NAME.rejected.csv beside --out; a later run without any removes it, so the
    file beside an output is never an older run's."""
    out_path = pop_files["folder"] / "pair.csv"
    rejected = pop_files["folder"] / "pair.rejected.csv"
    proc = run("score", "--scheme", BEIJING, "--population", str(pop_files["bad"]), "--skip-invalid",
               "--out", str(out_path), "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["rejected_out"] == str(rejected) and len(pd.read_csv(rejected)) == 2
    proc = run("score", "--scheme", BEIJING, "--population", str(pop_files["csv"]), "--skip-invalid",
               "--out", str(out_path), "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["rejected"] == 0 and "rejected_out" not in out
    assert not rejected.exists() and len(pd.read_csv(out_path)) == 3000


def test_identifiers_refused_unless_dropped(pop_files: dict[str, Path]) -> None:
    proc = run("score", "--scheme", BEIJING, "--population", str(pop_files["ids"]), "--out",
               str(pop_files["folder"] / "x.csv"))
    assert proc.returncode == 2 and "phone" in proc.stderr
    out_path = pop_files["folder"] / "y.csv"
    proc = run("score", "--scheme", BEIJING, "--population", str(pop_files["ids"]), "--out", str(out_path),
               "--drop-identifiers", "--json")
    assert proc.returncode == 0, proc.stderr
    assert "phone" in json.loads(proc.stdout)["dropped_identifiers"]
    assert "phone" not in pd.read_csv(out_path).columns


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["admit", "--scheme", BEIJING, "--quota", "-1"], "负数"),
        (["admit", "--scheme", BEIJING, "--quota", "-1", "--lang", "en"], "negative"),
        (["admit", "--scheme", "missing.yaml"], "找不到方案文件"),
        (["admit", "--scheme", "missing.yaml", "--lang", "en"], "not found"),
        (["admit", "--scheme", HZ22, "--ties", "insurance_years:sideways"], "asc（升序）或 desc（降序）"),
        (["admit", "--scheme", BEIJING, "--ties", "no_such_column:desc", "--quota", "5"], "no_such_column"),
        (["score", "--scheme", BEIJING, "--out", "scores.txt", "--lang", "en"], "unknown output type"),
        (["score", "--scheme", BEIJING, "--out", "scores.txt"], "未知的输出类型"),
        (["check-scheme", str(ROOT / "README.md")], "README.md"),
    ],
)
def test_user_mistakes_exit_2_with_one_line(pop_files: dict[str, Path], args: list[str], needle: str) -> None:
    if "--population" not in args and args[0] != "check-scheme":
        args = [*args, "--population", str(pop_files["parquet"])]
    proc = run(*args, cwd=pop_files["folder"])
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert needle in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_missing_scheme_column_is_a_clear_error(pop_files: dict[str, Path]) -> None:
    pop = make_population(100, seed=1).drop(columns=["outside_core_years"])
    path = pop_files["folder"] / "short.parquet"
    pop.to_parquet(path, index=False)
    proc = run("score", "--scheme", BEIJING, "--population", str(path), "--out", str(pop_files["folder"] / "s.csv"))
    assert proc.returncode == 2
    assert "outside_core_years" in proc.stderr and "location" in proc.stderr


def test_check_scheme_reports_three_measures_on_builtin_population() -> None:
    proc = run("check-scheme", HZ23, "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["valid"] is True
    dom = out["dominance"]
    assert all(dom["passed"][m] for m in ("design", "realised", "decisive"))
    assert any("illustrative" in w for w in out["warnings"])
    assert out["design_note"] is None  # no sections, no conditional caps: the design share is exact


@pytest.mark.parametrize(("lang", "needle"), [("en", "design share is approximate"), ("zh", "设计占比为近似值")])
def test_check_scheme_says_the_design_share_is_approximate_for_sections(tmp_path: Path, lang: str,
                                                                       needle: str) -> None:
    """CRS has a section (within) and a conditional cap, which the design share does not apply: one line says so,
    in the text and in --json."""
    pop = tmp_path / "crs.parquet"
    make_crs_population(300, 1).to_parquet(pop, index=False)
    crs = str(ROOT / "scenarios/schemes/canada-crs-2025.yaml")
    text = run("check-scheme", crs, "--population", str(pop), "--lang", lang)
    assert text.returncode == 0, text.stderr
    assert sum(needle in line for line in text.stdout.splitlines()) == 1
    out = json.loads(run("check-scheme", crs, "--population", str(pop), "--json").stdout)
    assert "section caps" in out["design_note"] and "conditional caps" in out["design_note"]


def test_check_scheme_invalid_scheme_json(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nversion: 1\ntitle: X\nstatus: draft\nitems:\n  - {id: a, kind: flag, column: c, "
                   "points: 1, cap: -1}\n", encoding="utf-8")
    proc = run("check-scheme", str(bad), "--json")
    assert proc.returncode == 2
    out = json.loads(proc.stdout)
    assert out["valid"] is False and "id=a" in out["errors"][0]


@pytest.mark.parametrize("sample", ["sample_extract_gb18030.csv", "sample_extract.xlsx"])
def test_sample_files_round_trip_through_every_command(tmp_path: Path, sample: str) -> None:
    path = str(ROOT / "data" / sample)
    proc = run("check-scheme", HZ23, "--population", path, "--json")
    assert proc.returncode == 0, proc.stderr
    proc = run("score", "--scheme", HZ23, "--population", path, "--out", str(tmp_path / "s.xlsx"), "--json")
    assert proc.returncode == 0, proc.stderr
    scored = json.loads(proc.stdout)
    assert scored["rows_in"] == scored["scored"] + scored["rejected"]
    assert len(pd.read_excel(tmp_path / "s.xlsx")) == scored["scored"]
    proc = run("admit", "--scheme", HZ22, "--population", path, "--quota", "20", "--json")
    assert proc.returncode == 0, proc.stderr
    admitted = json.loads(proc.stdout)
    assert admitted["admitted"] == 20  # the tie chain ends in a lottery: the quota is exact


def test_text_output_follows_the_language(pop_files: dict[str, Path]) -> None:
    base = ["admit", "--scheme", BEIJING, "--population", str(pop_files["bad"]), "--quota", "40", "--skip-invalid"]
    zh = run(*base)
    en = run(*base, "--lang", "en")
    assert zh.returncode == en.returncode == 0, zh.stderr + en.stderr
    assert "获准落户" in zh.stdout and "拒收" in zh.stdout and "admitted" not in zh.stdout
    assert "admitted" in en.stdout and "获准" not in en.stdout
    assert "--out" in zh.stdout  # the rejected rows were not written: say how to get them


def test_quota_above_the_eligible_says_no_line_decides(pop_files: dict[str, Path]) -> None:
    proc = run("admit", "--scheme", BEIJING, "--population", str(pop_files["parquet"]), "--quota", "100000", "--json",
               "--lang", "en")
    out = json.loads(proc.stdout)
    assert out["admitted"] == out["eligible"]
    assert any("no line decides" in w for w in out["dominance"]["warnings"])


def test_hints_for_near_misses(pop_files: dict[str, Path]) -> None:
    proc = run("admit", "--scheme", BEIJING, "--population", str(pop_files["parquet"]), "--ties", "admitall",
               "--quota", "5")
    assert proc.returncode == 2 and "did you mean 'admit_all'" in proc.stderr
    proc = run("run", BEIJING)
    assert proc.returncode == 2 and "不是情景" in proc.stderr
