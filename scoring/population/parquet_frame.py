"""The chosen columns of a Parquet file as a pandas frame, column chunk by column chunk (issue 14).

``pyarrow.Table.to_pandas`` of a whole file first decodes every row group, then copies each column's pieces into one
new array: the file is held twice at the peak, the copy runs on one core and its memory is new every time. Here the
column chunks (one column of one row group) are decoded two at a time, and each number, yes/no and category column
is copied straight into its final array as its chunk arrives: at most two chunks are held beside the frame. Those
arrays come from :mod:`scoring.buffers`, so a process that reads again (the dashboard, a benchmark) reuses the
memory of a frame it has dropped. Every other column (text, dates, whole numbers or yes/no values with missing
values, ...) is converted by pyarrow as before.

The frame is the one ``to_pandas`` gives (tested against it): the same dtypes, the same values, categories in the
order pyarrow's unification gives (first appearance across row groups).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scoring import buffers

THREADS = 2  # column chunks decoded at once (bounds the decoded pieces held beside the frame)
MIN_GROUP_ROWS = 65_536  # fewer rows a row group on average: pyarrow reads the file whole (measured on 3M rows:
# 16K-row groups 0.29 s this way against 0.21 s; 64K 0.15 s against 0.18 s; 256K 0.09 s against 0.12 s)


class Fallback(Exception):
    """The file holds what this way cannot give as ``to_pandas`` does (a missing value its statistics did not
    count, pieces of one row group with dictionaries of their own, more categories than the codes can number):
    the caller reads it the usual way."""


@dataclass
class _Plan:
    offsets: np.ndarray  # first row of each row group, and the row count last
    filled: dict[str, np.ndarray] = field(default_factory=dict)  # number / yes-no values, category codes
    dictionaries: dict[str, list[Any]] = field(default_factory=dict)  # a category column's dictionary by row group
    pieces: dict[str, list[Any]] = field(default_factory=dict)  # columns pyarrow converts: their Arrow pieces


def read_frame(pf: Any, open_file: Any, names: list[str],
               on_pieces: Callable[[str, list[Any]], None] | None = None) -> pd.DataFrame | None:
    """The columns ``names`` of the ``pyarrow.parquet.ParquetFile`` ``pf`` as ``to_pandas`` makes them (index
    0..n-1); None where this way does not apply (pandas index columns stored, a single row group, row groups
    of fewer than :data:`MIN_GROUP_ROWS` rows on average, no column it fills). ``open_file()`` opens the file again
    (one reader per thread). Raises what pyarrow raises. The columns pyarrow converts (text, ...) are decoded
    first; ``on_pieces(name, chunks)`` is called with each one's Arrow chunks (those the frame's column will hold,
    in place) as soon as they are all decoded, while the other columns still are."""
    import pyarrow as pa

    md, schema = pf.metadata, pf.schema_arrow
    meta = schema.pandas_metadata or {}
    if (md.num_row_groups < 2 or md.num_rows < MIN_GROUP_ROWS * md.num_row_groups
            or any(isinstance(c, str) for c in meta.get("index_columns", []))):
        return None
    chosen = pa.schema([schema.field(n) for n in names], metadata=schema.metadata)
    expected = chosen.empty_table().to_pandas()
    sizes = [md.row_group(g).num_rows for g in range(md.num_row_groups)]
    plan = _Plan(offsets=np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)]))
    rows = int(plan.offsets[-1])
    leaf = {md.schema.column(j).path: j for j in range(md.num_columns)}  # flat: one Parquet column per field
    for name in names:
        kind = _kind(chosen.field(name).type, expected[name].dtype, name in leaf and _no_nulls(md, leaf[name]))
        if kind == "fill":
            plan.filled[name] = buffers.empty(rows, expected[name].dtype)
        elif kind == "codes":
            plan.filled[name] = buffers.empty(rows, chosen.field(name).type.index_type.to_pandas_dtype())
            plan.dictionaries[name] = [None] * len(sizes)
        else:
            plan.pieces[name] = [None] * len(sizes)
    if not plan.filled:
        return None
    readers: list[Any] = []
    left = {name: len(sizes) for name in plan.pieces}  # row groups of each converted column still to decode
    lock = threading.Lock()

    def decode(chunk: tuple[int, str]) -> None:
        group, name = chunk
        try:
            reader = readers.pop()
        except IndexError:
            reader = open_file()
        table = reader.read_row_group(group, columns=[name], use_threads=False)
        readers.append(reader)
        _place(plan, group, table)
        if on_pieces is not None and name in left:
            with lock:
                left[name] -= 1
                done = not left[name]
            if done:
                on_pieces(name, [c for cs in plan.pieces[name] for c in cs])

    groups = range(len(sizes))
    order = [(g, n) for n in plan.pieces for g in groups] + [(g, n) for g in groups for n in names
                                                              if n not in plan.pieces]
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(decode, order))
    return _assemble(plan, chosen, names, rows)


def _no_nulls(md: Any, column: int) -> bool:
    """Whether every row group's statistics prove the column has no missing value."""
    for g in range(md.num_row_groups):
        st = md.row_group(g).column(column).statistics
        if st is None or not st.has_null_count or st.null_count:
            return False
    return True


def _kind(arrow_type: Any, dtype: Any, no_nulls: bool) -> str:
    """"fill" (values copied), "codes" (category codes copied) or "arrow" (pyarrow converts the column)."""
    import pyarrow as pa

    t = arrow_type
    if pa.types.is_floating(t) and dtype == np.dtype(t.to_pandas_dtype()):
        return "fill"  # a missing value is NaN, as to_pandas gives it
    if (pa.types.is_integer(t) or pa.types.is_boolean(t)) and no_nulls and dtype == np.dtype(t.to_pandas_dtype()):
        return "fill"
    if (pa.types.is_dictionary(t) and isinstance(dtype, pd.CategoricalDtype)
            and pa.types.is_signed_integer(t.index_type)  # -1 marks a missing value (Polars writes unsigned ones)
            and (pa.types.is_string(t.value_type) or pa.types.is_large_string(t.value_type))):
        return "codes"
    return "arrow"


def _place(plan: _Plan, group: int, table: Any) -> None:
    """Copy one decoded row group into the frame's arrays (other columns: keep its pieces)."""
    import pyarrow.compute as pc

    for name in table.column_names:
        col = table.column(name)
        if name in plan.pieces:
            plan.pieces[name][group] = col.chunks
            continue
        start = int(plan.offsets[group])
        for piece in col.chunks:
            rows = slice(start, start + len(piece))
            start += len(piece)
            if name in plan.dictionaries:
                if plan.dictionaries[name][group] is None:
                    plan.dictionaries[name][group] = piece.dictionary
                elif not piece.dictionary.equals(plan.dictionaries[name][group]):
                    raise Fallback(name)  # pieces of one row group with dictionaries of their own
                plan.filled[name][rows] = pc.fill_null(piece.indices, -1).to_numpy(zero_copy_only=False)
            elif piece.null_count and plan.filled[name].dtype.kind != "f":
                raise Fallback(name)
            else:
                plan.filled[name][rows] = piece.to_numpy(zero_copy_only=False)


def _assemble(plan: _Plan, chosen: Any, names: list[str], rows: int) -> pd.DataFrame:
    import pyarrow as pa

    index = pd.RangeIndex(rows)
    converted: dict[str, Any] = {}
    if plan.pieces:
        table = pa.table({n: pa.chunked_array([c for cs in plan.pieces.pop(n) for c in cs], chosen.field(n).type)
                          for n in list(plan.pieces)},
                         schema=pa.schema([chosen.field(n) for n in names if n not in plan.filled],
                                          metadata=chosen.metadata))
        other = table.to_pandas(split_blocks=True, self_destruct=True)
        del table
        converted = {n: other[n].array for n in other.columns}
    columns = []
    for name in names:
        if name in plan.dictionaries:
            values = _categorical(plan.filled[name], plan.dictionaries[name], plan.offsets,
                                  chosen.field(name).type.ordered)
        elif name in plan.filled:
            values = plan.filled[name]
        else:
            values = converted[name]
        columns.append(pd.Series(values, index=index, name=name, copy=False))
    frame = pd.concat(columns, axis=1) if columns else pd.DataFrame(index=index)
    frame.columns = names
    return frame


def _categorical(codes: np.ndarray, dictionaries: list[Any], offsets: np.ndarray, ordered: bool) -> pd.Categorical:
    """The codes of every row group renumbered to one dictionary: the first row group's values, then each new value
    in order of appearance (pyarrow's unification)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    seen = [d for d in dictionaries if d is not None]  # None: a row group without rows
    if not seen:
        raise Fallback("dictionary")
    union = seen[0]
    for d in seen[1:]:
        if not d.equals(union):
            new = pc.filter(d, pc.invert(pc.is_in(d, value_set=union)))
            union = pa.concat_arrays([union, new.cast(union.type)]) if len(new) else union
    if union.null_count or len(union) - 1 > np.iinfo(codes.dtype).max or pc.count_distinct(union).as_py() != len(union):
        raise Fallback("dictionary")
    for g, d in enumerate(dictionaries):
        if d is None or d.equals(union[: len(d)]):
            continue  # the same codes
        to_union = np.append(pc.index_in(d, value_set=union).to_numpy(zero_copy_only=False), -1).astype(codes.dtype)
        rows = slice(int(offsets[g]), int(offsets[g + 1]))
        codes[rows] = to_union[codes[rows]]  # -1 (missing) takes the last entry: -1
    categories = pd.Index(union.to_pandas())
    return pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(categories, ordered=ordered), validate=False)
