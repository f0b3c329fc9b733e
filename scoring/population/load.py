"""Populations: canonical columns, loading (CSV / XLSX / Parquet / DataFrame), validation report, identifiers.

``read_population`` is the data front door: it reads a file or frame, maps Chinese (or English) headers and values
to the canonical ones from :mod:`scoring.population.schema`, refuses (or drops) direct identifiers, types every
column compactly, and validates types, ranges, categories and the logical relations between columns. Every input
row is accounted for: ``rows_in == len(frame) + rows_rejected``. The column-by-column work is in
:mod:`scoring.population.validate`.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from scoring.errors import PopulationError
from scoring.population import background
from scoring.population.identifiers import IdentifierFinding, screen_identifiers
from scoring.population.identifiers_arrow import UnreadColumns
from scoring.population.identifiers_embedded import SMALL_NUMBERS
from scoring.population.io import clean_header, read_table, refuse_width
from scoring.population.refusal import refuse_or_drop
from scoring.population.rowchecks import all_findings, check_rows, start_checks, start_unread, wanted_columns
from scoring.population.schema import Schema, load_schema, normalise_header
from scoring.population.shared_facts import sharing
from scoring.population.stats import NumberStats
from scoring.population.text import prefetch_facts
from scoring.population.validate import STR_DTYPE, show_value

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
    # person_id of each rejected row (index: its 0-based data row): why an id is missing, without a second read
    rejected_ids: pd.Series | None = field(default=None, repr=False, compare=False)
    # column name -> its header as the file writes it, where they differ (社保年限 for insurance_years): the names
    # the rejected rows' export gives (rejected_table)
    headers: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    # every header of the file as written (cleaned), the dropped identifier columns left out: what a message about
    # a missing column lists
    file_headers: list[str] = field(default_factory=list, repr=False, compare=False)

    def excel_row(self, row: int) -> int | None:
        """The row as a spreadsheet shows it for 1-based data row ``row`` (file input only, else None)."""
        if self.row_numbers is None or not 1 <= row <= len(self.row_numbers):
            return None
        return int(self.row_numbers[row - 1])

    def where(self, row: int, column: str) -> str:
        """"row 3 (Excel row 7), column 年龄" (the Excel row when known; the column's header as the file writes it,
        :attr:`headers`, as the rejected rows' export names it): how messages name a bad cell."""
        excel = self.excel_row(row)
        header = self.headers.get(column, column)
        return f"row {row}{f' (Excel row {excel})' if excel is not None else ''}, column {header}"

    def rejected_table(self, rejected: pd.DataFrame | None = None) -> pd.DataFrame:
        """``rejected`` (this load's own by default; or a table of the same data rows, e.g. with the scoring's
        rejections added) with an ``excel_row`` column after ``row`` (each row as a spreadsheet shows it) when that
        is known; each ``column`` named by its header as the file writes it (:attr:`headers`)."""
        rejected = as_written(self.rejected if rejected is None else rejected, self.headers)
        if self.row_numbers is None or not len(rejected):
            return rejected
        out = rejected.copy()
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
        shown = "; ".join(f"{self.where(r.row, r.column)}: {r.reason}" for r in first.itertuples())
        more = (f" ({self.rows_rejected:,} of {self.rows_in:,} rows invalid; use --skip-invalid / skip_invalid=True "
                "to keep the valid rows)")
        lines = [shown + more]
        for r in self.rejected.head(50).itertuples():
            lines.append(f"  {self.where(r.row, r.column)}: {r.reason}")
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


def _map_headers(headers: list[str], schema: Schema, name: str) -> tuple[dict[str, str], list[str]]:
    """Original header -> canonical (or kept) column name; refuses two headers mapping to one column."""
    mapping: dict[str, str] = {}
    seen: dict[str, str] = {}
    for header in headers:
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


def written_headers(headers: list[str], schema: Schema) -> dict[str, str]:
    """Column name (canonical, or an extra column's header as kept) -> its header as the file writes it (cleaned of
    invisible characters, :func:`scoring.population.io.clean_header`), for the columns where the two differ."""
    return _written(_map_headers(headers, schema, "population")[0])


def _written(mapping: dict[str, str]) -> dict[str, str]:
    """:func:`written_headers` from the header -> column mapping already made (:func:`_map_headers`)."""
    return {target: header for header, target in mapping.items() if target != header}


def as_written(rejected: pd.DataFrame, headers: dict[str, str]) -> pd.DataFrame:
    """Rejected lines (row, column, reason, ...) with each ``column`` named by its header as the file writes it
    (``headers``: :func:`written_headers`): the user finds the column they wrote, in every engine's export."""
    if not headers or not len(rejected):
        return rejected
    column = rejected["column"].astype(object)
    return rejected.assign(column=column.map(headers).fillna(column))


_ID_HINTS = ("编号", "编码", "号码", "代码")  # inside a header; the Latin ones below end it (employee_no, uid)
_ID_ENDINGS = ("id", "no", "number", "code", "key")


def _id_hinted(header: str) -> bool:
    """True when a header hints at an id (编号, ..._id, employee_no, ...)."""
    key = normalise_header(header)
    return any(h in key for h in _ID_HINTS) or key.endswith(_ID_ENDINGS)


def _id_like_columns(raw: pd.DataFrame, mapping: dict[str, str], schema: Schema) -> list[str]:
    """Extra columns whose header hints at an id and whose values are present and distinct in every row."""
    out = []
    for header in raw.columns:
        if mapping[header] in schema.columns or not _id_hinted(header):
            continue
        col = raw[header]
        if len(col) > 1 and not col.isna().any() and col.is_unique:
            out.append(header)
    return out


def _frame_of(cols: dict[str, Any], n: int) -> pd.DataFrame:
    """The typed columns as a frame, one block per column (no consolidation copy), index 0..n-1."""
    index = pd.RangeIndex(n)
    series = [pd.Series(v.to_numpy() if isinstance(v, pd.Series) and isinstance(v.dtype, np.dtype) else
                        (v.array if isinstance(v, pd.Series) else v), index=index, name=c, copy=False)
              for c, v in cols.items()]
    if not series:
        return pd.DataFrame(index=index)
    frame = pd.concat(series, axis=1)
    frame.columns = list(cols)
    return frame


def read_set(headers: list[str], schema: Schema, columns: Collection[str] | None, *, drop_identifiers: bool,
             name: str = "population") -> set[str]:
    """The headers (cleaned) whose values a run reads: all of them without ``columns``; else those that map to
    ``columns`` or person_id, and those whose header hints at an id when the ids may be missing or dropped (for the
    generated-ids warning). The other columns are screened by their header only, never read."""
    if columns is None:
        return set(headers)
    mapping, _ = _map_headers(headers, schema, name)
    wanted = set(columns) | {"person_id"}
    hints = drop_identifiers or "person_id" not in mapping.values()
    return {h for h in headers if mapping[h] in wanted or (hints and mapping[h] not in schema.columns
                                                            and _id_hinted(h))}


def identifier_refusal(name: str, headers: list[str], findings: list[IdentifierFinding], schema: Schema, *,
                       drop: bool, used: Collection[str] | None = None) -> list[str]:
    """Refuse (PopulationError) a file whose unread columns hold identifiers, with the message reading the whole
    file gives; with ``drop``, the labels of the columns to drop (unless the scoring needs one: refused).
    ``used``: the canonical columns the run reads (None: all)."""
    mapping, _ = _map_headers(headers, schema, name)
    _, dropped = refuse_or_drop(pd.DataFrame(), headers, findings, mapping, schema, name, drop, None, 0, [],
                                used)
    return dropped


def _validate(raw: pd.DataFrame, *, skip_invalid: bool, drop_identifiers: bool, source: str | None,
              warnings: list[str], row_numbers: np.ndarray | None = None, row_offset: int = 0,
              schema: Schema | None = None, columns: Collection[str] | None = None,
              headers: list[str] | None = None, unread: UnreadColumns | None = None,
              unread_findings: list[IdentifierFinding] | None = None,
              stats: dict[str, NumberStats] | None = None) -> PopulationLoad:
    """``headers``: every header of the file when ``raw`` holds only the columns read (see :func:`read_set`);
    ``unread``: the other columns as Arrow, screened; ``unread_findings``: their findings, already made;
    ``stats``: what a Parquet file's statistics prove about its numeric columns, by header."""
    schema = schema or load_schema()
    name = source or "population"
    width = raw.shape[1] if headers is None else len(headers)
    if width == 0:
        raise PopulationError(f"{name}: no columns")
    refuse_width(name, width)
    raw = raw.copy(deep=False)
    raw.columns = [clean_header(str(c)) for c in raw.columns]
    headers = list(raw.columns) if headers is None else [clean_header(str(c)) for c in headers]
    if len(set(headers)) != len(headers):
        dup = pd.Index(headers)[pd.Index(headers).duplicated()][0]
        raise PopulationError(f"{name}: column header {show_value(dup)} appears twice")
    raw = raw.reset_index(drop=True)
    n = len(raw)
    mapping, _ = _map_headers(headers, schema, name)

    # Identifier screening before anything else, every value of every column (read or not): nothing from these
    # columns is ever echoed, and no row problem is reported before the screen of every column has ended.
    stats = {clean_header(str(h)): v for h, v in (stats or {}).items()}
    pending = start_unread(raw, headers, schema, unread)
    if columns is not None:  # only these columns' values are typed and validated (all of them are screened)
        keep = read_set(headers, schema, columns, drop_identifiers=drop_identifiers, name=name)
        checked_raw = raw[[c for c in raw.columns if c in keep]]
    else:
        checked_raw = raw
    # The rows of the columns read are checked while they are screened (the columns checked are the same whatever
    # the screen of the unread columns finds: it can only drop or refuse columns not read); kept only when the
    # screen of the columns read finds nothing.
    checking = start_checks(wanted_columns(checked_raw, mapping, columns), mapping, schema, n, stats) \
        if n and checked_raw.shape[1] else None
    small = frozenset(h for h, st in stats.items() if st.below(SMALL_NUMBERS))
    try:
        read_findings = screen_identifiers(raw, schema=schema, small=small)
    finally:
        checked = None
        if checking is not None:
            try:
                checked = checking.result()
            except Exception:  # done again below, after the identifier refusal that comes first
                checked = None
    if read_findings:
        checked = None
    raw = checked_raw
    findings = all_findings(read_findings, pending, raw, headers, schema, unread_findings)
    dropped: list[str] = []
    if findings:
        raw, dropped = refuse_or_drop(raw, headers, findings, mapping, schema, name, drop_identifiers, row_numbers,
                                       row_offset, warnings, columns)
        headers = [h for h in headers if h not in {fi.column for fi in findings}]
    if n == 0:
        raise PopulationError(f"{name}: the header has no data rows")
    if not headers:
        raise PopulationError(f"{name}: no columns left after dropping identifiers")

    looks = _id_like_columns(raw, mapping, schema) if "person_id" not in {mapping[c] for c in headers} else []
    if checked is None:
        checked = check_rows(wanted_columns(raw, mapping, columns), mapping, schema, n, stats)
    warnings.extend(checked.warnings)
    typed, extras, probs = checked.typed, checked.extras, checked.probs
    if "person_id" not in typed or checked.id_missing is None:
        typed["person_id"] = person_ids(np.arange(n))
        if looks:
            warnings.append(f"WARNING: no person_id column, so ids P{1:07d}... were generated; but column(s) "
                            f"{', '.join(repr(c) for c in looks)} look like an id column (a distinct value in every "
                            "row): rename it to person_id / 人员编号 to keep its ids")

    order = {c: i for i, c in enumerate(schema.columns)}
    cols: dict[str, Any] = {c: typed[c] for c in schema.columns if c in typed}
    cols.update(extras)
    frame = _frame_of(cols, n)
    rejected = probs.table(order)
    keep = ~probs.bad
    rejected_ids = None
    if not keep.all():
        frame = frame.loc[keep]
        bad = np.flatnonzero(probs.bad)
        rejected_ids = typed["person_id"].iloc[bad].set_axis(bad)  # the ids of the rejected rows only
    load = PopulationLoad(frame=frame, rejected=rejected, rows_in=n, rows_rejected=int(probs.bad.sum()),
                          dropped_identifiers=dropped, warnings=warnings, source=source, row_numbers=row_numbers,
                          rejected_ids=rejected_ids, headers=_written(mapping), file_headers=list(headers))
    if load.rows_rejected and not skip_invalid:
        err = PopulationError(f"{name}: {load.error_message()}")
        err.load = load  # type: ignore[attr-defined]
        raise err
    return load


def read_population(source: str | os.PathLike[str] | pd.DataFrame, *, skip_invalid: bool = False,
                    drop_identifiers: bool = False, row_offset: int = 0,
                    schema: Schema | None = None, columns: Collection[str] | None = None,
                    headers: list[str] | None = None, unread_findings: list[IdentifierFinding] | None = None
                    ) -> PopulationLoad:
    """Read and validate a population from a file path (CSV/XLSX/Parquet) or a DataFrame.

    Strict by default: any invalid row raises :class:`PopulationError` whose first line names up to three bad rows.
    With ``skip_invalid`` the valid rows are kept and the rejected ones reported. Columns holding direct identifiers
    are refused unless ``drop_identifiers`` is true, in which case they are dropped and reported.
    ``row_offset`` (a frame that is a batch of a larger file) is added to the data rows named in identifier messages.
    ``schema`` replaces the population schema (e.g. without the columns a scheme declares itself:
    ``scheme_inputs.population_schema_for``). ``columns`` (canonical names, e.g. a scheme's columns) limits reading,
    identifier screening of the values, typing and validation to those columns and person_id (a Parquet or CSV file
    reads only those); every header is still screened, and the other columns are left out of the frame.
    ``headers`` (a frame holding only some of the source's columns, as a batch of the out-of-core engines does):
    every header of the source, screened like the frame's own.
    """
    if isinstance(source, pd.DataFrame):
        with sharing():  # the typing and the screen of a text column read its bytes once
            return _validate(source, skip_invalid=skip_invalid, drop_identifiers=drop_identifiers, source=None,
                             warnings=[], row_offset=row_offset, schema=schema, columns=columns, headers=headers,
                             unread_findings=unread_findings)
    if not isinstance(source, str | os.PathLike):
        raise PopulationError(f"a population must be a file path or a pandas DataFrame, not {type(source).__name__}")
    schema = schema or load_schema()
    select = None
    if columns is not None:
        def select(headers: list[str]) -> set[str]:
            return read_set(headers, schema, columns, drop_identifiers=drop_identifiers, name=os.fspath(source))
    # Facts of the text columns found beside the read (read_table's prefetch) are kept for the checks that follow.
    with sharing():
        table = read_table(source, select=select, schema=schema, screen_unread=True, on_text=_text_facts(schema))
        # The frame is handed over without a second reference, so that columns left out are released while
        # validating.
        return _validate(table.__dict__.pop("frame"), skip_invalid=skip_invalid, drop_identifiers=drop_identifiers,
                         source=os.fspath(source), warnings=list(table.warnings), row_numbers=table.row_numbers,
                         schema=schema, columns=columns, headers=table.headers, unread=table.unread,
                         stats=getattr(table, "stats", None))


def _text_facts(schema: Schema) -> Callable[[str, list[Any]], None]:
    """For :func:`~scoring.population.io.read_table`: each text column's chunks, once decoded, have their facts
    found (:func:`~scoring.population.text.prefetch_facts`) on a thread of their own beside the decoding of the other
    columns; the ascending order only for the column that maps to person_id."""

    def find(column: str, chunks: list[Any]) -> None:
        ids = schema.canonical_header(clean_header(str(column))) == "person_id"
        background.start("text-facts", prefetch_facts, chunks, ids)

    return find


def load_population(source: str | os.PathLike[str] | pd.DataFrame, *, drop_identifiers: bool = False) -> pd.DataFrame:
    """Read a population strictly (any invalid row raises PopulationError) and return the typed frame."""
    return read_population(source, drop_identifiers=drop_identifiers).frame


def validate_population(df: pd.DataFrame, *, skip_invalid: bool = True, drop_identifiers: bool = False
                        ) -> PopulationLoad:
    """Validate an in-memory frame and return the report (lenient by default: nothing raised for bad rows)."""
    return read_population(df, skip_invalid=skip_invalid, drop_identifiers=drop_identifiers)
