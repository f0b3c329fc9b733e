"""个人 Person: one person's itemised points, the distance to the line, and the smallest change that flips it."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from dashboard import exports, figures, person, state, view
from dashboard.i18n import col_label, fmt_points, t, value_label
from dashboard.safe_text import error_text, md
from scoring.errors import ScoringInputError
from scoring.population import schema as population_schema


def _form_row(template: pd.DataFrame, columns: list[str], lang: str) -> pd.DataFrame | None:
    """A form with one input per column the scheme reads; returns the typed-in person on submit."""
    schema = population_schema.load_schema()
    row = template.copy()
    with st.form("person_form"):
        cols = st.columns(3)
        values = {}
        for n, col in enumerate(columns):
            spec = schema.columns.get(col)
            current = template[col].iloc[0]
            box = cols[n % 3]
            label = md(col_label(col, lang))  # a scheme may name any column: the label is Markdown
            if isinstance(template[col].dtype, pd.CategoricalDtype):
                options = [str(c) for c in template[col].cat.categories]
                values[col] = box.selectbox(label, options, format_func=lambda v, c=col: value_label(c, v, lang),
                                            **state.keyed_choice(f"pf_{col}", options, str(current), lang))
            elif template[col].dtype == bool:
                values[col] = box.checkbox(label, value=bool(current), key=f"pf_{col}")
            else:
                lo, hi = spec.range if spec is not None and spec.range else (0.0, 1000.0)
                integer = template[col].dtype.kind in "iu"
                values[col] = box.number_input(
                    label, min_value=int(lo) if integer else float(lo), max_value=int(hi) if integer else float(hi),
                    value=int(current) if integer else round(float(current), 2), step=1 if integer else 1 / 12,
                    format=None if integer else "%.2f", key=f"pf_{col}")
        submitted = st.form_submit_button(t("score_person", lang))
    for col, value in values.items():
        dtype = template[col].dtype
        if isinstance(dtype, pd.CategoricalDtype):
            row[col] = pd.Categorical([value], categories=dtype.categories)
        else:
            row[col] = np.asarray([value]).astype(dtype)
    return row if submitted or "person_typed" in st.session_state else None


def render() -> None:
    """Render the page."""
    p = view.preamble("page_person", "person_intro", evaluate=True)
    if p is None:
        return
    lang, sch, stamp, ev = p.lang, p.scheme, p.stamp, p.ev
    pop = ev.res.population
    ss = st.session_state
    rivals = None  # a person typed in the form is a newcomer, placed against the line
    source = st.radio(t("person_source", lang), ["pick", "form"], horizontal=True, key="person_source",
                      format_func=lambda s: t("person_pick" if s == "pick" else "person_form", lang))
    if source == "pick":
        if "person_id" not in pop.columns:
            st.error(t("column_missing", lang, column=col_label("person_id", lang)))
            return
        if st.button(t("random_person", lang), key="person_random"):
            ss["person_pid"] = str(pop["person_id"].iloc[int(np.random.default_rng().integers(len(pop)))])
        ss.setdefault("person_pid", str(pop["person_id"].iloc[0]))
        pid = st.text_input(t("person_id", lang), key="person_pid").strip()
        hits = np.flatnonzero((pop["person_id"] == pid).to_numpy())
        if not pid or hits.size == 0:
            everyone = state.population(p.pop_key)
            outside = bool(pid) and "person_id" in everyone.columns and bool((everyone["person_id"] == pid).any())
            st.error(t("person_outside_area" if outside else "person_not_found", lang, pid=md(pid, 80)))
            return
        row = pop.iloc[[int(hits[0])]]
        if ev.adm is not None:  # a person of the file: against the others, the admission's own verdict
            rivals = person.Rivals.of(ev.res, ev.adm, int(hits[0]), ev.candidates)
    else:
        columns = [c for c in sch.columns() if c in pop.columns]
        template = pop.iloc[[0]][columns]
        row = _form_row(template, columns, lang)
        if row is None:
            return
        ss["person_typed"] = True
    strict = ev.line_strict  # scoring.whatif.is_strict, and not when the line is a threshold
    try:
        now = person.outcome(row, sch, ev.line, strict, rivals)
        flips = person.flip_changes(row, sch, ev.line, strict, rivals)
    except ScoringInputError as exc:
        st.error(f"{t('error_population', lang)} {error_text(exc, lang=lang)}")
        return
    status = outcome_text(now, sch, lang)
    c1, c2 = st.columns(2)
    c1.metric(t("total", lang), fmt_points(now.total))
    c2.metric(t("distance", lang), distance_text(now, lang))
    (st.success if now.admitted else st.warning)(
        f"{t('outcome', lang)}：{status}" if lang != "en" else f"Outcome: {status}")  # never cut
    inputs = inputs_table(row, sch.columns(), lang)
    st.subheader(t("person_inputs", lang))
    view.table(inputs, hide_index=True)
    labels = {i.id: i.name(lang) for i in sch.items}
    view.chart(figures.person_items(now.points, labels, now.line, lang, stamp), "person_items", stamp, lang)
    card = person_card(inputs, now, labels, status, lang)
    pid = str(row["person_id"].iloc[0]) if "person_id" in row.columns else "person"
    if not view.printing():
        st.download_button(f"⬇ {t('person_card', lang)}（Excel）" if lang != "en" else f"⬇ {t('person_card', lang)} "
                           "(Excel)", data=lambda: exports.excel_bytes(card, stamp, index=False),
                           file_name=view.file_name(lang, "page_person", f"{t('person_card', lang)}_{pid}", sch.id,
                                                    "xlsx"),
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           key="dl_person_card", on_click="ignore")
    st.subheader(t("flip_title", lang))
    if flips.empty:
        st.info(t("flip_none", lang))
        return
    st.dataframe(_describe(flips, now.admitted, lang), hide_index=True, width="stretch")


def outcome_text(now: person.Outcome, sch: Any, lang: str) -> str:
    """The outcome in words (the condition not met, for someone not eligible); shown whole, never in a metric."""
    if not now.eligible:
        gate = next((g for g in sch.eligibility if g.id == now.reason), None)
        return t("status_ineligible", lang, gate=md(gate.label.get(lang) if gate and gate.label else now.reason))
    return t("status_admitted" if now.admitted else "status_not_admitted", lang)


def distance_text(now: person.Outcome, lang: str) -> str:
    """Points above (+) or below (−) the line; not applicable for someone not eligible (the line is not theirs)."""
    if not now.eligible:
        return t("distance_ineligible", lang)
    if now.distance is None:
        return "—"
    return f"{now.distance:+,.2f}".rstrip("0").rstrip(".")


def inputs_table(row: pd.DataFrame, columns: list[str], lang: str) -> pd.DataFrame:
    """The applicant's inputs the scheme reads: one line per column, labelled and valued in the view's language."""
    cols = [c for c in dict.fromkeys(["person_id", *columns]) if c in row.columns]
    values = []
    for c in cols:
        v = row[c].iloc[0]
        if isinstance(v, bool | np.bool_):
            values.append(t("yes" if v else "no", lang))
        elif isinstance(v, float | np.floating):
            values.append(fmt_points(float(v)))
        elif isinstance(row[c].dtype, pd.CategoricalDtype) or isinstance(v, str):
            values.append(value_label(c, v, lang) if c != "person_id" else str(v))
        else:
            values.append(str(v))
    return pd.DataFrame({t("field", lang): [col_label(c, lang) for c in cols], t("value", lang): values})


def person_card(inputs: pd.DataFrame, now: person.Outcome, labels: dict[str, str], status: str,
                lang: str) -> dict[str, pd.DataFrame]:
    """The person card: the inputs, the points by item with the total, the line and the outcome."""
    points = pd.DataFrame({t("col_item", lang): [labels.get(k, k) for k in now.points] + [t("total", lang)],
                           t("col_points", lang): [*now.points.values(), now.total]})
    result = pd.DataFrame({t("metric", lang): [t("outcome", lang), t("line_label", lang, line="").strip(),
                                               t("distance", lang)],
                           t("value", lang): [plain(status), fmt_points(now.line), distance_text(now, lang)]})
    return {t("person_inputs", lang): inputs, t("item_points", lang): points, t("outcome", lang): result}


def plain(text: str) -> str:
    """Markdown escapes removed (a cell of a workbook is text, not Markdown)."""
    return re.sub(r"\\(.)", r"\1", text)


def _describe(flips: pd.DataFrame, admitted: bool, lang: str) -> pd.DataFrame:
    """Sentences for the flip table."""
    text = []
    for kind, column, amount in zip(flips["kind"], flips["column"], flips["amount"], strict=True):
        if kind == "both":
            text.append(t("flip_both", lang, months=amount))
        elif kind == "months":
            key = "flip_months_less" if admitted else "flip_months"
            text.append(t(key, lang, column=col_label(column, lang), months=amount))
        else:
            text.append(t("flip_set", lang, column=col_label(column, lang), value=value_label(column, amount, lang)))
    return pd.DataFrame({t("flip_change", lang): text, t("flip_new_total", lang): flips["new_total"].map(fmt_points)})


if __name__ == "__main__":  # run by st.navigation (app.py); importing the module (tests) draws nothing
    render()
