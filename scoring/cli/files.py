"""The files the commands write: checked before any work, Excel-safe, written atomically, with one-line errors.

:func:`check_out` refuses an output path that is a folder, sits in a missing folder, is not a plain file, or is
one of the command's input files (``--out`` equal to ``--population``, or the same file under another name).
:func:`write_frame` writes a table as Parquet, CSV or XLSX through :func:`scoring.safe_output.atomic_path` (an
interrupted or failed write leaves the previous file as it was and no partial file) and, for the formats people
open in a spreadsheet, through :func:`scoring.safe_output.excel_safe_frame` (no cell becomes a live formula).
:func:`write_result` writes a scoring result (``score``/``admit --out``) the same way, straight from its arrays with
pyarrow (:class:`scoring.result_table.ResultTable`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from scoring.errors import ScoringInputError
from scoring.safe_output import TABLE_FORMATS, write_table

if TYPE_CHECKING:
    from scoring.result_table import ResultTable

__all__ = ["TABLE_FORMATS", "XLSX_MAX_ROWS", "check_out", "same_file", "write_error", "write_frame", "write_result"]
XLSX_MAX_ROWS = 1_048_575  # rows of an Excel sheet, less the header


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """True when ``a`` and ``b`` name the same file (hard or symbolic links included), existing or not."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return Path(a).resolve() == Path(b).resolve()


def check_out(out: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str] | None] = (), *,
              option: str = "--out") -> Path:
    """``out`` as a Path, refused with a one-line reason if it cannot or must not be written."""
    out = Path(out)
    if out.is_dir():
        raise ScoringInputError(f"{option} {out}: is a folder; give a file name inside it")
    if not out.parent.is_dir():
        raise ScoringInputError(f"{option} {out}: folder {out.parent} does not exist")
    if out.exists() and not out.is_file():
        raise ScoringInputError(f"{option} {out}: exists and is not a plain file (a device, pipe or socket)")
    for name in inputs:
        if name is not None and same_file(out, name):
            raise ScoringInputError(f"{option} {out}: is the input file {name}; write the output elsewhere")
    return out


def write_error(option: str, out: Path, exc: BaseException) -> ScoringInputError:
    """The one-line error for a failed write (read-only folder, full disk, ...)."""
    reason = getattr(exc, "strerror", None) or str(exc) or exc.__class__.__name__
    return ScoringInputError(f"{option} {out}: cannot write: {' '.join(str(reason).split())}")


def check_rows_fit(rows: int, out: str | os.PathLike[str] | None, option: str = "--out") -> None:
    """Refuse (ScoringInputError) an Excel ``out`` that cannot hold ``rows`` rows; any other output takes them."""
    if out is not None and Path(out).suffix.lower() == ".xlsx" and rows > XLSX_MAX_ROWS:
        raise ScoringInputError(f"{option} {out}: {rows:,} rows do not fit in an Excel sheet; use .parquet or .csv")


def _check_format(rows: int, out: Path, fmt: str, option: str) -> None:
    if fmt == "xlsx":
        check_rows_fit(rows, out, option)
    if fmt not in TABLE_FORMATS.values():
        raise ScoringInputError(f"{option} {out}: unknown output type; use .parquet, .csv or .xlsx")


RESULT_SHEET = {"zh": "积分结果", "en": "scores"}  # the Excel sheet of a scoring result, by --lang


def write_result(table: ResultTable, out: str | os.PathLike[str], fmt: str, *, option: str = "--out",
                 lang: str = "zh") -> None:
    """Write a scoring result as ``fmt`` to ``out`` through :meth:`scoring.result_table.ResultTable.write`
    (atomic; CSV UTF-8 with BOM and Excel-safe; an Excel sheet named in ``lang``), with one-line errors."""
    from xlsxwriter.exceptions import XlsxWriterException

    out = Path(out)
    _check_format(table.n, out, fmt, option)
    try:
        table.write(out, fmt, sheet_name=RESULT_SHEET.get(lang, RESULT_SHEET["zh"]))
    except (OSError, XlsxWriterException) as exc:
        raise write_error(option, out, exc) from None


def write_frame(frame: pd.DataFrame, out: str | os.PathLike[str], fmt: str, *, sheet_name: str = "Sheet1",
                option: str = "--out", stamp: str | None = None) -> None:
    """Write ``frame`` (no index; the ``stamp`` column when given) as ``fmt`` ("parquet", "csv" UTF-8 with BOM,
    "xlsx") to ``out`` through :func:`scoring.safe_output.write_table`, with one-line errors."""
    from xlsxwriter.exceptions import XlsxWriterException

    out = Path(out)
    _check_format(len(frame), out, fmt, option)
    try:
        write_table(frame, out, fmt, stamp=stamp, sheet_name=sheet_name)
    except (OSError, XlsxWriterException) as exc:
        raise write_error(option, out, exc) from None
