"""A GB18030 CSV file parsed as its own bytes (:mod:`scoring.population.csv_gb18030`) against the file transcoded
to UTF-8 first (the reader before, :func:`utf8_body` + :func:`read_csv_bytes`): the same values, header row, row
numbers, warnings and refusals, with characters whose bytes look like ASCII (GBK trail bytes 0x40-0x7E, the digits
inside four-byte characters), quoted values holding delimiters and line breaks, values in many parse blocks, and
bytes that do not decode."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from parse_blocks import small_blocks

from scoring.errors import PopulationError
from scoring.population import csv_gb18030, csv_read
from scoring.population.io import read_table

# 丂 (81 40) and 亐 (81 7C: "|") have trail bytes in the ASCII range; 𠀀 and 㐀 are four-byte (digits inside)
ALPHABET = "ab1,\" \n中丂亐𠀀㐀€\u3000é9"
VALUE = st.one_of(st.text(alphabet=ALPHABET, max_size=6), st.sampled_from(["", "NA", "3.5", "是", "本科", "35"]))


def _text(header: list[str], rows: list[list[str]], title: str, breaks: str) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=breaks)
    writer.writerow(header)
    writer.writerows(rows)
    return title.replace("\n", breaks) + buf.getvalue()


def _transcoded(path: Path, select: Any = None) -> Any:
    """The reader before: the whole file transcoded to UTF-8, then parsed."""
    raw, base, enc = csv_read.utf8_body(path.read_bytes(), path.name)
    table = csv_read.read_csv_bytes(raw, path.name, select, base)
    table.encoding = enc
    return table


def _outcome(fn: Any) -> Any:
    try:
        return fn()
    except PopulationError as exc:
        return exc


def _unread(table: Any) -> dict[str, list[str]]:
    if table.unread is None:
        return {}
    ((_, block),) = list(table.unread.blocks())
    return {h: block[h].to_pylist() for h in block}


def _same(path: Path, select: Any = None) -> Any:
    got, want = _outcome(lambda: read_table(path, select=select)), _outcome(lambda: _transcoded(path, select))
    if isinstance(want, PopulationError):
        assert isinstance(got, PopulationError) and str(got) == str(want)
        return got
    assert not isinstance(got, PopulationError), got
    pd.testing.assert_frame_equal(got.frame, want.frame)
    assert (got.encoding, got.header_row, got.warnings, got.headers) == \
        (want.encoding, want.header_row, want.warnings, want.headers)
    if want.row_numbers is None:
        assert got.row_numbers is None
    else:
        np.testing.assert_array_equal(got.row_numbers, want.row_numbers)
    assert _unread(got) == _unread(want)
    return got




@contextmanager
def no_transcoding() -> Iterator[None]:
    """Transcoding the whole file fails the test: the file must be read as its own bytes."""
    saved = csv_read._transcode

    def refuse(data: bytes, encoding: str) -> bytes:
        raise AssertionError("the whole file was transcoded")

    csv_read._transcode = refuse
    try:
        yield
    finally:
        csv_read._transcode = saved


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.lists(VALUE, min_size=3, max_size=3), min_size=1, max_size=12),
       title=st.sampled_from(["", "积分落户名单\n", "\n\n", "说明,,\n"]), breaks=st.sampled_from(["\n", "\r\n", "\r"]),
       delim=st.sampled_from([",", "\t", ";", "|"]), block=st.sampled_from([48, 1 << 22]),
       bad=st.sampled_from([None, b"\x81", b"\xff", b"\x81\x30", b"\x80"]), where=st.integers(min_value=0),
       some=st.booleans())
def test_parsing_the_bytes_matches_transcoding_first(rows: list[list[str]], title: str, breaks: str, delim: str,
                                                     block: int, bad: bytes | None, where: int, some: bool) -> None:
    text = _text(["年龄", "学历", "备注"], rows, title, breaks).replace(",", delim) if delim != "," else \
        _text(["年龄", "学历", "备注"], rows, title, breaks)
    data = text.encode("gb18030")
    if bad is not None:  # a byte that does not decode (or an unfinished character), anywhere in the file
        at = where % (len(data) + 1)
        data = data[:at] + bad + data[at:]
    select = (lambda headers: [h for h in headers if h != "备注"]) if some else None
    with tempfile.TemporaryDirectory() as d, small_blocks(block):
        path = Path(d) / "pop.csv"
        path.write_bytes(data)
        _same(path, select)


def test_a_chinese_file_is_not_transcoded_whole(tmp_path: Path) -> None:
    rows = [[str(20 + i % 40), ["本科", "硕士研究生", "丂亐"][i % 3], f"备注{i}𠀀"] for i in range(3000)]
    path = tmp_path / "pop.csv"
    path.write_bytes(_text(["年龄", "学历", "备注"], rows, "", "\n").encode("gb18030"))
    with small_blocks(1024):
        want = _transcoded(path)
        _same(path)
        with no_transcoding():
            got = read_table(path)
    assert got.encoding == "gb18030" and got.frame["学历"].tolist()[:3] == ["本科", "硕士研究生", "丂亐"]
    assert got.frame["备注"].iloc[-1] == "备注2999𠀀" and got.row_numbers[-1] == 3001 == want.row_numbers[-1]


@pytest.mark.parametrize("bad", [b"\xff", b"\x81", b"\x95\x32"])
@pytest.mark.parametrize("column", [1, 2])
def test_a_byte_that_does_not_decode_mid_file_is_refused(tmp_path: Path, bad: bytes, column: int) -> None:
    """In a number column or a Chinese one, in a middle block: neither among the first lines (decoded for the
    header) nor in the last 64 KB (decoded for the row numbers), so only decoding every value finds it."""
    rows = [[f"{i:05d}", str(20 + i % 40), "本科", "中文"] for i in range(20000)]
    rows[10000][column + 1] = "3QQ5"
    path = tmp_path / "pop.csv"
    path.write_bytes(_text(["人员编号", "年龄", "学历", "备注"], rows, "", "\n").encode("gb18030").replace(b"QQ", bad))
    assert path.stat().st_size > 4 * 65536 and bad in path.read_bytes()
    with small_blocks(4096):
        got = _same(path)
    assert isinstance(got, PopulationError) and "cannot decode the file as UTF-8 or GB18030" in str(got)


def test_too_many_distinct_values_are_transcoded_whole(tmp_path: Path) -> None:
    rows = [[str(20 + i % 40), "本科", f"中文{i}"] for i in range(500)]
    path = tmp_path / "pop.csv"
    path.write_bytes(_text(["年龄", "学历", "备注"], rows, "", "\n").encode("gb18030"))
    saved = csv_gb18030.MAX_DECODED
    csv_gb18030.MAX_DECODED = 100
    try:
        got = _same(path)
        with no_transcoding(), pytest.raises(AssertionError, match="transcoded"):
            read_table(path)
    finally:
        csv_gb18030.MAX_DECODED = saved
    assert got.frame["备注"].iloc[-1] == "中文499"
