"""The population's column template and data dictionary (from scoring/population/population_schema.yaml), the upload's
unknown columns, and the loader's reasons and notes in the view's language, naming the user's own headers.

The loader (scoring.population.load) writes its reasons in English; the dashboard shows them in Chinese by matching
their fixed wording (scoring.reasons, shared with the command line; anything not recognised is shown as written,
never hidden). No streamlit here; tested directly.
"""

from __future__ import annotations

import re

import pandas as pd

from dashboard.i18n import t
from scoring.population.schema import Schema, load_schema
from scoring.reasons import reason_text

TYPE_NAMES = {"string": ("文本", "text"), "int": ("整数", "whole number"), "float": ("数字", "number"),
              "bool": ("是/否", "yes/no"), "category": ("类别", "category")}


def dictionary_frame(lang: str, schema: Schema | None = None) -> pd.DataFrame:
    """One row per column the simulator knows: the header to use, meaning, type, unit, range, allowed values and
    whether the design contract requires it."""
    schema = schema or load_schema()
    i = 1 if lang == "en" else 0
    rows = []
    for name, spec in schema.columns.items():  # a few dozen columns
        values = "; ".join(f"{v.code} = {v.en if i else v.zh}" for v in spec.values)
        rng = "" if spec.range is None else f"{spec.range[0]:g} – {spec.range[1]:g}"
        rows.append({
            t("dict_column", lang): name,
            t("dict_label", lang): spec.label("en" if i else "zh"),
            t("dict_type", lang): TYPE_NAMES.get(spec.type, (spec.type, spec.type))[i],
            t("dict_unit", lang): spec.unit("en" if i else "zh") or "",
            t("dict_range", lang): rng,
            t("dict_values", lang): values,
            t("dict_required", lang): t("yes" if spec.canonical else "no", lang),
        })
    return pd.DataFrame(rows)


def template_frame(schema: Schema | None = None, lang: str = "en") -> pd.DataFrame:
    """An empty table with every known column as its header (canonical columns first): the column names in English,
    the columns' Chinese labels in Chinese (as the shipped samples have them; the loader accepts both, each label
    being one of its column's header aliases; a label the loader would not read back falls back to the name)."""
    schema = schema or load_schema()
    names = [n for n, s in schema.columns.items() if s.canonical] + [n for n, s in schema.columns.items()
                                                                    if not s.canonical]

    def header(name: str) -> str:
        label = schema.columns[name].label("zh")
        return label if lang != "en" and schema.canonical_header(label) == name else name

    return pd.DataFrame({header(n): pd.Series(dtype=object) for n in names})


def unknown_columns(frame: pd.DataFrame, schema: Schema | None = None) -> list[str]:
    """Columns of a loaded population that the schema does not know (kept by the loader under their own names)."""
    schema = schema or load_schema()
    return [str(c) for c in frame.columns if str(c) not in schema.columns]


def in_language(text: str, lang: str, headers: dict[str, str] | None = None) -> str:
    """A loader reason or note in the view's language, with canonical column names replaced by the user's own
    headers where known (the English text is returned as it is, with the headers replaced)."""
    out = str(text)
    for canonical, header in sorted((headers or {}).items(), key=lambda kv: -len(kv[0])):
        if canonical != header:  # first: the Chinese wording names the other columns by their Chinese names
            out = re.sub(rf"(?<![\w“]){re.escape(canonical)}(?![\w”])", f"“{header}”", out)
    return reason_text(out, lang)  # scoring.reasons: the one table, shared with the command line


def rejected_table(rejected: pd.DataFrame, lang: str, headers: dict[str, str]) -> pd.DataFrame:
    """The rejected rows with the user's headers and the reasons in the view's language (a bounded head only). With
    an ``excel_row`` column (``PopulationLoad.rejected_table()``, file input) each row is first given as the
    spreadsheet shows it, then as the data row (row 1 = the first row under the header), as the command line does."""
    head = rejected.head(1000)
    rows = {t("rejected_excel_row", lang): head["excel_row"].to_numpy()} if "excel_row" in head else {}
    return pd.DataFrame({
        **rows,
        t("rejected_row", lang): head["row"].to_numpy(),
        t("dict_column", lang): [headers.get(str(c), str(c)) for c in head["column"]],
        t("rejected_reason", lang): [in_language(r, lang, headers) for r in head["reason"]],
    })
