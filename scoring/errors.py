"""Errors raised for a user's mistake: each carries a one-line, human-readable reason."""

from __future__ import annotations


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


class ScenarioError(ScoringInputError):
    """A scenario file or its overrides are invalid; the message names the file, the path and the choices."""
