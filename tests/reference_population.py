"""FROZEN REFERENCE (copy of scoring/population/load.py before issue 14): do not edit; the fuzz test compares the
fast loader against it.

Populations: canonical columns, loading (CSV / XLSX / Parquet / DataFrame), validation report, identifiers.

``read_population`` is the data front door: it reads a file or frame, maps Chinese (or English) headers and values
to the canonical ones from :mod:`scoring.population.schema`, refuses (or drops) direct identifiers, types every
column compactly, and validates types, ranges, categories and the logical relations between columns. Every input
row is accounted for: ``rows_in == len(frame) + rows_rejected``. The column-by-column work is in
:mod:`scoring.population.validate`.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from reference_validate import STR_DTYPE, Problems, duplicate_ids, logical_checks, show_value, type_columns

from scoring.errors import PopulationError
from scoring.population.identifiers import IdentifierFinding, screen_identifiers
from scoring.population.io import MAX_COLUMNS, clean_header, read_table
from scoring.population.schema import Schema, load_schema, normalise_header

__all__ = [
    "CANONICAL_COLUMNS",
    "PopulationLoad",
    "load_population",
    "person_ids",
    "read_population",
    "validate_population",
]

CANONICAL_COLUMNS: tuple[str, ...] = load_schema().canonical_columns
SHOW_ROWS = 3
_DIGITS4 = np.frombuffer("".join(f"{i:04d}" for i in range(10000)).encode(), dtype=np.uint8).reshape(10000, 4)


@dataclass
class PopulationLoad:
    """The result of reading a population: kept rows, rejected rows with reasons, and notes.

    ``frame`` holds the kept rows with canonical names and compact dtypes; its index is the 0-based position of
    each row in the input. ``rejected`` has one line per problem: ``row`` (1-based data row), ``column``,
    ``reason``; a row may appear more than once but counts once in ``rows_rejected``. ``row_numbers`` holds, for
    a file, the row of each data row as a spreadsheet numbers it (header on row 1 → first data row is row 2; lines
    and sheet rows above the header and blank lines counted); messages give both numbers.
    """

    frame: pd.DataFrame
    rejected: pd.DataFrame
    rows_in: int
    rows_rejected: int
    dropped_identifiers: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    source: str | None = None
    row_numbers: np.ndarray | None = field(default=None, repr=False)

    def excel_row(self, row: int) -> int | None:
        """The row as a spreadsheet shows it for 1-based data row ``row`` (file input only, else None)."""
        if self.row_numbers is None or not 1 <= row <= len(self.row_numbers):
            return None
        return int(self.row_numbers[row - 1])

    def _where(self, row: int, column: str) -> str:
        excel = self.excel_row(row)
        return f"row {row}{f' (Excel row {excel})' if excel is not None else ''}, column {column}"

    def rejected_table(self) -> pd.DataFrame:
        """``rejected`` with an ``excel_row`` column (each row as a spreadsheet shows it) when that is known."""
        if self.row_numbers is None or not len(self.rejected):
            return self.rejected
        out = self.rejected.copy()
        out.insert(1, "excel_row", self.row_numbers[out["row"].to_numpy(dtype=np.int64) - 1])
        return out

    @property
    def rows_kept(self) -> int:
        """Number of valid rows kept (== len(frame))."""
        return len(self.frame)

    def summary(self) -> dict[str, Any]:
        """A JSON-serialisable summary: rows_in, kept (= scored), rejected, dropped identifiers, warnings."""
        return {
            "source": self.source,
            "rows_in": int(self.rows_in),
            "kept": int(self.rows_kept),
            "scored": int(self.rows_kept),
            "rejected": int(self.rows_rejected),
            "dropped_identifiers": list(self.dropped_identifiers),
            "warnings": list(self.warnings),
            "columns": [str(c) for c in self.frame.columns],
        }

    def error_message(self) -> str:
        """The strict-mode message: first line names up to three bad rows as "row N, column C: reason"."""
        first = self.rejected.drop_duplicates("row").head(SHOW_ROWS)
        shown = "; ".join(f"{self._where(r.row, r.column)}: {r.reason}" for r in first.itertuples())
        more = (f" ({self.rows_rejected:,} of {self.rows_in:,} rows invalid; use --skip-invalid / skip_invalid=True "
                "to keep the valid rows)")
        lines = [shown + more]
        for r in self.rejected.head(50).itertuples():
            lines.append(f"  {self._where(r.row, r.column)}: {r.reason}")
        if len(self.rejected) > 50:
            lines.append(f"  ... and {len(self.rejected) - 50} more problem(s)")
        return "\n".join(lines)


def person_ids(positions: np.ndarray, width: int | None = None) -> pd.Series:
    """Generated person ids "P0000001"... for 0-based row positions (id = position + 1), as a compact str column."""
    positions = np.asarray(positions, dtype=np.int64)
    n = positions.size
    top = int(positions.max()) + 1 if n else 1
    width = width or max(7, len(str(top)))
    nums = (positions + 1).astype(np.uint32 if top < 2**32 else np.uint64)
    buf = np.empty((n, width + 1), dtype=np.uint8)
    buf[:, 0] = ord("P")
    # Four digits at a time through a lookup table.
    x = nums
    pos = width + 1
    ten_k = nums.dtype.type(10000)
    while pos > 1:
        take = min(4, pos - 1)
        high = x // ten_k
        buf[:, pos - take:pos] = _DIGITS4[(x - high * ten_k)][:, 4 - take:]
        x = high
        pos -= take
    offsets = np.arange(n + 1, dtype=np.int32) * np.int32(width + 1) if n * (width + 1) < 2**31 else \
        np.arange(n + 1, dtype=np.int64) * (width + 1)
    typ = pa.string() if offsets.dtype == np.int32 else pa.large_string()
    arr = pa.Array.from_buffers(typ, n, [None, pa.py_buffer(offsets), pa.py_buffer(buf.reshape(-1))])
    return pd.Series(pd.array(arr, dtype=STR_DTYPE))


def _map_headers(frame: pd.DataFrame, schema: Schema, name: str) -> tuple[dict[str, str], list[str]]:
    """Original header -> canonical (or kept) column name; refuses two headers mapping to one column."""
    mapping: dict[str, str] = {}
    seen: dict[str, str] = {}
    for header in frame.columns:
        h = str(header)
        target = schema.canonical_header(h) or unicodedata.normalize("NFKC", h).strip()
        if not target:
            target = h
        if target in seen:
            raise PopulationError(f"{name}: columns {show_value(seen[target])} and {show_value(h)} both map to "
                                  f"{show_value(target)}")
        seen[target] = h
        mapping[h] = target
    return mapping, list(mapping.values())


_ID_HINTS = ("编号", "编码", "号码", "代码")  # inside a header; the Latin ones below end it (employee_no, uid)
_ID_ENDINGS = ("id", "no", "number", "code", "key")


def _id_like_columns(raw: pd.DataFrame, mapping: dict[str, str], schema: Schema) -> list[str]:
    """Extra columns whose header hints at an id and whose values are present and distinct in every row."""
    out = []
    for header in raw.columns:
        if mapping[header] in schema.columns:
            continue
        key = normalise_header(header)
        if not (any(h in key for h in _ID_HINTS) or key.endswith(_ID_ENDINGS)):
            continue
        col = raw[header]
        if len(col) > 1 and not col.isna().any() and col.is_unique:
            out.append(header)
    return out


def _column_label(raw: pd.DataFrame, finding: IdentifierFinding) -> str:
    """How a column is named in messages and reports: its header, or its position when the header is unsafe."""
    if finding.header_masked:
        return f"column {raw.columns.get_loc(finding.column) + 1} (header not shown)"
    return finding.column


def _quoted(raw: pd.DataFrame, finding: IdentifierFinding) -> str:
    label = _column_label(raw, finding)
    return label if finding.header_masked else f"column '{label}'"


def rows_text(positions: np.ndarray | tuple[int, ...], total: int, row_numbers: np.ndarray | None,
              row_offset: int = 0) -> str:
    """ "Excel rows 3, 8" (file input: rows as the spreadsheet numbers them) or "data rows 1, 6" (a frame)."""
    pos = np.asarray(positions, dtype=np.int64)
    shown = row_numbers[pos] if row_numbers is not None else pos + 1 + row_offset
    listed = ", ".join(str(int(r)) for r in shown) + (", ..." if total > len(pos) else "")
    return ("Excel row" if row_numbers is not None else "data row") + ("s " if total > 1 else " ") + listed


def _describe(raw: pd.DataFrame, fi: IdentifierFinding, row_numbers: np.ndarray | None, row_offset: int) -> str:
    where = f" ({rows_text(fi.positions, fi.rows_hit, row_numbers, row_offset)})" if fi.positions else ""
    return f"{_quoted(raw, fi)}: {fi.reason}{where}"


def _refuse_or_drop(raw: pd.DataFrame, findings: list[IdentifierFinding], mapping: dict[str, str], schema: Schema,
                    name: str, drop: bool, row_numbers: np.ndarray | None, row_offset: int,
                    warnings: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """Refuse a frame with identifier columns, or drop them (``drop``) unless the scoring needs the column.

    A column named by the schema (other than person_id, which is replaced by generated ids) is needed for scoring:
    identifiers inside its values are refused even with ``drop``, since dropping it would change the scores.
    """
    needed = [fi for fi in findings if not fi.from_header and mapping.get(fi.column) in schema.columns
              and mapping.get(fi.column) != "person_id"]
    if needed:  # with or without drop: dropping cannot help (the advice never suggests it; trial, 2026-12-02)
        others = [] if drop else [fi for fi in findings if fi not in needed]
        listed = "; ".join(_describe(raw, fi, row_numbers, row_offset) for fi in needed)
        also = "; ".join(_describe(raw, fi, row_numbers, row_offset) for fi in others)
        raise PopulationError(f"{name}: identifiers inside column(s) that the scoring uses — {listed}. Remove them "
                              "from these values: dropping identifier columns cannot help, the scoring needs these"
                              + (f". Direct identifiers also in column(s) the scoring can do without — {also}"
                                 if others else ""))
    if not drop:
        listed = "; ".join(_describe(raw, fi, row_numbers, row_offset) for fi in findings)
        raise PopulationError(f"{name}: direct identifiers found — {listed}. Remove them, or pass "
                              "--drop-identifiers (drop_identifiers=True) to drop these columns")
    dropped = [_column_label(raw, fi) for fi in findings]
    raw = raw.drop(columns=[fi.column for fi in findings])
    warnings.append("dropped identifier column(s): " + ", ".join(dropped))
    return raw, dropped


def _validate(raw: pd.DataFrame, *, skip_invalid: bool, drop_identifiers: bool, source: str | None,
              warnings: list[str], row_numbers: np.ndarray | None = None, row_offset: int = 0) -> PopulationLoad:
    schema = load_schema()
    name = source or "population"
    if raw.shape[1] == 0:
        raise PopulationError(f"{name}: no columns")
    if raw.shape[1] > MAX_COLUMNS:
        raise PopulationError(f"{name}: {raw.shape[1]:,} columns; at most {MAX_COLUMNS} are accepted")
    raw = raw.copy(deep=False)
    raw.columns = [clean_header(str(c)) for c in raw.columns]
    if len(set(raw.columns)) != raw.shape[1]:
        dup = raw.columns[raw.columns.duplicated()][0]
        raise PopulationError(f"{name}: column header {show_value(dup)} appears twice")
    raw = raw.reset_index(drop=True)
    n = len(raw)
    mapping, _ = _map_headers(raw, schema, name)

    # Identifier screening before anything else: nothing from these columns is ever echoed.
    findings: list[IdentifierFinding] = screen_identifiers(raw, schema=schema)
    dropped: list[str] = []
    if findings:
        raw, dropped = _refuse_or_drop(raw, findings, mapping, schema, name, drop_identifiers, row_numbers,
                                       row_offset, warnings)
    if n == 0:
        raise PopulationError(f"{name}: the header has no data rows")
    if raw.shape[1] == 0:
        raise PopulationError(f"{name}: no columns left after dropping identifiers")

    probs = Problems(n)
    typed, extras, id_missing = type_columns(raw, mapping, schema, probs, warnings)
    logical_checks(typed, probs, schema)
    if "person_id" in typed and id_missing is not None:
        duplicate_ids(typed["person_id"], id_missing, probs)
    else:
        typed["person_id"] = person_ids(np.arange(n))
        looks = _id_like_columns(raw, mapping, schema)
        if looks:
            warnings.append(f"WARNING: no person_id column, so ids P{1:07d}... were generated; but column(s) "
                            f"{', '.join(repr(c) for c in looks)} look like an id column (a distinct value in every "
                            "row): rename it to person_id / 人员编号 to keep its ids")

    order = {c: i for i, c in enumerate(schema.columns)}
    cols: dict[str, Any] = {c: typed[c] for c in schema.columns if c in typed}
    cols.update(extras)
    frame = pd.DataFrame({c: (v.reset_index(drop=True) if isinstance(v, pd.Series) else v) for c, v in cols.items()})
    frame.index = pd.RangeIndex(n)
    rejected = probs.table(order)
    keep = ~probs.bad
    if not keep.all():
        frame = frame.loc[keep]
    load = PopulationLoad(frame=frame, rejected=rejected, rows_in=n, rows_rejected=int(probs.bad.sum()),
                          dropped_identifiers=dropped, warnings=warnings, source=source, row_numbers=row_numbers)
    if load.rows_rejected and not skip_invalid:
        err = PopulationError(f"{name}: {load.error_message()}")
        err.load = load  # type: ignore[attr-defined]
        raise err
    return load


def read_population(source: str | os.PathLike[str] | pd.DataFrame, *, skip_invalid: bool = False,
                    drop_identifiers: bool = False, row_offset: int = 0) -> PopulationLoad:
    """Read and validate a population from a file path (CSV/XLSX/Parquet) or a DataFrame.

    Strict by default: any invalid row raises :class:`PopulationError` whose first line names up to three bad rows.
    With ``skip_invalid`` the valid rows are kept and the rejected ones reported. Columns holding direct identifiers
    are refused unless ``drop_identifiers`` is true, in which case they are dropped and reported.
    ``row_offset`` (a frame that is a batch of a larger file) is added to the data rows named in identifier messages.
    """
    if isinstance(source, pd.DataFrame):
        return _validate(source, skip_invalid=skip_invalid, drop_identifiers=drop_identifiers, source=None,
                         warnings=[], row_offset=row_offset)
    if not isinstance(source, str | os.PathLike):
        raise PopulationError(f"a population must be a file path or a pandas DataFrame, not {type(source).__name__}")
    table = read_table(source)
    return _validate(table.frame, skip_invalid=skip_invalid, drop_identifiers=drop_identifiers,
                     source=os.fspath(source), warnings=list(table.warnings), row_numbers=table.row_numbers)


def load_population(source: str | os.PathLike[str] | pd.DataFrame, *, drop_identifiers: bool = False) -> pd.DataFrame:
    """Read a population strictly (any invalid row raises PopulationError) and return the typed frame."""
    return read_population(source, drop_identifiers=drop_identifiers).frame


def validate_population(df: pd.DataFrame, *, skip_invalid: bool = True, drop_identifiers: bool = False
                        ) -> PopulationLoad:
    """Validate an in-memory frame and return the report (lenient by default: nothing raised for bad rows)."""
    return read_population(df, skip_invalid=skip_invalid, drop_identifiers=drop_identifiers)
