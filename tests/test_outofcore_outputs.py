"""The out-of-core engines' files and stderr as the in-memory engine's (new-user trial 3, findings 1-3): CSV with
CRLF line ends, so a carriage return in a value stays in its cell; ``NAME.rejected.csv`` paired with ``--out`` (a
run without rejected rows removes an older one, a refused run leaves both as they were); a Dask run prints no
worker traceback, and a refused file only the one-line reason."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from scoring.cli import main
from scoring.outofcore.files import rejected_file
from scoring.population.synthetic import synth

ROOT = Path(__file__).resolve().parent.parent
HZ22 = str(ROOT / "scenarios" / "schemes" / "hangzhou-2022-illustrative.yaml")
N, GROUP, CHUNK = 3_000, 500, "1000"
CR_IDS = {0: "a\rb", 1_234: "=\rq", N - 1: "p\r\rq"}  # the person ids holding a carriage return
BOM = b"\xef\xbb\xbf"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("ooc_outputs")
    good = synth(N, 11)
    good["person_id"] = good["person_id"].astype(object)
    cr = good.copy()
    for row, pid in CR_IDS.items():
        cr.loc[row, "person_id"] = pid
    bad = good.copy()
    bad["age"] = bad["age"].astype("int16")
    bad.loc[[10, 2_500], "age"] = -3
    dup = bad.copy()
    dup.loc[9, "person_id"] = dup.loc[8, "person_id"]  # a repeat within a partition (a task needs the facts)
    dup.loc[2_000, "person_id"] = dup.loc[5, "person_id"]  # and one across partitions
    paths = {"folder": folder}
    for name, frame in (("good", good), ("cr", cr), ("bad", bad), ("dup", dup)):
        paths[name] = folder / f"{name}.parquet"
        frame.to_parquet(paths[name], row_group_size=GROUP)
    return paths


def _engine(engine: str, client: object) -> list[str]:
    if engine == "dask":
        return ["--scheduler", client.scheduler.address, "--chunk-rows", CHUNK]  # type: ignore[attr-defined]
    return ["--engine", engine] + (["--chunk-rows", CHUNK] if engine == "chunked" else [])


def _admit(capsys: pytest.CaptureFixture[str], population: Path, out: Path, *args: str) -> tuple[int, dict]:
    capsys.readouterr()
    code = main(["admit", "--scheme", HZ22, "--population", str(population), "--quota", "300", "--json",
                 "--lang", "en", "--out", str(out), *args])
    text = capsys.readouterr().out
    return code, json.loads(text) if code == 0 else {}


def _rows(path: Path) -> list[list[str]]:
    """The records of a CSV file as the ``csv`` module reads them (a spreadsheet's reading)."""
    raw = path.read_bytes()
    assert raw.startswith(BOM)
    return list(csv.reader(io.StringIO(raw[len(BOM):].decode("utf-8"), newline="")))


@pytest.mark.parametrize("engine", ["chunked", "dask"])
def test_a_carriage_return_stays_in_its_cell(engine: str, files: dict[str, Path], client: object,
                                            capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Ids holding a bare CR: the out-of-core CSV has N records, each id intact (the in-memory file's), and CRLF
    line ends as the in-memory file has (RFC 4180)."""
    mem, ooc = tmp_path / "mem.csv", tmp_path / "ooc.csv"
    assert _admit(capsys, files["cr"], mem, "--engine", "memory")[0] == 0
    code, got = _admit(capsys, files["cr"], ooc, *_engine(engine, client))
    assert code == 0 and got["rows_in"] == N
    expected, rows = _rows(mem), _rows(ooc)
    assert len(rows) == len(expected) == N + 1 and rows[0] == expected[0]
    col = rows[0].index("person_id")
    ids = [r[col] for r in rows[1:]]
    assert ids == [r[col] for r in expected[1:]]
    assert [ids[row] for row in CR_IDS] == ["'a\rb", "'=\rq", "'p\r\rq"]  # a CR: not shown as written, kept
    assert {len(r) for r in rows} == {len(rows[0])}
    for path in (mem, ooc):  # every line ends CRLF (no value here holds a line feed)
        raw = path.read_bytes()
        assert raw.count(b"\n") == raw.count(b"\r\n") == N + 1
    pd.testing.assert_frame_equal(pd.read_csv(ooc), pd.read_csv(mem), check_dtype=False)


@pytest.mark.parametrize("engine", ["chunked", "dask"])
@pytest.mark.parametrize("name", ["good", "cr", "bad"])
def test_the_result_csv_is_the_in_memory_engines_byte_for_byte(engine: str, name: str, files: dict[str, Path],
                                                               client: object, capsys: pytest.CaptureFixture[str],
                                                               tmp_path: Path) -> None:
    """Every field quoted, numbers written alike, CRLF: the same file from each engine (rejected rows left aside)."""
    mem, ooc = tmp_path / "mem.csv", tmp_path / "ooc.csv"
    assert _admit(capsys, files[name], mem, "--engine", "memory", "--skip-invalid")[0] == 0
    assert _admit(capsys, files[name], ooc, *_engine(engine, client), "--skip-invalid")[0] == 0
    assert ooc.read_bytes() == mem.read_bytes()


def test_the_rejected_rows_writer_keeps_a_carriage_return_in_its_cell(tmp_path: Path) -> None:
    """The rejected-rows CSV of the out-of-core engines: a CR in a value is quoted; a value starting with one is
    made Excel-safe; a run without rows writes no file and removes an older one."""
    target = tmp_path / "r.rejected.csv"
    lines = pd.DataFrame({"row": [3, 7], "column": ["person_id", "age"], "reason": ["a\rb", "\rq"]})
    with rejected_file(target) as rejected:
        rejected.writer().write(lines)
    assert _rows(target) == [["row", "column", "reason"], ["3", "person_id", "a\rb"], ["7", "age", "'\rq"]]
    with rejected_file(target) as rejected:
        rejected.writer().write(lines.iloc[:0])
    assert not target.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("engine", ["memory", "chunked", "dask"])
def test_the_rejected_rows_are_the_outputs_own(engine: str, files: dict[str, Path], client: object,
                                              capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """The same --out twice, a file with bad rows (--skip-invalid) and then a clean file: the rejected rows of the
    first run are removed, as the in-memory engine removes them; a refused run leaves the pair as it was."""
    out, rejected = tmp_path / "st.csv", tmp_path / "st.rejected.csv"
    reference = tmp_path / "ref.csv"
    assert _admit(capsys, files["bad"], reference, "--skip-invalid", "--engine", "memory")[0] == 0
    expected = pd.read_csv(tmp_path / "ref.rejected.csv")
    for name in ("ref.csv", "ref.rejected.csv"):
        (tmp_path / name).unlink()

    code, got = _admit(capsys, files["bad"], out, "--skip-invalid", *_engine(engine, client))
    assert code == 0 and got["rejected_out"] == str(rejected)
    assert (got["rows_in"], got["rejected"]) == (N, 2) and got["scored"] == N - 2
    pd.testing.assert_frame_equal(pd.read_csv(rejected), expected)
    stamp = pd.read_csv(out)["stamp"].iloc[0]  # the scheme's stamp, the last column of every line, like the output's
    assert list(expected.columns)[-1] == "stamp" and set(expected["stamp"]) == {stamp} and "hangzhou" in stamp
    before = {p: p.read_bytes() for p in (out, rejected)}

    assert _admit(capsys, files["bad"], out, *_engine(engine, client))[0] == 2  # refused: both files kept
    assert {p: p.read_bytes() for p in (out, rejected)} == before

    code, got = _admit(capsys, files["good"], out, "--skip-invalid", *_engine(engine, client))
    assert code == 0 and got["rejected"] == 0 and "rejected_out" not in got
    assert not rejected.exists() and len(pd.read_csv(out)) == N  # no header-only file either

    assert _admit(capsys, files["bad"], out, "--skip-invalid", *_engine(engine, client))[0] == 0
    assert rejected.exists()
    code, got = _admit(capsys, files["good"], out, *_engine(engine, client))  # without --skip-invalid too
    assert code == 0 and "rejected_out" not in got
    assert sorted(p.name for p in tmp_path.iterdir()) == ["st.csv"]  # no temporary file left


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scoring", "admit", "--scheme", HZ22, "--quota", "300", "--lang",
                           "en", "--scheduler", "local", "--chunk-rows", CHUNK, *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)


NOISE = ("Traceback", "Compute Failed", "FactsNeeded", "ERROR", "CancelledError", "Warning", "8787")


@pytest.fixture
def busy_dashboard_port() -> Iterator[None]:
    """Port 8787 (Dask's default HTTP port) held, as another cluster or a notebook's would (already held: as is)."""
    with socket.socket() as sock:
        with contextlib.suppress(OSError):
            sock.bind(("127.0.0.1", 8787))
            sock.listen()
        yield


def test_dask_prints_no_worker_traceback(files: dict[str, Path], tmp_path: Path, busy_dashboard_port: None) -> None:
    """On its own LocalCluster: a successful run with repeated ids (the tasks meet the facts they need) prints no
    worker error, nor a port warning; a refused file prints the one-line reason only."""
    ok = _cli("--population", str(files["dup"]), "--skip-invalid", "--out", str(tmp_path / "d.csv"))
    assert ok.returncode == 0, ok.stderr
    assert not [word for word in NOISE if word in ok.stderr], ok.stderr
    rejected = pd.read_csv(tmp_path / "d.rejected.csv")
    assert sorted(rejected["row"].unique()) == [6, 9, 10, 11, 2_001, 2_501]  # 1-based: two repeats, two bad ages
    refused = _cli("--population", str(files["bad"]), "--out", str(tmp_path / "e.csv"))
    assert refused.returncode == 2
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "11" in lines[0], refused.stderr
