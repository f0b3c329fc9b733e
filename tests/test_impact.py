"""Impact functions: checked against direct set arithmetic, scipy on the full data, and independent recomputation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import scoring
from scoring.population.schema import age_band_labels
from scoring.population.synthetic import synth
from scoring.scenario.impact import (
    Outcome,
    composition,
    counts,
    dominance_side_by_side,
    impact_summary,
    item_contributions,
    jaccard,
    outcome,
    rank_correlation,
    transitions,
)

HZ22 = scoring.load_scheme("scenarios/schemes/hangzhou-2022-illustrative.yaml")
HZ23 = scoring.load_scheme("scenarios/schemes/hangzhou-2023-illustrative.yaml")


@pytest.fixture(scope="module")
def pair() -> tuple[Outcome, Outcome]:
    pop = synth(6000, 5)
    return outcome(pop, HZ22, quota=300, ties="admit_all", label="before"), outcome(pop, HZ23, label="after")


def test_counts_line_is_the_evaluations_line(pair: tuple[Outcome, Outcome]) -> None:
    """impact.counts shows the one line (the score a newcomer needs): with both a threshold and a full quota it is
    the cut-off, not the threshold."""
    base, reform = pair
    both = outcome(base.res.population, HZ23, quota=200, threshold=90.0, ties="admit_all", label="both")
    assert both.adm.candidates > 200 and both.adm.cutoff > 90.0  # the quota binds above the threshold
    c = counts(both, reform)
    assert c["baseline"]["line"] == both.line == both.adm.cutoff and c["baseline"]["threshold"] == 90.0
    assert c["reform"]["line"] == reform.line == 100.0
    taken = set(reform.res.total_cents[reform.res.eligible_mask].tolist())  # HZ23 on the same people
    gap = next(c for c in range(90_01, 100_00) if c not in taken) / 100.0  # a threshold nobody scores exactly
    roomy = outcome(base.res.population, HZ23, quota=10**6, threshold=gap, label="room")
    assert counts(roomy, reform)["baseline"]["line"] == roomy.line == gap < roomy.adm.cutoff  # not the lowest in


def test_counts_and_transitions(pair: tuple[Outcome, Outcome]) -> None:
    base, reform = pair
    c, t = counts(base, reform), transitions(base, reform)
    assert c["baseline"]["admitted"] == base.adm.admitted_count and c["reform"]["line"] == 100
    assert t["newly_admitted"] - t["newly_excluded"] == c["admitted_change"]
    assert t["newly_admitted"] + t["newly_excluded"] + t["admitted_both"] + t["excluded_both"] == t["matched"] == 6000
    a = set(np.flatnonzero(base.adm.admitted_mask))
    b = set(np.flatnonzero(reform.adm.admitted_mask))
    assert t["newly_admitted"] == len(b - a) and t["newly_excluded"] == len(a - b)
    assert jaccard(base, reform) == pytest.approx(len(a & b) / len(a | b))


def test_alignment_on_index(pair: tuple[Outcome, Outcome]) -> None:
    base, reform = pair
    pop = reform.res.population.iloc[::-1].iloc[:4000]  # other order, fewer people
    other = outcome(pop, HZ23)
    t = transitions(base, other)
    assert t["matched"] == 4000
    both = reform.adm.admitted.reindex(pop.index).to_numpy() & base.adm.admitted.reindex(pop.index).to_numpy()
    assert t["admitted_both"] == int(both.sum())


def test_kendall_full_and_sampled(pair: tuple[Outcome, Outcome]) -> None:
    base, reform = pair
    full = rank_correlation(base, reform)
    keep = base.res.eligible_mask & reform.res.eligible_mask
    expected = stats.kendalltau(base.res.total_cents[keep], reform.res.total_cents[keep]).statistic
    assert full["tau"] == pytest.approx(expected) and not full["sampled"] and full["n"] == int(keep.sum())
    sampled = rank_correlation(base, reform, sample=1500, seed=1)
    assert sampled["sampled"] and sampled["n"] == 1500 and sampled["population"] == int(keep.sum())
    assert abs(sampled["tau"] - full["tau"]) < 0.08
    assert rank_correlation(reform, reform)["tau"] == pytest.approx(1.0)


def test_composition(pair: tuple[Outcome, Outcome]) -> None:
    base, reform = pair
    comp = composition(base, reform, "education")
    assert comp["baseline"].sum() == base.adm.admitted_count and comp["reform"].sum() == reform.adm.admitted_count
    assert comp["baseline_share"].sum() == pytest.approx(1) and comp["share_change"].sum() == pytest.approx(0)
    ages = composition(base, reform, "age")
    assert set(ages["group"]) <= set(age_band_labels())


def test_item_contributions_against_direct_recomputation(pair: tuple[Outcome, Outcome]) -> None:
    _, reform = pair  # threshold rule, no group caps: removing an item lowers the total by exactly its points
    table = item_contributions(reform).set_index("item")
    res = reform.res
    for item in HZ23.items:
        without = res.eligible_mask & (res.total_cents - res.item_cents[item.id] >= 10000)
        row = table.loc[item.id]
        assert row["admitted_without"] == int(without.sum())
        assert row["newly_excluded"] == int((reform.adm.admitted_mask & ~without).sum())
        assert row["newly_admitted"] == int((~reform.adm.admitted_mask & without).sum())
    assert table.loc["residence", "newly_excluded"] > 0 and table.loc["law_record", "newly_excluded"] == 0


def test_item_contributions_under_quota(pair: tuple[Outcome, Outcome]) -> None:
    base, _ = pair
    table = item_contributions(base)
    assert (table["admitted_without"] >= 300).all()
    assert (table["changed"] == table["newly_admitted"] + table["newly_excluded"]).all()


def test_dominance_side_by_side_and_purity(pair: tuple[Outcome, Outcome]) -> None:
    base, reform = pair
    before = (base.adm.admitted_mask.copy(), reform.res.total_cents.copy())
    table = dominance_side_by_side(base, reform).set_index("measure")
    direct = scoring.dominance(reform.res, admitted=reform.adm)
    assert table.loc["decisive", "reform"] == pytest.approx(direct.decisive)
    assert table.loc["requirement_met", "reform"] == direct.ok
    summary = impact_summary(base, reform)
    assert summary["transitions"] == transitions(base, reform)
    assert np.array_equal(before[0], base.adm.admitted_mask) and np.array_equal(before[1], reform.res.total_cents)
