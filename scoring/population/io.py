"""Reading population files: CSV (UTF-8, UTF-8 with BOM, GB18030/GBK, UTF-16 — detected), XLSX and Parquet.

This module only turns a file into a frame of raw values with the header row found; typing, validation and
identifier screening are in :mod:`scoring.population.load`. Every failure is a :class:`PopulationError` with a
one-line reason.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scoring.errors import PopulationError, UnreadableFileError
from scoring.population.csv_read import read_csv_file, undecodable
from scoring.population.parquet_frame import Fallback, read_frame
from scoring.population.stats import NumberStats, number_stats
from scoring.population.table import (  # noqa: F401 - their public home stays this module too
    HEADER_SCAN_ROWS,
    MAX_COLUMNS,
    MISSING_TOKENS,
    RawTable,
    Select,
    _sniff_delimiter,
    _unique_headers,
    clean_header,
    find_header_row,
    local_file,
    unreadable_parquet,
)

# Rough peak memory needed per byte of file while loading and validating it, by format.
MEMORY_FACTOR = {"csv": 8.0, "parquet": 12.0, "xlsx": 60.0}
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
# Bounds on the work a small file can ask for (issue 12 #9): MAX_COLUMNS (table.py) and these.
MAX_XLSX_UNPACKED = 1024**3  # bytes of XML a workbook may unpack to
MAX_XLSX_MEMBERS = 10_000  # files inside the workbook's zip
MAX_XLSX_RATIO = 100  # a member unpacking to more than 100x its packed size (and > 10 MB) is a zip bomb
MAX_XLSX_CELLS = 20_000_000  # declared sheet size; larger sheets: CSV or Parquet (openpyxl reads ~0.3M cells/s)


def compact_arrow_pool() -> None:
    """Make jemalloc pyarrow's default memory pool, once, unless ``ARROW_DEFAULT_MEMORY_POOL`` chooses one.

    pyarrow's default mimalloc pool keeps the pages of freed Arrow buffers (the decoded file, the text temporaries of
    the screen) and numpy cannot reuse them: an in-memory admit of 10M people peaked at 2.1 GB with mimalloc and at
    1.4 GB with jemalloc, which hands freed pages back to the system, at the same speed.
    """
    global _POOL_SET
    if _POOL_SET or os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return
    _POOL_SET = True
    import pyarrow as pa

    with contextlib.suppress(NotImplementedError, pa.ArrowNotImplementedError, AttributeError):  # no jemalloc
        pa.set_memory_pool(pa.jemalloc_memory_pool())


_POOL_SET = False


def available_memory() -> int:
    """Bytes of memory available now (MemAvailable from /proc/meminfo; os.sysconf as a fallback)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return 4 * 1024**3


def _fmt_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"  # pragma: no cover


def check_memory(path: Path, kind: str, *, available: int | None = None) -> None:
    """Refuse a file whose estimated in-memory size exceeds the available memory (clear message, no crash)."""
    size = path.stat().st_size
    need = size * MEMORY_FACTOR.get(kind, 8.0)
    avail = available_memory() if available is None else available
    if need > avail:
        raise PopulationError(
            f"{path.name} is {_fmt_bytes(size)}; loading it as {kind} needs about {_fmt_bytes(need)} of memory but "
            f"only {_fmt_bytes(avail)} is available: split the file, convert it to Parquet, or use a larger machine"
        )


DECODED_FACTOR = {"BYTE_ARRAY": 8.0}  # memory per decoded byte (metadata's uncompressed sizes): text is screened and
# normalised in copies (1 GB of 1 MB values peaked at 7.3 GB); other columns held as Arrow, then pandas
DECODED_DEFAULT = 2.0


def check_decoded(name: str, metadata: Any, *, available: int | None = None) -> None:
    """Refuse a Parquet file whose declared decoded size (the uncompressed sizes of every column chunk, all columns:
    the unread ones are screened too) would not fit in the available memory: a few KB of compressed repeats can
    declare gigabytes, which the file's own size does not show."""
    decoded = need = 0.0
    for g in range(metadata.num_row_groups):
        group = metadata.row_group(g)
        for j in range(group.num_columns):
            chunk = group.column(j)
            decoded += chunk.total_uncompressed_size
            need += chunk.total_uncompressed_size * DECODED_FACTOR.get(chunk.physical_type, DECODED_DEFAULT)
    avail = available_memory() if available is None else available
    if need > avail:
        raise PopulationError(
            f"{name} holds {_fmt_bytes(decoded)} of data once decoded; loading it needs about {_fmt_bytes(need)} of "
            f"memory but only {_fmt_bytes(avail)} is available: split the file, or use a larger machine")


def detect_kind(path: Path, head: bytes) -> str:
    """"csv", "xlsx" or "parquet" from the file's first bytes (a workbook renamed .csv is a workbook), else suffix."""
    suffix = path.suffix.lower()
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise PopulationError(f"{path.name}: the old .xls format is not supported; save the sheet as .xlsx or CSV")
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"PAR1"):
        return "parquet"
    if suffix in EXCEL_SUFFIXES:
        return "xlsx"
    if suffix in PARQUET_SUFFIXES:  # named Parquet, and not a workbook: say so rather than pyarrow's footer error
        raise UnreadableFileError(f"{path.name}: not a Parquet file (every Parquet file begins with the bytes PAR1); "
                                  "a CSV or Excel file is read under its own extension (.csv, .xlsx)")
    if suffix == ".xls":
        raise PopulationError(f"{path.name}: the old .xls format is not supported; save the sheet as .xlsx or CSV")
    if suffix in CSV_SUFFIXES:
        return "csv"
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"PAR1"):
        return "parquet"
    return "csv"


def decode_bytes(data: bytes, name: str = "input") -> tuple[str, str]:
    """Decode CSV bytes; return (text, encoding). Tries BOMs, then UTF-8, then GB18030 (a superset of GBK)."""
    if data.startswith(b"\xef\xbb\xbf"):
        candidates = ["utf-8-sig"]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8", "gb18030"]
    for enc in candidates:
        try:
            text = data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
        if "\x00" in text:
            raise PopulationError(f"{name}: the file contains NUL bytes: it is binary or in an unsupported encoding")
        return text, enc
    raise undecodable(name, {"utf-8-sig": "UTF-8", "utf-16": "UTF-16"}.get(candidates[0]))


def refuse_nested_columns(schema: Any, name: str) -> None:
    """Raise PopulationError if a Parquet column (of a pyarrow schema) holds lists, structs or maps."""
    import pyarrow as pa

    nested = [f.name for f in schema if pa.types.is_nested(f.type)]
    if nested:
        more = f" (and {len(nested) - 3} more)" if len(nested) > 3 else ""
        shown = ", ".join(repr(str(c))[:40] for c in nested[:3]) + more
        raise PopulationError(f"{name}: column(s) {shown} hold lists or records, not one value per person; "
                              "flatten them before loading")


@dataclass
class ParquetTable(RawTable):
    """A Parquet file as read, with what its row-group statistics prove about its numeric columns (by header)."""

    stats: dict[str, NumberStats] = field(default_factory=dict)


def _read_parquet(path: Path, select: Select | None = None, available: int | None = None,
                  screen_with: Any = None, on_text: Callable[[str, list[Any]], None] | None = None) -> RawTable:
    import pyarrow.parquet as pq

    try:
        where, local = local_file(path)
        pf = pq.ParquetFile(where, filesystem=local)  # pyarrow's own reader of the path (no Python file object)
        check_decoded(path.name, pf.metadata, available=available)
        parquet_schema = pf.schema_arrow
        if len(parquet_schema) > MAX_COLUMNS:
            refuse_width(path.name, len(parquet_schema))
        refuse_nested_columns(parquet_schema, path.name)
        names, headers, read_headers, unread = None, None, [], None
        index_cols = {c for c in (parquet_schema.pandas_metadata or {}).get("index_columns", []) if isinstance(c, str)}
        if index_cols:  # never read, but screened: an identifier may not hide in the index
            from scoring.population.identifiers_arrow import refuse_identifier_index
            from scoring.population.schema import load_schema

            refuse_identifier_index(where, parquet_schema, load_schema())
        stored = [c for c in parquet_schema.names if c not in index_cols]
        if select is not None:  # only the selected columns are converted (decoded in parallel, by pyarrow)
            headers = _unique_headers(stored, path.name)
            chosen = set(select(headers))
            names = [c for c, h in zip(stored, headers, strict=True) if h in chosen]
            read_headers = [h for h in headers if h in chosen]
            unread = _parquet_unread(path, stored, headers, chosen)
            if unread is not None and screen_with is not None:  # their screen runs beside the read of the others
                unread.start_screen(screen_with)
        # The chosen columns row group by row group (the frame to_pandas gives, see parquet_frame); else as
        # pandas.read_parquet reads it (the index columns of the pandas metadata too), column by column: no
        # consolidation into 2-D blocks, Arrow buffers released as they are converted.
        frame = None
        if names is not None:
            with contextlib.suppress(Fallback):
                # pre_buffer off: a reader reads one column chunk at a time, which pyarrow's read coalescing cannot
                # merge with anything, and its hop through pyarrow's I/O threads cost 4% of the read's CPU and 8%
                # of its wall time (10M people, 12 A/B rounds)
                frame = read_frame(pf, lambda: pq.ParquetFile(where, filesystem=local, metadata=pf.metadata,
                                                              pre_buffer=False), names, on_text)
        if frame is None:
            table = pq.read_table(where, columns=names, use_pandas_metadata=True, filesystem=local)
            frame = table.to_pandas(split_blocks=True, self_destruct=True)
            del table
        stats = number_stats(pf.metadata, parquet_schema, stored if names is None else names)
    except PopulationError:
        raise
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ... for a broken file
        raise unreadable_parquet(path.name, exc) from None
    frame = frame.reset_index(drop=True)
    warnings = index_warnings(path.name, parquet_schema)
    stored_read = [str(c) for c in frame.columns]
    frame.columns = _unique_headers(list(frame.columns), path.name) if headers is None else read_headers
    by_header = {h: stats[c] for c, h in zip(stored_read, frame.columns, strict=True) if c in stats}
    return ParquetTable(frame=frame, kind="parquet", headers=headers, unread=unread, stats=by_header,
                        warnings=warnings)


def index_warnings(name: str, schema: Any) -> list[str]:
    """The warning for a Parquet file (its Arrow ``schema``) that keeps named columns as its pandas index, which no
    engine reads (``set_index("person_id").to_parquet(...)`` puts the ids there); pandas' unnamed levels hold no
    data and are not named."""
    named = [c for c in (schema.pandas_metadata or {}).get("index_columns", [])
             if isinstance(c, str) and not c.startswith("__index_level_")]
    if not named:
        return []
    one = len(named) == 1
    from scoring.population.identifiers import masked_name

    shown = ", ".join(repr(masked_name(str(c))) for c in named)
    return [f"WARNING: {name} keeps column(s) {shown} as its pandas index, which is not "
            f"read: write {'it' if one else 'them'} as {'a column' if one else 'columns'} "
            "(df.reset_index().to_parquet(...))"]


def _parquet_unread(path: Path, stored: list[str], headers: list[str], chosen: Collection[str]) -> Any:
    """The columns not ``chosen`` as Arrow, one row group at a time, for the identifier screen (None: none)."""
    from scoring.population.identifiers_arrow import UnreadColumns, parquet_blocks

    pairs = [(c, h) for c, h in zip(stored, headers, strict=True) if h not in chosen]
    if not pairs:
        return None
    names = [c for c, _ in pairs]

    def blocks() -> Any:  # a broken column chunk: parquet_blocks gives the same one-line reason as the read
        for rows, block in parquet_blocks(os.fspath(path), names):
            yield rows, {h: block[c] for c, h in pairs if c in block}

    return UnreadColumns([h for _, h in pairs], blocks)


def refuse_width(name: str, width: int) -> None:
    """Refuse (PopulationError) a population of more than :data:`MAX_COLUMNS` columns, in every reader's words."""
    if width > MAX_COLUMNS:
        raise PopulationError(f"{name}: {width:,} columns; at most {MAX_COLUMNS} are accepted")


def file_head(path: str | os.PathLike[str]) -> bytes:
    """The first 8 bytes of a population file; PopulationError if it is missing, a directory, unreadable or empty
    (the reasons of every engine)."""
    p = Path(path)
    if not p.exists():
        raise PopulationError(f"population file not found: {p}")
    if p.is_dir():
        raise PopulationError(f"{p} is a directory, not a population file")
    try:
        size = p.stat().st_size
        with open(p, "rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise PopulationError(f"cannot read {p}: {exc.strerror}") from None
    if size == 0:
        raise PopulationError(f"{p}: the file is empty")
    return head


def read_table(path: str | os.PathLike[str], *, available: int | None = None, select: Select | None = None,
               schema: Any = None, screen_unread: bool = False,
               on_text: Callable[[str, list[Any]], None] | None = None) -> RawTable:
    """Read a population file (CSV / XLSX / Parquet) into a :class:`RawTable`; raise PopulationError on bad input.

    ``select`` (the file's cleaned headers -> those to read): a Parquet or CSV file decodes only those columns and
    ``headers`` lists them all; a workbook is read whole (the caller leaves the other columns out). ``schema`` (the
    :class:`~scoring.population.schema.Schema` the table is validated with): a CSV file's number, yes/no and category
    columns come typed where that gives what validating their text gives; without it, CSV values are text.
    ``screen_unread`` (with ``schema``): a Parquet file's columns not selected start their identifier screen beside
    the read (``table.unread.screening``), for the validation that follows. ``on_text(column, chunks)``: called with
    each text column of a Parquet file read by row group as soon as all its Arrow chunks are decoded, while the
    other columns still are (:func:`~scoring.population.parquet_frame.read_frame`)."""
    p = Path(path)
    head = file_head(p)
    compact_arrow_pool()
    kind = detect_kind(p, head)
    check_memory(p, kind, available=available)
    if kind == "xlsx":
        from scoring.population.xlsx import read_excel

        table = read_excel(p)
        if p.suffix.lower() not in EXCEL_SUFFIXES:
            table.warnings.insert(0, f"{p.name} is an Excel workbook (whatever its name says): read as .xlsx")
        return table
    if kind == "parquet":
        return _read_parquet(p, select, available, schema if screen_unread else None, on_text)
    return read_csv_file(p, select, schema)  # GB18030 parsed as bytes where it can be, else transcoded
