"""Small streamlit helpers shared by the pages: page header, charts with their download, table downloads."""

from __future__ import annotations

import re

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import exports
from dashboard.i18n import t
from dashboard.safe_text import md, safe_figure

PLOTLY_CONFIG = {"displaylogo": False, "toImageButtonOptions": {"format": "png", "scale": 2}}


def header(page_key: str, intro_key: str, lang: str, stamp: str) -> None:
    """Page title, one-line intro and the stamp (the stamp carries a scheme's id and version: shown as text)."""
    st.title(t(page_key, lang))
    st.caption(f"{t(intro_key, lang)}  \n{md(stamp)}")


def slug(text: str) -> str:
    """A file-name-safe slug."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "chart"


def chart(fig: go.Figure, key: str, stamp: str, lang: str) -> None:
    """Show a figure with a download of its standalone HTML (generated only when clicked)."""
    st.plotly_chart(safe_figure(fig), width="stretch", config=PLOTLY_CONFIG, key=f"fig_{key}")
    st.download_button(f"⬇ {t('chart_html', lang)}", data=lambda: exports.figure_html(fig, stamp),
                       file_name=f"{slug(key)}.html", mime="text/html", key=f"dl_fig_{key}", on_click="ignore")


def table_downloads(df: pd.DataFrame, name: str, stamp: str, lang: str, index: bool = True) -> None:
    """CSV and Excel downloads of a table, stamped (generated only when clicked)."""
    c1, c2 = st.columns(2)
    c1.download_button("⬇ CSV", data=lambda: exports.csv_bytes(df, stamp, index=index), file_name=f"{slug(name)}.csv",
                       mime="text/csv", key=f"dl_csv_{name}", on_click="ignore")
    c2.download_button("⬇ Excel", data=lambda: exports.excel_bytes({name: df}, stamp, index=index),
                       file_name=f"{slug(name)}.xlsx", key=f"dl_xlsx_{name}", on_click="ignore",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
