"""A table written to one Excel sheet with xlsxwriter's typed calls, row by row in constant memory.

pandas' ``to_excel`` builds a styled cell object for every value and formats its style as JSON before xlsxwriter
sees it: 200,000 result rows (3M cells) took 53 s (a new user's trial of ``admit --out x.xlsx``). Here each column
is turned into a Python list once and every cell goes to the xlsxwriter call of its type (number, yes/no, text; a
missing value or empty text is left blank, as pandas leaves it), rows streamed to disk as they are written. The
cells are the ones pandas writes (tested cell for cell against it); the header row has pandas' look (bold, a thin
border, centred).
Columns of other dtypes (dates, mixed Python objects, ...) are not handled here: :func:`column_kinds` says so and
the caller uses pandas.
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

HEADER_FORMAT = {"bold": True, "border": 1, "align": "center", "valign": "top"}  # pandas' header cell style


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


def _values(s: pd.Series, kind: str) -> list[Any]:
    """The column's cells as Python values (None: a missing value, left blank)."""
    if kind == "number":
        values = s.to_numpy()
        if values.dtype.kind == "f" and np.isnan(values).any():
            return [None if math.isnan(v) else v for v in values.tolist()]
        return values.tolist()
    if kind == "bool":
        return s.to_numpy(dtype=bool).tolist()
    values = s.astype(object).to_numpy()
    return [v if isinstance(v, str) and v else None for v in values.tolist()]  # "" is a blank cell, as pandas


def write_sheet(frame: pd.DataFrame, kinds: list[str], sink: str | os.PathLike[str] | io.BytesIO, sheet_name: str,
                options: dict[str, Any], properties: dict[str, Any]) -> None:
    """Write ``frame`` with its :func:`column_kinds` ``kinds`` to a new workbook at ``sink``: one sheet, the header
    then a row per record. ``options`` and ``properties``: the workbook's (strings kept as strings, a fixed creation
    date)."""
    if isinstance(sink, io.BytesIO):  # through a file: the bytes of a download are those of a file written
        import tempfile

        with tempfile.TemporaryDirectory(prefix="scoring-xlsx-") as folder:
            path = os.path.join(folder, "sheet.xlsx")
            write_sheet(frame, kinds, path, sheet_name, options, properties)
            with open(path, "rb") as fh:
                sink.write(fh.read())
        return
    import xlsxwriter

    book = xlsxwriter.Workbook(os.fspath(sink), {**options, "constant_memory": True})
    try:
        book.set_properties(properties)
        sheet = book.add_worksheet(sheet_name)
        header = book.add_format(HEADER_FORMAT)
        for j, name in enumerate(frame.columns):
            sheet.write_string(0, j, str(name), header)
        columns = [_values(frame.iloc[:, j], kind) for j, kind in enumerate(kinds)]
        write: dict[str, Callable[..., int]] = {"number": sheet.write_number, "bool": sheet.write_boolean,
                                                "text": sheet.write_string}
        calls = [write[kind] for kind in kinds]
        for r, row in enumerate(zip(*columns, strict=True), start=1):
            for j, value in enumerate(row):
                if value is not None:
                    calls[j](r, j, value)
    finally:
        book.close()
