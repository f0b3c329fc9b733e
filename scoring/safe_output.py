"""Safe outputs: files written atomically, tables that open in Excel without live formulas, one table writer and
one JSON writer.

Every file the library or the CLI writes goes through :func:`atomic_path` (a temporary file beside the target,
flushed and renamed over it at the end), so an interrupted or failed write never leaves a partial file and never
destroys the previous good one. Every table exported for people goes through :func:`excel_safe_frame`, which
neutralises text that a spreadsheet would run as a formula or that the Excel writer could write as markup (cells,
column names and index labels alike), or, for an Arrow column (the scoring results of :mod:`scoring.result_table`),
through its twin :func:`excel_safe_arrow`.

Tables are written by :func:`write_table` (a file) or :func:`table_bytes` (a download), one convention for all:

- the stamp (scheme id, version, status, "simulation") is a column named ``stamp`` (:data:`STAMP_COLUMN`), the
  last one, on every row, in every format (CSV, Excel and Parquet alike; categorical, so it costs one string);
- CSV is UTF-8 with a byte-order mark (Excel then shows Chinese), Excel-safe; XLSX is Excel-safe, strings stay
  strings, with a fixed creation date; Parquet keeps the types;
- a file is written atomically.

JSON is written by :func:`json_text` (numpy numbers as numbers, non-finite floats as null, Chinese as is): the CLI's
``--json`` output (:func:`scoring.cli.output.emit`) and every ``summary.json``.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import json
import math
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

# A spreadsheet treats a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r", "\n", "｜", "|")
# xlsxwriter writes a string that starts with "<r>" and ends with "</r>" into the sheet as raw XML (its rich-string
# shortcut, in shared and in-line strings alike): such a text could close its cell and open a live formula, or
# rewrite the shared strings of other cells. It tests the text after cutting it to Excel's 32,767 characters, so a
# longer text can end otherwise and still be written raw: every text that starts with "<r>" gets the leading
# apostrophe, like a formula (its escapes neither make nor remove that start).
MARKUP_LEAD = "<r>"

# xlsxwriter options that keep every string a string (by default it turns "=..." into a formula and
# "http://..." into a hyperlink).
XLSX_SAFE_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False}


# Columns that hold text only, in every table written (a person's id; a rejected row's column name). In a CSV a
# spreadsheet reads each cell afresh and may change it: a number (-3, 1E+3, 007, 0.50, 12345678901234 shown as
# 1.23457E+13), a date or time (1/2, 3-4, 1-Jan, SEP1, 1:30), a percentage, an amount ($5, (5), 1,000), a fraction
# (1 1/2), a boolean (TRUE), full-width digits (１２). So a value of these columns keeps its text with the leading
# apostrophe unless it is one of the few shapes a spreadsheet shows exactly as written (:data:`CSV_SHOWN`):
#   - a plain whole number of 1 to 11 digits without a leading zero (10001; General format shows 11 digits);
#   - ASCII letters, digits and underscores starting with a letter (P0000001, A12345, insurance_years), but not
#     TRUE/FALSE nor a month name followed by digits (SEP1, Jan5, May2023) in any case (:data:`CSV_MISREAD`);
#   - Chinese characters, ASCII letters and underscores without any digit (社保年限);
#   - the empty text.
# Everything else (any space, sign, punctuation, full-width or other character) is quoted. (XLSX keeps strings as
# strings.) Both patterns are RE2, matched whole-column by pyarrow.
CSV_TEXT_COLUMNS = ("person_id", "column")
PLAIN_WHOLE = r"0|[1-9][0-9]{0,10}"  # a whole number shown as written (Excel's General format: 11 digits)
CSV_SHOWN = rf"^(?:|{PLAIN_WHOLE}|[A-Za-z][A-Za-z0-9_]*|[A-Za-z_]*\p{{Han}}[\p{{Han}}A-Za-z_]*)$"
CSV_MISREAD = r"(?i)^(?:true|false|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*[0-9]+)$"


def excel_safe_text(value: object) -> object:
    """``value`` with a leading apostrophe when it is text that a spreadsheet would read as a formula, or that the
    Excel writer could write as markup (:data:`MARKUP_LEAD`)."""
    if not isinstance(value, str):
        return value
    formula = value.startswith(FORMULA_LEADS) and not _is_number(value)
    return "'" + value if formula or writer_markup(value) else value


def writer_markup(text: str) -> bool:
    """Whether xlsxwriter could write ``text`` into the sheet as raw XML (see :data:`MARKUP_LEAD`)."""
    return text.startswith(MARKUP_LEAD)


def _is_number(text: str) -> bool:
    """True for plain numbers such as ``-3.5`` (a negative number is not a formula; ``-1_0`` is not a number)."""
    if "_" in text:
        return False
    try:
        float(text)
    except ValueError:
        return False
    return True


def excel_safe_frame(df: pd.DataFrame, text_columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """A copy of ``df`` whose text cells, column names and index labels cannot become live formulas.

    Only object/string/category columns are touched (numbers stay numbers); the work is whole-column.
    ``text_columns`` (a CSV's :data:`CSV_TEXT_COLUMNS`): columns of text only, whose values that a spreadsheet
    would read as numbers it does not show as written are kept as text too (see :func:`excel_safe_arrow`).
    """
    out = df.copy(deep=False)
    for col in [c for c in text_columns if c in out.columns]:
        s = out[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s.dtype) or isinstance(s.dtype, pd.CategoricalDtype):
            import pyarrow as pa

            try:
                arr = pa.array(s, from_pandas=True)
            except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed values: as their text
                arr = pa.array(s.astype(str).where(s.notna()), from_pandas=True)
            if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
                arr = arr.cast(pa.large_string())
            if isinstance(arr, pa.ChunkedArray):
                arr = arr.combine_chunks()
            safe = excel_safe_arrow(arr, text=True)
            if safe is not arr:  # by position (the frame's index is kept); nulls stay nulls
                out[col] = pd.Series(safe.to_pandas(types_mapper=pd.ArrowDtype).array, index=s.index)
    out.columns = [excel_safe_text(c) if isinstance(c, str) else c for c in out.columns]
    for col in out.columns:
        s = out[col]
        if str(col) in text_columns:
            continue
        if isinstance(s.dtype, pd.CategoricalDtype):
            cats = s.cat.categories
            if cats.dtype == object or pd.api.types.is_string_dtype(cats):
                renamed = [excel_safe_text(c) for c in cats]
                if len(set(renamed)) == len(renamed):
                    out[col] = s.cat.rename_categories(renamed)
                else:  # "=x" and "'=x" both present: the renamed categories would clash
                    out[col] = s.astype(object).map(excel_safe_text)
        elif s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            text = s.astype("string")
            risky = text.str.startswith(FORMULA_LEADS).fillna(False).to_numpy(bool)
            if risky.any():
                numeric = pd.to_numeric(text[risky], errors="coerce").notna().to_numpy(bool)
                risky[risky] = ~numeric
            risky |= text.str.startswith(MARKUP_LEAD).fillna(False).to_numpy(bool)
            if risky.any():
                fixed = s.astype(object).copy()
                fixed[risky] = "'" + text[risky].astype(str)
                out[col] = fixed
    if out.index.dtype == object or pd.api.types.is_string_dtype(out.index.dtype):
        out.index = pd.Index([excel_safe_text(v) for v in out.index], name=excel_safe_text(out.index.name))
    return out


def excel_safe_arrow(values: Any, text: bool = False) -> Any:
    """An Arrow text column (plain or dictionary, chunked or not) as :func:`excel_safe_frame` makes a text column:
    a leading apostrophe on every value that starts with a :data:`FORMULA_LEADS` character and is not a plain
    number (judged by ``pd.to_numeric``, as the frame version does). Whole-column pyarrow compute: the first
    character is matched against the leads in one pass, and only the risky values are checked for numbers. A
    dictionary column has its dictionary made safe (a dictionary may hold a value twice, so nothing clashes).
    Other types are returned as they are.

    ``text`` (a column of :data:`CSV_TEXT_COLUMNS` in a CSV): every value is text, and every value that is not of
    a shape a spreadsheet shows as written (:data:`CSV_SHOWN` and not :data:`CSV_MISREAD`: ``10001``,
    ``P0000001``, ``社保年限``) gets the apostrophe, whatever it would become (``1E+3``, ``007``, ``1/2``, ``SEP1``,
    ``(5)``, ``TRUE``, ``12345678901234``, ``１２``). Two regex passes, no per-value Python."""
    import pyarrow as pa

    if isinstance(values, pa.ChunkedArray):
        return pa.chunked_array([excel_safe_arrow(chunk, text) for chunk in values.chunks],
                                type=None if values.num_chunks else values.type)
    if pa.types.is_dictionary(values.type):
        return pa.DictionaryArray.from_arrays(values.indices, excel_safe_arrow(values.dictionary, text))
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        return values
    import pyarrow.compute as pc

    if text:  # every value not of a shape shown as written (CSV_SHOWN, not CSV_MISREAD): quoted whatever it is
        shown = pc.and_(pc.match_substring_regex(values, CSV_SHOWN),
                        pc.invert(pc.match_substring_regex(values, CSV_MISREAD)))
        mask = pc.invert(shown).fill_null(False)  # nulls stay nulls
        if not pc.any(mask).as_py():
            return values
    else:
        first = pc.utf8_slice_codeunits(values, 0, 1)
        risky = pc.is_in(first, value_set=pa.array(FORMULA_LEADS, values.type)).fill_null(False)
        rows = np.flatnonzero(risky.to_numpy(zero_copy_only=False))
        if len(rows):
            text_values = values.take(pa.array(rows)).to_pandas().astype("string")
            numeric = pd.to_numeric(text_values, errors="coerce").notna().to_numpy(bool)
            rows = rows[~numeric]
        markup = pc.starts_with(values, MARKUP_LEAD).fill_null(False)
        where = markup.to_numpy(zero_copy_only=False).copy()
        where[rows] = True
        if not where.any():
            return values
        mask = pa.array(where)
    quoted = pc.binary_join_element_wise(pa.scalar("'", values.type), values, pa.scalar("", values.type))
    return pc.if_else(mask, quoted, values)


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target`` in one rename.

    The temporary name ends in the target's suffix (writers that go by the extension pick the same format); the
    file gets the mode of the file it replaces (0644 for a new one). On any error (including KeyboardInterrupt) the
    temporary file is removed and ``target`` is left as it was.
    """
    target = Path(target)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with contextlib.suppress(OSError):
            os.chmod(tmp, target.stat().st_mode & 0o777 if target.is_file() else 0o644)
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def create_new(target: Path, text: str) -> bool:
    """Write ``text`` to ``target`` only if no file is there, as one step: the whole file appears at once (written
    beside it, then hard-linked into place, which fails if ``target`` exists) or not at all. False: it exists (two
    dashboard sessions saving a scheme under the same id and version at once were both told "saved", and one scheme
    replaced the other)."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".tmp", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        try:
            os.link(tmp, target)
        except FileExistsError:
            return False
        except OSError:  # a file system without hard links: an exclusive create, then the text
            try:
                with open(target, "x", encoding="utf-8") as fh:
                    fh.write(text)
            except FileExistsError:
                return False
        return True
    finally:
        tmp.unlink(missing_ok=True)


# The creation date written into every workbook (xlsxwriter's default is the time of writing, so two identical
# exports would differ in docProps/core.xml): fixed, so the same table gives the same bytes.
XLSX_CREATED = datetime.datetime(2000, 1, 1)


def xlsx_writer(target: str | os.PathLike[str] | io.BytesIO) -> pd.ExcelWriter:
    """An xlsxwriter ``pd.ExcelWriter`` that keeps strings as strings (``XLSX_SAFE_OPTIONS``) and stamps the fixed
    creation date ``XLSX_CREATED``: byte-identical output for identical tables."""
    writer = pd.ExcelWriter(target, engine="xlsxwriter", engine_kwargs={"options": XLSX_SAFE_OPTIONS})
    writer.book.set_properties({"created": XLSX_CREATED})
    return writer


STAMP_COLUMN = "stamp"  # the one stamp convention of every table written (see the module's docstring)
TABLE_FORMATS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".xlsx": "xlsx"}


def stamped(frame: pd.DataFrame, stamp: str | None) -> pd.DataFrame:
    """``frame`` with the ``stamp`` column last (replacing one already there); ``frame`` itself when ``stamp`` is
    None."""
    if stamp is None:
        return frame
    column = pd.Categorical.from_codes(np.zeros(len(frame), dtype=np.int8), categories=[str(stamp)])  # no n-item list
    return frame.drop(columns=STAMP_COLUMN, errors="ignore").assign(**{STAMP_COLUMN: column})


def table_format(target: str | os.PathLike[str]) -> str | None:
    """The format of a table file by its extension (parquet, csv or xlsx), None if unknown."""
    return TABLE_FORMATS.get(Path(target).suffix.lower())


def _write(frame: pd.DataFrame, sink: str | os.PathLike[str] | io.BytesIO, fmt: str, index: bool,
           sheet_name: str) -> None:
    if fmt == "parquet":
        frame.to_parquet(sink, index=index)
    elif fmt == "csv":  # UTF-8 with a byte-order mark, so Excel shows Chinese
        excel_safe_frame(frame, CSV_TEXT_COLUMNS).to_csv(sink, index=index, encoding="utf-8-sig",
                                                         lineterminator="\r\n")
    elif fmt == "xlsx":
        from scoring.xlsx_sheet import column_kinds, write_sheet

        safe = excel_safe_frame(frame)
        kinds = column_kinds(safe, index)
        if kinds is not None:  # numbers, yes/no and text: typed calls, row by row (pandas' cells, far faster)
            write_sheet(safe, kinds, sink, sheet_name, XLSX_SAFE_OPTIONS, {"created": XLSX_CREATED})
            return
        with xlsx_writer(sink) as xw:  # strings stay strings; a fixed creation date (same table, same bytes)
            safe.to_excel(xw, index=index, sheet_name=sheet_name)
    else:
        raise ValueError(f"unknown table format {fmt!r}; use parquet, csv or xlsx")


def write_table(frame: pd.DataFrame, target: str | os.PathLike[str], fmt: str | None = None, *,
                stamp: str | None = None, index: bool = False, sheet_name: str = "Sheet1") -> Path:
    """Write ``frame`` (with the ``stamp`` column when given) to ``target`` atomically; ``fmt`` defaults to the
    extension's. CSV: UTF-8 with BOM, Excel-safe; XLSX: Excel-safe, strings stay strings; Parquet: as is."""
    target = Path(target)
    fmt = fmt or table_format(target)
    if fmt is None:
        raise ValueError(f"{target}: unknown table type {target.suffix!r}; use .parquet, .csv or .xlsx")
    with atomic_path(target) as tmp:
        _write(stamped(frame, stamp), tmp, fmt, index, sheet_name)
    return target


def table_bytes(frame: pd.DataFrame, fmt: str, *, stamp: str | None = None, index: bool = False,
                sheet_name: str = "Sheet1") -> bytes:
    """The bytes :func:`write_table` would write (for a download)."""
    buf = io.BytesIO()
    _write(stamped(frame, stamp), buf, fmt, index, sheet_name)
    return buf.getvalue()


def json_default(value: Any) -> Any:
    """JSON for numpy scalars and arrays (non-finite floats become null); anything else as text."""
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value) if np.isfinite(value) else None
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def _finite(value: Any) -> Any:
    """``value`` with every non-finite float (NaN, ±inf) replaced by None, containers walked."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def json_text(payload: Any, indent: int | None = None) -> str:
    """``payload`` as JSON text: Chinese as is, numpy numbers as numbers, NaN and infinities as null (valid JSON)."""
    return json.dumps(_finite(payload), ensure_ascii=False, indent=indent, default=json_default, allow_nan=False)


def write_json(payload: Any, target: str | os.PathLike[str], indent: int | None = 2) -> Path:
    """Write ``payload`` as :func:`json_text` (UTF-8) to ``target`` atomically."""
    target = Path(target)
    with atomic_path(target) as tmp:
        tmp.write_text(json_text(payload, indent), encoding="utf-8")
    return target
