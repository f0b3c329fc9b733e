"""The scheme as editable tables and back: pure functions (no streamlit) so edits can be tested directly.

``items_table`` / ``category_table`` / ``bands_table`` turn a scheme into small frames for ``st.data_editor``;
the numbers are shown as text cells with no browser-side pattern, so whatever a user types reaches the page and is
refused in place with a message (a number column would turn typed text into 0 or blank; a pattern would swallow it
without a word). ``check_cells`` lists every invalid cell in the user's
language; ``apply_edits`` takes the edited frames and returns a new scheme, validated by the library (raising
:class:`scoring.SchemeError` with the library's message when an edit breaks a rule). Nothing is evaluated as code.
"""

from __future__ import annotations

import copy
import itertools
import math
from typing import Any

import pandas as pd

from dashboard.i18n import kind_label, t, value_label
from dashboard.safe_text import md
from scoring.errors import SchemeError
from scoring.population import schema as population_schema
from scoring.scheme.load import Scheme, scheme_from_dict

EDIT_SOURCE = "<edited scheme>"

HANGZHOU_QUOTA = 8000  # places a year: the Hangzhou assumption of the shipped scenarios and the Quota page


def quota_default(rule: Any) -> int:
    """The places the admission rule's quota field starts from: the scheme's own quota, else 8,000 (the Hangzhou
    assumption used everywhere else)."""
    own = getattr(rule, "quota", None) if rule is not None else None
    return int(own) if own is not None else HANGZHOU_QUOTA


def _blank(value: Any) -> bool:
    return (value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))
            or (isinstance(value, str) and not value.strip()))


def _num(value: Any) -> float | None:
    """A cell as a float, or None for an empty cell."""
    if _blank(value):
        return None
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        raise SchemeError(f"{EDIT_SOURCE}: value {str(value)[:40]!r} is not a number") from None
    if not math.isfinite(number):
        raise SchemeError(f"{EDIT_SOURCE}: value {str(value)[:40]!r} is not a finite number")
    return number


def cell_text(value: float | None) -> str | None:
    """A number as an editor cell ("10", "0.5"); None for a cell that does not apply."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return format(float(value), ".10g")


def _cell_problem(value: Any, item: str, column: str, lang: str, required: bool = False,
                  nonneg: bool = False) -> str | None:
    """The localized reason a cell is invalid, or None."""
    if _blank(value):
        return t("cell_required", lang, item=md(item), column=column) if required else None
    try:
        number = _num(value)
    except SchemeError:
        return t("cell_not_number", lang, item=md(item), column=column, value=md(value, 40))
    if nonneg and number is not None and number < 0:
        return t("cell_negative", lang, item=md(item), column=column, value=md(cell_text(number)))
    return None


def check_cells(scheme: Scheme, lang: str, items: pd.DataFrame | None = None,
                categories: dict[str, pd.DataFrame] | None = None,
                bands: dict[str, pd.DataFrame] | None = None) -> list[str]:
    """Every invalid cell of the edited tables, as messages in ``lang`` (empty when all cells are valid)."""
    problems: list[str] = []
    names = {i.id: i.name(lang) for i in scheme.items}
    kinds = {i.id: i.kind for i in scheme.items}
    if items is not None:
        for item_id, row in items.iterrows():
            kind, name = kinds.get(str(item_id)), names.get(str(item_id), str(item_id))
            if kind == "per_unit":
                problems.append(_cell_problem(row.get("points_per_unit"), name, t("col_ppu", lang), lang, True))
                problems.append(_cell_problem(row.get("cap"), name, t("col_cap", lang), lang, nonneg=True))
            elif kind == "flag":
                problems.append(_cell_problem(row.get("points"), name, t("col_points", lang), lang, True))
    for item_id, table in (categories or {}).items():
        for value, row in table.iterrows():
            label = f"{names.get(item_id, item_id)} · {value_label(scheme.item(item_id).column or '', value, lang)}"
            problems.append(_cell_problem(row.get("points"), label, t("col_points", lang), lang, True))
    for item_id, table in (bands or {}).items():
        name = names.get(item_id, item_id)
        spans = []
        for n, row in enumerate(table.to_dict("records"), start=1):
            cells = [row.get("min"), row.get("max"), row.get("points")]
            if all(_blank(c) for c in cells):
                continue
            found = [_cell_problem(c, f"{name} #{n}", t(k, lang), lang, required=(k == "col_points"))
                     for c, k in zip(cells, ("col_min", "col_max", "col_points"), strict=True)]
            problems.extend(found)
            if any(found):
                continue
            lo, hi = _num(cells[0]), _num(cells[1])
            if lo is not None and hi is not None and not lo < hi:
                problems.append(t("cell_band_order", lang, item=md(name), row=n, lo=cell_text(lo), hi=cell_text(hi)))
                continue
            spans.append((-math.inf if lo is None else lo, math.inf if hi is None else hi))
        spans.sort()
        if any(b[0] < a[1] for a, b in itertools.pairwise(spans)):
            problems.append(t("cell_band_overlap", lang, item=md(name)))
    return [p for p in problems if p]


def items_table(scheme: Scheme, lang: str) -> pd.DataFrame:
    """One row per item: label, group, kind and the numbers a policy team tunes (blank where they do not apply)."""
    rows = []
    for item in scheme.items:
        rows.append({
            "id": item.id,
            "item": item.name(lang),
            "group": item.group,
            "kind": kind_label(item.kind, lang),
            "points_per_unit": cell_text(item.points_per_unit) if item.kind == "per_unit" else None,
            "cap": cell_text(item.cap) if item.kind == "per_unit" else None,
            "points": cell_text(float(item.points)) if item.kind == "flag" else None,  # type: ignore[arg-type]
        })
    df = pd.DataFrame(rows).set_index("id")
    for col in ("points_per_unit", "cap", "points"):
        df[col] = df[col].astype(object)
    return df


def category_table(scheme: Scheme, item_id: str, lang: str) -> pd.DataFrame:
    """Points per category value of a category item: every value the population schema knows plus the scheme's."""
    item = scheme.item(item_id)
    table = item.points if isinstance(item.points, dict) else {}
    schema = population_schema.load_schema()
    spec = schema.columns.get(item.column or "")
    values = list(spec.categories) if spec is not None else []
    values += [str(k) for k in table if str(k) not in values]
    norm = {str(k): float(v) for k, v in table.items()}
    return pd.DataFrame({
        "value": values,
        "label": [value_label(item.column or "", v, lang) for v in values],
        "points": pd.Series([cell_text(norm.get(v, float(item.default))) for v in values], dtype=object),
    }).set_index("value")


def bands_table(scheme: Scheme, item_id: str) -> pd.DataFrame:
    """The bands of a bands item: min (inclusive), max (exclusive), points; blank = open-ended."""
    item = scheme.item(item_id)
    return pd.DataFrame({
        "min": [cell_text(b.min) for b in item.bands or []],
        "max": [cell_text(b.max) for b in item.bands or []],
        "points": [cell_text(b.points) for b in item.bands or []],
    }, dtype=object)


def apply_edits(
    scheme: Scheme,
    items: pd.DataFrame | None = None,
    categories: dict[str, pd.DataFrame] | None = None,
    bands: dict[str, pd.DataFrame] | None = None,
    admission: dict[str, Any] | None = None,
    dominance: dict[str, Any] | None = None,
    eligibility: list[dict[str, Any]] | None = None,
) -> Scheme:
    """A new scheme: ``scheme`` with the edited tables applied. Raises SchemeError (library message) if invalid."""
    data = copy.deepcopy(scheme.to_dict())
    by_id = {entry["id"]: entry for entry in data["items"]}
    if items is not None:
        for item_id, row in items.iterrows():
            entry = by_id.get(str(item_id))
            if entry is None:
                continue
            group = row.get("group")
            if isinstance(group, str) and group.strip():
                entry["group"] = group.strip()
            if entry["kind"] == "per_unit":
                entry["points_per_unit"] = _num(row.get("points_per_unit"))
                cap = _num(row.get("cap"))
                if cap is None:
                    entry.pop("cap", None)
                else:
                    entry["cap"] = cap
            elif entry["kind"] == "flag":
                entry["points"] = _num(row.get("points"))
    for item_id, table in (categories or {}).items():
        entry = by_id[item_id]
        default = float(entry.get("default", 0.0))
        points = {}
        for value, row in table.iterrows():
            p = _num(row.get("points"))
            if p is not None and p != default:
                points[str(value)] = p
        entry["points"] = points
    for item_id, table in (bands or {}).items():
        entry = by_id[item_id]
        rows = []
        for row in table.to_dict("records"):
            lo, hi, p = _num(row.get("min")), _num(row.get("max")), _num(row.get("points"))
            if lo is None and hi is None and p is None:
                continue  # an empty added row
            band: dict[str, float] = {"points": p} if p is not None else {}
            if lo is not None:
                band["min"] = lo
            if hi is not None:
                band["max"] = hi
            rows.append(band)
        entry["bands"] = rows
    if admission is not None:
        data["admission"] = {k: v for k, v in admission.items() if v is not None}
    if dominance is not None:
        data["dominance"] = {**data.get("dominance", {}), **dominance}
    if eligibility is not None:
        data["eligibility"] = eligibility
    return scheme_from_dict(data, EDIT_SOURCE)
