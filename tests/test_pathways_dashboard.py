"""The 落户途径 Pathways page: figure builders from aggregates, and the page itself in streamlit's AppTest."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dashboard import figures_pathways as figs
from dashboard.i18n_pathways import banner
from dashboard.pages import pathways as page
from scoring.pathways.comparison import compare
from scoring.pathways.rules import load_ruleset
from scoring.population.synth_pathways import add_pathway_attributes
from scoring.population.synthetic import synth

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def cmp():
    pop = add_pathway_attributes(synth(3000, 7), 7)
    rules = ROOT / "rulesets"
    return compare(pop, load_ruleset(rules / "before-2023.yaml"), load_ruleset(rules / "notice-2023.yaml"))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_figures_carry_the_stamp_and_the_aggregates(cmp, lang):
    stamp = cmp.stamp(lang)
    table = cmp.table(lang)
    fig = figs.pathway_bars(table, lang, stamp)
    assert list(fig.data[1].y) == list(table["new"]) and list(fig.data[0].y) == list(table["old"])
    fig2 = figs.marginal_bars(cmp.marginal, lang, stamp)
    assert list(fig2.data[0].x) == list(cmp.marginal["newly"])
    assert list(fig2.data[1].x) == list(cmp.marginal["without_lost"])  # both ways
    combos = cmp.new.combinations()
    fig3 = figs.upset(combos, {}, lang, stamp, top=5)
    assert list(fig3.data[0].y) == list(combos[combos["routes"] > 0]["count"].head(5))
    groups = cmp.by_group("urban_area")
    groups["label"] = page.group_value_labels(groups, "urban_area", lang)
    fig4 = figs.group_bars(groups, "urban_area", lang, stamp)
    from dashboard import static_charts

    for f in (fig, fig2, fig3, fig4):
        notes = " ".join(a.text for a in f.layout.annotations)
        assert stamp in notes and banner(lang) in notes
        assert static_charts._stamp(f) == stamp  # the PNG download, redrawn, carries it too (it did not)
    bars = [str(s) for s in fig.data[1].text]  # short labels, as the count axis writes them (万 in Chinese)
    assert bars == [figs.count_label(v, lang) for v in table["new"]]
    assert ("杭州市城区" if lang == "zh" else "Hangzhou city districts") in list(groups["label"])


def test_page_renders_in_the_app():
    from streamlit.testing.v1 import AppTest

    os.environ["DASHBOARD_N"] = "5000"
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["pop_n"] = 5000  # small population even if dashboard.state was imported with the default
    at.run()
    at.switch_page("dashboard/pages/pathways.py").run()
    assert not at.exception
    assert at.title[0].value.startswith("落户途径")
    assert any(banner("zh") in c.value for c in at.caption)
    assert len(at.get("plotly_chart")) == 4
    at.selectbox(key="pathways_group").set_value("education").run()
    assert not at.exception
    at.selectbox(key="reading_dormitory").set_value("excluded").run()   # a reading switched in the page
    assert not at.exception and len(at.get("plotly_chart")) == 4
    assert any(("公共服务需求" in s.value) for s in at.subheader)


def test_the_png_value_axis_reads_as_numbers():
    """The PNG redraw wrote "1e6" beside ticks of 0.5, 1.0, ...: the figure's own tick texts are used (万 in the
    Chinese view), else plain numbers with separators."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    import pandas as pd

    from dashboard import static_charts

    assert static_charts._plain_number(1_200_000.0) == "1,200,000" and static_charts._plain_number(0.25) == "0.25"
    table = pd.DataFrame({"label": ["a", "b"], "old": [642_000, 101_600], "new": [1_200_000, 176_200]})
    for lang, top in (("zh", "125万"), ("en", "1,250,000")):
        fig = figs.pathway_bars(table, lang, "s")
        figure, ax = plt.subplots()
        try:
            static_charts._draw(fig, ax)
            labels = [tick.get_text() for tick in ax.get_yticklabels()]
            assert top in labels and ax.yaxis.get_offset_text().get_text() == ""
        finally:
            plt.close(figure)
