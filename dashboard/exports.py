"""Downloads: tables as CSV / Excel and charts as HTML, each stamped with the scheme and "simulation" status."""

from __future__ import annotations

import io

import pandas as pd
import plotly.graph_objects as go

from scoring.safe_output import xlsx_writer


def csv_bytes(df: pd.DataFrame, stamp: str, index: bool = True) -> bytes:
    """UTF-8 CSV (with BOM, so Excel shows Chinese) whose first line is ``# <stamp>``; read back with comment="#"."""
    buf = io.StringIO()
    buf.write(f"# {stamp}\n")
    df.to_csv(buf, index=index)
    return buf.getvalue().encode("utf-8-sig")


def excel_bytes(tables: dict[str, pd.DataFrame], stamp: str, index: bool = True) -> bytes:
    """An .xlsx workbook: one sheet per table, the stamp in cell A1 and the table from row 3."""
    buf = io.BytesIO()
    with xlsx_writer(buf) as writer:  # strings stay strings; a fixed creation date (same table, same bytes)
        for name, df in tables.items():
            sheet = _sheet_name(name)
            df.to_excel(writer, sheet_name=sheet, startrow=2, index=index)
            writer.sheets[sheet].write(0, 0, stamp)
    return buf.getvalue()


def _sheet_name(name: str) -> str:
    bad = '[]:*?/\\'
    clean = "".join("_" if c in bad else c for c in name)
    return clean[:31] or "table"


def figure_html(fig: go.Figure, stamp: str) -> bytes:
    """A standalone HTML page of the chart (plotly.js inlined, so it opens offline), titled with the stamp."""
    html = fig.to_html(include_plotlyjs=True, full_html=True, default_width="100%", div_id="chart")  # fixed id
    return html.replace("<head>", f"<head><meta charset=\"utf-8\"><title>{_escape(stamp)}</title>", 1).encode("utf-8")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
