"""名额 Quota: what removing the quota does, year by year, on the scenario machinery (flows, real people, the area,
a steady-state starting pool), with the line that stays when the quota goes, cumulative and yearly settlements, what
decides each year, and what the model is calibrated to."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import figures, quota_model, state, view
from dashboard.i18n import fmt_int, fmt_int_range, fmt_points, t
from dashboard.safe_text import md

TABLE_COLS = ("variant", "year", "admitted", "cumulative", "cutoff", "binds", "pool", "arrivals", "departures",
              "applicants", "applicants_at_line", "backlog", "wait_mean")
COUNT_COLS = ("admitted", "cumulative", "pool", "arrivals", "departures", "applicants", "applicants_at_line",
              "backlog")  # real people: whole numbers in the table and its downloads
HELP_COLS = ("applicants", "applicants_at_line", "backlog", "wait")


def _controls(sch: object, lang: str) -> tuple[int, float, int, int]:
    """The form of the run's settings (one run per submission); returns quota, line, years, ratio."""
    quota0, _ = quota_model.default_quota(sch)
    line0, _ = quota_model.default_line(sch)
    with st.form("qy_form", border=True):
        st.markdown(f"**{t('qy_controls', lang)}**")
        c = st.columns(4)
        quota = c[0].number_input(t("qy_quota", lang), min_value=100, max_value=5_000_000, value=quota0, step=1000,
                                  key=f"qy_quota_{sch.id}")
        line = c[1].number_input(t("qy_line", lang), min_value=0.0, max_value=1000.0, value=float(line0), step=1.0,
                                 key=f"qy_line_{sch.id}")
        years = c[2].slider(t("qy_years", lang), 3, 15, 10, key="qy_years")
        ratio = c[3].selectbox(t("qy_ratio", lang), quota_model.RATIOS,
                               format_func=lambda r: t("qy_ratio_fmt", lang, r=fmt_int(r)),
                               **state.keyed_choice("qy_ratio", list(quota_model.RATIOS), quota_model.DEFAULT_RATIO,
                                                    lang))
        st.form_submit_button(t("qy_run", lang), type="primary")
    return int(quota), float(line), int(years), int(ratio)


def _metrics(table: pd.DataFrame, years: int, lang: str) -> None:
    st.markdown(f"**{t('qy_settled_title', lang)}**")
    c = st.columns(4)
    for n, (variant, what) in enumerate((("with", "total"), ("without", "total"), ("with", "first"),
                                         ("without", "first"))):
        part = table[table["variant"] == variant].sort_values("year")
        row = part.iloc[-1] if what == "total" else part.iloc[0]
        col = "cumulative" if what == "total" else "admitted"
        label = t(f"qy_{what}_{variant}", lang, years=years)
        c[n].metric(label, fmt_int(row[col]),
                    help=t("qy_interval", lang, range=fmt_int_range(row[f"{col}_p05"], row[f"{col}_p95"])))


def _table(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The year-by-year table as shown and downloaded: counts as whole people, waiting years to one decimal, the
    columns named in the view's language."""
    shown = table[list(TABLE_COLS)].copy()
    for c in COUNT_COLS:
        shown[c] = pd.to_numeric(shown[c], errors="coerce").round().astype("Int64")
    shown["wait_mean"] = pd.to_numeric(shown["wait_mean"], errors="coerce").round(1)
    shown["binds"] = [quota_model.binds_text(r, lang) for _, r in table.iterrows()]  # <= 2 x 15 rows
    shown["variant"] = shown["variant"].map(lambda v: t(f"qy_variant_{v}", lang))
    return shown.rename(columns={c: t(f"qy_col_{c.replace('wait_mean', 'wait')}", lang) for c in TABLE_COLS})


@st.fragment
def _years_chart(table: pd.DataFrame, lang: str, stamp: str) -> None:
    """One chart at a time (a segmented control, not tabs: tabs draw every chart); a fragment, so switching the
    chart redraws only the chart."""
    views = {"cumulative": "qy_tab_cumulative", "admitted": "qy_tab_yearly", "cutoff": "qy_tab_cutoff",
             "pool": "qy_tab_pool"}
    shown_view = st.segmented_control(t("qy_view", lang), list(views), default="cumulative", key="qy_view",
                                      format_func=lambda v: t(views[v], lang), required=True)
    specs = {"cumulative": ("qy_fig_cumulative", "qy_people"), "admitted": ("qy_fig_yearly", "qy_people"),
             "cutoff": ("qy_fig_cutoff", "qy_points")}
    if shown_view == "pool":
        view.chart(figures.quota_pool(table, lang, stamp), "quota_pool", stamp, lang)
    else:
        title, y = specs[shown_view or "cumulative"]
        fig = figures.quota_years(table, shown_view or "cumulative", t(title, lang), t(y, lang), lang, stamp)
        view.chart(fig, f"quota_{shown_view}", stamp, lang)


def render() -> None:
    """Render the page."""
    p = view.preamble("page_quota", "qy_intro")
    lang, sch, stamp = p.lang, p.scheme, p.stamp
    st.caption(t("qy_not_population", lang))
    scenario = quota_model.scenario_file(sch.id)
    facts = quota_model.info(scenario)
    quota, line, years, ratio = _controls(sch, lang)
    _, own_quota = quota_model.default_quota(sch)
    own_line = quota_model.scheme_line(sch)
    if not own_quota:
        st.caption(t("qy_no_quota_in_scheme", lang, quota=fmt_int(quota)))
    if (tie_note := quota_model.ties_note(sch, lang)) is not None:
        st.caption(tie_note)
    st.caption(t("qy_line_own", lang, line=fmt_points(line)) if own_line is not None and own_line == line
               else t("qy_line_stated", lang, line=fmt_points(line)))
    out = quota_model.shown_run(sch, p.text, scenario, quota, line, years, ratio, lang)
    table = out.table
    area = facts["area"][lang]
    n_sim = round(facts["represents"] / ratio)
    st.session_state["qy_last"] = {"text": p.text, "table": table, "years": years, "quota": quota, "line": line,
                                   "ratio": ratio, "reps": out.replications, "steps": out.steps}  # the briefing
    st.caption("  \n".join([
        t("qy_sampling", lang, ratio=fmt_int(ratio), n=fmt_int(n_sim), total=fmt_int(facts["represents"]),
          reps=out.replications),
        t("qy_area", lang, area=md(area)),
        quota_model.pool_text(facts, lang) + (" " + t("qy_recognition", lang) if facts["recognition"] else ""),
        quota_model.calibration_text(facts["calibration"], area, lang),
    ]))
    _metrics(table, years, lang)
    shown = quota_model.on_overview(p.text, sch, quota, line, years, ratio)
    st.caption(quota_model.start_note(sch, out, lang, shown))
    st.markdown(f"**{t('qy_binds_title', lang)}**  \n" + "  \n".join(
        md(quota_model.binds_summary(table, v, lang)) for v in ("with", "without")))
    _years_chart(table, lang, stamp)
    shown = _table(table, lang)
    st.dataframe(shown, hide_index=True, width="stretch", column_config={
        t("qy_col_year", lang): st.column_config.NumberColumn(format="%d"),
        t("qy_col_cutoff", lang): st.column_config.NumberColumn(format="%.2f"),
        **{t(f"qy_col_{c}", lang): st.column_config.NumberColumn(format="localized") for c in COUNT_COLS},
        **{t(f"qy_col_{c}", lang): st.column_config.NumberColumn(
            format="%.1f" if c == "wait" else "localized", help=t(f"qy_help_{c}", lang)) for c in HELP_COLS}})
    view.table_downloads(shown, t("qy_file_name", lang), stamp, lang, index=False)
    if len(out.curve):
        if (note := quota_model.curve_note(out, quota, lang)) is not None:
            st.caption(note)
        view.chart(figures.quota_curve(out.curve, quota, lang, stamp), "quota_curve", stamp, lang)


if __name__ == "__main__":  # run by st.navigation (app.py); importing the module (tests) draws nothing
    render()
