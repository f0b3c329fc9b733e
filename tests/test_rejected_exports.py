"""``NAME.rejected.csv`` as the user reads it, the same from every engine (new-user trial, CLI data path): the
``column`` of each rejected row is the header as the file writes it (社保年限, not insurance_years), and the in-memory,
chunked and Dask engines write the same bytes for the same input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scoring.cli import main
from scoring.population.synthetic import synth

ROOT = Path(__file__).resolve().parent.parent
SCHEME = str(ROOT / "scenarios" / "schemes" / "hangzhou-2023-illustrative.yaml")
N, CHUNK = 2_000, "500"
HEADERS = {"person_id": "人员编号", "insurance_years": "社保年限", "education": "学历", "age": "年龄"}


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Chinese aliases for the headers; bad rows in several partitions: repeated ids (one across partitions), a
    missing and an out-of-range number, an unknown category."""
    pop = synth(N, 4).astype({"person_id": object, "education": object})
    pop.loc[[0, 1_401, 1_999], "person_id"] = "-3"
    pop.loc[[400, 1_500], "person_id"] = "=1+2"
    pop.loc[20, "insurance_years"] = np.nan
    pop.loc[900, "insurance_years"] = 200.0
    pop.loc[[700, 701], "education"] = ["=HYPERLINK(1)", "-x"]
    path = tmp_path_factory.mktemp("rejected_exports") / "pop.parquet"
    pop.rename(columns=HEADERS).to_parquet(path, index=False, row_group_size=500)
    return path


def _engine(engine: str, client: object) -> list[str]:
    if engine == "dask":
        return ["--scheduler", client.scheduler.address, "--chunk-rows", CHUNK]  # type: ignore[attr-defined]
    return ["--engine", engine] + (["--chunk-rows", CHUNK] if engine == "chunked" else [])


def _rejected(population: Path, out: Path, lang: str, engine: list[str], capsys: pytest.CaptureFixture[str]) -> bytes:
    assert main(["admit", "--scheme", SCHEME, "--population", str(population), "--quota", "100", "--skip-invalid",
                 "--out", str(out), "--lang", lang, *engine]) == 0
    capsys.readouterr()
    return (out.parent / f"{out.stem}.rejected.csv").read_bytes()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_rejected_rows_name_the_files_headers_identically_in_every_engine(
        population: Path, client: object, tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str) -> None:
    got = {engine: _rejected(population, tmp_path / f"{engine}.csv", lang, _engine(engine, client), capsys)
           for engine in ("memory", "chunked", "dask")}
    assert got["chunked"] == got["memory"] and got["dask"] == got["memory"]
    table = pd.read_csv(tmp_path / "memory.rejected.csv", encoding="utf-8-sig", dtype=str)
    assert table["row"].astype(int).tolist() == [1, 21, 401, 701, 702, 901, 1402, 1501, 2000]
    assert set(table["column"]) == {"人员编号", "社保年限", "学历"}  # as the file's header writes them
    assert not set(table["column"]) & set(HEADERS)


# Ids a spreadsheet would run as a formula or change (a number, date, time, percentage, amount, fraction, boolean,
# a 14-digit number shown as 1.23457E+13, full-width digits), and ones it shows as written (rows 3.. of the file).
CHANGED = ["-3", "1E+3", "=1+2", "+86", "007", "1e3", "0.50", "@x", "1/2", "3-4", "2023-01-05", "1-Jan", "Mar-5",
           "SEP1", "jan5", "1:30", "50%", "$5", "(5)", "1,000", "1 1/2", "TRUE", "false", "12345678901234",
           "１２", "A-1"]
SHOWN = ["10001", "12345678901", "P0000001x", "A12345", "March", "社保"]
IDS = dict(enumerate(CHANGED + SHOWN, start=3))
SAFE = {**{pid: "'" + pid for pid in CHANGED}, **{pid: pid for pid in SHOWN}}


@pytest.fixture(scope="module")
def number_ids(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Person ids that look like numbers or formulas, in kept rows and in rejected ones (repeated, bad values)."""
    pop = synth(N, 6).astype({"person_id": object})
    for row, pid in IDS.items():
        pop.loc[row, "person_id"] = pid
    pop.loc[1_600, "person_id"] = "-3"  # a repeat across partitions: both rows rejected
    pop.loc[[4, 1_200], "insurance_years"] = np.nan
    path = tmp_path_factory.mktemp("number_ids") / "pop.parquet"
    pop.rename(columns=HEADERS).to_parquet(path, index=False, row_group_size=500)
    return path


def _cells(path: Path) -> list[list[str]]:
    import csv
    import io

    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


def test_number_like_ids_stay_text_in_every_engines_csv(number_ids: Path, client: object, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """Trial finding: an id such as 1E+3, +86 or 007 was written bare (a spreadsheet shows 1000, 86, 7) and -3 as
    a number. In a CSV every id a spreadsheet would not show as written gets the leading apostrophe of the formula
    convention (scoring/safe_output.py), in the result and from every engine; the rejected rows are the same bytes
    from every engine."""
    rejected = {e: _rejected(number_ids, tmp_path / f"{e}.csv", "en", _engine(e, client), capsys)
                for e in ("memory", "chunked", "dask")}
    assert rejected["chunked"] == rejected["memory"] and rejected["dask"] == rejected["memory"]
    ids = {}
    for engine in ("memory", "chunked", "dask"):
        rows = _cells(tmp_path / f"{engine}.csv")
        assert rows[0][0] == "person_id"
        ids[engine] = [r[0] for r in rows[1:]]
    assert ids["chunked"] == ids["memory"] and ids["dask"] == ids["memory"]
    kept = {pid: safe for pid, safe in SAFE.items() if pid not in ("-3", "1E+3")}  # -3 repeated, 1E+3 rejected
    assert ids["memory"][3:3 + len(kept)] == list(kept.values())  # from row 6 of the file (4 and 5 rejected)
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in ids["memory"])
    table = _cells(tmp_path / "memory.rejected.csv")
    assert [r[:2] for r in table[1:]] == [["4", "人员编号"], ["5", "社保年限"], ["1201", "社保年限"],
                                           ["1601", "人员编号"]]


def test_the_text_rule_is_the_same_for_arrow_and_pandas() -> None:
    """The result CSV (in memory: Arrow) and the out-of-core CSVs (pandas) make the same ids safe."""
    import pyarrow as pa

    from scoring.safe_output import CSV_TEXT_COLUMNS, excel_safe_arrow, excel_safe_frame

    values = [*SAFE, None, "P0000001", "0", "1234567890123456", "-1_0", "abc", "", "SEPT12", "Marco", "insurance_years",
              "年龄2", "Ａ1", "x.1", "a b", " 12"]
    arrow = excel_safe_arrow(pa.array(values, pa.large_string()), text=True).to_pylist()
    frame = excel_safe_frame(pd.DataFrame({"person_id": values}), CSV_TEXT_COLUMNS)["person_id"]
    assert [None if pd.isna(v) else v for v in frame] == arrow
    assert arrow[:len(SAFE)] == list(SAFE.values())
    assert arrow[len(SAFE):] == [None, "P0000001", "0", "'1234567890123456", "'-1_0", "abc", "", "'SEPT12", "Marco",
                                 "insurance_years", "'年龄2", "'Ａ1", "'x.1", "'a b", "' 12"]
    coded = excel_safe_arrow(pa.array(values).dictionary_encode(), text=True)  # a dictionary column: the same
    assert coded.to_pylist() == arrow
    plain = excel_safe_frame(pd.DataFrame({"other": values}))["other"].tolist()  # not a text column: as before
    assert plain[:3] == ["-3", "1E+3", "'=1+2"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_refused_rows_name_the_files_headers_on_stderr_too(population: Path, client: object,
                                                           capsys: pytest.CaptureFixture[str], lang: str) -> None:
    """Trial finding: without --skip-invalid the one-line reason named the canonical column (insurance_years /
    社保缴纳年限) where rejected.csv names the header as the file writes it (社保年限): now both name the file's."""
    import re

    for engine in ("memory", "chunked", "dask"):
        code = main(["admit", "--scheme", SCHEME, "--population", str(population), "--quota", "100", "--lang", lang,
                     *_engine(engine, client)])
        line = capsys.readouterr().err.strip().splitlines()[-1]
        assert code == 2, line
        named = re.findall(r"列“(.+?)”" if lang == "zh" else r", column (\S+?):", line)
        assert "社保年限" in named and set(named) <= {"人员编号", "社保年限", "学历"}, (engine, line)
