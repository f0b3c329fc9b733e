"""The floor under a small quota's best candidates (``scoring.admission._best_candidates``) against the admission
of every candidate (the floor switched off): the same people admitted, the same cut-off, ties and counts, on score
distributions built to mislead an evenly spaced sample (periodic, sorted, heavily tied, few candidates)."""

from __future__ import annotations

import numpy as np
import pytest

from scoring import admission
from scoring.admission import admit
from scoring.engine.core import score
from scoring.scheme.load import load_scheme

N = 300_000
SAMPLE = 8_192  # the sample's size in these tests: the floor is tried from 32,768 candidates


@pytest.fixture(scope="module")
def scored():
    from popgen import make_population

    scheme = load_scheme("scenarios/schemes/beijing-2020.yaml")
    return score(make_population(N, seed=3), scheme)


def _totals(kind: str, rng: np.random.Generator) -> np.ndarray:
    i = np.arange(N)
    if kind == "periodic":  # high scores exactly where the sample does not look
        step = N // admission.SAMPLE_SCORES
        return np.where(i % step == 0, 1_000, 50_000).astype(np.int64)
    if kind == "periodic_high_sampled":  # the sample sees only the best: its floor is too high
        step = N // admission.SAMPLE_SCORES
        return np.where(i % step == 0, 90_000, rng.integers(0, 10_000, N)).astype(np.int64)
    if kind == "sorted":
        return np.sort(rng.integers(0, 20_000, N)).astype(np.int64)
    if kind == "ties":
        return rng.integers(0, 4, N).astype(np.int64) * 100
    return rng.normal(10_000, 2_000, N).round().astype(np.int64)


def _same(a: admission.AdmissionResult, b: admission.AdmissionResult) -> None:
    assert np.array_equal(a.admitted_mask, b.admitted_mask)
    fields = ("cutoff_cents", "tied_at_cutoff", "candidates", "eligible", "decided_by_tiebreak")
    assert [getattr(a, f) for f in fields] == [getattr(b, f) for f in fields]


@pytest.mark.parametrize("kind", ["periodic", "periodic_high_sampled", "sorted", "ties", "normal"])
@pytest.mark.parametrize("quota", [1, 500, 3_000, 10_000, 70_000])
@pytest.mark.parametrize("ties", ["admit_all", [{"column": "age", "order": "desc"}, {"lottery": 7}]])
def test_floor_admits_as_the_whole_pool(scored, monkeypatch, kind: str, quota: int, ties) -> None:
    monkeypatch.setattr(admission, "SAMPLE_SCORES", SAMPLE)
    rng = np.random.default_rng(abs(hash((kind, quota))) % 2**32)
    res = scored
    res.total_cents[:] = _totals(kind, rng)
    candidates = rng.random(N) < 0.9 if quota == 500 else None
    fast = admit(res, quota=quota, ties=ties, candidates=candidates)
    monkeypatch.setattr(admission, "_best_candidates", lambda total, pool, n, places: np.flatnonzero(pool))
    slow = admit(res, quota=quota, ties=ties, candidates=candidates)
    _same(fast, slow)
    assert fast.admitted_mask.sum() >= min(quota, fast.candidates)


def test_floor_is_taken_and_keeps_the_best(scored, monkeypatch) -> None:
    """On ordinary scores the floor narrows the pool, and everyone it leaves out scores below the cut-off."""
    monkeypatch.setattr(admission, "SAMPLE_SCORES", SAMPLE)
    res = scored
    res.total_cents[:] = np.random.default_rng(1).normal(10_000, 2_000, N).round().astype(np.int64)
    pool = res.eligible_mask.copy()
    idx = admission._best_candidates(res.total_cents, pool, int(pool.sum()), 1_000)
    assert 1_000 <= len(idx) < int(pool.sum()) // 10
    cut = admit(res, quota=1_000).cutoff_cents
    left_out = np.setdiff1d(np.flatnonzero(pool), idx)
    assert (res.total_cents[left_out] < cut).all()


def test_floor_taken_in_the_comparisons(scored, monkeypatch) -> None:
    """The comparisons above go through the floor (not only the whole-pool path) for ordinary and tied scores."""
    monkeypatch.setattr(admission, "SAMPLE_SCORES", SAMPLE)
    rng = np.random.default_rng(5)
    for kind in ("sorted", "ties", "normal"):  # (periodic: the sample sees only the low scores, so no narrowing)
        scored.total_cents[:] = _totals(kind, rng)
        pool = scored.eligible_mask.copy()
        idx = admission._best_candidates(scored.total_cents, pool, int(pool.sum()), 500)
        assert len(idx) < int(pool.sum()), kind
