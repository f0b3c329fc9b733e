"""Beyond one machine: the same scoring, exact global quota and dominance on a Dask cluster.

* :func:`admit_file_dask` / :func:`score_file_dask`: a Parquet population split into partitions of row groups;
  each worker validates and scores its partitions (the kernel of :mod:`scoring.outofcore.core`), writes the scored rows
  to ``workdir`` and returns compact aggregates; the client sums the histograms, finds the exact cut-off, gathers
  only the tied band, and a second round admits and writes ``out_dir/part.N.parquet``. No worker ever holds all
  the scores. The population file, ``workdir`` and ``out_dir`` must be reachable at the same path by every worker
  (a shared filesystem; on a LocalCluster they are).

A typed population already in a ``dask.dataframe``, replications and sweeps: :mod:`scoring.outofcore.dask_frames`.

A LocalCluster is started by default (on Linux its workers forked from a forkserver that imported the engine once,
see :mod:`scoring.outofcore.dask_cluster`; its scratch uncompressed while it fits in memory);
``scheduler_address`` ("tcp://host:8786") joins an existing cluster.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from dask.distributed import Client, wait

from scoring.engine.core import startup_engine
from scoring.errors import PopulationError, ScoringInputError
from scoring.outofcore.core import (
    GROUP,
    TOTAL,
    Context,
    FactsNeeded,
    find_facts,
    make_context,
    pass1_batch,
    refuse_unread,
    unread_findings,
)
from scoring.outofcore.dask_cluster import (  # noqa: F401 - make_client, QUIET_CLUSTER re-exported
    QUIET_CLUSTER,
    BackgroundClose,
    cluster_client,
    make_client,
    own_forkserver,
)
from scoring.outofcore.engine_choice import available_memory
from scoring.outofcore.files import (
    SCRATCH_SUFFIX,
    FrameWriter,
    _open,
    data_columns,
    decoded,
    iter_raw,
    keep_freed_heap,
    narrow_schema,
    narrowed,
    rejected_file,
    steady_memory,
)
from scoring.outofcore.ids import (
    BUCKETS,
    AscendingSpill,
    HashSpill,
    confirm_duplicates,
    normalised_ids,
    repeated_in,
)
from scoring.outofcore.pass2 import gather_band, pass2_file
from scoring.outofcore.plan import Plan, finish_plan, make_plan
from scoring.outofcore.result import OutOfCoreResult
from scoring.outofcore.stats import Pass2Stats, Stats
from scoring.population.identifiers_arrow import parquet_blocks
from scoring.population.io import compact_arrow_pool
from scoring.safe_output import atomic_path
from scoring.scheme.load import Scheme

DEFAULT_PARTITION_ROWS = 1 << 20


# ------------------------------------------------------------------------------------------------------------
# Partitions of a Parquet file
# ------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Part:
    """Consecutive row groups of one file: rows ``start .. start + rows - 1`` (0-based)."""

    number: int
    path: str
    row_groups: tuple[int, ...]
    start: int
    rows: int


def plan_partitions(path: str | os.PathLike[str], rows_per_partition: int = DEFAULT_PARTITION_ROWS) -> list[Part]:
    """Group the file's row groups into partitions of about ``rows_per_partition`` rows (whole row groups)."""
    meta = _open(path).metadata
    parts: list[Part] = []
    groups: list[int] = []
    start = rows = 0
    for g in range(meta.num_row_groups):
        groups.append(g)
        rows += meta.row_group(g).num_rows
        if rows >= rows_per_partition or g == meta.num_row_groups - 1:
            parts.append(Part(len(parts), os.fspath(path), tuple(groups), start, rows))
            start, rows, groups = start + rows, 0, []
    return parts


def read_part(part: Part, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """The raw rows of one partition (as the in-memory reader sees them: stored index dropped); ``columns``: only
    these (default: every data column)."""
    pf = _open(part.path)
    cols = data_columns(pf) if not columns else list(columns)
    table = decoded(part.path, lambda: pf.read_row_groups(list(part.row_groups), columns=cols))
    return table.to_pandas().reset_index(drop=True)


def _scored_path(workdir: str, part: Part) -> str:
    return os.path.join(workdir, f"scored.{part.number:05d}{SCRATCH_SUFFIX}")


SCRATCH_BYTES_PER_ROW = 100  # an uncompressed scratch row, beijing-2020: 82 bytes (measured); LZ4: 28


def scratch_compression(rows: int, available: int | None = None) -> str | None:
    """The scratch streams' compression: none while the whole run's scratch fits in a quarter of the memory
    available (the page cache keeps it: writing a 1M-row partition took 0.05 CPU-s instead of LZ4's 0.16 and
    reading it 0.10 instead of 0.13), else LZ4 (a third of the disk)."""
    budget = (available_memory() if available is None else available) // 4
    return None if rows * SCRATCH_BYTES_PER_ROW <= budget else "lz4"


def _write_scratch(path: str, frame: pd.DataFrame, compression: str | None) -> None:
    """One partition's scored rows as an Arrow stream (the scratch :mod:`scoring.outofcore.pass2` reads), as the
    chunked engine keeps them: text with 32-bit offsets, without the total and group sums (rebuilt exactly in
    pass 2 from the item cents, :func:`scoring.outofcore.pass2.with_totals`)."""
    table = FrameWriter(path).arrow(frame.drop(columns=[TOTAL, GROUP]))
    with pa.ipc.new_stream(path, narrow_schema(table.schema),
                           options=pa.ipc.IpcWriteOptions(compression=compression)) as out:
        for piece in narrowed(table):
            out.write_table(piece)


@dataclass(frozen=True)
class Refused:
    """A task's expected exception, returned instead of raised: :class:`FactsNeeded` (control flow) or a user's
    mistake (:class:`scoring.errors.ScoringInputError`). A Dask worker logs a raised exception as an error with its
    traceback ("Compute Failed"), and the client's raise from ``gather`` releases the other tasks while they run;
    the client raises it from :func:`_results` once every task has ended, and the command prints one line."""

    error: Exception


def _expected(fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    """``fn(*args, **kw)`` on a worker, its expected exceptions returned as :class:`Refused`."""
    try:
        return fn(*args, **kw)
    except (FactsNeeded, ScoringInputError) as exc:
        return Refused(exc)


def _results(results: list[Any]) -> list[Any]:
    """The tasks' results; the first :class:`Refused` (in task order, as a batch-by-batch run meets them) raised."""
    for r in results:
        if isinstance(r, Refused):
            raise r.error
    return results


@dataclass(frozen=True)
class IdOrder:
    """A partition's person ids after pass 1: ``spilled`` (their hashes are in the bucket files), or not, for they
    ascend strictly within the partition, from ``first`` to ``last`` (None: no id present)."""

    spilled: bool
    first: str | None = None
    last: str | None = None


def ids_in_order(orders: Sequence[IdOrder | None]) -> bool:
    """True when no partition spilled and each one's ids are above the partitions' before: the whole file's ids
    ascend strictly, so none repeats (:class:`scoring.outofcore.ids.AscendingSpill`, across partitions)."""
    last = None
    for order in orders:
        if order is None or order.spilled:
            return False
        if order.first is None:
            continue
        if last is not None and not order.first > last:
            return False
        last = order.last
    return True


Pass1 = tuple[Stats, pd.DataFrame, "IdOrder | None"]  # a partition's aggregates, rejected rows and id order


def _pass1_task(part: Part, ctx: Context, workdir: str, compression: str | None = "lz4") -> Pass1 | Refused:
    """Validate and score one partition, its scored rows to the scratch; expected exceptions returned
    (:func:`_expected`)."""
    return _expected(_pass1_part, part, ctx, workdir, compression)


def _pass1_part(part: Part, ctx: Context, workdir: str, compression: str | None) -> Pass1:
    compact_arrow_pool()  # as the chunked engine: freed Arrow pages go back to the system
    keep_freed_heap()  # and numpy's columns reuse the heap of the partition before
    header = ctx.id_header
    spill = None if ctx.facts_known or header is None else AscendingSpill(  # ids in order: nothing spilled
        workdir, lambda: [read_part(part, [header])[header]], prefix=f"ids.{part.number:05d}")
    try:
        scored, stats, rejected = pass1_batch(read_part(part, ctx.read), part.start, ctx, spill, compact=True)
    except PopulationError:
        if ctx.facts_known:
            raise
        raise FactsNeeded from None  # the message must be the full scan's
    finally:
        if spill is not None:
            spill.close()
    _write_scratch(_scored_path(workdir, part), scored, compression)
    order = None if spill is None else IdOrder(not spill.ascending, spill.first, spill.last)
    return stats, rejected, order


def _spill_ids(part: Part, header: str, workdir: str) -> None:
    """The hashes of a partition's ids to its bucket files (a partition whose pass 1 spilled none)."""
    spill = HashSpill(workdir, f"ids.{part.number:05d}")
    try:
        spill.add_ids(*normalised_ids(read_part(part, [header])[header]))
    finally:
        spill.close()


def _pass1_round(c: Client, parts: list[Part], ctx: Context, path: str | os.PathLike[str], workdir: str,
                 compression: str | None = "lz4") -> tuple[Context, list[Pass1]]:
    """Pass 1 on the workers before the file-wide facts are known (the columns not read screened by one more task
    meanwhile; the ids proved distinct by their order, else their hashes spilled and checked bucket by bucket on the
    workers); when a fact matters (see :class:`scoring.outofcore.core.FactsNeeded`), the facts are found by a full
    scan and pass 1 runs again."""
    screen = c.submit(_expected, unread_findings, ctx, lambda cols: parquet_blocks(os.fspath(path), cols),
                      pure=False) if ctx.unread else None
    futures = c.map(_pass1_task, parts, ctx=ctx, workdir=workdir, compression=compression, pure=False)
    try:
        wait([*futures, *([screen] if screen is not None else [])])  # every task ends before any file of the
        # round is removed, and before a refusal closes the cluster
        first = _results(c.gather(futures))
        findings = _results([screen.result()])[0] if screen is not None else []
        refuse_unread(ctx, findings)
        if findings:
            raise FactsNeeded
        if ctx.id_header is not None and not ids_in_order([order for _, _, order in first]):
            c.gather(c.map(_spill_ids, [p for p, (_, _, order) in zip(parts, first, strict=True)
                                        if order is not None and not order.spilled],
                           header=ctx.id_header, workdir=workdir, pure=False))
            buckets = [[Path(workdir) / f"ids.{p.number:05d}.{k:02d}.u64" for p in parts] for k in range(BUCKETS)]
            hashes = np.concatenate([np.empty(0, np.uint64), *c.gather(c.map(repeated_in, buckets, pure=False))])
            if hashes.size and confirm_duplicates((f for _, f in iter_raw(path, 1 << 20, [ctx.id_header])),
                                                  ctx.id_header, hashes):  # the hash is of the ids' edges only
                raise FactsNeeded
        return dataclasses.replace(ctx, facts_known=True), first
    except FactsNeeded:
        if screen is not None:  # it reads the file: let it end before the scan
            wait([screen])
        for f in Path(workdir).glob("*"):
            f.unlink()
        ctx = find_facts(ctx, lambda cols: (f for _, f in iter_raw(path, 1 << 20, cols)),
                         lambda cols: parquet_blocks(os.fspath(path), cols))
        return ctx, _results(c.gather(c.map(_pass1_task, parts, ctx=ctx, workdir=workdir, compression=compression,
                                            pure=False)))


def _band_task(part: Part, workdir: str, plan: Plan, scheme: Scheme) -> pd.DataFrame:
    """The partition's rows of the tied band and near the line (a frame without columns when it has none)."""
    return gather_band(Path(_scored_path(workdir, part)), plan, 1 << 30, scheme)


def _pass2_task(part: Part, workdir: str, plan: Plan, scheme: Scheme, out_dir: str | None, lang: str | None
                ) -> Pass2Stats:
    out = Path(out_dir) / f"part.{part.number:05d}.parquet" if out_dir else None
    total = pass2_file(scheme, Path(_scored_path(workdir, part)), out, plan, 1 << 30, lang)
    os.remove(_scored_path(workdir, part))
    return total


def run_dask(scheme: Scheme, path: str | os.PathLike[str], out_dir: str | os.PathLike[str] | None = None, *,
             admission: bool = True, quota: int | None = None, threshold: float | None = None,
             ties: str | list[Any] | None = None, client: Client | None = None, scheduler_address: str | None = None,
             rows_per_partition: int = DEFAULT_PARTITION_ROWS, skip_invalid: bool = False,
             drop_identifiers: bool = False, rejected_path: str | os.PathLike[str] | None = None,
             workdir: str | os.PathLike[str] | None = None, lang: str | None = None,
             out_file: str | os.PathLike[str] | None = None, stamp: str | None = None, index: bool = True,
             reasons_lang: str = "en", **cluster_kw: Any) -> OutOfCoreResult:
    """Score (and admit) a Parquet population on a Dask cluster; the answers equal the in-memory ones.

    ``out_dir`` gets one ``part.N.parquet`` per partition, written by the workers; ``out_file`` (.parquet or .csv)
    one file, written atomically by the client in pass 2 from the workers' scored partitions (one encoding of the
    output, as the chunked engine writes it; ``stamp`` and ``index`` as there). ``rejected_path`` gets the rejected
    rows after the output, or is removed when there are none (:func:`scoring.outofcore.files.rejected_file`)."""
    pf = _open(path)
    ctx = make_context(scheme, n_total=pf.metadata.num_rows, source=os.fspath(path), skip_invalid=skip_invalid,
                       drop_identifiers=drop_identifiers, admission=admission, quota=quota, threshold=threshold,
                       ties=ties, id_batches=lambda cols: [], columns=data_columns(pf), prescan=False)
    local = client is None and scheduler_address is None  # a LocalCluster of this run: the scratch on local disk
    if local:  # its workers are new processes: below STARTUP_NUMBA_ROWS, numpy scores for less than loading numba
        ctx = dataclasses.replace(ctx, engine=startup_engine(ctx.n_total))
    parts = plan_partitions(path, rows_per_partition)
    out = None if out_dir is None else os.fspath(out_dir)
    if out is not None:
        os.makedirs(out, exist_ok=True)
        for old in Path(out).glob("part.*.parquet"):
            old.unlink()
    tmp = tempfile.mkdtemp(prefix="scoring-dask-", dir=workdir)
    try:
        with contextlib.ExitStack() as outputs:
            # atomic, as the chunked engine writes them: the output committed first, then the rejected rows beside
            # it (none: no file, an older one removed)
            outputs.enter_context(steady_memory())  # as the chunked engine: pass 2's batches reuse freed pages
            rejected = outputs.enter_context(rejected_file(rejected_path, reasons_lang, stamp))
            out_tmp = None if out_file is None else outputs.enter_context(atomic_path(out_file))
            with contextlib.ExitStack() as cluster:
                cluster.enter_context(own_forkserver(local and cluster_kw.get("processes", True)))
                c = cluster.enter_context(cluster_client(client, scheduler_address, **cluster_kw))
                ctx, first = _pass1_round(c, parts, ctx, path, tmp,
                                          scratch_compression(ctx.n_total) if local else "lz4")
                stats = Stats.empty(scheme)
                for part_stats, _, _ in first:  # in row order: categories and warnings keep file order
                    stats = stats.merge(part_stats)
                rej = [r for _, r, _ in first if len(r)]
                if rej:  # BOM, Excel-safe, the reasons in reasons_lang (as the chunked engine writes them)
                    rejected.writer().write(pd.concat(rej, ignore_index=True))
                plan = make_plan(ctx, stats)
                if plan.needs_band:
                    bands = c.gather(c.map(_band_task, parts, workdir=tmp, plan=plan, scheme=scheme, pure=False))
                    plan = finish_plan(plan, pd.concat([b for b in bands if len(b.columns)] or bands), stats)
                if out_tmp is not None:  # the partitions' scored rows straight into one file, by this process: the
                    # workers are done, and their cluster closes meanwhile (its memory freed before pass 2's peak)
                    closing = BackgroundClose(cluster)
                    try:
                        second = [pass2_file(scheme, [Path(_scored_path(tmp, p)) for p in parts], out_tmp, plan,
                                             rows_per_partition, lang, stamp, index)]
                    except BaseException:
                        closing.wait(quiet=True)
                        raise
                    closing.wait()
                else:
                    second = c.gather(c.map(_pass2_task, parts, workdir=tmp, plan=plan, scheme=scheme, out_dir=out,
                                            lang=lang, pure=False))
    finally:
        for f in Path(tmp).glob("*"):
            f.unlink()
        os.rmdir(tmp)
    p2 = Pass2Stats.empty(scheme)
    for s in second:
        p2 = p2.merge(s)
    return OutOfCoreResult.build(ctx, stats, plan, p2)


def score_file_dask(scheme: Scheme, path: str | os.PathLike[str], out_dir: str | os.PathLike[str] | None = None,
                    **kw: Any) -> OutOfCoreResult:
    """Score a Parquet population on a Dask cluster (per-row results to ``out_dir/part.N.parquet``)."""
    return run_dask(scheme, path, out_dir, admission=False, **kw)


def admit_file_dask(scheme: Scheme, path: str | os.PathLike[str], out_dir: str | os.PathLike[str] | None = None,
                    **kw: Any) -> OutOfCoreResult:
    """Score and admit a Parquet population on a Dask cluster, with the in-memory cut-off and ties."""
    return run_dask(scheme, path, out_dir, admission=True, **kw)
