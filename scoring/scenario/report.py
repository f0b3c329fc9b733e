"""Self-contained HTML reports of scenario runs and comparisons (plotly, inlined: no network needed).

Figure builders are pure functions returning plotly figures (the dashboard may reuse them); :func:`run_report`
and :func:`compare_report` assemble them into one HTML page stamped with every scheme's id, version and status.
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from scoring.dynamics.services import ASSUMPTION as SERVICE_ASSUMPTION
from scoring.dynamics.services import ASSUMPTION_ZH as SERVICE_ASSUMPTION_ZH
from scoring.scenario.run import Comparison, ScenarioRun

DIM_LABELS = {"education": "学历 education", "age_band": "年龄段 age band", "origin": "来源地 origin",
              "district": "居住区 district", "residence_years": "居住年限 residence years"}


def _layout(fig: go.Figure, title: str, stamp: str, y: str = "") -> go.Figure:
    fig.update_layout(title={"text": f"{title}<br><sup>{html.escape(stamp)}</sup>"}, template="plotly_white",
                      height=420, margin={"t": 80}, legend={"orientation": "h", "y": -0.2}, yaxis_title=y,
                      xaxis_title="年份 year")
    return fig


def fig_admitted(yearly: pd.DataFrame, stamp: str) -> go.Figure:
    """Admitted per year with the 5-95% band over replications."""
    fig = go.Figure()
    if "admitted_p95" in yearly:
        fig.add_scatter(x=yearly["year"], y=yearly["admitted_p95"], line={"width": 0}, showlegend=False)
        fig.add_scatter(x=yearly["year"], y=yearly["admitted_p05"], line={"width": 0}, fill="tonexty",
                        name="5–95%")
    fig.add_scatter(x=yearly["year"], y=yearly["admitted"], mode="lines+markers", name="落户 admitted")
    return _layout(fig, "每年落户人数 Admitted per year", stamp, "人 people")


def fig_queue(yearly: pd.DataFrame, stamp: str) -> go.Figure:
    """Pool, eligible, applicants and backlog per year."""
    fig = go.Figure()
    for col, name in (("pool", "人口池 pool"), ("eligible", "符合条件 eligible"), ("applicants", "申请 applicants"),
                      ("backlog", "积压 backlog (eligible, not admitted)")):
        fig.add_scatter(x=yearly["year"], y=yearly[col], mode="lines+markers", name=name)
    return _layout(fig, "排队人数 The queue", stamp, "人 people")


def fig_line(yearly: pd.DataFrame, stamp: str) -> go.Figure:
    """The cut-off (lowest admitted score) and the line."""
    fig = go.Figure()
    fig.add_scatter(x=yearly["year"], y=yearly["cutoff"], mode="lines+markers", name="最低录取分 cut-off")
    if yearly["threshold"].notna().any():
        fig.add_scatter(x=yearly["year"], y=yearly["threshold"], mode="lines", name="落户分数线 fixed line",
                        line={"dash": "dash"})
    return _layout(fig, "分数线走势 The line over the years", stamp, "分 points")


def fig_waiting(waiting: pd.DataFrame, stamp: str, cols: dict[str, str] | None = None) -> go.Figure:
    """Waiting years of the admitted (shares); ``cols`` maps share columns to names."""
    cols = cols or {"share": "落户 admitted"}
    fig = go.Figure([go.Bar(x=waiting["wait_years"], y=waiting[c], name=n) for c, n in cols.items()])
    fig.update_layout(barmode="group", yaxis_tickformat=".0%")
    return _layout(fig, "等待年限（自首次符合条件起） Waiting years since first eligible", stamp, "占比 share")


def fig_composition(comp: pd.DataFrame, stamp: str, cols: dict[str, str] | None = None) -> go.Figure:
    """Shares of the admitted by group, one panel per dimension (groups on the x axis, prefixed by dimension)."""
    cols = cols or {"share": "落户 admitted"}
    x = [f"{DIM_LABELS.get(d, d).split()[0]}·{g}" for d, g in zip(comp["dimension"], comp["group"], strict=True)]
    fig = go.Figure([go.Bar(x=x, y=comp[c], name=n) for c, n in cols.items()])
    fig.update_layout(barmode="group", yaxis_tickformat=".0%")
    return _layout(fig, "落户人员构成 Composition of the admitted", stamp, "占比 share")


def fig_quota_pair(qy: pd.DataFrame, stamp: str, metric: str, title: str, y: str,
                   nocap_metric: str | None = None) -> go.Figure:
    """A metric per year with the cap against without (``nocap_metric`` if the no-cap column differs)."""
    fig = go.Figure()
    fig.add_scatter(x=qy["year"], y=qy[f"{metric}_cap"], mode="lines+markers", name="有名额 with cap")
    fig.add_scatter(x=qy["year"], y=qy[f"{nocap_metric or metric}_nocap"], mode="lines+markers",
                    name="取消名额 no cap")
    return _layout(fig, title, stamp, y)


def fig_curve(curve: pd.DataFrame, stamp: str) -> go.Figure:
    """First-year cut-off against quota size."""
    fig = go.Figure(go.Scatter(x=curve["quota"], y=curve["cutoff"], mode="lines+markers", name="cut-off"))
    fig = _layout(fig, "名额与分数线（首年） Cut-off against quota size (first year)", stamp, "分 points")
    fig.update_layout(xaxis_title="名额 quota")
    return fig


def fig_compare(yearly: pd.DataFrame, metric: str, title: str, stamp: str, y: str) -> go.Figure:
    """One line per scenario."""
    fig = go.Figure()
    for sid, part in yearly.groupby("scenario", sort=False):
        fig.add_scatter(x=part["year"], y=part[metric], mode="lines+markers", name=str(sid))
    return _layout(fig, title, stamp, y)


def _table(df: pd.DataFrame) -> str:
    return df.to_html(index=False, float_format=lambda v: f"{v:,.2f}", na_rep="—", border=0, classes="t")


def _page(title: str, stamps: list[str], figures: list[go.Figure], tables: list[tuple[str, pd.DataFrame]],
          notes: list[str]) -> str:
    parts = []
    for n, fig in enumerate(figures):
        # a fixed element id per figure (plotly's default is a random uuid): the same run, the same bytes
        parts.append(pio.to_html(fig, include_plotlyjs=(n == 0), full_html=False, div_id=f"figure-{n + 1}"))
    stamp_html = "".join(f"<div class='stamp'>{html.escape(s)}</div>" for s in stamps)
    table_html = "".join(f"<h2>{html.escape(t)}</h2>{_table(df)}" for t, df in tables)
    notes_html = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
    return f"""<!DOCTYPE html>
<html lang="zh"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;margin:24px;max-width:1200px}} .stamp{{color:#a33;font-weight:bold}}
.t{{border-collapse:collapse;font-size:13px}} .t td,.t th{{padding:3px 8px;border-bottom:1px solid #ddd}}
.sim{{background:#fee;padding:6px;border:1px solid #c99}}</style></head><body>
<h1>{html.escape(title)}</h1>{stamp_html}
<p class="sim">模拟结果，非官方数据。数值为示意或假设（见方案与情景文件）。 Simulation: not official figures; values are
illustrative or assumed (see the scheme and scenario files).</p>
{table_html}{''.join(parts)}<h2>说明 Notes</h2><ul>{notes_html}</ul></body></html>"""


def run_report(run: ScenarioRun) -> str:
    """The HTML report of one scenario run."""
    stamp = run.stamp("zh") + " / " + run.stamp("en")
    t = run.tables()
    yearly = t["yearly"]
    figs = [fig_admitted(yearly, stamp), fig_line(yearly, stamp), fig_queue(yearly, stamp),
            fig_waiting(t["waiting"], stamp), fig_composition(t["composition"], stamp)]
    totals = pd.DataFrame([run.mc.totals()])
    tables: list[tuple[str, pd.DataFrame]] = [("总计（各次模拟平均） Totals (mean over replications)", totals)]
    if run.quota is not None:
        qy = t["quota_yearly"]
        figs += [
            fig_quota_pair(qy, stamp, "admitted", "有无名额：每年落户 Admitted per year, cap vs no cap", "人 people"),
            fig_quota_pair(qy, stamp, "cutoff", "有无名额：分数线 Cut-off with cap vs the line without", "分 points",
                           "line"),
            fig_quota_pair(qy, stamp, "backlog", "有无名额：积压 Backlog, cap vs no cap", "人 people"),
            fig_waiting(t["quota_waiting"], stamp, {"share_cap": "有名额 with cap", "share_nocap": "取消名额 no cap"}),
            fig_composition(t["quota_composition"], stamp, {"share_cap": "有名额 with cap",
                                                            "share_nocap": "取消名额 no cap"}),
            fig_curve(t["cutoff_curve"], stamp),
        ]
        qt = run.quota.totals()
        tables.append(("有无名额对比 The quota question", pd.DataFrame([
            {"variant": "有名额 with cap", **qt["with_cap"]}, {"variant": "取消名额 no cap", **qt["no_cap"]}])))
    tables.append(("各项目对落户的影响（首年） Admissions changed if an item is removed (first year)",
                   t["item_contributions"].drop(columns="stamp")))
    tables.append(("落户者带来的公共服务需求（假设，示意） Public-service demand of the admitted (assumptions, "
                   "illustrative)", t["service_demand"].drop(columns=["stamp", "assumption"])))
    title = f"{run.scenario.title('zh')} — {run.scenario.title('en')}"
    return _page(title, [run.stamp("zh"), run.stamp("en")], figs, tables,
                 [*run.notes, SERVICE_ASSUMPTION_ZH, SERVICE_ASSUMPTION])


def compare_report(cmp: Comparison) -> str:
    """The HTML report comparing several runs."""
    stamps = [r.stamp("zh") for r in cmp.runs] + [r.stamp("en") for r in cmp.runs]
    stamp = " | ".join(r.stamp("en") for r in cmp.runs)
    yearly = cmp.yearly()
    figs = [fig_compare(yearly, "admitted", "每年落户人数 Admitted per year", stamp, "人 people"),
            fig_compare(yearly, "line", "分数线 The line (cut-off or fixed line)", stamp, "分 points"),
            fig_compare(yearly, "backlog", "积压 Backlog (eligible, not admitted)", stamp, "人 people"),
            fig_compare(yearly, "pool", "人口池 Pool", stamp, "人 people")]
    tables: list[tuple[str, pd.DataFrame]] = [("情景对比 Scenarios side by side", cmp.totals())]
    for name, imp in cmp.impacts.items():
        rows: dict[str, Any] = {**imp["transitions"], "jaccard": imp["jaccard"], "kendall_tau": imp["kendall"]["tau"],
                                "kendall_n": imp["kendall"]["n"], "kendall_sampled": imp["kendall"]["sampled"]}
        tables.append((f"首年个人层面影响 First-year impact: {cmp.runs[0].scenario.id} → {name}", pd.DataFrame([rows])))
        tables.append((f"主导性指标 Dominance measures: {cmp.runs[0].scenario.id} → {name}",
                       pd.DataFrame(imp["dominance"])))
    title = "情景对比 Scenario comparison: " + ", ".join(r.scenario.id for r in cmp.runs)
    return _page(title, stamps, figs, tables, cmp.notes + [n for r in cmp.runs for n in r.notes[:1]])
