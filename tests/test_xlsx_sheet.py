"""The Excel sheet writer (``scoring.xlsx_sheet``) against pandas' ``to_excel`` through the same safe writer: the
same cells (value and type, blanks where pandas leaves them), the same header look, on result tables with
missing points and hostile ids and on frames of every handled dtype; frames it does not handle go to pandas.
A number may differ only as pandas' 16 significant digits differ from the exact double, which ours keeps."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import safe_output
from scoring.admission import admit
from scoring.engine.core import score
from scoring.population.synthetic import synth
from scoring.result_table import ResultTable
from scoring.scheme.load import load_scheme
from scoring.xlsx_sheet import column_kinds

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ["=1+1", "@SUM(A1)", "-3.5", "+7", "\tq", "｜x", 'a"b', "line\nbreak", "张三", "'=quoted", "", "x" * 40_000,
           "<b>&amp;</b>", "007", "1E+3", "TRUE", "_x0041_", "a\x01b\x1fc", "\x0bv", "\u3000全角空格", "尾\u00a0",
           " lead", "trail ", "\ufffe\uffff", "😀" * 20_000, "x" * 32_766 + "😀", "]]>", "\r\n", "a\u2028b"]


def _cells(path: Path) -> list[list[tuple[object, str]]]:
    sheet = openpyxl.load_workbook(path).worksheets[0]
    return [[(c.value, c.data_type) for c in row] for row in sheet.iter_rows()]


def _same_cells(ours: list[list[tuple[object, str]]], theirs: list[list[tuple[object, str]]]) -> None:
    """Cell for cell the same, but for numbers that pandas (xlsxwriter: ``%.16G``) rounded to 16 digits."""
    assert len(ours) == len(theirs) and [len(r) for r in ours] == [len(r) for r in theirs]
    for r, (row_ours, row_theirs) in enumerate(zip(ours, theirs, strict=True)):
        for c, ((v, t), (w, u)) in enumerate(zip(row_ours, row_theirs, strict=True)):
            if isinstance(v, int | float) and not isinstance(v, bool) and t == u == "n":
                assert float(f"{v:.16G}") == w, (r, c, v, w)
            elif isinstance(v, str):  # openpyxl undoes the escape of "_xHHHH_" in shared strings only (pandas')
                assert (v.replace("x005F_", ""), t) == (w, u), (r, c, v, w)
            else:
                assert (v, t) == (w, u), (r, c, v, w)


def _both(frame: pd.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> tuple[Path, Path]:
    ours = safe_output.write_table(frame, tmp_path / f"{name}-ours.xlsx", stamp="示意 · 模拟")
    with monkeypatch.context() as m:
        m.setattr("scoring.xlsx_sheet.column_kinds", lambda frame, index: None)  # pandas' to_excel, as before
        theirs = safe_output.write_table(frame, tmp_path / f"{name}-pandas.xlsx", stamp="示意 · 模拟")
    return ours, theirs


def _mixed_frame(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(n)
    floats = rng.normal(size=n)
    floats[::7] = np.nan
    text = [HOSTILE[i % len(HOSTILE)] for i in range(n)]
    return pd.DataFrame({
        "int": rng.integers(-5, 5, n), "uint8": rng.integers(0, 200, n).astype(np.uint8),
        "float32": floats.astype(np.float32), "float": floats, "flag": rng.random(n) < 0.5,
        "nullable_flag": pd.array(rng.random(n) < 0.5, dtype="boolean"),
        "str": pd.Series(text, dtype=pd.StringDtype("pyarrow", na_value=np.nan)).where(rng.random(n) < 0.9),
        "string": pd.Series(text, dtype="string"),
        "cat": pd.Categorical([["甲", "=b", None][i % 3] for i in range(n)]),
        "=header": np.arange(n),
    })


def test_result_tables_match_pandas_cell_for_cell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scheme = load_scheme(ROOT / "scenarios" / "schemes" / "beijing-2020.yaml")
    pop = synth(600, seed=5)
    pop["person_id"] = pd.Series([HOSTILE[i % len(HOSTILE)] + str(i) for i in range(600)],
                                 dtype=pop["person_id"].dtype)
    pop["insurance_years"] = pop["insurance_years"].astype("float64")
    pop.loc[::9, "insurance_years"] = np.nan  # rejected rows: missing points
    res = score(pop, scheme, on_invalid="reject")
    frame = ResultTable.of(res, admitted=admit(res, quota=30).admitted_mask, stamp="示意 · 模拟").frame()
    assert column_kinds(safe_output.excel_safe_frame(frame), index=False) is not None
    ours, theirs = _both(frame, tmp_path, monkeypatch, "result")
    _same_cells(_cells(ours), _cells(theirs))


@pytest.mark.parametrize("n", [0, 1, 257])
def test_every_handled_dtype_matches_pandas(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, n: int) -> None:
    frame = _mixed_frame(n)
    assert column_kinds(safe_output.excel_safe_frame(frame), index=False) is not None
    ours, theirs = _both(frame, tmp_path, monkeypatch, f"mixed{n}")
    _same_cells(_cells(ours), _cells(theirs))
    sheet = openpyxl.load_workbook(ours).worksheets[0]  # ours keeps every double exactly
    for j, name in ((2, "float32"), (3, "float")):
        want = [None if np.isnan(x) else float(x) for x in frame[name].to_numpy(dtype=np.float64)]
        assert [c.value for c in sheet[chr(ord("A") + j)][1:]] == want
    header = openpyxl.load_workbook(ours).worksheets[0]["A1"]
    assert header.font.b and header.border.top.style == "thin" and header.alignment.horizontal == "center"


def test_what_it_does_not_handle_goes_to_pandas(tmp_path: Path) -> None:
    for frame in (pd.DataFrame({"when": pd.to_datetime(["2024-01-02"])}), pd.DataFrame({"mixed": [1, "a"]}),
                  pd.DataFrame({"inf": [1.0, np.inf]}), pd.DataFrame({"x": [1]}, index=["a"]),
                  pd.DataFrame({1: [1.0]})):
        index = not isinstance(frame.index, pd.RangeIndex)
        assert column_kinds(safe_output.excel_safe_frame(frame), index=index) is None
        path = safe_output.write_table(frame, tmp_path / "x.xlsx", index=index)
        assert len(pd.read_excel(path)) == 1 or len(frame) == 2


def test_the_command_says_it_is_writing_a_large_excel_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """A large Excel output took a minute with nothing on the screen (trial): the command says what it is doing,
    in the user's language."""
    from scoring.cli import core, main

    monkeypatch.setattr(core, "XLSX_SLOW_ROWS", 100)
    pop = tmp_path / "p.parquet"
    synth(300, seed=1).to_parquet(pop, index=False)
    scheme = str(ROOT / "scenarios" / "schemes" / "beijing-2020.yaml")
    for lang, words in (("zh", "正在写出 Excel 文件（300 行"), ("en", "writing the Excel file (300 rows")):
        out = tmp_path / f"a-{lang}.xlsx"
        assert main(["admit", "--scheme", scheme, "--population", str(pop), "--quota", "5", "--out", str(out),
                     "--lang", lang]) == 0
        assert words in capsys.readouterr().err
        assert len(pd.read_excel(out)) == 300


MARKUP = ['<r><t>a</t></r></is></c><c r="Z2"><f>HYPERLINK("http://evil.example","x")</f></c><c r="Y2" '
          't="inlineStr"><is><r><t>b</t></r>',
          "<r><t>a</t></r></si><si><t>x</t></si><si><r><t>b</t></r>", "<r>x</r>", "<r></r>"]


def _no_markup_in(path: Path, expected: list[list[object]]) -> None:
    """The sheet holds exactly ``expected`` (its cells as openpyxl reads them) and not one formula."""
    sheet = openpyxl.load_workbook(path).worksheets[0]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert not [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert rows == expected


@pytest.mark.parametrize("writer", ["sheet", "pandas"])
def test_text_that_xlsxwriter_would_write_as_markup_stays_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               writer: str) -> None:
    """xlsxwriter writes a string starting "<r>" and ending "</r>" as raw XML (its rich-string shortcut): a
    population value could close its cell and open a live formula (found: admit --out x.xlsx wrote
    =HYPERLINK(...) into Z2), or break the workbook. Every such text (cells, categories, column names) is written
    with the leading apostrophe, by both writers: read back, the sheet holds the texts, not one formula."""
    if writer == "pandas":
        monkeypatch.setattr("scoring.xlsx_sheet.column_kinds", lambda frame, index: None)
    frame = pd.DataFrame({"person_id": MARKUP, "v": [1.0, 2.0, 3.0, 4.0],
                          "<r>h</r>": pd.Categorical(["<r>c</r>", "ok", "<r>c</r>", "ok"])})
    path = safe_output.write_table(frame, tmp_path / "m.xlsx")
    quoted = ["'" + v for v in MARKUP]
    _no_markup_in(path, [["person_id", "v", "'<r>h</r>"]]
                  + [[quoted[i], float(i + 1), ["'<r>c</r>", "ok"][i % 2]] for i in range(4)])


def test_the_commands_excel_output_and_the_dashboards_workbook_hold_no_markup(tmp_path: Path) -> None:
    """End to end: ``admit --out x.xlsx`` of a CSV population whose person ids are such texts, and the
    dashboard's workbook download of a table holding them."""
    from dashboard.exports import excel_bytes
    from scoring.cli import main

    pop = synth(6, seed=2)
    pop["person_id"] = pd.Series([*MARKUP, "P1", "P2"], dtype=object)
    pop.to_csv(tmp_path / "p.csv", index=False)
    out = tmp_path / "a.xlsx"
    scheme = str(ROOT / "scenarios" / "schemes" / "beijing-2020.yaml")
    assert main(["admit", "--scheme", scheme, "--population", str(tmp_path / "p.csv"), "--quota", "2",
                 "--out", str(out)]) == 0
    sheet = openpyxl.load_workbook(out).worksheets[0]
    assert not [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert [c.value for c in sheet["A"]][1:] == [*("'" + v for v in MARKUP), "P1", "P2"]
    book = tmp_path / "d.xlsx"
    book.write_bytes(excel_bytes({"t": pd.DataFrame({"id": MARKUP})}, stamp="<r>s</r>", index=False))
    sheet = openpyxl.load_workbook(book).worksheets[0]
    assert not [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert [c.value for c in sheet["A"]] == ["'<r>s</r>", None, "id"] + ["'" + v for v in MARKUP]


def _xlsxwriter_text(value: str) -> tuple[str, bool]:
    """How xlsxwriter writes ``value`` as an in-line string (its own functions: the reference)."""
    from xlsxwriter.utility import _preserve_whitespace, _utf16_len, _utf16_truncate
    from xlsxwriter.xmlwriter import XMLwriter

    if _utf16_len(value) > 32_767:
        value = _utf16_truncate(value, 32_767)
    value = XMLwriter._escape_control_characters(value)
    return XMLwriter()._escape_data(value), bool(_preserve_whitespace(value))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("ab_x05F0149<>&\"' \t\n\r\x00\x01\x0b\x1c\x1f\x85\xa0"
                                                      "\u2000\u2028\u3000\ufffe\uffff😀中")), max_size=12),
                min_size=1, max_size=30))
def test_text_is_escaped_as_xlsxwriter_escapes_it(values: list[str]) -> None:
    """The whole-column escape against xlsxwriter's own, value by value: ``_xHHHH_`` for control characters and
    for such a literal, ``&<>``, and the edge-whitespace test (Python's \\s)."""
    from scoring.xlsx_sheet import escaped_text

    text, preserve = escaped_text(pa.array(values, type=pa.large_string()))
    assert list(zip(text.to_pylist(), preserve.to_pylist(), strict=True)) == [_xlsxwriter_text(v) for v in values]


def test_long_text_and_literal_escapes_as_xlsxwriter_writes_them() -> None:
    from scoring.xlsx_sheet import escaped_text

    values = ["😀" * 20_000, "x" * 32_766 + "😀", "y" * 32_767, "z" * 40_000, "中" * 32_768, "_x0041_",
              "_x005F_x0041_", "a_x00ff_b_xABCD_", "_X0041_", "_x004_", "_x0041__x0042_", "\x00_x0000_"]
    text, _ = escaped_text(pa.array(values, type=pa.large_string()))
    assert text.to_pylist() == [_xlsxwriter_text(v)[0] for v in values]


def test_a_long_text_cut_to_excels_limit_cannot_become_markup(tmp_path: Path) -> None:
    """xlsxwriter tests for "<r>...</r>" after cutting a text to 32,767 characters: a text that starts with "<r>" and
    has "</r>" exactly there (then anything) was written raw (a probe: it rewrote the shared strings, so the stamp
    cell and the admitted column of a dashboard workbook showed other cells' text). Every text starting with "<r>"
    is quoted: in a cell, a column name and the stamp of the dashboard's workbook, and through the pandas writer
    (an index); the cells read back are the (quoted, cut) texts and a last cell is still itself."""
    from dashboard.exports import excel_bytes

    inner = "<r><t>" + "A" * (32_767 - len("<r><t></t></r>")) + "</t></r>"
    assert len(inner) == 32_767
    long = inner + "</si><si><t>SPOOFED</t></si><si><r><t>y</t></r> tail"
    frame = pd.DataFrame({"label": [long, "ok"], long: ["x", "SENTINEL"]}, index=pd.Index([long, "i"], name="k"))
    book = tmp_path / "d.xlsx"
    book.write_bytes(excel_bytes({"t": frame}, stamp=long, index=True))
    path = safe_output.write_table(frame, tmp_path / "w.xlsx", index=True)
    cut = ("'" + long)[:32_767]
    for sheet, first in ((openpyxl.load_workbook(book).worksheets[0], 3), (openpyxl.load_workbook(path).worksheets[0],
                                                                          1)):
        assert not [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
        rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=first)]
        assert rows == [["k", "label", cut], [cut, cut, "x"], ["i", "ok", "SENTINEL"]], [
            [str(v)[:20] for v in r] for r in rows]
    assert openpyxl.load_workbook(book).worksheets[0]["A1"].value == cut
