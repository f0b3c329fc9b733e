"""Downloads: tables as CSV / Excel and charts as HTML, each stamped with the scheme and "simulation" status.

CSV goes through the library's one table writer (the stamp is the last column, ``stamp``, on every row); a
workbook holds one sheet per table with the stamp in cell A1.

Every table goes through :func:`scoring.safe_output.excel_safe_frame` (cells, headers and index labels that a
spreadsheet would run as formulas get a leading apostrophe) and workbooks are written with ``XLSX_SAFE_OPTIONS``
(strings stay strings: no formulas, no hyperlinks), so a scheme label or an uploaded value such as
``=HYPERLINK(…)`` opens as text. The stamp cell and sheet names are neutralised the same way.
"""

from __future__ import annotations

import io

import pandas as pd
import plotly.graph_objects as go

from dashboard.safe_text import safe_figure
from scoring.safe_output import excel_safe_frame, excel_safe_text, table_bytes, xlsx_writer


def csv_bytes(df: pd.DataFrame, stamp: str | None, index: bool = True) -> bytes:
    """The one table writer's CSV (:func:`scoring.safe_output.table_bytes`): UTF-8 with BOM, Excel-safe, the stamp
    (on one line) as the last column, ``stamp``, on every row; no such column when ``stamp`` is None (a table of no
    scheme or population, e.g. the data dictionary)."""
    return table_bytes(df, "csv", stamp=None if stamp is None else _one_line(stamp), index=index)


def excel_bytes(tables: dict[str, pd.DataFrame], stamp: str, index: bool = True) -> bytes:
    """An .xlsx workbook: one sheet per table, the stamp in cell A1 and the table from row 3."""
    buf = io.BytesIO()
    used: set[str] = set()
    with xlsx_writer(buf) as writer:  # strings stay strings; a fixed creation date (same table, same bytes)
        for name, df in tables.items():
            sheet = _sheet_name(name, used)
            excel_safe_frame(df).to_excel(writer, sheet_name=sheet, startrow=2, index=index)
            writer.sheets[sheet].write_string(0, 0, str(excel_safe_text(_one_line(stamp))))
    return buf.getvalue()


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _sheet_name(name: str, used: set[str]) -> str:
    """A valid, unique sheet name (Excel: at most 31 characters, none of []:*?/\\, not starting with ')."""
    bad = '[]:*?/\\'
    clean = "".join("_" if c in bad or not c.isprintable() else c for c in str(name)).strip("'") or "table"
    clean = ("_" + clean if excel_safe_text(clean) != clean else clean)[:31]  # no sheet named like a formula
    base, n = clean, 2
    while clean.lower() in used:
        suffix = f"_{n}"
        clean, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(clean.lower())
    return clean


def figure_html(fig: go.Figure, stamp: str) -> bytes:
    """A standalone HTML page of the chart (plotly.js inlined, so it opens offline), titled with the stamp."""
    html = safe_figure(fig).to_html(include_plotlyjs=True, full_html=True, default_width="100%",
                                    div_id="chart")  # a fixed id: the same chart, the same bytes
    return html.replace("<head>", f"<head><meta charset=\"utf-8\"><title>{_escape(stamp)}</title>", 1).encode("utf-8")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
