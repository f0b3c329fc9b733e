"""The population schema for a scheme that declares its own input columns (``inputs:``); checking a population's
values against those declarations is :func:`scoring.scheme.inputs.input_value_warnings`."""

from __future__ import annotations

from collections.abc import Iterable

from scoring.errors import PopulationError
from scoring.population.schema import Schema, load_schema, without_columns
from scoring.scheme.model import Scheme


def population_schema_for(scheme: Scheme) -> Schema:
    """The population schema for reading a population scored by ``scheme``: the columns the scheme declares itself
    are left to its declaration (not typed, mapped or required by the built-in schema)."""
    return without_columns(load_schema(), scheme.inputs)


def refuse_missing_columns(present: Iterable[str], needed: Iterable[str], scheme: Scheme, source: str,
                           headers: list[str]) -> None:
    """Refuse (PopulationError) a population without a column the run needs (``needed``: the scheme's;
    ``present``: the columns of the frame read), naming what reads it, the file's own ``headers`` (the frame holds
    only the columns read; identifier headers left out by the caller) and the command that lists the headers each
    column accepts. The same words from every engine."""
    have = set(present)
    missing = [c for c in dict.fromkeys(needed) if c not in have]
    if not missing:
        return
    shown = ", ".join(headers[:20]) + (f" and {len(headers) - 20} more" if len(headers) > 20 else "")
    more = (f" (and {len(missing) - 1} more: {', '.join(missing[1:6])}{', ...' if len(missing) > 6 else ''})"
            if len(missing) > 1 else "")
    raise PopulationError(f"{source}: column {missing[0]!r} (used by {scheme.users_of(missing[0])} of scheme "
                          f"{scheme.id}) is not in the file{more}; the file's columns: {shown or '(none)'}; "
                          f"python -m scoring columns --scheme {scheme.path or scheme.id} lists the headers each "
                          "column accepts")
