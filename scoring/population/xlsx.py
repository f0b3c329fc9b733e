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

import numpy as np
import pandas as pd

from scoring.errors import PopulationError
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

_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?\"")
_FORMULA_CELL = re.compile(rb"<(?:\w+:)?c\s[^>]*?\br=\"([A-Z]{1,3})\d+\"[^>]*>\s*<(?:\w+:)?f[\s>/]")
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


def formula_columns(path: Path, sheet_name: str) -> tuple[dict[int, int], bool]:
    """Formula cells of a sheet: {0-based column: count}, and whether the sheet has formulas at all."""
    counts: dict[int, int] = {}
    found = False
    with zipfile.ZipFile(path) as zf:
        member = _sheet_member(zf, sheet_name)
        if member is None or member not in zf.namelist():
            return counts, False
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
                if _ANY_FORMULA.search(block):
                    found = True
                    for letters in _FORMULA_CELL.findall(block):
                        idx = column_index(letters.decode())
                        counts[idx] = counts.get(idx, 0) + 1
            if tail and _ANY_FORMULA.search(tail):
                found = True
                for letters in _FORMULA_CELL.findall(tail):
                    idx = column_index(letters.decode())
                    counts[idx] = counts.get(idx, 0) + 1
    return counts, found


def read_excel(path: Path) -> RawTable:
    """Read the first non-empty sheet of a workbook, locate its header, note formulas; PopulationError if bad."""
    check_workbook(path)
    sheet_name, raw, n_sheets = None, None, 0
    try:
        with pd.ExcelFile(path, engine="openpyxl") as book:
            n_sheets = len(book.sheet_names)
            for sname in book.sheet_names:  # the first sheet with data; later sheets are never parsed
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
    if raw is None:
        raise PopulationError(f"{path.name}: the workbook has no data (every sheet is empty)")
    refuse_width(path.name, raw.shape[1])
    rows = raw.head(HEADER_SCAN_ROWS).to_numpy(dtype=object).tolist()
    header_idx = find_header_row(rows, path.name)
    header = _unique_headers(rows[header_idx], path.name)
    sheet_cols = [int(c) for c in raw.columns]
    body = raw.iloc[header_idx + 1:].copy()
    row_numbers = np.asarray(body.index, dtype=np.int64) + 1
    body.columns = header
    body = body.reset_index(drop=True)
    warnings = []
    if n_sheets > 1:
        warnings.append(f"read sheet '{sheet_name}' of {n_sheets}")
    if header_idx:
        warnings.append(f"header found on row {int(raw.index[header_idx]) + 1} of sheet '{sheet_name}'; "
                        f"{header_idx} row(s) above it were skipped")
    warnings.extend(_formula_warnings(path, str(sheet_name), dict(zip(sheet_cols, header, strict=True))))
    return RawTable(frame=body, kind="xlsx", header_row=int(raw.index[header_idx]) + 1, warnings=warnings,
                    row_numbers=row_numbers)


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
        return [f"WARNING: sheet '{sheet_name}' holds formula cells: their values are the results Excel saved when "
                "the file was last calculated; paste them as values to be sure"]
    return []
