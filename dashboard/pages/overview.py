"""总览 Overview: the reform question (before and after, side by side), the working scheme's headline, the main-share
verdict in words, the key charts and a one-click briefing."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import analysis, cached, figures, quota_model, reform_model, report, state, timing, view
from dashboard.i18n import fmt_int, fmt_int_range, fmt_pct, fmt_points, t
from dashboard.safe_text import md
from scoring.scenario.quota_calendar import QuotaYears

BEFORE, AFTER = quota_model.OVERVIEW_SCHEMES


def reform_headlines(pop_key: str) -> tuple[analysis.Headline, analysis.Headline, analysis.Evaluation,
                                             analysis.Evaluation] | None:
    """The shipped before/after schemes on the population in use (None when either is missing)."""
    texts = state.shipped_scheme_texts()
    if BEFORE not in texts or AFTER not in texts:
        return None
    before, after = state.evaluation(pop_key, texts[BEFORE]), state.evaluation(pop_key, texts[AFTER])
    return analysis.headline(before), analysis.headline(after), before, after


def _column(box: st.delta_generator.DeltaGenerator, key: str, ev: analysis.Evaluation, h: analysis.Headline,
            side: reform_model.Side, rule: str, years: int, lang: str) -> None:
    """One side of the reform: the queue model's first year and N-year total (the Quota page's run), the rule, and
    the main share of the points (static, on the population in use)."""
    box.markdown(f"**{t(key, lang, title=md(ev.scheme.title.get(lang)))}**")
    a, b = box.columns(2)
    a.metric(t("rf_first", lang, year=side.year), fmt_int(side.first), border=True,
             help=t("qy_interval", lang, range=fmt_int_range(side.first_lo, side.first_hi)))
    b.metric(t("rf_total", lang, years=years), fmt_int(side.total), border=True,
             help=t("qy_interval", lang, range=fmt_int_range(side.total_lo, side.total_hi)))
    sep = "：" if lang != "en" else ": "
    box.markdown(f"{t('rule_label', lang)}{sep}{rule}")
    ok = {True: t("pass", lang), False: t("fail", lang), None: t("na", lang)}[h.literal_ok]
    label = t("main_share_label", lang)
    share = fmt_pct(h.points_share.get("eligible"))
    box.markdown(f"{label}{sep}**{share}**（{ok}）" if lang != "en"
                 else f"{label[:1].upper()}{label[1:]}{sep}**{share}** ({ok})")


def reform_section(lang: str) -> tuple | None:
    """Before and after the reform, side by side: settlements in the first year and over N years from the Quota
    page's queue model (its cached runs), the change in words, the steps from the static count to the first year,
    and the bar chart. Returns (before headline, after headline, before evaluation, after evaluation, chart, the
    reform figures) or None."""
    st.subheader(t("reform_title", lang))
    with timing.phase("overview: reform evaluations"):
        got = reform_headlines(state.pop_key())
    if got is None:
        st.info(t("reform_missing", lang))
        return None
    hb, ha, evb, eva = got
    with timing.phase("overview: reform runs"):
        r = reform_figures(evb.scheme, eva.scheme, lang)
    rules = (reform_model.rule_before(r, lang), reform_model.rule_after(r, lang))
    left, right = st.columns(2)
    _column(left, "reform_before", evb, hb, r.before, rules[0], r.years, lang)
    _column(right, "reform_after", eva, ha, r.after, rules[1], r.years, lang)
    st.info(reform_model.change_text(r, lang))
    if (steps := reform_model.steps_text(r.steps, lang)) is not None:
        st.caption(steps)
    stamp = f"{evb.scheme.stamp(lang)} | {eva.scheme.stamp(lang)}"
    fig = figures.reform_bars((t("reform_before", lang, title=evb.scheme.title.get(lang)), r.before.first, rules[0]),
                              (t("reform_after", lang, title=eva.scheme.title.get(lang)), r.after.first, rules[1]),
                              lang, stamp)
    view.chart(fig, "overview_reform", stamp, lang)
    years_note(r, eva.scheme, lang)
    return hb, ha, evb, eva, fig, r


def reform_runs(before: object, after: object, lang: str,
                years: int = quota_model.OVERVIEW_YEARS) -> tuple[object, object]:
    """The Quota page's runs of the shipped schemes at its defaults (cached: the same runs the Quota page shows)."""
    texts = state.shipped_scheme_texts()
    got = []
    for sch, text in ((before, texts[BEFORE]), (after, texts[AFTER])):
        scenario, quota, line = quota_model.defaults(sch)
        got.append(quota_model.shown_run(sch, text, scenario, quota, line, years, quota_model.DEFAULT_RATIO, lang))
    return got[0], got[1]


def reform_figures(before: object, after: object, lang: str,
                   years: int = quota_model.OVERVIEW_YEARS) -> reform_model.Reform:
    """Before = the old scheme with its quota ("with"), after = the new scheme with its line ("without")."""
    b, a = reform_runs(before, after, lang, years)
    return reform_model.reform(b.table, a.table, a.steps, years)


def years_note(r: reform_model.Reform, after: object, lang: str) -> None:
    """The intervals, the sampling ratio and the calibration of the queue model, in captions."""
    st.caption(t("ov_years_range", lang, before=fmt_int_range(r.before.total_lo, r.before.total_hi),
                 after=fmt_int_range(r.after.total_lo, r.after.total_hi)))
    facts = quota_model.info(quota_model.scenario_file(after.id))
    ratio = quota_model.DEFAULT_RATIO
    cal = quota_model.calibration_text(facts["calibration"], md(facts["area"][lang]), lang)
    st.caption(t("rf_model_note", lang) + (" " if lang == "en" else "")
               + t("ov_years_note", lang, ratio=fmt_int(ratio), n=fmt_int(round(facts["represents"] / ratio)),
                   total=fmt_int(facts["represents"]), reps=quota_model.DEFAULT_REPLICATIONS, cal=cal))


def static_note(text: str, h: analysis.Headline, reform: tuple | None, lang: str) -> str:
    """The working scheme's counts are static; when it is the shipped reform scheme, its static count on the queue
    model's population is given beside this one (the difference is sampling)."""
    note = t("rf_static_note", lang)
    steps = None if reform is None else reform[5].steps
    if steps is None or text != state.shipped_scheme_texts().get(AFTER):
        return note
    same = t("rf_static_same", lang, model=fmt_int(steps["at_line"]), here=fmt_int(h.admitted))
    return note + (" " if lang == "en" else "") + same


def years_view(sch: object, text: str, lang: str) -> report.YearsView | None:
    """The Quota page's model for the working scheme when it has run (None otherwise): the Quota page's last run of
    this scheme in this session, else the default run (which the reform section runs for the shipped schemes)."""
    last = st.session_state.get("qy_last")
    steps = None
    if last is not None and last["text"] == text:
        table, years, quota, line = last["table"], last["years"], last["quota"], last["line"]
        ratio, reps, steps = last["ratio"], last["reps"], last.get("steps")
    else:
        scenario, quota, line = quota_model.defaults(sch)
        years, ratio, reps = quota_model.OVERVIEW_YEARS, quota_model.DEFAULT_RATIO, quota_model.DEFAULT_REPLICATIONS
        hit = quota_model.cached_run(quota_model.run_key(text, scenario, quota, line, years, ratio, reps))
        if hit is None:
            return None
        table, steps = hit.table, hit.steps
    facts = quota_model.info(quota_model.scenario_file(sch.id))
    note = t("qy_sampling", lang, ratio=fmt_int(ratio), n=fmt_int(round(facts["represents"] / ratio)),
             total=fmt_int(facts["represents"]), reps=reps)
    run = QuotaYears(table, pd.DataFrame(), float(ratio), int(reps), steps)
    shown = quota_model.on_overview(text, sch, int(quota), float(line), int(years), int(ratio))
    extra = [quota_model.ties_note(sch, lang), quota_model.start_note(sch, run, lang, shown)]
    note += "".join((" " if lang == "en" else "") + x for x in extra if x)
    return report.YearsView(table, int(years), int(quota), float(line), note)


def render() -> None:
    """Render the page."""
    with timing.phase("overview: preamble (evaluation)"):
        p = view.preamble("page_overview", "overview_intro", evaluate=True, small_warning=False)
    if p is None:
        return
    lang, sch, stamp, ev = p.lang, p.scheme, p.stamp, p.ev
    with timing.phase("overview: reform section"):
        reform = reform_section(lang)

    st.subheader(t("current_title", lang, title=md(sch.title.get(lang))))
    if (small := ev.scale.small_warning(lang)) is not None:  # here, not above the reform cards (model population)
        st.warning(small)
    h = analysis.headline(ev)
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("eligible", lang), fmt_int(h.eligible), border=True,
              help=f"{fmt_pct(h.eligible / h.n_pop if h.n_pop else None)} / {fmt_int(h.n_pop)}")
    c2.metric(t("admitted", lang), fmt_int(h.admitted), border=True,
              help=f"{fmt_pct(h.rate)} {t('of_eligible', lang)}")
    line_label = t("threshold_line" if h.mode == "threshold" else "cutoff", lang)
    c3.metric(line_label, fmt_points(h.line), border=True,
              help=f"{t('quota', lang)} {fmt_int(h.quota)}" if h.quota is not None else None)
    c4.metric(t("main_share_short", lang), fmt_pct(h.points_share.get("eligible")), border=True,
              help=f"{t('main_share_label', lang)}. {t('help_realised', lang)}" if lang == "en"
              else f"{t('main_share_label', lang)}。{t('help_realised', lang)}")
    st.caption(static_note(p.text, h, reform, lang))
    st.info(analysis.summary_sentence(h, lang))
    words = analysis.verdict_words(ev, lang)
    (st.success if h.literal_ok else st.warning)(words[0])
    st.caption(f"{t('measure_explained', lang)}：{words[1]}" if lang != "en"
               else f"{t('measure_explained', lang)}: {words[1]}")
    for extra in words[2:]:
        st.caption(extra)
    with timing.phase("overview: histogram"):
        hist = cached.histogram(state.pop_key(), st.session_state["scheme_yaml"], 2.0)
    hist_fig = figures.histogram(hist, h.line, lang, stamp)
    view.chart(hist_fig, "overview_histogram", stamp, lang)
    gauges = figures.gauges(h.shares, h.min_share, h.measure, lang, stamp)
    view.chart(gauges, "overview_gauges", stamp, lang)
    st.caption(t("decisive_note", lang))
    if not view.printing():
        figs = {"hist": hist_fig, "gauges": gauges}
        if reform is not None:
            figs["reform"] = reform[4]
        with timing.phase("overview: briefing"):
            brief = report.Briefing.from_view(lang, ev, h, words, reform, figs, ev.scale,
                                              years_view(sch, p.text, lang))
        st.download_button(f"⬇ {t('briefing_download', lang)}", data=lambda: report.docx_bytes(brief),
                           file_name=view.file_name(lang, "page_overview", t("briefing_title", lang),
                                                    view.scheme_file_tag(stamp, lang), "docx"),
                           mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                           key="dl_briefing", on_click="ignore", type="primary")


if __name__ == "__main__":  # run by st.navigation (app.py); importing the module (tests) draws nothing
    render()
