"""总览 Overview: the reform question (before and after, side by side), the working scheme's headline, the main-share
verdict in words, the key charts and a one-click briefing."""

from __future__ import annotations

import streamlit as st

from dashboard import analysis, cached, figures, quota_model, report, state, view
from dashboard.i18n import fmt_int, fmt_pct, fmt_points, t
from dashboard.safe_text import md

BEFORE, AFTER = "hangzhou-2022-illustrative", "hangzhou-2023-illustrative"


def reform_headlines(pop_key: str) -> tuple[analysis.Headline, analysis.Headline, analysis.Evaluation,
                                             analysis.Evaluation] | None:
    """The shipped before/after schemes on the population in use (None when either is missing)."""
    texts = state.shipped_scheme_texts()
    if BEFORE not in texts or AFTER not in texts:
        return None
    before, after = state.evaluation(pop_key, texts[BEFORE]), state.evaluation(pop_key, texts[AFTER])
    return analysis.headline(before), analysis.headline(after), before, after


def _column(box: st.delta_generator.DeltaGenerator, key: str, ev: analysis.Evaluation, h: analysis.Headline,
            lang: str) -> None:
    box.markdown(f"**{t(key, lang, title=md(ev.scheme.title.get(lang)))}**")
    a, b = box.columns(2)
    a.metric(t("settled_this_year", lang), fmt_int(h.admitted), border=True)
    b.metric(t("eligible_people", lang), fmt_int(h.eligible), border=True)
    box.markdown(f"{t('rule_label', lang)}：{analysis.rule_words(h, lang)}" if lang != "en"
                 else f"{t('rule_label', lang)}: {analysis.rule_words(h, lang)}")
    ok = {True: t("pass", lang), False: t("fail", lang), None: t("na", lang)}[h.literal_ok]
    sep = "：" if lang != "en" else ": "
    label = t("main_share_label", lang)
    share = fmt_pct(h.points_share.get("eligible"))
    box.markdown(f"{label}{sep}**{share}**（{ok}）" if lang != "en"
                 else f"{label[:1].upper()}{label[1:]}{sep}**{share}** ({ok})")


def reform_section(lang: str) -> tuple | None:
    """Before and after the reform, side by side, with the change in words and the bar chart."""
    st.subheader(t("reform_title", lang))
    got = reform_headlines(state.pop_key())
    if got is None:
        st.info(t("reform_missing", lang))
        return None
    hb, ha, evb, eva = got
    left, right = st.columns(2)
    _column(left, "reform_before", evb, hb, lang)
    _column(right, "reform_after", eva, ha, lang)
    st.info(analysis.change_words(hb, ha, lang))
    stamp = f"{evb.scheme.stamp(lang)} | {eva.scheme.stamp(lang)}"
    fig = figures.reform_bars((t("reform_before", lang, title=evb.scheme.title.get(lang)), hb.admitted,
                               analysis.rule_words(hb, lang)),
                              (t("reform_after", lang, title=eva.scheme.title.get(lang)), ha.admitted,
                               analysis.rule_words(ha, lang)), lang, stamp)
    view.chart(fig, "overview_reform", stamp, lang)
    st.caption(t("reform_years_note", lang))
    years_section(evb.scheme, eva.scheme, lang)
    return hb, ha, evb, eva, fig


def reform_years(before: object, after: object, lang: str,
                 years: int = quota_model.OVERVIEW_YEARS) -> tuple[tuple[float, float, float], ...]:
    """Cumulative settlements over ``years`` on the Quota page's queue model (its default ratio, cached runs):
    before = the old scheme with its quota ("with"), after = the new scheme with its line ("without")."""
    texts = state.shipped_scheme_texts()
    got = []
    for sch, text, variant in ((before, texts[BEFORE], "with"), (after, texts[AFTER], "without")):
        scenario, quota, line = quota_model.defaults(sch)
        out = quota_model.shown_run(sch, text, scenario, quota, line, years, quota_model.DEFAULT_RATIO, lang)
        got.append(quota_model.final_cumulative(out.table, variant))
    return tuple(got)


def years_section(before: object, after: object, lang: str) -> None:
    """Overview #5: settlements over N years, before and after, with the Monte Carlo interval, the sampling ratio
    and the calibration stated in one line."""
    years = quota_model.OVERVIEW_YEARS
    st.markdown(f"**{t('ov_years_title', lang, years=years)}**")
    b, a = reform_years(before, after, lang, years)
    _, quota, _ = quota_model.defaults(before)
    _, _, line = quota_model.defaults(after)
    c1, c2 = st.columns(2)
    c1.metric(t("ov_years_before", lang, years=years, quota=fmt_int(quota)), fmt_int(b[0]), border=True,
              help=t("qy_interval", lang, lo=fmt_int(b[1]), hi=fmt_int(b[2])))
    c2.metric(t("ov_years_after", lang, years=years, line=fmt_points(line)), fmt_int(a[0]), border=True,
              help=t("qy_interval", lang, lo=fmt_int(a[1]), hi=fmt_int(a[2])))
    st.caption(t("ov_years_range", lang, b_lo=fmt_int(b[1]), b_hi=fmt_int(b[2]), a_lo=fmt_int(a[1]),
                 a_hi=fmt_int(a[2])))
    facts = quota_model.info(quota_model.scenario_file(after.id))
    ratio = quota_model.DEFAULT_RATIO
    cal = quota_model.calibration_text(facts["calibration"], md(facts["area"][lang]), lang)
    st.caption(t("ov_years_note", lang, ratio=fmt_int(ratio), n=fmt_int(round(facts["represents"] / ratio)),
                 total=fmt_int(facts["represents"]), reps=quota_model.DEFAULT_REPLICATIONS, cal=cal))


def years_view(sch: object, text: str, lang: str, static: float | None = None) -> report.YearsView | None:
    """The Quota page's model for the working scheme when it has run (None otherwise): the Quota page's last run of
    this scheme in this session, else the default run (which the reform section runs for the shipped schemes).
    ``static``: the Overview's single-year figure, set beside the model's first year."""
    last = st.session_state.get("qy_last")
    if last is not None and last["text"] == text:
        table, years, quota, line = last["table"], last["years"], last["quota"], last["line"]
        ratio, reps = last["ratio"], last["reps"]
    else:
        scenario, quota, line = quota_model.defaults(sch)
        years, ratio, reps = quota_model.OVERVIEW_YEARS, quota_model.DEFAULT_RATIO, quota_model.DEFAULT_REPLICATIONS
        hit = quota_model.cached_run(quota_model.run_key(text, scenario, quota, line, years, ratio, reps))
        if hit is None:
            return None
        table = hit.table
    facts = quota_model.info(quota_model.scenario_file(sch.id))
    note = t("qy_sampling", lang, ratio=fmt_int(ratio), n=fmt_int(round(facts["represents"] / ratio)),
             total=fmt_int(facts["represents"]), reps=reps)
    extra = [quota_model.ties_note(sch, lang), quota_model.start_note(sch, table, lang, static)]
    note += "".join((" " if lang == "en" else "") + x for x in extra if x)
    return report.YearsView(table, int(years), int(quota), float(line), note)


def render() -> None:
    """Render the page."""
    p = view.preamble("page_overview", "overview_intro", evaluate=True)
    if p is None:
        return
    lang, sch, stamp, ev = p.lang, p.scheme, p.stamp, p.ev
    reform = reform_section(lang)

    st.subheader(t("current_title", lang, title=md(sch.title.get(lang))))
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
    st.info(analysis.summary_sentence(h, lang))
    words = analysis.verdict_words(ev, lang)
    (st.success if h.literal_ok else st.warning)(words[0])
    st.caption(f"{t('measure_explained', lang)}：{words[1]}" if lang != "en"
               else f"{t('measure_explained', lang)}: {words[1]}")
    for extra in words[2:]:
        st.caption(extra)
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
        brief = report.Briefing.from_view(lang, ev, h, words, reform, figs, ev.scale,
                                          years_view(sch, p.text, lang, h.admitted))
        st.download_button(f"⬇ {t('briefing_download', lang)}", data=lambda: report.docx_bytes(brief),
                           file_name=view.file_name(lang, "page_overview", t("briefing_title", lang), sch.id, "docx"),
                           mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                           key="dl_briefing", on_click="ignore", type="primary")


if __name__ == "__main__":  # run by st.navigation (app.py); importing the module (tests) draws nothing
    render()
