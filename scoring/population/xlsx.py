"""Reading a population from an Excel workbook (.xlsx), with bounded work and formula cells named.

Before openpyxl parses anything, the workbook's zip directory is checked: the number of members, the total size
they unpack to, and the ratio of unpacked to packed size of each member (a zip bomb unpacks a few MB into GB), and
the sheet sizes the worksheets declare. After reading, cells that hold formulas are found by scanning the chosen
sheet's XML (a byte search, no second parse) and named by column in a warning: their values are the results Excel
cached when the file was last calculated, which a program that edits the file without recalculating leaves stale.
"""

from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scoring.errors import PopulationError
from scoring.population.identifiers import masked_name
from scoring.population.io import (
    HEADER_SCAN_ROWS,
    MAX_COLUMNS,
    MAX_XLSX_CELLS,
    MAX_XLSX_MEMBERS,
    MAX_XLSX_RATIO,
    MAX_XLSX_UNPACKED,
    RawTable,
    _fmt_bytes,
    _unique_headers,
    find_header_row,
    refuse_width,
)
from scoring.population.table import refuse_identifiers_above

_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?\"")
_FORMULA_CELL = re.compile(rb"<(?:\w+:)?c\s[^>]*?\br=\"([A-Z]{1,3})(\d+)\"[^>]*>\s*<(?:\w+:)?f[\s>/]")
_CALC_ON_LOAD = re.compile(rb"<(?:\w+:)?calcPr\s[^>]*?\bfullCalcOnLoad=\"(?:1|true)\"")
_ANY_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_SHEET = re.compile(rb"<(?:\w+:)?sheet\s[^>]*?\bname=\"([^\"]*)\"[^>]*?\b\w+:id=\"([^\"]+)\"")
_REL = re.compile(rb"<Relationship\s[^>]*?\bId=\"([^\"]+)\"[^>]*?\bTarget=\"([^\"]+)\"")
_REL_REVERSED = re.compile(rb"<Relationship\s[^>]*?\bTarget=\"([^\"]+)\"[^>]*?\bId=\"([^\"]+)\"")
_CHUNK = 1 << 20


def column_index(letters: str) -> int:
    """0-based index of a spreadsheet column ("A" -> 0, "AA" -> 26)."""
    out = 0
    for ch in letters:
        out = out * 26 + (ord(ch) - 64)
    return out - 1


def check_workbook(path: Path) -> None:
    """Refuse a workbook whose zip directory or declared sheet sizes promise unbounded work (one-line reason)."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_XLSX_MEMBERS:
                raise PopulationError(f"{path.name}: the workbook holds {len(infos):,} files; at most "
                                      f"{MAX_XLSX_MEMBERS:,} are accepted")
            total = sum(i.file_size for i in infos)
            if total > MAX_XLSX_UNPACKED:
                raise PopulationError(f"{path.name}: the workbook unpacks to {_fmt_bytes(total)}; at most "
                                      f"{_fmt_bytes(MAX_XLSX_UNPACKED)} is accepted: save it as CSV or Parquet")
            for info in infos:
                ratio = info.file_size / max(info.compress_size, 1)
                if info.file_size > 10 * 1024**2 and ratio > MAX_XLSX_RATIO:
                    raise PopulationError(f"{path.name}: a part of the workbook unpacks to {ratio:.0f} times its size "
                                          f"({_fmt_bytes(info.file_size)}), as a zip bomb does: refused")
            for info in infos:
                if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                    with zf.open(info) as fh:
                        head = fh.read(4096)
                        _check_dimension(path, head)
                        _count_cells(path, fh, head)
    except zipfile.BadZipFile as exc:
        raise PopulationError(f"{path.name}: cannot read the Excel workbook: BadZipFile: {exc}") from None
    except (OSError, RuntimeError, NotImplementedError) as exc:
        raise PopulationError(f"{path.name}: cannot read the Excel workbook: {type(exc).__name__}: "
                              f"{' '.join(str(exc).split())[:200]}") from None


def _check_dimension(path: Path, head: bytes) -> None:
    m = _DIMENSION.search(head)
    if m is None or m.group(3) is None:
        return
    cols = column_index(m.group(3).decode()) - column_index(m.group(1).decode()) + 1
    rows = int(m.group(4)) - int(m.group(2)) + 1
    if cols > MAX_COLUMNS:
        raise PopulationError(f"{path.name}: a sheet declares {cols:,} columns; at most {MAX_COLUMNS} are accepted")
    if rows * cols > MAX_XLSX_CELLS:
        raise PopulationError(f"{path.name}: a sheet declares {rows:,} rows x {cols} columns; at most "
                              f"{MAX_XLSX_CELLS:,} cells are read from Excel: save it as CSV or Parquet")


_CELL_TAG = re.compile(rb"<(?:\w{1,16}:)?c[\s>/]")  # a cell's start tag, with or without a namespace prefix
_COUNT_CHUNK = 4 << 20


def _count_cells(path: Path, fh: Any, head: bytes) -> None:
    """Refuse a sheet holding more than :data:`MAX_XLSX_CELLS` cells, counted in its XML (the rest of ``fh`` after
    ``head``), whatever its ``<dimension>`` says or whether it has one (a probe's sheet without one held 24M cells
    and was parsed for minutes). Linear in the unpacked sheet, which :func:`check_workbook` bounds. A chunk is
    counted up to its last "<" (a tag cut by the chunk starts there; no tag holds another "<")."""
    count, buf = 0, head
    while True:
        chunk = fh.read(_COUNT_CHUNK)
        buf += chunk
        cut = buf.rfind(b"<") if chunk else len(buf)
        cut = len(buf) if cut < 0 else cut
        count += len(_CELL_TAG.findall(buf, 0, cut))
        if count > MAX_XLSX_CELLS:
            raise PopulationError(f"{path.name}: a sheet holds more than {MAX_XLSX_CELLS:,} cells; at most "
                                  f"{MAX_XLSX_CELLS:,} cells are read from Excel: save it as CSV or Parquet")
        if not chunk:
            return
        buf = buf[cut:]


def _sheet_member(zf: zipfile.ZipFile, sheet_name: str) -> str | None:
    """The zip member holding the worksheet called ``sheet_name``, from workbook.xml and its relationships."""
    try:
        book = zf.read("xl/workbook.xml")
        rels = zf.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return None
    targets = {rid.decode(): tgt.decode() for rid, tgt in _REL.findall(rels)}
    targets.update({rid.decode(): tgt.decode() for tgt, rid in _REL_REVERSED.findall(rels)})
    for name, rid in _SHEET.findall(book):
        if html.unescape(name.decode("utf-8", "replace")) == sheet_name and rid.decode() in targets:
            target = targets[rid.decode()]
            return target.lstrip("/") if target.startswith("/") else "xl/" + target
    return None


def _last_cell_end(data: bytes) -> int:
    """Offset just after the last complete cell element (``</c>`` or ``</x:c>``) in ``data``, or -1."""
    plain = data.rfind(b"</c>")
    prefixed = data.rfind(b":c>")
    return max(plain + 4 if plain >= 0 else -1, prefixed + 3 if prefixed >= 0 else -1)


def formula_cells(path: Path, sheet_name: str) -> tuple[dict[int, list[int]], bool]:
    """Formula cells of a sheet: {0-based column: its 1-based rows}, and whether the sheet has formulas at all."""
    cells: dict[int, list[int]] = {}
    found = False
    with zipfile.ZipFile(path) as zf:
        member = _sheet_member(zf, sheet_name)
        if member is None or member not in zf.namelist():
            return cells, False
        with zf.open(member) as fh:
            tail = b""
            while chunk := fh.read(_CHUNK):
                data = tail + chunk
                cut = _last_cell_end(data)  # never split a cell between two blocks
                if cut < 0 and len(data) < 16 * _CHUNK:
                    tail = data
                    continue
                cut = len(data) if cut < 0 else cut
                block, tail = data[:cut], data[cut:]
                found = _note_formulas(block, cells) or found
            if tail:
                found = _note_formulas(tail, cells) or found
    return cells, found


def _note_formulas(block: bytes, cells: dict[int, list[int]]) -> bool:
    if not _ANY_FORMULA.search(block):
        return False
    for letters, row in _FORMULA_CELL.findall(block):
        cells.setdefault(column_index(letters.decode()), []).append(int(row))
    return True


def formula_columns(path: Path, sheet_name: str) -> tuple[dict[int, int], bool]:
    """Formula cells of a sheet: {0-based column: count}, and whether the sheet has formulas at all."""
    cells, found = formula_cells(path, sheet_name)
    return {c: len(rows) for c, rows in cells.items()}, found


def calculated_on_load(path: Path) -> bool:
    """Whether the workbook asks to be calculated when it is opened (``fullCalcOnLoad``): a program wrote its
    formulas without calculating them (openpyxl, xlsxwriter, pandas), so the values stored with them are
    placeholders (nothing, or 0), not results."""
    try:
        with zipfile.ZipFile(path) as zf:
            return bool(_CALC_ON_LOAD.search(zf.read("xl/workbook.xml")[:1 << 20]))
    except (OSError, KeyError, zipfile.BadZipFile, RuntimeError):
        return False


def read_excel(path: Path) -> RawTable:
    """Read the first visible non-empty sheet of a workbook (hidden sheets are never read), locate its header, note
    formulas; PopulationError if bad."""
    check_workbook(path)
    sheet_name, raw, n_sheets, hidden = None, None, 0, []
    try:
        with pd.ExcelFile(path, engine="openpyxl") as book:
            n_sheets = len(book.sheet_names)
            for sname in book.sheet_names:  # the first visible sheet with data; later sheets are never parsed
                if getattr(book.book[sname], "sheet_state", "visible") != "visible":
                    hidden.append(sname)  # a hidden sheet is never read (a probe's hidden first sheet was scored)
                    continue
                sheet = pd.read_excel(book, sheet_name=sname, header=None, dtype=object)
                sheet = sheet.dropna(how="all").dropna(axis=1, how="all")
                if not sheet.empty:
                    sheet_name, raw = sname, sheet
                    break
    except PopulationError:
        raise
    except Exception as exc:  # openpyxl/zipfile raise many kinds; all mean "not a readable workbook"
        raise PopulationError(f"{path.name}: cannot read the Excel workbook: {type(exc).__name__}: "
                              f"{' '.join(str(exc).split())[:200]}") from None
    if raw is None and hidden:
        raise PopulationError(f"{path.name}: the workbook has no data in its visible sheets; hidden sheets are never "
                              "read: unhide the sheet to read, or save it as a workbook of its own")
    if raw is None:
        raise PopulationError(f"{path}: the workbook has no data (every sheet is empty)")
    refuse_width(path.name, raw.shape[1])
    uncalculated = _blank_uncalculated(path, str(sheet_name), raw) if calculated_on_load(path) else None
    rows = raw.head(HEADER_SCAN_ROWS).to_numpy(dtype=object).tolist()
    header_idx = find_header_row(rows, path.name)
    refuse_identifiers_above(rows[:header_idx], path.name)
    header = _unique_headers(rows[header_idx], path.name)
    sheet_cols = [int(c) for c in raw.columns]
    body = raw.iloc[header_idx + 1:].copy()
    row_numbers = np.asarray(body.index, dtype=np.int64) + 1
    body.columns = header
    body = body.reset_index(drop=True)
    warnings = []
    shown_sheet = masked_name(str(sheet_name))  # a sheet named by an identifier is not echoed
    if n_sheets > 1:  # loud (the command line prints it): the rows of the other sheets are neither scored nor reported
        warnings.append(f"WARNING: read sheet '{shown_sheet}', the first visible sheet with data, of {n_sheets}"
                        + (f" ({len(hidden)} hidden, never read)" if hidden else "")
                        + "; the other sheets were not read")
    if header_idx:
        warnings.append(f"header found on row {int(raw.index[header_idx]) + 1} of sheet '{shown_sheet}'; "
                        f"{header_idx} row(s) above it were skipped")
    header_of = dict(zip(sheet_cols, header, strict=True))
    if uncalculated is None:
        warnings.extend(_formula_warnings(path, str(sheet_name), header_of))
    elif uncalculated:
        listed = ", ".join(f"'{header_of.get(c, f'column {c + 1}')}' ({n} cell(s))" for c, n in uncalculated.items())
        warnings.append(f"WARNING: formula cells in column(s) {listed} were never calculated (the workbook asks to be "
                        "calculated when opened: a program wrote it), so they are read as missing; open and save it "
                        "in Excel, or paste the cells as values")
    return RawTable(frame=body, kind="xlsx", header_row=int(raw.index[header_idx]) + 1, warnings=warnings,
                    row_numbers=row_numbers)


def _blank_uncalculated(path: Path, sheet_name: str, raw: pd.DataFrame) -> dict[int, int]:
    """Read the never-calculated formula cells of the sheet as missing (their stored value is a placeholder: a
    user's xlsxwriter file gave 0 for every id and header); {0-based column: cells blanked}. ``raw``: the sheet as
    read, its index and columns the sheet's 0-based rows and columns."""
    try:
        cells, _ = formula_cells(path, sheet_name)
    except (OSError, zipfile.BadZipFile, RuntimeError):
        return {}
    rows_at = {int(r): i for i, r in enumerate(raw.index)}
    cols_at = {int(c): i for i, c in enumerate(raw.columns)}
    blanked: dict[int, int] = {}
    for col, rows in cells.items():
        hit = [rows_at[r - 1] for r in rows if r - 1 in rows_at]
        if col in cols_at and hit:
            raw.iloc[hit, cols_at[col]] = None
            blanked[col] = len(hit)
    return blanked


def _formula_warnings(path: Path, sheet_name: str, header_of: dict[int, str]) -> list[str]:
    try:
        counts, found = formula_columns(path, sheet_name)
    except (OSError, zipfile.BadZipFile, RuntimeError):
        return []
    named = {header_of[c]: n for c, n in counts.items() if c in header_of}
    if named:
        listed = ", ".join(f"'{h}' ({n} cell(s))" for h, n in named.items())
        return [f"WARNING: formula cells in column(s) {listed}: the values read are the results Excel saved when "
                "the file was last calculated, stale if it was edited by a program that does not recalculate; "
                "paste them as values to be sure"]
    if found:
        return [f"WARNING: sheet '{masked_name(str(sheet_name))}' holds formula cells: their values are the results "
                "Excel saved when the file was last calculated; paste them as values to be sure"]
    return []
