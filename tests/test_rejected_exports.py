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
