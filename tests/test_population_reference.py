"""The fast loader against today's validator (issue 14): the same rows rejected with the same reasons.

``tests/reference_population.py`` and ``tests/reference_validate.py`` are frozen copies of the loader as it was
before the whole-column fast paths. Fuzzed frames mix the compact dtypes a Parquet file gives (numbers, dictionary
categories, bools, pyarrow text) with the problems a real extract has (missing, out of range, fractional, unknown
categories, missing tokens, repeated ids), as frames and as Parquet files; the kept frame, the rejected table, the
warnings and any refusal must be identical.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import reference_population as ref
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from popgen import make_population

from scoring.errors import PopulationError
from scoring.population import csv_read, rowchecks
from scoring.population import validate as population_validate
from scoring.population.identifiers_embedded import PREFILTER, _match, ascii_may_hold
from scoring.population.io import MISSING_TOKENS, read_table
from scoring.population.load import read_population
from scoring.population.text import STR_DTYPE, repeated, text_hash
from scoring.population.validate import missing_mask

NUM_VALUES = st.one_of(st.floats(min_value=-5, max_value=130, width=32), st.sampled_from([np.nan, np.inf, -1.0]),
                       st.integers(min_value=0, max_value=60).map(float))
CAT_VALUES = {
    "education": ["bachelor", "master", "本科", "硕士研究生", "doctor", "phd?", "NA", "", None],
    "sex": ["M", "F", "男", "女", "x", "null", None],
    "housing": ["owned", "rented", "employer", "none", "自有", "tent", None],
}
ID_VALUES = st.one_of(st.sampled_from(["P0000001", "P0000002", " P0000003 ", "", "NA", "ab", "P000000010",
                                       "一二三", None]), st.text(alphabet="P0123x ", max_size=10))


def _compare(frame_or_path: object, **kw: bool) -> None:
    """Both loaders on the same input: identical refusal, or identical kept frame, rejected rows and notes."""
    try:
        want = ref.read_population(frame_or_path, **kw)  # type: ignore[arg-type]
    except PopulationError as exc:
        with pytest.raises(PopulationError) as got_exc:
            read_population(frame_or_path, **kw)  # type: ignore[arg-type]
        assert str(got_exc.value) == str(exc)
        want_load, got_load = getattr(exc, "load", None), getattr(got_exc.value, "load", None)
        if want_load is not None:
            pd.testing.assert_frame_equal(got_load.rejected, want_load.rejected)
        return
    got = read_population(frame_or_path, **kw)  # type: ignore[arg-type]
    assert got.rows_in == want.rows_in == len(got.frame) + got.rows_rejected
    assert got.rows_rejected == want.rows_rejected
    pd.testing.assert_frame_equal(got.rejected, want.rejected)
    pd.testing.assert_frame_equal(got.frame, want.frame)
    assert got.warnings == want.warnings
    assert got.dropped_identifiers == want.dropped_identifiers


@st.composite
def typed_frames(draw: st.DrawFn) -> pd.DataFrame:
    """A popgen population with fuzzed cells in compact dtypes (as a Parquet file reads back)."""
    n = draw(st.integers(min_value=1, max_value=12))
    frame = make_population(n, seed=draw(st.integers(min_value=0, max_value=1000)))
    for col in ("age", "tax_years_high", "detentions"):
        if draw(st.booleans()):
            vals = draw(st.lists(NUM_VALUES, min_size=n, max_size=n))
            frame[col] = np.array(vals, dtype=draw(st.sampled_from([np.float32, np.float64])))
        elif draw(st.booleans()):
            frame[col] = np.array(draw(st.lists(st.integers(min_value=0, max_value=300), min_size=n, max_size=n)),
                                  dtype=draw(st.sampled_from([np.int64, np.uint16, np.int32])))
    for col in ("residence_years", "insurance_years", "owned_home_years", "rented_home_years"):
        if draw(st.booleans()):
            frame[col] = np.array(draw(st.lists(NUM_VALUES, min_size=n, max_size=n)), dtype=np.float32)
    for col, pool in CAT_VALUES.items():
        if draw(st.booleans()):
            frame[col] = pd.Categorical(draw(st.lists(st.sampled_from(pool), min_size=n, max_size=n)))
    if draw(st.booleans()):
        frame["has_residence_permit"] = pd.Series(draw(st.lists(st.sampled_from(["是", "否", "maybe", None]),
                                                                min_size=n, max_size=n)), dtype=object)
    ids = draw(st.sampled_from(["keep", "fuzz", "none", "repeat"]))
    if ids == "fuzz":
        frame["person_id"] = pd.Series(draw(st.lists(ID_VALUES, min_size=n, max_size=n)), dtype=STR_DTYPE)
    elif ids == "none":
        frame = frame.drop(columns="person_id")
    else:
        frame["person_id"] = frame["person_id"].astype(STR_DTYPE)
        if ids == "repeat" and n > 1:
            frame.loc[n - 1, "person_id"] = frame.loc[0, "person_id"]
    if draw(st.booleans()):
        frame["备注"] = pd.Series(draw(st.lists(st.sampled_from(["1", "2.5", "x", "是", None]), min_size=n,
                                               max_size=n)), dtype=STR_DTYPE)
    return frame


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frame=typed_frames(), skip=st.booleans(), chunk=st.sampled_from([2, 5, 1 << 20]), ids_apart=st.booleans())
def test_fast_validator_matches_reference_on_frames(frame: pd.DataFrame, skip: bool, chunk: int,
                                                    ids_apart: bool) -> None:
    saved = population_validate.LOGIC_CHUNK, rowchecks.ID_THREAD_ROWS
    population_validate.LOGIC_CHUNK = chunk  # the logical checks in chunks of rows, as on a large file
    rowchecks.ID_THREAD_ROWS = 0 if ids_apart else 1 << 40  # person_id checked on a thread of its own, or not
    try:
        _compare(frame, skip_invalid=skip)
    finally:
        population_validate.LOGIC_CHUNK, rowchecks.ID_THREAD_ROWS = saved


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frame=typed_frames())
def test_fast_validator_matches_reference_on_parquet(frame: pd.DataFrame) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "pop.parquet"
        frame.to_parquet(path, index=False)
        _compare(path, skip_invalid=True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frame=typed_frames(), data=st.data())
def test_validating_some_columns_matches_reference_on_those_columns(frame: pd.DataFrame, data: st.DataObject) -> None:
    """``columns=`` validates exactly what the reference validates on a frame of those columns (and person_id)."""
    names = [c for c in frame.columns if c != "person_id"]
    wanted = data.draw(st.lists(st.sampled_from(names), unique=True, min_size=1, max_size=len(names)))
    kept = frame[[c for c in frame.columns if c in wanted or c == "person_id"]]
    try:
        want = ref.read_population(kept, skip_invalid=True)
    except PopulationError as exc:
        with pytest.raises(PopulationError) as got_exc:
            read_population(frame, skip_invalid=True, columns=wanted)
        assert str(got_exc.value) == str(exc)
        return
    got = read_population(frame, skip_invalid=True, columns=wanted)
    pd.testing.assert_frame_equal(got.rejected, want.rejected)
    pd.testing.assert_frame_equal(got.frame, want.frame)
    assert got.warnings == want.warnings


def test_parquet_read_matches_pandas(tmp_path: Path) -> None:
    """The column-by-column Parquet read gives the frame pandas' default read gives (dtypes and values)."""
    frame = make_population(50, seed=5)
    frame["note"] = pd.Series(["x", None] * 25, dtype=STR_DTYPE)
    frame["wide"] = np.arange(50, dtype=np.float64)
    path = tmp_path / "pop.parquet"
    frame.to_parquet(path, index=False)
    pd.testing.assert_frame_equal(read_table(path).frame, pd.read_parquet(path))


def test_reference_comparison_sees_problems() -> None:
    """The fuzzing reaches both sides: a frame with a bad row of each kind is rejected the same way by both."""
    frame = make_population(6, seed=3)
    frame["age"] = np.array([30, 200, 40, 41, 42, 43], dtype=np.float32)
    frame["education"] = pd.Categorical(["bachelor", "master", "phd?", "bachelor", None, "本科"])
    frame["person_id"] = pd.Series(["A1", "A2", "A3", "A1", "A5", "A6"], dtype=STR_DTYPE)
    load = read_population(frame, skip_invalid=True)
    assert sorted(set(load.rejected["row"])) == [1, 2, 3, 4, 5]  # repeated id (1, 4), age, unknown, missing
    _compare(frame, skip_invalid=True)


TEXT = st.text(alphabet="ab 中\u3000\t0P@qx1-", max_size=12)


@st.composite
def text_series(draw: st.DrawFn) -> pd.Series:
    """Pyarrow text columns: one width (ids) or mixed, sometimes a slice of a longer column."""
    width = draw(st.sampled_from([None, 0, 1, 3, 7, 8, 9, 12, 20]))
    values = draw(st.lists(TEXT if width is None else st.text(alphabet="ab0P1 ", min_size=width, max_size=width),
                           max_size=25))
    series = pd.Series(values, dtype=STR_DTYPE)
    return series.iloc[1:] if draw(st.booleans()) and len(series) > 2 else series


@settings(max_examples=150, deadline=None)
@given(ids=text_series())
def test_repeated_ids_match_pandas(ids: pd.Series) -> None:
    np.testing.assert_array_equal(repeated(ids), ids.duplicated(keep=False).to_numpy(dtype=bool))


@settings(max_examples=150, deadline=None)
@given(values=st.lists(st.one_of(TEXT, st.sampled_from(sorted(MISSING_TOKENS)).map(lambda t: f" {t.upper()}\u3000")),
                       min_size=1, max_size=25))
def test_missing_tokens_match_the_whole_column_test(values: list[str]) -> None:
    col = pd.Series(values, dtype=STR_DTYPE)
    want = col.str.strip().str.lower().isin(MISSING_TOKENS).to_numpy(dtype=bool)
    np.testing.assert_array_equal(missing_mask(col), want)


@settings(max_examples=150, deadline=None)
@given(width=st.integers(min_value=1, max_value=30), data=st.data())
def test_ascii_prescreen_keeps_every_prefilter_hit(width: int, data: st.DataObject) -> None:
    """The byte-level pre-screen of one-width ASCII ids is a superset of the pattern prefilter."""
    values = data.draw(st.lists(st.text(alphabet="0123456789 -@abqQwxvtelphonmiWX+.", min_size=width,
                                        max_size=width), min_size=1, max_size=20))
    arr = pa.array(values, type=data.draw(st.sampled_from([pa.string(), pa.large_string()])))
    may = ascii_may_hold(arr)
    assert may is not None
    assert not (_match(arr, PREFILTER) & ~may).any()


CSV_CELLS = st.one_of(st.text(alphabet='ab1 ."\n\r,;\t中', max_size=6), st.sampled_from(["", " ", "NA", "3.5", "是"]))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.lists(CSV_CELLS, min_size=3, max_size=3), min_size=1, max_size=6),
       quote=st.booleans(), breaks=st.sampled_from(["\n", "\r\n"]), blank=st.booleans(), ragged=st.booleans())
def test_arrow_csv_parse_matches_pandas(rows: list[list[str]], quote: bool, breaks: str, blank: bool,
                                        ragged: bool) -> None:
    """pyarrow's parse of the rows below the header gives pandas' frame, or steps aside (None) for pandas."""
    import csv
    import io

    buf = io.StringIO()
    csv.writer(buf, quoting=csv.QUOTE_ALL if quote else csv.QUOTE_MINIMAL, lineterminator=breaks).writerows(rows)
    body = buf.getvalue()
    if blank:
        body = body.replace(breaks, breaks + breaks, 1)
    if ragged:
        body += "x,y" + breaks
    text = "备注\n年龄,学历,居住年限" + breaks + body
    got = csv_read._arrow_csv(text, ",", ["年龄", "学历", "居住年限"], 2)
    if got is None:
        return
    try:
        want = pd.read_csv(io.StringIO(text), sep=",", header=None, names=["年龄", "学历", "居住年限"], skiprows=2,
                           dtype=str, keep_default_na=False, na_filter=False, skip_blank_lines=True, index_col=False)
    except (pd.errors.ParserError, ValueError):
        raise AssertionError("pyarrow parsed a file pandas refuses") from None
    pd.testing.assert_frame_equal(got, want)


@settings(max_examples=150, deadline=None)
@given(values=st.lists(TEXT, min_size=1, max_size=12), pad=st.integers(min_value=0, max_value=14))
def test_text_hash_is_the_same_in_any_batch(values: list[str], pad: int) -> None:
    """The out-of-core duplicate-id hash of a text does not depend on the other texts of its batch (one width or
    mixed widths), so repeated ids are found across batches."""
    alone = [text_hash(pd.Series([v], dtype=STR_DTYPE))[0] for v in values]
    mixed = text_hash(pd.Series([*values, "x" * pad], dtype=STR_DTYPE))[:len(values)]
    np.testing.assert_array_equal(mixed, np.array(alone, dtype=np.uint64))
    for v in values:
        width = len(v.encode())
        same_width = text_hash(pd.Series([v, "z" * width], dtype=STR_DTYPE))[0]
        assert same_width == text_hash(pd.Series([v], dtype=STR_DTYPE))[0]


@pytest.mark.parametrize("skip", [True, False])
def test_a_negative_zero_residence_reads_as_zero_in_a_reason(skip: bool) -> None:
    """Found by the fuzzing above: with residence years of -0.0 and no other-districts column, the reason for
    permit years over the residence said '(-0)' where the reference says '(0)' (its sum adds 0.0)."""
    frame = make_population(6, seed=5).drop(columns=["residence_years_other_districts"], errors="ignore")
    frame["residence_years"] = np.float32(-0.0)
    frame["has_residence_permit"] = True
    frame["permit_years"] = np.float32(3.0)
    _compare(frame, skip_invalid=skip)
    if skip:
        reasons = list(read_population(frame, skip_invalid=True).rejected["reason"])
        assert reasons and any("the city (0)" in r for r in reasons) and not any("(-0)" in r for r in reasons)
