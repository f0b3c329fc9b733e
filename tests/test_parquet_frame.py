"""The chosen columns of a Parquet file read row group by row group are the frame ``to_pandas`` gives
(``scoring.population.parquet_frame``; issue 14).

The reference is pyarrow's own conversion of the same columns (``read_table(...).to_pandas()``, what the reader did
before): the same dtypes, values, missing values and category order, on files of many row groups with every kind of
column, missing values, dictionaries that differ between row groups, files without statistics, pandas' own nullable
dtypes; and whole loads agree with the reader that converts with pyarrow alone.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from popgen import make_population

from scoring import buffers
from scoring.population import parquet_frame
from scoring.population.identifiers_embedded import text_buffers
from scoring.population.io import read_table
from scoring.population.load import read_population
from scoring.population.parquet_frame import Fallback, read_frame


@pytest.fixture(autouse=True)
def small_row_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    """The files here have row groups of hundreds of rows: read them this way all the same."""
    monkeypatch.setattr(parquet_frame, "MIN_GROUP_ROWS", 1)


def _reference(path: Path, names: list[str]) -> pd.DataFrame:
    frame = pq.read_table(path, columns=names, use_pandas_metadata=True).to_pandas(split_blocks=True)
    return frame.reset_index(drop=True)


def _ours(path: Path, names: list[str]) -> pd.DataFrame | None:
    pf = pq.ParquetFile(path)
    return read_frame(pf, lambda: pq.ParquetFile(path, metadata=pf.metadata), names)


def _same(path: Path, names: list[str]) -> pd.DataFrame:
    got = _ours(path, names)
    assert got is not None
    want = _reference(path, names)
    pd.testing.assert_frame_equal(got, want, check_exact=True, check_categorical=True)
    for name in names:
        if isinstance(want[name].dtype, pd.CategoricalDtype):
            assert list(got[name].cat.categories) == list(want[name].cat.categories)  # the same order, not only set
            assert got[name].cat.codes.dtype == want[name].cat.codes.dtype
    return got


def _random_table(rng: np.random.Generator, n: int) -> pa.Table:
    """Every kind of column the reader fills or hands to pyarrow, with and without missing values."""
    words = np.array(["甲", "乙", "bachelor", "master", "", "丙丁", "x"], dtype=object)
    with_nulls = rng.random(n) < 0.1
    cols = {
        "u8": pa.array(rng.integers(0, 255, n, dtype=np.uint8)),
        "i16": pa.array(rng.integers(-300, 300, n).astype(np.int16)),
        "i64": pa.array(rng.integers(-(2**40), 2**40, n)),
        "i32_nulls": pa.array(rng.integers(0, 9, n).astype(np.int32), mask=with_nulls),
        "f32": pa.array(rng.normal(size=n).astype(np.float32)),
        "f64_nulls": pa.array(rng.normal(size=n), mask=with_nulls),
        "flag": pa.array(rng.random(n) < 0.5),
        "flag_nulls": pa.array(rng.random(n) < 0.5, mask=with_nulls),
        # values appear in a different order in each row group, so each row group's dictionary is its own
        "cat": pa.array(words[rng.integers(0, len(words), n)].tolist()).dictionary_encode(),
        "cat_nulls": pa.array([None if m else w for m, w in zip(with_nulls, words[rng.integers(0, 3, n)],
                                                               strict=True)]).dictionary_encode(),
        "text": pa.array([f"P{i:07d}" for i in rng.permutation(n)], pa.large_string()),
        "when": pa.array(rng.integers(0, 10**9, n).astype("datetime64[s]")),
    }
    return pa.table(cols)


@pytest.mark.parametrize("seed", range(6))
def test_every_kind_of_column_is_the_frame_to_pandas_gives(tmp_path: Path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2_000, 9_000))
    table = _random_table(rng, n)
    path = tmp_path / "p.parquet"
    pq.write_table(table, path, row_group_size=int(rng.integers(300, 2_500)),
                   data_page_size=int(rng.choice([512, 1 << 20])), write_statistics=bool(seed % 3))
    names = list(rng.permutation(table.column_names))[: int(rng.integers(3, len(table.column_names) + 1))]
    _same(path, [str(c) for c in names])


def test_dictionaries_that_differ_between_row_groups_are_unified_in_pyarrows_order(tmp_path: Path) -> None:
    groups = [["b", "a", "b"], ["c", "a", "d"], [None, "d", "e"], ["a", "a", "a"]]
    path = tmp_path / "d.parquet"
    with pq.ParquetWriter(path, pa.schema([("c", pa.dictionary(pa.int32(), pa.string()))])) as w:
        for g in groups:
            w.write_table(pa.table({"c": pa.array(g).dictionary_encode()}))
    got = _same(path, ["c"])
    assert list(got["c"].cat.categories) == ["b", "a", "c", "d", "e"]


@pytest.mark.parametrize("index", [pa.uint8(), pa.uint32(), pa.int16(), pa.int64()])
def test_categories_with_any_index_type_are_read(tmp_path: Path, index: pa.DataType) -> None:
    """Unsigned indices (Polars writes uint32) go to pyarrow's conversion; signed ones are copied."""
    codes = pa.array([0, 1, None, 1, 0, 2] * 50, index)
    table = pa.table({"c": pa.DictionaryArray.from_arrays(codes, pa.array(["bachelor", "master", "none"])),
                      "x": np.arange(300, dtype=np.int16)})
    path = tmp_path / "u.parquet"
    pq.write_table(table, path, row_group_size=70)
    _same(path, ["c", "x"])


def test_a_file_written_by_pandas_keeps_its_pandas_dtypes(tmp_path: Path) -> None:
    frame = pd.DataFrame({"n": pd.array([1, None, 3] * 400, dtype="Int64"), "x": np.arange(1_200, dtype=np.int16),
                          "c": pd.Categorical(["a", "b", "a"] * 400, ordered=True)}, index=pd.RangeIndex(5, 1_205))
    path = tmp_path / "pd.parquet"
    frame.to_parquet(path, row_group_size=250)  # the index kept as metadata (a range), not as a column
    got = _same(path, ["n", "x", "c"])
    assert str(got["n"].dtype) == "Int64" and got["c"].cat.ordered


def test_one_row_group_index_columns_or_small_row_groups_are_left_to_pyarrow(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    one = tmp_path / "one.parquet"
    pq.write_table(pa.table({"x": np.arange(10)}), one)
    assert _ours(one, ["x"]) is None
    indexed = tmp_path / "idx.parquet"
    pd.DataFrame({"x": np.arange(50)}, index=pd.Index([f"r{i}" for i in range(50)], name="k")).to_parquet(
        indexed, row_group_size=10)
    assert _ours(indexed, ["x"]) is None
    small = tmp_path / "small.parquet"
    pq.write_table(pa.table({"x": np.arange(1_000, dtype=np.int16)}), small, row_group_size=100)
    assert _ours(small, ["x"]) is not None
    monkeypatch.setattr(parquet_frame, "MIN_GROUP_ROWS", 101)  # row groups of fewer rows: pyarrow reads it whole
    assert _ours(small, ["x"]) is None


def test_statistics_that_miss_a_missing_value_fall_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "n.parquet"
    pq.write_table(pa.table({"i": pa.array([1, None, 3] * 100, pa.int32())}), path, row_group_size=40)
    monkeypatch.setattr(parquet_frame, "_no_nulls", lambda md, column: True)  # as a file whose statistics lie
    with pytest.raises(Fallback):
        _ours(path, ["i"])
    got = read_table(path, select=lambda headers: set(headers)).frame  # the reader then converts with pyarrow
    pd.testing.assert_frame_equal(got, _reference(path, ["i"]), check_exact=True)
    assert got["i"].isna().sum() == 100


def test_a_whole_load_is_the_same_as_with_pyarrows_conversion(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    frame = make_population(3_000, seed=5)
    path = tmp_path / "pop.parquet"
    frame.to_parquet(path, row_group_size=700, index=False)
    columns = ["age", "education", "insurance_years", "has_residence_permit", "district"]
    ours = read_population(path, columns=columns)
    calls = []
    monkeypatch.setattr("scoring.population.io.read_frame", lambda *a: calls.append(a) and None)
    theirs = read_population(path, columns=columns)
    assert calls  # the second load did go through pyarrow's conversion
    pd.testing.assert_frame_equal(ours.frame, theirs.frame, check_exact=True)
    assert (ours.rows_in, ours.rows_rejected) == (theirs.rows_in, theirs.rows_rejected)


def test_a_dropped_frame_gives_its_memory_to_the_next_read(tmp_path: Path) -> None:
    """The second read's column is written on the very memory the dropped frame's column had (a size no other array
    of this test run has, so no other kept block can be taken instead; a count of kept bytes could move with
    whatever the collector frees meanwhile)."""
    n = (buffers.MIN_BYTES // 4) * 3 + 1_237  # a float32 column of just over 3 * MIN_BYTES: kept when dropped
    path = tmp_path / "big.parquet"
    pq.write_table(pa.table({"f": np.arange(n, dtype=np.float32)}), path, row_group_size=n // 3 + 1)
    first = _ours(path, ["f"])
    assert first is not None
    where = first["f"].to_numpy().__array_interface__["data"][0]
    del first

    def kept_sizes() -> list[int]:
        with buffers._lock:
            return [len(block) for block in buffers._kept.values()]

    assert kept_sizes().count(n * 4) == 1  # the dropped column's memory is kept
    second = _ours(path, ["f"])
    assert second is not None and kept_sizes().count(n * 4) == 0  # ... and taken by the second read
    assert second["f"].to_numpy().__array_interface__["data"][0] == where
    assert np.array_equal(second["f"].to_numpy(), np.arange(n, dtype=np.float32))  # and holds this file's values


@pytest.mark.parametrize("seed", range(4))
def test_the_width_of_text_values_is_found_exactly(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 200_000))
    width = int(rng.integers(0, 6))
    values = ["x" * width] * n
    if seed % 2 and n > 2:  # two values of other widths that keep the total the same
        i, j = rng.choice(n, 2, replace=False)
        values[i], values[j] = "x" * (width + 1), "x" * max(width - 1, 0) if width else "x"
    arr = pa.array(values, pa.large_string())
    lengths = {len(v) for v in values}
    assert text_buffers(arr)[2] == (lengths.pop() if len(lengths) == 1 else None)


@pytest.mark.parametrize("ids", ["ascending", "repeat_across_groups", "repeat_within_a_group", "descending",
                                 "repeat_at_a_group_edge", "groups_swapped"])
def test_ids_checked_beside_the_read_give_the_reference_validators_rows(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch,
                                                                       ids: str) -> None:
    """The person_id facts found while the other columns decode (one width, byte positions, ascending order: see
    ``scoring.population.text.prefetch_facts``) give the rows and reasons of the frozen reference validator, which
    reads the file whole; and the same load as without them."""
    import reference_population as ref

    from scoring.population import load

    frame = make_population(3_000, seed=7)
    values = [f"P{i:07d}" for i in range(1, 3_001)]
    if ids == "repeat_across_groups":
        values[1_500] = values[100]
    elif ids == "repeat_within_a_group":
        values[705] = values[701]
    elif ids == "descending":
        values.reverse()
    elif ids == "repeat_at_a_group_edge":  # each row group ascending; the second's first id is the first's last
        values[700] = values[699]
    elif ids == "groups_swapped":  # each row group ascending, the first two in the wrong order (all distinct)
        values[:1_400] = values[700:1_400] + values[:700]
    frame["person_id"] = values
    path = tmp_path / "pop.parquet"
    frame.to_parquet(path, row_group_size=700, index=False)
    columns = ["age", "insurance_years", "has_residence_permit"]
    seen = []
    real = load.prefetch_facts
    monkeypatch.setattr(load, "prefetch_facts", lambda chunks, is_ids: seen.append(is_ids) or real(chunks, is_ids))
    ours = read_population(path, columns=columns, skip_invalid=True)
    assert seen == [True]  # person_id's facts were found beside the read
    want = ref.read_population(path, skip_invalid=True)
    assert ours.rejected.to_dict("records") == want.rejected.to_dict("records")
    pd.testing.assert_frame_equal(ours.frame, want.frame[list(ours.frame.columns)])
    monkeypatch.setattr(load, "_text_facts", lambda schema: None)
    plain = read_population(path, columns=columns, skip_invalid=True)
    pd.testing.assert_frame_equal(ours.frame, plain.frame, check_exact=True)
    assert ours.rejected.to_dict("records") == plain.rejected.to_dict("records")
