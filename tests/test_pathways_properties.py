"""Pathway masks against an independent per-person reference, properties of the rule sets, synthetic attributes, CLI."""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.cli import main
from scoring.errors import PopulationError
from scoring.pathways.comparison import compare
from scoring.pathways.core import criterion_mask, evaluate
from scoring.pathways.rules import Criterion, load_ruleset, rule_changes, with_change
from scoring.population.area import city_districts
from scoring.population.synth_pathways import add_pathway_attributes, load_parameters
from scoring.population.synthetic import synth

ROOT = Path(__file__).resolve().parent.parent
NEW = load_ruleset(ROOT / "rulesets/notice-2023.yaml")
OLD = load_ruleset(ROOT / "rulesets/before-2023.yaml")


@lru_cache(maxsize=4)
def population(n: int, seed: int) -> pd.DataFrame:
    return add_pathway_attributes(synth(n, seed), seed)


# -- an independent, slow, per-person reference for criteria -------------------------------------------------------
def ref_test(value, crit: dict) -> bool:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    if "equals" in crit and value != crit["equals"]:
        return False
    if "in" in crit and value not in crit["in"]:
        return False
    if "min" in crit and not float(value) >= crit["min"] - 1e-6:
        return False
    return not ("max" in crit and not float(value) <= crit["max"] + 1e-6)


def ref_eval(row: dict, crit: dict) -> bool:
    if "all_of" in crit:
        return all(ref_eval(row, c) for c in crit["all_of"])
    if "any_of" in crit:
        return any(ref_eval(row, c) for c in crit["any_of"])
    if "not" in crit:
        return not ref_eval(row, crit["not"])
    return ref_test(row[crit["column"]], crit)


def plain(crit: Criterion) -> dict:
    return crit.model_dump(by_alias=True, exclude_none=True, exclude={"label"})


def rows(pop: pd.DataFrame) -> list[dict]:
    return pop.astype(object).where(pop.notna(), None).to_dict(orient="records")


LEAVES = st.one_of(
    st.builds(lambda lo: {"column": "age", "min": lo}, st.integers(16, 70)),
    st.builds(lambda hi: {"column": "age", "max": hi}, st.integers(16, 70)),
    st.builds(lambda lo: {"column": "residence_years", "min": lo}, st.sampled_from([0, 0.5, 1, 2.5, 3, 7])),
    st.builds(lambda m: {"column": "months_resident", "min": m}, st.integers(0, 40)),
    st.builds(lambda v: {"column": "education", "in": v},
              st.lists(st.sampled_from(["primary", "junior_secondary", "bachelor", "master", "doctor"]), min_size=1)),
    st.builds(lambda v: {"column": "housing", "equals": v}, st.sampled_from(["owned", "rented", "employer", "none"])),
    st.builds(lambda v: {"column": "employed", "equals": v}, st.booleans()),
    st.builds(lambda v: {"column": "marital_status", "in": v},
              st.lists(st.sampled_from(["single", "married", "divorced", "widowed"]), min_size=1)),
    st.builds(lambda v: {"column": "joins_as", "in": v},
              st.lists(st.sampled_from(["none", "parent", "child", "spouse"]), min_size=1)),
)
TREES = st.recursive(LEAVES, lambda kids: st.one_of(
    st.builds(lambda xs: {"all_of": xs}, st.lists(kids, min_size=1, max_size=3)),
    st.builds(lambda xs: {"any_of": xs}, st.lists(kids, min_size=1, max_size=3)),
    st.builds(lambda x: {"not": x}, kids)), max_leaves=6)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TREES)
def test_criterion_mask_matches_reference(tree):
    pop = population(300, 5).copy()
    pop.loc[pop.index[:7], "residence_years"] = np.nan  # missing values never meet a test
    crit = Criterion.model_validate(tree)
    expected = [ref_eval(r, tree) for r in rows(pop)]
    assert criterion_mask(pop, crit).tolist() == expected


@pytest.mark.parametrize("rules", [OLD, NEW], ids=["before-2023", "notice-2023"])
def test_shipped_criteria_pathways_match_reference(rules):
    res = evaluate(population(2000, 3), rules)
    records = rows(res.population)
    for pid, pathway in rules.pathways.items():
        if pathway.kind != "criteria" or not pathway.enabled:
            continue
        tree = plain(pathway.criteria)
        expected = [r["urban_area"] in pathway.areas and ref_eval(r, tree) for r in records]
        assert res.masks[pid].tolist() == expected, pid


def test_new_rules_relax_old_ones():
    pop = population(5000, 4)
    cmp = compare(pop, OLD, NEW)
    for pid in ("residence", "talent", "family_parents", "family_children", "family_intra_city"):
        assert not (cmp.old.masks[pid] & ~cmp.new.masks[pid]).any(), pid
        assert cmp.new.masks[pid].sum() >= cmp.old.masks[pid].sum()
    marginal = cmp.marginal.set_index("change")
    assert (marginal["lost"].drop(["pathways.points", "recognition.prefecture_residence",
                                   "recognition.yrd_insurance"]) == 0).all()
    # conversion counts residence years recognised city-wide: added to the old rules together with that
    # recognition, it qualifies exactly the new rules' converters
    both = with_change(with_change(OLD, NEW, "pathways.conversion"), NEW, "recognition.prefecture_residence")
    assert np.array_equal(evaluate(pop, both).masks["conversion"], cmp.new.masks["conversion"])
    assert marginal.loc["pathways.conversion", "newly_conversion"] <= cmp.new.masks["conversion"].sum()


def test_all_changes_applied_in_turn_give_the_new_rules():
    pop = population(3000, 6)
    rules = OLD
    for unit in rule_changes(OLD, NEW):
        rules = with_change(rules, NEW, unit)
    assert rule_changes(rules, NEW) == []
    a, b = evaluate(pop, rules), evaluate(pop, NEW)
    for pid in NEW.pathways:
        assert np.array_equal(a.masks[pid], b.masks[pid]), pid


def test_combinations_are_a_partition():
    res = evaluate(population(4000, 7), NEW)
    combos = res.combinations()
    assert combos["count"].sum() == res.n
    by = res.by_pathway().set_index("pathway")
    for pid in res.enabled:
        assert combos.loc[combos[pid], "count"].sum() == by.loc[pid, "qualify"]
    assert combos.loc[combos["routes"] == 0, "count"].sum() == res.n - res.any.sum()
    assert combos.loc[combos["routes"] == 1, "count"].sum() == by.loc["any", "only_this_route"]
    assert res.by_group("age_band")["people"].sum() == res.n


# -- synthetic pathway attributes ----------------------------------------------------------------------------------
def test_pathway_attributes_coherent_and_deterministic():
    base = synth(20000, 11)
    a, b = add_pathway_attributes(base, 11), add_pathway_attributes(base, 11)
    pd.testing.assert_frame_equal(a, b)
    assert not add_pathway_attributes(base, 12)["joins_as"].equals(a["joins_as"])
    years = base["residence_years"].astype(float) + base["residence_years_other_districts"].astype(float)
    assert (a["months_resident"].to_numpy() == np.floor(years * 12 + 1e-6)).all()
    none = a["joins_as"] == "none"
    assert not a.loc[none, "sponsor_has_home"].any() and not a.loc[none, "sponsor_is_household_head"].any()
    assert (a.loc[a["joins_as"] == "parent", "age"] >= 45).all()
    assert (a.loc[a["joins_as"] == "spouse", "marital_status"] == "married").all()
    assert (a.loc[a["intra_city_move"], "origin_province"] == "zhejiang").all()
    assert not a.loc[a["employed"] & (a["age"] >= 30), "in_school"].any()
    kept = add_pathway_attributes(a.assign(urban_area="rural"), 11)
    assert (kept["urban_area"] == "rural").all()  # existing columns are kept


def test_urban_area_follows_the_census_district_split():
    """杭州市城区 is scoring.population.area's (one definition, data/hz_city_districts.csv), under either reading."""
    pop = population(50000, 2)
    assert load_parameters()["city_districts_reading"] == "all_districts"
    city = list(city_districts("all_districts"))
    assert "fuyang" in city and "linan" in city and "tonglu" not in city
    share_city = pop["district"].isin(city).mean()
    assert (pop["urban_area"] == "hangzhou_city_district").mean() == pytest.approx(share_city)
    outside = ~pop["district"].isin(city)
    p_other = float(load_parameters()["other_urban_share_outside_city_districts"])
    assert (pop.loc[outside, "urban_area"] == "other_urban").mean() == pytest.approx(p_other, abs=0.02)
    # the alternative reading: Fuyang and Lin'an become other areas, nobody else moves
    base = pop.drop(columns=["urban_area"])
    alt = add_pathway_attributes(base, 2, area_reading="excluding_fuyang_linan")["urban_area"]
    moved = alt != pop["urban_area"]
    assert set(pop.loc[moved, "district"]) <= {"fuyang", "linan"}
    assert (alt[pop["district"].isin(["fuyang", "linan"])] != "hangzhou_city_district").all()
    with pytest.raises(PopulationError):
        add_pathway_attributes(base, 2, area_reading="nowhere")


# -- command line ---------------------------------------------------------------------------------------------------
def test_cli_compare_json_and_out(tmp_path, capsys):
    code = main(["pathways", "--rules", "rulesets/notice-2023.yaml", "--compare", "rulesets/before-2023.yaml",
                 "--synth", "3000", "--seed", "2", "--json", "--out", str(tmp_path)])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    cmp = compare(population(3000, 2), OLD, NEW)
    ratio = 4_000_000 / 3000  # --synth counts are real people: the sample stands for 4 M (tests/test_cli_units.py)
    assert out["units"]["sample_rows"] == 3000 and out["units"]["ratio"] == pytest.approx(ratio)
    assert out["newly_qualifying"] == round(int(cmp.newly.sum()) * ratio)
    assert out["new"]["pathways"] == {k: round(int(v.sum()) * ratio) for k, v in cmp.new.masks.items()}
    assert "模拟" in out["stamp_line"] and "示意" in out["stamp_line"]
    table = pd.read_csv(tmp_path / "marginal.csv", encoding="utf-8-sig")
    assert list(table["change"]) == rule_changes(OLD, NEW)
    assert table["stamp"].str.contains("before-2023").all()
    assert (tmp_path / "permit_education.csv").exists() and (tmp_path / "combinations.csv").exists()


@pytest.mark.parametrize("argv", [
    ["--rules", "rulesets/nope.yaml", "--synth", "10"],
    ["--rules", "rulesets/notice-2023.yaml"],
    ["--rules", "rulesets/notice-2023.yaml", "--synth", "10", "--group-by", "shoe_size"],
    ["--rules", "rulesets/notice-2023.yaml", "--population", "data/sample_extract_gb18030.csv"],
])
def test_cli_user_mistakes_exit_2(argv, capsys):
    assert main(["pathways", *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("错误：") and "Traceback" not in "".join(err)


def test_cli_reads_chinese_pathway_headers_and_values(tmp_path, capsys):
    from scoring.pathways.columns import normalise_pathway_columns

    pop = population(400, 9)
    zh = {"urban_area": {"hangzhou_city_district": "杭州市城区", "other_urban": "其他城镇地区", "rural": "农村"},
          "joins_as": {"none": "无", "parent": "父母", "child": "子女", "spouse": "配偶", "sibling": "兄弟姐妹",
                       "grandparent": "祖父母", "grandchild": "孙子女", "spouse_parent": "配偶的父母",
                       "child_spouse": "子女的配偶"}}
    frame = pop.copy()
    for col, names in zh.items():
        frame[col] = frame[col].astype(object).map(names)
    for col in ("in_school", "sponsor_has_home", "intra_city_move"):
        frame[col] = np.where(frame[col], "是", "否")
    frame = frame.rename(columns={"urban_area": "居住地区类型", "joins_as": "投靠关系", "in_school": "是否连续就读",
                                  "months_resident": "居住月数", "sponsor_has_home": "被投靠人有合法稳定住所"})
    path = tmp_path / "people.csv"
    frame.to_csv(path, index=False, encoding="utf-8-sig")
    assert main(["pathways", "--rules", "rulesets/notice-2023.yaml", "--population", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["pathways"] == {k: int(v.sum()) for k, v in evaluate(pop, NEW).masks.items()}
    bad = pop.assign(joins_as=pop["joins_as"].astype(object).replace("parent", "舅舅"))
    with pytest.raises(Exception, match=r"column joins_as: unknown value '舅舅'; allowed: none, spouse"):
        normalise_pathway_columns(bad.assign(joins_as=bad["joins_as"].astype(object)))
