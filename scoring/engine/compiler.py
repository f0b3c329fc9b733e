"""Compiling a scheme over a population's columns into the plan of :mod:`scoring.engine.compiled`.

:func:`compile_scheme` gives the :class:`~scoring.engine.compiled.CompiledScheme` both backends run. An item that
reads one small-integer or boolean column is folded into a look-up table over every value of the column's dtype,
computed once by the numpy backend (:func:`tabulate`); that is why this step sits above the backends, while the
plan's pieces (:mod:`scoring.engine.compiled`) sit below them.
"""

from __future__ import annotations

import numpy as np

from scoring.engine.columns import Columns
from scoring.engine.compiled import (
    CompiledScheme,
    ItemPlan,
    TableItem,
    compile_groups,
    condition_program,
    direct_item,
    dtype_values,
    lookup_column,
)
from scoring.engine.kernels import Scratch, item_kernel
from scoring.scheme.load import Item, Scheme


def compile_scheme(scheme: Scheme, cols: Columns) -> CompiledScheme:
    """Compile ``scheme`` over ``cols``: items, then gates, then group rules (errors name the first bad part)."""
    items = [compile_item(item, cols) for item in scheme.items]
    gates = [condition_program(g, cols, f"eligibility gate {g.id}") for g in scheme.eligibility]
    return CompiledScheme(scheme, cols, items, gates, compile_groups(scheme, cols))


def compile_item(item: Item, cols: Columns) -> ItemPlan:
    """An item reading one small-integer or boolean column becomes a look-up table over every value of the column's
    dtype (``when`` included); any other is compiled as it is written (:func:`direct_item`)."""
    found = lookup_column(item, cols)
    if found is None:
        return direct_item(item, cols)
    column, arr = found
    values, index = dtype_values(arr)
    table = tabulate(direct_item(item, _Values(cols, column, values)), len(values))
    return ItemPlan(item.id, TableItem(arr, index, table), None)


def tabulate(item: ItemPlan, n: int) -> np.ndarray:
    """The int32 cents of an item compiled over a column of ``n`` values (every value of its dtype: a look-up
    table), computed by the numpy backend."""
    lut = np.empty(n, np.int32)
    with np.errstate(invalid="ignore", over="ignore"):  # an entry beyond the limit: refused if a row uses it
        item_kernel(item)(slice(0, n), lut, Scratch(n))
    return lut


class _Values(Columns):
    """One column replaced by given values (every value of its dtype), to build look-up tables."""

    def __init__(self, base: Columns, column: str, values: np.ndarray) -> None:
        super().__init__(base.pop, base.scheme)
        self._numeric[column] = values
