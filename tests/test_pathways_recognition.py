"""Recognition of years (二(三)) through the pathways compare agrees with the scenario machinery's own compare.

The colleague's scenario run (scoring.scenario.run.recognition_effect) measures the first-year effect of the
recognition rules on points admission; the pathways comparison with the same scheme, line and people (everyone in
Hangzhou city districts) must find exactly the same people newly qualifying.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from scoring.pathways.comparison import compare
from scoring.pathways.rules import ruleset_from_dict
from scoring.population.area import in_city_districts
from scoring.population.synth_pathways import add_pathway_attributes
from scoring.scenario.load import load_scenario
from scoring.scenario.run import first_year_outcome, recognition_effect

ROOT = Path(__file__).resolve().parent.parent


def _points_only(recognition: dict) -> dict:
    return {
        "id": "points-only", "version": "1", "title": {"zh": "仅积分", "en": "points only"},
        "recognition": recognition,
        "pathways": {"points": {
            "label": {"zh": "积分落户", "en": "points"}, "kind": "points", "areas": ["hangzhou_city_district"],
            "scheme": str(ROOT / "scenarios/schemes/hangzhou-2023-illustrative.yaml"),
            "admission": {"threshold": 100}}},
    }


def test_recognition_effect_matches_the_scenario_compare():
    sc = load_scenario(ROOT / "scenarios/hangzhou-2023-reform.yaml")
    effect = recognition_effect(sc)
    pop = add_pathway_attributes(sc.population(), 1)
    # the scenario's area (杭州市城区, data/hz_city_districts.csv): only its residents may use the points route
    pop = pop.assign(urban_area=np.where(in_city_districts(pop["district"], sc.spec.area.reading),
                                         "hangzhou_city_district", "other_urban"))
    old = ruleset_from_dict(_points_only({"yrd_insurance": False, "prefecture_residence": False}), "old.yaml")
    new = ruleset_from_dict(_points_only({"yrd_insurance": True, "prefecture_residence": True}), "new.yaml")
    cmp = compare(pop, old, new)
    assert int(cmp.newly.sum()) == effect["transitions"]["newly_admitted"]
    assert int(cmp.lost.sum()) == effect["transitions"]["newly_excluded"]
    assert int(cmp.new.masks["points"].sum()) == effect["counts"]["reform"]["admitted"]
    with_rec = first_year_outcome(sc)
    assert np.array_equal(cmp.new.masks["points"], with_rec.adm.admitted_mask)
    marginal = cmp.marginal.set_index("change")
    assert list(marginal.index) == ["recognition.yrd_insurance", "recognition.prefecture_residence"]
    # each rule alone gains no more than both together (years only grow; a line, no quota: nobody is pushed out)
    assert (marginal["newly"] <= cmp.newly.sum()).all()
    assert cmp.newly.sum() >= marginal["newly"].max() and marginal["lost"].eq(0).all()
