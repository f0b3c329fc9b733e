"""调参 Tuning: the smallest change of weights that meets the policy's targets; sensitivity; simplification.

Uses the working scheme and population of the shared sidebar (dashboard.state). Long runs show st.progress; results
are cached on (population key, scheme text, options). The figures are in dashboard/figures.py (tornado, Sobol), the
page's words in dashboard/i18n_tuning.py.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import scheme_store, state, view
from dashboard.figures import sobol_figure, tornado_figure
from dashboard.i18n import fmt_int, t
from dashboard.i18n_tuning import tx
from dashboard.safe_text import error_text, md
from scoring.errors import ScoringInputError
from scoring.sampling import for_sample, real_quota
from scoring.yaml_files import comment_line

REAL = ("admitted", "eligible", "changed")  # counts of people: shown and taken in real people (dashboard.scale)
TORNADO_HEADERS = ("parameter", "value", "low", "high", "change_low", "change_high", "swing")
OUTCOMES = ("admitted", "cutoff", "design", "realised", "decisive", "realised_admitted", "changed")


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


def simplify_frame(removals: list[Any], names: dict[str, str], admitted: float, ratio: float, lang: str
                   ) -> pd.DataFrame:
    """Removals (scoring.tuning.simplification.Removal) as shown: the items by name, every count in real people
    (``ratio`` per person of the sample, like every page), the change as a share of today's admitted, headers in the
    view's language."""
    sep = "、" if lang != "en" else ", "
    rows = [{tx("col_dropped", lang): len(r.items),
             tx("col_items", lang): sep.join(names.get(i, i) for i in r.items),
             **{tx(f"col_{k}", lang): int(round(getattr(r, k) * ratio)) for k in ("changed", "entered", "left",
                                                                                  "admitted")},
             tx("col_changed_share", lang): f"{r.changed / max(1.0, admitted) * 100:.1f}%"}
            for r in removals]
    return pd.DataFrame(rows)


SAMPLE_SIZES = (50_000, 100_000, 200_000)  # rows the optimiser may search on (the whole population when fewer)


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


def _for_sample(text: str, pop_key: str) -> Any:
    """The scheme as the library runs it on the sample: its quota, real places like on every page, as the sample's
    places (scoring.sampling: quota / ratio), so that counts scaled back are real people."""
    return for_sample(state.scheme_of(text), state.population_scale(pop_key).ratio)


def _real_quota(sch: Any, text: str) -> Any:
    """A tuned scheme with the working scheme's own quota (real places) back in place of the sample's."""
    return real_quota(sch, state.scheme_of(text))


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
    return tune(_for_sample(text, pop_key), state.route_population(pop_key), cons, objective, sample=sample,
                progress=progress)


@st.cache_resource(max_entries=8, show_spinner=False)
def _tornado(pop_key: str, text: str, pct: float) -> Any:
    from scoring.tuning.sensitivity import tornado

    return tornado(_for_sample(text, pop_key), state.route_population(pop_key), pct)


def _sobol(pop_key: str, text: str, pct: float, n: int, _bar: Any = None) -> Any:
    from scoring.tuning.sensitivity import sobol

    def progress(k: int, total: int) -> None:
        if _bar is not None:
            _bar.progress(min(1.0, k / max(1, total)), text=f"{k}/{total}")

    return sobol(_for_sample(text, pop_key), state.route_population(pop_key), pct, n=n, progress=progress)


def _simplify(pop_key: str, text: str, hold: str, _bar: Any = None) -> Any:
    from scoring.tuning.simplification import simplify

    def progress(k: int, total: int) -> None:
        if _bar is not None:
            _bar.progress(min(1.0, k / max(1, total)), text=f"{k}/{total}")

    return simplify(_for_sample(text, pop_key), state.route_population(pop_key), hold=hold, progress=progress)


# -- page ------------------------------------------------------------------------------------------------------
def render() -> None:
    """Render the page."""
    p = view.preamble("page_tuning", "tuning_intro", scale=True)
    lang, sch, stamp, key, text = p.lang, p.scheme, p.stamp, p.pop_key, p.text
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
    measure = c1.selectbox(tx("measure", lang), measures, format_func=lambda m: tx(m, lang),
                           **state.keyed_choice("tune_measure", measures, sch.dominance.measure, lang))
    share = c2.slider(tx("min_share", lang), 0.0, 1.0, float(sch.dominance.min_share), 0.05, key="tune_share")
    objective = c3.radio(tx("objective", lang), ["closest", "stable-rank"], format_func=lambda o: tx(o, lang),
                         key="tune_objective")
    quota_mode = sch.admission is not None and sch.admission.mode == "quota"
    d1, d2, d3, d4 = st.columns(4)
    kinds = ["cutoff", "admitted"] if quota_mode else ["admitted", "cutoff"]
    state.relabel_on_language("tune_kind", lang)
    kind = d1.selectbox(tx("target", lang), kinds, format_func=lambda k: tx(k, lang), key="tune_kind")
    lo = d2.number_input(tx("lo", lang), value=None, key="tune_lo", placeholder="—")
    hi = d3.number_input(tx("hi", lang), value=None, key="tune_hi", placeholder="—")
    rows = state.population_scale(key).sample  # no more rows offered than the population has
    sizes = [s for s in SAMPLE_SIZES if s < rows] + [min(rows, SAMPLE_SIZES[-1])]
    sample = int(d4.selectbox(tx("sample", lang), sizes, format_func=fmt_int,
                              **state.keyed_choice("tune_sample", sizes, sizes[-1], lang)))
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
    return error_text(exc, lang=lang) if isinstance(exc, ScoringInputError) else t("error_generic", lang)


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
    final = _real_quota(_rounding(out, last, lang, key), last["text"])
    new_scheme = scheme_store.as_edited(final, state.scheme_of(last["text"]))  # an edited draft, never official
    new_text = new_scheme.to_yaml()
    c1, c2 = st.columns(2)
    c1.download_button(tx("download", lang), data=(comment_line(new_scheme.stamp(lang)) + new_text).encode(),
                       file_name=tuned_file_name(new_scheme, state.scheme_of(last["text"])), mime="application/x-yaml",
                       key="tune_download", on_click="ignore")
    c2.button(tx("apply", lang), key="tune_apply", on_click=_apply_tuned, args=(new_text,),
              disabled=applied == text and applied is not None)


def tuned_file_name(new: Any, old: Any) -> str:
    """The tuned scheme's file name after what it holds: its id and what tuning (and rounding) added to the version
    (``-tuned``, ``-tuned-r1``), the whole version when it does not extend the old one."""
    added = str(new.version).removeprefix(str(old.version)).strip("-") if new.version != old.version else ""
    return f"{view.slug(new.id)}-{view.slug(added or 'v' + str(new.version))}.yaml"


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
                  lambda: round_result(out, state.route_population(last["pop"]), float(step)))
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
    outcome = c2.selectbox(tx("outcome", lang), OUTCOMES, format_func=lambda o: tx(o, lang),
                           **state.keyed_choice("sens_outcome", OUTCOMES, default, lang))
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
    ratio = state.population_scale(key).ratio
    names = {i.id: i.name(lang) for i in state.scheme_of(text).items}
    admitted = float(res.admitted)  # of the route's people (the library's unit); shown times the ratio
    st.caption(tx("simplify_note", lang, n=fmt_int(res.admitted * ratio), hold=tx(f"hold_{hold}", lang)))
    st.markdown(f"**{tx('simplify_best', lang)}**")
    frame = simplify_frame(res.best, names, admitted, ratio, lang)
    st.dataframe(frame, hide_index=True, width="stretch")
    view.table_downloads(frame, tx("simplify_best", lang), stamp, lang, index=False)
    st.markdown(f"**{tx('simplify_singles', lang)}**")
    singles = simplify_frame(res.singles, names, admitted, ratio, lang)
    st.dataframe(singles, hide_index=True, width="stretch")
    view.table_downloads(singles, tx("simplify_singles", lang), stamp, lang, index=False)


if __name__ == "__main__":  # run by st.navigation (app.py); importing the module (tests) draws nothing
    render()
