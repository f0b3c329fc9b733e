"""Out-of-core scoring: a Parquet population scored batch by batch, with bounded memory and in-memory answers.

Pass 1 reads the file in batches (``ParquetFile.iter_batches``), validates each batch like
:func:`scoring.read_population` (row numbers, generated person ids and duplicate-id checks are global), scores it
with :func:`scoring.score` and writes the per-row results to Parquet as it goes (``ParquetWriter``). Only compact
aggregates stay in memory (:class:`scoring.outofcore.stats.Stats`): an exact histogram of the eligible people's total
cents, counts and per-item sums. The cut-off, the median line and the tied band come from the histogram; pass 2
re-reads the written results to admit, to write the ``admitted`` column and to sum the decisive-share moments near
the line. The kernel in :mod:`scoring.outofcore.core` (with ``outofcore_stats``, ``outofcore_plan``,
``outofcore_result``) also runs on Dask partitions (:mod:`scoring.outofcore.distributed`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from scoring.errors import PopulationError
from scoring.outofcore.core import (
    ADMIT_COLUMNS,
    HELPER,
    TOTAL,
    Context,
    FactsNeeded,
    compact_scored,
    find_facts,
    make_context,
    pass1_batch,
    public_frame,
    refuse_unread,
    unread_findings,
)
from scoring.outofcore.ids import HashSpill, confirm_duplicates
from scoring.outofcore.plan import Plan, band_mask, band_rows, finish_plan, make_plan, pass2_arrays
from scoring.outofcore.result import OutOfCoreResult
from scoring.outofcore.stats import Pass2Stats, Stats
from scoring.population.identifiers_arrow import parquet_blocks
from scoring.population.io import compact_arrow_pool
from scoring.safe_output import STAMP_COLUMN, atomic_path, excel_safe_frame, stamped
from scoring.scheme.load import Scheme

DEFAULT_CHUNK_ROWS = 1 << 20
MEMORY_PER_CELL = 32  # peak bytes of the in-memory path per row and column (measured: ~24 on synthetic Hangzhou)
Progress = Callable[[str], None]


# ------------------------------------------------------------------------------------------------------------
# Choosing an engine
# ------------------------------------------------------------------------------------------------------------
def available_memory() -> int:
    """Bytes of memory available now (MemAvailable from /proc/meminfo; os.sysconf as a fallback)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return 4 * 1024**3


def parquet_uncompressed_bytes(path: str | os.PathLike[str]) -> int:
    """The uncompressed size of a Parquet file's data, from its footer (no data is read)."""
    meta = pq.ParquetFile(path).metadata
    return int(sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups)))


def is_parquet(path: str | os.PathLike[str]) -> bool:
    """True if the file starts with the Parquet magic bytes."""
    try:
        with open(path, "rb") as fh:
            return fh.read(4) == b"PAR1"
    except OSError:
        return False


def choose_engine(path: str | os.PathLike[str], engine: str = "auto", *, available: int | None = None) -> str:
    """Resolve ``--engine auto|memory|chunked`` for a population file: "memory" or "chunked".

    "auto" chooses chunked for a Parquet file whose in-memory footprint (rows x columns x MEMORY_PER_CELL, or the
    uncompressed data x 4 if larger) does not fit in the available memory; other formats are read in memory.
    """
    if engine not in ("auto", "memory", "chunked"):
        raise PopulationError(f"--engine: {engine!r} is not one of auto, memory, chunked")
    parquet = is_parquet(path)
    if engine == "chunked" and not parquet:
        raise PopulationError(f"{path}: the chunked engine reads Parquet files; convert the file to Parquet first "
                              "(python -m scoring ... with --engine memory reads CSV/XLSX)")
    if engine != "auto":
        return engine
    if not parquet:
        return "memory"
    meta = pq.ParquetFile(path).metadata
    need = max(meta.num_rows * meta.num_columns * MEMORY_PER_CELL, parquet_uncompressed_bytes(path) * 4)
    return "chunked" if need > (available_memory() if available is None else available) else "memory"


# ------------------------------------------------------------------------------------------------------------
# Reading and writing
# ------------------------------------------------------------------------------------------------------------
def _open(path: str | os.PathLike[str]) -> pq.ParquetFile:
    from scoring.population.io import refuse_nested_columns

    try:
        pf = pq.ParquetFile(path)
        refuse_nested_columns(pf.schema_arrow, Path(path).name)
        return pf
    except PopulationError:
        raise
    except FileNotFoundError:
        raise PopulationError(f"population file not found: {path}") from None
    except Exception as exc:  # ArrowInvalid, OSError: not a Parquet file
        raise PopulationError(f"{Path(path).name}: cannot read the Parquet file: {type(exc).__name__}: "
                              f"{' '.join(str(exc).split())[:200]}") from None


def data_columns(pf: pq.ParquetFile) -> list[str]:
    """The file's columns without a stored pandas index (the in-memory reader drops it too)."""
    meta = pf.schema_arrow.pandas_metadata or {}
    index_cols = {c for c in meta.get("index_columns", []) if isinstance(c, str)}
    return [c for c in pf.schema_arrow.names if c not in index_cols]


def iter_raw(path: str | os.PathLike[str], chunk_rows: int, columns: list[str] | None = None
             ) -> Iterator[tuple[int, pd.DataFrame]]:
    """(global start row, raw frame) for each batch of ``chunk_rows`` rows of a Parquet file."""
    pf = _open(path)
    cols = data_columns(pf) if columns is None else columns
    start = 0
    for groups in _row_group_runs(pf, chunk_rows):
        if len(groups) == 1 and pf.metadata.row_group(groups[0]).num_rows > chunk_rows:  # split a large group
            tables = (pa.Table.from_batches([b]) for b in pf.iter_batches(batch_size=chunk_rows, row_groups=groups,
                                                                           columns=cols))
        else:  # whole row groups, their columns decoded in parallel
            tables = iter([pf.read_row_groups(groups, columns=cols, use_threads=True)])
        for table in tables:
            frame = table.to_pandas().reset_index(drop=True)
            yield start, frame
            start += len(frame)


def _row_group_runs(pf: pq.ParquetFile, chunk_rows: int) -> Iterator[list[int]]:
    """Consecutive row groups of at most ``chunk_rows`` rows together (a larger group alone)."""
    run: list[int] = []
    rows = 0
    for g in range(pf.metadata.num_row_groups):
        size = pf.metadata.row_group(g).num_rows
        if run and rows + size > chunk_rows:
            yield run
            run, rows = [], 0
        run.append(g)
        rows += size
    if run:
        yield run


def prefetched(items: Iterator[Any]) -> Iterator[Any]:
    """The items of ``items``, the next one produced on a second thread while the caller works on the current one
    (Parquet decoding releases the GIL: reading batch k+1 overlaps validating and scoring batch k)."""
    from concurrent.futures import ThreadPoolExecutor

    done = object()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="scoring-prefetch") as pool:
        pending = pool.submit(next, items, done)
        while True:
            item = pending.result()
            if item is done:
                return
            pending = pool.submit(next, items, done)
            yield item


def iter_written(path: str | os.PathLike[str], chunk_rows: int, columns: list[str] | None = None
                 ) -> Iterator[pd.DataFrame]:
    """Batches of a file written by :class:`FrameWriter`, with their index (global row labels) restored. An Arrow
    stream (``.arrow``, the scratch files between the passes) yields the batches as written."""
    if Path(path).suffix == SCRATCH_SUFFIX:
        with pa.OSFile(os.fspath(path), "rb") as fh:
            for batch in pa.ipc.open_stream(fh):
                yield pa.Table.from_batches([batch if columns is None else batch.select(columns)]).to_pandas()
        return
    pf = pq.ParquetFile(path)
    for batch in pf.iter_batches(batch_size=chunk_rows, columns=columns):
        yield pa.Table.from_batches([batch], schema=None).to_pandas()


class WriteBehind:
    """A :class:`FrameWriter` writing on a second thread while the caller prepares the next frame (one frame in
    flight: memory stays bounded; Parquet/Arrow encoding releases the GIL). Errors surface at the next write or
    at close."""

    def __init__(self, writer: FrameWriter) -> None:
        from concurrent.futures import Future, ThreadPoolExecutor

        self.writer = writer
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="scoring-write")
        self._pending: Future | None = None

    def _wait(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def write(self, frame: pd.DataFrame) -> None:
        """Queue ``frame`` after the one being written."""
        self._wait()
        self._pending = self._pool.submit(self.writer.write, frame)

    def close(self) -> None:
        """Finish the last write and the file."""
        try:
            self._wait()
        finally:
            self._pool.shutdown(wait=True)
            self.writer.close()


SCRATCH_SUFFIX = ".arrow"  # scored rows kept between the passes: an LZ4 Arrow stream (writes and reads ~5x Parquet's)


class FrameWriter:
    """Appends frames with the same columns to one Parquet file (schema fixed by the first frame; Zstandard with
    dictionary encoding: measured on 10M scored rows, 20% less CPU than plain encoding and a file half the size), to
    a CSV file (``.csv``, UTF-8 with BOM, as the in-memory CLI writes), or to a scratch Arrow stream (``.arrow``,
    LZ4)."""

    def __init__(self, path: str | os.PathLike[str], index: bool = True) -> None:
        self.path = Path(path)
        self.index = index
        self.csv = self.path.suffix.lower() == ".csv"
        self.scratch = self.path.suffix == SCRATCH_SUFFIX
        self._writer: pq.ParquetWriter | pa.ipc.RecordBatchStreamWriter | None = None
        self._schema: pa.Schema | None = None
        self._rows = 0

    @property
    def schema(self) -> pa.Schema | None:
        """The file's schema (fixed by the first frame)."""
        return self._schema

    def arrow(self, frame: pd.DataFrame) -> pa.Table:
        """``frame`` as the Arrow table written (in the file's schema once it is fixed)."""
        frame = frame.copy(deep=False)
        frame.index = pd.Index(np.asarray(frame.index, dtype=np.int64), name=frame.index.name)
        if self._schema is None:
            return pa.Table.from_pandas(frame, preserve_index=self.index)
        return pa.Table.from_pandas(frame, schema=self._schema, preserve_index=self.index, safe=False)

    def write(self, frame: pd.DataFrame | pa.Table) -> None:
        """Append one frame (its index, the global row labels, stored as a column when ``index``) or a table
        already in the file's schema (see :meth:`arrow`)."""
        if self.csv:  # a CSV is opened in spreadsheets: no cell may become a live formula
            excel_safe_frame(frame).to_csv(self.path, mode="a" if self._rows else "w", header=not self._rows,
                                           index=self.index, encoding="utf-8-sig" if not self._rows else "utf-8")
            self._rows += max(len(frame), 1)
            return
        table = frame if isinstance(frame, pa.Table) else self.arrow(frame)
        if self._writer is None:
            self._schema = table.schema
            if self.scratch:
                self._writer = pa.ipc.new_stream(os.fspath(self.path), self._schema,
                                                 options=pa.ipc.IpcWriteOptions(compression="lz4"))
            else:
                self._writer = pq.ParquetWriter(self.path, self._schema, compression="zstd")
        self._writer.write_table(table)

    def close(self) -> None:
        """Finish the file (an empty frame's schema is written when nothing was)."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None


class RejectedWriter:
    """Appends rejected-row lines (row, column, reason) to a CSV file, header once; UTF-8 with a BOM and Excel-safe,
    as :func:`scoring.safe_output.write_table` writes them (streamed: one batch at a time)."""

    def __init__(self, path: str | os.PathLike[str] | None, lang: str = "en") -> None:
        self.path = None if path is None else Path(path)
        self.lang = lang  # the reasons' language (scoring.reasons: the loader's wording in Chinese for "zh")
        self._started = False

    def write(self, rejected: pd.DataFrame) -> None:
        """Append lines (no-op without a path)."""
        if self.path is None or (self._started and rejected.empty):
            return
        if self.lang != "en" and len(rejected):
            from scoring.reasons import reason_text

            rejected = rejected.assign(reason=[reason_text(r, self.lang) for r in rejected["reason"]])
        excel_safe_frame(rejected).to_csv(self.path, mode="a" if self._started else "w", header=not self._started,
                                          index=False, encoding="utf-8" if self._started else "utf-8-sig")
        self._started = True


# ------------------------------------------------------------------------------------------------------------
# The two passes
# ------------------------------------------------------------------------------------------------------------
def _pass1(scheme: Scheme, path: str | os.PathLike[str], scored_path: Path, ctx: Context, chunk_rows: int,
           rejected_out: RejectedWriter, progress: Progress | None, lang: str | None, keep_helpers: bool,
           spill: HashSpill | None = None) -> Stats:
    stats = Stats.empty(scheme)
    writer = WriteBehind(FrameWriter(scored_path))
    wrote = False
    try:
        for start, raw in prefetched(iter_raw(path, chunk_rows, list(ctx.read) or None)):
            scored, batch_stats, rejected = pass1_batch(raw, start, ctx, spill)
            rejected_out.write(rejected)
            writer.write(compact_scored(scored, scheme) if keep_helpers else public_frame(scored, scheme, lang))
            wrote = True
            stats = stats.merge(batch_stats)
            if progress is not None:
                progress(f"scored rows {start + 1}-{start + len(raw)} of {ctx.n_total}")
        if stats.scored == 0 and not wrote:
            raise PopulationError(f"{path}: no rows could be scored")
    finally:
        writer.close()
    return stats


def iter_scratch(path: str | os.PathLike[str]) -> Iterator[pa.RecordBatch]:
    """The record batches of a scratch Arrow stream, as written (no pandas conversion)."""
    with pa.OSFile(os.fspath(path), "rb") as fh:
        yield from pa.ipc.open_stream(fh)


def expanded(batch: pa.RecordBatch, scheme: Scheme) -> pa.RecordBatch:
    """A scratch batch written by :func:`scoring.outofcore.core.compact_scored` with the item points (float64) and
    the ``total`` column back, in the order of ``ScoreResult.to_frame``."""
    if "total" in batch.schema.names or TOTAL not in batch.schema.names:
        return batch
    items = {i.id for i in scheme.items}
    names: list[str] = []
    arrays: list[pa.Array] = []
    for name, column in zip(batch.schema.names, batch.columns, strict=True):
        if name == "eligible":
            names.append("total")
            arrays.append(pc.divide(pc.cast(batch.column(TOTAL), pa.float64()), 100.0))
        names.append(name)
        arrays.append(pc.divide(pc.cast(column, pa.float64()), 100.0) if name in items else column)
    return pa.RecordBatch.from_arrays(arrays, names=names, metadata=batch.schema.metadata)


def _label_column(schema: pa.Schema) -> str | None:
    index = [c for c in (schema.pandas_metadata or {}).get("index_columns", []) if isinstance(c, str)]
    return index[0] if index else None


def _scratch_batches(scored_path: Path, chunk_rows: int) -> Iterator[pa.RecordBatch]:
    if scored_path.suffix == SCRATCH_SUFFIX:
        return iter_scratch(scored_path)
    return pq.ParquetFile(scored_path).iter_batches(batch_size=chunk_rows)


def _gather_band(scored_path: Path, plan: Plan, chunk_rows: int) -> pd.DataFrame:
    parts = []
    for batch in _scratch_batches(scored_path, chunk_rows):
        total, elig = batch.column(TOTAL).to_numpy(), batch.column("eligible").to_numpy(zero_copy_only=False)
        want = band_mask(total, elig, plan)
        if want.any():  # only the few rows of the band are converted to pandas
            parts.append(band_rows(pa.Table.from_batches([batch.filter(pa.array(want))]).to_pandas(), plan))
    return pd.concat(parts) if parts else pd.DataFrame()


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
        return pa.Table.from_arrays(cols, schema=schema)


def pass2_file(scheme: Scheme, scored_path: Path | list[Path], out: Path | None, plan: Plan, chunk_rows: int,
               lang: str | None, stamp: str | None = None, index: bool = True) -> Pass2Stats:
    """Pass 2 over one scored file (or several, in order): admit by the plan, sum the near-line statistics, write the
    public rows (Arrow batches straight to Parquet; pandas only for the first batch, which fixes the schema, and for
    CSV)."""
    total = Pass2Stats.empty(scheme)
    writer = WriteBehind(FrameWriter(out, index=index)) if out is not None else None
    item_ids = [i.id for i in scheme.items]
    public = _Public(scheme, lang, stamp, plan.admission)
    schema: pa.Schema | None = None
    try:
        paths = scored_path if isinstance(scored_path, list) else [scored_path]
        batches = itertools.chain.from_iterable(_scratch_batches(p, chunk_rows) for p in paths)
        for batch in prefetched(expanded(b, scheme) for b in batches):
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
                table = writer.writer.arrow(public.frame(batch, admitted))
                schema = table.schema
                writer.write(table)
            else:
                writer.write(public.table(batch, admitted, schema))
    finally:
        if writer is not None:
            writer.close()
    return total


def _finish(scheme: Scheme, scored_path: Path, ctx: Context, stats: Stats, chunk_rows: int, out_tmp: Path | None,
            lang: str | None, stamp: str | None, index: bool, progress: Progress | None) -> OutOfCoreResult:
    plan = make_plan(ctx, stats)
    if plan.needs_band:
        plan = finish_plan(plan, _gather_band(scored_path, plan, chunk_rows), stats)
    if progress is not None:
        progress("pass 2: admitting and measuring near the line")
    p2 = pass2_file(scheme, scored_path, out_tmp, plan, chunk_rows, lang, stamp, index)
    return OutOfCoreResult.build(ctx, stats, plan, p2)


class _Background:
    """One function on a second thread (the screen of the columns not read, while pass 1 runs); :meth:`stop` makes
    the blocks it reads end early."""

    def __init__(self, fn: Callable[[Callable[[list[str]], Iterator[Any]]], Any],
                 blocks: Callable[[list[str]], Iterator[Any]]) -> None:
        from concurrent.futures import ThreadPoolExecutor
        from threading import Event

        self._stop = Event()

        def stoppable(names: list[str]) -> Iterator[Any]:
            for block in blocks(names):
                if self._stop.is_set():
                    raise _Stopped
                yield block

        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="scoring-screen")
        self._future = self._pool.submit(fn, stoppable)

    def result(self) -> Any:
        """Wait for the answer."""
        try:
            return self._future.result()
        finally:
            self._pool.shutdown(wait=True)

    def stop(self) -> None:
        """Abandon the work (waits for the thread)."""
        self._stop.set()
        with contextlib.suppress(Exception):
            self._future.result()
        self._pool.shutdown(wait=True)


class _Stopped(Exception):
    pass


def _optimistic(scheme: Scheme, path: str | os.PathLike[str], ctx: Context, tmpdir: Path, chunk_rows: int,
                rejected_out: RejectedWriter, progress: Progress | None, lang: str | None) -> tuple[Context, Stats]:
    """Pass 1 before the file-wide facts are known: the columns not read are screened on a second thread and the
    ids' hashes spilled while the batches are validated and scored. Raises FactsNeeded when the answer depends on
    facts found (repeated ids, identifiers to drop, any error: its message must be the full scan's)."""
    unread = ctx.unread
    screen = None
    if unread:
        screen = _Background(lambda blocks: unread_findings(ctx, blocks),
                             lambda cols: parquet_blocks(os.fspath(path), cols))
    spill = HashSpill(tmpdir) if ctx.id_header is not None else None
    try:
        try:
            stats = _pass1(scheme, path, tmpdir / f"scored{SCRATCH_SUFFIX}", ctx, chunk_rows, rejected_out,
                           progress, lang, keep_helpers=True, spill=spill)
        except (FactsNeeded, PopulationError):
            raise FactsNeeded from None
        findings = screen.result() if screen is not None else []
        screen = None
        refuse_unread(ctx, findings)  # refused here, with the in-memory message, unless dropped
        if findings:  # dropped: each batch reports them (as in memory): pass 1 again
            raise FactsNeeded
        if spill is not None:
            spill.close()
            hashes = spill.repeated()
            if hashes.size and confirm_duplicates((f for _, f in iter_raw(path, chunk_rows, [ctx.id_header])),
                                                  ctx.id_header, hashes):  # the hash is of the ids' edges only
                raise FactsNeeded  # repeated ids: each batch rejects them with the reason naming all their rows
        return dataclasses.replace(ctx, facts_known=True), stats
    finally:
        if screen is not None:
            screen.stop()
        if spill is not None:
            spill.close()


def run_chunked(scheme: Scheme, path: str | os.PathLike[str], out: str | os.PathLike[str] | None = None, *,
                admission: bool = True, quota: int | None = None, threshold: float | None = None,
                ties: str | list[Any] | None = None, chunk_rows: int = DEFAULT_CHUNK_ROWS,
                skip_invalid: bool = False, drop_identifiers: bool = False,
                rejected_path: str | os.PathLike[str] | None = None, workdir: str | os.PathLike[str] | None = None,
                lang: str | None = None, progress: Progress | None = None, stamp: str | None = None,
                index: bool = True, reasons_lang: str = "en") -> OutOfCoreResult:
    """Score (and, with ``admission``, admit) a Parquet population out of core; see the module docstring.

    ``out`` (.parquet or .csv) gets the per-row results; ``stamp`` adds a ``stamp`` column with that text and
    ``index=False`` leaves out the row labels (as the CLI writes tables); ``reasons_lang`` is the language of the
    rejected rows' reasons (as the in-memory CLI writes them).
    """
    if chunk_rows < 1:
        raise PopulationError(f"chunk_rows: {chunk_rows!r} must be a positive number of rows")
    compact_arrow_pool()
    pf = _open(path)
    ctx = make_context(scheme, n_total=pf.metadata.num_rows, source=os.fspath(path), skip_invalid=skip_invalid,
                       drop_identifiers=drop_identifiers, admission=admission, quota=quota, threshold=threshold,
                       ties=ties, id_batches=lambda cols: [], columns=data_columns(pf), prescan=False)
    del pf
    out_path = None if out is None else Path(out)
    tmpdir = Path(tempfile.mkdtemp(prefix="scoring-chunked-", dir=workdir or (out_path.parent if out_path else None)))
    scored_path = tmpdir / f"scored{SCRATCH_SUFFIX}"
    try:  # both outputs are written atomically: a failure leaves the previous files as they were
        with contextlib.ExitStack() as outputs:
            rej_tmp = None if rejected_path is None else outputs.enter_context(atomic_path(rejected_path))
            out_tmp = None if out_path is None else outputs.enter_context(atomic_path(out_path))
            try:  # the common case: one read of the file
                ctx, stats = _optimistic(scheme, path, ctx, tmpdir, chunk_rows, RejectedWriter(rej_tmp, reasons_lang),
                                         progress, lang)
            except FactsNeeded:  # repeated ids, identifiers to drop or an error: the facts first, then pass 1 again
                if progress is not None:
                    progress("scanning the whole file for repeated ids and identifiers, then pass 1 again")
                ctx = find_facts(ctx, lambda cols: (f for _, f in iter_raw(path, chunk_rows, cols)),
                                 lambda cols: parquet_blocks(os.fspath(path), cols))
                stats = _pass1(scheme, path, scored_path, ctx, chunk_rows, RejectedWriter(rej_tmp, reasons_lang),
                               progress, lang, keep_helpers=True)
            return _finish(scheme, scored_path, ctx, stats, chunk_rows, out_tmp, lang, stamp, index, progress)
    finally:
        for f in tmpdir.glob("*"):
            f.unlink()
        os.rmdir(tmpdir)


def score_file_chunked(scheme: Scheme, path: str | os.PathLike[str], out: str | os.PathLike[str] | None, **kw: Any
                       ) -> OutOfCoreResult:
    """Score a Parquet population out of core; per-row results (``to_frame()`` columns) go to ``out``.

    Keyword arguments: ``chunk_rows``, ``skip_invalid``, ``drop_identifiers``, ``rejected_path`` (CSV of rejected
    rows), ``workdir`` (temporary files), ``lang``, ``progress``. ``.summary()`` has rows_in, scored, rejected,
    eligible; ``.dominance`` the three measures (line: the scheme's threshold, else the median eligible score).
    """
    return run_chunked(scheme, path, out, admission=False, **kw)


def admit_file_chunked(scheme: Scheme, path: str | os.PathLike[str], out: str | os.PathLike[str] | None = None, *,
                       quota: int | None = None, threshold: float | None = None,
                       ties: str | list[Any] | None = None, **kw: Any) -> OutOfCoreResult:
    """Score and admit a Parquet population out of core, with the same cut-off and ties as :func:`scoring.admit`.

    ``out`` (optional) receives the per-row results with an ``admitted`` column. ``.summary()`` has the admission
    figures (eligible, admitted, cutoff, tied_at_cutoff, decided_by_tiebreak, ...); ``.dominance`` the measures.
    """
    return run_chunked(scheme, path, out, admission=True, quota=quota, threshold=threshold, ties=ties, **kw)
