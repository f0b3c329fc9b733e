"""``python -m scoring`` ends at once after an in-memory ``score``/``admit`` (no interpreter teardown): its output is
complete (stdout, --out files, the rejected rows), its status right, and a refusal or an out-of-core run ends as
usual."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

from scoring.population.synthetic import synth

ROOT = Path(__file__).resolve().parent.parent
SCHEME = str(ROOT / "scenarios" / "schemes" / "beijing-2020.yaml")


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scoring", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=300)


def test_outputs_complete_after_a_quick_exit(tmp_path) -> None:
    pop = synth(3_000, 4)
    pop["age"] = pop["age"].astype("float64")
    pop.loc[5, "age"] = -3  # one rejected row, written beside the output
    path = tmp_path / "pop.parquet"
    pop.to_parquet(path, index=False)
    for fmt in ("parquet", "csv"):
        out = tmp_path / f"adm.{fmt}"
        done = _cli("admit", "--scheme", SCHEME, "--population", str(path), "--quota", "50", "--skip-invalid",
                    "--out", str(out), "--json")
        assert done.returncode == 0, done.stderr
        payload = json.loads(done.stdout)
        assert payload["rows_in"] == 3_000 == payload["scored"] + payload["rejected"]
        table = pd.read_parquet(out) if fmt == "parquet" else pd.read_csv(out, encoding="utf-8-sig")
        assert len(table) == payload["scored"] and int(table["admitted"].sum()) == payload["admitted"]
        rejected = pd.read_csv(Path(payload["rejected_out"]), encoding="utf-8-sig")
        assert len(rejected) == 1
    out = tmp_path / "scores.parquet"
    done = _cli("score", "--scheme", SCHEME, "--population", str(path), "--skip-invalid", "--lang", "en",
                "--out", str(out))
    assert done.returncode == 0 and "scored" in done.stdout, done.stderr
    assert len(pd.read_parquet(out)) == 2_999


def test_a_refusal_still_ends_with_status_2(tmp_path) -> None:
    done = _cli("admit", "--scheme", SCHEME, "--population", str(tmp_path / "missing.parquet"), "--quota", "5")
    assert done.returncode == 2 and done.stderr.startswith("错误："), done.stderr


def test_quick_exit_is_marked_by_the_last_call_only(tmp_path) -> None:
    """In one process (tests, a notebook): a refusal after an in-memory admit is not taken for a quick exit."""
    from scoring.cli import QUICK_EXIT, main

    path = tmp_path / "pop.parquet"
    synth(500, 2).to_parquet(path, index=False)
    assert main(["admit", "--scheme", SCHEME, "--population", str(path), "--quota", "5", "--json"]) == 0
    assert set(QUICK_EXIT) == {"admit"}
    assert main(["admit", "--scheme", SCHEME, "--population", str(tmp_path / "missing.parquet"), "--quota", "5"]) == 2
    assert not QUICK_EXIT
