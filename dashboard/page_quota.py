"""名额 Quota: the cut-off against the quota size (one sort), and year by year with and without the cap."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import cached, figures, state, view
from dashboard.i18n import fmt_int, fmt_points, t

YEARS_METRICS = ("admitted", "cutoff", "backlog", "wait_mean")


@st.cache_data(max_entries=16, show_spinner=False)
def years_table(pop_key: str, text: str, years: int, quota: int, seed: int) -> pd.DataFrame | None:
    """Year-by-year simulation with the cap (quota each year) and without it; None if scoring.dynamics is absent."""
    try:
        from scoring.dynamics import YearRule, simulate
    except ImportError:
        return None
    sch = state.scheme_of(text)
    pop = state.population(pop_key)
    threshold = sch.admission.threshold if sch.admission is not None else None
    ties = sch.admission.ties if sch.admission is not None else "admit_all"
    parts = []
    for key, rule in (("with", YearRule(quota=quota, threshold=threshold, ties=ties)),
                      ("without", YearRule(quota=None, threshold=threshold, ties=ties))):
        sim = simulate(pop, sch, [rule] * years, seed=seed)
        parts.append(sim.yearly.assign(scenario=key))
    out = pd.concat(parts, ignore_index=True)
    out["year"] = out["year"].astype(int) + 1
    return out


def render() -> None:
    """Render the page."""
    lang = state.lang()
    sch = state.scheme()
    stamp = sch.stamp(lang)
    view.header("page_quota", "quota_intro", lang, stamp)
    ev = state.current()
    if ev is None:
        return
    key, text = state.pop_key(), st.session_state["scheme_yaml"]
    n_elig = int(ev.res.eligible_mask.sum())
    if n_elig == 0:
        st.warning(t("summary_none", lang))
        return
    default_q = ev.adm.quota if ev.adm is not None and ev.adm.quota else min(8000, n_elig)
    quota = st.number_input(t("quota_what_if", lang), min_value=1, max_value=n_elig, value=min(default_q, n_elig),
                            step=1000, key="quota_what_if")
    cut, admitted = cached.cutoff_at(key, text, int(quota))
    c1, c2, c3 = st.columns(3)
    c1.metric(t("eligible", lang), fmt_int(n_elig))
    c2.metric(t("cutoff_at_quota", lang), fmt_points(cut))
    c3.metric(t("admitted_at_quota", lang), fmt_int(admitted))
    curve = cached.cutoff_curve(key, text)
    view.chart(figures.cutoff_curve(curve, int(quota), lang, stamp), "quota_cutoff_curve", stamp, lang)

    st.subheader(t("fig_years_title", lang))
    years = st.slider(t("years", lang), 2, 15, 8, key="quota_years")
    table = years_table(key, text, int(years), int(quota), int(st.session_state.get("pop_seed", 0)))
    if table is None:
        st.info(t("years_pending", lang))
        return
    labels = {"admitted": t("admitted", lang), "cutoff": t("cutoff", lang), "backlog": t("backlog", lang),
              "wait_mean": t("wait", lang)}
    tabs = st.tabs([labels[m] for m in YEARS_METRICS])
    for tab, metric in zip(tabs, YEARS_METRICS, strict=True):
        with tab:
            view.chart(figures.years(table, metric, labels[metric], lang, stamp), f"quota_years_{metric}", stamp,
                       lang)
    shown = table[["scenario", "year", *YEARS_METRICS]].copy()
    shown["scenario"] = shown["scenario"].map(lambda s: t(f"{s}_cap", lang))
    config = {m: st.column_config.NumberColumn(labels[m], format="localized") for m in YEARS_METRICS}
    config["wait_mean"] = st.column_config.NumberColumn(labels["wait_mean"], format="%.2f")
    config["cutoff"] = st.column_config.NumberColumn(labels["cutoff"], format="%.2f")
    config["scenario"] = st.column_config.TextColumn(t("scenarios", lang))
    config["year"] = st.column_config.NumberColumn(t("year", lang), format="%d")
    st.dataframe(shown, hide_index=True, width="stretch", column_config=config)
    view.table_downloads(table, "quota_years", stamp, lang, index=False)
