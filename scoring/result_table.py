"""A scoring result written straight from its arrays with pyarrow (``score``/``admit --out``), no pandas frame between.

:class:`ResultTable` holds the public arrays of a :class:`~scoring.engine.core.ScoreResult` (person ids, item points
and total in cents, eligibility, reason codes) with the admission mask and the stamp, and writes them row group by
row group:

- **Parquet** (:meth:`ResultTable.write_parquet`): the same columns, values and pandas dtypes after
  ``pd.read_parquet`` as :meth:`ScoreResult.to_frame` written by :func:`scoring.safe_output.write_table` (the pandas
  metadata of that frame is stored), Zstandard level 1, dictionary pages for every column but the unique person ids
  (chosen by ``benchmarks/bench_datapath.py write``: about half the CPU of the pandas path and half its size).
  The float64 columns are made one row group at a time (cents / 100), never all at once.
- **CSV** (:meth:`ResultTable.write_csv`): UTF-8 with a byte-order mark, Excel-safe (text cells through
  :func:`scoring.safe_output.excel_safe_arrow`, column names through :func:`~scoring.safe_output.excel_safe_text`),
  written by ``pyarrow.csv``. Numbers keep the text pandas writes (``31.0``, ``-0.05``: the exact cents, the
  shortest form), formatted once per distinct value; text and numbers are quoted (pyarrow quotes every text value),
  so ``True``/``False`` and numbers read back as before with ``pd.read_csv`` and as numbers in a spreadsheet.

Both go through :func:`scoring.safe_output.atomic_path` and give the same bytes for the same result.
"""

from __future__ import annotations

import os
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa

from scoring.safe_output import STAMP_COLUMN, atomic_path, excel_safe_arrow, excel_safe_text

if TYPE_CHECKING:
    from scoring.engine.core import ScoreResult

ROW_GROUP_ROWS = 1 << 20  # pyarrow's default row group (1,048,576 rows): the float64 temporaries of one group
# Measured on 10M beijing-2020 results (bench_datapath.py write): zstd level 1 costs the CPU of Snappy and halves the
# file (unique ids compress ~10x); dictionary pages pay for every column but the unique ids (their dictionary
# overflows and falls back to plain encoding after hashing a megabyte of them).
PARQUET_COMPRESSION = "zstd"
PARQUET_LEVEL = 1
BOM = b"\xef\xbb\xbf"  # UTF-8 byte-order mark: Excel then shows Chinese
CSV_BATCH_ROWS = 1 << 16  # rows a pyarrow CSV batch formats at a time
CSV_BLOCK_ROWS = 1 << 18  # rows a thread formats into one block (about 45 MB of text for beijing-2020)
CSV_THREADS = max(1, min(2, os.cpu_count() or 1))  # pyarrow's CSV writer is single-threaded: blocks in parallel


@dataclass
class ResultTable:
    """Everyone's item points, total, eligibility, reason (and admission, stamp) as columns to write.

    ``items`` maps the column name to the points in cents (int32/int64); the columns are, in order: person_id (when
    given), the items, total, eligible, reason, admitted (when given), stamp (when given) — as
    :meth:`ScoreResult.to_frame` (``.assign(admitted=...)``) and :func:`scoring.safe_output.stamped` make them.
    """

    person_id: pd.Series | None
    items: dict[str, np.ndarray]
    total_cents: np.ndarray
    eligible: np.ndarray
    reason_codes: np.ndarray
    reason_labels: list[str]
    admitted: np.ndarray | None = None
    stamp: str | None = None

    @classmethod
    def of(cls, res: ScoreResult, *, admitted: np.ndarray | None = None, stamp: str | None = None,
           lang: str | None = None) -> ResultTable:
        """The table of ``res`` (item columns named by id, or in ``lang`` as ``to_frame(lang)`` names them)."""
        ids = res.population["person_id"] if "person_id" in res.population.columns else None
        items = {(item.id if lang is None else item.name(lang)): res.item_cents[item.id] for item in res.scheme.items}
        return cls(person_id=ids, items=items, total_cents=res.total_cents, eligible=res.eligible_mask,
                   reason_codes=res.reason_codes, reason_labels=list(res.reason_labels), admitted=admitted,
                   stamp=stamp)

    @property
    def n(self) -> int:
        """Rows."""
        return len(self.total_cents)

    # -- the pandas view (XLSX, and the reference the tests compare with) ---------------------------------------
    def _ids(self, rows: slice | None = None) -> pd.Series:
        ids = self.person_id if rows is None else self.person_id.iloc[rows]  # type: ignore[union-attr]
        text = pd.StringDtype("pyarrow", na_value=np.nan)  # as ScoreResult.to_frame: one text dtype for the ids
        if isinstance(ids.dtype, pd.StringDtype) and ids.dtype != text:
            ids = ids.astype(text)
        return ids.reset_index(drop=True)

    def frame(self, rows: slice | None = None) -> pd.DataFrame:
        """The rows (all by default) as the pandas frame the former writer wrote."""
        rows = rows or slice(0, self.n)
        cols: dict[str, object] = {}
        if self.person_id is not None:
            cols["person_id"] = self._ids(rows).array
        for name, cents in self.items.items():
            cols[name] = cents[rows] / 100.0
        cols["total"] = self.total_cents[rows] / 100.0
        cols["eligible"] = self.eligible[rows]
        cols["reason"] = pd.Categorical.from_codes(self.reason_codes[rows].astype(np.int16),
                                                   categories=self.reason_labels)
        if self.admitted is not None:
            cols["admitted"] = self.admitted[rows]
        if self.stamp is not None:
            length = rows.indices(self.n)[1] - rows.indices(self.n)[0]
            cols[STAMP_COLUMN] = pd.Categorical.from_codes(np.zeros(length, np.int8), categories=[str(self.stamp)])
        return pd.DataFrame(cols, copy=False)

    # -- Parquet -------------------------------------------------------------------------------------------------
    def schema(self) -> pa.Schema:
        """The Arrow schema with the pandas metadata of :meth:`frame` (``pd.read_parquet`` gives its dtypes): taken
        from its first row (an object column's type is inferred from its values), or from no row for an empty one."""
        return pa.Schema.from_pandas(self.frame(slice(0, min(self.n, 1))), preserve_index=False)

    def _dictionary(self, codes: np.ndarray, values: list[str], index_type: pa.DataType) -> pa.DictionaryArray:
        return pa.DictionaryArray.from_arrays(pa.array(codes).cast(index_type), pa.array(values, pa.large_string()))

    def batch(self, start: int, stop: int, schema: pa.Schema) -> pa.Table:
        """Rows ``start:stop`` as an Arrow table of ``schema`` (float64 points made here, for these rows only)."""
        rows = slice(start, stop)
        arrays: list[pa.Array | pa.ChunkedArray] = []
        if self.person_id is not None:
            arrays.append(pa.chunked_array(pa.array(self._ids(rows).array)).cast(schema.field("person_id").type))
        arrays += [pa.array(cents[rows] / 100.0) for cents in self.items.values()]
        arrays.append(pa.array(self.total_cents[rows] / 100.0))
        arrays.append(pa.array(self.eligible[rows]))
        arrays.append(self._dictionary(self.reason_codes[rows], self.reason_labels,
                                       schema.field("reason").type.index_type))
        if self.admitted is not None:
            arrays.append(pa.array(self.admitted[rows]))
        if self.stamp is not None:
            arrays.append(self._dictionary(np.zeros(stop - start, np.int8), [str(self.stamp)],
                                           schema.field(STAMP_COLUMN).type.index_type))
        return pa.Table.from_arrays(arrays, schema=schema)

    def write_parquet(self, sink: str | os.PathLike[str] | BinaryIO | pa.NativeFile) -> None:
        """Write the table as Parquet (zstd level 1, dictionary pages but for person_id), a row group at a time.

        One thread: pyarrow encodes a file's row groups one after another (its parallel column writer,
        ``ArrowWriterProperties::set_use_threads``, is C++ only in pyarrow 26), and making the next row group while
        one encodes showed no gain on the shared machine (about 0.2 CPU-s of 2.5 to hide)."""
        import pyarrow.parquet as pq

        schema = self.schema()
        plain = ["person_id"] if self.person_id is not None else []
        dictionary = [name for name in schema.names if name not in plain]
        with pq.ParquetWriter(sink, schema, compression=PARQUET_COMPRESSION, compression_level=PARQUET_LEVEL,
                              use_dictionary=dictionary) as writer:
            for start in range(0, max(self.n, 1), ROW_GROUP_ROWS):
                writer.write_table(self.batch(start, min(start + ROW_GROUP_ROWS, self.n), schema),
                                   row_group_size=ROW_GROUP_ROWS)

    # -- CSV -----------------------------------------------------------------------------------------------------
    def csv_block(self, start: int, stop: int, ids: pa.ChunkedArray | None = None) -> pa.Table:
        """Rows ``start:stop`` as the CSV's columns: Excel-safe names and text, numbers and booleans as the text
        pandas writes (see the module). ``ids``: the person ids as Arrow (else taken from ``person_id``)."""
        rows = slice(start, stop)
        cols: dict[str, pa.Array | pa.ChunkedArray] = {}
        if self.person_id is not None:
            ids = pa.chunked_array(pa.array(self._ids(rows).array)) if ids is None else ids.slice(start, stop - start)
            cols["person_id"] = excel_safe_arrow(ids, text=True)  # ids are text: 1E+3 and 007 kept as written
        for name, cents in self.items.items():
            cols[name] = points_text(cents[rows])
        cols["total"] = points_text(self.total_cents[rows])
        cols["eligible"] = bool_text(self.eligible[rows])
        cols["reason"] = excel_safe_arrow(self._dictionary(self.reason_codes[rows], self.reason_labels, pa.int16()))
        if self.admitted is not None:
            cols["admitted"] = bool_text(self.admitted[rows])
        if self.stamp is not None:
            cols[STAMP_COLUMN] = excel_safe_arrow(self._dictionary(np.zeros(stop - start, np.int8),
                                                                   [str(self.stamp)], pa.int8()))
        return pa.Table.from_arrays(list(cols.values()), names=[str(excel_safe_text(name)) for name in cols])

    def write_csv(self, sink: str | os.PathLike[str] | BinaryIO | pa.NativeFile, threads: int | None = None) -> None:
        """Write the table as CSV: UTF-8 with BOM, Excel-safe, numbers as pandas writes them. Blocks of
        :data:`CSV_BLOCK_ROWS` rows are made and formatted on ``threads`` threads (default :data:`CSV_THREADS`;
        pyarrow releases the GIL) and written in order: the same bytes for any number of threads, and memory for a
        few blocks only."""
        import pyarrow.csv as pcsv

        ids = None if self.person_id is None else pa.chunked_array(pa.array(self._ids().array))  # zero-copy

        def block(start: int) -> pa.Buffer:
            buf = pa.BufferOutputStream()
            pcsv.write_csv(self.csv_block(start, min(start + CSV_BLOCK_ROWS, self.n), ids), buf,
                           pcsv.WriteOptions(include_header=start == 0, batch_size=CSV_BATCH_ROWS, eol="\r\n"))
            return buf.getvalue()

        own = isinstance(sink, str | os.PathLike)
        stream = pa.OSFile(os.fspath(sink), "wb") if own else sink  # type: ignore[arg-type]
        workers = max(1, threads or CSV_THREADS)
        try:
            stream.write(BOM)
            with ThreadPoolExecutor(max_workers=workers) as pool:
                pending: deque = deque()
                for start in range(0, max(self.n, 1), CSV_BLOCK_ROWS):
                    pending.append(pool.submit(block, start))
                    if len(pending) > workers:  # at most workers + 1 blocks in memory
                        stream.write(pending.popleft().result())
                while pending:
                    stream.write(pending.popleft().result())
        finally:
            if own:
                stream.close()

    def write(self, target: str | os.PathLike[str], fmt: str, *, sheet_name: str = "scores") -> Path:
        """Write to ``target`` atomically as ``fmt`` ("parquet", "csv", or "xlsx": one sheet, ``sheet_name``)."""
        from scoring.safe_output import write_table

        target = Path(target)
        if fmt == "xlsx":  # at most an Excel sheet of rows (Excel-safe, strings stay strings)
            return write_table(self.frame(), target, fmt, sheet_name=sheet_name)
        if fmt not in ("parquet", "csv"):
            raise ValueError(f"unknown table format {fmt!r}; use parquet, csv or xlsx")
        with atomic_path(target) as tmp:
            (self.write_parquet if fmt == "parquet" else self.write_csv)(tmp)
        return target


def points_text(cents: np.ndarray) -> pa.DictionaryArray:
    """Points in cents as the text pandas writes for ``cents / 100`` (the shortest exact form, ``31.0``, ``5.17``,
    ``-0.05``), as a dictionary: each distinct value is formatted once, whole-column."""
    import pyarrow.compute as pc

    encoded = pc.dictionary_encode(pa.array(np.asarray(cents, dtype=np.int64)))
    values = np.asarray(encoded.dictionary.to_numpy(zero_copy_only=False), dtype=np.int64)
    if not len(values):  # no rows (numpy's zfill has no width for an empty array)
        return pa.DictionaryArray.from_arrays(encoded.indices, pa.array([], pa.string()))
    whole, frac = np.divmod(np.abs(values), 100)
    sign = np.where(values < 0, "-", "")
    tens, ones = np.divmod(frac, 10)
    frac_text = np.where(ones == 0, tens.astype(str), np.char.zfill(frac.astype(str), 2))
    text = np.char.add(np.char.add(np.char.add(sign, whole.astype(str)), "."), frac_text)
    return pa.DictionaryArray.from_arrays(encoded.indices, pa.array(text.astype(object), pa.string()))


def bool_text(mask: np.ndarray) -> pa.DictionaryArray:
    """A boolean column as pandas writes it (``True``/``False``), the mask itself as the indices."""
    return pa.DictionaryArray.from_arrays(pa.array(np.asarray(mask, dtype=bool).view(np.int8)),
                                          pa.array(["False", "True"], pa.string()))
