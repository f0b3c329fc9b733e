"""总览 Overview: headline cards, a one-sentence summary and the key chart."""

from __future__ import annotations

import streamlit as st

from dashboard import analysis, cached, figures, state, view
from dashboard.i18n import fmt_int, fmt_pct, fmt_points, t


def render() -> None:
    """Render the page."""
    lang = state.lang()
    sch = state.scheme()
    stamp = sch.stamp(lang)
    view.header("page_overview", "overview_intro", lang, stamp)
    ev = state.current()
    if ev is None:
        return
    h = analysis.headline(ev)
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("eligible", lang), fmt_int(h.eligible), border=True,
              help=f"{fmt_pct(h.eligible / h.n_pop if h.n_pop else None)} / {fmt_int(h.n_pop)}")
    c2.metric(t("admitted", lang), fmt_int(h.admitted), border=True,
              delta=f"{fmt_pct(h.rate)} {t('of_eligible', lang)}", delta_color="off")
    line_label = t("threshold_line" if h.mode == "threshold" else "cutoff", lang)
    c3.metric(line_label, fmt_points(h.line), border=True,
              delta=f"{t('quota', lang)} {fmt_int(h.quota)}" if h.quota is not None else None, delta_color="off")
    verdict = {True: t("pass", lang), False: t("fail", lang), None: t("na", lang)}[h.ok]
    c4.metric(t("share_res_ins", lang), fmt_pct(h.share), border=True, help=t(f"help_{h.measure}", lang),
              delta=f"{verdict} (≥ {fmt_pct(h.min_share, 0)}, {t('measure_' + h.measure, lang)})",
              delta_color="normal" if h.ok else "inverse", delta_arrow="up" if h.ok else "down")
    st.info(analysis.summary_sentence(h, lang))
    hist = cached.histogram(state.pop_key(), st.session_state["scheme_yaml"], 2.0)
    view.chart(figures.histogram(hist, h.line, lang, stamp), "overview_histogram", stamp, lang)
    view.chart(figures.gauges(h.shares, h.min_share, h.measure, lang, stamp), "overview_gauges", stamp, lang)
