"""Fuzzing the loader: random bytes and random frames never raise anything but PopulationError."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.errors import PopulationError
from scoring.population.load import PopulationLoad, read_population

HEADERS = ["年龄", "性别", "学历", "居住年限", "社保缴纳年限", "是否持有居住证", "持有居住证年限", "person_id",
           "人员编号", "district", "housing", "employed", "备注", "x", "owned_home_years", "rented_home_years",
           "detentions"]
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-10**12, max_value=10**19),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["是", "否", "男", "女", "本科", "硕士", "上城区", "", "NA", "12", "3.5", "5年", "abc", "张伟",
                     "13812345678", "11010519491231002X", "１２", "\x00", "\ufeff年龄"]),
    st.text(max_size=8),
)


def check_load(load: PopulationLoad) -> None:
    assert load.rows_in == len(load.frame) + load.rows_rejected
    if len(load.rejected):
        rejected_pos = set((load.rejected["row"] - 1).tolist())
        assert rejected_pos.isdisjoint(set(load.frame.index))
        assert len(rejected_pos) == load.rows_rejected
    assert set(load.frame.index) <= set(range(load.rows_in))
    load.summary()


def try_read(source: object, **kw: bool) -> None:
    try:
        load = read_population(source, **kw)  # type: ignore[arg-type]
    except PopulationError as exc:
        assert str(exc).strip()
        return
    check_load(load)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".csv", ".xlsx", ".parquet", ".txt", ""]),
       prefix=st.sampled_from([b"", b"\xef\xbb\xbf", b"PK\x03\x04", b"PAR1", "年龄,性别\n".encode("gb18030"),
                               b"age,sex,education\n30,M,bachelor\n"]))
def test_random_bytes(data: bytes, suffix: str, prefix: bytes) -> None:
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / f"pop{suffix}"
        p.write_bytes(prefix + data)
        try_read(p, skip_invalid=True)
        try_read(p)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_frames(data: st.DataObject) -> None:
    ncols = data.draw(st.integers(min_value=0, max_value=6))
    nrows = data.draw(st.integers(min_value=0, max_value=8))
    headers = data.draw(st.lists(st.one_of(st.sampled_from(HEADERS), st.text(max_size=5)), min_size=ncols,
                                 max_size=ncols, unique=True))
    cols = {h: data.draw(st.lists(VALUES, min_size=nrows, max_size=nrows)) for h in headers}
    frame = pd.DataFrame({h: pd.Series(v, dtype=object) for h, v in cols.items()}, index=range(nrows))
    skip = data.draw(st.booleans())
    drop = data.draw(st.booleans())
    try_read(frame, skip_invalid=skip, drop_identifiers=drop)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(VALUES, min_size=3, max_size=3), min_size=1, max_size=6),
       st.sampled_from(["utf-8", "gb18030"]))
def test_random_csv_rows(rows: list[list[object]], encoding: str) -> None:
    frame = pd.DataFrame(rows, columns=["年龄", "学历", "居住年限"])
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "pop.csv"
        try:
            frame.to_csv(p, index=False, encoding=encoding)
        except UnicodeEncodeError:
            return
        try_read(p, skip_invalid=True)
