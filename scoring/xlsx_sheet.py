"""A table written to one Excel sheet, its cells' XML made whole-column by pyarrow (issue 14).

pandas' ``to_excel`` builds a styled cell object for every value and formats its style as JSON before xlsxwriter
sees it: 200,000 result rows (3M cells) took 53 s (a new user's trial of ``admit --out x.xlsx``), and xlsxwriter's
typed calls, cell by cell, still took 19 s. Here xlsxwriter writes the workbook around an empty sheet (styles,
properties, the sheet's name, the header's format) and the sheet's rows are made as text by pyarrow, a block of rows
at a time, column by column (no Python per row or per cell), then streamed into the sheet's part of the zip.

The cells are the ones xlsxwriter writes in its constant-memory mode, which pandas' cells equal (tested cell for
cell against pandas): numbers, yes/no values (``t="b"``) and in-line strings, a missing value or empty text left
blank, text escaped as xlsxwriter escapes it (``_xHHHH_`` for control characters and for such a literal,
``xml:space="preserve"`` for edge whitespace, ``&`` ``<`` ``>``; truncated to Excel's 32,767 UTF-16 units), the
header row in pandas' look (bold, a thin border, centred). Two differences, both safer: a number is written with
the shortest digits that read back as the same double (xlsxwriter rounds to 16 significant digits), and a text is
never written as raw XML (xlsxwriter writes a string in ``<r>...</r>`` as it is; :mod:`scoring.safe_output` quotes
those too).
Columns of other dtypes (dates, mixed Python objects, ...) are not handled here: :func:`column_kinds` says so and
the caller uses pandas.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import tempfile
import zipfile
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

HEADER_FORMAT = {"bold": True, "border": 1, "align": "center", "valign": "top"}  # pandas' header cell style
BLOCK_ROWS = 1 << 16  # rows made into XML at a time (a block of a wide table stays some tens of MB)
SHEET_DEFLATE_LEVEL = 1  # the sheet's rows, 200,000 result rows: 1.7 s in all and 14.9 MB at level 1; at zlib's
# default level 6, 3.1 s (1.9 of them deflating) and 11.3 MB
CELL_BYTES = 80  # the most XML a number or yes/no cell takes, and the tags around a text (a row's, shared out)
MAX_TEXT = 32_767  # Excel's longest cell text, in UTF-16 units (xlsxwriter truncates to it)
_CONTROL = [chr(c) for c in (*range(0x00, 0x09), *range(0x0B, 0x20))]  # xlsxwriter writes these as _xHHHH_
_SPACE = (r"[\t\n\x0b\x0c\r\x1c-\x1f \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}"
          r"\x{3000}]")  # Python's \s (xlsxwriter's test for edge whitespace), as RE2
_EDGE_SPACE = f"^{_SPACE}|{_SPACE}$"


def _kind(s: pd.Series) -> str | None:
    """"number", "bool" or "text" for the dtypes written here; None for any other."""
    dtype = s.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return "text" if all(isinstance(c, str) for c in dtype.categories) else None
    if pd.api.types.is_bool_dtype(dtype) and not s.hasnans:
        return "bool"
    if isinstance(dtype, np.dtype) and dtype.kind in "iu":
        return "number"
    if isinstance(dtype, np.dtype) and dtype.kind == "f":  # infinities: pandas writes the text "inf"
        return None if np.isinf(s.to_numpy()).any() else "number"
    if isinstance(dtype, np.dtype) and dtype.kind == "O":  # text made safe is held as Python strings
        return "text" if pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty") else None
    if pd.api.types.is_string_dtype(dtype):
        return "text"
    return None


def column_kinds(frame: pd.DataFrame, index: bool) -> list[str] | None:
    """The kind of each column when :func:`write_sheet` writes ``frame`` as pandas would (no index, text column
    names, and columns of numbers, yes/no values with none missing, text or categories of text), else None."""
    if index or not all(isinstance(c, str) for c in frame.columns):
        return None
    kinds = []
    for j in range(frame.shape[1]):
        kind = _kind(frame.iloc[:, j])
        if kind is None:
            return None
        kinds.append(kind)
    return kinds


def _text_array(s: pd.Series) -> pa.Array:
    """A text column (str, object of str, categories of str) as a large_string array, nulls where blank."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        categories = pa.array(np.asarray(s.cat.categories, dtype=object), type=pa.large_string())
        codes = np.asarray(s.cat.codes)
        return categories.take(pa.array(codes, mask=codes < 0))
    if pd.api.types.is_string_dtype(s.dtype) and s.dtype != object:  # pandas' text: its Arrow data, no copy
        with contextlib.suppress(pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
            arr = pa.array(s.array)
            arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
            return arr.cast(pa.large_string())
    return pa.array(s.to_numpy(dtype=object, na_value=None), type=pa.large_string(), from_pandas=True)


def _truncated(arr: pa.Array) -> pa.Array:
    """Values longer than :data:`MAX_TEXT` UTF-16 units cut to it as xlsxwriter cuts them (those few values only,
    found by their byte length: a value of at most 32,767 bytes cannot be longer)."""
    long_rows = np.flatnonzero(pc.fill_null(pc.greater(pc.binary_length(arr), MAX_TEXT), False)
                               .to_numpy(zero_copy_only=False))
    if not len(long_rows):
        return arr
    from xlsxwriter.utility import _utf16_len, _utf16_truncate

    values = arr.to_pylist()  # a column with a text of over 32,767 bytes: rare; its values are cut one by one
    for i in long_rows:
        if _utf16_len(values[i]) > MAX_TEXT:
            values[i] = _utf16_truncate(values[i], MAX_TEXT)
    return pa.array(values, type=pa.large_string())


def escaped_text(arr: pa.Array) -> tuple[pa.Array, pa.Array]:
    """The text as xlsxwriter writes it in an in-line string (truncated, ``_xHHHH_`` escapes, then ``&<>``), and
    where its ``<t>`` needs ``xml:space="preserve"``; whole-column, each replacement only where needed."""
    arr = _truncated(arr)
    if pc.any(pc.match_substring_regex(arr, "_x[0-9a-fA-F]{4}_")).as_py():
        arr = pc.replace_substring_regex(arr, "(_x[0-9a-fA-F]{4}_)", r"_x005F\1")  # the escape, escaped
    if pc.any(pc.match_substring_regex(arr, r"[\x00-\x08\x0b-\x1f\x{fffe}\x{ffff}]")).as_py():
        for char in [*_CONTROL, "\ufffe", "\uffff"]:
            arr = pc.replace_substring(arr, char, f"_x{ord(char):04X}_")
    preserve = pc.match_substring_regex(arr, _EDGE_SPACE)
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        if pc.any(pc.match_substring(arr, char)).as_py():
            arr = pc.replace_substring(arr, char, entity)
    return arr, preserve


def _join(*parts: Any) -> pa.Array:
    """The element-wise concatenation of arrays and texts (null where any part is null)."""
    return pc.binary_join_element_wise(*[pa.scalar(p, pa.large_string()) if isinstance(p, str) else p
                                         for p in parts], pa.scalar("", pa.large_string()))


def _values(s: pd.Series, kind: str) -> Any:
    """A column's values as its cells are made from them, once per sheet: numbers as numpy (float64 for floats),
    yes/no values as numpy bools, text as Arrow with a blank ("" or missing) as null."""
    if kind == "number":
        values = s.to_numpy()
        return values.astype(np.float64) if values.dtype.kind == "f" else values
    if kind == "bool":
        return s.to_numpy(dtype=bool)
    arr = _text_array(s)
    return pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.large_string()), arr)  # "" is blank, as pandas


def _cells(values: Any, kind: str, column: str, rows: pa.Array) -> pa.Array:
    """The XML of one column's cells over a block of rows (``values``: the block's :func:`_values`; ``rows``: their
    numbers as text), "" where blank."""
    if kind == "number":
        text = pc.cast(pa.array(values, from_pandas=True), pa.large_string())  # NaN: null; floats: shortest digits
        cells = _join(f'<c r="{column}', rows, '"><v>', text, "</v></c>")
    elif kind == "bool":
        flags = pc.if_else(pa.array(values), "1", "0").cast(pa.large_string())
        cells = _join(f'<c r="{column}', rows, '" t="b"><v>', flags, "</v></c>")
    else:
        text, preserve = escaped_text(values)
        space = pc.if_else(preserve, ' xml:space="preserve"', "").cast(pa.large_string())
        cells = _join(f'<c r="{column}', rows, '" t="inlineStr"><is><t', space, ">", text, "</t></is></c>")
    return pc.fill_null(cells, "")


def _block(columns: list[Any], kinds: list[str], letters: list[str], lo: int, hi: int) -> memoryview:
    """The ``<row>`` elements of data rows ``lo..hi`` (sheet rows ``lo + 2``...; a row without a cell is not
    written, as xlsxwriter writes none); ``columns``: each column's :func:`_values`."""
    rows = pc.cast(pa.array(np.arange(lo + 2, hi + 2, dtype=np.int64)), pa.large_string())
    cells = [_cells(values[lo:hi], kind, letters[j], rows) for j, (values, kind) in enumerate(zip(columns, kinds,
                                                                                                     strict=True))]
    content = _join(*cells) if len(cells) > 1 else cells[0]
    written = pc.not_equal(content, "")
    xml = pc.filter(_join('<row r="', rows, '">', content, "</row>"), written)
    if not len(xml):
        return memoryview(b"")
    offsets = np.frombuffer(xml.buffers()[1], dtype=np.int64)[xml.offset:xml.offset + len(xml) + 1]
    return memoryview(xml.buffers()[2])[offsets[0]:offsets[-1]]  # the rows' text, in place


def _xml_bound(columns: list[Any], kinds: list[str], n: int) -> int:
    """An upper bound on the bytes of the sheet's rows: :data:`CELL_BYTES` a cell, and 7 bytes for each byte of
    text (the longest escape, ``_x0001_``, of one byte)."""
    bound = (n + 1) * (len(kinds) + 1) * CELL_BYTES
    for values, kind in zip(columns, kinds, strict=True):
        if kind == "text":
            bound += 7 * int(pc.sum(pc.binary_length(values)).as_py() or 0)
    return bound


def _last_row(columns: list[Any], kinds: list[str], n: int) -> int:
    """The last sheet row holding a cell (1: the header only): a row is blank where every number is missing and
    every text blank (a yes/no value is never blank)."""
    if "bool" in kinds:
        return n + 1
    filled = np.zeros(n, dtype=bool)
    for values, kind in zip(columns, kinds, strict=True):
        if kind == "number":
            filled |= ~np.isnan(values) if values.dtype.kind == "f" else True
        else:
            filled |= pc.is_valid(values).to_numpy(zero_copy_only=False)
    rows = np.flatnonzero(filled)
    return int(rows[-1]) + 2 if len(rows) else 1


def _header(frame: pd.DataFrame, letters: list[str], style: str) -> bytes:
    names, preserve = escaped_text(pa.array([str(c) for c in frame.columns], type=pa.large_string()))
    cells = []
    for letter, name, keep in zip(letters, names.to_pylist(), preserve.to_pylist(), strict=True):
        space = ' xml:space="preserve"' if keep else ""
        cells.append(f'<c r="{letter}1" s="{style}" t="inlineStr"><is><t{space}>{name}</t></is></c>')
    return f'<row r="1">{"".join(cells)}</row>'.encode()


def _skeleton(path: str, width: int, sheet_name: str, options: dict[str, Any], properties: dict[str, Any]) -> None:
    """The workbook written by xlsxwriter with its one sheet holding only blank header cells in the header format
    (so that the format is in the styles)."""
    import xlsxwriter

    book = xlsxwriter.Workbook(path, options)
    try:
        book.set_properties(properties)
        sheet = book.add_worksheet(sheet_name)
        header = book.add_format(HEADER_FORMAT)
        for j in range(width):
            sheet.write_blank(0, j, None, header)
    finally:
        book.close()


_SHEET_DATA = re.compile(r"<sheetData>.*</sheetData>|<sheetData/>", re.S)
_DIMENSION = re.compile(r'<dimension ref="[A-Z0-9:]*"/>')
_HEADER_STYLE = re.compile(r'<c r="A1" s="(\d+)"/>')


def write_sheet(frame: pd.DataFrame, kinds: list[str], sink: str | os.PathLike[str] | io.BytesIO, sheet_name: str,
                options: dict[str, Any], properties: dict[str, Any]) -> None:
    """Write ``frame`` with its :func:`column_kinds` ``kinds`` to a new workbook at ``sink``: one sheet, the header
    then a row per record. ``options`` and ``properties``: the workbook's (strings kept as strings, a fixed creation
    date)."""
    if isinstance(sink, io.BytesIO):  # through a file: the bytes of a download are those of a file written
        with tempfile.TemporaryDirectory(prefix="scoring-xlsx-") as folder:
            path = os.path.join(folder, "sheet.xlsx")
            write_sheet(frame, kinds, path, sheet_name, options, properties)
            with open(path, "rb") as fh:
                sink.write(fh.read())
        return
    from xlsxwriter.utility import xl_col_to_name

    letters = [xl_col_to_name(j) for j in range(frame.shape[1])]
    with tempfile.TemporaryDirectory(prefix="scoring-xlsx-") as folder:
        skeleton = os.path.join(folder, "skeleton.xlsx")
        _skeleton(skeleton, len(letters), sheet_name, options, properties)
        with zipfile.ZipFile(skeleton) as zin, zipfile.ZipFile(os.fspath(sink), "w", zipfile.ZIP_DEFLATED,
                                                             allowZip64=True) as zout:
            for info in zin.infolist():
                if info.filename == "xl/worksheets/sheet1.xml" and letters:
                    _sheet_part(zout, info, zin.read(info).decode("utf-8"), frame, kinds, letters)
                else:
                    zout.writestr(info, zin.read(info))


def _sheet_part(zout: zipfile.ZipFile, info: zipfile.ZipInfo, xml: str, frame: pd.DataFrame, kinds: list[str],
                letters: list[str]) -> None:
    """The skeleton's sheet ``xml`` (its zip entry ``info``) written to ``zout`` with the frame's rows: its
    dimension set, its blank header cells replaced by the header row, then the rows, block by block."""
    style = _HEADER_STYLE.search(xml)
    columns = [_values(frame.iloc[:, j], kind) for j, kind in enumerate(kinds)]
    last = _last_row(columns, kinds, len(frame))
    ref = f"A1:{letters[-1]}{last}" if (len(letters), last) != (1, 1) else "A1"
    head, tail = _SHEET_DATA.split(_DIMENSION.sub(f'<dimension ref="{ref}"/>', xml, count=1), maxsplit=1)
    sheet = zipfile.ZipInfo(info.filename, info.date_time)  # the skeleton's fixed date: the same table, same bytes
    sheet.compress_type, sheet.external_attr = info.compress_type, info.external_attr
    sheet.create_system = info.create_system
    sheet._compresslevel = SHEET_DEFLATE_LEVEL  # ZipInfo's level (public as compress_level from 3.13)
    large = _xml_bound(columns, kinds, len(frame)) > 1 << 31  # Zip64 only where it may be needed (as xlsxwriter)
    with zout.open(sheet, "w", force_zip64=large) as out:
        out.write(head.encode() + b"<sheetData>" + _header(frame, letters, style.group(1) if style else "0"))
        for lo in range(0, len(frame), BLOCK_ROWS):
            out.write(_block(columns, kinds, letters, lo, min(len(frame), lo + BLOCK_ROWS)))
        out.write(b"</sheetData>" + tail.encode())
