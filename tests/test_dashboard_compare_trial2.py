"""New-user trial 2 on the Compare page: it says its figures are the static one-year comparison (not the queue
model's first year), and an edited working scheme is among its default picks and in its stamp."""

from __future__ import annotations

import pytest
from dashboard_helpers import app, edit_items, ok, plain, visit

from dashboard import state
from dashboard.i18n import t
from dashboard.pages.compare import CURRENT, SHIPPED_PICKS


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_compare_says_its_counts_are_static(lang):
    at = app("compare", lang)
    ok(at)
    assert t("cmp_static_note", lang) in [c.value for c in at.caption]
    page = t("page_overview", lang)
    assert page in t("cmp_static_note", lang) and t("page_quota", lang) in t("cmp_static_note", lang)


def test_an_edited_working_scheme_is_compared_by_default():
    at = app("scheme", "en")
    edit_items(at, {0: {"points_per_unit": "3"}})
    ok(at)
    working = state.scheme_of(at.session_state["scheme_yaml"]).stamp("en")
    assert "edited" in working
    visit(at, "compare")
    ok(at)
    assert at.multiselect(key="cmp_pick").value == [*SHIPPED_PICKS, CURRENT]
    captions = [plain(c.value) for c in at.caption]
    assert any(working in c for c in captions)  # the stamp names the compared edited scheme ...
    assert t("current_scheme", "en") in at.dataframe[0].value.index  # ... which is in the table


def test_unedited_stamp_names_only_the_compared_schemes():
    at = app("compare", "en")
    ok(at)
    at.multiselect(key="cmp_pick").set_value(["hangzhou-2022-illustrative", "beijing-2020"]).run()
    ok(at)
    texts = dict(state.scheme_texts())
    captions = " ".join(plain(c.value) for c in at.caption)
    assert state.scheme_of(texts["beijing-2020"]).stamp("en") in captions
    assert state.scheme_of(texts["hangzhou-2023-illustrative"]).stamp("en") not in captions  # not compared
