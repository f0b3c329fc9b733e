"""Admission against a full-sort reference: quotas, thresholds, tie policies, lotteries and edge cases."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference import ref_admit

from scoring import admit, score
from scoring.errors import ScoringInputError
from scoring.scheme.load import TieKey, scheme_from_dict

SETTINGS = settings(max_examples=int(os.environ.get("DEEP_EXAMPLES", 80)), deadline=None)


def scored(total_cents: np.ndarray, eligible: np.ndarray | None = None, extra: dict[str, Any] | None = None,
           index: pd.Index | None = None, admission: dict[str, Any] | None = None) -> Any:
    """A ScoreResult whose totals are exactly ``total_cents`` (one per-unit item, 1 point per unit)."""
    n = len(total_cents)
    pop = pd.DataFrame({"t": np.asarray(total_cents, dtype=np.float64) / 100.0,
                        "ok": np.ones(n, bool) if eligible is None else eligible, **(extra or {})}, index=index)
    data: dict[str, Any] = {"id": "adm", "version": "1", "title": "adm", "status": "draft",
                            "eligibility": [{"id": "ok", "column": "ok", "equals": True}],
                            "items": [{"id": "t", "kind": "per_unit", "column": "t", "points_per_unit": 1}]}
    if admission is not None:
        data["admission"] = admission
    res = score(pop, scheme_from_dict(data))
    np.testing.assert_array_equal(res.total_cents, total_cents)
    return res


def check(res: Any, quota: int | None, threshold: float | None, ties: Any, tie_cols: list[str] = ()) -> Any:
    adm = admit(res, quota=quota, threshold=threshold, ties=ties)
    chain = ties if ties == "admit_all" else [TieKey.model_validate(k) for k in ties]
    ref = ref_admit(res.total_cents.tolist(), res.eligible_mask.tolist(), list(res.index), quota,
                    None if threshold is None else round(threshold * 100), chain,
                    {c: res.population[c].astype(float).tolist() for c in tie_cols})
    assert set(np.flatnonzero(adm.admitted_mask).tolist()) == ref.admitted
    assert adm.cutoff_cents == ref.cutoff
    assert adm.tied_at_cutoff == ref.tied_at_cutoff
    assert adm.decided_by_tiebreak == ref.decided_by_tiebreak
    return adm


totals = st.lists(st.integers(0, 12).map(lambda k: k * 50), min_size=0, max_size=80)  # few values: many ties


@SETTINGS
@given(t=totals, quota=st.integers(0, 90), data=st.data())
def test_quota_admit_all_matches_reference(t: list[int], quota: int, data: Any) -> None:
    elig = np.array(data.draw(st.lists(st.booleans(), min_size=len(t), max_size=len(t))), dtype=bool)
    res = scored(np.array(t, dtype=np.int64), elig)
    adm = check(res, quota, None, "admit_all")
    assert adm.admitted_count <= quota + adm.tied_at_cutoff
    assert adm.admitted_count >= min(quota, int(elig.sum()))
    assert not (adm.admitted_mask & ~res.eligible_mask).any()


@SETTINGS
@given(t=totals, quota=st.integers(0, 90), seed=st.integers(0, 2**63), g=st.integers(0, 3),
       threshold=st.none() | st.integers(0, 12).map(lambda k: k * 0.5))
def test_quota_with_chain_and_lottery_matches_reference(t: list[int], quota: int, seed: int, g: int,
                                                       threshold: float | None) -> None:
    rng = np.random.default_rng(seed % 2**32)
    n = len(t)
    res = scored(np.array(t, dtype=np.int64), extra={"g": rng.integers(0, g + 1, n).astype(float),
                                                      "h": rng.integers(0, 2, n)})
    ties = [{"column": "g", "order": "desc"}, {"column": "h", "order": "asc"}, {"lottery": seed}]
    adm = check(res, quota, threshold, ties, ["g", "h"])
    pool = res.total_cents >= (0 if threshold is None else round(threshold * 100))
    assert adm.admitted_count == min(quota, int(pool.sum()))  # a lottery makes the quota exact


@SETTINGS
@given(t=totals, quota=st.integers(1, 90), seed=st.integers(0, 2**32 - 1))
def test_chain_without_lottery_admits_everyone_still_tied(t: list[int], quota: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    res = scored(np.array(t, dtype=np.int64), extra={"g": rng.integers(0, 3, len(t)).astype(float)})
    check(res, quota, None, [{"column": "g", "order": "asc"}], ["g"])


@SETTINGS
@given(t=totals, threshold=st.integers(0, 12).map(lambda k: k * 0.5), quota=st.none() | st.integers(0, 90))
def test_threshold_then_quota_matches_reference(t: list[int], threshold: float, quota: int | None) -> None:
    res = scored(np.array(t, dtype=np.int64))
    adm = check(res, quota, threshold, "admit_all")
    assert (res.total_cents[adm.admitted_mask] >= round(threshold * 100)).all()


@SETTINGS
@given(n=st.integers(2, 200), quota=st.integers(1, 60), seed=st.integers(0, 2**32 - 1),
       lottery=st.integers(0, 2**64 - 1))
def test_lottery_is_deterministic_and_independent_of_row_order(n: int, quota: int, seed: int, lottery: int) -> None:
    rng = np.random.default_rng(seed)
    t = rng.integers(0, 4, n) * 100
    index = pd.Index(rng.permutation(10 * n)[:n] - 3 * n)  # integer labels, some negative
    res = scored(t, index=index)
    first = admit(res, quota=quota, ties=[{"lottery": lottery}])
    again = admit(res, quota=quota, ties=[{"lottery": lottery}])
    np.testing.assert_array_equal(first.admitted_mask, again.admitted_mask)
    order = rng.permutation(n)
    shuffled = scored(t[order], index=index[order])
    other = admit(shuffled, quota=quota, ties=[{"lottery": lottery}])
    assert set(res.index[first.admitted_mask]) == set(shuffled.index[other.admitted_mask])
    assert first.admitted_count == min(quota, n)


def test_lottery_with_text_labels_is_independent_of_row_order() -> None:
    n = 300
    t = np.repeat([100, 200], n // 2)
    labels = pd.Index([f"P{i:05d}" for i in range(n)])
    res = scored(t, index=labels)
    a = admit(res, quota=200, ties=[{"lottery": 7}])
    order = np.random.default_rng(3).permutation(n)
    b = admit(scored(t[order], index=labels[order]), quota=200, ties=[{"lottery": 7}])
    assert set(labels[a.admitted_mask]) == set(labels[order][b.admitted_mask])
    assert a.decided_by_tiebreak == 50 and a.tied_at_cutoff == 150
    c = admit(res, quota=200, ties=[{"lottery": 8}])
    assert set(labels[a.admitted_mask]) != set(labels[c.admitted_mask])  # another seed draws other people


def test_edge_cases() -> None:
    res = scored(np.array([500, 400, 400, 300], dtype=np.int64))
    big = admit(res, quota=10)  # quota > eligible: all admitted
    assert big.admitted_count == 4 and big.cutoff == 3.0 and big.tied_at_cutoff == 1
    zero = admit(res, quota=0)
    assert zero.admitted_count == 0 and zero.cutoff is None and zero.tied_at_cutoff == 0
    empty = admit(scored(np.array([], dtype=np.int64)), quota=5)
    assert empty.admitted_count == 0 and empty.cutoff is None
    tied = admit(scored(np.full(10, 700, dtype=np.int64)), quota=3)  # everyone tied, admit_all
    assert tied.admitted_count == 10 and tied.tied_at_cutoff == 10 and tied.cutoff == 7.0
    lot = admit(scored(np.full(10, 700, dtype=np.int64)), quota=3, ties=[{"lottery": 1}])
    assert lot.admitted_count == 3 and lot.decided_by_tiebreak == 3
    nobody = admit(scored(np.array([100, 200], dtype=np.int64), eligible=np.array([False, False])), quota=1)
    assert nobody.admitted_count == 0 and nobody.eligible == 0 and nobody.cutoff is None


def test_candidates_and_summary() -> None:
    res = scored(np.array([900, 800, 700, 600], dtype=np.int64))
    adm = admit(res, quota=2, candidates=np.array([False, True, True, True]))
    assert adm.admitted.tolist() == [False, True, True, False]
    summary = adm.summary()
    for key in ("eligible", "admitted", "cutoff", "tied_at_cutoff", "decided_by_tiebreak"):
        assert key in summary
    assert summary["admitted"] == 2 and summary["cutoff"] == 7.0


def test_rule_defaults_from_scheme() -> None:
    res = scored(np.array([900, 800, 800, 600], dtype=np.int64), admission={"mode": "quota", "quota": 2})
    assert admit(res).admitted_count == 3  # scheme: quota 2, admit_all
    assert admit(res, ties=[{"lottery": 1}]).admitted_count == 2


@pytest.mark.parametrize("kwargs", [{"quota": -1}, {"quota": 2.5}, {"threshold": float("nan")},
                                    {"quota": 2, "ties": [{"lottery": 1}, {"column": "t"}]},
                                    {"quota": 2, "ties": "first_come"}])
def test_bad_rules_raise_input_errors(kwargs: dict[str, Any]) -> None:
    res = scored(np.array([900, 800], dtype=np.int64))
    with pytest.raises(ScoringInputError):
        admit(res, **kwargs)


def test_no_rule_anywhere_is_an_input_error() -> None:
    with pytest.raises(ScoringInputError, match="quota or a threshold"):
        admit(scored(np.array([1], dtype=np.int64)))


def test_tie_column_missing_from_population() -> None:
    res = scored(np.array([900, 800, 800], dtype=np.int64))
    with pytest.raises(ScoringInputError, match="nope"):
        admit(res, quota=2, ties=[{"column": "nope"}])
