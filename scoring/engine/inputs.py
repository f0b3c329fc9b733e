"""The population schema for a scheme that declares its own input columns (``inputs:``); checking a population's
values against those declarations is :func:`scoring.scheme.inputs.input_value_warnings`."""

from __future__ import annotations

from scoring.population.schema import Schema, load_schema, without_columns
from scoring.scheme.model import Scheme


def population_schema_for(scheme: Scheme) -> Schema:
    """The population schema for reading a population scored by ``scheme``: the columns the scheme declares itself
    are left to its declaration (not typed, mapped or required by the built-in schema)."""
    return without_columns(load_schema(), scheme.inputs)
