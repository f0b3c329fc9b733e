"""Weight tuning: the fast evaluator against the engine, and the optimiser on cases with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from popgen import make_population

import scoring
from scoring.errors import ScoringInputError
from scoring.scheme.load import scheme_from_dict
from scoring.tuning.core import tune
from scoring.tuning.model import Evaluator, apply_params, scheme_params
from scoring.tuning.problem import Constraints

SHIPPED = ["beijing-2020", "hangzhou-2022-illustrative", "hangzhou-2023-illustrative", "shanghai-permit"]


def two_item_scheme(measure: str = "design", min_share: float = 0.8, w1: float = 3.0,
                    w2: float = 30.0) -> scoring.Scheme:
    return scheme_from_dict({
        "id": "two-item", "version": "1", "title": "two items", "status": "draft",
        "items": [
            {"id": "residence", "group": "residence", "kind": "per_unit", "column": "residence_years",
             "points_per_unit": w1},
            {"id": "honours", "group": "bonus", "kind": "flag", "column": "has_honour", "points": w2},
        ],
        "dominance": {"groups": ["residence"], "min_share": min_share, "measure": measure},
        "admission": {"mode": "threshold", "threshold": 100},
    })


def two_item_population(n: int = 100_000, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"residence_years": rng.uniform(0, 20, n), "has_honour": rng.uniform(0, 1, n) < 0.5})


@pytest.mark.parametrize("name", SHIPPED)
def test_evaluator_matches_engine_to_the_cent(name: str) -> None:
    pop = make_population(20_000, 5)
    scheme = scoring.load_scheme(f"scenarios/schemes/{name}.yaml")
    ev = Evaluator(scheme, pop, dtype=np.float64)
    rng = np.random.default_rng(len(name))
    for factor in (np.ones(len(ev.theta0)), rng.uniform(0.5, 1.5, len(ev.theta0))):
        theta = ev.theta0 * factor
        exact = scoring.score(pop, apply_params(scheme, ev.values(theta), decimals=None))
        np.testing.assert_array_equal(ev.total_cents(theta), exact.total_cents)
        _, _, adm = ev.result(theta)
        ref = scoring.admit(exact)
        assert adm.admitted_count == ref.admitted_count and adm.cutoff == ref.cutoff
        fast = ev.outcome(theta)
        rep = scoring.dominance(exact, exact.scheme, admitted=ref)
        assert fast.shares["design"] == pytest.approx(rep.design, abs=1e-3)
        assert fast.shares["realised"] == pytest.approx(rep.realised_eligible, abs=1e-6)
        if scheme.admission.ties == "admit_all":
            assert fast.admitted == ref.admitted_count
            assert fast.shares["decisive"] == pytest.approx(rep.decisive, abs=1e-6)


def test_two_item_dominance_and_count_pin_the_weights() -> None:
    """Design share >= 0.8 forces w2 <= w1 * R99 / 4; 30 % admitted at 100 points then fixes w1 analytically."""
    pop = two_item_population()
    scheme = two_item_scheme()
    r99 = float(np.percentile(pop["residence_years"], 99, method="lower"))
    k = r99 * (1 - 0.8) / 0.8  # w2 = k * w1 on the share boundary
    v = pop["residence_years"].to_numpy() + k * pop["has_honour"].to_numpy()
    target = 30_000
    t = np.sort(v)[::-1][target - 1]  # score / w1 of the 30 000th best on the boundary
    w1_star, w2_star = 100 / t, k * 100 / t
    out = tune(scheme, pop, Constraints(admitted=(target - 300, target + 300)), "closest", sample=None)
    assert out.ok, out.message
    assert out.values["residence.points_per_unit"] == pytest.approx(w1_star, rel=0.01)
    assert out.values["honours.points"] == pytest.approx(w2_star, rel=0.01)
    after = out.after
    assert 0.8 <= after["design"] <= 0.81 and target - 300 <= after["admitted"] <= target + 300
    assert any("points per unit" in line for line in out.diff("en"))


def test_share_out_of_reach_alone_names_the_constraint_and_gap() -> None:
    pop = two_item_population(20_000)
    scheme = two_item_scheme(min_share=0.99)
    r99 = float(np.percentile(pop["residence_years"], 99, method="lower"))
    bounds = {"residence": (0.0, 3.0), "honours": (10.0, 60.0)}
    out = tune(scheme, pop, Constraints(), "closest", bounds=bounds, sample=None)
    assert out.status == "infeasible" and out.new_scheme is None
    (b,) = out.binding
    best = 3 * r99 / (3 * r99 + 10)  # the largest share the bounds allow
    assert b.alone and b.quantity == "share"
    assert b.best == pytest.approx(best, abs=1e-3) and b.gap == pytest.approx(0.99 - best, abs=1e-3)
    assert "design share (analysis) ≥ 99.0%" in out.message  # the binding line, formatted (scoring.tuning.text)
    assert f"is {best:.1%}" in out.message and f"{(0.99 - best) * 100:.1f} percentage points" in out.message
    assert b.text("zh").startswith("约束受限：设计占比（分析） ≥ 99.0%：即使单独考虑")


def test_jointly_infeasible_names_each_binding_constraint() -> None:
    """Each can be met alone, not both: 29 700 admitted needs w2 >= 75.6 at w1 <= 3, i.e. a share of ~0.44."""
    pop = two_item_population(20_000)
    scheme = two_item_scheme()
    out = tune(scheme, pop, Constraints(admitted=(5_940, None)), "closest",
               bounds={"residence": (0.0, 3.0), "honours": (0.0, 90.0)}, sample=None)
    assert out.status == "infeasible"
    found = {b.quantity: b for b in out.binding}
    assert set(found) == {"share", "admitted"} and not any(b.alone for b in out.binding)
    r = np.sort(pop.loc[pop["has_honour"], "residence_years"].to_numpy())[::-1]
    w2_needed = 100 - 3 * r[5_940 - 1]
    r99 = float(np.percentile(pop["residence_years"], 99, method="lower"))
    assert found["share"].best == pytest.approx(3 * r99 / (3 * r99 + w2_needed), abs=0.01)
    assert found["admitted"].gap > 0


def test_stable_rank_meets_a_cutoff_target_by_uniform_scaling() -> None:
    """Under a quota the cut-off scales with a uniform rescaling, which keeps the ranking: tau = 1."""
    pop = make_population(30_000, 2)
    base = scoring.load_scheme("scenarios/schemes/beijing-2020.yaml")
    scheme = scheme_from_dict({**base.to_dict(), "admission": {"mode": "quota", "quota": 500},
                               "dominance": {"groups": ["residence", "insurance"], "min_share": 0.0}})
    cut0 = scoring.admit(scoring.score(pop, scheme)).cutoff
    goal = 0.8 * cut0
    out = tune(scheme, pop, Constraints(cutoff=(goal - 0.5, goal + 0.5)), "stable-rank", sample=None, caps=True)
    assert out.ok, out.message
    ratios = [out.values[p.name] / p.value for p in out.params if p.value]
    assert np.ptp(ratios) < 0.05 and np.mean(ratios) == pytest.approx(0.8, abs=0.02)
    assert out.kendall_tau > 0.99


def test_sample_and_bad_inputs() -> None:
    pop = two_item_population(50_000)
    scheme = two_item_scheme(min_share=0.5)
    out = tune(scheme, pop, Constraints(admitted=(10_000, 12_000)), "closest", sample=10_000)
    assert out.ok and out.sample == 10_000 and out.population == 50_000
    assert "sample" in out.to_dict()["note"]
    with pytest.raises(ScoringInputError, match="measure"):
        tune(scheme, pop, Constraints(measure="typical"))
    with pytest.raises(ScoringInputError, match="objective"):
        tune(scheme, pop, objective="best")
    with pytest.raises(ScoringInputError, match="no tunable parameter"):
        scheme_params(scheme, {"nope": (0, 1)})
    with pytest.raises(ScoringInputError, match="low"):
        tune(scheme, pop, Constraints(admitted=(5, 1)))


def test_fast_model_applies_the_engines_group_rules_sections_and_conditional_caps() -> None:
    """The evaluator applies the engine's group rules (sections and conditional caps included): at today's weights
    its item cents are the exact engine's, on all rows and on a subset of rows."""
    from pathlib import Path

    from popgen_crs import make_crs_population

    crs = scoring.load_scheme(Path(__file__).resolve().parents[1] / "scenarios/schemes/canada-crs-2025.yaml")
    pop = make_crs_population(4000, 5)
    res = scoring.score(pop, crs, on_invalid="reject")
    ev = Evaluator(crs, pop, on_invalid="reject", quota=100)
    exact = np.array([res.item_cents[i] for i in ev.ids])
    assert any(r.within for r in crs.groups.values()) and any(r.caps for r in crs.groups.values())
    np.testing.assert_array_equal(ev.item_cents(ev.theta0), exact)
    rows = np.arange(0, ev.n, 3)
    np.testing.assert_array_equal(ev.item_cents(ev.theta0, rows), exact[:, rows])


def test_tuner_refuses_group_rules_it_does_not_model() -> None:
    """Conditional caps and sections (the CRS scheme) are refused, not tuned on points the engine never gives."""
    from pathlib import Path

    crs = scoring.load_scheme(Path(__file__).resolve().parents[1] / "scenarios/schemes/canada-crs-2025.yaml")
    with pytest.raises(ScoringInputError, match="sections"):
        tune(crs, pd.DataFrame({"age": [30.0]}))


def test_tuning_a_scheme_with_a_group_rule_runs_the_analytic_gradients() -> None:
    """hangzhou-2022 has a group cap: the gradients read the engine's group rules (a crash before: the rules'
    shape changed with the compiled scheme). A realised share 0.1 above today's is well within reach."""
    pop = make_population(20_000, 5)
    scheme = scoring.load_scheme("scenarios/schemes/hangzhou-2022-illustrative.yaml")
    assert Evaluator(scheme, pop).rules  # the case this test is about
    today = scoring.dominance(scoring.score(pop, scheme), scheme).realised_eligible
    goal = round(today + 0.1, 2)
    out = tune(scheme, pop, Constraints(min_share=goal, measure="realised"), "closest", sample=None)
    assert out.status == "ok" and all(c.met for c in out.checks)
    exact = scoring.score(pop, out.new_scheme)
    assert scoring.dominance(exact, out.new_scheme).realised_eligible >= goal
