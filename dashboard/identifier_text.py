"""The identifier refusal (scoring.errors.IdentifierError) worded in the view's language from its fields: column
name (or position when the header is masked), the kind found and the row numbers as the spreadsheet shows them;
never a value. The caller escapes the result for markdown (it carries the user's file and column names)."""

from __future__ import annotations

from dashboard.i18n import t
from scoring.errors import IdentifierError


def _item(f: dict, lang: str) -> str:
    col = (t("idf_col", lang, col=f["column"]) if f.get("column") is not None
           else t("idf_col_masked", lang, pos=f.get("position") or "?"))
    kind = t(f"idf_kind_{f['kind']}", lang)
    if f.get("from_header"):
        reason = t("idf_header", lang, kind=kind)
    elif f.get("kind") == "name":
        reason = t("idf_names", lang)
    elif f.get("rows_hit"):
        reason = t("idf_values", lang, n=f"{int(f['rows_hit']):,}", kind=kind)
    else:  # a category the column declares, used by no row
        reason = t("idf_unused_category", lang, kind=kind)
    where = ""
    if f.get("rows"):
        rows = "、".join(str(int(r)) for r in f["rows"]) + ("……" if f.get("more") else "")
        where = t("idf_rows_excel" if f.get("excel") else "idf_rows_data", lang, rows=rows)
    return f"{col}：{reason}{where}"


def identifier_message(exc: IdentifierError, file: str, lang: str) -> str:
    """The refusal in Chinese (the English view keeps the library's own English sentence)."""
    others = [f for f in exc.findings if exc.needed and not f.get("needed", True)]
    items = "；".join(_item(f, lang) for f in exc.findings if f not in others)
    key = "idf_needed" if exc.needed else "idf_found"
    text = t(key, lang, file=file, items=items, hint=t("drop_ids_hint", lang))
    if others:  # the columns the scoring can do without, after those it needs
        text += t("idf_also", lang, items="；".join(_item(f, lang) for f in others))
    return text
