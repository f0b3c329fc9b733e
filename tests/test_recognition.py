"""Recognition rules: effective years by hand, purity, switches, and their effect on scores and gates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import scoring
from scoring.errors import PopulationError, ScenarioError
from scoring.population.synthetic import synth
from scoring.recognition import RecognitionRules, apply_recognition


def _people() -> pd.DataFrame:
    return pd.DataFrame({
        "insurance_years": np.array([1.0, 2.0, 3.0], dtype=np.float32),
        "insurance_years_yrd": np.array([4.0, 5.0, 0.5], dtype=np.float32),
        "pension_transferred": [True, False, True],
        "residence_years": np.array([1.5, 0.0, 2.0], dtype=np.float32),
        "residence_years_other_districts": np.array([2.0, 3.0, 0.0], dtype=np.float32),
    })


def test_by_hand() -> None:
    pop = _people()
    both = apply_recognition(pop, {"yrd_insurance": True, "prefecture_residence": True})
    assert both["insurance_years"].tolist() == [5.0, 2.0, 3.5]
    assert both["residence_years"].tolist() == [3.5, 3.0, 2.0]
    only_ins = apply_recognition(pop, {"yrd_insurance": True})
    assert only_ins["residence_years"].tolist() == [1.5, 0.0, 2.0]
    only_res = apply_recognition(pop, {"prefecture_residence": True})
    assert only_res["insurance_years"].tolist() == [1.0, 2.0, 3.0]
    assert apply_recognition(pop, None).equals(pop)


def test_pure() -> None:
    pop = _people()
    before = pop.copy(deep=True)
    apply_recognition(pop, RecognitionRules(yrd_insurance=True, prefecture_residence=True))
    pd.testing.assert_frame_equal(pop, before)


def test_bad_rules_and_missing_columns() -> None:
    with pytest.raises(ScenarioError, match="valid: yrd_insurance, prefecture_residence"):
        apply_recognition(_people(), {"yrd": True})
    with pytest.raises(ScenarioError, match="true or false"):
        apply_recognition(_people(), {"yrd_insurance": "yes"})
    with pytest.raises(PopulationError, match="pension_transferred"):
        apply_recognition(_people().drop(columns="pension_transferred"), {"yrd_insurance": True})


def test_recognition_only_raises_scores_and_eligibility() -> None:
    pop = synth(5000, 8)
    scheme = scoring.load_scheme("scenarios/schemes/hangzhou-2023-illustrative.yaml")
    base = scoring.score(pop, scheme)
    rec = scoring.score(apply_recognition(pop, {"yrd_insurance": True, "prefecture_residence": True}), scheme)
    assert (rec.total_cents >= base.total_cents).all()
    assert (rec.eligible_mask >= base.eligible_mask).all()
    changed = (pop["pension_transferred"] & (pop["insurance_years_yrd"] > 0)) | (
        pop["residence_years_other_districts"] > 0)
    assert (rec.total_cents != base.total_cents).sum() > 0
    assert not ((rec.total_cents != base.total_cents) & ~changed.to_numpy()).any()


def _yrd_people() -> pd.DataFrame:
    return pd.DataFrame({
        "insurance_years": np.array([1.0, 1.0, 1.0, 1.0, 1.0], dtype=np.float32),
        "insurance_years_yrd": np.array([2.0, 2.0, 2.0, 2.0, 2.0], dtype=np.float32),
        "pension_transferred": [True, True, True, False, False],
        "employed": [True, False, True, True, True],
        "yrd_city": ["nanjing", "nanjing", "xuzhou", "ningbo", "wenzhou"],
        "residence_years": np.array([3.0, 3.0, 3.0, 3.0, 3.0], dtype=np.float32),
        "residence_years_other_districts": np.array([1.0, 0.0, 0.0, 0.0, 0.0], dtype=np.float32),
        "residence_years_yrd": np.array([2.0, 0.0, 4.0, 1.0, 1.0], dtype=np.float32),
    })


def test_refinements_by_hand() -> None:
    """来本省就业并已办理基本养老保险关系转移接续手续的，其长三角城市群内的社会保险缴纳年限可以与当地合并计算."""
    pop = _yrd_people()
    plain = apply_recognition(pop, {"yrd_insurance": True})  # the two-switch behaviour: transfer only
    assert plain["insurance_years"].tolist() == [3.0, 3.0, 3.0, 1.0, 1.0]
    full = {"yrd_insurance": True, "yrd_requires_employment": True, "yrd_scope": "cluster-2016"}
    assert apply_recognition(pop, full)["insurance_years"].tolist() == [3.0, 1.0, 1.0, 1.0, 1.0]
    zj = apply_recognition(pop, {**full, "yrd_within_zhejiang": "no_conditions"})
    assert zj["insurance_years"].tolist() == [3.0, 1.0, 1.0, 3.0, 1.0]  # Wenzhou: in Zhejiang, not in the cluster
    res = apply_recognition(pop, {"prefecture_residence": True, "yrd_residence": True, "yrd_scope": "cluster-2016"})
    assert res["residence_years"].tolist() == [6.0, 3.0, 3.0, 4.0, 3.0]
    assert RecognitionRules.from_any({"yrd_insurance": True}).to_dict() == {"yrd_insurance": True,
                                                                             "prefecture_residence": False}


def test_refinement_errors() -> None:
    with pytest.raises(ScenarioError, match="cluster-2016"):
        apply_recognition(_yrd_people(), {"yrd_insurance": True, "yrd_scope": "yangtze"})
    with pytest.raises(ScenarioError, match="no_conditions"):
        apply_recognition(_yrd_people(), {"yrd_insurance": True, "yrd_within_zhejiang": "maybe"})
    with pytest.raises(PopulationError, match="yrd_city"):
        apply_recognition(_yrd_people().drop(columns="yrd_city"), {"yrd_insurance": True, "yrd_scope": "cluster-2016"})


def test_one_model_for_scenarios_rule_sets_and_dynamics() -> None:
    """The scenario's and the rule set's ``recognition:`` sections are the library's one model, refinements too."""
    import typing

    from scoring.pathways.rules import RuleSet, RuleSetError, ruleset_from_dict
    from scoring.recognition import SCOPES, ScopeName
    from scoring.scenario.model import ScenarioSpec, parse_scenario

    assert ScenarioSpec.model_fields["recognition"].annotation is RecognitionRules
    assert RuleSet.model_fields["recognition"].annotation is RecognitionRules
    assert set(typing.get_args(ScopeName)) == set(SCOPES)
    section = {"yrd_insurance": True, "yrd_requires_employment": True, "yrd_scope": "cluster-2016"}
    spec = parse_scenario({"id": "s", "scheme": "x.yaml", "population": {"synth": {"n": 10}},
                           "recognition": section}, "s.yaml")
    assert spec.recognition == RecognitionRules.from_any(section)
    assert spec.recognition.to_dict() == {**section, "prefecture_residence": False}
    rules = ruleset_from_dict({"id": "r", "version": "1", "title": {"zh": "规则", "en": "rules"},
                               "recognition": section}, "r.yaml")
    assert rules.recognition == spec.recognition
    with pytest.raises(ScenarioError, match=r"recognition\.yrd_scope"):
        parse_scenario({"id": "s", "scheme": "x.yaml", "population": {"synth": {"n": 10}},
                        "recognition": {"yrd_scope": "yangtze"}}, "s.yaml")
    with pytest.raises(RuleSetError, match=r"recognition\.yrd_scope"):
        ruleset_from_dict({"id": "r", "version": "1", "title": {"zh": "规则", "en": "rules"},
                           "recognition": {"yrd_scope": "yangtze"}}, "r.yaml")
