"""A text column a run does not read is screened by its dictionary alone when its pages prove every value is an
entry of it (``scoring.population.parquet_pages``; issue 14).

The shortcut is only safe if ``dictionary_encoded`` never says yes for a chunk with a value outside the dictionary
pyarrow returns for the chunk's first row. Each test checks that against a full decode of the chunk (the
independent reference), on files pyarrow writes in every way it can (page versions, codecs, many small pages, nulls,
a dictionary that outgrows its page and falls back to plain pages), on corrupted headers (a wrong answer must be
"no", never an exception), and end to end: an identifier in an unread column is refused as when the column is read.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import reference_population as ref
from popgen import make_population

from scoring.errors import IdentifierError, PopulationError
from scoring.population.load import read_population
from scoring.population.parquet_pages import dictionary_encoded

ID_NUMBER = "11010519491231002X"  # a resident ID number with a valid check digit


def _chunks(path: Path, column: str) -> list[tuple[bool, set, set]]:
    """(dictionary_encoded, the first row's dictionary, every value decoded) of each row group's chunk."""
    pf = pq.ParquetFile(path, read_dictionary=[column])
    leaf = [pf.schema.column(i).path for i in range(len(pf.schema))].index(column)
    out = []
    with open(path, "rb") as fh:
        for g in range(pf.metadata.num_row_groups):
            said = dictionary_encoded(pf.metadata.row_group(g).column(leaf), fh)
            first = next(pf.iter_batches(batch_size=1, row_groups=[g], columns=[column])).column(0)
            whole = pf.read_row_group(g, columns=[column]).column(0).combine_chunks()
            values = set(pc_valid(whole.dictionary.take(whole.indices)))
            out.append((said, set(pc_valid(first.dictionary)), values))
    return out


def pc_valid(arr: pa.Array) -> list:
    """The values that are not null, as bytes (a corrupted value need not be UTF-8)."""
    return [v for v in arr.cast(pa.large_binary()).to_pylist() if v is not None]


def _text(n: int, distinct: int, seed: int, nulls: bool) -> pa.Array:
    rng = np.random.default_rng(seed)
    values = np.array([f"v{i:06d}" for i in range(distinct)], dtype=object)[rng.integers(0, distinct, n)]
    values[-1] = f"v{distinct + 1:06d}"  # a value first seen in the last row
    if nulls:
        values[rng.random(n) < 0.1] = None
    return pa.array(values, type=pa.string())


@pytest.mark.parametrize("version", ["1.0", "2.0"])
@pytest.mark.parametrize("compression", ["none", "snappy", "zstd", "gzip"])
@pytest.mark.parametrize("nulls", [False, True])
def test_a_yes_is_only_given_when_every_value_is_in_the_dictionary(tmp_path: Path, version: str,
                                                                   compression: str, nulls: bool) -> None:
    """Few distinct values (a dictionary) and many (the writer falls back to plain pages), in many small pages: a
    yes means the full decode finds no value outside the first row's dictionary; the few-values chunks say yes, and
    every chunk whose full decode has a value outside that dictionary says no."""
    path = tmp_path / "t.parquet"
    n = 30_000
    table = pa.table({"few": _text(n, 7, 1, nulls), "many": _text(n, 20_000, 2, nulls)})
    pq.write_table(table, path, row_group_size=10_000, data_page_size=2_000, data_page_version=version,
                   compression=compression, dictionary_pagesize_limit=4_000)
    few, many = _chunks(path, "few"), _chunks(path, "many")
    assert all(said for said, _, _ in few)
    for said, dictionary, values in few + many:
        if said:
            assert values <= dictionary
    outside = [said for said, dictionary, values in many if not values <= dictionary]
    assert outside and not any(outside)  # the writer did fall back, and those chunks were refused


def test_no_dictionary_and_corrupted_headers_say_no_without_raising(tmp_path: Path) -> None:
    """A chunk without dictionary, and every single-byte corruption of the first 200 bytes of a dictionary chunk
    (page headers, then values): always a bool, never an exception; a yes still keeps the full decode inside the
    dictionary whenever pyarrow can decode the corrupted file."""
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"x": _text(5_000, 5, 3, True)}), path, use_dictionary=False, data_page_size=1_000)
    assert [said for said, _, _ in _chunks(path, "x")] == [False]
    pq.write_table(pa.table({"x": _text(5_000, 5, 3, True)}), path, data_page_size=1_000, compression="none")
    chunk = pq.ParquetFile(path).metadata.row_group(0).column(0)
    start = chunk.dictionary_page_offset
    data = bytearray(path.read_bytes())
    rng = np.random.default_rng(4)
    for k in range(200):
        bad = bytearray(data)
        bad[start + k] ^= int(rng.integers(1, 256))
        broken = tmp_path / "bad.parquet"
        broken.write_bytes(bytes(bad))
        with open(broken, "rb") as fh:
            said = dictionary_encoded(chunk, fh)
        assert isinstance(said, bool)
        if said:
            try:
                (_, dictionary, values), = _chunks(broken, "x")
            except (OSError, pa.ArrowException):
                continue
            assert values <= dictionary
    short = tmp_path / "short.parquet"
    short.write_bytes(bytes(data[: start + chunk.total_compressed_size // 2]))
    with open(short, "rb") as fh:
        assert dictionary_encoded(chunk, fh) is False


def _population_with(note: pa.Array, path: Path, **options: object) -> Path:
    frame = make_population(len(note), seed=5)
    table = pa.Table.from_pandas(frame, preserve_index=False).append_column("note", note)
    pq.write_table(table, path, row_group_size=len(note) // 4, **options)
    return path


@pytest.mark.parametrize("where", ["last_row", "first_group", "middle_groups", "after_fallback"])
def test_an_id_number_in_an_unread_text_column_is_refused_as_when_read(tmp_path: Path, where: str) -> None:
    """An ID number in a few-valued text column (its row group's dictionary hits: decoded for the rows) — in the last
    row, in the first row group (the other groups' equal dictionaries are screened once), or in the two middle
    groups (a clean dictionary, then two that hit, then the clean one again) — or in plain pages after the
    dictionary outgrew its page (the dictionary is clean; the pages say no): the run that does not read the column
    refuses the file with the message of the reference validator, which reads it (rows and count)."""
    n = 8_000
    options: dict = {}
    if where == "after_fallback":
        values = np.array([f"备注{i}" for i in range(n)], dtype=object)
        options = {"dictionary_pagesize_limit": 2_000}
    else:
        values = np.array(["甲", "乙", "丙"], dtype=object)[np.arange(n) % 3]
    hit = {"first_group": [5], "middle_groups": [n // 4 + 7, n // 2 + 9]}.get(where, [n - 1])
    values[hit] = f"证件 {ID_NUMBER}"
    path = _population_with(pa.array(values, type=pa.string()), tmp_path / "p.parquet", **options)
    with pytest.raises(PopulationError) as want:  # the frozen validator raises the base class
        ref.read_population(path, skip_invalid=True)
    with pytest.raises(IdentifierError) as got:
        read_population(path, skip_invalid=True, columns=["age", "insurance_years"])
    assert str(got.value) == str(want.value)
    assert ID_NUMBER not in str(got.value)


def test_clean_unread_text_columns_load_as_the_reference(tmp_path: Path) -> None:
    """Few-valued unread text columns without identifiers: the dictionaries alone are screened, and the load is the
    reference's (same rows, same warnings) for the columns read."""
    n = 8_000
    values = np.array(["甲", "乙", None], dtype=object)[np.arange(n) % 3]
    path = _population_with(pa.array(values, type=pa.string()), tmp_path / "p.parquet")
    got = read_population(path, skip_invalid=True, columns=["age", "insurance_years"])
    want = ref.read_population(path, skip_invalid=True)
    pd.testing.assert_frame_equal(got.frame, want.frame[list(got.frame.columns)])
    assert got.rows_in == want.rows_in == n


def _chunk_bytes(path: Path, column: str = "x") -> list[tuple[bytes, int]]:
    """Each row group's chunk of ``column``: its bytes (from its first page) and its number of values."""
    md = pq.ParquetFile(path).metadata
    leaf = [md.schema.column(i).path for i in range(md.num_columns)].index(column)
    data = path.read_bytes()
    out = []
    for g in range(md.num_row_groups):
        c = md.row_group(g).column(leaf)
        start = min(c.dictionary_page_offset or c.data_page_offset, c.data_page_offset)
        out.append((data[start:start + c.total_compressed_size], c.num_values))
    return out


@pytest.mark.parametrize("version", ["1.0", "2.0"])
def test_the_compiled_walk_gives_the_python_walks_answer(tmp_path: Path, version: str) -> None:
    """The compiled page walk (numba) against the Python walk, its reference: the same answer on chunks pyarrow
    writes (dictionary-encoded, fallen back to plain pages, with statistics of long values) and on 3,000 random
    corruptions of their bytes (one to four bytes changed, or cut short); -1 (left to the Python walk) only where
    a header holds a list, set or map or an over-long varint."""
    pytest.importorskip("numba")
    from scoring.population import parquet_pages_compiled as compiled
    from scoring.population.parquet_pages import _DEPTH, MAX_PAGES, _walk

    path = tmp_path / "t.parquet"
    long_values = pa.array([f"{'长' * 40}{i % 5}" for i in range(6_000)], type=pa.string())
    pq.write_table(pa.table({"x": pa.concat_arrays([_text(6_000, 5, 7, True), _text(6_000, 5_000, 8, False),
                                                    long_values])}),
                   path, row_group_size=6_000, data_page_size=1_500, data_page_version=version,
                   dictionary_pagesize_limit=3_000, compression="none")
    chunks = _chunk_bytes(path)
    answers = [compiled.walk(buf, n, MAX_PAGES, _DEPTH) for buf, n in chunks]
    assert answers == [int(_walk(buf, len(buf), n)) for buf, n in chunks]
    assert 1 in answers and 0 in answers  # both answers met on real chunks
    rng = np.random.default_rng(11)
    fallbacks = 0
    for trial in range(3_000):
        buf, n = chunks[trial % len(chunks)]
        bad = bytearray(buf)
        if trial % 10 == 9:
            bad = bad[: int(rng.integers(1, len(bad)))]
        else:
            for _ in range(int(rng.integers(1, 5))):
                at = int(rng.integers(0, min(len(bad), 400)))  # the first pages' headers
                bad[at] = int(rng.integers(0, 256))
        said = compiled.walk(bytes(bad), n, MAX_PAGES, _DEPTH)
        want = _walk(bytes(bad), len(bad), n)
        if said == -1:
            fallbacks += 1
            continue
        assert said == int(want), trial
    assert fallbacks < 3_000 // 2
