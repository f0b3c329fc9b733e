"""名额 Quota: the cut-off against the quota size (one sort), and year by year with and without the cap."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import cached, figures, state, view
from dashboard.i18n import fmt_int, fmt_points, t

YEARS_METRICS = ("admitted", "cutoff", "backlog", "wait_mean")
SIM_MAX = 100_000  # the year-by-year simulation runs on a random sample of at most this many people, scaled up
SCALED = ("pool", "arrivals", "departures", "eligible", "applicants", "admitted", "backlog", "pool_next")


@st.cache_resource(max_entries=2, show_spinner=False)
def _sample(pop_key: str, seed: int) -> tuple[pd.DataFrame, float]:
    """The population for the simulation: itself, or a seeded random sample of SIM_MAX people and the scale factor."""
    pop = state.population(pop_key)
    if len(pop) <= SIM_MAX:
        return pop, 1.0
    return pop.sample(n=SIM_MAX, random_state=seed), len(pop) / SIM_MAX


@st.cache_data(max_entries=32, show_spinner=False)
def _simulate(pop_key: str, text: str, years: int, quota: int | None, seed: int) -> pd.DataFrame:
    """One year-by-year run (quota None = no cap), counts scaled to the whole population."""
    from scoring.dynamics import YearRule, simulate

    sch = state.scheme_of(text)
    pop, factor = _sample(pop_key, seed)
    if quota is not None:
        quota = max(1, round(quota / factor))
    adm = sch.admission
    rule = YearRule(quota=quota, threshold=adm.threshold if adm is not None else None,
                    ties=adm.ties if adm is not None else "admit_all")
    out = simulate(pop, sch, [rule] * years, seed=seed).yearly
    for col in SCALED:
        if col in out:
            out[col] = (out[col].astype("float64") * factor).round()
    out["year"] = out["year"].astype(int) + 1
    return out


def years_table(pop_key: str, text: str, years: int, quota: int, seed: int) -> pd.DataFrame:
    """Year-by-year simulation with the cap (quota each year) and without it.

    Above SIM_MAX people it runs on a seeded random sample with the quota scaled by the sample fraction; counts are
    scaled back up (cut-offs and waiting times are not scaled). The run without the cap does not depend on the
    quota, so changing the quota re-runs only the capped simulation.
    """
    parts = [_simulate(pop_key, text, years, quota, seed).assign(scenario="with"),
             _simulate(pop_key, text, years, None, seed).assign(scenario="without")]
    return pd.concat(parts, ignore_index=True)


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
    sc = ev.scale  # every count in real people; the what-if quota is in real places (dashboard.scale)
    view.scale_note(sc, lang)
    n_elig = sc.people(int(ev.res.eligible_mask.sum()))
    if n_elig == 0:
        st.warning(t("summary_none", lang))
        return
    rule = sch.admission
    default_q = rule.quota if rule is not None and rule.quota else min(8000, n_elig)
    quota = st.number_input(t("quota_what_if", lang), min_value=1, max_value=n_elig, value=min(default_q, n_elig),
                            step=1000, key="quota_what_if")
    cut, admitted_sample = cached.cutoff_at(key, text, sc.sample_quota(int(quota)))
    admitted = sc.people(admitted_sample)
    c1, c2, c3 = st.columns(3)
    c1.metric(t("eligible", lang), fmt_int(n_elig))
    c2.metric(t("cutoff_at_quota", lang), fmt_points(cut))
    c3.metric(t("admitted_at_quota", lang), fmt_int(admitted))
    if admitted_sample > sc.sample_quota(int(quota)):  # a block of equal scores at the cut-off: all admitted
        st.caption(t("quota_ties_note", lang, quota=fmt_int(int(quota)), cut=fmt_points(cut),
                     admitted=fmt_int(admitted)))
    curve = cached.cutoff_curve(key, text)
    curve = curve.assign(quota=sc.people_array(curve["quota"].to_numpy()),
                         admitted=sc.people_array(curve["admitted"].to_numpy()))
    view.chart(figures.cutoff_curve(curve, int(quota), lang, stamp), "quota_cutoff_curve", stamp, lang)

    st.subheader(t("fig_years_title", lang))
    years = st.slider(t("years", lang), 2, 15, 8, key="quota_years")
    table = years_table(key, text, int(years), int(quota), int(st.session_state.get("pop_seed", 0)))
    n_pop = len(state.population(key))
    if n_pop > SIM_MAX:
        st.caption(t("sim_sample", lang, n=fmt_int(SIM_MAX), total=fmt_int(n_pop)))
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
