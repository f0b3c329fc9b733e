"""The pages whose widgets rerun only a fragment (for speed) still show everything they change: a Scheme edit puts
the edited stamp in the header and the "edited" note in the sidebar at once, undo takes both away, and the
Distributions and Quota pages' fragment widgets redraw their charts."""

from __future__ import annotations

import json

from dashboard_helpers import app, ok, plain

from dashboard.i18n import t
from scoring.scheme.load import load_scheme_text


def _stamp(at) -> str:
    return load_scheme_text(at.session_state["scheme_yaml"], "<x>").stamp("en")


def _header(at) -> str:
    return plain(at.caption[1].value)  # under the header's intro: the working scheme's stamp


def test_scheme_edit_updates_header_and_sidebar_in_the_same_click():
    at = app("scheme", "en")
    ok(at)
    loaded = _stamp(at)
    assert loaded in _header(at) and not any("edited" in plain(c.value) for c in at.sidebar.caption)
    thr = next(x for x in at.number_input if x.key and x.key.startswith("adm_thr_"))
    thr.set_value(thr.value + 7).run()
    ok(at)
    edited = _stamp(at)
    assert edited != loaded and "edited" in edited
    assert edited in _header(at)  # the stamp follows the first edit in the same run
    assert any("edited" in plain(c.value) for c in at.sidebar.caption)
    # the note is written by the page's fragment (so a fragment run can rewrite it), once: the sidebar leaves it
    assert sum("edited" in plain(c.value) for c in at.sidebar.caption) == 1
    thr = next(x for x in at.number_input if x.key and x.key.startswith("adm_thr_"))
    thr.set_value(thr.value + 2).run()  # a later edit: the same stamp, still edited
    ok(at)
    assert _stamp(at) == edited and edited in _header(at)
    at.button(key="reset_edits").click().run()
    ok(at)
    assert _stamp(at) == loaded and loaded in _header(at)
    assert not any("edited" in plain(c.value) for c in at.sidebar.caption)


def _titles(at) -> list[str]:
    return [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]


def test_distributions_fragment_widgets_redraw_their_charts():
    at = app("distributions", "en")
    ok(at)
    before = _titles(at)
    at.selectbox(key="dist_group").set_value("district").run()
    ok(at)
    after = _titles(at)
    assert before[:2] == after[:2] and before[2] != after[2]  # only the composition chart changed
    assert json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]["width"] == 2.0  # the histogram's bins
    at.select_slider(key="dist_bin").set_value(5.0).run()
    ok(at)
    assert json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]["width"] == 5.0
    assert _titles(at)[2] == after[2]  # the other sections are kept


def test_quota_chart_switch_is_redrawn():
    at = app("quota", "en")
    ok(at)
    first = _titles(at)[0]
    at.button_group(key="qy_view").set_value("cutoff").run()
    ok(at)
    assert _titles(at)[0] != first
    assert t("qy_fig_cutoff", "en") in _titles(at)[0]
