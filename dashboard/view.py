"""Small streamlit helpers shared by the pages: the one preamble every page starts with (language, working scheme,
stamp, header, the uploader's texts in the view's language, the evaluation and the scale note), charts with their
downloads, tables (whole in the print view) with their downloads, file names a user can file, and the print view."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import analysis, exports, scheme_store, state, static_charts
from dashboard.i18n import t
from dashboard.safe_text import md, safe_figure
from dashboard.scale import Scale
from scoring.scheme.load import Scheme

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


@dataclass(frozen=True)
class PageStart:
    """What a page starts from: the language, the working scheme (its YAML and stamp), the population in use and,
    when asked for, the working scheme's evaluation on it."""

    lang: str
    scheme: Scheme
    stamp: str
    pop_key: str
    text: str
    ev: analysis.Evaluation | None = None


def preamble(page_key: str, intro_key: str, *, evaluate: bool = False, scale: bool = False,
             stamp: str | None = None, small_warning: bool = True) -> PageStart | None:
    """The lines every page starts with: language, working scheme and stamp, the header (title, intro, stamp, print
    switch) and the uploader's own texts in the view's language. With ``evaluate``, the working scheme's evaluation
    and the scale note (None when the evaluation fails: the reason is shown); with ``scale``, the population's scale
    note alone. ``stamp`` replaces the scheme's stamp in the header (a page about other rules: "" for none).
    ``small_warning=False``: the page shows the small-sample warning itself, in the section that uses the population."""
    lang = state.lang()
    sch = state.scheme()
    shown = sch.stamp(lang) if stamp is None else stamp
    header(page_key, intro_key, lang, shown)
    uploader_texts(lang)
    key, text = state.pop_key(), st.session_state["scheme_yaml"]
    ev = None
    if evaluate:
        ev = state.current()
        if ev is None:
            return None
        scale_note(ev.scale, lang, small_warning)
    elif scale:
        scale_note(state.population_scale(key), lang)
    return PageStart(lang, sch, shown, key, text, ev)


_EDITED_MARK = {"zh": (" · 已编辑（基于 ", "已编辑"), "en": (" · edited (from ", "edited")}  # as Scheme.stamp writes it


def scheme_file_tag(stamp: str, lang: str) -> str:
    """The scheme's part of a download's name: its id (the stamp's first word), with "-已编辑" / "-edited" when the
    stamp says the scheme is a user's edit, so an edited scheme's files never take the shipped scheme's names."""
    if not stamp:
        return ""
    mark, tag = _EDITED_MARK["en" if lang == "en" else "zh"]
    sid = stamp.split(" ")[0]
    return f"{sid}-{tag}" if mark in stamp else sid


def header(page_key: str, intro_key: str, lang: str, stamp: str) -> None:
    """Page title, one-line intro and the stamp (the stamp carries a scheme's id and version: shown as text)."""
    st.title(t(page_key, lang))
    st.caption(f"{t(intro_key, lang)}  \n{md(stamp)}" if stamp else t(intro_key, lang))
    st.session_state["_page_key"] = page_key  # downloads on this page are named after it and the scheme
    st.session_state["_page_scheme"] = scheme_file_tag(stamp, lang)
    print_switch(lang)


def _context(page_key: str, scheme_id: str | None) -> tuple[str, str | None]:
    ss = st.session_state
    return page_key or str(ss.get("_page_key", "")), scheme_id if scheme_id is not None else ss.get("_page_scheme")


UPLOAD_LIMITS_MB = {"scheme_upload": 1}  # uploaders with their own transfer cap (max_upload_size: whole MB only)
UPLOAD_LIMITS_KB = {"scheme_upload": scheme_store.MAX_SCHEME_BYTES // 1024}  # the limit they show: what is accepted


# English widget and metric labels begin with a capital, as Streamlit's own do ("Print view", not "print view"): the
# same texts also serve inside sentences and as column headers, where they stay as written.
EN_LABELS_CSS = ('[data-testid="stWidgetLabel"] p::first-letter, [data-testid="stMetricLabel"] p::first-letter '
                 "{ text-transform: uppercase; }\n")


def uploader_css(lang: str, limit_mb: int) -> str:
    """Our own style sheet that replaces Streamlit's English uploader texts (the button's "Upload" and "500MB per
    file • CSV, ...") with Chinese ones in the Chinese view (constant text: no user input). An uploader with a
    smaller limit of its own (``UPLOAD_LIMITS_KB``: the scheme uploader's 256 KB, below the 1 MB that Streamlit's
    whole-MB ``max_upload_size`` would show) shows that limit in both languages; otherwise the English view keeps
    Streamlit's own texts, and capitalises the first letter of widget and metric labels (:data:`EN_LABELS_CSS`).
    The chips of an uploaded file (its name and size) are left alone; the "Drag and drop a file here" shown only
    while a file is dragged over has no handle to style."""
    where = '[data-testid="stFileUploaderDropzoneInstructions"]'
    own = "".join(f'.st-key-{key} {where} > div {{ display: none !important; }}\n.st-key-{key} {where}::after '
                  f'{{ content: "{t("upload_limit_kb", lang, kb=int(kb))}"; font-size: 0.875rem; opacity: 0.6; }}\n'
                  for key, kb in UPLOAD_LIMITS_KB.items())
    if lang == "en":
        return f"<style>\n{own}{EN_LABELS_CSS}</style>"
    limit = t("upload_limit", lang, mb=int(limit_mb))
    return f"""<style>
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p {{ display: none !important; }}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"]::after {{
  content: "{t('upload_button', lang)}"; }}
[data-testid="stFileUploaderDropzoneInstructions"] > div {{ display: none !important; }}
[data-testid="stFileUploaderDropzoneInstructions"]::after {{ content: "{limit}"; font-size: 0.875rem; opacity: 0.6; }}
{own}</style>"""


def uploader_texts(lang: str) -> None:
    """Show the uploader's texts in the view's language (see :func:`uploader_css`)."""
    css = uploader_css(lang, int(st.get_option("server.maxUploadSize")))
    if css:
        st.html(css)


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


def scale_note(sc: Scale, lang: str, small_warning: bool = True) -> None:
    """State the scale once (real people, sampling ratio) and flag a small population (unless ``small_warning`` is
    False: the page flags it where the population is used)."""
    st.caption(sc.note(lang))
    warning = sc.small_warning(lang) if small_warning else None
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
    c1 = c2 = st.container(horizontal=True)  # one row of buttons: fewer elements than two columns
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


def table(df: pd.DataFrame, hide_index: bool = False, counts: bool = False) -> None:
    """A table: scrollable on screen, whole in the print view; ``counts``: its numbers are counts of people,
    shown with the reader's digit grouping (1,086,340, not 1086340; not for row numbers or years)."""
    if printing():
        shown = df if not hide_index else df.reset_index(drop=True)
        st.table(shown.style.format("{:,.0f}", subset=list(number_columns(shown))) if counts else shown)
    else:
        st.dataframe(df, hide_index=hide_index, width="stretch", column_config=number_columns(df) if counts else None)


def number_columns(df: pd.DataFrame) -> dict[str, Any]:
    """A column configuration showing every number column of ``df`` with digit grouping (the browser's locale)."""
    return {str(c): st.column_config.NumberColumn(format="localized") for c in df.columns
            if pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])}


def table_downloads(df: pd.DataFrame, name: str, stamp: str, lang: str, index: bool = True, page_key: str = "",
                    scheme_id: str | None = None) -> None:
    """CSV and Excel downloads of a table, stamped, named after the page, the table and the scheme."""
    if printing():
        return
    page_key, scheme_id = _context(page_key, scheme_id)
    c1 = c2 = st.container(horizontal=True)  # one row of buttons: fewer elements than two columns
    c1.download_button("⬇ CSV", data=lambda: exports.csv_bytes(df, stamp, index=index),
                       file_name=file_name(lang, page_key, name, scheme_id, "csv"),
                       mime="text/csv", key=f"dl_csv_{name}", on_click="ignore")
    c2.download_button("⬇ Excel", data=lambda: exports.excel_bytes({name: df}, stamp, index=index),
                       file_name=file_name(lang, page_key, name, scheme_id, "xlsx"), key=f"dl_xlsx_{name}",
                       on_click="ignore", mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
