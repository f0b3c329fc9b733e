"""积分方案 Scheme: edit items, caps and bands; dominance gauges and the diff update on every edit; load/save."""

from __future__ import annotations

import hashlib
import re

import streamlit as st

from dashboard import analysis, figures, scheme_edit, state, view
from dashboard.i18n import fmt_int, fmt_points, t
from scoring.errors import ScoringInputError
from scoring.scheme import MEASURES

SAFE_NAME = re.compile(r"^[A-Za-z0-9_-]+\.yaml$")


def _diff(old_text: str, new_text: str, lang: str) -> list[str]:
    old, new = state.scheme_of(old_text), state.scheme_of(new_text)
    try:
        from scoring.scheme_diff import scheme_diff
    except ImportError:  # fallback until the library's diff is there
        a, b = old.to_dict(), new.to_dict()
        return [f"{k}: {a.get(k)} → {b.get(k)}" for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
    return scheme_diff(old, new, lang)


def _key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def _editors(base_text: str, lang: str) -> dict:
    """Render the editors over the base scheme; return the edited parts."""
    base = state.scheme_of(base_text)
    k = _key(base_text)
    st.subheader(t("items_table", lang))
    items = st.data_editor(
        scheme_edit.items_table(base, lang), key=f"items_{k}", width="stretch",
        disabled=["item", "kind"], placeholder="—",
        column_config={
            "_index": st.column_config.TextColumn(t("col_id", lang)),
            "item": st.column_config.TextColumn(t("col_item", lang)),
            "group": st.column_config.SelectboxColumn(t("col_group", lang), options=base.group_names(),
                                                      required=True),
            "kind": st.column_config.TextColumn(t("col_kind", lang)),
            "points_per_unit": st.column_config.NumberColumn(t("col_ppu", lang), format="%.2f"),
            "cap": st.column_config.NumberColumn(t("col_cap", lang), format="%.2f"),
            "points": st.column_config.NumberColumn(t("col_points", lang), format="%.2f"),
        },
    )
    categories, bands = {}, {}
    for item in base.items:
        if item.kind == "category":
            with st.expander(t("category_points", lang, item=item.name(lang))):
                categories[item.id] = st.data_editor(
                    scheme_edit.category_table(base, item.id, lang), key=f"cat_{item.id}_{k}", width="stretch",
                    disabled=["label"], placeholder="—",
                    column_config={"_index": st.column_config.TextColumn(t("col_value", lang)),
                                   "label": st.column_config.TextColumn(t("col_item", lang)),
                                   "points": st.column_config.NumberColumn(t("col_points", lang), format="%.2f")})
        elif item.kind == "bands":
            with st.expander(t("band_points", lang, item=item.name(lang))):
                bands[item.id] = st.data_editor(
                    scheme_edit.bands_table(base, item.id), key=f"band_{item.id}_{k}", num_rows="dynamic",
                    width="stretch", hide_index=True, placeholder="—",
                    column_config={"min": st.column_config.NumberColumn(t("col_min", lang)),
                                   "max": st.column_config.NumberColumn(t("col_max", lang)),
                                   "points": st.column_config.NumberColumn(t("col_points", lang))})
    c1, c2 = st.columns(2)
    with c1:
        st.subheader(t("admission_rule", lang))
        rule = base.admission
        modes = ["quota", "threshold", "both"]
        mode = st.radio(t("mode", lang), modes, index=modes.index(rule.mode) if rule and rule.mode else 1,
                        format_func=lambda m: t(f"mode_{m}", lang), horizontal=True, key=f"adm_mode_{k}")
        quota = threshold = None
        if mode in ("quota", "both"):
            quota = st.number_input(t("quota", lang), min_value=0, step=1000, key=f"adm_quota_{k}",
                                    value=int(rule.quota) if rule and rule.quota is not None else 6000)
        if mode in ("threshold", "both"):
            threshold = st.number_input(t("threshold", lang), step=1.0, key=f"adm_thr_{k}",
                                        value=float(rule.threshold) if rule and rule.threshold is not None else 100.0)
        ties = rule.ties if rule is not None else "admit_all"
        admission = {"mode": mode, "quota": quota, "threshold": threshold,
                     "ties": ties if isinstance(ties, str) else [x.model_dump(exclude_none=True) for x in ties]}
    with c2:
        st.subheader(t("dominance_rule", lang))
        dom = base.dominance
        min_share = st.slider(t("min_share", lang), 0.0, 1.0, float(dom.min_share), 0.05, key=f"dom_min_{k}",
                              format="percent")
        measure = st.radio(t("measure", lang), list(MEASURES), index=list(MEASURES).index(dom.measure),
                           format_func=lambda m: t(f"measure_{m}_long", lang), key=f"dom_measure_{k}")
    edits = {"items": items, "categories": categories, "bands": bands, "admission": admission,
             "dominance": {"min_share": float(min_share), "measure": measure}}
    return edits


def _load_save(lang: str) -> None:
    ss = st.session_state
    sch = state.scheme()
    stamp = sch.stamp(lang)
    c1, c2, c3 = st.columns(3)
    with c1:
        up = st.file_uploader(t("upload_scheme", lang), type=["yaml", "yml"], key="scheme_upload")
        if up is not None:
            data = up.getvalue()
            digest = hashlib.sha256(data).hexdigest()
            if ss.get("scheme_upload_done") != digest:
                try:
                    text = state.scheme_of(data.decode("utf-8")).to_yaml()  # validated; never evaluated as code
                except (UnicodeDecodeError, ScoringInputError) as exc:
                    st.error(f"{t('scheme_invalid', lang)} {exc}")
                else:
                    ss["scheme_upload_done"] = digest
                    state.load_text(text)
                    st.success(t("scheme_loaded", lang, id=state.scheme().id))
                    st.rerun()
    with c2:
        head = f"# {stamp}\n"
        st.download_button(t("download_scheme", lang), data=head + sch.to_yaml(), file_name=f"{sch.id}.yaml",
                           mime="application/x-yaml", key="dl_scheme", on_click="ignore")
    with c3:
        name = st.text_input(t("save_name", lang), value=f"{sch.id}-edited.yaml", key="save_name")
        if st.button(t("save_scheme", lang), key="save_scheme"):
            target = state.SCHEME_DIR / name
            taken = target.exists() and name not in ss.get("saved_files", [])
            if not SAFE_NAME.match(name) or taken:
                st.error(t("save_name_bad", lang))
            else:
                target.write_text(f"# {stamp}\n" + sch.to_yaml(), encoding="utf-8")
                ss.setdefault("saved_files", []).append(name)
                state.shipped_scheme_texts.clear()
                st.success(t("saved", lang, path=f"scenarios/schemes/{name}"))


def render() -> None:
    """Render the page."""
    lang = state.lang()
    ss = st.session_state
    view.header("page_scheme", "scheme_intro", lang, state.scheme().stamp(lang))
    base_text = ss["editor_base"]
    if f"items_{_key(base_text)}" not in ss and base_text != ss["scheme_yaml"]:
        base_text = ss["editor_base"] = ss["scheme_yaml"]  # fresh editors start from the working scheme
    edits = _editors(base_text, lang)
    try:
        edited = scheme_edit.apply_edits(state.scheme_of(base_text), **edits)
    except ScoringInputError as exc:
        st.error(f"{t('scheme_invalid', lang)}\n\n{exc}")
        ss["scheme_error"] = str(exc)
    else:
        same = edited.to_dict() == state.scheme_of(base_text).to_dict()
        ss["scheme_yaml"] = base_text if same else edited.to_yaml()
        ss.pop("scheme_error", None)
    sch = state.scheme()
    stamp = sch.stamp(lang)
    ev = state.current()
    if ev is not None:
        h = analysis.headline(ev)
        c = st.columns(3)
        c[0].metric(t("eligible", lang), fmt_int(h.eligible))
        c[1].metric(t("admitted", lang), fmt_int(h.admitted))
        c[2].metric(t("threshold_line" if h.mode == "threshold" else "cutoff", lang), fmt_points(h.line))
        view.chart(figures.gauges(h.shares, h.min_share, h.measure, lang, stamp), "scheme_gauges", stamp, lang)
        for w in ev.dom.warnings:
            st.warning(w)
    st.subheader(t("diff_title", lang))
    lines = _diff(ss["scheme_base_yaml"], ss["scheme_yaml"], lang)
    st.markdown("\n".join(f"- {line}" for line in lines) if lines else t("no_changes", lang))
    if st.button(t("reset_edits", lang), key="reset_edits"):
        state.load_text(ss["scheme_base_yaml"])
        st.rerun()
    st.divider()
    _load_save(lang)
