"""Results written straight from their arrays (scoring.result_table): the same table as the former pandas writer
(``ScoreResult.to_frame`` through ``safe_output.write_table``, the reference), byte-stable, Excel-safe CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import scoring.result_table as result_table
from scoring.admission import admit
from scoring.engine.core import ScoreResult, score
from scoring.population.synthetic import synth
from scoring.result_table import ResultTable, bool_text, points_text
from scoring.safe_output import excel_safe_arrow, excel_safe_frame, write_table
from scoring.scheme.load import load_scheme

SCHEMES = Path(__file__).resolve().parent.parent / "scenarios" / "schemes"
STAMP = "=HYPERLINK(\"x\") beijing-2020 · 示意 · 模拟结果"
HOSTILE_IDS = ["=1+1", "@SUM(A1)", "-3.5", "+7", "-1_0", "\tq", "｜x", "|x", 'a"b', "x,y", "line\nbreak", "张三",
               "'=quoted", ""]


def _result(n: int = 3_000, *, holes: bool = False, ids: list[str] | str | None = None,
            scheme: str = "beijing-2020") -> ScoreResult:
    pop = synth(n, seed=5)
    if ids == "none":
        pop = pop.drop(columns="person_id")
    elif ids == "object":  # a frame built by hand: Python strings, not pyarrow text
        pop["person_id"] = pop["person_id"].astype(object)
    elif ids is not None:
        pop["person_id"] = (ids * (n // len(ids) + 1))[:n]
    if holes:  # rows the scheme cannot score: rejected, so the scored rows' index has gaps
        pop["insurance_years"] = pop["insurance_years"].astype("float32")
        pop.loc[[3, 10, 11, n - 1], "insurance_years"] = np.nan
    return score(pop, load_scheme(SCHEMES / f"{scheme}.yaml"), on_invalid="reject")


def _former(res: ScoreResult, target: Path, *, admitted: np.ndarray | None, stamp: str | None,
            lang: str | None = None) -> Path:
    """The former writer of ``--out``: the result's pandas frame through the one table writer (an Excel sheet named
    as ResultTable.write names it by default)."""
    frame = res.to_frame(lang)
    if admitted is not None:
        frame = frame.assign(admitted=admitted)
    return write_table(frame, target, stamp=stamp, sheet_name="scores")


CASES = {
    "admit": dict(holes=False, admitted=True, stamp=STAMP, lang=None),
    "no_ids": dict(holes=False, admitted=True, stamp=STAMP, lang=None, ids="none"),
    "object_ids": dict(holes=True, admitted=True, stamp=STAMP, lang=None, ids="object"),
    "rejected_rows": dict(holes=True, admitted=True, stamp=STAMP, lang=None),
    "score_zh_names": dict(holes=False, admitted=False, stamp="北京 · 模拟", lang="zh"),
    "no_stamp": dict(holes=True, admitted=False, stamp=None, lang=None),
}


@pytest.mark.parametrize("case", CASES)
def test_parquet_reads_back_as_the_former_writer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str) -> None:
    monkeypatch.setattr(result_table, "ROW_GROUP_ROWS", 1_000)  # several row groups, the last one short
    c = CASES[case]
    res = _result(2_500, holes=c["holes"], ids=c.get("ids"))
    admitted = admit(res, quota=100).admitted_mask if c["admitted"] else None
    old = _former(res, tmp_path / "old.parquet", admitted=admitted, stamp=c["stamp"], lang=c["lang"])
    new = ResultTable.of(res, admitted=admitted, stamp=c["stamp"], lang=c["lang"]).write(tmp_path / "new.parquet",
                                                                                         "parquet")
    a, b = pd.read_parquet(old), pd.read_parquet(new)
    pd.testing.assert_frame_equal(b, a, check_exact=True)  # same columns, values, dtypes (categories included)
    assert list(b.dtypes.astype(str)) == list(a.dtypes.astype(str))
    assert pq.read_schema(new).equals(pq.read_schema(old), check_metadata=True)  # pandas metadata too
    meta = pq.ParquetFile(new).metadata
    assert meta.num_row_groups == 3 and meta.num_rows == res.n
    columns = meta.row_group(0).to_dict()["columns"]
    assert {col["compression"] for col in columns} == {"ZSTD"}
    encodings = {col["path_in_schema"]: col["encodings"] for col in columns}
    assert "RLE_DICTIONARY" not in encodings.get("person_id", ())  # unique ids: plain, no dictionary tried
    assert all("RLE_DICTIONARY" in enc for name, enc in encodings.items() if name not in ("person_id", "eligible",
                                                                                          "admitted"))


def test_an_empty_result_writes_the_same_empty_table(tmp_path: Path) -> None:
    res = _result(200)
    empty = ScoreResult(scheme=res.scheme, population=res.population.iloc[:0],
                        item_cents={k: v[:0] for k, v in res.item_cents.items()}, total_cents=res.total_cents[:0],
                        eligible_mask=res.eligible_mask[:0], reason_codes=res.reason_codes[:0],
                        reason_labels=res.reason_labels)
    old = _former(empty, tmp_path / "old.parquet", admitted=np.zeros(0, bool), stamp=STAMP)
    table = ResultTable.of(empty, admitted=np.zeros(0, bool), stamp=STAMP)
    new = table.write(tmp_path / "new.parquet", "parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(new), pd.read_parquet(old), check_exact=True)
    old_csv = _former(empty, tmp_path / "old.csv", admitted=np.zeros(0, bool), stamp=STAMP)
    new_csv = table.write(tmp_path / "new.csv", "csv")
    assert new_csv.read_bytes().decode("utf-8-sig").replace('"', "") == old_csv.read_bytes().decode("utf-8-sig")


@pytest.mark.parametrize("fmt", ["parquet", "csv", "xlsx"])
def test_the_same_result_gives_the_same_bytes(tmp_path: Path, fmt: str) -> None:
    res = _result(1_500, holes=True)
    admitted = admit(res, quota=50).admitted_mask
    first = ResultTable.of(res, admitted=admitted, stamp=STAMP).write(tmp_path / f"a.{fmt}", fmt).read_bytes()
    again = ResultTable.of(res, admitted=admitted, stamp=STAMP).write(tmp_path / f"b.{fmt}", fmt).read_bytes()
    assert first == again
    if fmt == "xlsx":  # XLSX stays the former writer's, byte for byte
        assert first == _former(res, tmp_path / "c.xlsx", admitted=admitted, stamp=STAMP).read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"a.{fmt}", f"b.{fmt}"] + (["c.xlsx"] if fmt == "xlsx"
                                                                                    else [])


@pytest.mark.parametrize("case", CASES)
def test_csv_holds_the_former_writers_cells(tmp_path: Path, case: str) -> None:
    """Cell for cell the former CSV (pandas ``to_csv`` of ``excel_safe_frame``); only the quoting differs: pyarrow
    quotes every text value (numbers here are text formatted as pandas formats them)."""
    c = CASES[case]
    res = _result(2_000, holes=c["holes"], ids=c.get("ids", HOSTILE_IDS))
    admitted = admit(res, quota=100).admitted_mask if c["admitted"] else None
    old = _former(res, tmp_path / "old.csv", admitted=admitted, stamp=c["stamp"], lang=c["lang"])
    new = ResultTable.of(res, admitted=admitted, stamp=c["stamp"], lang=c["lang"]).write(tmp_path / "new.csv", "csv")
    raw = new.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and not raw[3:].startswith(b"\xef\xbb\xbf")  # one BOM
    cells_old = list(csv.reader(io.StringIO(old.read_bytes().decode("utf-8-sig"), newline="")))
    cells_new = list(csv.reader(io.StringIO(new.read_bytes().decode("utf-8-sig"), newline="")))
    assert cells_new == cells_old
    if c["stamp"] is not None:
        assert cells_new[1][-1] == "'" + c["stamp"] if c["stamp"].startswith("=") else c["stamp"]
    a = pd.read_csv(old, encoding="utf-8-sig", keep_default_na=False)
    b = pd.read_csv(new, encoding="utf-8-sig", keep_default_na=False)
    pd.testing.assert_frame_equal(b, a, check_exact=True)  # numbers and True/False read back as before
    assert b["total"].dtype == np.float64 and b["eligible"].dtype == bool


def test_a_carriage_return_inside_a_value_stays_in_its_cell(tmp_path: Path) -> None:
    """pyarrow quotes every text value; the table writer (pandas) left a bare CR unquoted with its "\\n" line ends,
    which split the row in Excel and in Python's csv reader: every CSV now ends its lines with CRLF (RFC 4180), so
    pandas quotes a value holding a CR too."""
    res = _result(50, ids=["\rq", "a\rb", "ok"])
    new = ResultTable.of(res, stamp="s").write(tmp_path / "new.csv", "csv")
    rows = list(csv.reader(io.StringIO(new.read_bytes().decode("utf-8-sig"), newline="")))
    assert len(rows) == 51 and {len(r) for r in rows} == {len(rows[0])}
    assert [r[0] for r in rows[1:4]] == ["'\rq", "'a\rb", "ok"]  # an id with a CR is not shown as written: quoted
    old = _former(res, tmp_path / "old.csv", admitted=None, stamp="s")
    rows_old = list(csv.reader(io.StringIO(old.read_bytes().decode("utf-8-sig"), newline="")))
    assert [r[0] for r in rows_old[1:4]] == ["'\rq", "'a\rb", "ok"] and len(rows_old) == 51  # one row each, too


def test_points_are_written_as_pandas_writes_them() -> None:
    rng = np.random.default_rng(7)
    cents = np.concatenate([np.arange(-20_000, 20_001), rng.integers(-10**14, 10**14, 5_000),
                            [0, 1, -1, 10, -10, 100, -100, 10**14, -(10**14)]]).astype(np.int64)
    expected = pd.Series(cents / 100.0).to_csv(index=False, header=False).splitlines()
    assert points_text(cents).to_pylist() == expected
    assert points_text(cents.astype(np.int32)[:40_001]).to_pylist() == expected[:40_001]
    mask = rng.random(1_000) < 0.5
    assert bool_text(mask).to_pylist() == pd.Series(mask).to_csv(index=False, header=False).splitlines()


def test_excel_safe_arrow_is_excel_safe_frame_for_every_kind_of_text_column() -> None:
    values = [*HOSTILE_IDS, None, "-inf", "1e5", "-1e5x", "\n1", "@", "=", "normal", "é=x"]
    expected = excel_safe_frame(pd.DataFrame({"x": values}))["x"].tolist()
    expected = [None if v is None or v is np.nan or (isinstance(v, float) and np.isnan(v)) else v for v in expected]
    plain = pa.array(values, pa.string())
    for arr in (plain, plain.cast(pa.large_string()), pa.chunked_array([plain[:7], plain[7:]]),
                pa.chunked_array([], pa.string())):
        got = excel_safe_arrow(arr)
        assert got.type == arr.type
        assert got.to_pylist() == expected[:len(arr)]
    coded = plain.dictionary_encode()
    assert excel_safe_arrow(coded).to_pylist() == expected
    clash = pa.DictionaryArray.from_arrays(pa.array([0, 1, 1, 0], pa.int8()), pa.array(["=x", "'=x"]))
    assert excel_safe_arrow(clash).to_pylist() == ["'=x", "'=x", "'=x", "'=x"]  # as the frame version decodes them
    numbers = pa.array([1.5, -2.0])
    assert excel_safe_arrow(numbers) is numbers  # numbers stay numbers


def test_csv_blocks_on_any_number_of_threads_give_the_same_bytes(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    res = _result(2_100, ids=HOSTILE_IDS)
    table = ResultTable.of(res, admitted=admit(res, quota=10).admitted_mask, stamp=STAMP)
    whole = io.BytesIO()
    table.write_csv(whole, threads=1)  # one block: the header once, every row
    monkeypatch.setattr(result_table, "CSV_BLOCK_ROWS", 500)  # five blocks, the last one short
    for threads in (1, 2, 3):
        sink = io.BytesIO()
        table.write_csv(sink, threads=threads)
        assert sink.getvalue() == whole.getvalue()
