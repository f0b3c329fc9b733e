"""The engine's reused output memory (``scoring.buffers``): memory is reused only once nothing refers to it."""

from __future__ import annotations

import gc

import numpy as np
import pandas as pd
import pytest

from scoring import buffers

N = (buffers.MIN_BYTES // 8) + 1000  # int64 elements: just above the size that is kept


def _address(a: np.ndarray) -> int:
    return a.__array_interface__["data"][0]


VIEWS = {
    "slice": lambda a: a[10:],
    "row of a reshape": lambda a: a.reshape(2, -1)[1],
    "pandas Series": lambda a: pd.Series(a).to_numpy(),
    "bytes view": lambda a: a.view(np.uint8)[8:],
    "asarray": lambda a: np.asarray(a),
}


def _fresh(monkeypatch) -> None:
    monkeypatch.setattr(buffers, "_kept", type(buffers._kept)())
    monkeypatch.setattr(buffers, "_kept_bytes", 0)


@pytest.mark.parametrize("kind", list(VIEWS))
def test_a_live_view_is_never_overwritten(kind: str, monkeypatch) -> None:
    """A view of every kind keeps its memory out of reuse: arrays made after the original is dropped get other
    memory, and the view still reads what was written."""
    _fresh(monkeypatch)
    n = N - N % 2
    a = buffers.empty(n, np.int64)
    a[:] = np.arange(n)
    view = VIEWS[kind](a)
    want = VIEWS[kind](np.arange(n, dtype=np.int64)).copy()
    del a
    gc.collect()
    others = [buffers.empty(n, np.int64) for _ in range(2)]
    for b in others:
        b[:] = -1
    assert np.array_equal(view, want)


def test_a_dropped_array_is_reused(monkeypatch) -> None:
    """Once nothing refers to an array, the next one of the same size gets its memory (pages already mapped)."""
    _fresh(monkeypatch)
    a = buffers.empty(N, np.int64)
    where = _address(a)
    del a
    gc.collect()
    assert buffers.kept_bytes() == N * 8
    assert _address(buffers.empty(N, np.int64)) == where


def test_small_arrays_are_plain_and_the_kept_memory_is_capped(monkeypatch) -> None:
    """Below MIN_BYTES: numpy's own arrays; the memory kept never exceeds MAX_KEPT_BYTES."""
    small = buffers.empty(10, np.int32)
    assert small.flags.owndata
    _fresh(monkeypatch)
    monkeypatch.setattr(buffers, "MAX_KEPT_BYTES", 3 * N * 8)
    arrays = [buffers.empty(N, np.int64) for _ in range(6)]
    del arrays
    gc.collect()
    assert 0 < buffers.kept_bytes() <= 3 * N * 8


def test_scores_are_unchanged_when_memory_is_reused() -> None:
    """Scoring twice, the first result kept alive, then dropped and scored again: the same cents every time (the
    second run gets fresh memory, the third the first's)."""
    from popgen import make_population

    from scoring.engine.core import score
    from scoring.scheme.load import load_scheme

    scheme = load_scheme("scenarios/schemes/beijing-2020.yaml")
    pop = make_population(1_100_000, seed=11)
    first = score(pop, scheme)
    want = first.total.copy()
    second = score(pop, scheme)
    assert np.array_equal(second.total, want) and np.array_equal(first.total, want)
    del first
    gc.collect()
    third = score(pop, scheme)
    assert np.array_equal(third.total, want) and np.array_equal(second.total, want)


def test_a_forked_child_writes_its_own_copy(monkeypatch) -> None:
    """The memory is private like numpy's own: a child process forked while an array is alive (Dask's workers, a
    multiprocessing pool) changes only its copy."""
    import multiprocessing

    _fresh(monkeypatch)
    a = buffers.empty(N, np.int64)
    a[:] = 1

    def child() -> None:
        a[:] = 2

    process = multiprocessing.get_context("fork").Process(target=child)
    process.start()
    process.join(60)
    assert process.exitcode == 0
    assert int(a.min()) == int(a.max()) == 1
