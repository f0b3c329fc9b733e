"""Each settlement rule against hand-worked cases written from the notice's wording (浙政办发〔2023〕41号).

Every case is one person built by hand; the expected old/new result is read off the rule text (and the labelled
assumptions of rulesets/before-2023.yaml), not computed by the code under test.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from scoring.pathways.comparison import compare
from scoring.pathways.core import evaluate
from scoring.pathways.rules import RuleSetError, load_ruleset, rule_changes, ruleset_from_dict

ROOT = Path(__file__).resolve().parent.parent
NEW = load_ruleset(ROOT / "rulesets/notice-2023.yaml")
OLD = load_ruleset(ROOT / "rulesets/before-2023.yaml")
PERMIT = load_ruleset(ROOT / "rulesets/permit-2023.yaml")

BASE = {
    "age": 40, "sex": "M", "education": "junior_secondary", "residence_years": 1.0,
    "residence_years_other_districts": 0.0, "insurance_years": 1.0, "insurance_years_yrd": 0.0,
    "pension_transferred": False, "has_residence_permit": False, "permit_years": 0.0, "housing": "none",
    "employed": False, "district": "jiande", "origin_province": "henan", "marital_status": "married",
    "owned_home_years": 0.0, "rented_home_years": 0.0, "has_honour": False, "detentions": 0, "tax_years_high": 0,
    "innovation_points": 0, "outside_core_years": 0.0,
    "urban_area": "other_urban", "months_resident": 12, "in_school": False, "has_skill_certificate": False,
    "joins_as": "none", "sponsor_has_home": False, "sponsor_is_household_head": False, "intra_city_move": False,
    "yrd_city": "none", "residence_years_yrd": 0.0, "children_6_11": 0, "children_12_14": 0,
}


def people(*cases: dict) -> pd.DataFrame:
    """One row per case: the base person with the case's changes."""
    frame = pd.DataFrame([{**BASE, **c} for c in cases])
    for col in ("residence_years", "residence_years_other_districts", "insurance_years", "insurance_years_yrd",
                "permit_years", "residence_years_yrd"):
        frame[col] = frame[col].astype(np.float32)
    frame["age"] = frame["age"].astype(np.uint8)
    return frame


def route(rules, cases: list[dict], pathway: str) -> list[bool]:
    return evaluate(people(*cases), rules).masks[pathway].tolist()


# -- residence permit 一(三): 居住半年以上 + 合法稳定就业 / 合法稳定住所 / 连续就读 之一 ------------------------------
def test_permit_half_year_plus_one_condition():
    cases = [
        {"months_resident": 6, "employed": True},            # exactly half a year (以上 includes the number) + job
        {"months_resident": 5, "employed": True},            # five months: not yet
        {"months_resident": 6},                              # half a year but none of the three conditions
        {"months_resident": 6, "housing": "rented"},         # rented home counts (含租赁)
        {"months_resident": 7, "housing": "employer"},       # employer dormitory (assumed legal stable residence)
        {"months_resident": 6, "housing": "none", "in_school": True},  # continuous schooling
        {"months_resident": 0, "in_school": True, "employed": True, "housing": "owned"},  # all three, just arrived
    ]
    for rules in (PERMIT, NEW, OLD):  # the 2016 regulation had the same conditions
        res = evaluate(people(*cases), rules)
        assert res.permit.eligible.tolist() == [True, False, False, True, True, True, False]


def test_permit_by_group_counts_match_hand_count():
    cases = [{"months_resident": 6, "employed": True, "education": "bachelor"},
             {"months_resident": 5, "employed": True, "education": "bachelor"},
             {"months_resident": 9, "housing": "rented", "education": "master"}]
    table = evaluate(people(*cases), PERMIT).permit_by_group("education").set_index("education")
    assert table.loc["bachelor", ["people", "resident", "cond_job", "eligible"]].tolist() == [2, 1, 1, 1]
    assert table.loc["master", ["people", "eligible", "cond_home"]].tolist() == [1, 1, 1]
    assert table.loc["doctor", "people"] == 0


# -- 一(四) residence permit converted to hukou: 在城镇地区（除杭州市城区外）居住达到一定年限的居住证持有人 ------------
def test_conversion_counts_residence_years_not_permit_years():
    cases = [
        {"has_residence_permit": True, "residence_years": 3.0},               # exactly 3 residence years
        {"has_residence_permit": True, "residence_years": 35 / 12},           # 35 months: not yet
        {"has_residence_permit": True, "residence_years": 1.0, "permit_years": 5.0},  # long permit, short residence
        {"has_residence_permit": True, "residence_years": 2.0, "residence_years_other_districts": 1.0},  # 2 + 1
        {"has_residence_permit": True, "residence_years": 5.0, "urban_area": "hangzhou_city_district"},  # excluded
        {"has_residence_permit": True, "residence_years": 5.0, "urban_area": "rural"},  # urban areas only
        {"has_residence_permit": False, "residence_years": 9.0},              # not a permit holder
    ]
    assert route(NEW, cases, "conversion") == [True, False, False, True, False, False, False]
    assert route(OLD, cases, "conversion") == [False] * 7  # no such route before the notice


# -- 一(二) other urban areas: legal stable home (rented included) ---------------------------------------------------
def test_residence_route_rented_included():
    cases = [
        {"housing": "rented", "residence_years": 2.0},     # renter, 2 years: new yes, old (3 years assumed) no
        {"housing": "rented", "residence_years": 3.0},     # renter, 3 years: both
        {"housing": "owned", "residence_years": 0.0},      # owner: both
        {"housing": "employer", "residence_years": 9.0},   # dormitory: per the reading (default: it counts)
        {"housing": "rented", "urban_area": "hangzhou_city_district"},  # city districts use points instead
    ]
    assert route(NEW, cases, "residence") == [True, True, True, True, False]
    no_dorm = load_ruleset(ROOT / "rulesets/notice-2023.yaml", readings={"dormitory": "excluded"})
    assert route(no_dorm, cases, "residence") == [True, True, True, False, False]
    assert route(OLD, cases, "residence") == [False, True, True, False, False]


def test_stable_home_has_one_meaning_for_permits_and_the_residence_route():
    dorm = {"housing": "employer", "months_resident": 6, "residence_years": 0.5}  # no job, no schooling
    for reading, expected in (("counts", True), ("excluded", False)):
        rules = load_ruleset(ROOT / "rulesets/notice-2023.yaml", readings={"dormitory": reading})
        res = evaluate(people(dorm), rules)
        assert res.permit.eligible.tolist() == [expected]      # 一(三) 合法稳定住所
        assert res.masks["residence"].tolist() == [expected]   # 一(二) the same term (含租赁，下同)


def test_prefecture_residence_recognition_reaches_the_old_rent_rule():
    person = {"housing": "rented", "residence_years": 2.0, "residence_years_other_districts": 1.0}
    with_recognition = OLD.model_copy(deep=True)
    with_recognition.recognition.prefecture_residence = True
    assert route(OLD, [person], "residence") == [False]
    assert route(with_recognition, [person], "residence") == [True]  # 2 + 1 = 3 years recognised city-wide


# -- 二(一) talent --------------------------------------------------------------------------------------------------
def test_talent_criteria_and_address():
    cases = [
        {"education": "bachelor", "age": 35, "employed": True},    # age limit inclusive
        {"education": "bachelor", "age": 36, "employed": True},    # one year too old
        {"education": "master", "age": 30, "employed": False},     # no job: new yes (public collective household)
        {"education": "associate", "age": 25, "employed": True},   # below bachelor
        {"has_skill_certificate": True, "age": 50, "employed": True},
        {"education": "doctor", "age": 30, "employed": True, "urban_area": "hangzhou_city_district"},
        {"education": "doctor", "age": 30, "employed": True, "urban_area": "rural"},
    ]
    assert route(NEW, cases, "talent") == [True, False, True, False, True, True, False]
    assert route(OLD, cases, "talent") == [True, False, False, False, True, True, False]


# -- 二(二) family joining ------------------------------------------------------------------------------------------
def parent(age: int, sex: str, **kw) -> dict:
    return {"joins_as": "parent", "sponsor_has_home": True, "age": age, "sex": sex, **kw}


def test_parents_joining_adult_children_age_limit_removed():
    cases = [
        parent(60, "M"), parent(59, "M"), parent(55, "F"), parent(54, "F"), parent(45, "M"),
        parent(70, "M", sponsor_has_home=False),                   # the child has no legal stable home
        parent(70, "F", urban_area="hangzhou_city_district"),      # not in Hangzhou city districts
        {"joins_as": "spouse_parent", "sponsor_has_home": True, "age": 70},  # parent-in-law: not this route
    ]
    assert route(OLD, cases, "family_parents") == [True, False, True, False, False, False, False, False]
    assert route(NEW, cases, "family_parents") == [True, True, True, True, True, False, False, False]


def child(age: int, marital: str, **kw) -> dict:
    return {"joins_as": "child", "sponsor_has_home": True, "age": age, "marital_status": marital, **kw}


def test_children_joining_parents_unmarried():
    cases = [
        child(17, "single"),                  # a minor: both
        child(18, "single"),                  # adult, unmarried: new only
        child(30, "single"),
        child(30, "married"),                 # married child: neither
        child(30, "divorced"),                # 未婚 = never married; divorced does not count
        child(30, "widowed"),
        child(20, "single", sponsor_has_home=False),
        child(20, "single", urban_area="hangzhou_city_district"),
    ]
    assert route(OLD, cases, "family_children") == [True, False, False, False, False, False, False, False]
    assert route(NEW, cases, "family_children") == [True, True, True, False, False, False, False, False]


def relative(joins_as: str, **kw) -> dict:
    return {"joins_as": joins_as, "intra_city_move": True, "sponsor_is_household_head": True, **kw}


def test_intra_city_relationship_list_widened():
    cases = [
        relative("spouse"), relative("parent"), relative("child"),                 # old list
        relative("grandparent"), relative("grandchild"),                          # head's lineal relatives
        relative("spouse_parent"),                                                 # spouse's lineal relatives
        relative("child_spouse"),                                                  # children's spouses
        relative("sibling"),                                                       # not in the list
        relative("parent", sponsor_is_household_head=False),                      # sponsor not a household head
        relative("parent", intra_city_move=False),                                # not a move within the city
    ]
    assert route(OLD, cases, "family_intra_city") == [True, True, True] + [False] * 7
    assert route(NEW, cases, "family_intra_city") == [True] * 7 + [False] * 3


# -- 一(二) points in Hangzhou city districts, and 二(三) recognition through compare -------------------------------
def city(**kw) -> dict:
    return {"urban_area": "hangzhou_city_district", "district": "xihu", "has_residence_permit": True, **kw}


def test_points_threshold_from_hand_scores():
    # hangzhou-2023-illustrative: 6 points per year of residence and of insurance (each capped at 60), by month;
    # associate +5; line 100. 8 years + 8.5 years = 48 + 51 = 99; 100 months + 100 months = 50 + 50 = 100.
    cases = [
        city(residence_years=8.0, insurance_years=8.5),
        city(residence_years=8.0, insurance_years=8.5, education="associate"),
        city(residence_years=100 / 12, insurance_years=100 / 12),
        city(residence_years=20.0, insurance_years=20.0, has_residence_permit=False),  # permit gate
        {**city(residence_years=20.0, insurance_years=20.0), "urban_area": "other_urban", "district": "jiande"},
    ]
    assert route(NEW, cases, "points") == [False, True, True, False, False]


def test_recognition_effect_through_compare():
    # 来本省就业并已办理基本养老保险关系转移接续手续的，其长三角城市群内的社会保险缴纳年限可以与当地合并计算
    yrd = dict(residence_years=9.0, insurance_years=6.0, insurance_years_yrd=2.0)  # 54 + 36 (+12 with YRD)
    cases = [
        city(**yrd, pension_transferred=True, employed=True, yrd_city="suzhou_js"),  # 54 + 48 = 102: qualifies
        city(**yrd, pension_transferred=False, employed=True, yrd_city="suzhou_js"),  # no transfer
        city(residence_years=6.0, residence_years_other_districts=4.0, insurance_years=7.0),  # 36+42 -> 60+42
        city(residence_years=6.0, insurance_years=7.0),                                        # nothing to add
        city(**yrd, pension_transferred=True, employed=False, yrd_city="suzhou_js"),  # not employed here
        city(**yrd, pension_transferred=True, employed=True, yrd_city="xuzhou"),      # Xuzhou: not in the cluster
    ]
    old = OLD.model_copy(deep=True)
    old.pathways["points"] = NEW.pathways["points"].model_copy(deep=True)  # same points rule both sides
    old.pathways["points"].scheme = str(NEW.scheme_path("points").resolve())
    cmp = compare(people(*cases), old, NEW)
    marginal = cmp.marginal.set_index("change")
    assert marginal.loc["recognition.yrd_insurance", "newly"] == 1
    assert marginal.loc["recognition.prefecture_residence", "newly"] == 1
    # both ways: with the same points rule on both sides, taking each out of the new set loses the same person
    assert marginal.loc["recognition.yrd_insurance", "without_lost"] == 1
    assert marginal.loc["recognition.prefecture_residence", "without_lost"] == 1
    assert cmp.old.masks["points"].tolist() == [False] * 6
    assert cmp.new.masks["points"].tolist() == [True, False, True, False, False, False]
    assert cmp.newly.tolist() == [True, False, True, False, False, False]


def test_old_quota_share_limits_points():
    cases = [city(residence_years=float(y), insurance_years=float(y)) for y in range(3, 13)]
    res = evaluate(people(*cases), OLD)  # quota_share 0.002 of 10 people rounds to 0 places
    assert res.masks["points"].sum() == 0
    rules = OLD.model_copy(deep=True)
    rules.pathways["points"].admission.quota_share = 0.3  # 3 places: the three longest-staying
    rules.path = OLD.path
    res = evaluate(people(*cases), rules)
    assert res.masks["points"].tolist() == [False] * 7 + [True] * 3


# -- rule sets as data -----------------------------------------------------------------------------------------------
def test_rule_changes_are_the_notice_clauses():
    assert rule_changes(OLD, NEW) == [
        "recognition.yrd_insurance", "recognition.prefecture_residence", "pathways.points", "pathways.residence",
        "pathways.conversion", "pathways.talent", "pathways.family_parents", "pathways.family_children",
        "pathways.family_intra_city"]  # the permit rule and Hangzhou's own family route did not change
    assert rule_changes(NEW, NEW) == []


def _edited(edit) -> dict:
    data = yaml.safe_load((ROOT / "rulesets/notice-2023.yaml").read_text(encoding="utf-8"))
    edit(data)
    return data


@pytest.mark.parametrize(("edit", "needles"), [
    (lambda d: d["pathways"]["talent"].update(areas=["citydistrict"]),
     ["pathways.talent.areas[0]", "'citydistrict'", "hangzhou_city_district"]),
    (lambda d: d["pathways"]["residence"].update(criteria={"column": "housing", "in": ["owend"]}),
     ["pathways.residence.criteria.in", "'owend'", "owned, rented, employer, none"]),
    (lambda d: d["pathways"]["conversion"].update(colour=1), ["pathways.conversion.colour", "allowed keys", "areas"]),
    (lambda d: d["recognition"].update(yrd=True), ["recognition.yrd", "yrd_insurance"]),
    (lambda d: d["pathways"]["family_children"]["criteria"]["all_of"][2]["any_of"].append(
        {"column": "marital_status", "equals": "unwed"}), ["all_of[2].any_of[2].equals", "'unwed'", "single, married"]),
    (lambda d: d["terms"]["unmarried"].update({"in": ["single", "divorced"]}),
     ["readings.unmarried.options.never_married", "terms.unmarried.in", "default"]),
    (lambda d: d["pathways"]["residence"].update(criteria={"term": "stable_hom"}),
     ["pathways.residence.criteria.term", "'stable_hom'", "stable_home"]),
    (lambda d: d["pathways"]["points"].update(kind="criteria"), ["pathways.points", "kind points"]),
    (lambda d: d.update(permit="missing.yaml"), ["missing.yaml", "not found"]),
])
def test_rule_set_errors_name_file_key_value_allowed(edit, needles):
    with pytest.raises(RuleSetError) as info:
        ruleset_from_dict(_edited(edit), "my-rules.yaml", ROOT / "rulesets")
    message = str(info.value)
    assert "\n" not in message
    for needle in ["my-rules.yaml" if "missing" not in needles[0] else "missing.yaml", *needles]:
        assert needle in message


def test_missing_scheme_file_and_missing_column(tmp_path):
    data = _edited(lambda d: d["pathways"]["points"].update(scheme="nowhere.yaml"))
    path = tmp_path / "r.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True).replace("permit-2023.yaml",
                    str(ROOT / "rulesets/permit-2023.yaml")), encoding="utf-8")
    with pytest.raises(RuleSetError, match=r"pathways\.points\.scheme: value 'nowhere.yaml'"):
        load_ruleset(path)
    from scoring.errors import PopulationError

    with pytest.raises(PopulationError, match="joins_as"):
        evaluate(people({}).drop(columns=["joins_as"]), NEW)


def test_criteria_are_never_code():
    data = _edited(lambda d: d["pathways"]["residence"].update(criteria={"column": "housing",
                                                                        "in": ["__import__('os')"]}))
    with pytest.raises(RuleSetError, match="not a value of column 'housing'"):
        ruleset_from_dict(data, "x.yaml", ROOT / "rulesets")


def test_a_label_is_one_model_and_a_plain_string_stands_for_both_languages():
    from scoring.model_base import Label
    from scoring.scheme import model as scheme_model

    assert scheme_model.Label is Label  # one definition, shared by schemes and rule sets
    data = _edited(lambda d: d["pathways"]["talent"].update(label="人才落户"))
    assert NEW.pathways["talent"].label.get("en") != "人才落户"
    rules = ruleset_from_dict(data, "my-rules.yaml", ROOT / "rulesets")
    assert [rules.pathways["talent"].label.get(lang) for lang in ("zh", "en")] == ["人才落户", "人才落户"]
    assert Label.model_validate({"en": "talent"}).zh == "talent"
    with pytest.raises(ValueError, match="extra"):
        Label.model_validate({"zh": "a", "en": "b", "fr": "c"})
