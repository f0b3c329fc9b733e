"""Structural edits of a scheme for the policy team: add and remove items, eligibility conditions (gates) as a table,
and the tie rule. Pure functions (no streamlit): each checks its input and returns the problems in the user's
language, or the new scheme validated by the library. Nothing typed is evaluated as code.
"""

from __future__ import annotations

import copy
import math
import re
from typing import Any

import pandas as pd

from dashboard.i18n import col_label, t, value_label
from dashboard.safe_text import md, plain_error
from dashboard.scheme_edit import EDIT_SOURCE, _blank, _num, cell_text
from scoring.errors import SchemeError
from scoring.population import schema as population_schema
from scoring.scheme.load import Scheme, scheme_from_dict

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
ADD_KINDS = ("per_unit", "flag")
TRUE_WORDS = {"true", "yes", "1", "是", "有", "真"}
FALSE_WORDS = {"false", "no", "0", "否", "无", "假"}
MAX_TIE_KEYS = 3


def _columns(types: tuple[str, ...]) -> list[str]:
    schema = population_schema.load_schema()
    return [c.name for c in schema.columns.values() if c.type in types and c.name != "person_id"]


def numeric_columns() -> list[str]:
    """Population columns a per-unit item, a numeric gate or a tie key can use."""
    return _columns(("int", "float"))


def bool_columns() -> list[str]:
    """Population columns a flag item can use."""
    return _columns(("bool",))


def gate_columns() -> list[str]:
    """Population columns a gate can test."""
    return _columns(("int", "float", "bool", "category"))


def _column_type(column: str) -> str | None:
    spec = population_schema.load_schema().columns.get(column)
    return None if spec is None else spec.type


# -- items ----------------------------------------------------------------------------------------------------------
def remove_items(scheme: Scheme, ids: list[str], lang: str) -> tuple[Scheme | None, list[str]]:
    """``scheme`` without the items ``ids`` (a scheme keeps at least one item; the dominance groups stay valid)."""
    known = {i.id for i in scheme.items}
    unknown = [i for i in ids if i not in known]
    if unknown:
        return None, [t("se_unknown_item", lang, id=md(unknown[0], 40))]
    if len(set(ids)) >= len(scheme.items):
        return None, [t("se_remove_all", lang)]
    data = copy.deepcopy(scheme.to_dict())
    data["items"] = [e for e in data["items"] if e["id"] not in set(ids)]
    left = {e["group"] for e in data["items"]}
    data["groups"] = {g: r for g, r in (data.get("groups") or {}).items() if g in left}
    dom = data.get("dominance") or {}
    if dom.get("groups") and not set(dom["groups"]) & left:
        return None, [t("se_remove_dominance", lang)]
    if dom.get("groups"):
        dom["groups"] = [g for g in dom["groups"] if g in left]
    return _build(data, lang)


def add_item(scheme: Scheme, spec: dict[str, Any], lang: str) -> tuple[Scheme | None, list[str]]:
    """``scheme`` with one new item: ``spec`` has id, name_zh, name_en, group, kind (per_unit | flag), column and
    points_per_unit + cap (per_unit) or points (flag); every field is checked, problems in ``lang``."""
    problems: list[str] = []
    item_id = str(spec.get("id") or "").strip()
    if not ID_PATTERN.match(item_id):
        problems.append(t("se_id_bad", lang, id=md(item_id, 40)))
    elif item_id in {i.id for i in scheme.items}:
        problems.append(t("se_id_taken", lang, id=md(item_id, 40)))
    zh, en = (str(spec.get(k) or "").strip() for k in ("name_zh", "name_en"))
    if not zh or not en or len(zh) > 60 or len(en) > 60:
        problems.append(t("se_name_required", lang))
    group = str(spec.get("group") or "").strip()
    if not group:
        problems.append(t("se_choose_required", lang, what=t("se_f_group", lang)))
    elif not ID_PATTERN.match(group):
        problems.append(t("se_group_bad", lang, group=md(group, 40)))
    kind = spec.get("kind")
    column = str(spec.get("column") or "")
    if kind not in ADD_KINDS:
        problems.append(t("se_kind_bad", lang))
    elif not column:
        problems.append(t("se_choose_required", lang, what=t("se_f_column", lang)))
    elif column not in (numeric_columns() if kind == "per_unit" else bool_columns()):
        problems.append(t("se_column_kind", lang, column=md(column, 40), kind=t(f"kind_{kind}", lang)))
    entry: dict[str, Any] = {"id": item_id, "label": {"zh": zh, "en": en}, "group": group, "kind": kind,
                             "column": column}
    numbers = (("points_per_unit", "col_ppu", True, False), ("cap", "col_cap", False, True)) if kind == "per_unit" \
        else (("points", "col_points", True, False),)
    for key, label, required, nonneg in numbers:
        value = spec.get(key)
        problem = _number_problem(value, t(label, lang), lang, required, nonneg)
        if problem:
            problems.append(problem)
        elif not _blank(value):
            entry[key] = _num(value)
    if problems:
        return None, problems
    data = copy.deepcopy(scheme.to_dict())
    data["items"].append(entry)
    return _build(data, lang)


def _number_problem(value: Any, what: str, lang: str, required: bool, nonneg: bool) -> str | None:
    if _blank(value):
        return t("se_number_required", lang, what=what) if required else None
    try:
        number = _num(value)
    except SchemeError:
        return t("se_not_number", lang, what=what, value=md(value, 40))
    if nonneg and number is not None and number < 0:
        return t("se_negative", lang, what=what)
    return None


def _build(data: dict[str, Any], lang: str) -> tuple[Scheme | None, list[str]]:
    """The library's validation; its message is English, so the user sees a localized line (the caller may show
    the detail in an expander)."""
    try:
        return scheme_from_dict(data, EDIT_SOURCE), []
    except SchemeError as exc:
        return None, [t("edit_rejected", lang) + " " + md(plain_error(exc, limit=200, lang=lang))]


# -- gates ----------------------------------------------------------------------------------------------------------
GATE_COLUMNS = ("id", "label", "column", "min", "max", "equals")


def gates_table(scheme: Scheme, lang: str) -> pd.DataFrame:
    """One row per eligibility condition: id, label (in ``lang``), column, min, max, equals (text cells)."""
    rows = []
    for g in scheme.eligibility:
        equals = g.equals
        if isinstance(equals, bool):
            equals = t("se_true", lang) if equals else t("se_false", lang)
        rows.append({"id": g.id, "label": g.label.zh if g.label and lang == "zh" else
                     (g.label.en if g.label else ""), "column": col_label(g.column, lang), "min": cell_text(g.min),
                     "max": cell_text(g.max), "equals": None if equals is None else str(equals)})
    return pd.DataFrame(rows, columns=list(GATE_COLUMNS), dtype=object)


def _equals_value(value: Any, column: str) -> tuple[Any, bool]:
    """(parsed value, ok) of an "equals" cell for ``column``'s type."""
    kind = _column_type(column)
    text = str(value).strip()
    if kind == "bool":
        low = text.lower()
        if low in TRUE_WORDS:
            return True, True
        if low in FALSE_WORDS:
            return False, True
        return None, False
    if kind in ("int", "float"):
        try:
            number = float(text)
        except ValueError:
            return None, False
        return number, math.isfinite(number)
    if kind == "category":
        spec = population_schema.load_schema().columns[column]
        for v in spec.values:
            if text in (v.code, v.zh, v.en):
                return v.code, True
        return None, spec.open
    return None, False


def gate_column_labels(lang: str) -> list[str]:
    """The gate editor's column choices: each column's label in ``lang`` (the table shows labels, not codes)."""
    return [col_label(c, lang) for c in gate_columns()]


def column_of(value: Any, lang: str) -> str:
    """A gate row's column code from its cell (a label in ``lang`` or a code); "" when unknown."""
    if _blank(value):
        return ""
    text = str(value)
    for c in gate_columns():
        if text in (c, col_label(c, lang)):
            return c
    return ""


def _rows(table: pd.DataFrame, lang: str = "zh") -> list[dict[str, Any]]:
    """The non-empty rows of an edited gates table, with the column as its code."""
    rows = [r for r in table.to_dict("records") if not all(_blank(r.get(c)) for c in GATE_COLUMNS)]
    return [{**r, "column": column_of(r.get("column"), lang)} for r in rows]


def check_gates(table: pd.DataFrame, lang: str, scheme: Scheme | None = None) -> list[str]:
    """Every problem of an edited gates table, in ``lang`` (empty when valid). With ``scheme``, a kept gate whose
    test is a list of values (``in``, not shown in the table) counts as having a test."""
    listed = {g.id: g.column for g in (scheme.eligibility if scheme is not None else []) if g.in_ is not None}
    problems: list[str] = []
    seen: set[str] = set()
    columns = set(gate_columns())
    for n, row in enumerate(_rows(table, lang), start=1):
        gid = "" if _blank(row.get("id")) else str(row["id"]).strip()
        name = md(gid, 40) if gid else f"#{n}"
        if not ID_PATTERN.match(gid):
            problems.append(t("gate_id_bad", lang, row=n, id=md(gid, 40)))
        elif gid in seen:
            problems.append(t("gate_id_dup", lang, id=name))
        seen.add(gid)
        column = "" if _blank(row.get("column")) else str(row["column"])
        if column not in columns:
            problems.append(t("gate_column_bad", lang, id=name))
            continue
        found, bad = listed.get(gid) == column, False
        lo = hi = None
        for key in ("min", "max"):
            value = row.get(key)
            if _blank(value):
                continue
            if _column_type(column) not in ("int", "float"):
                problems.append(t("gate_min_max_numeric", lang, id=name, column=md(col_label(column, lang))))
                bad = True
                break
            problem = _number_problem(value, t(f"gate_col_{key}", lang), lang, False, False)
            if problem:
                problems.append(f"{name}: {problem}")
                bad = True
            else:
                found = True
                lo, hi = (_num(value), hi) if key == "min" else (lo, _num(value))
        if lo is not None and hi is not None and lo > hi:
            problems.append(t("gate_min_above_max", lang, id=name, lo=cell_text(lo), hi=cell_text(hi)))
        if not _blank(row.get("equals")):
            _, ok = _equals_value(row["equals"], column)
            if not ok:
                problems.append(t("gate_equals_bad", lang, id=name, value=md(row["equals"], 40),
                                  column=md(col_label(column, lang))))
                bad = True
            found = True
        if not found and not bad:
            problems.append(t("gate_needs_test", lang, id=name))
    return problems


def gates_from_table(scheme: Scheme, table: pd.DataFrame, lang: str) -> list[dict[str, Any]]:
    """The eligibility list from a checked gates table; a kept gate keeps its other-language label."""
    old = {g.id: g for g in scheme.eligibility}
    out = []
    for row in _rows(table, lang):
        gid, column = str(row["id"]).strip(), str(row["column"])
        text = "" if _blank(row.get("label")) else str(row["label"]).strip()[:80]
        prev = old.get(gid)
        other = "en" if lang == "zh" else "zh"
        label = {lang: text or gid, other: (getattr(prev.label, other) if prev is not None and prev.label is not None
                                            and (getattr(prev.label, lang) == text or not text) else (text or gid))}
        gate: dict[str, Any] = {"id": gid, "label": label, "column": column}
        for key in ("min", "max"):
            if not _blank(row.get(key)):
                gate[key] = _num(row[key])
        if not _blank(row.get("equals")):
            gate["equals"] = _equals_value(row["equals"], column)[0]
        if prev is not None and prev.in_ is not None and prev.column == column:
            gate["in"] = list(prev.in_)  # a list of values (from a file) is kept; the table does not show it
        out.append(gate)
    return out


def gate_value_help(column: str, lang: str) -> str:
    """What an "equals" cell accepts for a column (for the editor's help text)."""
    kind = _column_type(column)
    if kind == "bool":
        return f"{t('se_true', lang)} / {t('se_false', lang)}"
    if kind == "category":
        spec = population_schema.load_schema().columns[column]
        return ", ".join(value_label(column, v.code, lang) for v in spec.values)
    return t("se_a_number", lang)


# -- ties -----------------------------------------------------------------------------------------------------------
def ties_spec(scheme: Scheme) -> tuple[bool, list[dict[str, Any]], int | None]:
    """(admit all tied?, column keys [{column, order}], lottery seed or None) of the scheme's tie rule."""
    adm = scheme.admission
    if adm is None or isinstance(adm.ties, str):
        return True, [], None
    keys = [{"column": k.column, "order": k.order} for k in adm.ties if k.column is not None]
    lottery = next((k.lottery for k in adm.ties if k.lottery is not None), None)
    return False, keys, lottery


def ties_value(admit_all: bool, keys: list[dict[str, Any]], lottery: int | None, lang: str
               ) -> tuple[Any, list[str]]:
    """The ``ties`` value of an admission rule from the editor's choices, or the problems in ``lang``."""
    if admit_all:
        return "admit_all", []
    chain: list[dict[str, Any]] = []
    problems: list[str] = []
    numeric = set(numeric_columns())
    for n, k in enumerate(keys[:MAX_TIE_KEYS], start=1):
        column = k.get("column")
        if not column:
            continue
        if column not in numeric:
            problems.append(t("tie_column_bad", lang, n=n))
            continue
        chain.append({"column": column, "order": "asc" if k.get("order") == "asc" else "desc"})
    if lottery is not None:
        chain.append({"lottery": int(lottery)})
    if not chain and not problems:
        problems.append(t("tie_chain_empty", lang))
    return chain, problems
