"""Every dashboard page under AppTest: runs, shows the library's numbers, reacts to widgets, both languages."""

from __future__ import annotations

import hashlib
import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from dashboard_helpers import admit_real, people, route
from streamlit.testing.v1 import AppTest

import scoring
from dashboard.i18n import fmt_int, fmt_pct, fmt_points, t
from scoring.population.synthetic import synth

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
N, SEED = 20_000, 3
PAGES = ["overview", "scheme", "distributions", "quota", "compare", "person", "data", "method", "pathways", "tuning"]
SCHEME = ROOT / "scenarios" / "schemes" / "hangzhou-2023-illustrative.yaml"


def _app(page: str = "overview", lang: str = "zh", **state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["pop_n"] = N
    at.session_state["pop_seed"] = SEED
    at.session_state["lang"] = lang
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    if page != "overview":
        at.switch_page(f"dashboard/pages/{page}.py").run()
    return at


def _plain(text: str) -> str:
    """Markdown as read: backslash escapes removed (user text reaches the page escaped)."""
    return re.sub(r"\\(.)", r"\1", text)


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.fixture(scope="module")
def library():
    """The library's own figures for the default scheme on the same people: the points route's, the residents of
    杭州市城区 (every page counts them)."""
    pop = route(synth(N, SEED))
    scheme = scoring.load_scheme(SCHEME)
    res = scoring.score(pop, scheme)
    adm = scoring.admit(res)
    dom = scoring.dominance(res, scheme, admitted=adm)
    return pop, scheme, res, adm, dom


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_page_runs(page, lang):
    at = _app(page, lang)
    _ok(at)
    assert at.title[0].value == t(f"page_{page}", lang)
    stamp = scoring.load_scheme(SCHEME).stamp(lang)
    assert any(stamp in _plain(c.value) for c in at.caption), "every page shows the stamp"


def test_overview_numbers_are_the_library_numbers(library):
    _, _, res, adm, dom = library
    at = _app("overview", "en")
    _ok(at)
    m = _metrics(at)
    assert m["eligible"] == fmt_int(people(int(res.eligible_mask.sum())))  # real people (dashboard.scale)
    assert m["admitted"] == fmt_int(people(adm.admitted_count))
    assert m["score line (threshold)"] == fmt_points(adm.threshold)
    assert m[t("main_share_short", "en")] == fmt_pct(dom.realised_eligible) == fmt_pct(dom.required)
    summary = next(i.value for i in at.info if i.value.startswith("Of "))  # after the reform's before/after line
    assert fmt_int(people(adm.admitted_count)) in summary and fmt_int(people(res.n)) in summary
    assert res.n < N  # the area's residents, not everyone


def test_language_switch_changes_labels():
    at = _app("overview", "zh")
    assert "符合资格" in _metrics(at)
    at.session_state["lang"] = "en"
    at.run()
    _ok(at)
    assert "eligible" in _metrics(at)
    assert at.title[0].value == "Overview"


def test_scheme_choice_changes_results(library):
    at = _app("overview", "en")
    before = _metrics(at)["admitted"]
    at.sidebar.selectbox(key="scheme_choice").set_value("beijing-2020").run()
    _ok(at)
    pop = library[0]
    scheme = scoring.load_scheme(ROOT / "scenarios" / "schemes" / "beijing-2020.yaml")
    adm = admit_real(scoring.score(pop, scheme))  # the quota in real places
    assert _metrics(at)["admitted"] == fmt_int(people(adm.admitted_count)) != before
    assert _metrics(at)["cut-off score"] == fmt_points(adm.cutoff)


def test_scheme_threshold_edit_recomputes(library):
    pop, scheme, *_ = library
    at = _app("scheme", "en")
    _ok(at)
    thr = next(n for n in at.number_input if n.key and n.key.startswith("adm_thr_"))
    thr.set_value(110.0).run()
    _ok(at)
    res = scoring.score(pop, scheme)
    expected = scoring.admit(res, threshold=110.0).admitted_count
    assert _metrics(at)["admitted"] == fmt_int(people(expected))
    diff = _plain(" ".join(m.value for m in at.markdown))
    assert "110" in diff  # the diff against the loaded scheme lists the change
    at.switch_page("dashboard/pages/overview.py").run()  # other pages use the edited scheme
    assert _metrics(at)["admitted"] == fmt_int(people(expected))


def _items_key(at: AppTest) -> str:
    """The items editor's widget key (dashboard.state.editor_key: the editor base and its generation)."""
    ss = at.session_state
    return "items_" + hashlib.sha256(f"{ss['editor_gen']}:{ss['editor_base']}".encode()).hexdigest()[:10]


def test_negative_cap_shows_error_and_keeps_last_valid_scheme(library):
    at = _app("scheme", "zh")
    admitted = _metrics(at)["获准落户"]
    key = _items_key(at)
    at.session_state[key] = {"edited_rows": {0: {"cap": -5.0}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception
    assert at.error and "封顶" in at.error[0].value and "不能为负数" in at.error[0].value  # in the user's language
    assert not re.search(r"[A-Za-z]{3,}", _plain(at.error[0].value))  # no English in the Chinese view
    assert _metrics(at)["获准落户"] == admitted  # the last valid scheme still drives the numbers
    at.switch_page("dashboard/pages/overview.py").run()
    _ok(at)


def test_item_edit_changes_gauges_and_admitted(library):
    pop, scheme, *_ = library
    at = _app("scheme", "en")
    key = _items_key(at)
    at.session_state[key] = {"edited_rows": {0: {"points_per_unit": 3.0}}, "added_rows": [], "deleted_rows": []}
    at.run()
    _ok(at)
    data = scheme.to_dict()
    data["items"][0]["points_per_unit"] = 3.0
    edited = scoring.scheme.load.scheme_from_dict(data)
    adm = scoring.admit(scoring.score(pop, edited))
    assert _metrics(at)["admitted"] == fmt_int(people(adm.admitted_count))


def test_distributions_widgets():
    at = _app("distributions", "en")
    at.selectbox(key="dist_group").set_value("district").run()
    _ok(at)
    at.button_group(key="dist_among").set_value(None).run()
    assert at.error and at.error[0].value == t("empty_selection", "en")
    assert not at.exception


def test_quota_page_runs_the_queue_model_in_real_people():
    """The Quota page: cumulative and yearly settlements with and without the quota, in real people, the ratio and
    the calibration stated, what decides each year; the 2023 scheme's quota breaks ties (an assumption, stated)."""
    at = _app("quota", "en")
    _ok(at)
    m = _metrics(at)
    total_with = int(m["10 years · with quota"].replace(",", ""))
    total_without = int(m["10 years · no quota"].replace(",", ""))
    assert total_without > total_with > 0  # removing the quota never reads as "admits fewer"
    table = at.dataframe[0].value
    with_rows = table[table["variant"] == "With the quota"]
    assert with_rows["cumulative"].iloc[-1] == pytest.approx(total_with, abs=1)
    assert with_rows["cumulative"].tolist() == pytest.approx(with_rows["settled"].cumsum().tolist(), rel=0.02)
    assert (table["settled"] % 100 == 0).all()  # real people in steps of the 1:200 ratio (means of 2 runs)
    captions = " ".join(c.value for c in at.caption)
    assert "Sampling: 1:200" in captions and "Model calibration" in captions and "3,590,000" in captions
    # Finding 1: the 2023 scheme ties admit_all; its quota variant breaks ties with the phase-out scenario's chain
    # (stated as an assumption), so 8,000 places admit 8,000 a year, not the mass ties at 130 points
    assert t("qy_ties_assumed", "en") in captions
    assert set(with_rows["what decides"]) == {"the quota (8,000 places filled)"}
    assert total_with == 10 * 8000
    first_without = m[t("qy_first_without", "en")]
    assert t("qy_first_model", "en", variant="without the quota (the line stays)", first=first_without) in captions
    assert "no burn-in" in captions  # finding 2: the census-calibrated cross-section, as on the Overview
    assert not any("cap" in v for v in table["what decides"])
    for shown in ("admitted", "cutoff", "pool"):
        at.button_group(key="qy_view").set_value(shown).run()
        _ok(at)
    at.number_input(key="qy_quota_hangzhou-2023-illustrative").set_value(20000)
    at.button[0].click().run()  # the form's submit button
    _ok(at)
    assert int(_metrics(at)["10 years · with quota"].replace(",", "")) != total_with


def test_quota_page_2022_scheme_keeps_a_line_when_the_quota_goes():
    at = _app("quota", "zh")
    at.sidebar.selectbox(key="scheme_choice").set_value("hangzhou-2022-illustrative").run()
    _ok(at)
    captions = " ".join(c.value for c in at.caption)
    assert "方案本身没有分数线" in captions and "100分" in captions
    table = at.dataframe[0].value
    without = table[table["情形"] == "无名额（保留分数线）"]
    assert (without["分数线"] >= 100).all() and set(without["决定因素"]) == {"分数线（100分）"}
    assert set(table.loc[table["情形"] == "有名额", "决定因素"]) == {"名额（8,000个名额已满）"}


def test_compare_needs_two_and_reports_transitions(library):
    at = _app("compare", "en")
    _ok(at)
    assert len(at.dataframe) >= 2
    charts = " ".join(json.dumps(json.loads(c.proto.spec), ensure_ascii=False) for c in at.get("plotly_chart"))
    for sid in ("hangzhou-2022-illustrative", "hangzhou-2023-illustrative"):  # every compared scheme is stamped
        assert scoring.load_scheme(ROOT / "scenarios" / "schemes" / f"{sid}.yaml").stamp("en") in charts
    at.multiselect(key="cmp_pick").set_value(["beijing-2020"]).run()
    assert at.error and at.error[0].value == t("pick_two", "en")
    assert not at.exception


def test_person_page_pick_and_flip(library):
    pop, _, res, *_ = library
    at = _app("person", "en")
    _ok(at)
    pid = str(pop["person_id"].iloc[5])
    at.text_input(key="person_pid").set_value(pid).run()
    _ok(at)
    assert _metrics(at)["total"] == fmt_points(res.total_cents[5] / 100)
    at.text_input(key="person_pid").set_value("nobody").run()
    assert at.error and "nobody" in at.error[0].value
    at.radio(key="person_source").set_value("form").run()
    assert not at.exception


def test_data_page_identifier_refusal_is_chinese_in_the_chinese_view():
    """Finding 5: the refusal names the column, the kind and the Excel row in Chinese, never the value, and no
    English from the library's sentence; the library's exception carries the same facts as fields."""
    frame = synth(20, 1)
    frame["备注"] = "无"
    frame.loc[5, "备注"] = "联系电话13812345678"
    data = frame.to_csv(index=False).encode()
    for lang in ("zh", "en"):
        at = _app("data", lang)
        _ok(at)
        at.file_uploader(key="pop_upload").set_value(("remark.csv", data, "text/csv")).run()
        shown = _plain(at.error[0].value)
        assert "13812345678" not in shown and "remark.csv" in shown and "备注" in shown
        if lang == "zh":
            assert shown.startswith(t("upload_failed", "zh"))
            assert t("idf_rows_excel", "zh", rows="7") in shown and t("idf_kind_phone", "zh") in shown
            assert t("drop_ids_hint", "zh") in shown
            assert not re.search(r"[A-Za-z]{3,}", shown.replace("remark.csv", "").replace("Excel", ""))
        else:
            assert "Excel row 7" in shown and "mobile or telephone numbers" in shown


def test_data_page_tells_a_broken_or_misnamed_parquet_upload_in_the_views_language():
    """A CSV named .parquet and a Parquet file cut in half: one line each, in Chinese in the Chinese view."""
    frame = synth(200, 1)
    misnamed = frame.to_csv(index=False).encode()
    buf = io.BytesIO()
    frame.to_parquet(buf)
    cut = buf.getvalue()[: len(buf.getvalue()) // 2]
    for name, data, zh in (("mine.parquet", misnamed, "不是 Parquet 文件"),
                           ("cut.parquet", cut, "无法读取该 Parquet 文件")):
        for lang in ("zh", "en"):
            at = _app("data", lang)
            at.file_uploader(key="pop_upload").set_value((name, data, "application/octet-stream")).run()
            assert not at.exception and at.error, name
            shown = _plain(at.error[0].value)
            assert name in shown and (zh in shown) == (lang == "zh"), shown
            if lang == "zh":
                assert "Parquet file" not in shown and "cannot read" not in shown, shown


def test_data_page_upload_valid_and_invalid():
    at = _app("data", "en")
    _ok(at)
    bad = "姓名,身份证号,年龄\n张三,110101199003074514,30\n".encode()
    at.file_uploader(key="pop_upload").set_value(("bad.csv", bad, "text/csv")).run()
    assert at.error and "Cannot read the uploaded file" in at.error[0].value
    assert "110101199003074514" not in at.error[0].value
    assert "bad.csv" in _plain(at.error[0].value)
    assert "drop direct-identifier columns" in _plain(at.error[0].value)
    assert "--drop-identifiers" not in _plain(at.error[0].value)  # the page points at its checkbox, not the CLI flag
    good = synth(500, 1)
    good.loc[3, "age"] = 200  # out of range: rejected, reported
    buf = io.StringIO()
    good.to_csv(buf, index=False)
    at.file_uploader(key="pop_upload").set_value(("good.csv", buf.getvalue().encode(), "text/csv")).run()
    assert not at.exception
    m = _metrics(at)
    assert m["rows in"] == "500" and m["rows rejected"] == "1" and m["rows kept"] == "499"
    at.button(key="pop_use").click().run()
    assert not at.exception
    assert "good.csv" in _plain(at.info[0].value) and "499" in at.info[0].value
    at.switch_page("dashboard/pages/overview.py").run()
    _ok(at)
    frame = scoring.read_population(pd.read_csv(io.StringIO(buf.getvalue())), skip_invalid=True).frame
    res = scoring.score(route(frame), scoring.load_scheme(SCHEME))  # an upload with districts: the area's residents
    assert _metrics(at)["eligible"] == fmt_int(int(res.eligible_mask.sum()))


def test_data_page_names_the_uploads_own_headers_in_its_reasons():
    """A rejected row's column is named by the header the user wrote (年龄(周岁)), from the one read of the upload
    (PopulationLoad.headers), in both languages."""
    frame = synth(300, 1).rename(columns={"age": "年龄(周岁)", "residence_years": "在杭居住年限"})
    frame.loc[3, "年龄(周岁)"] = 200
    frame.loc[5, "在杭居住年限"] = frame.loc[5, "年龄(周岁)"] + 3  # more years of residence than of age
    data = frame.to_csv(index=False).encode()
    for lang in ("zh", "en"):
        at = _app("data", lang)
        at.file_uploader(key="pop_upload").set_value(("mine.csv", data, "text/csv")).run()
        assert not at.exception and not at.error
        shown = [df.value for df in at.dataframe if len(df.value) == 2]
        assert shown, "the rejected rows' table"
        cells = shown[-1].astype(str).to_numpy().ravel().tolist()
        assert "年龄(周岁)" in cells and "age" not in cells, cells
        assert any("在杭居住年限" in c for c in cells if c not in ("年龄(周岁)", "在杭居住年限")), cells  # in a reason


def test_method_page_lists_sources_and_assumptions():
    at = _app("method", "en")
    _ok(at)
    text = _plain(" ".join(m.value for m in at.markdown))
    scheme = scoring.load_scheme(SCHEME)
    assert scheme.sources[0].title.get("en") in text
    assert scheme.assumptions[0].get("en") in text


def test_method_page_shows_only_the_views_language_of_bilingual_notes():
    """Finding 6: the scheme's bilingual sources and assumptions ({zh:, en:}) show only the view's language."""
    scheme = scoring.load_scheme(SCHEME)
    bilingual = [a for a in scheme.assumptions if a.zh != a.en] + [s.title for s in scheme.sources
                                                                   if s.title.zh != s.title.en]
    assert len(bilingual) >= 3
    for lang, other in (("zh", "en"), ("en", "zh")):
        at = _app("method", lang)
        _ok(at)
        text = _plain(" ".join(m.value for m in at.markdown))
        for label in bilingual:
            assert label.get(lang) in text and label.get(other) not in text
        at.sidebar.selectbox(key="scheme_choice").set_value("beijing-2020").run()  # item notes ({zh:, en:})
        _ok(at)
        notes = at.dataframe[0].value[t("note", lang)].tolist()
        bj = scoring.load_scheme(ROOT / "scenarios" / "schemes" / "beijing-2020.yaml")
        expected = [i.note for i in bj.items if i.note is not None]
        assert len(expected) >= 5 and all(n.zh != n.en for n in expected)
        assert [n.get(lang) for n in expected] == [x for x in notes if x]


def test_person_page_gives_a_picked_person_at_the_cutoff_the_admissions_verdict():
    """Trial 4, finding 1 (the Person page had it too): under a quota with a tie chain (hangzhou-2022), a person
    picked from the file who sits exactly at the cut-off was shown "not admitted" (placed as a newcomer who must beat
    the line); the page now shows the admission's own verdict, for the people at the cut-off and the best of those
    left out (the library's admission on the same sample is the reference)."""
    import numpy as np

    from scoring.population.synthetic import synth as make

    pop = route(make(N, SEED))
    res = scoring.score(pop, scoring.load_scheme(ROOT / "scenarios" / "schemes" / "hangzhou-2022-illustrative.yaml"))
    adm = admit_real(res)
    at_cutoff = np.flatnonzero(res.eligible_mask & (res.total_cents == adm.cutoff_cents))[:3]
    out = np.flatnonzero(res.eligible_mask & ~adm.admitted_mask)
    below = out[np.argsort(-res.total_cents[out], kind="stable")[:2]]  # the best of those left out
    picks = [at_cutoff, below]
    assert len(at_cutoff) and adm.admitted_mask[at_cutoff].any()
    at = _app("person", "en")
    at.sidebar.selectbox(key="scheme_choice").set_value("hangzhou-2022-illustrative").run()
    _ok(at)
    for pos in np.concatenate(picks):
        at.text_input(key="person_pid").set_value(str(pop["person_id"].iloc[pos])).run()
        _ok(at)
        want = t("status_admitted" if adm.admitted_mask[pos] else "status_not_admitted", "en")
        shown = [m.value for m in (*at.success, *at.warning) if m.value.startswith("Outcome:")]
        assert shown == [f"Outcome: {want}"], (pos, shown)
