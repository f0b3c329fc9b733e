"""Small streamlit helpers shared by the pages: page header, the scale note, charts with their downloads, tables
(whole in the print view) with their downloads, file names a user can file, and the print view."""

from __future__ import annotations

import re

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import exports, static_charts
from dashboard.i18n import t
from dashboard.safe_text import md, safe_figure
from dashboard.scale import Scale

PLOTLY_CONFIG = {"displaylogo": False, "toImageButtonOptions": {"format": "png", "scale": 2}}
PRINT_CSS = """<style>
section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"],
[data-testid="stDownloadButton"], [data-testid="stButton"], [data-testid="stSelectbox"],
[data-testid="stMultiSelect"], [data-testid="stSlider"], [data-testid="stNumberInput"],
[data-testid="stTextInput"], [data-testid="stRadio"], [data-testid="stCheckbox"], [data-testid="stFileUploader"],
[data-testid="stSegmentedControl"], [data-testid="stButtonGroup"], [data-testid="stToolbar"],
[data-testid="stElementToolbar"], .modebar { display: none !important; }
.block-container { max-width: 100% !important; padding-top: 1rem !important; }
</style>"""


def header(page_key: str, intro_key: str, lang: str, stamp: str) -> None:
    """Page title, one-line intro and the stamp (the stamp carries a scheme's id and version: shown as text)."""
    st.title(t(page_key, lang))
    st.caption(f"{t(intro_key, lang)}  \n{md(stamp)}")
    st.session_state["_page_key"] = page_key  # downloads on this page are named after it and the scheme
    st.session_state["_page_scheme"] = stamp.split(" ")[0] if stamp else ""
    print_switch(lang)


def _context(page_key: str, scheme_id: str | None) -> tuple[str, str | None]:
    ss = st.session_state
    return page_key or str(ss.get("_page_key", "")), scheme_id if scheme_id is not None else ss.get("_page_scheme")


def printing() -> bool:
    """The print view is on: no sidebar or widgets, whole tables. A link with ``?print=1`` opens in it."""
    if "print_view_toggle" in st.session_state:
        return bool(st.session_state["print_view_toggle"])
    return st.query_params.get("print") == "1"


def print_switch(lang: str) -> None:
    """The print view's toggle (kept in the URL, so a printed link opens printable); hides the chrome when on."""
    on = st.toggle(t("print_view", lang), value=printing(), key="print_view_toggle", help=t("print_help", lang))
    if on and st.query_params.get("print") != "1":
        st.query_params["print"] = "1"
    elif not on and "print" in st.query_params:
        st.query_params.pop("print", None)
    if on:
        st.html(PRINT_CSS)  # our own constant style sheet, never user text


def scale_note(sc: Scale, lang: str) -> None:
    """State the scale once (real people, sampling ratio) and flag a small population."""
    st.caption(sc.note(lang))
    warning = sc.small_warning(lang)
    if warning:
        st.warning(warning)


def slug(text: str) -> str:
    """A file-name-safe slug (letters of any script, digits, dot, underscore, hyphen)."""
    return re.sub(r"[^\w.\-]+", "-", str(text)).strip("-._")[:120] or "chart"


def file_name(lang: str, page_key: str, what: str, scheme_id: str | None, ext: str) -> str:
    """``<page>_<what>_<scheme id>.<ext>`` with the page and the table / chart named in the view's language."""
    parts = [t(page_key, lang) if page_key else "", what] + ([scheme_id] if scheme_id else [])
    return "_".join(slug(p) for p in parts if p) + f".{ext}"


def chart(fig: go.Figure, key: str, stamp: str, lang: str, page_key: str = "", scheme_id: str | None = None) -> None:
    """Show a figure with downloads of it as an image (PNG, redrawn from the same data) and of its data (CSV),
    each named after the page, the chart's title and the scheme (generated only when clicked)."""
    st.plotly_chart(safe_figure(fig), width="stretch", config=PLOTLY_CONFIG, key=f"fig_{key}")
    if printing():
        return
    title = static_charts.layout_title(fig) or key
    page_key, scheme_id = _context(page_key, scheme_id)
    c1, c2 = st.columns(2)
    c1.download_button(f"⬇ {t('dl_png', lang)}", data=lambda: static_charts.figure_png(fig),
                       file_name=file_name(lang, page_key, title, scheme_id, "png"), mime="image/png",
                       key=f"dl_png_{key}", on_click="ignore")
    c2.download_button(f"⬇ {t('dl_data', lang)}", data=lambda: exports.csv_bytes(chart_table(fig, lang), stamp,
                                                                                   index=False),
                       file_name=file_name(lang, page_key, title, scheme_id, "csv"), mime="text/csv",
                       key=f"dl_figcsv_{key}", on_click="ignore")


def chart_table(fig: go.Figure, lang: str) -> pd.DataFrame:
    """The data of a chart with headers in the view's language."""
    return static_charts.figure_table(fig, t("col_series", lang), t("col_x", lang), t("col_y", lang))


def table(df: pd.DataFrame, hide_index: bool = False) -> None:
    """A table: scrollable on screen, whole in the print view."""
    if printing():
        st.table(df if not hide_index else df.reset_index(drop=True))
    else:
        st.dataframe(df, hide_index=hide_index, width="stretch")


def table_downloads(df: pd.DataFrame, name: str, stamp: str, lang: str, index: bool = True, page_key: str = "",
                    scheme_id: str | None = None) -> None:
    """CSV and Excel downloads of a table, stamped, named after the page, the table and the scheme."""
    if printing():
        return
    page_key, scheme_id = _context(page_key, scheme_id)
    c1, c2 = st.columns(2)
    c1.download_button("⬇ CSV", data=lambda: exports.csv_bytes(df, stamp, index=index),
                       file_name=file_name(lang, page_key, name, scheme_id, "csv"),
                       mime="text/csv", key=f"dl_csv_{name}", on_click="ignore")
    c2.download_button("⬇ Excel", data=lambda: exports.excel_bytes({name: df}, stamp, index=index),
                       file_name=file_name(lang, page_key, name, scheme_id, "xlsx"), key=f"dl_xlsx_{name}",
                       on_click="ignore", mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
