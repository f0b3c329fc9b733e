"""情景对比 Compare: two to four schemes side by side on the same people (scoring.scenario.impact)."""

from __future__ import annotations

import dataclasses

import pandas as pd
import streamlit as st

from dashboard import analysis, figures, state, view
from dashboard.i18n import col_label, fmt_int, fmt_pct, fmt_points, t, value_label
from dashboard.safe_text import error_text, md
from scoring.scenario import impact

CURRENT = "__current__"
SHIPPED_PICKS = ("hangzhou-2022-illustrative", "hangzhou-2023-illustrative")  # the default comparison
COMP_COLUMNS = ("education", "age", "district", "origin_province", "housing")


@st.cache_data(max_entries=32, show_spinner=False)
def compare_tables(pop_key: str, texts: tuple[str, ...], labels: tuple[str, ...]
                   ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Headline figures per scheme, and transitions / agreement against the first (the baseline)."""
    evs = [state.evaluation(pop_key, text) for text in texts]
    outs = [dataclasses.replace(ev, label=label) for ev, label in zip(evs, labels, strict=True)]  # named
    head, trans = [], []
    for ev, out in zip(evs, outs, strict=True):
        h = analysis.headline(ev)
        head.append({"scheme": out.name, "eligible": h.eligible, "admitted": h.admitted, "line": h.line,
                     "design": h.shares["design"], "realised": h.shares["realised"],
                     "decisive": h.shares["decisive"], "ok": h.ok})
    sc = evs[0].scale
    people = sc.people if sc is not None else int
    for out in outs[1:]:
        tr = {k: people(v) for k, v in impact.transitions(outs[0], out).items()}
        kendall = impact.rank_correlation(outs[0], out)
        trans.append({"scheme": out.name, "newly_admitted": tr["newly_admitted"],
                      "newly_excluded": tr["newly_excluded"], "stay_admitted": tr["admitted_both"],
                      "jaccard": impact.jaccard(outs[0], out), "kendall": kendall["tau"]})
    return pd.DataFrame(head).set_index("scheme"), pd.DataFrame(trans).set_index("scheme")


@st.cache_data(max_entries=32, show_spinner=False)
def compare_composition(pop_key: str, texts: tuple[str, ...], labels: tuple[str, ...], column: str) -> pd.DataFrame:
    """Share of each group of ``column`` among the admitted, one column per scheme (category codes, bincount)."""
    evs = [state.evaluation(pop_key, text) for text in texts]

    def values(ev: analysis.Evaluation) -> pd.Series | pd.Categorical:
        pop = ev.res.population
        return analysis.age_band(pop["age"]) if column == "age" else pop[column]

    if all(ev.res.index.equals(evs[0].res.index) for ev in evs):  # the usual case: the same people everywhere
        masks = {label: ev.admitted_mask for ev, label in zip(evs, labels, strict=True)}
        return analysis.composition(values(evs[0]), masks).fillna(0.0)
    parts = [analysis.composition(values(ev), {label: ev.admitted_mask}, top=10**6)
             for ev, label in zip(evs, labels, strict=True)]
    return pd.concat(parts, axis=1).fillna(0.0)


def render() -> None:
    """Render the page."""
    p = view.preamble("page_compare", "compare_intro", stamp="")  # the stamp names the compared schemes (below)
    lang, key = p.lang, p.pop_key
    texts = dict(state.scheme_texts())
    ss = st.session_state
    if ss["scheme_yaml"] != ss["scheme_base_yaml"]:
        texts = {CURRENT: ss["scheme_yaml"], **texts}
    names = {k: (t("current_scheme", lang) if k == CURRENT else state.scheme_label(k, v, lang))
             for k, v in texts.items()}
    usable = [k for k in texts if state.scheme_of(texts[k]).admission is not None]
    default = [k for k in (*SHIPPED_PICKS, CURRENT) if k in usable]  # an edited working scheme is compared too
    if len(default) < 2:
        default = usable[:2]
    chosen = st.multiselect(t("scenarios", lang), usable, default=default, format_func=names.get, key="cmp_pick",
                            max_selections=4, placeholder=t("cmp_choose", lang),
                            select_all=False)  # Streamlit's "Select all" is English only
    if len(chosen) < 2:
        st.error(t("pick_two", lang))
        return
    labels = tuple("current" if k == CURRENT else k for k in chosen)
    titles = [t("current_scheme", lang) if k == CURRENT else state.scheme_of(texts[k]).title.get(lang) for k in chosen]
    display = {label: (title if titles.count(title) == 1 else f"{title} ({label})")  # names in the view's language
               for label, title in zip(labels, titles, strict=True)}
    stamp = " / ".join(dict.fromkeys(state.scheme_of(texts[k]).stamp(lang) for k in chosen))  # every compared scheme
    st.caption(md(stamp))
    ss["_page_scheme"] = view.scheme_file_tag(stamp.split(" / ")[0], lang)  # downloads: named after the baseline
    try:
        head, trans = compare_tables(key, tuple(texts[k] for k in chosen), labels)
    except Exception as exc:  # a scheme this population cannot run
        st.error(f"{t('error_population', lang)} {error_text(exc, lang=lang)}")
        return
    view.scale_note(state.population_scale(key), lang)
    st.caption(t("cmp_static_note", lang))  # not the queue model's first year (Overview, Quota)
    st.subheader(t("headline_table", lang))
    shown = pd.DataFrame({
        t("eligible", lang): head["eligible"].map(fmt_int), t("admitted", lang): head["admitted"].map(fmt_int),
        t("cutoff", lang): head["line"].map(fmt_points),
        **{(t("share_of_points_gauge", lang) if m == "realised" else t("gauge_title", lang,
                                                                       measure=t(f"measure_{m}", lang))):
           head[m].map(fmt_pct) for m in ("design", "realised", "decisive")},
        t("dominance_rule", lang): head["ok"].map({True: t("pass", lang), False: t("fail", lang), None: t("na", lang)}),
    }, index=head.index).rename(index=display)
    shown.index.name = t("scenarios", lang)
    view.table(shown)
    view.table_downloads(shown, t("headline_table", lang), stamp, lang)
    trans = trans.rename(index=display)
    view.chart(figures.transitions(trans, lang, stamp), "compare_transitions", stamp, lang)
    agree = pd.DataFrame({t("rank_agreement", lang): trans["kendall"].map(
        lambda v: "—" if v is None or pd.isna(v) else f"{v:.3f}"),
        t("overlap", lang): trans["jaccard"].map(fmt_pct)}, index=trans.index.rename(t("scenarios", lang)))
    view.table(agree)

    st.subheader(t("composition_shift", lang))
    pop_cols = state.population(key).columns
    options = [c for c in COMP_COLUMNS if c in pop_cols]
    if not options:
        return
    state.relabel_on_language("cmp_column", lang)
    column = st.selectbox(t("group_by", lang), options, key="cmp_column",
                          format_func=lambda c: t("age_band", lang) if c == "age" else col_label(c, lang))
    comp = compare_composition(key, tuple(texts[k] for k in chosen), labels, column)
    vlabels = {v: value_label(column, v, lang) for v in comp.index}
    vlabels["other"] = "other" if lang == "en" else "其他"
    glabels = display
    title = t("fig_comp_title", lang, column=col_label(column, lang))
    view.chart(figures.composition(comp, vlabels, glabels, title, lang, stamp), f"compare_comp_{column}", stamp, lang)


if __name__ == "__main__":  # run by st.navigation (app.py); importing the module (tests) draws nothing
    render()
