"""A population refused for direct identifiers, or those columns dropped: the message, the fields of
:class:`~scoring.errors.IdentifierError` and the dropped columns' labels (never a value)."""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd

from scoring.errors import IdentifierError
from scoring.population.identifiers import IdentifierFinding
from scoring.population.schema import Schema


def _column_label(headers: list[str], finding: IdentifierFinding) -> str:
    """How a column is named in messages and reports: its header, or its position when the header is unsafe."""
    if finding.header_masked:
        return f"column {headers.index(finding.column) + 1} (header not shown)"
    return finding.column


def _quoted(headers: list[str], finding: IdentifierFinding) -> str:
    label = _column_label(headers, finding)
    return label if finding.header_masked else f"column '{label}'"


def rows_text(positions: np.ndarray | tuple[int, ...], total: int, row_numbers: np.ndarray | None,
              row_offset: int = 0) -> str:
    """ "Excel rows 3, 8" (file input: rows as the spreadsheet numbers them) or "data rows 1, 6" (a frame)."""
    pos = np.asarray(positions, dtype=np.int64)
    shown = row_numbers[pos] if row_numbers is not None else pos + 1 + row_offset
    listed = ", ".join(str(int(r)) for r in shown) + (", ..." if total > len(pos) else "")
    return ("Excel row" if row_numbers is not None else "data row") + ("s " if total > 1 else " ") + listed


def _describe(headers: list[str], fi: IdentifierFinding, row_numbers: np.ndarray | None, row_offset: int) -> str:
    where = f" ({rows_text(fi.positions, fi.rows_hit, row_numbers, row_offset)})" if fi.positions else ""
    return f"{_quoted(headers, fi)}: {fi.reason}{where}"


def _fields(headers: list[str], fi: IdentifierFinding, row_numbers: np.ndarray | None, row_offset: int,
            needed: bool = False) -> dict:
    """One finding as the fields of :class:`IdentifierError` (no value is ever included); ``needed``: in a column
    the scoring uses."""
    pos = np.asarray(fi.positions, dtype=np.int64)
    rows = row_numbers[pos] if row_numbers is not None else pos + 1 + row_offset
    return {"column": None if fi.header_masked else fi.column,
            "position": headers.index(fi.column) + 1 if fi.column in headers else None,
            "kind": fi.kind, "from_header": fi.from_header, "rows_hit": int(fi.rows_hit),
            "rows": [int(r) for r in rows], "more": fi.rows_hit > len(pos), "excel": row_numbers is not None,
            "needed": needed}


def refuse_or_drop(raw: pd.DataFrame, headers: list[str], findings: list[IdentifierFinding],
                    mapping: dict[str, str], schema: Schema, name: str, drop: bool, row_numbers: np.ndarray | None,
                    row_offset: int, warnings: list[str], used: Collection[str] | None = None
                    ) -> tuple[pd.DataFrame, list[str]]:
    """Refuse a frame with identifier columns, or drop them (``drop``) unless the scoring needs the column.

    A column the run reads for scoring (``used``: those canonical columns; None: every column of the schema), other
    than person_id (replaced by generated ids), is needed: identifiers inside its values are refused even with
    ``drop``, since dropping it would change the scores; that refusal never suggests ``--drop-identifiers``.
    Without ``drop`` it names the other columns holding identifiers after them (columns the scoring can do without:
    not read, or person_id).
    """
    used = set(schema.columns if used is None else used) - {"person_id"}
    needed = [fi for fi in findings if not fi.from_header and mapping.get(fi.column) in used]
    if needed:  # with or without drop: dropping cannot help, so the advice never suggests it
        others = [] if drop else [fi for fi in findings if fi not in needed]
        listed = "; ".join(_describe(headers, fi, row_numbers, row_offset) for fi in needed)
        also = "; ".join(_describe(headers, fi, row_numbers, row_offset) for fi in others)
        raise IdentifierError(f"{name}: identifiers inside column(s) that the scoring uses — {listed}. Remove them "
                              "from these values: dropping identifier columns cannot help, the scoring needs these"
                              + (f". Direct identifiers also in column(s) the scoring can do without — {also}"
                                 if others else ""),
                              file=name, needed=True,
                              findings=[_fields(headers, fi, row_numbers, row_offset, fi in needed)
                                        for fi in needed + others])
    if not drop:
        listed = "; ".join(_describe(headers, fi, row_numbers, row_offset) for fi in findings)
        raise IdentifierError(f"{name}: direct identifiers found — {listed}. Remove them, or pass "
                              "--drop-identifiers (drop_identifiers=True) to drop these columns", file=name,
                              needed=False, findings=[_fields(headers, fi, row_numbers, row_offset) for fi in findings])
    dropped = [_column_label(headers, fi) for fi in findings]
    raw = raw.drop(columns=[fi.column for fi in findings if fi.column in raw.columns])
    warnings.append("dropped identifier column(s): " + ", ".join(dropped))
    return raw, dropped
