"""The identifier screen of the columns a run does not read and the row checks of the columns it reads, each on a
thread of its own (issue 14): :func:`scoring.population.load.read_population` starts both, screens the columns it
reads beside them, and reports nothing before all three have ended (the refusal of an identifier comes first; the
row checks count only when the columns read hold none)."""

from __future__ import annotations

from collections.abc import Collection
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from scoring.population import background
from scoring.population.identifiers import IdentifierFinding, screen_identifiers
from scoring.population.identifiers_arrow import UnreadColumns, screen_unread
from scoring.population.schema import Schema
from scoring.population.stats import NumberStats
from scoring.population.validate import Problems, duplicate_ids, logical_checks, type_columns


def start_checks(raw: pd.DataFrame, mapping: dict[str, str], schema: Schema, n: int,
                 stats: dict[str, NumberStats] | None) -> Future:
    """:func:`check_rows` started on a thread of its own, beside the identifier screen of the same columns (both
    only read them; numpy and pyarrow release the GIL on whole columns). Its result counts only when the screen
    finds nothing: a refusal comes first, and dropped columns change what is checked."""
    return background.start("check-rows", check_rows, raw, mapping, schema, n, stats)


def start_unread(raw: pd.DataFrame, headers: list[str], schema: Schema, unread: UnreadColumns | None
                 ) -> Future | None:
    """The screen of the columns not converted (read as Arrow from ``unread``), started on a thread of its own: the
    decoding is pyarrow's, outside the GIL, so it runs beside the checks of the columns read. None: nothing to do."""
    if unread is None or all(h in raw.columns for h in headers):
        return None
    if unread.screening is not None and unread.screened_with is schema:  # started beside the read
        return unread.screening
    return background.start("screen-unread", screen_unread, unread, schema)


def all_findings(findings: list[IdentifierFinding], pending: Future | None, raw: pd.DataFrame, headers: list[str],
                 schema: Schema, unread_findings: list[IdentifierFinding] | None) -> list[IdentifierFinding]:
    """The findings of the columns read (``findings``) and of the others, in header order (waits for ``pending``)."""
    found = {fi.column for fi in findings}  # a workbook's columns not checked were screened with the others already
    missing = [h for h in headers if h not in raw.columns and h not in found]
    if missing:
        if pending is not None:
            by_header = pending.result()
            findings = findings + [by_header[h] for h in missing if h in by_header]
        else:
            empty = pd.DataFrame({h: pd.Series([], dtype=object) for h in missing})
            got = {fi.column: fi for fi in screen_identifiers(empty, schema=schema)}
            got.update({fi.column: fi for fi in unread_findings or () if fi.column in missing
                        and fi.column not in got})
            findings = findings + [got[h] for h in missing if h in got]
        order = {h: i for i, h in enumerate(headers)}
        findings.sort(key=lambda fi: order[fi.column])
    return findings


@dataclass
class Checked:
    """The row checks of the columns read: typed columns, inferred extras, person_id's missing mask, problems."""

    typed: dict[str, Any]
    extras: dict[str, pd.Series]
    id_missing: np.ndarray | None
    probs: Problems
    warnings: list[str]


ID_THREAD_ROWS = 1 << 17  # from this many rows, person_id is typed and checked for repeats on a thread of its own


def check_rows(raw: pd.DataFrame, mapping: dict[str, str], schema: Schema, n: int,
               stats: dict[str, NumberStats] | None = None) -> Checked:
    """Type every column of ``raw``, then the logical checks and the repeated person ids (see :mod:`validate`);
    ``stats``: a Parquet file's statistics of its numeric columns, by header (:mod:`scoring.population.stats`).

    On many rows, person_id (its typing and the repeated ids: the costliest checks, and independent of the others)
    runs on a thread of its own beside the other columns and the logical checks; its problems are kept apart and
    joined after them, so the report is the same either way (tested)."""
    ids = [h for h in raw.columns if mapping[h] == "person_id"]
    if not ids or n < ID_THREAD_ROWS or raw.shape[1] < 2:
        return _check_columns(raw, mapping, schema, n, stats)
    pending = background.start("check-ids", _check_columns, raw[ids], mapping, schema, n, stats)
    try:
        rest = _check_columns(raw[[h for h in raw.columns if h not in ids]], mapping, schema, n, stats)
    finally:
        id_part = pending.result()
    rest.probs.join(id_part.probs)
    return Checked({**id_part.typed, **rest.typed}, rest.extras, id_part.id_missing, rest.probs,
                   id_part.warnings + rest.warnings)


def _check_columns(raw: pd.DataFrame, mapping: dict[str, str], schema: Schema, n: int,
                   stats: dict[str, NumberStats] | None) -> Checked:
    probs = Problems(n)
    notes: list[str] = []
    typed, extras, id_missing = type_columns(raw, mapping, schema, probs, notes, stats)
    logical_checks(typed, probs, schema)
    if "person_id" in typed and id_missing is not None:
        duplicate_ids(typed["person_id"], id_missing, probs)
    return Checked(typed, extras, id_missing, probs, notes)


def wanted_columns(raw: pd.DataFrame, mapping: dict[str, str], columns: Collection[str] | None) -> pd.DataFrame:
    """The columns of ``raw`` that are typed and validated: those asked for and person_id (all without ``columns``)."""
    if columns is None:
        return raw
    wanted = set(columns) | {"person_id"}
    return raw[[c for c in raw.columns if mapping[c] in wanted]]
