"""落户途径 Pathways: who can settle by which route, old rules against new (scoring.pathways.comparison).

Every output carries the rule sets' stamps and "示意/illustrative · 模拟/simulation": the rule values are assumptions.
The figures are in dashboard/figures_pathways.py, the page's words in dashboard/i18n_pathways.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import state, view
from dashboard.figures_pathways import group_bars, marginal_bars, pathway_bars, upset
from dashboard.i18n import t
from dashboard.i18n_pathways import COLUMN_NAMES, GROUP_NAMES, banner, tx
from dashboard.safe_text import error_text, md
from dashboard.scale import Scale
from scoring.errors import ScoringInputError
from scoring.pathways.comparison import compare
from scoring.pathways.rules import load_ruleset

ROOT = Path(__file__).resolve().parents[2]
RULES_DIR = ROOT / "rulesets"
DEFAULT_NEW, DEFAULT_OLD = "notice-2023.yaml", "before-2023.yaml"
GROUPS = ("education", "age_band", "origin_group", "district", "urban_area")


def scaled(table: pd.DataFrame, ratio: float) -> pd.DataFrame:
    """Every count column (whole numbers, not flags) of a pathway table in real people (``ratio`` per person)."""
    if ratio == 1.0:
        return table
    cols = [c for c in table.columns if pd.api.types.is_integer_dtype(table[c]) and c != "routes"]
    return table.assign(**{c: (table[c].to_numpy() * ratio).round().astype("int64") for c in cols})


def shown(table: pd.DataFrame, lang: str, labels: dict[str, str] | None = None) -> pd.DataFrame:
    """A pathway table as shown and downloaded: ids dropped, headers in the view's language, flags as ✓."""
    i = 1 if lang == "en" else 0
    out = table.drop(columns=[c for c in ("pathway", "group", "label_en") if c in table])
    if i == 1 and "label_en" in table and "label" in table:
        out["label"] = table["label_en"]
    if "change" in out and not pd.api.types.is_numeric_dtype(out["change"]):
        out = out.drop(columns="change")  # the change's id (its label is beside it)
    for c in out.columns:
        if pd.api.types.is_bool_dtype(out[c]):
            out[c] = out[c].map({True: "✓", False: ""})
    if "share" in out:
        out["share"] = out["share"].map(lambda v: f"{v * 100:.1f}%")
    if "eligible_share" in out:
        out["eligible_share"] = out["eligible_share"].map(lambda v: f"{v * 100:.1f}%")
    names = {k: v[i] for k, v in COLUMN_NAMES.items()} | {k: v[i] for k, v in GROUP_NAMES.items()}
    routes = labels or {}
    names |= routes
    names |= {c: f"{routes.get(c.removeprefix('newly_'), c.removeprefix('newly_'))} · {COLUMN_NAMES['newly'][i]}"
              for c in out.columns if c.startswith("newly_") and c not in names}
    return out.rename(columns=names)


def service_table(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The service-demand table with headers in ``lang`` and whole numbers (from ``service_demand``)."""
    from scoring.pathways.services import COLUMNS

    i = 1 if lang == "en" else 0
    out = table.drop(columns="group").rename(columns={"label": COLUMNS["group"][i]})
    return out.rename(columns={k: v[i] for k, v in COLUMNS.items()}).round(0)


def group_value_labels(table: pd.DataFrame, by: str, lang: str) -> pd.Series:
    """Readable labels of a group table's keys (schema labels where known)."""
    from scoring.population.pathway_spec import pathway_columns
    from scoring.population.schema import value_label

    if by in pathway_columns():
        values = pathway_columns()[by].get("values") or {}
        return table[by].map(lambda v: (values.get(v) or {}).get(lang, v))  # a handful of groups, not people
    if by in ("education", "district"):
        return table[by].map(lambda v: value_label(by, v, lang))
    names = {"zhejiang": ("浙江省内", "within Zhejiang"), "yrd_other": ("长三角其他省市", "other YRD"),
             "other": ("其他省份", "other provinces")}
    return table[by].map(lambda v: names[v][1 if lang == "en" else 0] if v in names else v)


def rule_files() -> dict[str, Path]:
    """Shipped rule sets with pathways, by file name."""
    return {p.name: p for p in sorted(RULES_DIR.glob("*.yaml")) if "pathways:" in p.read_text(encoding="utf-8")}


def _fill(pop: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, bool]:
    from scoring.pathways.columns import normalise_pathway_columns
    from scoring.population.synth_pathways import add_pathway_attributes, pathway_columns

    pop = normalise_pathway_columns(pop)
    missing = [c for c in pathway_columns() if c not in pop.columns]
    return (add_pathway_attributes(pop, seed), True) if missing else (pop, False)


def services_section(cmp: Any, lang: str, stamp: str, ratio: float = 1.0) -> None:
    """Public-service demand of the newly settled (against the old rules) and new permit holders, with assumptions."""
    from scoring.pathways.services import service_assumptions, service_demand

    st.subheader(tx("services", lang))
    st.caption(tx("services_help", lang))
    try:
        demand = service_demand(cmp.new, cmp.old, lang=lang)
        counts = [c for c in demand.columns if c not in ("group", "label")]
        demand[counts] = demand[counts] * ratio  # expected counts in real people
        table = service_table(demand, lang)
    except ScoringInputError as exc:
        st.warning(f"{tx('error', lang)}{error_text(exc, lang=lang)}")
        return
    view.table(table, hide_index=True, counts=True)
    view.table_downloads(table, "pathways_services", stamp, lang, index=False)
    with st.expander(tx("assumptions", lang)):
        names = {"zh": {"value": "数值", "status": "状态", "meaning": "含义"},
                 "en": {"value": "value", "status": "status", "meaning": "meaning"}}[lang if lang == "en" else "zh"]
        st.dataframe(pd.DataFrame(service_assumptions(lang=lang)).drop(columns="name").rename(columns=names),
                     hide_index=True)


@st.cache_resource(max_entries=4, show_spinner=False)
def comparison(key: str, new_text: str, old_text: str, new_path: str, old_path: str,
               choices: tuple[tuple[str, str], ...] = ()) -> tuple[Any, bool]:
    """The two rule sets on the population in use (pathway attributes added when missing; cached on the texts)."""
    pop, filled = _fill(state.population(key), 7)
    picked = dict(choices)
    old_rules = load_ruleset(old_path)
    old_rules = load_ruleset(old_path, readings={k: v for k, v in picked.items() if k in old_rules.readings})
    return compare(pop, old_rules, load_ruleset(new_path, readings=picked)), filled


def _readings(files: dict[str, Path], new_name: str, lang: str) -> dict[str, str]:
    """The readings of the points the notice leaves open (a select box each, the default marked)."""
    base = load_ruleset(files[new_name])
    choices: dict[str, str] = {}
    with st.expander(tx("readings", lang)):
        st.caption(tx("readings_help", lang))
        for row in base.readings_in_force(lang):
            reading = base.readings[row["reading"]]
            options = list(reading.options)
            mark = tx("default_mark", lang)
            choices[row["reading"]] = st.selectbox(
                f"{row['label']}（{row['kind']}）" if lang == "zh" else f"{row['label']} ({row['kind']})",
                options, help=f"{row['clause']} {row['quote']}",
                **state.keyed_choice(f"reading_{row['reading']}", options, reading.default, lang),
                format_func=lambda o, r=reading, m=mark: r.options[o].label.get(lang) + (m if o == r.default else ""))
    return choices


def _show(fig: go.Figure, key: str, table: pd.DataFrame, name: str, stamp: str, lang: str) -> None:
    """A figure, then its table (in real people) with downloads in an expander."""
    view.chart(fig, key, stamp, lang)
    with st.expander(f"{name} · {tx('people', lang)}"):
        view.table(table, hide_index=True, counts=True)
        view.table_downloads(table, key, stamp, lang, index=False)


def render() -> None:
    """Render the page."""
    p = view.preamble("page_pathways", "pathways_intro", stamp="")
    lang, pop_key = p.lang, p.pop_key
    files = rule_files()
    names = list(files)
    c1, c2 = st.columns(2)
    new_name = c1.selectbox(tx("new_rules", lang), names, index=names.index(DEFAULT_NEW) if DEFAULT_NEW in names else 0)
    old_name = c2.selectbox(tx("old_rules", lang), names, index=names.index(DEFAULT_OLD) if DEFAULT_OLD in names else 0)
    try:
        choices = _readings(files, new_name, lang)
        with st.spinner(t("loading", lang)):
            cmp, filled = comparison(pop_key, files[new_name].read_text(encoding="utf-8"),
                                     files[old_name].read_text(encoding="utf-8"), str(files[new_name]),
                                     str(files[old_name]), tuple(sorted(choices.items())))
    except ScoringInputError as exc:
        st.error(f"{tx('error', lang)}{error_text(exc, lang=lang)}")
        return
    stamp = cmp.stamp(lang)
    st.caption(f"**{banner(lang)}** · {md(stamp)}")
    if filled:
        st.info(tx("filled", lang))
    sc: Scale = state.population_scale(pop_key)
    view.scale_note(sc, lang)
    st.caption(tx("area_note", lang))

    m = st.columns(4)  # every count in real people; no arrows on context figures
    m[0].metric(tx("any_old", lang), f"{sc.people(int(cmp.old.any.sum())):,}")
    m[1].metric(tx("any_new", lang), f"{sc.people(int(cmp.new.any.sum())):,}")
    m[2].metric(tx("newly", lang), f"{sc.people(int(cmp.newly.sum())):,}")
    if cmp.new.permit is not None:
        m[3].metric(tx("permit", lang), f"{sc.people(int(cmp.new.permit.eligible.sum())):,}")

    labels = {pid: path.label.get(lang) for pid, path in cmp.new.rules.pathways.items()}
    table = scaled(cmp.table(lang), sc.ratio)
    _show(pathway_bars(table[table["pathway"] != "any"], lang, stamp), "pathways_by_route", shown(table, lang),
          tx("by_pathway", lang), stamp, lang)
    if len(cmp.marginal):
        st.caption(tx("marginal_help", lang))
        marginal = scaled(cmp.marginal, sc.ratio)
        _show(marginal_bars(marginal, lang, stamp), "pathways_marginal", shown(marginal, lang, labels),
              tx("marginal", lang), stamp, lang)
    combos = scaled(cmp.new.combinations(), sc.ratio)
    _show(upset(combos, labels, lang, stamp), "pathways_overlaps", shown(combos, lang, labels), tx("overlaps", lang),
          stamp, lang)

    state.relabel_on_language("pathways_group", lang)
    by = st.selectbox(tx("group", lang), GROUPS, format_func=lambda g: GROUP_NAMES[g][1 if lang == "en" else 0],
                      key="pathways_group")
    groups = scaled(cmp.by_group(by), sc.ratio)
    groups["label"] = group_value_labels(groups, by, lang)
    _show(group_bars(groups, by, lang, stamp), f"pathways_group_{by}",
          shown(groups.drop(columns=by).rename(columns={"label": by}), lang), tx("by_group", lang), stamp, lang)
    if cmp.new.permit is not None:
        st.subheader(tx("permit_table", lang))
        permit = scaled(cmp.new.permit_by_group(by), sc.ratio)
        permit[by] = group_value_labels(permit, by, lang)
        permit = shown(permit, lang)
        view.table(permit, hide_index=True, counts=True)
        view.table_downloads(permit, f"permit_{by}", stamp, lang, index=False)
    services_section(cmp, lang, stamp, sc.ratio)
    with st.expander(tx("rules_text", lang)):
        for name in dict.fromkeys([new_name, old_name]):
            st.markdown(f"**{name}**")
            st.code(files[name].read_text(encoding="utf-8"), language="yaml")


if __name__ == "__main__":  # run by st.navigation (app.py); importing the module (tests) draws nothing
    render()
