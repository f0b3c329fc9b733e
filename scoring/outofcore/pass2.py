"""Pass 2 of the out-of-core engines on the scratch Arrow stream(s): gather the tied band, admit by the plan, sum
the near-line statistics and write the public rows (Arrow batches straight to the Parquet writer).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from scoring.outofcore.core import ADMIT_COLUMNS, GROUP, HELPER, TOTAL, public_frame
from scoring.outofcore.files import SCRATCH_SUFFIX, FrameWriter, WriteBehind, prefetched
from scoring.outofcore.plan import Plan, band_mask, band_rows, pass2_arrays
from scoring.outofcore.stats import Pass2Stats
from scoring.safe_output import STAMP_COLUMN, stamped
from scoring.scheme.load import Scheme


def iter_scratch(path: str | os.PathLike[str], mapped: bool = False) -> Iterator[pa.RecordBatch]:
    """The record batches of a scratch Arrow stream, as written (no pandas conversion). ``mapped``: the file is
    memory-mapped, so the columns of an uncompressed stream are the page cache's own pages (no copy, no fresh
    pages to fault in); for files of a partition each (the Dask engine's): the pages of a mapped file count in the
    process's resident memory until the file is done."""
    with (pa.memory_map(os.fspath(path), "r") if mapped else pa.OSFile(os.fspath(path), "rb")) as fh:
        yield from pa.ipc.open_stream(fh)


def with_totals(batch: pa.RecordBatch, scheme: Scheme) -> pa.RecordBatch:
    """A lean scratch batch (the item cents without the total and group helpers, as the chunked engine keeps them)
    with both back: the exact integer sums of the item cents (the engine's total is their sum; the group's over the
    items of the dominance groups, as ``ScoreResult.group_cents``). Other batches are returned as they are."""
    names = batch.schema.names
    if TOTAL in names or "total" in names or not scheme.items or any(i.id not in names for i in scheme.items):
        return batch
    groups = set(scheme.dominance.groups)
    total = np.zeros(len(batch), dtype=np.int64)
    group = np.zeros(len(batch), dtype=np.int64)
    for item in scheme.items:
        cents = batch.column(item.id).to_numpy(zero_copy_only=False)
        total += cents
        if item.group in groups:
            group += cents
    return pa.RecordBatch.from_arrays([*batch.columns, pa.array(total), pa.array(group)],
                                      names=[*names, TOTAL, GROUP], metadata=batch.schema.metadata)


def expanded(batch: pa.RecordBatch, scheme: Scheme) -> pa.RecordBatch:
    """A scratch batch written by :func:`scoring.outofcore.core.compact_scored` with the item points (float64) and
    the ``total`` column back, in the order of ``ScoreResult.to_frame`` (points = cents / 100, correctly rounded)."""
    if "total" in batch.schema.names or TOTAL not in batch.schema.names:
        return batch
    items = {i.id for i in scheme.items}
    names: list[str] = []
    arrays: list[pa.Array] = []
    for name, column in zip(batch.schema.names, batch.columns, strict=True):
        if name == "eligible":
            names.append("total")
            arrays.append(_points(batch.column(TOTAL)))
        names.append(name)
        arrays.append(_points(column) if name in items else column)
    return pa.RecordBatch.from_arrays(arrays, names=names, metadata=batch.schema.metadata)


def _points(cents: pa.Array) -> pa.Array:
    """Integer cents as float64 points (one numpy pass; the same values as Arrow's cast + divide)."""
    if cents.null_count:
        return pc.divide(pc.cast(cents, pa.float64()), 100.0)
    return pa.array(np.divide(cents.to_numpy(zero_copy_only=False), 100.0))


def _label_column(schema: pa.Schema) -> str | None:
    index = [c for c in (schema.pandas_metadata or {}).get("index_columns", []) if isinstance(c, str)]
    return index[0] if index else None


def scratch_batches(scored_path: Path, chunk_rows: int, mapped: bool = False) -> Iterator[pa.RecordBatch]:
    """The batches of a scratch Arrow stream (``mapped``: see :func:`iter_scratch`), or of a Parquet file of scored
    rows."""
    if scored_path.suffix == SCRATCH_SUFFIX:
        return iter_scratch(scored_path, mapped)
    return pq.ParquetFile(scored_path).iter_batches(batch_size=chunk_rows)


def gather_band(scored_path: Path, plan: Plan, chunk_rows: int, scheme: Scheme | None = None) -> pd.DataFrame:
    """The tied band and the nearest to the line, from the scored rows (only those rows converted to pandas);
    ``scheme``: for a lean scratch (see :func:`with_totals`)."""
    parts = []
    for batch in scratch_batches(scored_path, chunk_rows):
        if scheme is not None:
            batch = with_totals(batch, scheme)
        total, elig = batch.column(TOTAL).to_numpy(), batch.column("eligible").to_numpy(zero_copy_only=False)
        want = band_mask(total, elig, plan)
        if want.any():  # only the few rows of the band are converted to pandas
            parts.append(band_rows(pa.Table.from_batches([batch.filter(pa.array(want))]).to_pandas(), plan))
    return pd.concat(parts) if parts else pd.DataFrame()


WRITE_BATCH_ROWS = 1 << 18  # values the Parquet writer encodes at a time (its default, 1024, costs ~6% more CPU)
PLAIN_SHARE = 0.05  # item points with at most this share of non-zero values are written without a dictionary


class _Public:
    """The output columns of scratch batches as Arrow: the public columns renamed for ``lang``, ``admitted``, the
    stamp and (``index``) the row labels, in the schema the first batch fixed through pandas (types as the in-memory
    writer gives them)."""

    def __init__(self, scheme: Scheme, lang: str | None, stamp: str | None, admission: bool) -> None:
        self.scheme, self.lang, self.stamp, self.admission = scheme, lang, stamp, admission
        self.names = {i.id: i.name(lang) for i in scheme.items} if lang is not None else {}
        self.schema: pa.Schema | None = None

    def frame(self, batch: pa.RecordBatch, admitted: np.ndarray) -> pd.DataFrame:
        """The output rows as pandas (the CSV writer, and the first batch)."""
        df = pa.Table.from_batches([batch]).to_pandas()
        public = public_frame(df, self.scheme, self.lang)
        if self.admission:
            public[ADMIT_COLUMNS[0]] = admitted
        return stamped(public, self.stamp)  # the one stamp convention (scoring.safe_output)

    def table(self, batch: pa.RecordBatch, admitted: np.ndarray, schema: pa.Schema) -> pa.Table:
        """The output rows as Arrow in ``schema`` (the first batch's)."""
        label = _label_column(batch.schema)
        arrays: dict[str, pa.Array] = {}
        for name, column in zip(batch.schema.names, batch.columns, strict=True):
            if name == label:
                arrays[name] = column
            elif not name.startswith(HELPER):
                arrays[self.names.get(name, name)] = column
        if self.admission:
            arrays[ADMIT_COLUMNS[0]] = pa.array(admitted, type=pa.bool_())
        if self.stamp is not None:
            arrays[STAMP_COLUMN] = pa.DictionaryArray.from_arrays(pa.array(np.zeros(len(batch), np.int8)),
                                                                  pa.array([str(self.stamp)]))
        cols = [arrays[f.name] if arrays[f.name].type == f.type else arrays[f.name].cast(f.type) for f in schema]
        for f, col in zip(schema, cols, strict=True):
            if not f.nullable and col.null_count:  # never: these columns come from the engine's arrays
                raise ValueError(f"output column {f.name!r}: a missing value in a column that has none")
        return pa.Table.from_arrays(cols, schema=schema)

    def fixed(self, table: pa.Table) -> tuple[pa.Table, dict[str, Any]]:
        """The first table in the file's final schema, and the Parquet writer's options, chosen for the writer's CPU
        (the one thread that bounds pass 2; measured per million rows on 10M, the same values read back):

        - the engine's numbers and flags (item points, total, eligible, admitted: never missing) are required
          fields, with no definition levels to encode (-7%);
        - min/max statistics for the columns readers filter on (total, eligible, reason, admitted, stamp, row
          labels), not for the item points nor the ids (min/max of a million texts: ~17 ms);
        - no dictionary tried for the ids and row labels (all distinct), nor for item points that are nearly all
          zero in the first batch (plain + zstd: ~3 ms against ~7 ms);
        - larger write batches (-6%).
        """
        points = {self.names.get(i.id, i.id) for i in self.scheme.items}
        required = points | {"total", "eligible", ADMIT_COLUMNS[0]}
        fields = [f.with_nullable(False) if f.name in required and table.column(f.name).null_count == 0 else f
                  for f in table.schema]
        schema = pa.schema(fields, metadata=table.schema.metadata)
        labels = (schema.pandas_metadata or {}).get("index_columns", [])
        plain = {"person_id", *(c for c in labels if isinstance(c, str))}
        for name in points:
            values = table.column(name).to_numpy()
            if len(values) and np.count_nonzero(values) <= PLAIN_SHARE * len(values):
                plain.add(name)
        options = {"write_statistics": [f.name for f in schema if f.name not in points | {"person_id"}],
                   "use_dictionary": [f.name for f in schema if f.name not in plain],
                   "write_batch_size": WRITE_BATCH_ROWS}
        return pa.Table.from_arrays(table.columns, schema=schema), options


def pass2_file(scheme: Scheme, scored_path: Path | list[Path], out: Path | None, plan: Plan, chunk_rows: int,
               lang: str | None, stamp: str | None = None, index: bool = True) -> Pass2Stats:
    """Pass 2 over one scored file (or several, in order: the Dask engine's partitions, memory-mapped one at a time):
    admit by the plan, sum the near-line statistics, write the public rows (Arrow batches straight to Parquet;
    pandas only for the first batch, which fixes the schema, and for CSV)."""
    total = Pass2Stats.empty(scheme)
    writer = WriteBehind(FrameWriter(out, index=index)) if out is not None else None
    item_ids = [i.id for i in scheme.items]
    public = _Public(scheme, lang, stamp, plan.admission)
    schema: pa.Schema | None = None
    try:
        parts = isinstance(scored_path, list)
        paths = scored_path if parts else [scored_path]
        batches = itertools.chain.from_iterable(scratch_batches(p, chunk_rows, mapped=parts) for p in paths)
        for batch in prefetched(expanded(with_totals(b, scheme), scheme) for b in batches):
            label = _label_column(batch.schema)
            labels = batch.column(label).to_numpy() if label is not None else np.arange(len(batch))
            admitted, part = pass2_arrays(lambda c, b=batch: b.column(c).to_numpy(zero_copy_only=False), labels,
                                          plan, item_ids)
            total = total.merge(part)
            if writer is None:
                continue
            if writer.writer.csv:
                writer.write(public.frame(batch, admitted))
            elif schema is None:  # the first batch fixes the schema, through pandas
                table, writer.writer.options = public.fixed(writer.writer.arrow(public.frame(batch, admitted)))
                schema = table.schema
                writer.write(table)
            else:
                writer.write(public.table(batch, admitted, schema))
    finally:
        if writer is not None:
            writer.close()
    return total
