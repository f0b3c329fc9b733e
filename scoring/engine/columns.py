"""The population's columns as numpy arrays, prepared once per score: numbers, booleans, or category codes.

:func:`scoring.engine.compiler.compile_scheme` reads every column through one :class:`Columns`, so a column that
several items and conditions read is converted once, and both backends see the same arrays.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoring.errors import PopulationError
from scoring.scheme.inputs import bool_text
from scoring.scheme.load import Scheme
from scoring.scheme.model import Over


class Columns:
    """Population columns as numpy arrays, prepared once: numbers, booleans, or category codes."""

    def __init__(self, pop: pd.DataFrame, scheme: Scheme) -> None:
        self.pop = pop
        self.scheme = scheme
        self._numeric: dict[str, np.ndarray] = {}
        self._codes: dict[str, tuple[np.ndarray, list[object]]] = {}
        self._over: dict[str, np.ndarray] = {}

    def require(self, column: str, user: str) -> pd.Series:
        """The column; a missing one raises PopulationError naming ``user`` (the scheme part that reads it)."""
        if column not in self.pop.columns:
            raise PopulationError(
                f"column {column!r} (used by {user} of scheme {self.scheme.id}) is not in the population"
            )
        return self.pop[column]

    def is_textual(self, column: str) -> bool:
        """True for categorical, object and string columns."""
        s = self.pop[column]
        return isinstance(s.dtype, pd.CategoricalDtype) or s.dtype == object or pd.api.types.is_string_dtype(s)

    def numeric(self, column: str, user: str) -> np.ndarray:
        """The column as a numeric numpy array (bools as 0/1); an error names a non-numeric column."""
        if column in self._numeric:
            return self._numeric[column]
        s = self.require(column, user)
        kind = s.dtype.kind if isinstance(s.dtype, np.dtype) else ""
        if kind in "biuf" and kind:
            arr = np.ascontiguousarray(s.to_numpy())
        elif not self.is_textual(column) and (
            pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype)
        ):
            arr = s.to_numpy(dtype=np.float64, na_value=np.nan)  # nullable extension types
        else:
            converted = pd.to_numeric(s.astype(object).map(bool_text), errors="coerce")
            bad = converted.isna() & s.notna()
            if bad.any():
                pos = int(np.flatnonzero(bad.to_numpy())[0])
                raise PopulationError(
                    f"column {column!r} (used by {user}) must be numeric; row {row_number(self.pop, pos)} "
                    f"has {s.iloc[pos]!r}"
                )
            arr = converted.to_numpy(dtype=np.float64, na_value=np.nan)
        self._numeric[column] = arr
        return arr

    def value(self, source: str | Over, user: str) -> np.ndarray:
        """A column as numbers, or the row-wise min/max of several (numpy's common dtype, computed once)."""
        if isinstance(source, str):
            return self.numeric(source, user)
        key = source.model_dump_json()
        if key not in self._over:
            parts = [self.value(p, user) for p in (source.min_of or source.max_of or [])]
            fn = np.minimum if source.min_of is not None else np.maximum
            out = parts[0]
            for part in parts[1:]:
                out = fn(out, part)  # NaN in any part gives NaN: the row needs that column (rejected)
            self._over[key] = out
        return self._over[key]

    def codes(self, column: str, user: str) -> tuple[np.ndarray, list[object]]:
        """The column as category codes (-1 = missing) and its categories."""
        if column in self._codes:
            return self._codes[column]
        s = self.require(column, user)
        cat = s.array if isinstance(s.dtype, pd.CategoricalDtype) else pd.Categorical(s)
        result = (np.asarray(cat.codes), list(cat.categories))
        self._codes[column] = result
        return result

    def invalid(self, column: str, user: str) -> tuple[np.ndarray, np.ndarray] | None:
        """(missing, infinite) masks of the column, or None when every value is present and finite."""
        s = self.require(column, user)
        dtype = s.dtype
        if isinstance(dtype, np.dtype) and dtype.kind in "biu":
            return None
        if isinstance(dtype, np.dtype) and dtype.kind == "f":
            arr = s.to_numpy()
            with np.errstate(all="ignore"):
                if np.isfinite(np.add.reduce(arr)):
                    return None  # a NaN or an infinity would make the sum non-finite
            return np.isnan(arr), np.isinf(arr)
        if isinstance(dtype, pd.CategoricalDtype):
            codes = np.asarray(s.array.codes)
            if len(codes) == 0 or codes.min() >= 0:
                return None
            return codes < 0, np.zeros(len(codes), bool)
        if not s.hasnans:
            return None
        return s.isna().to_numpy(), np.zeros(len(s), bool)


def row_number(pop: pd.DataFrame, pos: int) -> int:
    """The row number reported for a position: index label + 1 for an integer index, else position + 1."""
    label = pop.index[pos]
    return int(label) + 1 if isinstance(label, int | np.integer) else pos + 1


