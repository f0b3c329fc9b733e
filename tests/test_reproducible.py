"""The reproducibility promise (README): the same inputs and seed give byte-identical outputs of ``synth``, ``run``
and ``tune`` on the same machine, here also across thread counts (the default against one BLAS and one numba
thread). Each command runs twice, into two folders, and every file is compared byte for byte."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SCHEME = ROOT / "scenarios" / "schemes" / "hangzhou-2023-illustrative.yaml"
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    r = subprocess.run([sys.executable, "-m", "scoring", *args], cwd=ROOT, capture_output=True, text=True,
                       timeout=300, env={**os.environ, **env})
    assert r.returncode == 0, r.stderr
    return r


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _assert_same_bytes(a: Path, b: Path) -> None:
    fa, fb = _files(a), _files(b)
    assert fa and sorted(fa) == sorted(fb)
    differ = [name for name in fa if fa[name] != fb[name]]
    assert not differ, f"not byte-identical: {differ}"


def _twice(tmp: Path, make: object) -> tuple[Path, Path]:
    """Run ``make(folder, env)`` into two folders: default threads, then one thread."""
    a, b = tmp / "a", tmp / "b"
    for folder, env in ((a, {}), (b, ONE_THREAD)):
        folder.mkdir()
        make(folder, env)  # type: ignore[operator]
    return a, b


def test_synth_is_byte_identical(tmp_path: Path) -> None:
    def make(folder: Path, env: dict[str, str]) -> None:  # the three formats from one process (one start-up)
        code = ("import sys; from scoring.cli import main; "
                "sys.exit(max(main(['synth', '--n', '3000', '--seed', '11', '--out', f'{sys.argv[1]}/pop.{ext}', "
                "'--quiet']) for ext in ('parquet', 'csv', 'xlsx')))")
        r = subprocess.run([sys.executable, "-c", code, str(folder)], cwd=ROOT, capture_output=True, text=True,
                           timeout=300, env={**os.environ, **env})
        assert r.returncode == 0, r.stderr

    _assert_same_bytes(*_twice(tmp_path, make))


def test_run_results_folder_is_byte_identical(tmp_path: Path) -> None:
    scenario = tmp_path / "small.yaml"
    scenario.write_text(yaml.safe_dump({
        "id": "small", "scheme": str(SCHEME), "population": {"synth": {"n": 3000, "seed": 4}}, "horizon": 3,
        "admission": {"mode": "quota", "quota": 120}, "dynamics": {"arrivals": {"per_year": 300}}}), encoding="utf-8")

    def make(folder: Path, env: dict[str, str]) -> None:
        _cli(env, "run", str(scenario), "--out", str(folder / "res"), "--no-progress")

    a, b = _twice(tmp_path, make)
    names = _files(a / "res")
    assert {"summary.json", "report.html", "yearly.csv", "yearly.parquet"} <= set(names)
    assert b"/a/" not in names["summary.json"]  # no output path inside the folder
    _assert_same_bytes(a, b)


def test_tune_is_byte_identical(tmp_path: Path) -> None:
    payloads = []

    def make(folder: Path, env: dict[str, str]) -> None:
        r = _cli(env, "tune", str(SCHEME), "--synth", "5000", "--seed", "2", "--min-share", "0", "--measure",
                 "decisive", "--target-admitted", "800000:880000", "--out", str(folder / "new.yaml"), "--json")
        payload = json.loads(r.stdout)
        assert payload["status"] == "ok" and payload["evaluations"] > 1, payload["message"]  # the search ran
        for key in ("seconds", "written"):  # the time taken and the path given differ by nature
            payload.pop(key)
        payloads.append(payload)

    _assert_same_bytes(*_twice(tmp_path, make))
    assert payloads[0] == payloads[1]
