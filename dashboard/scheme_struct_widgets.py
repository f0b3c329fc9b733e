"""The Scheme page's structural editors: eligibility conditions (a table), the tie rule, and adding or removing
items. Checks and edits are pure functions in dashboard/scheme_struct.py; problems are shown in place, in the
user's language."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboard import lazy, scheme_store, scheme_struct, state
from dashboard.i18n import col_label, t
from dashboard.safe_text import md
from scoring.scheme.load import Scheme


def gates_editor(base: Scheme, k: str, lang: str) -> pd.DataFrame:
    """The eligibility conditions as an editable table (rows can be added and removed), in a lazy section: drawn
    only while open, its edits kept while it is closed (dashboard/lazy.py)."""
    box, is_open = lazy.section(t("gate_title", lang), "gates")
    if is_open:
        box.caption(t("gate_help", lang))
    columns = scheme_struct.gate_column_labels(lang)
    return lazy.kept_editor(
        box, is_open, scheme_struct.gates_table(base, lang), f"gates_{k}", num_rows="dynamic", width="stretch",
        hide_index=True, placeholder="—",
        column_config={
            "id": st.column_config.TextColumn(t("col_id", lang), max_chars=40),
            "label": st.column_config.TextColumn(t("gate_col_label", lang), max_chars=80),
            "column": st.column_config.SelectboxColumn(t("se_f_column", lang), options=columns),
            "min": st.column_config.TextColumn(t("gate_col_min", lang)),
            "max": st.column_config.TextColumn(t("gate_col_max", lang)),
            "equals": st.column_config.TextColumn(t("gate_col_equals", lang), max_chars=40),
        })


def ties_editor(base: Scheme, k: str, lang: str) -> tuple[Any, list[str]]:
    """The tie rule: admit all tied, or a chain of columns then a lottery; returns (ties, problems)."""
    st.markdown(f"**{t('tie_title', lang)}**")
    admit_all, keys, lottery = scheme_struct.ties_spec(base)
    choice = st.radio(t("tie_title", lang), ["all", "chain"], index=0 if admit_all else 1, horizontal=True,
                      format_func=lambda c: t("tie_admit_all" if c == "all" else "tie_chain", lang),
                      key=f"tie_mode_{k}", label_visibility="collapsed")
    if choice == "all":
        return "admit_all", []
    numeric = scheme_struct.numeric_columns()
    chosen = []
    for n in range(scheme_struct.MAX_TIE_KEYS):
        old = keys[n] if n < len(keys) else {}
        c1, c2 = st.columns([2, 1])
        options = ["", *numeric]
        column = c1.selectbox(t("tie_key", lang, n=n + 1), options,
                              format_func=lambda c: t("tie_none", lang) if not c else col_label(c, lang),
                              **state.keyed_choice(f"tie_col{n}_{k}", options,
                                                   old["column"] if old.get("column") in options else "", lang))
        orders = ["desc", "asc"]
        order = c2.selectbox(t("tie_key", lang, n=n + 1), orders, label_visibility="hidden",
                             format_func=lambda o: t(f"tie_{o}", lang),
                             **state.keyed_choice(f"tie_ord{n}_{k}", orders,
                                                  "asc" if old.get("order") == "asc" else "desc", lang))
        chosen.append({"column": column, "order": order})
    seed = st.number_input(t("tie_lottery", lang), min_value=0, max_value=2**31 - 1, step=1, value=lottery,
                           key=f"tie_lottery_{k}")
    return scheme_struct.ties_value(False, chosen, None if seed is None else int(seed), lang)


def _commit(new: Scheme, notice: tuple[str, dict[str, str]]) -> None:
    """Make a structurally edited scheme the working one (an edit of the loaded scheme) and start the editors
    afresh from it."""
    origin = state.scheme_of(st.session_state["scheme_base_yaml"])
    state.set_working(scheme_store.as_edited(new, origin).to_yaml())
    st.session_state["scheme_notice"] = notice
    st.rerun()


def structure_section(lang: str) -> None:
    """Add an item or remove items (on the working scheme, so the table edits made so far are kept)."""
    sch = state.scheme()
    k = state.editor_key()  # new widget keys after every structural edit: the fields start empty
    box, is_open = lazy.section(t("se_struct_title", lang), "struct")  # drawn only when opened
    if not is_open:
        return
    with box:
        names = {i.id: i.name(lang) for i in sch.items}
        remove = st.multiselect(t("se_remove_label", lang), list(names), format_func=names.get, key=f"se_remove_{k}",
                                placeholder=t("se_choose_items", lang), select_all=False)  # no English "Select all"
        if st.button(t("se_remove_button", lang), key=f"se_remove_go_{k}", disabled=not remove):
            new, problems = scheme_struct.remove_items(sch, list(remove), lang)
            if new is not None:
                _commit(new, ("se_removed", {"names": md("、".join(names[i] for i in remove) if lang == "zh"
                                                        else ", ".join(names[i] for i in remove))}))
            for p in problems:
                st.error(p)
        st.markdown(f"**{t('se_add_title', lang)}**")
        c = st.columns(3)
        spec: dict[str, Any] = {
            "id": c[0].text_input(t("se_f_id", lang), key=f"se_add_id_{k}", max_chars=40),
            "name_zh": c[1].text_input(t("se_f_name_zh", lang), key=f"se_add_zh_{k}", max_chars=60),
            "name_en": c[2].text_input(t("se_f_name_en", lang), key=f"se_add_en_{k}", max_chars=60),
        }
        c = st.columns(3)
        groups = sch.group_names()
        spec["group"] = c[0].selectbox(t("se_f_group", lang), groups, placeholder=t("se_choose_one", lang),
                                       format_func=lambda g: sch.group_label(g, lang),  # no preselected group
                                       **state.keyed_choice(f"se_add_group_{k}", groups, None, lang))
        spec["kind"] = c[1].radio(t("se_f_kind", lang), list(scheme_struct.ADD_KINDS), horizontal=True,
                                  format_func=lambda k: t(f"kind_{k}", lang), key=f"se_add_kind_{k}")
        cols = scheme_struct.numeric_columns() if spec["kind"] == "per_unit" else scheme_struct.bool_columns()
        spec["column"] = c[2].selectbox(t("se_f_column", lang), cols, placeholder=t("se_choose_one", lang),
                                        format_func=lambda col: col_label(col, lang),  # no preselected column
                                        **state.keyed_choice(f"se_add_col_{spec['kind']}_{k}", cols, None, lang))
        c = st.columns(3)
        if spec["kind"] == "per_unit":
            spec["points_per_unit"] = c[0].text_input(t("col_ppu", lang), key=f"se_add_ppu_{k}", max_chars=20)
            spec["cap"] = c[1].text_input(t("col_cap", lang), key=f"se_add_cap_{k}", max_chars=20)
        else:
            spec["points"] = c[0].text_input(t("col_points", lang), key=f"se_add_points_{k}", max_chars=20)
        if st.button(t("se_add_button", lang), key=f"se_add_go_{k}"):
            new, problems = scheme_struct.add_item(sch, spec, lang)
            if new is not None:
                name = spec["name_zh"] if lang == "zh" else spec["name_en"]
                _commit(new, ("se_added", {"name": md(name, 60)}))
            for p in problems:
                st.error(p)
