"""落户途径 Pathways: who can settle by which route, old rules against new (scoring.pathways.core).

The figure builders below are pure functions from small aggregate tables to plotly figures (no streamlit);
``render()`` draws the page. Every output carries the rule sets' stamps and "示意/illustrative · 模拟/simulation":
the rule values are assumptions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

ROOT = Path(__file__).resolve().parent.parent
RULES_DIR = ROOT / "rulesets"
DEFAULT_NEW, DEFAULT_OLD = "notice-2023.yaml", "before-2023.yaml"
BANNERS = {"zh": "示意 · 模拟", "en": "illustrative · simulation"}
GROUPS = ("education", "age_band", "origin_group", "district", "urban_area")
TEXT: dict[str, tuple[str, str]] = {
    "title": ("落户途径", "Settlement pathways"),
    "intro": ("按浙政办发〔2023〕41号通知：积分、居住证转户籍、人才、投靠等途径，旧规则与新规则对比。"
              "规则数值为假设（示意）。",
              "Routes under notice 41 of 2023 — points, permit conversion, talent, family joining — old rules "
              "against new. Rule values are assumptions (illustrative)."),
    "new_rules": ("新规则", "new rules"), "old_rules": ("旧规则", "old rules"),
    "any_old": ("旧规则下可落户", "may settle, old rules"), "any_new": ("新规则下可落户", "may settle, new rules"),
    "newly": ("新增可落户", "newly able to settle"), "permit": ("可申领居住证", "may apply for a residence permit"),
    "by_pathway": ("各途径符合条件人数", "People qualifying by each route"),
    "marginal": ("每项改动的效果（双向）", "Effect of each change, both ways"),
    "added": ("在旧规则上单独施加：新增可落户", "added alone to the old rules: newly able to settle"),
    "removed": ("从新规则中单独撤去：失去资格", "taken alone out of the new rules: no longer able to settle"),
    "marginal_help": ("“单独施加”回答：这项改动单独会给旧制度带来什么？（旧规则积分落户有固定名额，提高分数只会改变"
                      "谁占用名额，所以年限互认在这里几乎为零。）“单独撤去”回答：在新制度里，这项改动贡献了多少人？",
                      "“Added to the old rules” answers: what would this change alone have done to the old system? "
                      "(The old points route has a fixed quota, so raising scores only changes who takes the places: "
                      "recognition of years shows almost nothing there.) “Taken out of the new rules” answers: how "
                      "many people does this change account for in the new system?"),
    "readings": ("通知未明确之处：解读与开关", "Points the notice leaves open: readings and switches"),
    "readings_help": ("每一项都是解读（或鼓励性表述、参数），不是通知的原文规定；默认项标有“默认”。"
                      "所选解读同时用于新旧规则。",
                      "Each is a reading (or an encouragement, or a parameter), not the notice's own rule; the default "
                      "is marked. The chosen readings apply to both rule sets."),
    "default_mark": ("（默认）", " (default)"),
    "services": ("公共服务需求（期望值）", "Public-service demand (expected values)"),
    "services_help": ("通知一(三)：提高居住证持有人义务教育、住房保障等服务的实际享有水平。"
                      "新落户者与新领居住证者带来的学位和住房保障申请需求；子女数与各项比例均为假设（示意），见下表。",
                      "Notice 1(3): compulsory education and housing security for permit holders. Demand from the "
                      "newly settled and new permit holders; children per person and every rate are assumptions "
                      "(illustrative), listed below."),
    "assumptions": ("所用假设", "Assumptions used"),
    "overlaps": ("途径重叠（符合多个途径的人）", "Overlaps (people qualifying by several routes)"),
    "by_group": ("分组：可落户比例", "By group: share able to settle"), "group": ("分组", "group by"),
    "permit_table": ("居住证申领资格（居住半年以上＋就业/住所/就读之一）",
                     "Residence-permit eligibility (half a year + job, home or schooling)"),
    "people": ("人数", "people"), "share": ("比例", "share"), "count": ("人数", "people"),
    "rules_text": ("规则文件与假设", "Rule files and assumptions"),
    "filled": ("所用人口缺少途径属性，已按假设合成补充（见 docs/pathways.md）。",
               "The population lacks pathway attributes; synthetic values were added (see docs/pathways.md)."),
    "error": ("无法计算：", "Cannot compute: "),
    "area_note": ("积分落户途径只计杭州市城区（八个中心城区和西湖风景名胜区）的居民；"
                  "“总览”“情景对比”等页按方案计全部人口，所以同一分数线下的人数不同。"
                  "名额按实际名额计算（例如旧规则8,000个名额在两处都是8,000人）。",
                  "The points route counts residents of the Hangzhou city districts only (the eight central districts "
                  "and the West Lake scenic area); Overview, Compare and the other pages apply the scheme to the whole "
                  "population, so the same line gives different numbers. Quotas are real places (the old rules' 8,000 "
                  "places are 8,000 people on both pages)."),
    "change": ("改动", "change"), "routes": ("途径数", "routes"),
}
COLUMN_NAMES: dict[str, tuple[str, str]] = {
    "label": ("途径", "route"), "clause": ("通知条款", "clause"), "old": ("旧规则（人）", "old rules (people)"),
    "new": ("新规则（人）", "new rules (people)"), "change": ("变化（人）", "change (people)"),
    "newly": ("新增可落户（人）", "newly able to settle (people)"),
    "lost": ("失去资格（人）", "no longer able (people)"),
    "net": ("净变化（人）", "net change (people)"),
    "without_lost": ("撤去后失去资格（人）", "lost when taken out (people)"),
    "without_gained": ("撤去后新增（人）",
                       "gained when taken out (people)"),
    "without_net": ("撤去后净变化（人）", "net when taken out (people)"),
    "routes": ("途径数", "routes"), "count": ("人数", "people"), "share": ("比例", "share"),
    "people": ("人数", "people"), "resident": ("居住半年以上（人）", "resident half a year (people)"),
    "cond_job": ("有合法稳定就业（人）", "with a job (people)"),
    "cond_home": ("有合法稳定住所（人）", "with a home (people)"),
    "cond_schooling": ("连续就读（人）", "in schooling (people)"), "eligible": ("可申领（人）", "eligible (people)"),
    "eligible_share": ("可申领比例", "eligible share"),
    "holders": ("持证人数（人）", "holders (people)"),
    "permit_newly": ("新增可领居住证（人）", "newly eligible for a permit (people)"),
    "permit_lost": ("不再可领居住证（人）", "no longer eligible for a permit (people)"),
}
GROUP_NAMES = {"education": ("学历", "education"), "age_band": ("年龄段", "age band"),
               "origin_group": ("户籍来源", "origin"), "district": ("区县", "district"),
               "urban_area": ("地区类型", "area type")}


def tx(key: str, lang: str) -> str:
    """The page's own string ``key`` in ``lang``."""
    pair = TEXT[key]
    return pair[1] if lang == "en" else pair[0]


def banner(lang: str) -> str:
    """"illustrative · simulation" in the view's language."""
    return BANNERS["en" if lang == "en" else "zh"]


def stamp_lines(stamp: str, lang: str = "zh") -> list[str]:
    """The stamp split before each " | " and " ⟷ " (one rule set or scheme per line; the lines joined by " " give
    the stamp back), then the banner on its own line."""
    text = stamp
    for sep in (" ⟷ ", " | "):
        text = text.replace(sep, "\n" + sep.strip() + " ")
    return [*text.split("\n"), banner(lang)]


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


def _stamped(fig: go.Figure, stamp: str, title: str, height: int = 420, lang: str = "zh") -> go.Figure:
    """Title, then the stamp (one line per rule set / scheme, so it is never cut off), then the legend, on top."""
    lines = stamp_lines(stamp, lang)
    for i, line in enumerate(lines):  # above the legend, never on the axis labels below the plot
        fig.add_annotation(text=line, xref="paper", yref="paper", x=0, y=1, xanchor="left", yanchor="bottom",
                           yshift=30 + 14 * (len(lines) - 1 - i), showarrow=False, font={"size": 10, "color": "#666"})
    top = 80 + 14 * len(lines)
    fig.update_layout(title={"text": title, "x": 0.01, "xanchor": "left", "yref": "container", "y": 1,
                             "yanchor": "top", "pad": {"t": 12}},
                      height=height + 14 * len(lines), margin={"l": 60, "r": 60, "t": top, "b": 110},
                      font={"family": "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif", "size": 13},
                      legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0}, separators=".,")
    fig.update_traces(cliponaxis=False, selector={"type": "bar"})  # value labels above the tallest bar stay whole
    return fig


def pathway_bars(table: pd.DataFrame, lang: str, stamp: str) -> go.Figure:
    """Grouped bars: qualifying per route under the old and the new rules (from ``PathwayComparison.table``)."""
    fig = go.Figure()
    for col, key, color in (("old", "old_rules", "#9e9e9e"), ("new", "new_rules", "#1f77b4")):
        fig.add_bar(x=table["label"], y=table[col], name=tx(key, lang), marker_color=color,
                    text=table[col], texttemplate="%{y:,}", textposition="outside")
    fig.update_layout(barmode="group", yaxis_title=tx("people", lang))
    return _stamped(fig, stamp, tx("by_pathway", lang), lang=lang)


def marginal_bars(marginal: pd.DataFrame, lang: str, stamp: str) -> go.Figure:
    """Horizontal bars per rule change, both ways: newly qualifying when added alone to the old rules, and no
    longer qualifying when taken alone out of the new rules (from ``PathwayComparison.marginal``)."""
    labels = marginal["label_en"] if lang == "en" else marginal["label"]
    fig = go.Figure()
    for col, key, color in (("newly", "added", "#ff7f0e"), ("without_lost", "removed", "#1f77b4")):
        if col in marginal.columns:
            fig.add_bar(x=marginal[col], y=labels, orientation="h", marker_color=color, name=tx(key, lang),
                        text=marginal[col], texttemplate="%{x:,}", textposition="outside")
    fig.update_layout(barmode="group", xaxis_title=tx("people", lang), yaxis={"autorange": "reversed"})
    fig = _stamped(fig, stamp, tx("marginal", lang), height=140 + 56 * max(len(marginal), 1), lang=lang)
    # two long legend entries wrap onto a second row: at the foot of the figure they cannot cover the stamp
    return fig.update_layout(legend={"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0})


def service_table(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The service-demand table with headers in ``lang`` and whole numbers (from ``service_demand``)."""
    from scoring.pathways.services import COLUMNS

    i = 1 if lang == "en" else 0
    out = table.drop(columns="group").rename(columns={"label": COLUMNS["group"][i]})
    return out.rename(columns={k: v[i] for k, v in COLUMNS.items()}).round(0)


def upset(combos: pd.DataFrame, labels: dict[str, str], lang: str, stamp: str, top: int = 12) -> go.Figure:
    """UpSet-style chart: bars of the largest route combinations over a dot matrix of which routes they hold."""
    ids = [c for c in combos.columns if c not in ("routes", "count", "share")]
    rows = combos[combos["routes"] > 0].head(top).reset_index(drop=True)
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.6, 0.4], vertical_spacing=0.03)
    xs = list(range(len(rows)))
    fig.add_bar(x=xs, y=rows["count"], marker_color="#1f77b4", text=rows["count"], texttemplate="%{y:,}",
                textposition="outside", showlegend=False, row=1, col=1)
    for j, pid in enumerate(ids):
        on = rows[pid].to_numpy(dtype=bool)
        fig.add_scatter(x=xs, y=[j] * len(xs), mode="markers", showlegend=False, hoverinfo="skip",
                        marker={"size": 12, "color": ["#222" if v else "#ddd" for v in on]}, row=2, col=1)
    for i in xs:  # vertical connector through the routes of each combination
        members = [j for j, pid in enumerate(ids) if bool(rows.loc[i, pid])]
        if len(members) > 1:
            fig.add_scatter(x=[i, i], y=[min(members), max(members)], mode="lines", showlegend=False,
                            line={"color": "#222", "width": 2}, hoverinfo="skip", row=2, col=1)
    fig.update_yaxes(title_text=tx("count", lang), row=1, col=1)
    fig.update_yaxes(tickvals=list(range(len(ids))), ticktext=[labels.get(p, p) for p in ids], row=2, col=1)
    fig.update_xaxes(showticklabels=False, row=2, col=1)
    return _stamped(fig, stamp, tx("overlaps", lang), height=560, lang=lang)


def group_bars(table: pd.DataFrame, by: str, lang: str, stamp: str) -> go.Figure:
    """Share able to settle per group, old against new (from ``PathwayComparison.by_group``)."""
    people = table["people"].where(table["people"] > 0)
    fig = go.Figure()
    for col, key, color in (("old", "old_rules", "#9e9e9e"), ("new", "new_rules", "#1f77b4")):
        fig.add_bar(x=table["label"], y=(table[col] / people).fillna(0), name=tx(key, lang), marker_color=color)
    fig.update_layout(barmode="group", yaxis={"tickformat": ".0%", "title": tx("share", lang)})
    name = GROUP_NAMES.get(by, (by, by))[1 if lang == "en" else 0]
    return _stamped(fig, stamp, f"{tx('by_group', lang)} · {name}", lang=lang)


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


def services_section(st: Any, cmp: Any, lang: str, stamp: str, view: Any, ratio: float = 1.0) -> None:
    """Public-service demand of the newly settled (against the old rules) and new permit holders, with assumptions."""
    from scoring.errors import ScoringInputError
    from scoring.pathways.services import service_assumptions, service_demand

    st.subheader(tx("services", lang))
    st.caption(tx("services_help", lang))
    try:
        demand = service_demand(cmp.new, cmp.old, lang=lang)
        counts = [c for c in demand.columns if c not in ("group", "label")]
        demand[counts] = demand[counts] * ratio  # expected counts in real people
        table = service_table(demand, lang)
    except ScoringInputError as exc:
        st.warning(f"{tx('error', lang)}{exc}")
        return
    st.dataframe(table, hide_index=True)
    if view is not None:
        view.table_downloads(table, "pathways_services", stamp, lang, index=False)
    with st.expander(tx("assumptions", lang)):
        names = {"zh": {"value": "数值", "status": "状态", "meaning": "含义"},
                 "en": {"value": "value", "status": "status", "meaning": "meaning"}}[lang if lang == "en" else "zh"]
        st.dataframe(pd.DataFrame(service_assumptions(lang=lang)).drop(columns="name").rename(columns=names),
                     hide_index=True)


def render() -> None:
    """Render the page."""
    import streamlit as st

    from dashboard.safe_text import error_text, md
    from scoring.errors import ScoringInputError
    from scoring.pathways.comparison import compare
    from scoring.pathways.rules import load_ruleset

    try:
        from dashboard import state, view
        lang, pop_key = state.lang(), state.pop_key()
    except Exception:  # standalone: own language switch and a small synthetic population
        state = view = None  # type: ignore[assignment]
        lang = "en" if st.sidebar.radio("语言 / Language", ["中文", "English"]) == "English" else "zh"
        pop_key = "synth:20000:7"

    @st.cache_resource(max_entries=4, show_spinner=False)
    def comparison(key: str, new_text: str, old_text: str, new_path: str, old_path: str,
                   choices: tuple[tuple[str, str], ...] = ()) -> tuple[Any, bool]:
        if state is not None:
            pop = state.population(key)
        else:
            from scoring.population.synthetic import synth

            _, n, seed = key.split(":")
            pop = synth(int(n), int(seed))
        pop, filled = _fill(pop, 7)
        picked = dict(choices)
        old_rules = load_ruleset(old_path)
        old_rules = load_ruleset(old_path, readings={k: v for k, v in picked.items() if k in old_rules.readings})
        return compare(pop, old_rules, load_ruleset(new_path, readings=picked)), filled

    st.title(tx("title", lang))
    files = rule_files()
    names = list(files)
    c1, c2 = st.columns(2)
    new_name = c1.selectbox(tx("new_rules", lang), names, index=names.index(DEFAULT_NEW) if DEFAULT_NEW in names else 0)
    old_name = c2.selectbox(tx("old_rules", lang), names, index=names.index(DEFAULT_OLD) if DEFAULT_OLD in names else 0)
    try:
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
                    options, index=options.index(reading.default), key=f"reading_{row['reading']}",
                    help=f"{row['clause']} {row['quote']}",
                    format_func=lambda o, r=reading, m=mark: r.options[o].label.get(lang) + (m if o == r.default
                                                                                           else ""))
        with st.spinner("……"):
            cmp, filled = comparison(pop_key, files[new_name].read_text(encoding="utf-8"),
                                     files[old_name].read_text(encoding="utf-8"), str(files[new_name]),
                                     str(files[old_name]), tuple(sorted(choices.items())))
    except ScoringInputError as exc:
        st.error(f"{tx('error', lang)}{error_text(exc)}")
        return
    stamp = cmp.stamp(lang)
    st.caption(f"{tx('intro', lang)}  \n**{banner(lang)}** · {md(stamp)}")
    if filled:
        st.info(tx("filled", lang))
    from dashboard.scale import for_population

    n_rows = len(cmp.new.population) if hasattr(cmp.new, "population") else len(cmp.new.any)
    sc = state.population_scale(pop_key) if state is not None else for_population(pop_key, n_rows)
    if view is not None:
        view.scale_note(sc, lang)
    st.caption(tx("area_note", lang))

    m = st.columns(4)  # every count in real people; no arrows on context figures
    m[0].metric(tx("any_old", lang), f"{sc.people(int(cmp.old.any.sum())):,}")
    m[1].metric(tx("any_new", lang), f"{sc.people(int(cmp.new.any.sum())):,}")
    m[2].metric(tx("newly", lang), f"{sc.people(int(cmp.newly.sum())):,}")
    if cmp.new.permit is not None:
        m[3].metric(tx("permit", lang), f"{sc.people(int(cmp.new.permit.eligible.sum())):,}")

    def show(fig: go.Figure, key: str, table: pd.DataFrame, name: str) -> None:
        if view is not None:
            view.chart(fig, key, stamp, lang)
        else:
            st.plotly_chart(fig, key=key)
        with st.expander(f"{name} · {tx('people', lang)}"):
            st.dataframe(table, hide_index=True)
            if view is not None:
                view.table_downloads(table, key, stamp, lang, index=False)

    labels = route_labels = {pid: p.label.get(lang) for pid, p in cmp.new.rules.pathways.items()}
    table = scaled(cmp.table(lang), sc.ratio)
    show(pathway_bars(table[table["pathway"] != "any"], lang, stamp), "pathways_by_route", shown(table, lang),
         tx("by_pathway", lang))
    if len(cmp.marginal):
        st.caption(tx("marginal_help", lang))
        marginal = scaled(cmp.marginal, sc.ratio)
        show(marginal_bars(marginal, lang, stamp), "pathways_marginal", shown(marginal, lang, route_labels),
             tx("marginal", lang))
    combos = scaled(cmp.new.combinations(), sc.ratio)
    show(upset(combos, labels, lang, stamp), "pathways_overlaps", shown(combos, lang, labels), tx("overlaps", lang))

    by = st.selectbox(tx("group", lang), GROUPS, format_func=lambda g: GROUP_NAMES[g][1 if lang == "en" else 0],
                      key="pathways_group")
    groups = scaled(cmp.by_group(by), sc.ratio)
    groups["label"] = group_value_labels(groups, by, lang)
    show(group_bars(groups, by, lang, stamp), f"pathways_group_{by}",
         shown(groups.drop(columns=by).rename(columns={"label": by}), lang), tx("by_group", lang))
    if cmp.new.permit is not None:
        st.subheader(tx("permit_table", lang))
        permit = scaled(cmp.new.permit_by_group(by), sc.ratio)
        permit[by] = group_value_labels(permit, by, lang)
        permit = shown(permit, lang)
        st.dataframe(permit, hide_index=True)
        if view is not None:
            view.table_downloads(permit, f"permit_{by}", stamp, lang, index=False)
    services_section(st, cmp, lang, stamp, view, sc.ratio)
    with st.expander(tx("rules_text", lang)):
        for name in dict.fromkeys([new_name, old_name]):
            st.markdown(f"**{name}**")
            st.code(files[name].read_text(encoding="utf-8"), language="yaml")
