"""分布 Distributions: score histogram with the line, item make-up by score band, composition by group."""

from __future__ import annotations

import streamlit as st

from dashboard import cached, figures, state, view
from dashboard.i18n import col_label, t, value_label
from scoring.scheme.load import Scheme

GROUP_COLUMNS = ("education", "age_band", "district", "origin_province", "housing", "sex")


def render() -> None:
    """Render the page. Each chart with its own widget is a fragment: changing the bin width, the group of people
    or the grouping column reruns only that chart's section."""
    p = view.preamble("page_distributions", "dist_intro", evaluate=True)
    if p is None:
        return
    _histogram(p.lang, p.stamp, p.pop_key, p.text, p.ev.line)
    _item_bands(p.lang, p.scheme, p.stamp, p.pop_key, p.text)
    pop_cols = set(p.ev.res.population.columns) | ({"age_band"} if "age" in p.ev.res.population.columns else set())
    options = [c for c in GROUP_COLUMNS if c in pop_cols]
    if not options:
        st.warning(t("column_missing", p.lang, column=col_label("education", p.lang)))
        return
    _composition(p.lang, p.stamp, p.pop_key, p.text, options)


@st.fragment
def _histogram(lang: str, stamp: str, key: str, text: str, line: float | None) -> None:
    width = st.select_slider(t("bin_width", lang), options=[0.5, 1.0, 2.0, 5.0, 10.0], value=2.0, key="dist_bin")
    hist = cached.histogram(key, text, float(width))
    view.chart(figures.histogram(hist, line, lang, stamp), "distribution_histogram", stamp, lang)


@st.fragment
def _item_bands(lang: str, sch: Scheme, stamp: str, key: str, text: str) -> None:
    among_opts = ["eligible", "admitted", "all"]
    among = st.segmented_control(t("among", lang), among_opts, default="eligible", key="dist_among",
                                 format_func=lambda a: t(f"among_{a}", lang))
    if among is None:
        st.error(t("empty_selection", lang))
        return
    means = cached.item_bands(key, text, among, 10.0)
    if means.empty:
        st.warning(t("summary_none", lang))
    else:
        labels = {i.id: i.name(lang) for i in sch.items}
        view.chart(figures.item_bands(means, labels, lang, stamp), "distribution_item_bands", stamp, lang)


@st.fragment
def _composition(lang: str, stamp: str, key: str, text: str, options: list[str]) -> None:
    state.relabel_on_language("dist_group", lang)
    column = st.selectbox(t("group_by", lang), options, key="dist_group",
                          format_func=lambda c: t("age_band", lang) if c == "age_band" else col_label(c, lang))
    shares = cached.composition(key, text, column)
    name = t("age_band", lang) if column == "age_band" else col_label(column, lang)
    vlabels = {v: (v if column == "age_band" else value_label(column, v, lang)) for v in shares.index}
    vlabels["other"] = "other" if lang == "en" else "其他"
    glabels = {g: t(f"among_{g}", lang) for g in ("all", "eligible", "admitted")}
    fig = figures.composition(shares, vlabels, glabels, t("fig_comp_title", lang, column=name), lang, stamp)
    view.chart(fig, f"distribution_by_{column}", stamp, lang)


if __name__ == "__main__":  # run by st.navigation (app.py); importing the module (tests) draws nothing
    render()
