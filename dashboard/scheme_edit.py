"""The scheme as editable tables and back: pure functions (no streamlit) so edits can be tested directly.

``items_table`` / ``category_table`` / ``bands_table`` turn a scheme into small frames for ``st.data_editor``;
``apply_edits`` takes the edited frames and returns a new scheme, validated by the library (raising
:class:`scoring.SchemeError` with the library's message when an edit breaks a rule). Nothing is evaluated as code.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import pandas as pd

from dashboard.i18n import kind_label, value_label
from scoring import population_schema
from scoring.errors import SchemeError
from scoring.scheme import Scheme, scheme_from_dict

EDIT_SOURCE = "<edited scheme>"


def _num(value: Any) -> float | None:
    """A cell as a float, or None for an empty cell."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise SchemeError(f"{EDIT_SOURCE}: value {value!r} is not a number") from None


def items_table(scheme: Scheme, lang: str) -> pd.DataFrame:
    """One row per item: label, group, kind and the numbers a policy team tunes (blank where they do not apply)."""
    rows = []
    for item in scheme.items:
        rows.append({
            "id": item.id,
            "item": item.name(lang),
            "group": item.group,
            "kind": kind_label(item.kind, lang),
            "points_per_unit": item.points_per_unit if item.kind == "per_unit" else None,
            "cap": item.cap if item.kind == "per_unit" else None,
            "points": float(item.points) if item.kind == "flag" else None,  # type: ignore[arg-type]
        })
    df = pd.DataFrame(rows).set_index("id")
    for col in ("points_per_unit", "cap", "points"):
        df[col] = df[col].astype("float64")
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
        "points": [norm.get(v, float(item.default)) for v in values],
    }).set_index("value")


def bands_table(scheme: Scheme, item_id: str) -> pd.DataFrame:
    """The bands of a bands item: min (inclusive), max (exclusive), points; blank = open-ended."""
    item = scheme.item(item_id)
    return pd.DataFrame({
        "min": [b.min for b in item.bands or []],
        "max": [b.max for b in item.bands or []],
        "points": [b.points for b in item.bands or []],
    }, dtype="float64")


def apply_edits(
    scheme: Scheme,
    items: pd.DataFrame | None = None,
    categories: dict[str, pd.DataFrame] | None = None,
    bands: dict[str, pd.DataFrame] | None = None,
    admission: dict[str, Any] | None = None,
    dominance: dict[str, Any] | None = None,
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
    return scheme_from_dict(data, EDIT_SOURCE)
