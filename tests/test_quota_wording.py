"""Trial 2 findings #1, #2, #12, #14, #16: the Quota page's words say what its numbers count. The calibration note
names the run it fits (with the quota) and why the stock falls without it; the table's applicants include those
below the line, a column gives those at or above it (the figure the first-year steps name), the backlog is the
eligible not settled; counts are whole people and waiting years one decimal; the download is named in the view's
language; the scheme editor's quota starts at the scheme's own or 8,000."""

from __future__ import annotations

import re

import pandas as pd
import pytest

import scoring
from dashboard import quota_model, reform_model, scheme_edit, view
from dashboard.i18n import fmt_int, t
from dashboard.pages import quota as quota_page
from scoring.scenario.quota_calendar import scenario_at_ratio
from scoring.scenario.run import calibration_line

SCHEMES = quota_model.SCENARIO_DIR / "schemes"
CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]{2,}")
NOTE = {"calibrated": True, "rms_error_units": 0.2086, "fit": [
    {"target": "2033 pool", "observed": 3_590_000.0, "model": 3_599_980.0, "error_units": 0.0998}]}


def _scheme(sid: str):
    return scoring.load_scheme(SCHEMES / f"{sid}.yaml")


@pytest.fixture(scope="module")
def run():
    """The 2023 scheme on the Quota page's model, 3 years at 1:400, one replication (small, real)."""
    sch = _scheme("hangzhou-2023-illustrative")
    scenario, quota, line = quota_model.defaults(sch)
    return quota_model.run("test-wording-2023", sch, scenario, quota, line, 3, 400, 1)


def test_calibration_note_names_the_quota_run_and_why_the_stock_falls():
    """#1: the fit is of the run with the quota; without it the stock falls because people settle."""
    zh = quota_model.calibration_text(NOTE, "杭州市城区", "zh")
    en = quota_model.calibration_text(NOTE, "Hangzhou city districts", "en")
    assert "有名额的改革前运行" in zh and "非户籍存量因此下降" in zh and "不是校准失误" in zh
    assert "of the run with the quota" in en and "stock falls because the people who settle leave" in en
    assert not LATIN.search(zh) and not CJK.search(en)
    sc = scenario_at_ratio(quota_model.SCENARIO_DIR / "hangzhou-2023-reform.yaml", 400)
    for lang, words in (("zh", "拟合的是有名额的运行"), ("en", "the fit is of the run with the quota")):
        assert words in calibration_line(sc, lang)


def test_the_stock_without_the_quota_falls_as_people_settle(run):
    """#1, the property the note states: the year after the no-quota release the non-hukou stock is lower by at
    least half the people who settled beyond the quota's (departures and arrivals are the same draws)."""
    tab = run.table.set_index(["variant", "year"])
    y0, y1 = sorted(run.table["year"].unique())[:2]
    extra = tab.loc[("without", y0), "admitted"] - tab.loc[("with", y0), "admitted"]
    assert tab.loc[("without", y0), "pool"] == tab.loc[("with", y0), "pool"]  # the same start
    assert tab.loc[("with", y1), "pool"] - tab.loc[("without", y1), "pool"] > extra / 2 > 0


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_table_columns_count_what_their_names_say(run, lang):
    """#2: without the quota, settled = applicants at or above the line = the steps' applicants; applicants
    (incl. below the line) >= those at the line; backlog = eligible - settled. #14: whole counts, waits one decimal."""
    shown = quota_page._table(run.table, lang)
    col = {c: t(f"qy_col_{c}", lang) for c in ("year", "variant", "admitted", "applicants", "applicants_at_line",
                                               "backlog")}
    assert set(col.values()) <= set(shown.columns)
    without = shown[shown[col["variant"]] == t("qy_variant_without", lang)].sort_values(col["year"])
    first = without.iloc[0]
    steps = run.steps.iloc[0]
    assert first[col["admitted"]] == first[col["applicants_at_line"]] == round(steps["applicants"])
    assert (shown[col["applicants"]] >= shown[col["applicants_at_line"]]).all()
    eligible = run.table["eligible"].round().astype("Int64").to_numpy()
    settled = shown[col["admitted"]].to_numpy()
    assert (abs(shown[col["backlog"]].to_numpy() - (eligible - settled)) <= 1).all()  # each side rounded once
    # the steps sentence names the same column, so the two read alike
    assert t("qy_col_applicants_at_line", lang) in reform_model.steps_text(steps.to_dict(), lang)
    for c in quota_page.COUNT_COLS:
        assert str(shown[t(f"qy_col_{c}", lang)].dtype) == "Int64", c
    wait = shown[t("qy_col_wait", lang)].dropna()
    assert len(wait) and ((wait * 10 - (wait * 10).round()).abs() < 1e-9).all()
    csv = shown.to_csv(index=False)
    assert "99999" not in csv and "00000001" not in csv  # no float noise in the download


def test_download_name_is_in_the_view_language():
    """#14: the Quota table's files are named in the view's language (was 名额_quota-years_… in Chinese)."""
    zh = view.file_name("zh", "page_quota", t("qy_file_name", "zh"), "hangzhou-2023-illustrative", "csv")
    en = view.file_name("en", "page_quota", t("qy_file_name", "en"), "hangzhou-2023-illustrative", "csv")
    assert not LATIN.search(zh.removesuffix("_hangzhou-2023-illustrative.csv")) and not CJK.search(en)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_quota_page_names_its_table_download_in_the_view_language(lang, monkeypatch):
    """#14, on the page itself: the table's downloads get the view-language name (the page run records it)."""
    from dashboard_helpers import app, ok

    names: list[str] = []
    real = view.table_downloads
    monkeypatch.setattr(view, "table_downloads",
                        lambda df, name, *a, **k: (names.append(name), real(df, name, *a, **k))[1])
    at = app("quota", lang)
    ok(at)
    assert t("qy_file_name", lang) in names
    assert "quota-years" not in names if lang == "zh" else not any(CJK.search(n) for n in names)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_first_year_sentence_says_it_is_the_backlog_and_an_assumption(lang):
    """#16: one sentence beside the figures: the first year is the eligible backlog settling at once (against about
    0.2M a year of registered growth, docs/scenarios.md) and the propensity to apply is an uncalibrated assumption."""
    steps = {"year": 2024, "line": 100.0, "at_line": 757_200.0, "recognition_adds": 96_800.0,
             "at_line_recognised": 854_000.0, "applicants": 739_500.0, "admitted": 739_500.0}
    text = reform_model.steps_text(steps, lang)
    assert fmt_int(739_500) in text
    if lang == "zh":
        assert "存量居民集中落户" in text and "20万" in text and "未经校准的假设" in text
        assert text.count("未经校准") == 1
    else:
        assert "backlog of residents already eligible" in text and "0.2 million" in text
        assert text.count("calibrated") == 1 and "uncalibrated assumption" in text


def test_scheme_editor_quota_starts_at_the_schemes_own_or_8000():
    """#12: switching a scheme's rule to a quota starts from its own quota, else 8,000 (not 6,000)."""
    no_quota = _scheme("hangzhou-2023-illustrative").admission
    assert no_quota.quota is None
    assert scheme_edit.quota_default(no_quota) == 8000 == quota_model.default_quota(
        _scheme("hangzhou-2023-illustrative"))[0]
    own = _scheme("hangzhou-2022-illustrative").admission
    assert own.quota is not None and scheme_edit.quota_default(own) == int(own.quota)
    assert scheme_edit.quota_default(None) == 8000


def test_quota_table_frame_keeps_the_run_unchanged(run):
    """The shown table is a copy: the cached run keeps its float columns (the charts read them)."""
    before = run.table.copy()
    quota_page._table(run.table, "zh")
    pd.testing.assert_frame_equal(run.table, before)
