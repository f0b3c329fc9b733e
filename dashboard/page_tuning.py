"""调参 Tuning: the smallest change of weights that meets the policy's targets; sensitivity; simplification.

Uses the working scheme and population of the shared sidebar (dashboard.state). Long runs show st.progress; results
are cached on (population key, scheme text, options). Figure builders are pure functions (tested directly).
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import scheme_store, state, view
from dashboard.figures import COLORS, stamp_figure
from dashboard.i18n import fmt_int, t
from dashboard.safe_text import error_text, md
from scoring.errors import ScoringInputError

TEXT: dict[str, tuple[str, str]] = {
    "title": ("调参", "Tuning"),
    "intro": ("在满足政策要求（居住与社保年限占主要比例、录取人数或分数线在目标范围内）的前提下，找出改动最小的分值；"
              "并查看各项分值的敏感性和可精简的项目。",
              "Find the smallest change of weights that meets the policy's targets (residence and insurance years "
              "dominate; the number admitted or the cut-off within a range); see sensitivities and which items can "
              "be dropped."),
    "tab_tune": ("调参", "Tune"), "tab_sens": ("敏感性", "Sensitivity"), "tab_simplify": ("精简项目", "Simplify"),
    "measure": ("主要比例口径", "dominance measure"), "min_share": ("最低占比", "minimum share"),
    "target": ("目标", "target"), "admitted": ("录取人数", "number admitted"), "cutoff": ("分数线", "cut-off"),
    "lo": ("下限", "low"), "hi": ("上限", "high"), "objective": ("目标函数", "objective"),
    "closest": ("最接近现行分值", "closest to today's weights"),
    "stable-rank": ("排名最稳定（Kendall τ）", "most stable ranking (Kendall tau)"),
    "sample": ("优化样本人数", "people in the optimiser's sample"), "run": ("运行", "Run"),
    "ok": ("已找到满足全部约束的分值（全体精确校验通过）",
           "Weights found that meet every target (exact check on everyone)"),
    "not_met": ("样本上满足，但全体精确校验未完全满足", "Met on the sample; the exact check on everyone misses"),
    "infeasible": ("在参数范围内无法满足全部约束", "No weights within the bounds meet every target"),
    "changes": ("改动（旧 → 新）", "Changes (old → new)"),
    "download": ("下载新方案 YAML", "Download the new scheme (YAML)"),
    "apply": ("设为当前方案", "Use as the working scheme"), "pct": ("变动幅度 ±%", "change ±%"),
    "applied_now": ("已设为当前方案（草案）：其余页面和“积分方案”页均使用调参后的分值。",
                    "Now the working scheme (draft): every page, including Scheme, uses the tuned weights."),
    "outcome": ("结果指标", "outcome"), "sobol_n": ("Sobol 基础样本数（0 = 不计算）", "Sobol base points (0 = skip)"),
    "hold": ("比较口径", "compare at"), "hold_count": ("录取人数不变", "the same number admitted"),
    "hold_rule": ("规则不变（原分数线/名额）", "the same rule (line or quota)"),
    "changed": ("录取名单变化人数", "admissions changed"), "tau": ("Kendall τ（与现行排名）", "Kendall tau (vs today)"),
    "sample_note": ("优化在 {s:,} 人的随机样本上进行，最终方案在全体 {n:,} 人上精确校验。",
                    "Optimised on a random sample of {s:,}; the final scheme is checked exactly on all {n:,}."),
    "design": ("设计占比", "design share"), "realised": ("实际占比", "realised share"),
    "decisive": ("决定性占比", "decisive share"), "realised_admitted": ("录取者实际占比", "realised share (admitted)"),
    "first": ("一阶指数", "first order"), "total": ("总效应指数", "total order"),
    "tornado": ("龙卷风图（单项敏感性）", "Tornado (one at a time)"), "sobol": ("Sobol 指数", "Sobol indices"),
    "change_axis": ("相对现行的变化", "change from today"), "computing": ("正在计算……", "Computing…"),
    "sobol_note": ("±20%，n={n}，共计算{e}次，样本{s:,}人 / 全体{p:,}人",
                   "±20%, n={n}, {e} evaluations, sample {s:,} / {p:,}"),
    "parameter": ("参数", "parameter"), "value": ("现行值", "value"), "low": ("下调后", "low"),
    "high": ("上调后", "high"), "change_low": ("下调的变化", "change (down)"),
    "change_high": ("上调的变化", "change (up)"), "swing": ("摆幅", "swing"),
    "round": ("取整（便于公布的分值）", "rounding (publishable values)"),
    "round_none": ("不取整", "none"), "round_step": ("{s}分", "{s} point(s)"),
    "round_ok": ("取整到{s}分后全部约束仍满足（全体精确校验）。",
                 "After rounding to {s} points every constraint still holds (exact check on everyone)."),
    "round_miss": ("取整到{s}分后部分约束不再满足（全体精确校验），见下表；可改用更细的取整或放宽目标。",
                   "After rounding to {s} points some constraints no longer hold (exact check on everyone); see "
                   "below. Use a finer step or widen the targets."),
    "round_changes": ("取整带来的改动（调参值 → 取整值）", "What rounding changed (tuned → rounded)"),
    "round_changed": ("与未取整方案相比录取名单变化人数：{n:,}",
                      "Admissions changed against the unrounded result: {n:,}"),
    "col_constraint": ("约束", "constraint"), "col_sample": ("样本值", "on the sample"),
    "col_everyone": ("全体精确值", "exact, everyone"), "col_met": ("满足", "met"),
    "eligible": ("符合资格人数", "eligible"), "col_item": ("指标", "measure"), "col_before": ("调参前", "before"),
    "col_after": ("调参后", "after"),
    "bind_alone": ("即使单独考虑（在参数范围内）", "even on its own within the bounds"),
    "bind_joint": ("在满足其他约束的前提下", "while the other constraints hold"),
    "binding": ("约束受限：{c}：{how}最多只能达到 {best}，差距 {gap}",
                "binding: {c}: best reachable {how} is {best}; short by {gap}"),
    "people_note": ("录取人数的目标和结果均为实际人数（按上述比例换算为样本人数后调参）。",
                    "Admitted-count targets and results are in real people (converted to the sample at the ratio "
                    "above for the search)."),
}
REAL = ("admitted", "eligible", "changed")  # counts of people: shown and taken in real people (dashboard.scale)
TORNADO_HEADERS = ("parameter", "value", "low", "high", "change_low", "change_high", "swing")
OUTCOMES = ("admitted", "cutoff", "design", "realised", "decisive", "realised_admitted", "changed")


def tx(key: str, lang: str, **fmt: Any) -> str:
    """Bilingual text of this page."""
    text = TEXT[key][lang == "en"]
    return text.format(**fmt) if fmt else text


def value_text(quantity: str, value: float | None, ratio: float) -> str:
    """A constraint's value in the view: people counts in real people (whole), points and shares as numbers."""
    if value is None:
        return "—"
    if not math.isfinite(float(value)):
        return "∞"
    if quantity == "admitted":
        return fmt_int(float(value) * ratio)
    return f"{float(value):.2f}" if quantity == "cutoff" else f"{float(value):.4g}"


def constraint_text(quantity: str, sense: int, target: float, measure: str, ratio: float, lang: str) -> str:
    """"number admitted >= 12,000" in the view's language, the count in real people."""
    label = tx(f"{measure}" if quantity == "share" else quantity, lang)
    return f"{label} {'>=' if sense > 0 else '<='} {value_text(quantity, target, ratio)}"


def binding_text(b: Any, measure: str, ratio: float, lang: str) -> str:
    """One binding constraint (scoring.tuning.diagnosis.Binding) in the view's language, counts in real people."""
    return tx("binding", lang, c=constraint_text(b.quantity, _sense(b), b.required, measure, ratio, lang),
              how=tx("bind_alone" if b.alone else "bind_joint", lang), best=value_text(b.quantity, b.best, ratio),
              gap=value_text(b.quantity, b.gap, ratio) if b.quantity == "admitted" else f"{b.gap:.4g}")


def _sense(b: Any) -> int:
    """The sense of a binding constraint, read from its library name ("admitted >= 3000")."""
    return -1 if "<=" in str(b.constraint) else 1


def checks_frame(checks: list[Any], measure: str, ratio: float, lang: str, sample: bool = True) -> pd.DataFrame:
    """The exact checks as a table in the view's language, people counts in real people."""
    rows = []
    for c in checks:
        row = {tx("col_constraint", lang): constraint_text(c.quantity, c.sense, c.target, measure, ratio, lang)}
        if sample:
            row[tx("col_sample", lang)] = value_text(c.quantity, c.sample_value, ratio)
        row[tx("col_everyone", lang)] = value_text(c.quantity, c.value, ratio)
        row[tx("col_met", lang)] = bool(c.met)
        rows.append(row)
    return pd.DataFrame(rows)


# -- pure figure builders --------------------------------------------------------------------------------------
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


# -- runs (kept per session: a live progress bar cannot be used inside st.cache_*) ---------------------------
def _memo(name: str, args: tuple[Any, ...], run: Any) -> Any:
    """The result of ``run()`` kept in the session under (name, args); the last few kept."""
    store: dict[tuple[Any, ...], Any] = st.session_state.setdefault("_tuning_results", {})
    key = (name, *args)
    if key not in store:
        store[key] = run()
        while len(store) > 6:
            store.pop(next(iter(store)))
    return store[key]


def _tune(pop_key: str, text: str, measure: str, share: float, kind: str, lo: float | None, hi: float | None,
          objective: str, sample: int, _bar: Any = None) -> Any:
    from scoring.tuning.core import tune
    from scoring.tuning.problem import Constraints

    steps = {"unit scores": 0.05, "baseline": 0.1, "phase 1": 0.3, "phase 2": 0.6, "exact check": 0.9}
    def progress(msg: str) -> None:
        if _bar is not None:
            frac = next((v for k, v in steps.items() if msg.startswith(k)), 0.5)
            _bar.progress(frac, text=msg)

    rng = (lo, hi)
    cons = Constraints(share, measure, rng if kind == "admitted" else None, rng if kind == "cutoff" else None)
    return tune(state.scheme_of(text), state.population(pop_key), cons, objective, sample=sample,
                progress=progress)


@st.cache_resource(max_entries=8, show_spinner=False)
def _tornado(pop_key: str, text: str, pct: float) -> Any:
    from scoring.tuning.sensitivity import tornado

    return tornado(state.scheme_of(text), state.population(pop_key), pct)


def _sobol(pop_key: str, text: str, pct: float, n: int, _bar: Any = None) -> Any:
    from scoring.tuning.sensitivity import sobol

    def progress(k: int, total: int) -> None:
        if _bar is not None:
            _bar.progress(min(1.0, k / max(1, total)), text=f"{k}/{total}")

    return sobol(state.scheme_of(text), state.population(pop_key), pct, n=n, progress=progress)


def _simplify(pop_key: str, text: str, hold: str, _bar: Any = None) -> Any:
    from scoring.tuning.simplification import simplify

    def progress(k: int, total: int) -> None:
        if _bar is not None:
            _bar.progress(min(1.0, k / max(1, total)), text=f"{k}/{total}")

    return simplify(state.scheme_of(text), state.population(pop_key), hold=hold, progress=progress)


# -- page ------------------------------------------------------------------------------------------------------
def render() -> None:
    """Render the page."""
    lang = state.lang()
    sch = state.scheme()
    stamp = sch.stamp(lang)
    st.title(tx("title", lang))
    st.caption(f"{tx('intro', lang)}  \n{md(stamp)}")
    key, text = state.pop_key(), st.session_state["scheme_yaml"]
    view.scale_note(state.population_scale(key), lang)
    st.caption(tx("people_note", lang))
    tab_tune, tab_sens, tab_simp = st.tabs([tx("tab_tune", lang), tx("tab_sens", lang), tx("tab_simplify", lang)])
    with tab_tune:
        _render_tune(lang, stamp, key, text, sch)
    with tab_sens:
        _render_sensitivity(lang, stamp, key, text, sch)
    with tab_simp:
        _render_simplify(lang, stamp, key, text)


def _render_tune(lang: str, stamp: str, key: str, text: str, sch: Any) -> None:
    c1, c2, c3 = st.columns(3)
    measures = ["design", "realised", "decisive"]
    measure = c1.selectbox(tx("measure", lang), measures, index=measures.index(sch.dominance.measure),
                           format_func=lambda m: tx(m, lang), key="tune_measure")
    share = c2.slider(tx("min_share", lang), 0.0, 1.0, float(sch.dominance.min_share), 0.05, key="tune_share")
    objective = c3.radio(tx("objective", lang), ["closest", "stable-rank"], format_func=lambda o: tx(o, lang),
                         key="tune_objective")
    quota_mode = sch.admission is not None and sch.admission.mode == "quota"
    d1, d2, d3, d4 = st.columns(4)
    kinds = ["cutoff", "admitted"] if quota_mode else ["admitted", "cutoff"]
    kind = d1.selectbox(tx("target", lang), kinds, format_func=lambda k: tx(k, lang), key="tune_kind")
    lo = d2.number_input(tx("lo", lang), value=None, key="tune_lo", placeholder="—")
    hi = d3.number_input(tx("hi", lang), value=None, key="tune_hi", placeholder="—")
    sample = int(d4.selectbox(tx("sample", lang), [50_000, 100_000, 200_000], index=2, key="tune_sample"))
    ss = st.session_state
    if st.button(tx("run", lang), key="tune_run", type="primary"):
        bar = st.progress(0.0)
        ratio = state.population_scale(key).ratio  # targets are real people; the library counts the sample
        lo_s, hi_s = ((None if v is None else float(v) / ratio for v in (lo, hi)) if kind == "admitted"
                      else (lo, hi))
        args = (key, text, measure, float(share), kind, lo_s, hi_s, objective, sample)
        try:
            out = _memo("tune", args, lambda: _tune(*args, _bar=bar))
        except Exception as exc:  # a user's mistake, or a population the scheme cannot score: one line
            ss["tune_last"] = {"error": _reason(exc, lang)}
        else:
            ss["tune_last"] = {"out": out, "text": text, "pop": key}
        bar.empty()
    last = ss.get("tune_last")  # kept in the session: a download or any other click does not lose it
    if last is None:
        return
    if "error" in last:
        st.error(last["error"])
        return
    _show_tune(last, lang, key, text)


def _reason(exc: BaseException, lang: str) -> str:
    """The line shown for a failed run: a user's mistake gives its reason (escaped, no paths), anything else a
    generic line (never a traceback)."""
    return error_text(exc) if isinstance(exc, ScoringInputError) else t("error_generic", lang)


def _apply_tuned(new_text: str) -> None:
    """Make the tuned scheme (a draft) the working scheme of this session."""
    state.set_working(new_text)
    st.session_state["tune_last"]["applied"] = new_text


def _show_tune(last: dict[str, Any], lang: str, key: str, text: str) -> None:
    out = last["out"]
    applied = last.get("applied")
    if applied is not None and applied == text:
        st.success(tx("applied_now", lang))
    elif last["text"] != text or last["pop"] != key:
        st.info(t("tune_stale", lang))
    ratio = state.population_scale(last["pop"]).ratio
    measure = out.constraints.measure or "realised"
    binds = "; ".join(binding_text(b, measure, ratio, lang) for b in out.binding)
    getattr(st, {"ok": "success", "not_met": "warning", "infeasible": "error"}[out.status])(
        tx(out.status, lang) + (f" — {md(binds)}" if binds and out.status != "ok" else ""))
    if out.sample < out.population:
        st.caption(tx("sample_note", lang, s=out.sample, n=out.population))
    if out.checks:
        st.dataframe(checks_frame(out.checks, measure, ratio, lang), hide_index=True, width="stretch")
    if out.new_scheme is None:
        return
    rows = [{tx("col_item", lang): tx(k, lang),
             **{tx(f"col_{w}", lang): (fmt_int(None if d.get(k) is None else d[k] * ratio) if k in REAL
                                       else value_text("cutoff" if k == "cutoff" else "share", d.get(k), ratio))
                for w, d in (("before", out.before), ("after", out.after))}}
            for k in ("eligible", "admitted", "cutoff", "design", "realised", "decisive")]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    m1, m2 = st.columns(2)
    m1.metric(tx("tau", lang), f"{out.kendall_tau:.4f}" if out.kendall_tau is not None else "—")
    m2.metric(tx("changed", lang), fmt_int(None if out.changed_admissions is None else out.changed_admissions * ratio))
    st.subheader(tx("changes", lang))
    st.markdown("\n".join(f"- {md(line)}" for line in out.diff(lang)))
    final = _rounding(out, last, lang, key)
    new_scheme = scheme_store.as_edited(final, out.scheme)  # a tuning result is an edited draft, never official
    new_text = new_scheme.to_yaml()
    c1, c2 = st.columns(2)
    c1.download_button(tx("download", lang), data=f"# {new_scheme.stamp(lang)}\n{new_text}".encode(),
                       file_name=f"{view.slug(new_scheme.id)}-tuned.yaml", mime="application/x-yaml",
                       key="tune_download", on_click="ignore")
    c2.button(tx("apply", lang), key="tune_apply", on_click=_apply_tuned, args=(new_text,),
              disabled=applied == text and applied is not None)


def _rounding(out: Any, last: dict[str, Any], lang: str, key: str) -> Any:
    """The rounding step: round the tuned values to 0.5 or 1 point (the user's choice) and show the constraints
    re-checked exactly on everyone; returns the scheme to download or apply (rounded when a step is chosen)."""
    step = st.segmented_control(tx("round", lang), [0.0, 0.5, 1.0], default=0.0, key="tune_round",
                                format_func=lambda s: tx("round_none", lang) if not s else
                                tx("round_step", lang, s=f"{s:g}"))
    if not step:
        return out.new_scheme
    from scoring.tuning.rounding import round_result

    digest = hashlib.sha256(out.new_scheme.to_yaml().encode()).hexdigest()[:16]
    with st.spinner(t("loading", lang)):
        r = _memo("round", (last["pop"], digest, float(step)),
                  lambda: round_result(out, state.population(last["pop"]), float(step)))
    (st.success if r.ok else st.warning)(tx("round_ok" if r.ok else "round_miss", lang, s=f"{step:g}"))
    ratio = state.population_scale(last["pop"]).ratio
    st.dataframe(checks_frame(r.checks, out.constraints.measure or "realised", ratio, lang, sample=False),
                 hide_index=True, width="stretch")
    st.caption(tx("round_changed", lang, n=round(r.changed_admissions * ratio)))
    lines = r.diff(lang)
    if lines:
        st.markdown(f"**{tx('round_changes', lang)}**  \n" + "\n".join(f"- {md(x)}" for x in lines))
    return r.scheme


def _render_sensitivity(lang: str, stamp: str, key: str, text: str, sch: Any) -> None:
    c1, c2, c3 = st.columns(3)
    pct = float(c1.slider(tx("pct", lang), 1, 50, 10, key="sens_pct"))
    default = "cutoff" if sch.admission is not None and sch.admission.mode == "quota" else "admitted"
    outcome = c2.selectbox(tx("outcome", lang), OUTCOMES, index=OUTCOMES.index(default),
                           format_func=lambda o: tx(o, lang), key="sens_outcome")
    n = int(c3.selectbox(tx("sobol_n", lang), [0, 32, 64, 128, 256], key="sens_sobol"))
    try:
        with st.spinner(tx("computing", lang)):
            tor = _tornado(key, text, pct)
    except Exception as exc:  # a user's mistake shows its one line; anything else a generic line, no traceback
        st.error(_reason(exc, lang))
        return
    frame = tor.frame(outcome)
    if outcome in REAL:  # counts of people: in real people, like every other page
        ratio = state.population_scale(key).ratio
        cols = [c for c in ("low", "high", "change_low", "change_high", "swing") if c in frame.columns]
        frame = frame.assign(**{c: (frame[c].astype(float) * ratio).round() for c in cols})
    view.chart(tornado_figure(frame, tx(outcome, lang), pct, lang, stamp), f"tuning_tornado_{outcome}", stamp, lang)
    frame = frame.rename(columns={c: tx(c, lang) for c in TORNADO_HEADERS if c in frame.columns})
    st.dataframe(frame, hide_index=True, width="stretch")
    view.table_downloads(frame, f"tornado_{outcome}", stamp, lang, index=False)
    if n and outcome != "changed":
        bar = st.progress(0.0)
        res = _memo("sobol", (key, text, n), lambda: _sobol(key, text, 20.0, n, _bar=bar))
        bar.empty()
        if outcome in res.first_order.index:
            fig = sobol_figure(res.first_order.loc[outcome], res.total_order.loc[outcome], tx(outcome, lang), lang,
                               stamp)
            view.chart(fig, f"tuning_sobol_{outcome}", stamp, lang)
            st.caption(tx("sobol_note", lang, n=n, e=res.evaluations, s=res.sample, p=res.population))


def _render_simplify(lang: str, stamp: str, key: str, text: str) -> None:
    hold = st.radio(tx("hold", lang), ["count", "rule"], format_func=lambda h: tx(f"hold_{h}", lang),
                    key="simplify_hold", horizontal=True)
    ss = st.session_state
    args = (key, text, hold)
    if st.button(tx("run", lang), key="simplify_run"):
        bar = st.progress(0.0)
        try:
            ss["simplify_last"] = (args, _memo("simplify", args, lambda: _simplify(key, text, hold, _bar=bar)))
        except Exception as exc:
            ss["simplify_last"] = (args, _reason(exc, lang))
        bar.empty()
    last = ss.get("simplify_last")  # kept, so a download click does not lose it (shown for the same inputs only)
    if last is None or last[0] != args:
        return
    res = last[1]
    if isinstance(res, str):
        st.error(res)
        return
    frame = res.frame()
    st.dataframe(frame, hide_index=True, width="stretch")
    view.table_downloads(frame, "simplify", stamp, lang, index=False)
    singles = pd.DataFrame([r.to_dict() for r in res.singles])
    st.dataframe(singles, hide_index=True, width="stretch")
