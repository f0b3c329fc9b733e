"""The policy team's editor: add and remove items, eligibility conditions, the tie rule (dashboard.scheme_struct and
the Scheme page), with checks in the user's language and the "edited" mark in every stamp."""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pandas as pd
import pytest
from dashboard_helpers import DEFAULT, app, ok, plain, visit

import scoring
from dashboard import scheme_store, scheme_struct
from dashboard.i18n import t
from scoring.scheme.load import load_scheme, scheme_from_dict

LATIN_WORD = re.compile(r"[A-Za-z]{4,}")
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def scheme():
    return load_scheme(DEFAULT)


def _spec(**kw):
    base = {"id": "volunteer", "name_zh": "志愿服务", "name_en": "volunteering", "group": "bonus", "kind": "flag",
            "column": "has_honour", "points": "5"}
    return {**base, **kw}


def test_add_item_scores_it(scheme):
    new, problems = scheme_struct.add_item(scheme, _spec(), "zh")
    assert not problems and new.item("volunteer").points == 5.0
    from scoring.population.synthetic import synth

    pop = synth(2000, 1)
    before, after = scoring.score(pop, scheme), scoring.score(pop, new)
    diff = (after.total_cents - before.total_cents)[before.eligible_mask]
    expect = np.where(pop["has_honour"].to_numpy(bool), 500, 0)[before.eligible_mask]
    np.testing.assert_array_equal(diff, expect)  # 5 points for an honour, nothing else moves
    new, problems = scheme_struct.add_item(scheme, _spec(kind="per_unit", column="tax_years_high",
                                                         points_per_unit="2", cap="10"), "en")
    assert not problems and new.item("volunteer").cap == 10.0


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("bad", [
    {"id": "Bad id"}, {"id": "residence"}, {"name_en": ""}, {"group": "不对"}, {"points": "abc"},
    {"kind": "per_unit", "column": "has_honour", "points_per_unit": "1"},
    {"kind": "per_unit", "column": "tax_years_high", "points_per_unit": "1", "cap": "-3"},
])
def test_add_item_refuses_in_the_users_language(scheme, lang, bad):
    new, problems = scheme_struct.add_item(scheme, _spec(**bad), lang)
    assert new is None and problems
    for p in problems:
        if lang == "zh":
            assert not LATIN_WORD.search(re.sub(r"“[^”]*”", "", p)), p  # user's text quoted; no English words
        else:
            assert not CJK.search(re.sub(r'"[^"]*"', "", p)), p


def test_remove_items(scheme):
    new, problems = scheme_struct.remove_items(scheme, ["education"], "zh")
    assert not problems and "education" not in {i.id for i in new.items}
    _, problems = scheme_struct.remove_items(scheme, [i.id for i in scheme.items], "zh")
    assert problems == ["不能删除全部项目：方案至少需要一个项目。"]
    _, problems = scheme_struct.remove_items(scheme, ["residence", "insurance"], "en")
    assert problems and "dominance" in problems[0]


def test_gates_table_round_trips_every_shipped_scheme():
    for path in sorted(DEFAULT.parent.glob("*.yaml")):
        s = load_scheme(path)
        for lang in ("zh", "en"):
            table = scheme_struct.gates_table(s, lang)
            assert scheme_struct.check_gates(table, lang, s) == []
            assert scheme_struct.gates_from_table(s, table, lang) == s.to_dict().get("eligibility", [])


def test_gate_edits_change_who_is_eligible(scheme):
    from scoring.population.synthetic import synth

    pop = synth(5000, 2)
    table = scheme_struct.gates_table(scheme, "zh")
    table.loc[len(table)] = {"id": "age_cap", "label": "年龄不超过45岁", "column": "年龄", "min": None, "max": "45",
                             "equals": None}
    assert scheme_struct.check_gates(table, "zh", scheme) == []
    data = scheme.to_dict()
    data["eligibility"] = scheme_struct.gates_from_table(scheme, table, "zh")
    new = scheme_from_dict(data, "<t>")
    before, after = scoring.score(pop, scheme), scoring.score(pop, new)
    np.testing.assert_array_equal(after.eligible_mask, before.eligible_mask & (pop["age"].to_numpy() <= 45))
    assert new.eligibility[-1].label.en == "年龄不超过45岁"  # a new gate: its label in both languages until edited


@pytest.mark.parametrize("row,key", [
    ({"id": "Bad", "column": "age", "min": "1"}, "gate_id_bad"),
    ({"id": "a", "column": "age", "min": "9", "max": "3"}, "gate_min_above_max"),
    ({"id": "a", "column": "employed", "equals": "maybe"}, "gate_equals_bad"),
    ({"id": "a", "column": "employed", "min": "1"}, "gate_min_max_numeric"),
    ({"id": "a", "column": "age"}, "gate_needs_test"),
    ({"id": "a", "column": None, "min": "1"}, "gate_column_bad"),
])
def test_gate_problems_are_named(row, key):
    from dashboard.i18n import STRINGS

    table = pd.DataFrame([{c: row.get(c) for c in scheme_struct.GATE_COLUMNS}], dtype=object)
    problems = scheme_struct.check_gates(table, "zh")
    assert len(problems) == 1
    head = STRINGS[key][0].split("{")[0]
    assert problems[0].startswith(head) or head in problems[0]


def test_ties_value(scheme):
    assert scheme_struct.ties_value(True, [], None, "zh") == ("admit_all", [])
    chain, problems = scheme_struct.ties_value(False, [{"column": "insurance_years", "order": "desc"},
                                                       {"column": "", "order": "asc"}], 7, "en")
    assert not problems and chain == [{"column": "insurance_years", "order": "desc"}, {"lottery": 7}]
    _, problems = scheme_struct.ties_value(False, [{"column": "", "order": "desc"}], None, "zh")
    assert problems == ["请至少选择一个比较项或抽签。"]
    s22 = load_scheme(DEFAULT.parent / "hangzhou-2022-illustrative.yaml")
    assert scheme_struct.ties_spec(s22) == (False, [{"column": "insurance_years", "order": "desc"}], 2022)


def test_edited_mark_in_the_stamp(scheme):
    new, _ = scheme_struct.remove_items(scheme, ["education"], "zh")
    edited = scheme_store.as_edited(new, scheme)
    assert edited.status == "draft"
    assert f"已编辑（基于 {scheme.id} v{scheme.version}）" in edited.stamp("zh")
    assert f"edited (from {scheme.id} v{scheme.version})" in edited.stamp("en")
    again = scheme_store.as_edited(edited, edited)  # an edit of an edit names the first origin
    assert again.edited_from == edited.edited_from
    assert load_scheme(DEFAULT).edited_from is None and "edited_from" not in scheme.to_dict()


def _key(at, prefix: str) -> str:
    ss = at.session_state
    return prefix + hashlib.sha256(f"{ss['editor_gen']}:{ss['editor_base']}".encode()).hexdigest()[:10]


def test_scheme_page_add_remove_and_the_mark_on_other_pages():
    at = app("scheme", "en", open_struct=True)  # the section is drawn only when opened (dashboard/lazy.py)
    ok(at)
    k = _key(at, "")
    at.text_input(key=f"se_add_id_{k}").set_value("volunteer")
    at.text_input(key=f"se_add_zh_{k}").set_value("志愿服务")
    at.text_input(key=f"se_add_en_{k}").set_value("volunteering")
    at.radio(key=f"se_add_kind_{k}").set_value("flag")
    at.run()
    at.text_input(key=f"se_add_points_{k}").set_value("5")
    at.selectbox(key=f"se_add_group_{k}").set_value("human_capital")
    at.selectbox(key=f"se_add_col_flag_{k}").set_value("has_honour")
    at.button(key=f"se_add_go_{k}").click().run()
    ok(at)
    working = scoring.load_scheme_text(at.session_state["scheme_yaml"], "<t>")
    assert working.item("volunteer").points == 5.0 and working.edited_from
    assert working.item("volunteer").group == "human_capital" and working.item("volunteer").column == "has_honour"
    assert any('Added the item "volunteering"' in s.value for s in at.success)
    assert any("volunteer" in m.value for m in at.markdown)  # the change list names the new item
    k = _key(at, "")
    at.multiselect(key=f"se_remove_{k}").set_value(["education"]).run()
    at.button(key=f"se_remove_go_{k}").click().run()
    ok(at)
    working = scoring.load_scheme_text(at.session_state["scheme_yaml"], "<t>")
    assert {"volunteer"} <= {i.id for i in working.items} and "education" not in {i.id for i in working.items}
    visit(at, "quota")
    assert any("edited (from hangzhou-2023-illustrative" in plain(c.value) for c in at.caption)
    visit(at, "scheme")
    at.button(key="reset_edits").click().run()
    assert "edited_from" not in at.session_state["scheme_yaml"]


def test_scheme_page_bad_item_is_refused_in_place_in_chinese():
    at = app("scheme", "zh", open_struct=True)
    k = _key(at, "")
    at.text_input(key=f"se_add_id_{k}").set_value("Bad Id")
    at.button(key=f"se_add_go_{k}").click().run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any("编号" in e and "无效" in e for e in errors) and any("中文和英文名称" in e for e in errors)
    assert "edited_from" not in at.session_state["scheme_yaml"]


def test_scheme_page_add_form_preselects_nothing_and_speaks_the_views_language():
    """Findings 9, 10: no group or column is preselected (a new item must not silently land in the residence group
    on the age column); adding without them is refused in place; the remove placeholder is in the view's language."""
    for lang in ("zh", "en"):
        at = app("scheme", lang, open_struct=True)
        ok(at)
        k = _key(at, "")
        assert at.selectbox(key=f"se_add_group_{k}").value is None
        assert at.selectbox(key=f"se_add_col_per_unit_{k}").value is None
        assert at.multiselect(key=f"se_remove_{k}").placeholder == t("se_choose_items", lang)
        at.text_input(key=f"se_add_id_{k}").set_value("talent_x")
        at.text_input(key=f"se_add_zh_{k}").set_value("人才加分")
        at.text_input(key=f"se_add_en_{k}").set_value("talent")
        at.run()
        at.text_input(key=f"se_add_ppu_{k}").set_value("1")
        at.button(key=f"se_add_go_{k}").click().run()
        assert not at.exception
        errors = [e.value for e in at.error]
        for what in ("se_f_group", "se_f_column"):
            assert t("se_choose_required", lang, what=t(what, lang)) in errors
        assert "edited_from" not in at.session_state["scheme_yaml"]


def test_scheme_page_gate_and_tie_edits():
    at = app("scheme", "en", open_gates=True)
    k = _key(at, "")
    at.session_state[f"gates_{k}"] = {"edited_rows": {}, "deleted_rows": [],
                                      "added_rows": [{"id": "age_cap", "column": "age", "max": "45"}]}
    at.run()
    ok(at)
    working = scoring.load_scheme_text(at.session_state["scheme_yaml"], "<t>")
    assert working.eligibility[-1].id == "age_cap" and working.eligibility[-1].max == 45.0
    at.session_state[f"gates_{k}"] = {"edited_rows": {}, "deleted_rows": [],
                                      "added_rows": [{"id": "age_cap", "column": "age", "max": "x"}]}
    at.run()
    assert any("is not a number" in e.value for e in at.error)
    at.session_state[f"gates_{k}"] = {"edited_rows": {}, "deleted_rows": [0], "added_rows": []}
    at.radio(key=f"adm_mode_{k}").set_value("both").run()  # ties only matter where places are rationed
    at.radio(key=f"tie_mode_{k}").set_value("chain")
    at.run()
    at.selectbox(key=f"tie_col0_{k}").set_value("residence_years")
    at.number_input(key=f"tie_lottery_{k}").set_value(11)
    at.run()
    ok(at)
    working = scoring.load_scheme_text(at.session_state["scheme_yaml"], "<t>")
    assert [g.id for g in working.eligibility] == ["insurance_min"]  # the permit condition (row 0) deleted
    ties = [k.model_dump(exclude_none=True) for k in working.admission.ties]
    assert ties == [{"column": "residence_years", "order": "desc"}, {"order": "desc", "lottery": 11}]


def test_a_closed_section_keeps_its_edits_and_draws_nothing():
    """The eligibility table sits in a lazy section (dashboard/lazy.py): closed, its editor is not drawn (one grid
    fewer for the browser), and an edit made while it was open stays in the working scheme and in the reopened
    editor."""
    at = app("scheme", "en", open_gates=True)
    k = _key(at, "")
    grids_open = len(at.dataframe)
    at.session_state[f"gates_{k}"] = {"edited_rows": {}, "deleted_rows": [],
                                      "added_rows": [{"id": "age_cap", "column": "age", "max": "45"}]}
    at.run()
    ok(at)
    at.session_state["open_gates"] = False
    at.run()
    ok(at)
    assert len(at.dataframe) == grids_open - 1
    working = scoring.load_scheme_text(at.session_state["scheme_yaml"], "<t>")
    assert working.eligibility[-1].id == "age_cap" and working.eligibility[-1].max == 45.0
    at.session_state["open_gates"] = True
    at.run()
    ok(at)
    assert len(at.dataframe) == grids_open
    working = scoring.load_scheme_text(at.session_state["scheme_yaml"], "<t>")
    assert working.eligibility[-1].id == "age_cap"  # the reopened editor starts from the kept table
    assert "age_cap" in at.session_state[f"_start_gates_{k}"]["id"].tolist()


def _edited_for_diff(scheme):
    data = scheme.to_dict()
    for entry in data["items"]:
        if entry["kind"] == "category":
            entry["points"] = {k: v + 1 for k, v in entry["points"].items()}
    first = data["items"][0]
    first["group"] = next(g for g in scheme.group_names() if g != first["group"])
    data["items"].append({"id": "talent_x", "label": {"zh": "人才加分", "en": "talent"}, "group": "human_capital",
                          "kind": "per_unit", "column": "age", "points_per_unit": 1, "cap": 10})
    data["dominance"]["measure"] = "design"
    return scheme_from_dict(data, "<edited>")


def test_scheme_diff_speaks_the_views_language(scheme):
    """Trial finding 16 / issue 16 item 11: the change list (Scheme page, tuning) names category values, groups,
    columns, kinds and measures in the view's language, never by the file's English codes in the Chinese view."""
    from scoring.population import schema
    from scoring.scheme.diff import scheme_diff

    edited = _edited_for_diff(scheme)
    zh, en = scheme_diff(scheme, edited, "zh"), scheme_diff(scheme, edited, "en")
    assert len(zh) == len(en) >= 4
    for line in zh:
        assert not LATIN_WORD.search(line), line  # no English word (codes, keys) in the Chinese view
    for line in en:
        assert not CJK.search(line), line
    cat = next(i for i in scheme.items if i.kind == "category")
    codes = list(cat.points)
    line = next(x for x in zh if cat.name("zh") in x and "分值" in x)
    assert all(schema.value_label(cat.column, c, "zh") in line for c in codes)
    assert any("人才加分" in x and "年龄" in x and "人力资本" in x for x in zh)  # an added item in words


def test_realised_measure_has_one_name_everywhere():
    """Trial finding 16: the same measure was 实际占比 on the Scheme page and 占积分的比例 elsewhere; every string
    table of the dashboard and the library now calls it 占积分的比例 (share of the points)."""
    from dashboard.i18n import METHOD_TEXT, STRINGS
    from dashboard.i18n_tuning import TEXT as TUNING
    from scoring import labels

    tables = [STRINGS, METHOD_TEXT, TUNING, *labels.MEASURES.values(), labels.TEXT]
    texts = [pair for table in tables for pair in table.values()]
    assert not [zh for zh, _ in texts if "实际占比" in zh or zh in ("实际", "录取者实际占比")]
    assert not [en for _, en in texts if "realised share" in en.lower()]
    for form in ("short", "name", "option", "text"):
        zh, en = labels.MEASURES["realised"][form]
        assert "占积分的比例" in zh and "share of the points" in en.lower(), form
