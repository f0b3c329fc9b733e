"""A table as read from a file, and the header rules the CSV and Excel readers share: where the header row is,
clean and unique header texts, the delimiter, the column limit."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scoring.errors import PopulationError, UnreadableFileError
from scoring.population.schema import load_schema

HEADER_SCAN_ROWS = 10
MAX_COLUMNS = 500  # a population needs a few dozen columns (issue 12 #9)
MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "#n/a", "—", "--", "<na>", "nat"})  # (stripped, lower)
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")


@dataclass
class RawTable:
    """A table as read: headers as text, raw values, and notes for the load report."""

    frame: pd.DataFrame
    kind: str
    encoding: str | None = None
    header_row: int = 1
    warnings: list[str] = field(default_factory=list)
    row_numbers: np.ndarray | None = None  # each data row's number as a spreadsheet shows it (None: unknown)
    headers: list[str] | None = None  # every header of the file, when ``frame`` holds only the columns selected
    unread: Any = None  # the other columns as Arrow, for the identifier screen (identifiers_arrow.UnreadColumns)


Select = Callable[[list[str]], Collection[str]]  # the file's headers (cleaned) -> the headers whose values are read


def clean_header(text: str) -> str:
    """A header without byte-order marks, zero-width or direction characters, and without outer spaces."""
    return _INVISIBLE.sub("", text).strip()


def _sniff_delimiter(lines: list[str]) -> str:
    best, best_score = ",", 0
    for delim in (",", "\t", ";", "|"):
        counts = [line.count(delim) for line in lines if line.strip()]
        score = max(counts, default=0)
        if score > best_score:
            best, best_score = delim, score
    return best


def _header_score(cells: list[object]) -> int:
    schema = load_schema()
    score = 0
    for cell in cells:
        if cell is None or (isinstance(cell, float) and pd.isna(cell)):
            continue
        text = str(cell)
        if schema.canonical_header(text) is not None or schema.identifier_kind(text) is not None:
            score += 1
    return score


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def find_header_row(rows: list[list[object]], name: str) -> int:
    """Index (0-based) of the header row among the first rows: the first with two or more known column names."""
    scores = [_header_score(r) for r in rows[:HEADER_SCAN_ROWS]]
    for i, s in enumerate(scores):
        if s >= 2:
            return i
    for i, s in enumerate(scores):
        if s >= 1:
            return i
    if rows:
        first = [c for c in rows[0] if c is not None and not (isinstance(c, float) and pd.isna(c))]
        texts = [str(c).strip() for c in first]
        if texts and all(t and not _is_number(t) for t in texts) and len(set(texts)) == len(texts):
            return 0
    raise PopulationError(
        f"{name}: no header row found in the first {HEADER_SCAN_ROWS} rows (expected column names such as "
        "年龄, 性别, 学历 or age, sex, education)"
    )


def refuse_identifiers_above(rows: list[list[object]], name: str) -> None:
    """Refuse (PopulationError) a file whose lines above the header (skipped: a title, "exported by ...") hold an ID
    number, a phone number or a contact handle (a probe's "导出人：张伟 电话13812345678" loaded unscreened). Names
    alone are not looked for here: a title's few Chinese characters often look like one."""
    texts = [str(c) for row in rows for c in row
             if c is not None and not (isinstance(c, float) and pd.isna(c)) and str(c).strip()]
    if not texts:
        return
    from scoring.population.identifiers import identifier_mask

    if identifier_mask(texts, names=False).any():
        raise PopulationError(f"{name}: the {len(rows)} line(s) above the header hold direct identifiers (an ID "
                              "number, a phone number or a contact handle); remove them before loading")


def _unique_headers(cells: list[object], name: str) -> list[str]:
    headers: list[str] = []
    for i, cell in enumerate(cells):
        text = "" if cell is None or (isinstance(cell, float) and pd.isna(cell)) else clean_header(str(cell))
        headers.append(text or f"unnamed_{i + 1}")
    seen: dict[str, int] = {}
    for i, h in enumerate(headers):
        if h in seen:
            raise PopulationError(f"{name}: column header '{h}' appears twice (columns {seen[h] + 1} and {i + 1})")
        seen[h] = i
    return headers


def unreadable_parquet(name: str, exc: BaseException) -> UnreadableFileError:
    """The one-line reason every engine gives for a Parquet file pyarrow cannot read (broken, truncated, not
    Parquet): the file's name, pyarrow's error and its message on one line, control characters blanked."""
    from scoring.population.identifiers import LONG_DIGIT_RUN, holds_identifier

    detail = " ".join("".join(ch if ch.isprintable() else " " for ch in str(exc)).split())[:200]
    if holds_identifier(detail):  # pyarrow quotes names from the file: never an identifier
        detail = "(its message is not shown: it quotes a personal identifier from the file)"
    detail = LONG_DIGIT_RUN.sub(lambda m: "#" * len(m.group()), detail)
    return UnreadableFileError(f"{name}: cannot read the Parquet file: {type(exc).__name__}: {detail}")


def local_file(path: str | os.PathLike[str]) -> tuple[str, Any]:
    """The absolute path of a local file and pyarrow's local filesystem, so that pyarrow reads the path as it is
    (a relative name such as ``file:x.parquet`` is not taken for a URI)."""
    import pyarrow.fs as pafs

    return os.path.abspath(os.fspath(path)), pafs.LocalFileSystem()
