"""The one table writer (stamp column, BOM, formula-safety, atomic) and the one JSON writer."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from scoring.safe_output import STAMP_COLUMN, json_text, stamped, table_bytes, write_json, write_table

STAMP = "=HYPERLINK(\"x\") 示意 · 模拟结果"


def frame() -> pd.DataFrame:
    return pd.DataFrame({"name": ["=1+1", "@SUM(A1)", "张三", "-3.5"], "n": [1, 2, 3, 4],
                         "x": [0.5, np.nan, 2.0, -1.0]})


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_every_format_has_the_stamp_column_last_and_no_live_formula(tmp_path: Path, suffix: str) -> None:
    out = write_table(frame(), tmp_path / f"t{suffix}", stamp=STAMP)
    if suffix == ".csv":
        raw = out.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark: Excel shows Chinese
        back = pd.read_csv(out, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    elif suffix == ".xlsx":
        ws = load_workbook(out).active
        rows = list(ws.values)
        assert all(ws.cell(r, c).data_type != "f" for r in range(1, ws.max_row + 1) for c in range(1, 5))
        back = pd.DataFrame(rows[1:], columns=rows[0]).astype(str)
    else:
        back = pd.read_parquet(out)
    assert list(back.columns) == ["name", "n", "x", STAMP_COLUMN]
    if suffix == ".parquet":  # types kept, text as is (Parquet is not opened in a spreadsheet)
        assert back["name"].tolist() == frame()["name"].tolist() and (back[STAMP_COLUMN] == STAMP).all()
        assert back["n"].dtype == np.int64
    else:  # formula-like text gets a leading apostrophe; a plain negative number stays a number
        assert back["name"].tolist() == ["'=1+1", "'@SUM(A1)", "张三", "-3.5"]
        assert (back[STAMP_COLUMN] == "'" + STAMP).all()


def test_stamp_replaces_an_existing_stamp_column_and_none_leaves_the_frame() -> None:
    f = frame().assign(stamp="old")
    out = stamped(f, "new")
    assert list(out.columns) == ["name", "n", "x", "stamp"] and (out["stamp"] == "new").all()
    assert stamped(f, None) is f


def test_bytes_are_the_file(tmp_path: Path) -> None:
    for fmt in ("csv", "xlsx", "parquet"):
        path = write_table(frame(), tmp_path / f"t.{fmt}", stamp="s")
        assert path.read_bytes() == table_bytes(frame(), fmt, stamp="s")  # the same table, the same bytes


def test_a_failed_write_leaves_the_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "t.parquet"
    write_table(frame(), target, stamp="first")
    before = target.read_bytes()
    bad = frame().assign(y=[object()] * 4)
    with pytest.raises(Exception):  # noqa: B017 - pyarrow cannot write an arbitrary object; any failure will do
        write_table(bad, target, stamp="second")
    with pytest.raises(ValueError, match="unknown table type"):
        write_table(frame(), tmp_path / "t.txt")
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.parquet"]  # no temporary file left behind


def test_json_text_is_valid_json() -> None:
    payload = {"a": np.int64(3), "b": np.float32(np.nan), "c": float("inf"), "d": [np.float64(1.5), math.nan],
               "e": "中文", "f": np.array([1, 2]), "g": np.bool_(True)}
    text = json_text(payload)
    assert "中文" in text and "NaN" not in text and "Infinity" not in text
    assert json.loads(text) == {"a": 3, "b": None, "c": None, "d": [1.5, None], "e": "中文", "f": [1, 2], "g": True}


def test_write_json_is_atomic_and_indented(tmp_path: Path) -> None:
    path = write_json({"x": 1, "y": [1, 2]}, tmp_path / "s.json", indent=2)
    assert path.read_text(encoding="utf-8") == json.dumps({"x": 1, "y": [1, 2]}, indent=2)
    assert json.load(io.StringIO(path.read_text(encoding="utf-8"))) == {"x": 1, "y": [1, 2]}
