"""数据 Data: upload an anonymised population (CSV / Excel / Parquet); download every table and chart."""

from __future__ import annotations

import hashlib
import re
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import access, analysis, cached, exports, figures, state, view
from dashboard.i18n import fmt_int, t
from dashboard.safe_text import md, plain_error
from scoring.errors import ScoringInputError
from scoring.population import read_population

CLI_DROP_HINT = "--drop-identifiers (drop_identifiers=True)"  # the library names its CLI flag
SCORES_ROWS = 100_000  # rows of the per-person table offered for download
SAFE_FILE = re.compile(r"[^\w.\-]+")  # the temporary copy's name: the user's name without separators


def _read(name: str, data: bytes, drop: bool, lang: str) -> Any:
    """The library's reading of an upload, kept in the session for the file's content (one at a time), or the
    reason it cannot be read (a user's mistake: its one line; anything else: a generic line, never a traceback)."""
    ss = st.session_state
    memo_key = (hashlib.sha256(data).hexdigest(), bool(drop))
    held = ss.get("_pop_read")
    if held is not None and held[0] == memo_key:
        return held[1]
    suffix = Path(name).suffix or ".csv"
    safe_name = SAFE_FILE.sub("_", Path(name).name)[-100:] or f"upload{suffix}"
    path = None
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / safe_name  # messages name the user's file, never the server's directory
            path.write_bytes(data)
            result: Any = read_population(path, skip_invalid=True, drop_identifiers=drop)
    except ScoringInputError as exc:
        result = plain_error(exc, {str(path): name, str(path.parent) if path else "": "", safe_name: name})
        result = result.replace("pass " + CLI_DROP_HINT, CLI_DROP_HINT).replace(CLI_DROP_HINT, t("drop_ids_hint", lang))
    except Exception:  # anything else an upload provokes: say it cannot be read, keep the app running
        result = ""
    ss["_pop_read"] = (memo_key, result)
    return result


def _upload(lang: str) -> None:
    ss = st.session_state
    if not access.editors_only(lang):
        return
    up = st.file_uploader(t("upload_population", lang), type=["csv", "txt", "xlsx", "xls", "parquet"],
                          key="pop_upload")
    drop = st.checkbox(t("drop_ids", lang), key="pop_drop_ids")
    if up is None:
        return
    data = up.getvalue()
    load = _read(up.name, data, drop, lang)
    if isinstance(load, str):
        st.error(f"{t('upload_failed', lang)} {md(load) if load else md(up.name, 120)}")  # the reason names the file
        return
    c = st.columns(3)
    c[0].metric(t("rows_in", lang), fmt_int(load.rows_in))
    c[1].metric(t("rows_kept", lang), fmt_int(load.rows_kept))
    c[2].metric(t("rows_rejected", lang), fmt_int(load.rows_rejected))
    for w in load.warnings:
        st.warning(md(w))
    if len(load.rejected):
        with st.expander(t("rejected_rows", lang), expanded=load.rows_kept == 0):
            st.dataframe(load.rejected.head(1000), hide_index=True, width="stretch")
    if load.rows_kept and st.button(t("use_population", lang), key="pop_use", type="primary"):
        ss["upload_key"] = state.register_upload(up.name, data, load.frame)
        ss["pop_source"] = "upload"
        st.rerun()


def render() -> None:
    """Render the page."""
    lang = state.lang()
    ss = st.session_state
    sch = state.scheme()
    stamp = sch.stamp(lang)
    view.header("page_data", "data_intro", lang, stamp)
    key = state.pop_key()
    st.info(t("now_using", lang, name=state.population_name(key, lang), n=fmt_int(len(state.population(key)))))
    if ss.get("pop_source") == "upload" and st.button(t("use_synth", lang), key="pop_back"):
        ss["pop_source"] = "synth"
        ss.pop("_upload", None)
        st.rerun()
    _upload(lang)

    st.header(t("downloads", lang))
    ev = state.current()
    if ev is None:
        return
    text = ss["scheme_yaml"]
    h = analysis.headline(ev)
    headline = pd.DataFrame({"value": [h.n_pop, h.eligible, h.admitted, h.quota, h.threshold, h.cutoff,
                                       h.shares["design"], h.shares["realised"], h.shares["decisive"],
                                       h.min_share, h.ok]},
                            index=["population", "eligible", "admitted", "quota", "threshold", "cutoff",
                                   "design_share", "realised_share", "decisive_share", "min_share",
                                            "requirement_met"])
    hist = cached.histogram(key, text, 1.0)
    bands = cached.item_bands(key, text, "eligible", 10.0)
    curve = cached.cutoff_curve(key, text)
    tables = {t("table_headline", lang): headline, t("table_hist", lang): hist, t("table_bands", lang): bands,
              t("table_cutoff", lang): curve}
    for name, df in tables.items():
        st.markdown(f"**{name}** ({fmt_int(len(df))})")
        view.table_downloads(df, name, stamp, lang, index=name != t("table_hist", lang))
    st.markdown(f"**{t('table_scores', lang, n=fmt_int(min(SCORES_ROWS, ev.res.n)))}**")
    c1, c2 = st.columns(2)
    c1.download_button("⬇ CSV", data=lambda: exports.csv_bytes(ev.res.to_frame(lang).head(SCORES_ROWS), stamp,
                                                               index=False),
                       file_name="scores.csv", mime="text/csv", key="dl_scores_csv", on_click="ignore")
    c2.download_button(f"⬇ Excel ({t('all_tables', lang)})", data=lambda: exports.excel_bytes(tables, stamp),
                       file_name="tables.xlsx", key="dl_all_xlsx", on_click="ignore",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    st.markdown(f"**{t('chart_html', lang)}**")
    figs = {
        "histogram": figures.histogram(hist, ev.line, lang, stamp),
        "item_bands": figures.item_bands(bands, {i.id: i.name(lang) for i in sch.items}, lang, stamp),
        "cutoff_curve": figures.cutoff_curve(curve, h.quota, lang, stamp),
        "dominance_gauges": figures.gauges(h.shares, h.min_share, h.measure, lang, stamp),
    }
    cols = st.columns(len(figs))
    for col, (name, fig) in zip(cols, figs.items(), strict=True):
        col.download_button(f"⬇ {name}.html", data=lambda f=fig: exports.figure_html(f, stamp),
                            file_name=f"{name}.html", mime="text/html", key=f"dl_html_{name}", on_click="ignore")
