"""Reading a CSV file as UTF-8 bytes: encoding detection, header row, and the rows parsed by pyarrow's reader.

The file is never held as one Python string. Plain-ASCII bytes (most extracts) are UTF-8 as they are; other bytes
are checked as UTF-8 in large blocks. A file that is not UTF-8 is parsed as GB18030 bytes, only its distinct
non-ASCII values decoded (:mod:`scoring.population.csv_gb18030`), or, when that cannot be done, transcoded from
GB18030 once, in large blocks, to UTF-8 bytes. The first lines are decoded to find the delimiter and the header row;
pyarrow's multithreaded reader parses the rest straight from the bytes (no copy) into Arrow strings. Only when
pyarrow cannot tell the rows the way pandas' reader would does the text go to pandas (which words any error). The
detection, the header rules, the values and the row numbers are those of
:func:`scoring.population.io.decode_bytes` and the text reader before. Given the schema the table is validated with,
its number, yes/no and category columns are handed over typed where that provably gives what validating their text
gives (:mod:`scoring.population.csv_types`), and unread columns proved free of identifiers are not screened again.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scoring.errors import PopulationError
from scoring.population.csv_gb18030 import SAFE_DELIMITERS, NeedsTranscoding, plain, utf8_table
from scoring.population.schema import Schema
from scoring.population.table import (
    HEADER_SCAN_ROWS,
    MAX_COLUMNS,
    RawTable,
    Select,
    _sniff_delimiter,
    _unique_headers,
    find_header_row,
    refuse_identifiers_above,
)

_LINE_BREAK = re.compile(r"\r\n|\n|\r")
_LINE_BREAK_BYTES = re.compile(rb"\r\n|\n|\r")
_BLOCK = 1 << 24  # bytes decoded or transcoded at a time
_HEAD_LINES = HEADER_SCAN_ROWS * 4
_PARSE_BLOCK = 1 << 22  # bytes pyarrow parses at a time (per thread)


def undecodable(name: str, bom: str | None = None) -> PopulationError:
    """The refusal of a CSV file whose text cannot be decoded; ``bom``: the encoding its byte-order mark names
    ("UTF-8" or "UTF-16"), when it starts with one."""
    if bom:
        return PopulationError(f"{name}: the file starts with a {bom} byte-order mark but is not valid {bom}: save "
                               "it as UTF-8 or GB18030 CSV, XLSX or Parquet")
    return PopulationError(
        f"{name}: cannot decode the file as UTF-8 or GB18030/GBK: save it as UTF-8 or GB18030 CSV, XLSX or Parquet"
    )


def _is_utf8(data: bytes, base: int = 0) -> bool:
    """Whether ``data[base:]`` is valid UTF-8 (Python's strict decoder, block by block: no whole-file string)."""
    if base == 0 and data.isascii():
        return True
    view = memoryview(data)
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    try:
        for i in range(base, len(data), _BLOCK):
            decoder.decode(view[i:i + _BLOCK], final=False)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _transcode(data: bytes, encoding: str) -> bytes:
    """``data`` decoded from ``encoding`` (strict) and encoded as UTF-8, in blocks; UnicodeDecodeError if it is
    not in that encoding."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    view = memoryview(data)
    parts = [decoder.decode(view[i:i + _BLOCK], final=False).encode("utf-8") for i in range(0, len(data), _BLOCK)]
    parts.append(decoder.decode(b"", final=True).encode("utf-8"))
    return b"".join(parts)


def utf8_body(data: bytes, name: str = "input") -> tuple[bytes, int, str]:
    """The file as UTF-8 bytes, where its text starts in them (after a byte-order mark), and the encoding found:
    the same detection as :func:`scoring.population.io.decode_bytes` (BOMs, then UTF-8, then GB18030) and the
    same refusals."""
    base = 0
    if data.startswith(b"\xef\xbb\xbf"):
        if not _is_utf8(data, 3):
            raise undecodable(name, "UTF-8")
        raw, base, enc = data, 3, "utf-8-sig"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            raw, enc = data.decode("utf-16").encode("utf-8"), "utf-16"
        except UnicodeError:
            raise undecodable(name, "UTF-16") from None
    elif _is_utf8(data):
        raw, enc = data, "utf-8"
    else:
        try:
            raw, enc = _transcode(data, "gb18030"), "gb18030"
        except UnicodeError:
            raise undecodable(name) from None
    if raw.find(b"\x00", base) >= 0:
        raise PopulationError(f"{name}: the file contains NUL bytes: it is binary or in an unsupported encoding")
    return raw, base, enc


def _head(raw: bytes, base: int, encoding: str = "utf-8") -> tuple[list[str], list[int]]:
    """The first lines of ``raw[base:]`` (as :data:`_LINE_BREAK` splits them, at most 40) and the end of each line
    break seen (from ``base``)."""
    ends: list[int] = []
    lines: list[str] = []
    pos = base
    for match in _LINE_BREAK_BYTES.finditer(raw, base):
        lines.append(raw[pos:match.start()].decode(encoding))
        pos = match.end()
        ends.append(pos - base)
        if len(ends) == _HEAD_LINES:
            break
    else:
        lines.append(raw[pos:].decode(encoding))
    return lines[:_HEAD_LINES], ends


def read_csv_file(path: Path, select: Select | None = None, schema: Schema | None = None) -> RawTable:
    """A CSV file as a raw table (encoding detected as :func:`utf8_body` does, and the same refusals): a GB18030
    file is parsed as its own bytes when it can be (:mod:`scoring.population.csv_gb18030`), else transcoded to UTF-8
    first (the file's bytes released before parsing); see :func:`read_csv_bytes`."""
    name = path.name
    try:
        data = path.read_bytes()
    except MemoryError:
        raise PopulationError(f"{name}: not enough memory to read the file") from None
    plain_text = not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")) and data.find(b"\x00") < 0
    if plain_text and data.isascii():  # most extracts: UTF-8 as they are (what utf8_body finds, without a 2nd pass)
        table = read_csv_bytes(data, name, select, 0, schema)
        table.encoding = "utf-8"
        return table
    if plain_text and not _is_utf8(data):
        try:
            table = read_csv_bytes(data, name, select, 0, schema, encoding="gb18030")
        except (NeedsTranscoding, PopulationError, UnicodeDecodeError):
            pass  # the whole file transcoded below: the same table, or the refusal worded as before
        else:
            table.encoding = "gb18030"
            return table
    raw, base, enc = utf8_body(data, name)  # the file as UTF-8 bytes (GB18030 transcoded once, in blocks)
    del data
    table = read_csv_bytes(raw, name, select, base, schema)
    table.encoding = enc
    return table


def read_csv_bytes(raw: bytes, name: str, select: Select | None = None, base: int = 0,
                   schema: Schema | None = None, encoding: str = "utf-8") -> RawTable:
    """Parse the UTF-8 CSV text of ``raw[base:]`` into a raw table of strings, locating the header row; ``select``
    picks the columns converted to pandas (all when None). With ``schema``, its number, yes/no and category columns
    are handed over typed where that gives what validating their text gives (:mod:`scoring.population.csv_types`).
    ``encoding`` other than UTF-8 (GB18030): the bytes are parsed as they are and only their non-ASCII values
    decoded, or NeedsTranscoding (or UnicodeDecodeError) is raised (see :func:`read_csv_data`)."""
    lines, ends = _head(raw, base, encoding)
    head_lines = [line for line in lines if line.strip()][:HEADER_SCAN_ROWS]
    delim = _sniff_delimiter(head_lines)
    try:
        rows = [r for r in csv.reader(io.StringIO("\n".join(head_lines)), delimiter=delim) if any(c.strip() for c in r)]
    except csv.Error as exc:
        raise PopulationError(f"{name}: malformed CSV near the top of the file: {exc}") from None
    if not rows:
        raise PopulationError(f"{name}: the file is empty")
    widest = max(len(r) for r in rows)
    if widest > MAX_COLUMNS:
        raise PopulationError(f"{name}: {widest:,} columns; at most {MAX_COLUMNS} are accepted (a population needs a "
                              "few dozen): remove the columns that are not needed")
    header_idx = find_header_row(rows, name)
    refuse_identifiers_above(rows[:header_idx], name)
    header = _unique_headers(rows[header_idx], name)
    warnings: list[str] = []
    # Position of the header line (blank lines skipped by csv.reader are counted via the lines).
    nonblank = [i for i, line in enumerate(lines) if line.strip()]
    skip = nonblank[header_idx] + 1 if header_idx < len(nonblank) else 1
    if header_idx:
        warnings.append(f"header found on line {skip}; {header_idx} line(s) above it were skipped")
    chosen = None if select is None else [h for h in header if h in set(select(header))]
    headers = None if chosen is None else header
    start = ends[min(skip, len(ends)) - 1] if ends else 0
    if encoding != "utf-8" and delim not in SAFE_DELIMITERS:
        raise NeedsTranscoding
    got = _arrow_csv_split(raw, base + start, delim, header, chosen, schema, encoding)
    if got is not None:
        frame, unread = got
        return RawTable(frame=frame, kind="csv", header_row=skip, warnings=warnings,
                        row_numbers=_row_numbers(raw, base, len(frame), skip, encoding), headers=headers,
                        unread=unread)
    if encoding != "utf-8":
        raise NeedsTranscoding
    text = raw[base:].decode("utf-8")
    try:
        frame = pd.read_csv(
            io.StringIO(text), sep=delim, header=None, names=header, skiprows=skip, dtype=str,
            keep_default_na=False, na_filter=False, skip_blank_lines=True, index_col=False,
        )
    except pd.errors.ParserError as exc:
        msg = " ".join(str(exc).split())
        raise PopulationError(f"{name}: malformed CSV: {msg}") from None
    except (ValueError, csv.Error, MemoryError, OverflowError) as exc:
        raise PopulationError(f"{name}: cannot parse the CSV: {' '.join(str(exc).split())}") from None
    # Every column is kept (pandas has parsed them all): the loader screens the values of those it does not use.
    return RawTable(frame=frame, kind="csv", header_row=skip, warnings=warnings,
                    row_numbers=csv_row_numbers(text, len(frame), skip), headers=headers)


def read_csv_text(text: str, name: str, select: Select | None = None) -> RawTable:
    """Parse decoded CSV text into a raw table of strings (see :func:`read_csv_bytes`)."""
    if not text.strip():
        raise PopulationError(f"{name}: the file is empty")
    return read_csv_bytes(text.encode("utf-8"), name, select)


def _arrow_csv(text: str, delim: str, header: list[str], skip: int, include: list[str] | None = None
               ) -> pd.DataFrame | None:
    """The columns ``include`` (all when None) of the rows below line ``skip`` of ``text``, or None."""
    start = 0
    for _, match in zip(range(skip), _LINE_BREAK.finditer(text), strict=False):
        start = match.end()
    got = _arrow_csv_split(text.encode("utf-8"), len(text[:start].encode("utf-8")), delim, header, include)
    return None if got is None else got[0]


def _arrow_csv_split(raw: bytes, at: int, delim: str, header: list[str], include: list[str] | None = None,
                     schema: Schema | None = None, encoding: str = "utf-8") -> tuple[pd.DataFrame, Any] | None:
    """The rows from byte ``at`` of ``raw`` on, parsed by pyarrow's CSV reader (multithreaded, straight from the
    bytes into pyarrow strings), or None when it cannot tell them the way pandas' reader would (then pandas parses
    them, and words any error).

    Every value stays text as written (no nulls, no type guessing); empty lines are skipped as pandas does. A
    one-column file, or a row with a different number of fields, goes to pandas. ``include``: only these columns
    are converted to pandas (every field of every row is still parsed, so a malformed row is found as before); the
    others are returned as Arrow strings (``UnreadColumns``) for the identifier screen, else None. ``schema`` and
    ``encoding``: see :func:`read_csv_bytes`.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if len(header) < 2:
        return None
    if raw.find(b"\r", at) >= 0 and raw.count(b"\r", at) != raw.count(b"\r\n", at):  # a lone CR: pandas' rules
        return None
    quoted = raw.find(b'"', at) >= 0  # without a quote no value can hold a line break: the faster chunker
    try:
        table = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(raw).slice(at)),
            read_options=pacsv.ReadOptions(column_names=header, block_size=_PARSE_BLOCK),
            parse_options=pacsv.ParseOptions(delimiter=delim, newlines_in_values=quoted, ignore_empty_lines=True),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string() if encoding == "utf-8" else pa.binary()),
                null_values=[], strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError, MemoryError):
        return None
    if encoding != "utf-8":
        table = utf8_table(table, encoding)  # every field decoded: the file is GB18030 (else NeedsTranscoding)
    unread = None
    if include is not None:
        from scoring.population.identifiers_arrow import UnreadColumns

        others = [h for h in header if h not in set(include)]
        rest = table.select(others)
        unread = UnreadColumns(others, lambda: iter([(rest.num_rows, _to_screen(rest, schema))])) if others else None
        table = table.select(include)
    typed: dict[str, Any] = {}
    if schema is not None:
        from scoring.population.csv_types import typed_columns

        typed = typed_columns(table, table.column_names, schema)
    for i, name in enumerate(table.column_names):  # the others as text (decoded dictionaries as strings)
        table = table.set_column(i, name, typed[name] if name in typed else plain(table.column(i)))
    return table.to_pandas(split_blocks=True, self_destruct=True), unread


def _to_screen(table: Any, schema: Schema | None) -> dict[str, Any]:
    """The unread columns the identifier screen must look at (on the screening thread): with ``schema``, those that
    :func:`scoring.population.csv_types.screen_can_find` cannot prove clean; else all."""
    if schema is None:
        return {h: plain(table.column(h)) for h in table.column_names}
    from scoring.population.csv_types import screen_can_find

    return {h: plain(table.column(h)) for h in table.column_names if screen_can_find(table.column(h), schema)}


def _row_numbers(raw: bytes, base: int, n: int, header_line: int, encoding: str = "utf-8") -> np.ndarray | None:
    """:func:`csv_row_numbers` of the text ``raw[base:]`` holds (in ``encoding``: UTF-8 or GB18030), counted on the
    bytes (line breaks are ASCII, and never part of a character in either)."""
    newline = b"\n" if raw.find(b"\n", base) >= 0 else b"\r"
    cut = max(base, len(raw) - 65536)
    if encoding == "utf-8":
        while cut > base and 0x80 <= raw[cut] < 0xC0:  # start the tail on a whole character
            cut -= 1
    elif cut > base:
        cut = raw.find(newline, cut) + 1  # after a line break: a whole character (0: none, the whole text)
        cut = cut if cut > 0 else base
    end = raw[cut:].decode(encoding)
    if not end.strip():  # the last 64 KB are white space: count on the text
        return csv_row_numbers(raw[base:].decode(encoding), n, header_line)
    tail = len(end.encode(encoding)) - len(end.rstrip().encode(encoding))
    if raw.count(newline, base, len(raw) - tail) + 1 - header_line == n:  # one line per record: the usual case
        return np.arange(n, dtype=np.int64) + header_line + 1
    data = np.frombuffer(raw, dtype=np.uint8)[base:]
    return _numbers_of_lines(data, ord(newline), n, header_line)


def _numbers_of_lines(data: np.ndarray, newline: int, n: int, header_line: int) -> np.ndarray | None:
    ends = np.flatnonzero(data == newline)
    starts = np.concatenate(([0], ends + 1))
    starts = starts[starts < data.size]
    content = np.add.reduceat(~np.isin(data, np.frombuffer(b" \t\r\n", dtype=np.uint8)), starts, dtype=np.int64)
    line_no = np.arange(1, starts.size + 1, dtype=np.int64)
    kept = line_no[(content > 0) & (line_no > header_line)]
    return kept if kept.size == n else None


def csv_row_numbers(text: str, n: int, header_line: int) -> np.ndarray | None:
    """Line numbers (as a spreadsheet numbers the rows) of the ``n`` records below the header line, or None when
    they cannot be told from the lines (a quoted value spanning lines). Whole-text counting, no list of lines."""
    newline = "\n" if "\n" in text else "\r"  # "\r\n" counts once; old Mac files break lines with "\r" alone
    end = text[-65536:]  # trailing white space, without copying the whole text (a full rstrip would)
    tail = len(end) - len(end.rstrip()) if end.strip() else len(text) - len(text.rstrip())
    breaks_in_body = text.count(newline, 0, len(text) - tail)
    if breaks_in_body + 1 - header_line == n:  # one line per record: the usual case
        return np.arange(n, dtype=np.int64) + header_line + 1
    data = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    return _numbers_of_lines(data, ord(newline), n, header_line)
