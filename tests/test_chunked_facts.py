"""The chunked engine reads the file once and finds the file-wide facts (repeated ids, identifiers in the columns it
does not read) while it validates; when a fact matters it scans the whole file and runs pass 1 again. Either way the
answers are the in-memory ones: the same rows rejected with the same reasons, the same refusals and errors."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from popgen_crs import make_crs_population

import scoring
from scoring.errors import PopulationError
from scoring.outofcore import chunked
from scoring.population.synthetic import synth

SCHEMES = Path(__file__).resolve().parent.parent / "scenarios" / "schemes"
HANGZHOU = SCHEMES / "hangzhou-2022-illustrative.yaml"
N, GROUP, CHUNK = 12_000, 1_500, 3_000  # 8 row groups, 4 batches of 2 row groups each


@pytest.fixture
def full_scans(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the engine's full scans for the file-wide facts (the slow path)."""
    calls: list[int] = []
    original = chunked.find_facts

    def counted(*a: object, **k: object) -> object:
        calls.append(1)
        return original(*a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(chunked, "find_facts", counted)
    return calls


def bad_rows_file(tmp_path: Path, repeat: bool) -> Path:
    """Invalid values spread over every batch (several row groups each); ``repeat``: an id repeated in another
    batch (not within one, so the batch alone cannot see it)."""
    raw = synth(N, 21)
    raw["age"] = raw["age"].astype("int16")
    raw.loc[[15, 3_100, 7_450, 11_999], "age"] = -4
    raw["education"] = raw["education"].astype(object)
    raw.loc[[1_600, 9_001], "education"] = "tent"
    raw.loc[[40, 6_200], "insurance_years"] = -1.0
    if repeat:
        raw.loc[10_500, "person_id"] = raw.loc[700, "person_id"]
    path = tmp_path / f"bad{int(repeat)}.parquet"
    raw.to_parquet(path, row_group_size=GROUP)
    return path


@pytest.mark.parametrize(("repeat", "scans"), [(False, 0), (True, 1)])
def test_bad_rows_over_row_groups_match_in_memory(tmp_path: Path, full_scans: list[int], repeat: bool,
                                                  scans: int) -> None:
    path = bad_rows_file(tmp_path, repeat)
    scheme = scoring.load_scheme(HANGZHOU)
    load = scoring.read_population(path, skip_invalid=True, columns=scheme.columns())
    res = scoring.score(load.frame, scheme, on_invalid="reject")
    adm = scoring.admit(res, quota=900)
    rej = tmp_path / "rej.csv"
    got = chunked.admit_file_chunked(scheme, path, tmp_path / "o.parquet", chunk_rows=CHUNK, skip_invalid=True,
                                     rejected_path=rej, quota=900).summary()
    assert len(full_scans) == scans  # clean of repeats: one read of the file; a repeat: the scan, then pass 1 again
    assert got["rows_in"] == N == got["scored"] + got["rejected"]
    assert (got["rejected"], got["scored"]) == (load.rows_rejected, res.n)
    assert len({(r - 1) // CHUNK for r in load.rejected["row"]}) == N // CHUNK  # bad rows in every batch
    assert (load.rejected["column"] == "person_id").sum() == 2 * repeat
    assert got["admitted"] == adm.admitted_count and got["cutoff"] == adm.cutoff
    pd.testing.assert_frame_equal(pd.read_csv(rej), load.rejected.reset_index(drop=True), check_dtype=False)
    expected = res.to_frame()
    expected["admitted"] = adm.admitted_mask
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "o.parquet"), expected, check_dtype=False,
                                  check_index_type=False, check_categorical=False)


def test_strict_run_names_the_first_bad_rows_of_the_file(tmp_path: Path, full_scans: list[int]) -> None:
    """The first invalid row of the file is a repeated id whose twin is in a later batch: the batch that holds it
    looks clean on its own, yet the error names it, as reading the whole file does."""
    raw = synth(N, 22)
    raw.loc[100, "person_id"] = raw.loc[9_000, "person_id"]
    raw.loc[4_000, "insurance_years"] = -1.0
    path = tmp_path / "strict.parquet"
    raw.to_parquet(path, row_group_size=GROUP)
    scheme = scoring.load_scheme(HANGZHOU)
    with pytest.raises(PopulationError) as whole:
        scoring.read_population(path, columns=scheme.columns())
    assert "row 101, column person_id" in str(whole.value)
    with pytest.raises(PopulationError, match=r"row 101, column person_id: .* not unique \(rows 101, 9001\)"):
        chunked.admit_file_chunked(scheme, path, tmp_path / "o.parquet", chunk_rows=CHUNK, quota=100)
    assert len(full_scans) == 1 and not (tmp_path / "o.parquet").exists()


def test_identifiers_in_a_column_not_read(tmp_path: Path, full_scans: list[int]) -> None:
    """A phone number in the last row group of a column the scheme never reads: refused with the in-memory message;
    dropped (--drop-identifiers) with the in-memory warning, the rows scored as in memory."""
    raw = synth(N, 23)
    raw["备注"] = "无"
    raw.loc[N - 5, "备注"] = "请联系 139-1234-5678"
    path = tmp_path / "remark.parquet"
    raw.to_parquet(path, row_group_size=GROUP)
    scheme = scoring.load_scheme(HANGZHOU)
    with pytest.raises(PopulationError) as whole:
        scoring.read_population(path, columns=scheme.columns())
    with pytest.raises(PopulationError) as got:
        chunked.admit_file_chunked(scheme, path, chunk_rows=CHUNK, quota=100)
    assert str(got.value) == str(whole.value) and "13912345678" not in str(got.value).replace("-", "")
    load = scoring.read_population(path, columns=scheme.columns(), drop_identifiers=True)
    res = chunked.admit_file_chunked(scheme, path, chunk_rows=CHUNK, quota=100, drop_identifiers=True)
    assert res.summary()["scored"] == len(load.frame) == N
    assert res.warnings == load.warnings and any("备注" in w for w in res.warnings)


def test_a_scheme_with_its_own_inputs_reads_as_in_memory(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    """CRS declares its own columns (age among them): the chunked engine validates with the run's population
    schema, as the in-memory command does."""
    from scoring.cli import main

    pop = tmp_path / "crs.parquet"
    make_crs_population(5_000, 3, holes=True).to_parquet(pop, index=False, row_group_size=1_000)
    common = ["admit", "--scheme", str(SCHEMES / "canada-crs-2025.yaml"), "--population", str(pop), "--quota",
              "300", "--skip-invalid", "--json"]
    assert main([*common, "--out", str(tmp_path / "mem.parquet"), "--engine", "memory"]) == 0
    mem = json.loads(capsys.readouterr().out)
    assert main([*common, "--out", str(tmp_path / "ooc.parquet"), "--engine", "chunked", "--chunk-rows", "2000"]) == 0
    ooc = json.loads(capsys.readouterr().out)
    for key in ("rows_in", "scored", "rejected", "eligible", "admitted", "cutoff", "tied_at_cutoff"):
        assert ooc[key] == mem[key], key
    assert mem["rejected"] > 0
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "ooc.parquet"), pd.read_parquet(tmp_path / "mem.parquet"),
                                  check_dtype=False, check_categorical=False)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "ooc.rejected.csv"),
                                  pd.read_csv(tmp_path / "mem.rejected.csv"), check_dtype=False)


def test_colliding_hashes_of_distinct_ids_are_confirmed_on_the_text(tmp_path: Path, full_scans: list[int],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The id hash reads only the ids' edges: equal hashes are compared on the text (one scan of the id column),
    and distinct ids cost no second pass 1; a real repeat still does."""
    import numpy as np

    import scoring.outofcore.ids as ids

    monkeypatch.setattr(ids, "text_hash", lambda s: np.zeros(len(s), dtype=np.uint64))  # every hash collides
    path = bad_rows_file(tmp_path, repeat=False)
    scheme = scoring.load_scheme(HANGZHOU)
    load = scoring.read_population(path, skip_invalid=True, columns=scheme.columns())
    got = chunked.admit_file_chunked(scheme, path, chunk_rows=CHUNK, skip_invalid=True, quota=900).summary()
    assert len(full_scans) == 0 and got["rejected"] == load.rows_rejected
    path = bad_rows_file(tmp_path, repeat=True)
    load = scoring.read_population(path, skip_invalid=True, columns=scheme.columns())
    got = chunked.admit_file_chunked(scheme, path, chunk_rows=CHUNK, skip_invalid=True, quota=900).summary()
    assert len(full_scans) == 1 and got["rejected"] == load.rows_rejected
