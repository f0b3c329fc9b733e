"""What a Parquet file's row-group statistics prove about its numeric columns (issue 14).

Every row group of a column must carry statistics with a least and greatest value and a null count, of a number
type, for the column to have :class:`NumberStats`; a missing, partial or odd-typed statistic (an all-null row
group, a file written without statistics, a NaN bound) leaves the column without, and the checks then read every
value. Parquet statistics never count NaN (nor does the null count), so a float column's statistics bound its
other values only: the checks that use them test NaN themselves.

The statistics are taken as the file's writer wrote them, as pyarrow's own row-group filtering takes them (and as
the screen of the unread columns already did, :mod:`scoring.population.identifiers_arrow`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pyarrow as pa


@dataclass(frozen=True)
class NumberStats:
    """A numeric column's bounds over every row group: least and greatest non-null, non-NaN value, null count."""

    low: int | float
    high: int | float
    nulls: int

    def below(self, limit: float) -> bool:
        """True when every non-null, non-NaN value is smaller than ``limit`` in size."""
        return max(abs(self.low), abs(self.high)) < limit


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and not (
        isinstance(value, float) and math.isnan(value))


def number_stats(meta: Any, arrow: pa.Schema, names: list[str]) -> dict[str, NumberStats]:
    """The :class:`NumberStats` of the integer and float columns ``names`` (Parquet ``FileMetaData`` ``meta`` with
    its Arrow schema ``arrow``) that every row group proves; the other columns are left out."""
    out: dict[str, NumberStats] = {}
    groups = [meta.row_group(g) for g in range(meta.num_row_groups)]
    if not groups:
        return out
    for name in names:
        i = arrow.get_field_index(name)  # -1 when absent or repeated
        if i < 0 or i >= meta.num_columns:
            continue
        typ = arrow.field(i).type
        if not (pa.types.is_integer(typ) or pa.types.is_float32(typ) or pa.types.is_float64(typ)):
            continue
        low: int | float | None = None
        high: int | float | None = None
        nulls = 0
        for group in groups:
            column = group.column(i)
            st = column.statistics
            if column.path_in_schema != name or st is None or not st.has_min_max or not st.has_null_count:
                break
            lo, hi = st.min, st.max
            if not (_number(lo) and _number(hi)) or lo > hi:
                break
            low = lo if low is None else min(low, lo)
            high = hi if high is None else max(high, hi)
            nulls += int(st.null_count)
        else:
            if low is not None and high is not None:
                out[name] = NumberStats(low, high, nulls)
    return out
