"""The CSV front door on bytes (issue 14): the same encoding detection, values and row numbers as decoding the whole
file to text and parsing it with pandas; and long numbers that Excel wrote in scientific notation (a phone or ID
number whose last digits are lost) refused as identifiers, in CSV text and in workbook cells, never echoed."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.errors import IdentifierError, PopulationError
from scoring.population.csv_read import csv_row_numbers, utf8_body
from scoring.population.identifiers_embedded import number_kinds, text_kinds
from scoring.population.io import decode_bytes, read_table
from scoring.population.load import read_population

PREFIXES = [b"", b"\xef\xbb\xbf", b"\xff\xfe", "年龄,学历\n".encode("gb18030"), "年龄,学历\n".encode(),
            b"age,sex\n\x00", b"\xef\xbb\xbf\xff"]


@settings(max_examples=300, deadline=None)
@given(prefix=st.sampled_from(PREFIXES), data=st.binary(max_size=60),
       text=st.text(alphabet="ab1,\n\r 中𠀀\u3000é\x00", max_size=20),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]))
def test_encoding_detection_matches_decoding_the_text(prefix: bytes, data: bytes, text: str, encoding: str) -> None:
    """:func:`utf8_body` finds the encoding :func:`decode_bytes` finds, with the same text, or the same refusal."""
    for raw in (prefix + data, prefix + text.encode(encoding)):
        try:
            want_text, want_enc = decode_bytes(raw, "f.csv")
        except PopulationError as exc:
            with pytest.raises(PopulationError) as got:
                utf8_body(raw, "f.csv")
            assert str(got.value) == str(exc)
            continue
        body, base, enc = utf8_body(raw, "f.csv")
        assert enc == want_enc
        assert body[base:] == want_text.encode("utf-8")


@pytest.mark.parametrize(("raw", "bom"), [(b"\xff\xfep\x00e\x00\x00\xd8", "UTF-16"),
                                          (b"\xef\xbb\xbfperson_id\n\xff", "UTF-8")])
def test_a_broken_file_after_a_byte_order_mark_names_its_encoding(tmp_path: Path, raw: bytes, bom: str,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """A byte-order mark names the encoding tried (a new user's UTF-16 file was told UTF-8 and GB18030 failed); the
    command line words it in Chinese by default."""
    from scoring.cli import main

    for reader in (decode_bytes, utf8_body):
        with pytest.raises(PopulationError, match=f"starts with a {bom} byte-order mark but is not valid {bom}"):
            reader(raw, "f.csv")
    path = tmp_path / "f.csv"
    path.write_bytes(raw)
    scheme = str(Path(__file__).resolve().parent.parent / "scenarios" / "schemes" / "beijing-2020.yaml")
    assert main(["admit", "--scheme", scheme, "--quota", "5", "--population", str(path)]) == 2
    assert capsys.readouterr().err == (f"错误：f.csv：文件以 {bom} 字节顺序标记（BOM）开头，但内容不是有效的 {bom} "
                                       "文本；请另存为 UTF-8 或 GB18030 编码的 CSV，或 XLSX、Parquet 文件\n")


LINE = st.lists(st.one_of(st.text(alphabet='ab1 ."中é\u3000', max_size=5), st.sampled_from(["", "NA", "3.5", "是"])),
                min_size=3, max_size=3)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(rows=st.lists(LINE, min_size=1, max_size=6), title=st.sampled_from(["", "积分落户名单\n", "\n\n", "说明,,\n"]),
       breaks=st.sampled_from(["\n", "\r\n", "\r"]), blank=st.booleans(), tail=st.sampled_from(["", "\n", " \n\u3000"]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]), quote=st.booleans())
def test_bytes_reader_matches_pandas_on_the_text(tmp_path: Path, rows: list[list[str]], title: str, breaks: str,
                                                 blank: bool, tail: str, encoding: str, quote: bool) -> None:
    """The values of every row are those pandas reads from the decoded text below the header, and the row numbers
    are those counted on the text (:func:`csv_row_numbers`)."""
    import csv

    buf = io.StringIO()
    csv.writer(buf, quoting=csv.QUOTE_ALL if quote else csv.QUOTE_MINIMAL, lineterminator=breaks).writerows(rows)
    body = buf.getvalue()
    if blank:
        body = body.replace(breaks, breaks + breaks, 1)
    text = (title + "年龄,学历,居住年限\n").replace("\n", breaks) + body + tail.replace("\n", breaks)
    path = tmp_path / "pop.csv"
    try:
        path.write_bytes(text.encode(encoding))
    except UnicodeEncodeError:
        return
    decoded, enc = decode_bytes(path.read_bytes(), path.name)
    try:
        got = read_table(path)
    except PopulationError as exc:  # pandas refuses the rows too
        assert "CSV" in str(exc)
        return
    assert got.encoding == enc
    want = pd.read_csv(io.StringIO(decoded), sep=",", header=None, names=["年龄", "学历", "居住年限"],
                       skiprows=got.header_row, dtype=str, keep_default_na=False, na_filter=False,
                       skip_blank_lines=True, index_col=False)
    pd.testing.assert_frame_equal(got.frame.astype(object), want.astype(object))
    want_rows = csv_row_numbers(decoded, len(want), got.header_row)
    if want_rows is None:
        assert got.row_numbers is None
    else:
        np.testing.assert_array_equal(got.row_numbers, want_rows)
    assert got.header_row == decoded.count(breaks, 0, decoded.index("年龄,学历")) + 1


def test_gb18030_file_read_as_utf8_bytes(tmp_path: Path) -> None:
    path = tmp_path / "pop.csv"
    path.write_bytes("年龄,学历,备注\n35,本科,𠀀中文\n40,硕士研究生,\n".encode("gb18030"))
    table = read_table(path)
    assert table.encoding == "gb18030"
    assert table.frame["备注"].tolist() == ["𠀀中文", ""]
    assert table.row_numbers.tolist() == [2, 3]


# --- long numbers in scientific notation ---------------------------------------------------------------------------

SCI_PHONES = ["1.38123E+10", "1.39E+10", "5.71889E+10", "8.61381E+12", " 1.38123e10 "]
SCI_IDS = ["1.10105E+17", "3.30106E+17", "1.10105E+14", "4.4E+17"]
NOT_IDS = ["1.5E+09", "2.5E-05", "1e3", "35", "3.5", "P1E+17x", "1.10105E+18", "E+17"]


def test_scientific_notation_of_long_numbers_is_an_identifier() -> None:
    got = text_kinds(pd.array(SCI_PHONES + SCI_IDS + NOT_IDS, dtype="string[pyarrow]").__arrow_array__())
    n_p, n_i = len(SCI_PHONES), len(SCI_IDS)
    assert got["phone"].tolist() == [True] * n_p + [False] * (n_i + len(NOT_IDS))
    assert got["id_number"].tolist() == [False] * n_p + [True] * n_i + [False] * len(NOT_IDS)


def _csv(tmp_path: Path, column: str, values: list[str]) -> Path:
    n = len(values)
    frame = pd.DataFrame({"年龄": [30 + i % 20 for i in range(n)], "学历": ["本科"] * n, column: values})
    path = tmp_path / "pop.csv"
    path.write_bytes(frame.to_csv(index=False).encode("gb18030"))
    return path


@pytest.mark.parametrize("value", ["1.10105E+17", "1.38123E+10"])
@pytest.mark.parametrize("column", ["person_id", "备注"])
@pytest.mark.parametrize("columns", [None, ["age"]])
def test_excel_scientific_notation_in_a_csv_is_refused(tmp_path: Path, value: str, column: str,
                                                       columns: list[str] | None) -> None:
    """An id column (or any other) holding a phone or ID number Excel wrote as 1.38123E+10 is refused as an
    identifier, read or not (``columns``), and the value is never shown."""
    values = [f"A{i:05d}" for i in range(30)]
    values[4] = value
    path = _csv(tmp_path, column, values)
    with pytest.raises(IdentifierError) as info:
        read_population(path, columns=columns)
    msg = str(info.value)
    assert f"'{column}'" in msg and ("ID numbers" in msg if "E+17" in value else "telephone" in msg)
    assert "Excel row 6" in msg
    assert value not in msg and value.split("E")[0] not in msg
    load = read_population(path, drop_identifiers=True, columns=columns)
    assert load.dropped_identifiers == [column]
    assert value not in load.frame.astype(str).to_string()


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_whole_column_of_scientific_notation_is_refused(tmp_path: Path, suffix: str) -> None:
    """Every value of one width (the byte-position proof's case, identifiers_embedded.one_width_clean): a column
    of phone numbers Excel wrote as 1.38123E+10 must not be cleared by the proof."""
    values = [f"1.{38100 + i:05d}E+10" for i in range(40)]
    assert len({len(v) for v in values}) == 1
    frame = pd.DataFrame({"年龄": [30 + i % 20 for i in range(40)], "学历": ["本科"] * 40, "备注": values})
    path = tmp_path / f"pop{suffix}"
    if suffix == ".csv":
        path.write_bytes(frame.to_csv(index=False).encode("gb18030"))
    else:
        frame.to_parquet(path)
    with pytest.raises(IdentifierError) as info:
        read_population(path, columns=["age"])
    assert "'备注'" in str(info.value) and "381" not in str(info.value)


def test_scientific_notation_in_a_scored_column_is_refused_even_when_dropping(tmp_path: Path) -> None:
    path = tmp_path / "pop.csv"
    path.write_text("年龄,学历\n35,本科\n1.38123E+10,本科\n", encoding="utf-8")
    with pytest.raises(IdentifierError) as info:
        read_population(path, drop_identifiers=True)
    assert info.value.needed and "1.38123" not in str(info.value)


def test_plain_numbers_in_scientific_notation_are_not_identifiers(tmp_path: Path) -> None:
    """Small numbers in scientific notation stay values (a bad age is a validation problem, not an identifier)."""
    path = tmp_path / "pop.csv"
    path.write_text("年龄,学历,备注\n35,本科,2.5E-05\n1.5E+09,本科,1e3\n", encoding="utf-8")
    load = read_population(path, skip_invalid=True)
    assert load.rows_rejected == 1 and "between" in load.rejected["reason"].iloc[0]


def test_number_kinds_of_truncated_excel_numbers() -> None:
    """An 18- or 15-digit float whose digits after the area code are gone (Excel's 1.10105E+17 read back) is an ID
    number when the area is a province; an exact int64 of that shape still needs a valid check digit."""
    vals = np.array([1.10105e17, 3.30106e17, 1.10105e14, 1.0e17, 9.9e17, 1.38123e10, 1.234e17 + 5e11])
    got = number_kinds(vals)
    assert got["id_number"].tolist() == [True, True, True, False, False, False, False]
    assert got["phone"].tolist() == [False] * 5 + [True, False]
    assert not number_kinds(np.array([110105000000000000], dtype=np.int64))["id_number"].any()


def _xlsx(tmp_path: Path, column: str, cells: list[object]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["年龄", "学历", column])
    for i, cell in enumerate(cells):
        ws.append([30 + i % 20, "本科", cell])
    path = tmp_path / "pop.xlsx"
    wb.save(path)
    return path


@pytest.mark.parametrize(("cell", "kind"), [(110105194912310002, "ID numbers"), (1.10105e17, "ID numbers"),
                                            (13812345678, "telephone"), (1.38123e10, "telephone"),
                                            ("1.10105E+17", "ID numbers"), ("1.38123E+10", "telephone")])
def test_long_numbers_in_workbook_cells_are_refused(tmp_path: Path, cell: object, kind: str) -> None:
    """Numeric cells holding 11- or 18-digit numbers (whole, or cut to six digits by Excel) and text cells in
    scientific notation are refused as identifiers, in an id column as in any other."""
    for column in ("person_id", "备注"):
        cells: list[object] = [f"A{i:05d}" for i in range(20)]
        cells[2] = cell
        path = _xlsx(tmp_path, column, cells)
        with pytest.raises(IdentifierError) as info:
            read_population(path)
        msg = str(info.value)
        assert f"'{column}'" in msg and kind in msg and "Excel row 4" in msg
        assert str(cell) not in msg and "1.10105" not in msg and "138123" not in msg
