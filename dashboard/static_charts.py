"""Charts as images and as data: a plotly figure's bars, lines and gauges drawn again with matplotlib (PNG, for
downloads and the Word briefing) and listed as a table (CSV), from the same small aggregated data the figure holds.

A CJK-capable font is looked up once through ``matplotlib.font_manager`` (Noto Sans/Serif CJK, WenQuanYi, Source
Han, Microsoft YaHei, PingFang...); without one, Chinese text would draw as boxes, so :func:`cjk_font` returns None
and the callers say so. No streamlit here; tested directly.
"""

from __future__ import annotations

import io
import re
from functools import lru_cache

import pandas as pd
import plotly.graph_objects as go

CJK_NAMES = ("Noto Sans CJK SC", "Noto Sans SC", "Noto Serif CJK SC", "Source Han Sans SC", "Source Han Sans CN",
             "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Microsoft YaHei", "SimHei", "PingFang SC",
             "Hiragino Sans GB", "Noto Sans CJK JP", "Noto Sans CJK TC")
TAG = re.compile(r"<[^>]+>")


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The family name of an installed font that draws Chinese, or None."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_NAMES if name in installed), None)


def _text(value: object) -> str:
    return TAG.sub(" ", str(value or "")).strip()


def layout_title(fig: go.Figure) -> str:
    """A figure's title as plain text."""
    return _text(fig.layout.title.text)


def _stamp(fig: go.Figure) -> str:
    meta = fig.layout.meta
    if isinstance(meta, dict) and meta.get("stamp"):
        return str(meta["stamp"])
    sub = fig.layout.title.subtitle
    return _text(sub.text) if sub is not None and sub.text else ""


def figure_table(fig: go.Figure, series: str = "series", x_name: str | None = None,
                 y_name: str | None = None) -> pd.DataFrame:
    """The data a figure shows: one row per point of every bar / line trace (series, x, y), or one row per gauge
    (series, value). Headers are the axis titles (in the view's language), else ``x_name`` / ``y_name``."""
    x_title = _text(fig.layout.xaxis.title.text) or x_name or "x"
    y_title = _text(fig.layout.yaxis.title.text) or y_name or "y"
    parts = []
    for n, trace in enumerate(fig.data):
        name = _text(getattr(trace, "name", None)) or str(n + 1)
        if isinstance(trace, go.Indicator):
            parts.append(pd.DataFrame({series: [_text(trace.title.text) or name], y_title: [trace.value]}))
            continue
        if not isinstance(trace, go.Bar | go.Scatter) or trace.x is None or trace.y is None:
            continue
        xs, ys = list(trace.x), list(trace.y)
        if isinstance(trace, go.Bar) and trace.orientation == "h":
            xs, ys = ys, xs  # the category axis first
        parts.append(pd.DataFrame({series: [name] * len(xs), x_title: xs, y_title: ys}))
    if not parts:
        return pd.DataFrame({series: []})
    return pd.concat(parts, ignore_index=True)


def figure_png(fig: go.Figure, width: float = 9.0, height: float = 4.8, dpi: int = 150) -> bytes:
    """The figure redrawn with matplotlib as a PNG: bars (grouped, stacked or horizontal), lines, gauges (as
    horizontal bars with the requirement marked), the title and the stamp."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    font = cjk_font()
    rc = {"font.family": [font, "DejaVu Sans"] if font else ["DejaVu Sans"], "axes.unicode_minus": False}
    with plt.rc_context(rc):
        figure, ax = plt.subplots(figsize=(width, height), dpi=dpi)
        try:
            _draw(fig, ax)
            figure.suptitle(layout_title(fig), x=0.01, ha="left", fontsize=12)
            stamp = _stamp(fig)
            if stamp:
                figure.text(0.01, 0.005, stamp, fontsize=7, color="#666", ha="left", va="bottom")
            figure.tight_layout(rect=(0, 0.04, 1, 0.95))
            buf = io.BytesIO()
            figure.savefig(buf, format="png")
            return buf.getvalue()
        finally:
            plt.close(figure)


def _draw(fig: go.Figure, ax: object) -> None:
    gauges = [tr for tr in fig.data if isinstance(tr, go.Indicator)]
    if gauges:
        _draw_gauges(gauges, ax)
        return
    bars = [tr for tr in fig.data if isinstance(tr, go.Bar) and tr.x is not None and tr.y is not None]
    lines = [tr for tr in fig.data if isinstance(tr, go.Scatter) and tr.x is not None and tr.y is not None
             and "lines" in str(tr.mode or "lines")]
    horizontal = bool(bars) and all(tr.orientation == "h" for tr in bars)
    stacked = fig.layout.barmode in ("stack", "relative")
    if bars:
        _draw_bars(bars, ax, horizontal, stacked, fig.layout.bargap == 0)
    for tr in lines:
        color = tr.line.color if tr.line is not None and isinstance(tr.line.color, str) else None
        if tr.fill == "toself":  # a 5-95 % band: a shaded area, not a line, and not in the legend
            ax.fill(list(tr.x), list(tr.y), color=tr.fillcolor or color or "#999", alpha=0.18, linewidth=0)
            continue
        ax.plot(list(tr.x), list(tr.y), label=_text(tr.name) or None, drawstyle="steps-post"
                if tr.line is not None and tr.line.shape == "hv" else "default", marker="o"
                if "markers" in str(tr.mode) else None, color=color)
    if fig.layout.xaxis.type == "log":
        ax.set_xscale("log")
    for shape in fig.layout.shapes or ():
        if shape.type == "line" and shape.x0 == shape.x1 and shape.x0 is not None:
            ax.axvline(float(shape.x0), color="#d62728", linestyle="--")
    ax.relim()
    ax.margins(y=0.06)
    ax.autoscale_view()  # stacked bars drawn on a base: the limits follow the tallest stack, with room above
    _axes_format(fig, ax, horizontal)
    ax.set_xlabel(_text(fig.layout.xaxis.title.text))
    ax.set_ylabel(_text(fig.layout.yaxis.title.text))
    if len([tr for tr in [*bars, *lines] if _text(tr.name) and getattr(tr, "fill", None) != "toself"]) > 1:
        ax.legend(fontsize=8)
    ax.grid(axis="x" if horizontal else "y", alpha=0.3)


def _plain_number(v: float, _: object = None) -> str:
    """A tick as people read it: "1,200,000" (never matplotlib's "1.2" beside a "1e6" offset), "0.25"."""
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.6g}"


def _axes_format(fig: go.Figure, ax: object, horizontal: bool = False) -> None:
    """The figure's axis formats: whole-number ticks (years), the figure's own tick texts (counts in 万 in the
    Chinese view), else thousands separators and no scientific offset on the value axis; a y axis from zero."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    xa, ya = fig.layout.xaxis, fig.layout.yaxis
    if xa.tickformat == "d":
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}"))
    value_layout, value_axis = (xa, ax.xaxis) if horizontal else (ya, ax.yaxis)  # the other may hold categories
    if value_layout.tickvals and value_layout.ticktext and len(value_layout.tickvals) == len(value_layout.ticktext):
        ticks = [float(v) for v in value_layout.tickvals]
        value_axis.set_ticks(ticks, [_text(s) for s in value_layout.ticktext])
    elif not value_layout.tickformat or value_layout.tickformat == ",":
        value_axis.set_major_formatter(FuncFormatter(_plain_number))
    if ya.rangemode == "tozero":
        ax.set_ylim(bottom=0)


def _draw_bars(bars: list[go.Bar], ax: object, horizontal: bool, stacked: bool, touching: bool) -> None:
    import numpy as np

    cats: list = []
    for tr in bars:
        for v in (tr.y if horizontal else tr.x):
            if v not in cats:
                cats.append(v)
    numeric = all(isinstance(c, int | float) for c in cats) and touching
    pos = {c: (float(c) if numeric else i) for i, c in enumerate(cats)}
    width = (float(bars[0].width) if numeric and bars[0].width is not None else 0.8)
    base_pos = np.zeros(len(cats))
    base_neg = np.zeros(len(cats))
    k = len(bars)
    for j, tr in enumerate(bars):
        keys, vals = (tr.y, tr.x) if horizontal else (tr.x, tr.y)
        idx = np.array([list(pos).index(c) for c in keys])
        at = np.array([pos[c] for c in keys], dtype=float)
        v = np.asarray(vals, dtype=float)
        color = tr.marker.color if tr.marker is not None and isinstance(tr.marker.color, str) else None
        if stacked:
            bottom = np.where(v >= 0, base_pos[idx], base_neg[idx])
            if horizontal:
                ax.barh(at, v, width, left=bottom, label=_text(tr.name) or None, color=color)
            else:
                ax.bar(at, v, width, bottom=bottom, label=_text(tr.name) or None, color=color)
            base_pos[idx] += np.where(v >= 0, v, 0)
            base_neg[idx] += np.where(v < 0, v, 0)
        else:
            w = width / k
            offset = (j - (k - 1) / 2) * w
            colors = tr.marker.color if tr.marker is not None and isinstance(tr.marker.color, list | tuple) else color
            if horizontal:
                ax.barh(at + offset, v, w, label=_text(tr.name) or None, color=colors)
            else:
                ax.bar(at + offset, v, w, label=_text(tr.name) or None, color=colors)
    if not numeric:
        labels = [_text(c) for c in cats]
        if horizontal:
            ax.set_yticks(range(len(cats)), labels, fontsize=8)
            ax.invert_yaxis()
        else:
            ax.set_xticks(range(len(cats)), labels, fontsize=8, rotation=30 if len(cats) > 5 else 0,
                          ha="right" if len(cats) > 5 else "center")


def _draw_gauges(gauges: list[go.Indicator], ax: object) -> None:
    names = [_text(g.title.text) for g in gauges]
    values = [float(g.value) if g.value is not None else 0.0 for g in gauges]
    colors = [g.gauge.bar.color if g.gauge is not None and g.gauge.bar is not None else "#1f77b4" for g in gauges]
    ax.barh(range(len(gauges)), values, color=colors)
    for i, (g, v) in enumerate(zip(gauges, values, strict=True)):
        ax.text(v, i, f" {v:.1f}%", va="center", fontsize=9)
        mark = g.gauge.threshold.value if g.gauge is not None and g.gauge.threshold is not None else None
        if mark is not None:
            ax.plot([mark, mark], [i - 0.4, i + 0.4], color="black", linewidth=2)
    ax.set_yticks(range(len(gauges)), names, fontsize=9)
    ax.invert_yaxis()
    ax.set_xlim(min(0.0, *values), max(100.0, *values) * 1.1)
    ax.set_xlabel("%")
    ax.grid(axis="x", alpha=0.3)
