"""积分方案 Scheme: edit items, caps and bands; dominance gauges and the diff update on every edit; load/save."""

from __future__ import annotations

import hashlib

import streamlit as st

from dashboard import (
    access,
    analysis,
    figures,
    lazy,
    scheme_edit,
    scheme_store,
    scheme_struct,
    scheme_struct_widgets,
    state,
    view,
)
from dashboard.i18n import fmt_int, fmt_points, t
from dashboard.safe_text import error_text, md, plain_error
from scoring.errors import ScoringInputError
from scoring.scheme.diff import scheme_diff
from scoring.scheme.load import MEASURES
from scoring.yaml_files import comment_line


def _diff(old_text: str, new_text: str, lang: str) -> list[str]:
    return scheme_diff(state.scheme_of(old_text), state.scheme_of(new_text), lang)


def _editors(base_text: str, lang: str) -> dict:
    """Render the editors over the base scheme; return the edited parts."""
    base = state.scheme_of(base_text)
    k = state.editor_key(base_text)
    st.subheader(t("items_table", lang))
    items = st.data_editor(
        scheme_edit.items_table(base, lang), key=f"items_{k}", width="stretch",
        disabled=["item", "kind"], placeholder="—",
        column_config={
            "_index": st.column_config.TextColumn(t("col_id", lang)),
            "item": st.column_config.TextColumn(t("col_item", lang)),
            "group": st.column_config.SelectboxColumn(t("col_group", lang), options=base.group_names(),
                                                      required=True,
                                                      format_func=lambda g: base.group_label(g, lang)),
            "kind": st.column_config.TextColumn(t("col_kind", lang)),
            "points_per_unit": st.column_config.TextColumn(t("col_ppu", lang)),
            "cap": st.column_config.TextColumn(t("col_cap", lang)),
            "points": st.column_config.TextColumn(t("col_points", lang)),
        },
    )
    categories, bands = {}, {}
    for item in base.items:  # secondary tables: drawn only while their section is open (dashboard/lazy.py)
        if item.kind == "category":
            box, is_open = lazy.section(t("category_points", lang, item=md(item.name(lang))), f"cat_{item.id}")
            categories[item.id] = lazy.kept_editor(
                box, is_open, scheme_edit.category_table(base, item.id, lang), f"cat_{item.id}_{k}",
                width="stretch", disabled=["label"], placeholder="—",
                column_config={"_index": st.column_config.TextColumn(t("col_value", lang)),
                               "label": st.column_config.TextColumn(t("col_item", lang)),
                               "points": st.column_config.TextColumn(t("col_points", lang))})
        elif item.kind == "bands":
            box, is_open = lazy.section(t("band_points", lang, item=md(item.name(lang))), f"band_{item.id}")
            bands[item.id] = lazy.kept_editor(
                box, is_open, scheme_edit.bands_table(base, item.id), f"band_{item.id}_{k}", num_rows="dynamic",
                width="stretch", hide_index=True, placeholder="—",
                column_config={"min": st.column_config.TextColumn(t("col_min", lang)),
                               "max": st.column_config.TextColumn(t("col_max", lang)),
                               "points": st.column_config.TextColumn(t("col_points", lang))})
    scheme_struct_widgets.structure_section(lang)
    gates = scheme_struct_widgets.gates_editor(base, k, lang)
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
                                    value=scheme_edit.quota_default(rule))
        if mode in ("threshold", "both"):
            threshold = st.number_input(t("threshold", lang), step=1.0, key=f"adm_thr_{k}",
                                        value=float(rule.threshold) if rule and rule.threshold is not None else 100.0)
        if mode in ("quota", "both"):  # ties only matter where places are rationed
            ties, tie_problems = scheme_struct_widgets.ties_editor(base, k, lang)
        else:
            old = rule.ties if rule is not None else "admit_all"
            ties = old if isinstance(old, str) else [x.model_dump(exclude_none=True) for x in old]
            tie_problems = []
        admission = {"mode": mode, "quota": quota, "threshold": threshold, "ties": ties}
    with c2:
        st.subheader(t("dominance_rule", lang))
        dom = base.dominance
        min_share = st.slider(t("min_share", lang), 0.0, 1.0, float(dom.min_share), 0.05, key=f"dom_min_{k}",
                              format="percent")
        measure = st.radio(t("measure", lang), list(MEASURES), index=list(MEASURES).index(dom.measure),
                           format_func=lambda m: t(f"measure_{m}_long", lang), key=f"dom_measure_{k}")
    edits = {"items": items, "categories": categories, "bands": bands, "admission": admission,
             "dominance": {"min_share": float(min_share), "measure": measure}, "gates_table": gates,
             "problems": tie_problems}
    return edits


def _upload(lang: str) -> None:
    """Upload a scheme YAML into this session (editors only when access control is on); it becomes a draft."""
    ss = st.session_state
    up = st.file_uploader(t("upload_scheme", lang), type=["yaml", "yml"], key="scheme_upload",
                          max_upload_size=view.UPLOAD_LIMITS_MB["scheme_upload"])  # the store refuses > 256 KB
    st.caption(t("upload_draft", lang))
    if up is None:
        return
    data = up.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    if ss.get("scheme_upload_done") == digest:
        return
    if len(data) > scheme_store.MAX_SCHEME_BYTES:
        st.error(t("scheme_too_big", lang, kb=scheme_store.MAX_SCHEME_BYTES // 1024))
        return
    try:
        text = scheme_store.draft_text(data.decode("utf-8"), up.name)  # validated; never evaluated as code; a draft
    except ScoringInputError as exc:
        st.error(f"{t('scheme_upload_invalid', lang)} {error_text(exc, lang=lang)}")
        return
    except Exception:  # anything else a hostile file provokes (decoding, nesting, size): one line, no traceback
        st.error(t("scheme_unreadable", lang))
        return
    ss["scheme_upload_done"] = digest
    state.load_text(text)
    ss["scheme_notice"] = ("scheme_loaded", {"id": md(state.scheme().id)})
    if state.scheme().id in state.shipped_scheme_texts():
        ss["scheme_notice_shadow"] = md(state.scheme().id)
    st.rerun()


def _save(lang: str) -> None:
    """Save the working scheme as a new draft (new id and version) in the store of saved schemes."""
    sch = state.scheme()
    st.caption(t("save_note", lang))
    new_id = st.text_input(t("save_id", lang), key="save_id", max_chars=64, placeholder=f"{sch.id}-edited")
    version = st.text_input(t("save_version", lang), key="save_version", max_chars=32,
                            placeholder=t("save_version_hint", lang))
    title = st.text_input(t("save_new_title", lang), key="save_new_title", max_chars=120,
                          placeholder=sch.title.get(lang))
    if not st.button(t("save_scheme", lang), key="save_scheme"):
        return
    try:
        _, saved = scheme_store.save(sch, new_id or "", version or "", title,
                                     frozenset(state.shipped_scheme_texts()))
    except scheme_store.SaveRefused as refused:
        st.error(t(refused.reason, lang, **{k: md(v) for k, v in refused.fields}))
        return
    except ScoringInputError as exc:
        st.error(f"{t('scheme_invalid', lang)} {error_text(exc, lang=lang)}")
        return
    except OSError:
        st.error(t("error_generic", lang))
        return
    key = scheme_store.saved_key(saved)
    state.load_text(saved.to_yaml())
    st.session_state["scheme_choice_pending"] = key
    st.session_state["scheme_notice"] = ("saved", {"name": md(key)})
    st.rerun()


def _load_save(lang: str) -> None:
    sch = state.scheme()
    stamp = sch.stamp(lang)
    c1, c2, c3 = st.columns(3)
    with c1:
        if access.editors_only(lang):
            _upload(lang)
    with c2:
        head = comment_line(stamp)
        st.download_button(t("download_scheme", lang), data=lambda: head + sch.to_yaml(),
                           file_name=f"{view.slug(view.scheme_file_tag(stamp, lang))}.yaml", mime="application/x-yaml",
                           key="dl_scheme",
                           on_click="ignore")
    with c3:
        if access.can_edit():
            box, is_open = lazy.section(t("save_title", lang), "save")  # drawn only when opened
            if is_open:
                with box:
                    _save(lang)


def _undo() -> None:
    """Undo every edit: back to the loaded scheme, with editors that start afresh (new widget keys)."""
    state.load_text(st.session_state["scheme_base_yaml"])
    st.session_state["scheme_notice"] = ("reset_done", {})


def _notices(lang: str) -> None:
    ss = st.session_state
    notice = ss.pop("scheme_notice", None)
    if notice is not None:
        st.success(t(notice[0], lang, **notice[1]))
    shadow = ss.pop("scheme_notice_shadow", None)
    if shadow is not None:
        st.warning(t("upload_shadow", lang, id=shadow))


def _apply(base_text: str, edits: dict, lang: str) -> None:
    """Check the edited cells, apply them, and make the result the working scheme (a draft); refuse in place."""
    ss = st.session_state
    base = state.scheme_of(base_text)
    problems = scheme_edit.check_cells(base, lang, edits["items"], edits["categories"], edits["bands"])
    gates = edits.pop("gates_table")
    problems += scheme_struct.check_gates(gates, lang, base) + edits.pop("problems")
    if problems:
        for problem in problems:
            st.error(problem)
        st.warning(t("edits_held", lang))  # every edit waits for the cell: say so, or the page reads as applied
        ss["scheme_error"] = problems[0]
        return
    try:
        eligibility = scheme_struct.gates_from_table(base, gates, lang)
        edited = scheme_edit.apply_edits(base, **edits, eligibility=eligibility)
    except ScoringInputError as exc:
        st.error(t("edit_rejected", lang))
        with st.expander(t("edit_detail", lang)):
            st.code(plain_error(exc, lang=lang), language=None)
        ss["scheme_error"] = str(exc)
        return
    same = edited.to_dict() == base.to_dict()
    origin = state.scheme_of(ss["scheme_base_yaml"])  # the loaded scheme: the edit's origin in every stamp
    ss["scheme_yaml"] = base_text if same else scheme_store.as_edited(edited, origin).to_yaml()
    ss.pop("scheme_error", None)


def render() -> None:
    """Render the page: the header, then the editors and what they change, as one fragment: a cell or widget edit
    reruns only it, and it rewrites the sidebar's "edited" note itself (dashboard.state.draw_scheme_note), so no
    edit, nor undo, needs a run of the whole app."""
    lang = view.preamble("page_scheme", "scheme_intro", stamp="").lang  # the stamp is drawn after the edit applies
    st.session_state["_scheme_full_run"] = True
    _body_fragment(lang)


def _body(lang: str) -> None:
    """Everything under the header (the stamp first, drawn once the edit is applied)."""
    ss = st.session_state
    full_run = ss.pop("_scheme_full_run", False)
    stamp_slot = st.empty()
    _notices(lang)
    if f"items_{state.editor_key()}" not in ss and ss["editor_base"] != ss["scheme_yaml"]:
        state.set_editor_base(ss["scheme_yaml"])  # fresh editors start from the working scheme
    base_text = ss["editor_base"]
    _apply(base_text, _editors(base_text, lang), lang)
    state.draw_scheme_note(full_run)  # the sidebar's "edited" note follows the edit in this run
    stamp_slot.caption(md(state.scheme().stamp(lang)))
    ss["_page_scheme"] = view.scheme_file_tag(state.scheme().stamp(lang), lang)  # downloads: named after the scheme
    sch = state.scheme()
    stamp = sch.stamp(lang)
    ev = state.current()
    if ev is not None:
        view.scale_note(ev.scale, lang)  # whom the counts below are of, in real people
        h = analysis.headline(ev)
        c = st.columns(3)
        c[0].metric(t("eligible", lang), fmt_int(h.eligible))
        c[1].metric(t("admitted", lang), fmt_int(h.admitted))
        c[2].metric(t("threshold_line" if h.mode == "threshold" else "cutoff", lang), fmt_points(h.line))
        view.chart(figures.gauges(h.shares, h.min_share, h.measure, lang, stamp), "scheme_gauges", stamp, lang)
        disagree = analysis.disagreement(ev, lang)  # the library's warning, in the view's language
        if disagree:
            st.warning(disagree)
    st.subheader(t("diff_title", lang))
    lines = _diff(ss["scheme_base_yaml"], ss["scheme_yaml"], lang)
    st.markdown("\n".join(f"- {md(line)}" for line in lines) if lines else t("no_changes", lang))
    st.button(t("reset_edits", lang), key="reset_edits", on_click=_undo)
    st.divider()
    _load_save(lang)


_body_fragment = st.fragment(_body)


if __name__ == "__main__":  # run by st.navigation (app.py); importing the module (tests) draws nothing
    render()
