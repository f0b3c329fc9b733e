"""Sensitivity: tornado against the engine, symmetry where the outcome is linear, Sobol indices of inert items."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from popgen import make_population

import scoring
from scoring.errors import ScoringInputError
from scoring.scheme.load import scheme_from_dict
from scoring.tuning.model import apply_params
from scoring.tuning.sensitivity import sobol, tornado


def scheme_with(items: list[dict], admission: dict) -> scoring.Scheme:
    return scheme_from_dict({"id": "t", "version": "1", "title": "t", "status": "draft", "items": items,
                             "dominance": {"groups": ["residence"], "min_share": 0.5, "measure": "realised"},
                             "admission": admission})


RES = {"id": "residence", "group": "residence", "kind": "per_unit", "column": "residence_years", "points_per_unit": 5}
HON = {"id": "honours", "group": "bonus", "kind": "flag", "column": "has_honour", "points": 20}
GHOST = {"id": "ghost", "group": "bonus", "kind": "per_unit", "column": "ghost", "points_per_unit": 5}


def population(n: int = 20_000, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"residence_years": np.round(rng.uniform(0, 20, n) * 12) / 12,
                         "has_honour": rng.uniform(0, 1, n) < 0.3, "ghost": np.zeros(n)})


def test_tornado_matches_the_engine() -> None:
    pop = make_population(20_000, 4)
    scheme = scoring.load_scheme("scenarios/schemes/hangzhou-2022-illustrative.yaml")
    tor = tornado(scheme, pop, 10)
    base = scoring.admit(scoring.score(pop, scheme))
    assert tor.base["admitted"] == base.admitted_count and tor.base["cutoff"] == base.cutoff
    for row in tor.rows[:4]:
        for side in ("low", "high"):
            variant = apply_params(scheme, {row["parameter"]: row[f"{side}_value"]}, decimals=None)
            adm = scoring.admit(scoring.score(pop, variant))
            assert row[side]["admitted"] == adm.admitted_count
            assert row[side]["cutoff"] == adm.cutoff
            assert row[side]["changed"] == int((adm.admitted_mask != base.admitted_mask).sum())


def test_tornado_is_symmetric_when_the_outcome_is_linear() -> None:
    """One per-unit item under a quota: the cut-off is w times the quota-th best units, linear in w."""
    pop = population()
    scheme = scheme_with([RES], {"mode": "quota", "quota": 2000})
    tor = tornado(scheme, pop, 10)
    (row,) = tor.rows
    frame = tor.frame("cutoff")
    assert frame.loc[0, "change_low"] == pytest.approx(-frame.loc[0, "change_high"], abs=0.011)
    assert frame.loc[0, "change_high"] == pytest.approx(0.1 * tor.base["cutoff"], abs=0.011)
    assert row["low"]["admitted"] == row["high"]["admitted"] == tor.base["admitted"]


def test_inert_items_have_zero_sobol_indices() -> None:
    pop = population(10_000)
    zero = {**HON, "points": 0}
    scheme = scheme_with([RES, zero, GHOST], {"mode": "quota", "quota": 1000})
    res = sobol(scheme, pop, 20, n=64, outcome_names=("cutoff", "realised"), sample=None)
    for name in ("honours.points", "ghost.points_per_unit"):
        assert res.first_order[name].abs().max() < 0.02 and res.total_order[name].abs().max() < 0.02
    assert res.total_order.loc["cutoff", "residence.points_per_unit"] > 0.95
    assert res.evaluations == 64 * (3 + 2)


def test_sobol_indices_of_a_two_item_cutoff() -> None:
    """Both items move the cut-off; first-order indices sum to at most ~1 and never exceed the total indices."""
    pop = population(10_000)
    scheme = scheme_with([RES, HON], {"mode": "quota", "quota": 1000})
    res = sobol(scheme, pop, 30, n=128, outcome_names=("cutoff",), sample=None)
    first, total = res.first_order.loc["cutoff"], res.total_order.loc["cutoff"]
    assert first.sum() <= 1.1 and (first <= total + 0.05).all()
    assert total["residence.points_per_unit"] > total["honours.points"] > 0.0


def test_bad_inputs() -> None:
    pop = population(1000)
    scheme = scheme_with([RES], {"mode": "quota", "quota": 10})
    with pytest.raises(ScoringInputError, match="power of two"):
        sobol(scheme, pop, n=100)
    with pytest.raises(ScoringInputError, match="pct"):
        tornado(scheme, pop, 150)
    with pytest.raises(ScoringInputError, match="not tunable"):
        tornado(scheme, pop, 10, params=["residence.cap"])
