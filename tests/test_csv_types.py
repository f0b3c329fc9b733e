"""CSV columns typed from their Arrow text (``read_table(..., schema=)``, :mod:`scoring.population.csv_types`)
against the same file read as text (issue 14).

The text path (no schema: every value text, as before) is the reference; it is itself compared with the frozen
validator in ``test_population_reference``. Fuzzed CSV files mix the values a typed path could get wrong (missing
tokens, "-0", "5.", numbers with units or full-width digits, identifiers hidden in long digit runs, names among
yes/no and category values) and are read both ways: the kept frame, the rejected rows with their reasons and
Excel rows, the warnings and any refusal must be identical. Small parse blocks put values in many chunks, so a bad
value in the last block must still send its column to the text path.
"""

from __future__ import annotations

import csv
import functools
import io
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import reference_population as ref
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from parse_blocks import small_blocks

import scoring.population.load as population_load
from scoring.engine.inputs import population_schema_for
from scoring.errors import PopulationError
from scoring.population import csv_types
from scoring.population.io import read_table
from scoring.population.schema import Schema, load_schema
from scoring.scheme.load import load_scheme

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = load_schema()
NUM_TEXT = ["35", "0", "-1", "12.5", "", "--", "NA", " 12", "12 ", "1e5", "-0", "-0.0", "5.", ".5", "-.5", "007",
            "+5", "13812345678", "0.13812345678", "1,000", "１２", "12岁", "-", ".", "1.2.3", "inf", "nan", "999999",
            "1234567890", "12345678901", "0.083333336", "110105194912310021", "1.38123E+10", "138-1234-5678",
            "200", "30.5", "1-2"]
NUMBERS = st.one_of(st.sampled_from(NUM_TEXT), st.text(alphabet="0123456789.-", max_size=17),
                    st.integers(min_value=0, max_value=90).map(str),
                    st.floats(min_value=0, max_value=60, width=32).map(lambda x: f"{x:.6g}"))
YES_NO = ["是", "否", "true", "False", "1", "0", "Y", "maybe", "", "NA", " 是", "是 ", "王小明", "13812345678", "--"]
EDUCATION = ["本科", "硕士研究生", "bachelor", "master", "doctor", "", "NA", "null", " 本科", "Ｎａ", "王小明", "phd?",
             "微信 abcdefgh", "高中", "大专"]
OTHER = ["临平区", "王小明", "1.5", "0.13812345678", "138-1234-5678", "", "张伟", "abc", "2", "-", "李娜", "河南"]
COLUMNS = {"人员编号": None, "年龄": NUMBERS, "居住年限": NUMBERS, "学历": st.sampled_from(EDUCATION),
           "是否持有居住证": st.sampled_from(YES_NO), "行政拘留次数": NUMBERS, "社保缴纳年限": NUMBERS,
           "户籍所在省份": st.sampled_from(["河南", "江苏", "浙江", "王小明", ""]), "备注": st.sampled_from(OTHER),
           "extra_years": NUMBERS}
SCHEME_COLUMNS = ["age", "education", "residence_years", "has_residence_permit"]


@contextmanager
def reading(schema: Schema | None) -> Iterator[None]:
    """``read_population`` reading CSV files with ``schema`` handed to the reader (typed) or without (text)."""
    saved = population_load.read_table
    population_load.read_table = functools.partial(read_table, schema=schema)
    try:
        yield
    finally:
        population_load.read_table = saved


def _load(path: Path, reader_schema: Schema | None, **kw: Any) -> Any:
    with reading(reader_schema):
        try:
            return population_load.read_population(path, **kw)
        except PopulationError as exc:
            return exc


def _same(got: Any, want: Any) -> None:
    """Identical refusal, or identical kept frame, rejected rows (with Excel rows), warnings and notes."""
    if isinstance(want, PopulationError):
        assert isinstance(got, PopulationError), got
        assert type(got) is type(want) and str(got) == str(want)
        got, want = getattr(got, "load", None), getattr(want, "load", None)
        if want is None:
            assert got is None
            return
    assert got.rows_in == want.rows_in == len(got.frame) + got.rows_rejected
    assert got.rows_rejected == want.rows_rejected
    pd.testing.assert_frame_equal(got.rejected_table(), want.rejected_table())
    pd.testing.assert_frame_equal(got.frame, want.frame)
    assert got.warnings == want.warnings
    assert got.dropped_identifiers == want.dropped_identifiers
    np.testing.assert_array_equal(got.row_numbers, want.row_numbers)


def _compare(path: Path, schema: Schema = SCHEMA, **kw: Any) -> None:
    _same(_load(path, schema, schema=schema, **kw), _load(path, None, schema=schema, **kw))




def _write(path: Path, header: list[str], rows: list[list[str]], encoding: str = "gb18030") -> Path:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


@st.composite
def csv_files(draw: st.DrawFn) -> tuple[list[str], list[list[str]]]:
    n = draw(st.integers(min_value=1, max_value=30))
    header = draw(st.lists(st.sampled_from([c for c in COLUMNS if c != "人员编号"]), unique=True, min_size=1))
    if draw(st.booleans()):
        header.insert(0, "人员编号")
    cols = []
    for h in header:
        if h == "人员编号":
            cols.append([f"P{i:07d}" for i in range(n)])
            continue
        pool = COLUMNS[h]
        if draw(st.booleans()):  # a clean column (the typed path), then maybe one odd value anywhere
            clean = {"学历": ["本科", "大专"], "是否持有居住证": ["是", "否"], "户籍所在省份": ["河南", "江苏"],
                     "备注": ["临平区", "1.5"]}.get(h)
            values = draw(st.lists(st.sampled_from(clean) if clean else
                                   st.integers(min_value=0, max_value=40).map(str), min_size=n, max_size=n))
            if draw(st.booleans()):  # one odd value anywhere (for numbers: mostly one the guards must catch)
                odd = draw(st.sampled_from(NUM_TEXT) if pool is NUMBERS and draw(st.booleans()) else pool)
                values[draw(st.integers(min_value=0, max_value=n - 1))] = odd
        else:
            values = draw(st.lists(pool, min_size=n, max_size=n))
        cols.append(values)
    return header, [list(r) for r in zip(*cols, strict=True)]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(file=csv_files(), block=st.sampled_from([64, 1 << 22]), skip=st.booleans(), drop=st.booleans(),
       some=st.booleans(), encoding=st.sampled_from(["gb18030", "utf-8"]))
def test_typed_columns_match_the_text_path(file: tuple[list[str], list[list[str]]], block: int, skip: bool,
                                           drop: bool, some: bool, encoding: str) -> None:
    header, rows = file
    with tempfile.TemporaryDirectory() as d, small_blocks(block):
        path = _write(Path(d) / "pop.csv", header, rows, encoding)
        _compare(path, skip_invalid=skip, drop_identifiers=drop, columns=SCHEME_COLUMNS if some else None)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(file=csv_files(), block=st.sampled_from([64, 1 << 22]))
def test_typed_columns_match_the_frozen_reference(file: tuple[list[str], list[list[str]]], block: int) -> None:
    """The whole file read typed against the loader as it was before issue 14."""
    header, rows = file
    with tempfile.TemporaryDirectory() as d, small_blocks(block):
        path = _write(Path(d) / "pop.csv", header, rows)
        try:
            want: Any = ref.read_population(path, skip_invalid=True)
        except PopulationError as exc:
            want = exc
        got = _load(path, SCHEMA, skip_invalid=True)
        if isinstance(want, PopulationError):
            assert isinstance(got, PopulationError) and str(got) == str(want)
            return
        pd.testing.assert_frame_equal(got.rejected, want.rejected)
        pd.testing.assert_frame_equal(got.frame, want.frame)
        assert got.warnings == want.warnings


def test_a_scheme_that_declares_a_column_itself_reads_it_as_an_extra(tmp_path: Path) -> None:
    """canada-crs-2025 declares ``age`` itself: the population schema then has no age column, and the reader,
    handed that schema, leaves it as text (its type is inferred as before: whole numbers become integers)."""
    schema = population_schema_for(load_scheme(ROOT / "scenarios" / "schemes" / "canada-crs-2025.yaml"))
    assert "age" not in schema.columns
    path = _write(tmp_path / "pop.csv", ["age", "insurance_years"], [["35", "2.5"], ["40", "3"]])
    table = read_table(path, schema=schema)
    assert table.frame["age"].tolist() == ["35", "40"]  # text: not a column of this schema
    assert table.frame["insurance_years"].dtype == np.float64
    _compare(path, schema, skip_invalid=True)


def test_a_bad_number_in_the_last_block_keeps_its_column_text(tmp_path: Path) -> None:
    rows = [[str(20 + i % 40), f"{i % 7}.5"] for i in range(3000)] + [["35", "12岁"]]
    path = _write(tmp_path / "pop.csv", ["年龄", "居住年限"], rows)
    with small_blocks(1024):
        table = read_table(path, schema=SCHEMA)
        assert table.frame["年龄"].dtype == np.float64 and len(table.frame) == 3001
        assert table.frame["居住年限"].tolist()[-1] == "12岁"  # text, in every block
        _compare(path, skip_invalid=True)
    # the text path reads "12岁" as 12 (a unit), the same row kept or rejected as before
    with reading(SCHEMA):
        got = population_load.read_population(path, skip_invalid=True)
    assert got.frame["residence_years"].iloc[-1] == 12


def test_a_missing_number_in_the_last_block_is_rejected_on_its_excel_row(tmp_path: Path) -> None:
    rows = [[str(20 + i % 40), f"{i % 7}.5"] for i in range(3000)] + [["--", "1"]]
    path = _write(tmp_path / "pop.csv", ["年龄", "居住年限"], rows)
    with small_blocks(1024):
        table = read_table(path, schema=SCHEMA)
        assert np.isnan(table.frame["年龄"].to_numpy()[-1])  # typed: "--" is a missing token
        _compare(path, skip_invalid=True)
        with reading(SCHEMA):
            got = population_load.read_population(path, skip_invalid=True)
    rejected = got.rejected_table()
    assert rejected[["row", "excel_row", "column", "reason"]].values.tolist() == [[3001, 3002, "年龄",
                                                                                   "missing value"]]  # its header


@pytest.mark.parametrize("value", ["0.13812345678", "13812345678", "138-1234-5678", "330106198001011235"])
@pytest.mark.parametrize("read", [True, False])
def test_a_phone_or_id_number_among_numbers_is_refused(tmp_path: Path, value: str, read: bool) -> None:
    """In a number column read or not read, in the last block: typing or skipping the screen of the column would
    miss it; both paths refuse it, with the same message."""
    rows = [[str(20 + i % 40), f"{i % 7}.5", "本科"] for i in range(3000)]
    rows[-1][0 if read else 1] = value
    path = _write(tmp_path / "pop.csv", ["年龄", "社保缴纳年限", "学历"], rows)
    with small_blocks(1024):
        if read:
            assert read_table(path, schema=SCHEMA).frame["年龄"].dtype != np.float64  # stays text
        got = _load(path, SCHEMA, columns=["age", "education"])
        _same(got, _load(path, None, columns=["age", "education"]))
    assert isinstance(got, PopulationError) and "Excel row 3001" in str(got) and value not in str(got)


@pytest.mark.parametrize("value", ["王小明", "微信 abcdefgh"])
def test_a_name_or_handle_among_categories_is_screened(tmp_path: Path, value: str) -> None:
    """One name among the values of a yes/no or category column (read or not): the column is not typed (nor left
    out of the screen), so the screen words it as before; names in most rows are refused."""
    rows = [["是", "河南"] for _ in range(2000)]
    rows[-1] = [value, value]
    path = _write(tmp_path / "pop.csv", ["是否持有居住证", "户籍所在省份"], rows)
    with small_blocks(512):
        assert read_table(path, schema=SCHEMA).frame["是否持有居住证"].dtype != np.bool_
        _compare(path, columns=["has_residence_permit"], skip_invalid=True)
        names = _write(tmp_path / "names.csv", ["是否持有居住证", "户籍所在省份"],
                       [["是", "王李张刘陈杨"[i % 6] + "伟芳娜敏静丽强磊军洋"[i // 6 % 10] + "明华"[i // 60 % 2]]
                        for i in range(100)])
        got = _load(names, SCHEMA, columns=["has_residence_permit"])
        _same(got, _load(names, None, columns=["has_residence_permit"]))
    assert isinstance(got, PopulationError) and "personal names" in str(got)


def test_typed_columns_of_a_clean_file(tmp_path: Path) -> None:
    """What the reader hands over typed: numbers as float64 (NaN where missing), yes/no as bool, a category as a
    categorical of the values as written; the id column and extras stay text."""
    path = _write(tmp_path / "pop.csv", ["人员编号", "年龄", "居住年限", "是否持有居住证", "学历", "备注"],
                  [["P1", "35", "2.5", "是", "本科", "x"], ["P2", "40", "", "否", "硕士研究生", "y"]])
    frame = read_table(path, schema=SCHEMA).frame
    assert frame["年龄"].tolist() == [35.0, 40.0] and frame["年龄"].dtype == np.float64
    assert np.isnan(frame["居住年限"].iloc[1])
    assert frame["是否持有居住证"].tolist() == [True, False]
    assert isinstance(frame["学历"].dtype, pd.CategoricalDtype) and frame["学历"].tolist() == ["本科", "硕士研究生"]
    assert frame["人员编号"].tolist() == ["P1", "P2"] and frame["备注"].tolist() == ["x", "y"]
    assert read_table(path).frame["年龄"].tolist() == ["35", "40"]  # without a schema: text, as before


@pytest.mark.parametrize(("values", "typed"), [
    (["1", "-2.5", "", "--", "007"], True), (["-0"], False), (["1e5"], False), (["12345678901"], False),
    (["0.1234567891"], True), (["0.12345678912"], False), (["1234567890123456"], False), (["-"], False),
    (["5.", ".5"], True), ([" 1"], False), (["１"], False)])
def test_the_number_guards(values: list[str], typed: bool) -> None:
    col = pa.chunked_array([pa.array(values, type=pa.string())])
    assert (csv_types.numbers(col) is not None) == typed


@pytest.mark.parametrize(("values", "clean"), [
    (["1", "2.5", "-3"], True), (["138-1234-5678"], False), (["0.13812345678"], False), (["1234567890"], True),
    (["临平区", "河南"], True), (["王小明"], False), (["abc qq 12345678"], False), (["1e12"], False)])
def test_the_screen_proof(values: list[str], clean: bool) -> None:
    col = pa.chunked_array([pa.array(values * 3, type=pa.string())])
    assert csv_types.screen_can_find(col, SCHEMA) is not clean
