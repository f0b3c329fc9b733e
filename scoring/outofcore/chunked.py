"""Out-of-core scoring: a Parquet population scored batch by batch, with bounded memory and in-memory answers.

Pass 1 reads the file in batches (whole row groups, :mod:`scoring.outofcore.files`), validates each batch like
:func:`scoring.read_population` (row numbers, generated person ids and duplicate-id checks are global), scores it
with :func:`scoring.score` and writes the per-row results to a scratch Arrow stream as it goes. Only compact
aggregates stay in memory (:class:`scoring.outofcore.stats.Stats`): an exact histogram of the eligible people's total
cents, counts and per-item sums. The cut-off, the median line and the tied band come from the histogram; pass 2
(:mod:`scoring.outofcore.pass2`) re-reads the scored rows to admit, to write the ``admitted`` column and to sum the
decisive-share moments near the line. The kernel in :mod:`scoring.outofcore.core` (with ``stats``, ``plan``,
``result``, ``files`` and ``pass2``) also runs on Dask partitions (:mod:`scoring.outofcore.distributed`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from scoring.errors import PopulationError, UnreadableFileError
from scoring.outofcore.core import (
    GROUP,
    TOTAL,
    Context,
    FactsNeeded,
    find_facts,
    make_context,
    pass1_batch,
    public_frame,
    refuse_missing,
    refuse_unread,
    unread_findings,
    validate_batch,
)
from scoring.outofcore.files import (  # noqa: F401 - re-exported (their home before the split)
    SCRATCH_SUFFIX,
    FrameWriter,
    RejectedWriter,
    WriteBehind,
    _open,
    data_columns,
    iter_raw,
    iter_written,
    prefetched,
    rejected_file,
    steady_memory,
)
from scoring.outofcore.ids import AscendingSpill, HashSpill, confirm_duplicates
from scoring.outofcore.pass2 import gather_band, pass2_file
from scoring.outofcore.plan import finish_plan, make_plan
from scoring.outofcore.result import OutOfCoreResult
from scoring.outofcore.stats import Stats
from scoring.population.identifiers_arrow import parquet_blocks, refuse_identifier_index
from scoring.population.io import compact_arrow_pool
from scoring.population.schema import load_schema
from scoring.safe_output import atomic_path
from scoring.scheme.load import Scheme

DEFAULT_CHUNK_ROWS = 1 << 20
Progress = Callable[[str], None]


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
            scored, batch_stats, rejected = pass1_batch(raw, start, ctx, spill, compact=keep_helpers)
            rejected_out.write(rejected)
            # the scratch keeps the item cents; the total and group sums are made again in pass 2 (fewer bytes)
            writer.write(scored.drop(columns=[TOTAL, GROUP]) if keep_helpers else public_frame(scored, scheme, lang))
            wrote = True
            stats = stats.merge(batch_stats)
            if progress is not None:
                progress(f"scored rows {start + 1}-{start + len(raw)} of {ctx.n_total:,}")  # row numbers, a count
        if stats.scored == 0 and not wrote:
            raise PopulationError(f"{path}: no rows could be scored")
    finally:
        writer.close()
    return stats


def _finish(scheme: Scheme, scored_path: Path, ctx: Context, stats: Stats, chunk_rows: int, out_tmp: Path | None,
            lang: str | None, stamp: str | None, index: bool, progress: Progress | None) -> OutOfCoreResult:
    plan = make_plan(ctx, stats)
    if plan.needs_band:
        plan = finish_plan(plan, gather_band(scored_path, plan, chunk_rows, scheme), stats)
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

    def done(self) -> bool:
        """Whether the answer is ready (no wait)."""
        return self._future.done()

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


class _Screened:
    """The screen of the columns not read (on a second thread) and pass 1's progress: no batch is reported before
    the screen has ended clean. After each batch (as pass 1's progress callback) the screen's answer is taken if it
    is ready: identifiers in those columns stop pass 1 there, refused with the in-memory message (or, dropped,
    FactsNeeded: each batch reports them); until then the batches' lines are held, and shown once the screen has
    passed (a line per batch)."""

    def __init__(self, ctx: Context, screen: _Background | None, progress: Progress | None) -> None:
        self.ctx, self.screen, self.progress = ctx, screen, progress
        self.answer: list[Any] | None = None if screen is not None else []
        self.held: list[str] = []

    def findings(self, wait: bool = True) -> list[Any] | None:
        """The screen's findings (None while it runs and ``wait`` is False); refused here unless dropped."""
        if self.answer is None and self.screen is not None and (wait or self.screen.done()):
            screen, self.screen = self.screen, None
            self.answer = screen.result()
        if self.answer:
            refuse_unread(self.ctx, self.answer)  # refused here, with the in-memory message, unless dropped
        return self.answer

    def __call__(self, message: str) -> None:
        found = self.findings(wait=False)
        if found is None:
            self.held.append(message)
            return
        if found:  # dropped: each batch reports them (as in memory): pass 1 again
            raise FactsNeeded(found)
        self._show([message])

    def passed(self) -> list[Any]:
        """Wait for the screen; raise as :meth:`__call__` does; show the line held."""
        found = self.findings()
        if found:
            raise FactsNeeded(found)
        self._show([])
        return found

    def _show(self, lines: list[str]) -> None:
        held, self.held = self.held, []
        if self.progress is not None:
            for line in [*held, *lines]:
                self.progress(line)

    def stop(self) -> None:
        """Abandon the screen if it still runs."""
        if self.screen is not None:
            self.screen.stop()
            self.screen = None


def _optimistic(scheme: Scheme, path: str | os.PathLike[str], ctx: Context, tmpdir: Path, chunk_rows: int,
                rejected_out: RejectedWriter, progress: Progress | None, lang: str | None) -> tuple[Context, Stats]:
    """Pass 1 before the file-wide facts are known: the columns not read are screened on a second thread and the
    ids' hashes spilled while the batches are validated and scored (no batch reported before the screen has passed,
    see :class:`_Screened`). Raises the screen's refusal as soon as it is known, and FactsNeeded (with the screen's
    findings) when the answer depends on facts found (repeated ids, identifiers to drop, any error: its message
    must be the full scan's)."""
    gate = _Screened(ctx, _Background(lambda blocks: unread_findings(ctx, blocks),
                                      lambda cols: parquet_blocks(os.fspath(path), cols)) if ctx.unread else None,
                     progress)
    id_header = ctx.id_header
    spill = None if id_header is None else AscendingSpill(  # ids in order (as extracts often are): nothing spilled
        tmpdir, lambda: (f[id_header] for _, f in iter_raw(path, chunk_rows, [id_header])))
    try:
        try:
            stats = _pass1(scheme, path, tmpdir / f"scored{SCRATCH_SUFFIX}", ctx, chunk_rows, rejected_out,
                           gate, lang, keep_helpers=True, spill=spill)
        except UnreadableFileError:  # a broken file: nothing a second scan could change
            raise
        except (FactsNeeded, PopulationError):  # identifiers in the columns not read are refused first
            raise FactsNeeded(gate.findings()) from None
        findings = gate.passed()
        if spill is not None:
            spill.close()
            hashes = spill.repeated()
            if hashes.size and confirm_duplicates((f for _, f in iter_raw(path, chunk_rows, [ctx.id_header])),
                                                  ctx.id_header, hashes):  # the hash is of the ids' edges only
                raise FactsNeeded(findings)  # repeated ids: each batch rejects them with the reason naming all rows
        return dataclasses.replace(ctx, facts_known=True), stats
    finally:
        gate.stop()
        if spill is not None:
            spill.close()


def _header_check(path: str | os.PathLike[str], ctx: Context, chunk_rows: int,
                  findings: list[Any] | None) -> None:
    """Refuse now what the first batch refuses whatever the file-wide facts (its headers, the identifiers of the
    columns it reads): validated as pass 1 would, its invalid rows left aside, before the full scan is begun."""
    if findings is None:
        return
    known = dataclasses.replace(ctx, facts_known=True, skip_invalid=True,
                                unread_findings=refuse_unread(ctx, findings or []))
    for start, raw in iter_raw(path, chunk_rows, list(ctx.read) or None):
        frame, _, _, dropped = validate_batch(raw, start, known)
        refuse_missing(frame, known, dropped)
        return


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
    rejected rows' reasons (as the in-memory CLI writes them). ``rejected_path`` gets the rejected rows after
    ``out`` is written, or is removed when there are none (see :func:`scoring.outofcore.files.rejected_file`).
    """
    if chunk_rows < 1:
        raise PopulationError(f"chunk_rows: {chunk_rows!r} must be a positive number of rows")
    compact_arrow_pool()
    pf = _open(path)
    refuse_identifier_index(os.fspath(path), pf.schema_arrow, load_schema())  # the in-memory reader's refusal
    ctx = make_context(scheme, n_total=pf.metadata.num_rows, source=os.fspath(path), skip_invalid=skip_invalid,
                       drop_identifiers=drop_identifiers, admission=admission, quota=quota, threshold=threshold,
                       ties=ties, id_batches=lambda cols: [], columns=data_columns(pf), prescan=False)
    del pf
    out_path = None if out is None else Path(out)
    tmpdir = Path(tempfile.mkdtemp(prefix="scoring-chunked-", dir=workdir or (out_path.parent if out_path else None)))
    scored_path = tmpdir / f"scored{SCRATCH_SUFFIX}"
    try:  # both outputs are written atomically: a failure leaves the previous files as they were
        with contextlib.ExitStack() as outputs:
            outputs.enter_context(steady_memory())
            # the output is committed first, then the rejected rows beside it (none: an older file removed)
            rejected = outputs.enter_context(rejected_file(rejected_path, reasons_lang, stamp))
            out_tmp = None if out_path is None else outputs.enter_context(atomic_path(out_path))
            try:  # the common case: one read of the file
                ctx, stats = _optimistic(scheme, path, ctx, tmpdir, chunk_rows, rejected.writer(), progress, lang)
            except FactsNeeded as need:  # repeated ids, identifiers to drop or an error: the facts, then pass 1 again
                _header_check(path, ctx, chunk_rows, need.findings)
                if progress is not None:
                    progress("reading the whole file once more (repeated ids, identifiers), then scoring it again")
                ctx = find_facts(ctx, lambda cols: (f for _, f in iter_raw(path, chunk_rows, cols)),
                                 lambda cols: parquet_blocks(os.fspath(path), cols), need.findings)
                stats = _pass1(scheme, path, scored_path, ctx, chunk_rows, rejected.writer(), progress, lang,
                               keep_helpers=True)
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
