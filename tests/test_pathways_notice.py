"""The notice read as it is written (浙政办发〔2023〕41号): hand-worked cases for each rule and each open reading.

Every case is one person built by hand (tests/test_pathways.py: ``people``); the expected outcome is read off the
notice's words quoted above each test and the labelled assumptions of rulesets/notice-2023.yaml.
"""

from __future__ import annotations

import numpy as np
import pytest

from scoring.pathways.comparison import compare
from scoring.pathways.core import evaluate, phase_in_mask
from scoring.pathways.rules import RuleSetError, load_ruleset
from scoring.pathways.services import service_demand, service_rates
from scoring.recognition import scope_cities
from tests.test_pathways import NEW, OLD, ROOT, city, people, relative, route

RULES = ROOT / "rulesets/notice-2023.yaml"


def reading(**choices: str):
    return load_ruleset(RULES, readings=choices)


# -- 一(四) 试行…逐步实现: the phase-in is a parameter ---
def test_conversion_phase_in_covers_a_stable_nested_share():
    holders = [{"has_residence_permit": True, "residence_years": 4.0, "person_id": f"p{i}"}
               for i in range(4000)]
    pop = people(*holders)
    full = evaluate(pop, NEW).masks["conversion"]
    assert full.all()  # default: fully in force (the upper bound)
    half = evaluate(pop, reading(conversion_phase_in="half")).masks["conversion"]
    trial = evaluate(pop, reading(conversion_phase_in="trial")).masks["conversion"]
    assert abs(half.sum() - 2000) < 200 and abs(trial.sum() - 800) < 160   # binomial sd about 32 and 25
    assert not (trial & ~half).any()                                        # a wider phase-in keeps the earlier
    shuffled = pop.iloc[::-1].reset_index(drop=True)                        # follows the person, not the row
    assert np.array_equal(phase_in_mask(shuffled, 0.5)[::-1], phase_in_mask(pop, 0.5))
    none = load_ruleset(RULES, overrides={"pathways.conversion.phase_in": 0.0})
    assert not evaluate(pop, none).masks["conversion"].any()


def test_conversion_years_parameter():
    cases = [{"has_residence_permit": True, "residence_years": y} for y in (1.9, 2.0, 4.9, 5.0)]
    assert route(reading(conversion_years="2"), cases, "conversion") == [False, True, True, True]
    assert route(reading(conversion_years="5"), cases, "conversion") == [False, False, False, True]


# -- 二(二) 放宽城镇地区（除杭州市城区外）投靠落户条件: Hangzhou city districts keep their own route ---
def test_hangzhou_city_districts_keep_their_own_family_route():
    hz = {"urban_area": "hangzhou_city_district", "district": "xihu", "sponsor_has_home": True}
    cases = [
        {**hz, "joins_as": "spouse"},                                    # spouse of a hukou holder with a home
        {**hz, "joins_as": "parent", "age": 60, "sex": "M"},             # assumed old age limit: men 60
        {**hz, "joins_as": "parent", "age": 59, "sex": "M"},             # the notice's relaxation is not for Hangzhou
        {**hz, "joins_as": "child", "age": 17, "marital_status": "single"},  # minor child
        {**hz, "joins_as": "child", "age": 20, "marital_status": "single"},  # adult unmarried: outside Hangzhou only
        {**hz, "joins_as": "spouse", "sponsor_has_home": False},
        {"joins_as": "spouse", "sponsor_has_home": True},                # other urban area: not this route
    ]
    expected = [True, True, False, True, False, False, False]
    assert route(NEW, cases, "family_hangzhou") == expected
    assert route(OLD, cases, "family_hangzhou") == expected            # the notice did not change it
    for pid in ("family_parents", "family_children"):                   # the relaxed routes stay outside
        assert not any(route(NEW, cases[:6], pid))


# -- 二(二) 投靠对象放宽至户主的直系亲属、配偶、配偶的直系亲属、子女的配偶 ---
def test_spouses_lineal_relatives_include_children_and_grandparents():
    cases = [relative("spouse_child"), relative("spouse_grandparent"), relative("spouse_grandchild"),
             relative("spouse_parent"), relative("sibling")]
    assert route(NEW, cases, "family_intra_city") == [True, True, True, True, False]
    assert route(OLD, cases, "family_intra_city") == [False] * 5


# -- 未婚: a labelled reading ---
def test_unmarried_is_a_reading():
    kids = [{"joins_as": "child", "sponsor_has_home": True, "age": 30, "marital_status": m}
            for m in ("single", "divorced", "widowed", "married")]
    assert route(NEW, kids, "family_children") == [True, False, False, False]
    assert route(reading(unmarried="not_currently_married"), kids, "family_children") == [True, True, True, False]
    row = {r["reading"]: r for r in NEW.readings_in_force("en")}["unmarried"]
    assert row["kind"] == "reading" and row["default"] and "never married" in row["choice_label"]


# -- 二(一) talent: the employment condition is a reading ---
def test_talent_employment_is_a_reading():
    cases = [{"education": "master", "age": 30, "employed": False},
             {"education": "master", "age": 30, "employed": True}]
    assert route(NEW, cases, "talent") == [True, True]
    assert route(reading(talent_employment="employed"), cases, "talent") == [False, True]


# -- 二(三) 来本省就业并已办理基本养老保险关系转移接续手续的，
#    其长三角城市群内的社会保险缴纳年限可以与当地合并计算 ------------------------------------------------------------
def yrd_person(city_code: str, **kw) -> dict:
    # 9 residence years (54 points) + 6 insurance years (36) = 90; +2 recognised YRD years (+12) = 102
    return city(**{"residence_years": 9.0, "insurance_years": 6.0, "insurance_years_yrd": 2.0,
                   "pension_transferred": True, "employed": True, "yrd_city": city_code, **kw})


def test_yrd_scope_is_the_named_city_cluster():
    assert len(scope_cities("cluster-2016")) == 26 and "wenzhou" not in scope_cities("cluster-2016")
    assert "wenzhou" in scope_cities("central-2019") and len(scope_cities("central-2019")) == 27
    assert len(scope_cities("yrd-provinces")) == 41
    cases = [yrd_person("suzhou_js"), yrd_person("xuzhou"), yrd_person("wenzhou"), yrd_person("hefei"),
             yrd_person("fuyang_ah")]
    assert route(NEW, cases, "points") == [True, False, False, True, False]
    assert route(reading(yrd_scope="central-2019"), cases, "points") == [True, False, True, True, False]
    assert route(reading(yrd_scope="yrd-provinces"), cases, "points") == [True] * 5


def test_yrd_within_zhejiang_reading():
    cases = [yrd_person("ningbo", pension_transferred=False),            # Zhejiang years, no transfer
             yrd_person("ningbo", pension_transferred=False, employed=False),
             yrd_person("nanjing", pension_transferred=False)]           # outside the province, no transfer
    assert route(NEW, cases, "points") == [False, False, False]
    assert route(reading(yrd_within_zhejiang="no_conditions"), cases, "points") == [True, True, False]


def test_yrd_residence_recognition_is_an_encouragement_switched_off_by_default():
    # 8 residence years here (48) + 8 insurance years (48) = 96; 1 residence year in Suzhou (+6) = 102
    person = city(residence_years=8.0, insurance_years=8.0, residence_years_yrd=1.0, yrd_city="suzhou_js")
    outside = city(residence_years=8.0, insurance_years=8.0, residence_years_yrd=1.0, yrd_city="xuzhou")
    assert route(NEW, [person, outside], "points") == [False, False]
    assert route(reading(yrd_residence="on"), [person, outside], "points") == [True, False]
    row = {r["reading"]: r for r in NEW.readings_in_force("en")}["yrd_residence"]
    assert row["kind"].startswith("encouragement") and row["choice"] == "off"


# -- each change both ways ---
def test_each_change_is_measured_added_to_old_and_taken_out_of_new():
    # A renter in another urban area for 2 years with a permit: under the old rules nothing; under the new rules
    # both the residence route (rented included) and conversion (2 + 1 residence years city-wide) apply.
    both = {"housing": "rented", "has_residence_permit": True, "residence_years": 2.0,
            "residence_years_other_districts": 1.0, "months_resident": 36}
    conv_only = {**both, "housing": "none"}     # conversion only (no home)
    cmp = compare(people(both, conv_only), OLD, NEW)
    m = cmp.marginal.set_index("change")
    # added alone to the old rules: conversion needs the city-wide years, which the old rules do not recognise
    assert m.loc["pathways.conversion", "newly"] == 0 and m.loc["pathways.residence", "newly"] == 1
    # taken out of the new rules: only the person with no other route is lost
    assert m.loc["pathways.conversion", "without_lost"] == 1
    assert m.loc["pathways.residence", "without_lost"] == 0
    assert m.loc["recognition.prefecture_residence", "without_lost"] == 1


# -- 一(三) public services tied to permits and settlement ---
def test_service_demand_by_hand():
    rates = {"service_settle_takeup": 1.0, "service_permit_takeup": 0.5, "service_school_takeup": 0.6,
             "service_housing_takeup_settled": 0.1, "service_housing_takeup_permit": 0.05}
    settler = {"housing": "rented", "children_6_11": 2, "children_12_14": 1}              # qualifies (residence)
    permit = {"urban_area": "rural", "months_resident": 12, "employed": True, "housing": "employer",
              "children_6_11": 1}                                                         # new permit holder
    holder = {**permit, "has_residence_permit": True}                                     # already holds one
    table = service_demand(evaluate(people(settler, permit, holder), NEW), rates=rates, lang="en").set_index("group")
    assert table.loc["newly_settled", ["people", "children_6_11", "children_12_14"]].tolist() == [1, 2, 1]
    assert table.loc["newly_settled", "primary_places"] == pytest.approx(1.2)
    assert table.loc["newly_settled", "junior_places"] == pytest.approx(0.6)
    assert table.loc["newly_settled", "housing_applications"] == pytest.approx(0.1)
    assert table.loc["new_permit_holders", "people"] == pytest.approx(0.5)
    assert table.loc["new_permit_holders", "primary_places"] == pytest.approx(0.5 * 1 * 0.6)
    assert table.loc["new_permit_holders", "housing_applications"] == pytest.approx(0.5 * 0.05)
    assert table.loc["total", "people"] == pytest.approx(1.5)
    with pytest.raises(Exception, match="between 0 and 1"):
        service_rates({"service_school_takeup": 1.5})


def test_unknown_reading_and_option_are_refused():
    with pytest.raises(RuleSetError, match="options: counts, excluded"):
        reading(dormitory="sometimes")
    with pytest.raises(RuleSetError, match="does not exist"):
        reading(colour="red")


def test_rule_set_scopes_are_the_recognition_scopes():
    import typing

    from scoring.pathways.rules import Recognition
    from scoring.recognition import SCOPES

    allowed = {a for arg in typing.get_args(Recognition.model_fields["yrd_scope"].annotation)
               for a in typing.get_args(arg)}
    assert allowed == set(SCOPES)
