"""Safe outputs: files written atomically, and tables that open in Excel without live formulas.

Every file the library or the CLI writes goes through :func:`atomic_path` (a temporary file beside the target,
flushed and renamed over it at the end), so an interrupted or failed write never leaves a partial file and never
destroys the previous good one. Every table exported for people goes through :func:`excel_safe_frame`, which
neutralises text that a spreadsheet would run as a formula (cells, column names and index labels alike).
"""

from __future__ import annotations

import contextlib
import datetime
import io
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

# A spreadsheet treats a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r", "\n", "｜", "|")

# xlsxwriter options that keep every string a string (by default it turns "=..." into a formula and
# "http://..." into a hyperlink).
XLSX_SAFE_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False}


def excel_safe_text(value: object) -> object:
    """``value`` with a leading apostrophe when it is text that a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_LEADS) and not _is_number(value):
        return "'" + value
    return value


def _is_number(text: str) -> bool:
    """True for plain numbers such as ``-3.5`` (a negative number is not a formula; ``-1_0`` is not a number)."""
    if "_" in text:
        return False
    try:
        float(text)
    except ValueError:
        return False
    return True


def excel_safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells, column names and index labels cannot become live formulas.

    Only object/string/category columns are touched (numbers stay numbers); the work is whole-column.
    """
    out = df.copy(deep=False)
    out.columns = [excel_safe_text(c) if isinstance(c, str) else c for c in out.columns]
    for col in out.columns:
        s = out[col]
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
                fixed = s.astype(object).copy()
                fixed[risky] = "'" + text[risky].astype(str)
                out[col] = fixed
    if out.index.dtype == object or pd.api.types.is_string_dtype(out.index.dtype):
        out.index = pd.Index([excel_safe_text(v) for v in out.index], name=excel_safe_text(out.index.name))
    return out


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


# The creation date written into every workbook (xlsxwriter's default is the time of writing, so two identical
# exports would differ in docProps/core.xml): fixed, so the same table gives the same bytes.
XLSX_CREATED = datetime.datetime(2000, 1, 1)


def xlsx_writer(target: str | os.PathLike[str] | io.BytesIO) -> pd.ExcelWriter:
    """An xlsxwriter ``pd.ExcelWriter`` that keeps strings as strings (``XLSX_SAFE_OPTIONS``) and stamps the fixed
    creation date ``XLSX_CREATED``: byte-identical output for identical tables."""
    writer = pd.ExcelWriter(target, engine="xlsxwriter", engine_kwargs={"options": XLSX_SAFE_OPTIONS})
    writer.book.set_properties({"created": XLSX_CREATED})
    return writer
