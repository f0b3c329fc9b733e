"""The chunked (out-of-core) engine gives exactly the in-memory answers on files several times the chunk size."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scoring
from scoring.errors import PopulationError
from scoring.outofcore.chunked import admit_file_chunked, score_file_chunked
from scoring.outofcore.engine_choice import choose_engine
from scoring.outofcore.stats import Hist
from scoring.population.synthetic import synth

SCHEMES = Path(__file__).resolve().parent.parent / "scenarios" / "schemes"
N, CHUNK = 24_000, 5_000


@pytest.fixture(scope="module")
def pop_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("chunked") / "pop.parquet"
    synth(N, 11).to_parquet(path, row_group_size=4_000)
    return path


def in_memory(path: Path, scheme: scoring.Scheme, skip_invalid: bool = False, **kw: object):
    """The in-memory answers; like the out-of-core engines, only the scheme's columns (and ties') are validated."""
    ties = kw.get("ties")
    cols = [*scheme.columns(), *(t["column"] for t in ties or [] if isinstance(t, dict) and "column" in t)]
    load = scoring.read_population(path, skip_invalid=skip_invalid, columns=cols)
    res = scoring.score(load.frame, scheme, on_invalid="reject" if skip_invalid else "raise")
    adm = scoring.admit(res, **kw)  # type: ignore[arg-type]
    return load, res, adm, scoring.dominance(res, scheme, admitted=adm)


def assert_same_dominance(expected: dict, got: dict) -> None:
    for key, value in expected.items():
        if key in ("decisive", "required_share") and value is not None:
            assert got[key] == pytest.approx(value, rel=1e-9, abs=1e-12), key
        else:
            assert got[key] == value, key


CASES = [
    ("beijing-2020.yaml", {}),
    ("beijing-2020.yaml", {"quota": 1_000, "ties": [{"column": "insurance_years", "order": "desc"}]}),
    ("hangzhou-2022-illustrative.yaml", {"quota": 1_500}),
    ("hangzhou-2022-illustrative.yaml",
     {"quota": 2_000, "ties": [{"column": "education", "order": "desc"}, {"lottery": 99}]}),
    ("hangzhou-2022-illustrative.yaml", {"quota": 2_000, "ties": [{"column": "district"}, {"lottery": 5}]}),
    ("hangzhou-2023-illustrative.yaml", {}),
    ("shanghai-permit.yaml", {"quota": 700, "threshold": 110.0, "ties": "admit_all"}),
]


@pytest.mark.parametrize(("scheme_file", "kw"), CASES)
def test_admit_matches_in_memory(pop_file: Path, tmp_path: Path, scheme_file: str, kw: dict) -> None:
    scheme = scoring.load_scheme(SCHEMES / scheme_file)
    _, res, adm, dom = in_memory(pop_file, scheme, **kw)
    out = tmp_path / "out.parquet"
    got = admit_file_chunked(scheme, pop_file, out, chunk_rows=CHUNK, **kw)  # type: ignore[arg-type]
    summary = got.summary()
    for key, value in {**res.summary(), **adm.summary()}.items():
        assert summary[key] == value, key
    assert_same_dominance(dom.to_dict(), summary["dominance"])
    frame = pd.read_parquet(out)
    expected = res.to_frame()
    expected["admitted"] = adm.admitted_mask
    pd.testing.assert_frame_equal(frame, expected, check_dtype=False, check_index_type=False,
                                  check_categorical=False)


def test_tie_chain_is_exercised(pop_file: Path) -> None:
    """The cases above include a real tie-break decided across batches (else the test would prove little)."""
    scheme = scoring.load_scheme(SCHEMES / "hangzhou-2022-illustrative.yaml")
    got = admit_file_chunked(scheme, pop_file, chunk_rows=CHUNK, quota=2_000,
                             ties=[{"column": "education", "order": "desc"}, {"lottery": 99}]).summary()
    assert got["decided_by_tiebreak"] > 0
    assert got["tied_at_cutoff"] > got["decided_by_tiebreak"]


def test_score_matches_in_memory(pop_file: Path, tmp_path: Path) -> None:
    scheme = scoring.load_scheme(SCHEMES / "hangzhou-2023-illustrative.yaml")
    res = scoring.score(scoring.load_population(pop_file), scheme)
    got = score_file_chunked(scheme, pop_file, tmp_path / "s.parquet", chunk_rows=CHUNK, lang="zh")
    assert {k: got.summary()[k] for k in res.summary()} == res.summary()
    assert_same_dominance(scoring.dominance(res, scheme).to_dict(), got.summary()["dominance"])
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "s.parquet"), res.to_frame("zh"), check_dtype=False,
                                  check_index_type=False, check_categorical=False)


def test_median_line_and_nearest_fallback(tmp_path: Path) -> None:
    """No admission: the line is the median eligible score; few eligible: the nearest-200 fallback."""
    scheme = scoring.load_scheme(SCHEMES / "beijing-2020.yaml")
    path = tmp_path / "small.parquet"
    synth(800, 4).to_parquet(path, row_group_size=200)
    res = scoring.score(scoring.load_population(path), scheme)
    assert 2 < res.eligible_mask.sum() <= 200
    got = score_file_chunked(scheme, path, None, chunk_rows=250)
    assert_same_dominance(scoring.dominance(res, scheme).to_dict(), got.summary()["dominance"])


def test_invalid_rows_and_cross_batch_duplicates(tmp_path: Path) -> None:
    raw = synth(9_000, 2)
    raw["age"] = raw["age"].astype("int16")
    raw.loc[[10, 4_500], "age"] = -3
    raw["education"] = raw["education"].astype(object)
    raw.loc[[20, 8_999], "education"] = None
    raw.loc[7_777, "person_id"] = raw.loc[5, "person_id"]  # a duplicate id in another batch
    raw.loc[8_000, "person_id"] = raw.loc[8_001, "person_id"]  # and one within a batch
    path = tmp_path / "bad.parquet"
    raw.to_parquet(path)
    scheme = scoring.load_scheme(SCHEMES / "hangzhou-2022-illustrative.yaml")
    load, res, adm, _ = in_memory(path, scheme, skip_invalid=True, quota=800)
    rejected_csv = tmp_path / "rej.csv"
    got = admit_file_chunked(scheme, path, tmp_path / "o.parquet", chunk_rows=2_000, skip_invalid=True,
                             rejected_path=rejected_csv, quota=800).summary()
    assert got["rejected"] == load.rows_rejected == 8
    assert got["scored"] == res.n and got["rows_in"] == 9_000
    assert got["admitted"] == adm.admitted_count and got["cutoff"] == adm.cutoff
    pd.testing.assert_frame_equal(pd.read_csv(rejected_csv), load.rejected.reset_index(drop=True), check_dtype=False)
    assert rejected_csv.read_bytes().startswith(b"\xef\xbb\xbf")  # the table writer's convention: a BOM
    with pytest.raises(PopulationError, match="row 11, column age"):
        admit_file_chunked(scheme, path, tmp_path / "o2.parquet", chunk_rows=2_000, quota=800)
    assert not (tmp_path / "o2.parquet").exists()


def test_generated_person_ids_are_global(tmp_path: Path) -> None:
    path = tmp_path / "noid.parquet"
    synth(3_000, 5).drop(columns="person_id").to_parquet(path)
    scheme = scoring.load_scheme(SCHEMES / "beijing-2020.yaml")
    score_file_chunked(scheme, path, tmp_path / "o.parquet", chunk_rows=700)
    ids = pd.read_parquet(tmp_path / "o.parquet")["person_id"]
    assert ids.tolist() == scoring.load_population(path)["person_id"].tolist()


def test_choose_engine(pop_file: Path, tmp_path: Path) -> None:
    assert choose_engine(pop_file, "auto", available=10) == "chunked"
    assert choose_engine(pop_file, "auto", available=1 << 40) == "memory"
    csv = tmp_path / "p.csv"
    csv.write_text("age\n30\n")
    assert choose_engine(csv, "auto", available=10) == "memory"
    with pytest.raises(PopulationError, match="Parquet"):
        choose_engine(csv, "chunked")
    with pytest.raises(PopulationError, match="auto, memory, chunked"):
        choose_engine(pop_file, "fast")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(-3_000, 30_000), min_size=0, max_size=40), min_size=1, max_size=5),
       st.integers(1, 200))
def test_hist_matches_numpy(parts: list[list[int]], k: int) -> None:
    """Merged per-batch histograms give numpy's order statistics of the whole sample."""
    hist = Hist.of(np.empty(0, np.int64))
    for part in parts:
        hist = hist.merge(Hist.of(np.array(part, dtype=np.int64)))
    whole = np.array([x for p in parts for x in p], dtype=np.int64)
    assert hist.n == whole.size
    if whole.size == 0:
        return
    assert hist.median() == float(np.median(whole))
    assert hist.percentile_lower(99) == int(np.percentile(whole, 99, method="lower"))
    k = min(k, whole.size)
    assert hist.kth_largest(k) == int(np.partition(whole, whole.size - k)[whole.size - k])
    wide = Hist.of(np.array([0, 1 << 40, 5], dtype=np.int64))  # the np.unique path
    assert wide.values.tolist() == [0, 5, 1 << 40]


def test_cli_engine_chunked_writes_the_in_memory_file(pop_file: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from scoring.cli import main

    scheme = str(SCHEMES / "hangzhou-2022-illustrative.yaml")
    common = ["admit", "--scheme", scheme, "--population", str(pop_file), "--quota", "1200", "--json"]
    assert main([*common, "--out", str(tmp_path / "mem.parquet"), "--engine", "memory"]) == 0
    mem = json.loads(capsys.readouterr().out)
    assert main([*common, "--out", str(tmp_path / "ooc.parquet"), "--engine", "chunked", "--chunk-rows", "5000"]) == 0
    ooc = json.loads(capsys.readouterr().out)
    assert ooc["engine"] == "chunked"
    for key in ("rows_in", "scored", "rejected", "eligible", "admitted", "cutoff", "tied_at_cutoff",
                "decided_by_tiebreak"):
        assert ooc[key] == mem[key], key
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "ooc.parquet"), pd.read_parquet(tmp_path / "mem.parquet"),
                                  check_dtype=False, check_categorical=False)
    assert main([*common, "--engine", "chunked", "--out", str(tmp_path / "x.xlsx")]) == 2
