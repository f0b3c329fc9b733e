"""Figure builders: pure functions from small aggregated tables to plotly figures.

Each takes the language and the scheme's stamp and puts the stamp (id, version, status, "simulation") on the
figure, so a chart saved on its own still says what it is. No streamlit here; tested directly.
"""

from __future__ import annotations

import math
import re
import textwrap

import pandas as pd
import plotly.graph_objects as go

from dashboard.i18n import fmt_int, fmt_pct, fmt_points, t
from dashboard.i18n_tuning import tx

FONT = "Noto Sans CJK SC, Noto Sans SC, Microsoft YaHei, PingFang SC, sans-serif"
COLORS = {"admitted": "#1f77b4", "not_admitted": "#c7c7c7", "line": "#d62728", "with": "#ff7f0e", "without": "#2ca02c"}
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf", "#aec7e8", "#ffbb78", "#98df8a"]


def wrap_label(text: str, width: int = 40) -> str:
    """A long axis label on several lines (plotly's ``<br>``; a Chinese label, without spaces, by characters)."""
    return "<br>".join(textwrap.wrap(str(text), width)) or str(text)


def stamp_figure(fig: go.Figure, stamp: str, height: int = 440) -> go.Figure:
    """Put the stamp under the title (as its subtitle, so it never collides with axis labels); font and margins. A
    stamp of several schemes (" | " or " / ") that would not fit on one line gets one line per scheme."""
    title = fig.layout.title.text or ""
    lines = re.split(r" \| | / ", stamp) if len(stamp) > 110 else [stamp]
    fig.update_layout(
        title={"text": title, "subtitle": {"text": "<br>".join(lines), "font": {"size": 11, "color": "#666"}},
               "x": 0.01, "xanchor": "left", "y": 0.97, "yanchor": "top"},
        font={"family": FONT, "size": 13}, height=height + 16 * (len(lines) - 1),
        margin={"l": 60, "r": 20, "t": 110 + 16 * (len(lines) - 1), "b": 60},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0}, separators=".,",
        meta={"stamp": stamp},
    )
    return fig


def histogram(hist: pd.DataFrame, line: float | None, lang: str, stamp: str) -> go.Figure:
    """Stacked bars of the eligible per score bin (admitted / not admitted) with the line."""
    centers = (hist["left"] + hist["right"]) / 2
    width = float((hist["right"] - hist["left"]).iloc[0]) if len(hist) else 1.0
    fig = go.Figure()
    for key, name in (("admitted", t("admitted", lang)), ("not_admitted", t("not_admitted", lang))):
        fig.add_bar(x=centers.round(2), y=hist[key], name=name, width=width, marker_color=COLORS[key],
                    hovertemplate="%{x}: %{y:,}<extra>" + name + "</extra>")
    fig.update_layout(barmode="stack", bargap=0, title=t("fig_hist_title", lang),
                      xaxis_title=t("fig_hist_x", lang), yaxis_title=t("fig_hist_y", lang))
    fig.update_yaxes(tickformat=",")
    if line is not None:
        fig.add_vline(x=line, line_color=COLORS["line"], line_dash="dash",
                      annotation_text=t("line_label", lang, line=fmt_points(line)), annotation_position="top right")
    return stamp_figure(fig, stamp)


def item_bands(means: pd.DataFrame, labels: dict[str, str], lang: str, stamp: str) -> go.Figure:
    """Stacked bars: mean points of each item per total-score band (negative items below zero)."""
    fig = go.Figure()
    bands = [f"{fmt_points(b)}–{fmt_points(b + _step(means))}" for b in means.index]
    for n, (item_id, label) in enumerate(labels.items()):
        if item_id not in means:
            continue
        fig.add_bar(x=bands, y=means[item_id].round(2), name=label, marker_color=PALETTE[n % len(PALETTE)],
                    customdata=means["count"], hovertemplate="%{y:.2f} (n=%{customdata:,})<extra>" + label + "</extra>")
    fig.update_layout(barmode="relative", title=t("fig_bands_title", lang), xaxis_title=t("fig_bands_x", lang),
                      yaxis_title=t("fig_bands_y", lang))
    return stamp_figure(fig, stamp)


def _step(means: pd.DataFrame) -> float:
    idx = means.index.to_numpy()
    return float(idx[1] - idx[0]) if len(idx) > 1 else 10.0


def composition(shares: pd.DataFrame, value_labels: dict[str, str], group_labels: dict[str, str], title: str,
                lang: str, stamp: str) -> go.Figure:
    """Grouped bars: the share of each category (x) within each group (one trace per column of ``shares``)."""
    fig = go.Figure()
    x = [value_labels.get(v, v) for v in shares.index]
    for n, col in enumerate(shares.columns):
        name = group_labels.get(col, col)
        fig.add_bar(x=x, y=shares[col].round(4), name=name, marker_color=PALETTE[n % len(PALETTE)],
                    hovertemplate="%{x}: %{y:.1%}<extra>" + name + "</extra>")
    fig.update_layout(barmode="group", title=title, yaxis_title=t("share_of", lang))
    fig.update_yaxes(tickformat=".0%")
    return stamp_figure(fig, stamp)


def cutoff_curve(curve: pd.DataFrame, current_quota: int | None, lang: str, stamp: str) -> go.Figure:
    """The cut-off score against the quota size (log x axis)."""
    fig = go.Figure()
    fig.add_scatter(x=curve["quota"], y=curve["cutoff"], mode="lines", name=t("fig_cutoff_y", lang),
                    line={"color": COLORS["admitted"], "shape": "hv"},
                    hovertemplate="%{x:,} → %{y:.2f}<extra></extra>")
    if current_quota is not None and len(curve):
        fig.add_vline(x=current_quota, line_color=COLORS["line"], line_dash="dash")
        fig.add_annotation(x=math.log10(current_quota), y=1, xref="x", yref="paper", xanchor="left", showarrow=False,
                           text=f"{t('current_quota', lang)} {fmt_int(current_quota)}", font={"color": COLORS["line"]})
    fig.update_layout(title=t("fig_cutoff_title", lang), xaxis_title=t("fig_cutoff_x", lang),
                      yaxis_title=t("fig_cutoff_y", lang), showlegend=False)
    fig.update_xaxes(type="log", tickformat=",", dtick=1)
    return stamp_figure(fig, stamp)


def gauges(shares: dict[str, float | None], min_share: float, measure: str, lang: str, stamp: str) -> go.Figure:
    """Three indicator gauges (design, realised, decisive) with the requirement as the threshold mark."""
    fig = go.Figure()
    for n, key in enumerate(("design", "realised", "decisive")):
        value = shares.get(key)
        used = key == measure
        name = t("share_of_points_gauge", lang) if key == "realised" else t("gauge_title", lang,
                                                                           measure=t(f"measure_{key}", lang))
        title = name + (" ★" if used else "")
        ok = value is not None and value >= min_share
        fig.add_trace(go.Indicator(
            mode="gauge+number", value=None if value is None else round(value * 100, 1),
            number={"suffix": "%", "valueformat": ".1f"},
            title={"text": title, "font": {"size": 14}},
            domain={"x": [n / 3 + 0.05, (n + 1) / 3 - 0.05], "y": [0, 0.85]},
            gauge={"axis": {"range": [min(0, (value or 0) * 100), max(100, (value or 0) * 100)]},
                   "bar": {"color": "#2ca02c" if ok else "#d62728"},
                   "threshold": {"line": {"color": "black", "width": 3}, "value": min_share * 100}},
        ))
    name = t("share_of_points_gauge", lang) if measure == "realised" else t(f"measure_{measure}", lang)
    fig.update_layout(title=t("requirement", lang, measure=name, min_share=fmt_pct(min_share, 0)))
    return stamp_figure(fig, stamp, height=360)


def person_items(points: dict[str, float], labels: dict[str, str], line: float | None, lang: str,
                 stamp: str) -> go.Figure:
    """Horizontal bars of one person's item points, with the total and the line in the title."""
    ids = list(points)
    total = sum(points.values())
    fig = go.Figure(go.Bar(x=[points[i] for i in ids], y=[labels.get(i, i) for i in ids], orientation="h",
                           marker_color=[COLORS["admitted"] if points[i] >= 0 else COLORS["line"] for i in ids],
                           text=[fmt_points(points[i]) for i in ids], textposition="auto"))
    sep = ": " if lang == "en" else "："
    title = f"{t('fig_person_title', lang)}{sep}{t('total', lang)} {fmt_points(total)}"
    if line is not None:
        title += f" · {t('line_label', lang, line=fmt_points(line))}"
    fig.update_layout(title=title, xaxis_title=t("points", lang), yaxis={"autorange": "reversed"})
    return stamp_figure(fig, stamp, height=max(260, 60 * len(ids) + 160))


def transitions(table: pd.DataFrame, lang: str, stamp: str) -> go.Figure:
    """Grouped bars per scenario: newly admitted, newly excluded, still admitted (against the baseline)."""
    fig = go.Figure()
    colors = {"newly_admitted": "#2ca02c", "newly_excluded": "#d62728", "stay_admitted": "#1f77b4"}
    for key in ("newly_admitted", "newly_excluded", "stay_admitted"):
        fig.add_bar(x=table.index.astype(str), y=table[key], name=t(key, lang), marker_color=colors[key],
                    text=[fmt_int(v) for v in table[key]], textposition="outside",
                    hovertemplate="%{x}: %{y:,}<extra>" + t(key, lang) + "</extra>")
    fig.update_layout(barmode="group", title=t("fig_transitions_title", lang), yaxis_title=t("people", lang))
    fig.update_yaxes(tickformat=",")
    return stamp_figure(fig, stamp)


def years(table: pd.DataFrame, metric: str, metric_label: str, lang: str, stamp: str) -> go.Figure:
    """Year-by-year lines, with and without the cap: ``table`` has columns year, scenario ("with"/"without"), metric."""
    fig = go.Figure()
    for key in ("with", "without"):
        part = table[table["scenario"] == key]
        if len(part):
            fig.add_scatter(x=part["year"], y=part[metric], mode="lines+markers", name=t(f"{key}_cap", lang),
                            line={"color": COLORS[key]})
    fig.update_layout(title=f"{t('fig_years_title', lang)}: {metric_label}", xaxis_title=t("year", lang),
                      yaxis_title=metric_label)
    fig.update_xaxes(dtick=1)
    fig.update_yaxes(tickformat=",")
    return stamp_figure(fig, stamp)


def reform_bars(before: tuple[str, int, str], after: tuple[str, int, str], lang: str, stamp: str) -> go.Figure:
    """Two bars: people settling this year before and after the reform (each ``(name, people, rule in words)``)."""
    names = [before[0], after[0]]
    values = [before[1], after[1]]
    fig = go.Figure(go.Bar(x=names, y=values, marker_color=[COLORS["not_admitted"], COLORS["admitted"]],
                           text=[fmt_int(v) for v in values], textposition="outside", customdata=[before[2], after[2]],
                           hovertemplate="%{x}: %{y:,}<br>%{customdata}<extra></extra>", cliponaxis=False))
    fig.update_layout(title=t("fig_reform_title", lang), yaxis_title=t("people", lang), showlegend=False)
    fig.update_xaxes(tickvals=names, ticktext=[wrap_label(n) for n in names], tickangle=0)  # whole, on lines
    fig.update_yaxes(tickformat=",")
    return stamp_figure(fig, stamp, height=380)


# ---------------------------------------------------------------------------------------------------------------
# Quota page: the queue model with and without the quota (real people)
# ---------------------------------------------------------------------------------------------------------------
def _band(fig: go.Figure, part: pd.DataFrame, metric: str, color: str, name: str) -> None:
    """A shaded 5–95% band from ``metric_p05`` / ``metric_p95`` when the table has them."""
    lo, hi = f"{metric}_p05", f"{metric}_p95"
    if lo not in part or hi not in part or part[[lo, hi]].isna().all().all():
        return
    fig.add_scatter(x=list(part["year"]) + list(part["year"])[::-1], y=list(part[hi]) + list(part[lo])[::-1],
                    fill="toself", fillcolor=color, opacity=0.18, line={"width": 0}, hoverinfo="skip",
                    name=name, showlegend=False)


def quota_years(table: pd.DataFrame, metric: str, title: str, y_title: str, lang: str, stamp: str,
                step: bool = False) -> go.Figure:
    """One metric year by year for both variants ("with" / "without" the quota), with its 5–95% band.

    ``table`` is :func:`scoring.scenario.quota_calendar.quota_years`'s table (columns variant, year, metric,
    metric_p05/p95).
    """
    fig = go.Figure()
    for key in ("with", "without"):
        part = table[table["variant"] == key].sort_values("year")
        if not len(part):
            continue
        name = t(f"qy_variant_{key}", lang)
        _band(fig, part, metric, COLORS[key], t("qy_interval_band", lang, name=name))
        fig.add_scatter(x=part["year"], y=part[metric], mode="lines+markers", name=name,
                        line={"color": COLORS[key], "shape": "hv" if step else "linear"},
                        hovertemplate="%{x}: %{y:,.0f}<extra>" + name + "</extra>")
    fig.update_layout(title=title, xaxis_title=t("qy_col_year", lang), yaxis_title=y_title)
    fig.update_xaxes(dtick=1, tickformat="d")
    fig.update_yaxes(tickformat=",", rangemode="tozero" if metric != "cutoff" else "normal")
    return stamp_figure(fig, stamp)


def quota_pool(table: pd.DataFrame, lang: str, stamp: str) -> go.Figure:
    """The non-hukou stock and the backlog (eligible, not settled) of both variants, year by year."""
    fig = go.Figure()
    for key in ("with", "without"):
        part = table[table["variant"] == key].sort_values("year")
        name = t(f"qy_variant_{key}", lang)
        for metric, dash in (("pool", "solid"), ("backlog", "dot")):
            label = f"{name} · {t('qy_' + metric, lang)}"
            fig.add_scatter(x=part["year"], y=part[metric], mode="lines+markers", name=label,
                            line={"color": COLORS[key], "dash": dash},
                            hovertemplate="%{x}: %{y:,.0f}<extra>" + label + "</extra>")
    fig.update_layout(title=t("qy_fig_pool", lang), xaxis_title=t("qy_col_year", lang),
                      yaxis_title=t("qy_people", lang))
    fig.update_xaxes(dtick=1, tickformat="d")
    fig.update_yaxes(tickformat=",", rangemode="tozero")
    return stamp_figure(fig, stamp)


def quota_curve(curve: pd.DataFrame, quota: int, lang: str, stamp: str) -> go.Figure:
    """The first year's cut-off against the number of places (real people, log x) with the chosen quota marked."""
    fig = go.Figure()
    fig.add_scatter(x=curve["quota"], y=curve["cutoff"], mode="lines", line={"color": COLORS["admitted"],
                    "shape": "hv"}, customdata=curve["admitted"], name=t("qy_col_cutoff", lang),
                    hovertemplate="%{x:,.0f} → %{y:.2f} (%{customdata:,.0f})<extra></extra>")
    if len(curve):
        fig.add_vline(x=quota, line_color=COLORS["line"], line_dash="dash")
        fig.add_annotation(x=math.log10(max(quota, 1)), y=1, xref="x", yref="paper", xanchor="left",
                           showarrow=False, text=f"{t('qy_quota', lang)} {fmt_int(quota)}",
                           font={"color": COLORS["line"]})
    fig.update_layout(title=t("qy_fig_curve", lang), xaxis_title=t("qy_quota_axis", lang),
                      yaxis_title=t("qy_points", lang), showlegend=False)
    fig.update_xaxes(type="log", tickformat=",", dtick=1)
    return stamp_figure(fig, stamp)


def tornado_figure(frame: pd.DataFrame, outcome_label: str, pct: float, lang: str, stamp: str) -> go.Figure:
    """Horizontal bars: change of the outcome at -pct % and +pct % of each parameter, largest swing on top."""
    df = frame.iloc[::-1]
    fig = go.Figure()
    fig.add_bar(y=df["parameter"], x=df["change_low"], orientation="h", name=f"−{pct:g}%", marker_color="#9ecae1")
    fig.add_bar(y=df["parameter"], x=df["change_high"], orientation="h", name=f"+{pct:g}%",
                marker_color=COLORS["admitted"])
    fig.update_layout(barmode="overlay", title={"text": f"{tx('tornado', lang)}：{outcome_label}"
                                                 if lang != "en" else f"{tx('tornado', lang)}: {outcome_label}"},
                      xaxis_title=tx("change_axis", lang))
    return stamp_figure(fig, stamp, height=max(320, 60 + 28 * len(df)))


def sobol_figure(first: pd.Series, total: pd.Series, outcome_label: str, lang: str, stamp: str) -> go.Figure:
    """Grouped bars of first-order and total Sobol indices per parameter."""
    fig = go.Figure()
    fig.add_bar(x=first.index, y=first.values, name=tx("first", lang), marker_color="#9ecae1")
    fig.add_bar(x=total.index, y=total.values, name=tx("total", lang), marker_color=COLORS["admitted"])
    fig.update_layout(barmode="group", title={"text": f"{tx('sobol', lang)}：{outcome_label}" if lang != "en"
                               else f"{tx('sobol', lang)}: {outcome_label}"}, yaxis_range=[0, 1.05])
    return stamp_figure(fig, stamp)
