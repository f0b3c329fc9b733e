"""Errors raised for a user's mistake: each carries a one-line, human-readable reason."""

from __future__ import annotations

from functools import partial
from typing import Any


class ScoringInputError(ValueError):
    """Base class for every error caused by user input (files, options, values).

    The command line turns these into exit status 2 with ``str(error)`` as the one-line reason.
    """


class SchemeError(ScoringInputError):
    """A points scheme cannot be loaded or run; the message names file, item, key, value and what is allowed."""

    def __init__(self, message: str, errors: list[str] | None = None) -> None:
        super().__init__(message)
        self.errors: list[str] = errors if errors is not None else [message]


class PopulationError(ScoringInputError):
    """A population file or frame cannot be used; the message names the row, column and reason."""


class UnreadableFileError(PopulationError):
    """A population file pyarrow cannot read (broken, truncated, not what its name says): final whatever else the
    file holds, so an out-of-core engine stops at once instead of scanning the file again."""


class IdentifierError(PopulationError):
    """A population refused for direct identifiers, with the findings as fields (so a front end can word the
    reason in its own language; never the values): ``needed`` = the identifiers sit in columns the scoring uses;
    each finding is a dict with ``column`` (the header, None when the header itself is masked), ``position``
    (1-based column number), ``kind``, ``from_header``, ``rows_hit``, ``rows`` (the first row numbers), ``more``
    (more rows than listed), and ``excel`` (row numbers as the spreadsheet shows them)."""

    def __init__(self, message: str, *, file: str, needed: bool, findings: list[dict]) -> None:
        super().__init__(message)
        self.file = file
        self.needed = needed
        self.findings = findings

    def __reduce__(self) -> tuple[Any, ...]:  # picklable with its fields (a Dask worker's error reaches the client)
        return (partial(type(self), file=self.file, needed=self.needed, findings=self.findings), (str(self),),
                self.__dict__)


class RowsError(PopulationError):
    """Invalid rows refused in one batch of an out-of-core run, with the first problems as fields (so a front end
    can word the reason in its own language): ``file``, ``problems`` (dicts with ``row``, the 1-based data row,
    ``column``, the canonical column, ``header``, its header as the file writes it, and ``reason``, the loader's
    English reason), ``first``/``last``, the rows of the batch that held them, and ``count``, how many of those
    rows are invalid."""

    def __init__(self, message: str, *, file: str, problems: list[dict], first: int, last: int, count: int = 0
                 ) -> None:
        super().__init__(message)
        self.file = file
        self.problems = problems
        self.first = first
        self.last = last
        self.count = count

    def __reduce__(self) -> tuple[Any, ...]:
        return (partial(type(self), file=self.file, problems=self.problems, first=self.first, last=self.last,
                        count=self.count), (str(self),), self.__dict__)


class ScenarioError(ScoringInputError):
    """A scenario file or its overrides are invalid; the message names the file, the path and the choices."""
