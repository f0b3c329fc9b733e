"""The Pathways page's figure builders: pure functions from small aggregate tables (scoring.pathways.comparison) to
plotly figures, no streamlit; tested directly. Every figure carries the rule sets' stamps, one per line, and
"示意 · 模拟 / illustrative · simulation": the rule values are assumptions."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.figures import wrap_label
from dashboard.i18n_pathways import GROUP_NAMES, banner, tx


def stamp_lines(stamp: str, lang: str = "zh") -> list[str]:
    """The stamp split before each " | " and " ⟷ " (one rule set or scheme per line; the lines joined by " " give
    the stamp back), then the banner on its own line."""
    text = stamp
    for sep in (" ⟷ ", " | "):
        text = text.replace(sep, "\n" + sep.strip() + " ")
    return [*text.split("\n"), banner(lang)]


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
                      legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0}, separators=".,",
                      meta={"stamp": stamp})  # the PNG download redraws it (dashboard.static_charts)
    fig.update_traces(cliponaxis=False, selector={"type": "bar"})  # value labels above the tallest bar stay whole
    return fig


def _level_labels(fig: go.Figure, labels: list, lang: str) -> None:
    """Category labels level and whole, on as many lines as they need (not slanted across the plot)."""
    width = max(6, 110 // max(len(labels), 1)) // (2 if lang != "en" else 1)  # a Chinese character is two wide
    fig.update_xaxes(tickvals=labels, ticktext=[wrap_label(str(v), width) for v in labels], tickangle=0)


def count_ticks(top: float, lang: str, n: int = 5) -> tuple[list[float], list[str]]:
    """About ``n`` round tick values from 0 to ``top`` and their text: Chinese numbers in 万 (10,000) in the Chinese
    view ("20万", not plotly's "0.2M"), thousands separators in English."""
    top = float(top) if top and top > 0 else 1.0
    raw = top / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    vals = [i * step for i in range(int(top // step) + 2)]
    return vals, [count_label(v, lang) for v in vals]


def count_label(v: float, lang: str) -> str:
    """A count as the pathway charts write it: in 万 (10,000) from 10,000 on in the Chinese view ("19.16万"),
    with thousands separators otherwise ("191,600"). Short, so the labels of grouped bars side by side do not run
    into one another."""
    if lang != "zh" or abs(v) < 10_000:
        return f"{v:,.0f}"
    return f"{v / 10_000:,.4g}万"


def _count_axis(fig: go.Figure, top: float, lang: str, axis: str = "y", **where: int) -> None:
    """Round count ticks in the view's number format (see :func:`count_ticks`)."""
    vals, text = count_ticks(top, lang)
    (fig.update_yaxes if axis == "y" else fig.update_xaxes)(tickvals=vals, ticktext=text, **where)


def pathway_bars(table: pd.DataFrame, lang: str, stamp: str) -> go.Figure:
    """Grouped bars: qualifying per route under the old and the new rules (from ``PathwayComparison.table``)."""
    fig = go.Figure()
    for col, key, color in (("old", "old_rules", "#9e9e9e"), ("new", "new_rules", "#1f77b4")):
        fig.add_bar(x=table["label"], y=table[col], name=tx(key, lang), marker_color=color,
                    text=[count_label(v, lang) for v in table[col]], texttemplate="%{text}", textposition="outside",
                    textfont={"size": 11})
    fig.update_layout(barmode="group", yaxis_title=tx("people", lang))
    _count_axis(fig, float(table[["old", "new"]].to_numpy().max(initial=0)), lang)
    _level_labels(fig, list(table["label"]), lang)
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
    shown = [c for c in ("newly", "without_lost") if c in marginal.columns]
    _count_axis(fig, float(marginal[shown].to_numpy().max(initial=0)) if shown else 0.0, lang, axis="x")
    fig = _stamped(fig, stamp, tx("marginal", lang), height=140 + 56 * max(len(marginal), 1), lang=lang)
    # two long legend entries wrap onto a second row: at the foot of the figure they cannot cover the stamp
    return fig.update_layout(legend={"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0})


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
    _count_axis(fig, float(rows["count"].max()) if len(rows) else 0.0, lang, row=1, col=1)
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
    _level_labels(fig, list(table["label"]), lang)
    return _stamped(fig, stamp, f"{tx('by_group', lang)} · {name}", lang=lang)
