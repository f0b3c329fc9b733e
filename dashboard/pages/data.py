"""数据 Data: upload an anonymised population (CSV / Excel / Parquet); download every table and chart."""

from __future__ import annotations

import hashlib
import re
import tempfile
from pathlib import Path
from typing import Any

import streamlit as st

from dashboard import (
    access,
    analysis,
    cached,
    data_dictionary,
    downloads,
    exports,
    figures,
    scale,
    state,
    static_charts,
    view,
)
from dashboard.i18n import fmt_int, t
from dashboard.identifier_text import identifier_message
from dashboard.safe_text import md, plain_error
from dashboard.scale import SMALL_SAMPLE
from scoring.cli.messages import localized
from scoring.errors import IdentifierError, ScoringInputError
from scoring.population.load import read_population

CLI_DROP_HINT = "--drop-identifiers (drop_identifiers=True)"  # the library names its CLI flag
SCORES_ROWS = 100_000  # rows of the per-person table offered for download
SAFE_FILE = re.compile(r"[^\w.\-]+")  # the temporary copy's name: the user's name without separators


def _read(name: str, data: bytes, drop: bool, lang: str) -> Any:
    """The library's reading of an upload with the user's own headers (``(load, {canonical: header})``), kept in
    the session for the file's content (one at a time), or the reason it cannot be read (a user's mistake: its one
    line; anything else: a generic line, never a traceback)."""
    ss = st.session_state
    memo_key = (hashlib.sha256(data).hexdigest(), bool(drop), lang)
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
            load = read_population(path, skip_invalid=True, drop_identifiers=drop)
            result: Any = (load, dict(load.headers))  # the reasons name the user's own headers (社保年限)
    except IdentifierError as exc:
        if lang == "zh":
            result = identifier_message(exc, name, lang)
        else:
            result = plain_error(exc, {str(path): name, str(path.parent) if path else "": "", safe_name: name})
            result = result.replace("pass " + CLI_DROP_HINT, CLI_DROP_HINT).replace(CLI_DROP_HINT,
                                                                                      t("drop_ids_hint", lang))
    except ScoringInputError as exc:
        result = plain_error(exc, {str(path): name, str(path.parent) if path else "": "", safe_name: name})
        result = result.replace("pass " + CLI_DROP_HINT, CLI_DROP_HINT).replace(CLI_DROP_HINT, t("drop_ids_hint", lang))
        result = localized(result, lang)  # the reasons the command line words in Chinese (scoring.cli.messages)
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
    got = _read(up.name, data, drop, lang)
    if isinstance(got, str):
        st.error(f"{t('upload_failed', lang)} {md(got) if got else md(up.name, 120)}")  # the reason names the file
        return
    load, headers = got
    c = st.columns(3)
    c[0].metric(t("rows_in", lang), fmt_int(load.rows_in))
    c[1].metric(t("rows_kept", lang), fmt_int(load.rows_kept))
    c[2].metric(t("rows_rejected", lang), fmt_int(load.rows_rejected))
    unknown = data_dictionary.unknown_columns(load.frame)
    if unknown:
        st.info(t("unknown_columns", lang, columns=md("、".join(unknown) if lang != "en" else ", ".join(unknown),
                                                       400)))
    for w in load.warnings:
        st.warning(md(data_dictionary.in_language(w, lang, headers)))
    if len(load.rejected):
        with st.expander(t("rejected_rows", lang), expanded=load.rows_kept == 0):
            view.table(data_dictionary.rejected_table(load.rejected_table(), lang, headers), hide_index=True)
    if load.rows_kept and load.rows_kept < SMALL_SAMPLE:
        st.warning(scale.Scale(load.rows_kept, load.rows_kept, False).small_warning(lang))
    if load.rows_kept and st.button(t("use_population", lang), key="pop_use", type="primary"):
        ss["upload_key"] = state.register_upload(up.name, data, load.frame)
        ss["pop_source"] = "upload"
        st.rerun()


def _dictionary(lang: str) -> None:
    """The column template and the data dictionary to download (from the population schema)."""
    st.caption(t("template_help", lang))
    c1, c2, c3 = st.columns(3)
    c1.download_button(f"⬇ {t('template', lang)}",
                       data=lambda: exports.csv_bytes(data_dictionary.template_frame(lang=lang), None, index=False),
                       file_name=view.file_name(lang, "page_data", t("template", lang).split("（")[0].split(" (")[0],
                                                None, "csv"),
                       mime="text/csv", key="dl_template", on_click="ignore")
    table = data_dictionary.dictionary_frame(lang)
    c2.download_button(f"⬇ {t('dictionary', lang)}（Excel）" if lang != "en" else f"⬇ {t('dictionary', lang)} (Excel)",
                       data=lambda: exports.excel_bytes({t("dictionary", lang): table}, t("dictionary", lang),
                                                        index=False),
                       file_name=view.file_name(lang, "page_data", t("dictionary", lang), None, "xlsx"),
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key="dl_dictionary", on_click="ignore")
    c3.download_button(f"⬇ {t('dictionary', lang)}（CSV）" if lang != "en" else f"⬇ {t('dictionary', lang)} (CSV)",
                       data=lambda: exports.csv_bytes(table, None, index=False),  # no scheme: no stamp
                       file_name=view.file_name(lang, "page_data", t("dictionary", lang), None, "csv"),
                       mime="text/csv", key="dl_dictionary_csv", on_click="ignore")
    with st.expander(t("dictionary", lang)):
        view.table(table, hide_index=True)


def render() -> None:
    """Render the page."""
    p = view.preamble("page_data", "data_intro")
    lang, key, sch, stamp = p.lang, p.pop_key, p.scheme, p.stamp
    tag = view.scheme_file_tag(stamp, lang)  # the scheme's part of the downloads' names
    ss = st.session_state
    represents = state.population_scale(key).represents
    st.info(t("now_using", lang, name=state.population_name(key, lang), n=fmt_int(represents)))
    if ss.get("pop_source") == "upload" and st.button(t("use_synth", lang), key="pop_back"):
        ss["pop_source"] = "synth"
        ss.pop("_upload", None)
        ss.pop("_upload_route", None)
        st.rerun()
    _upload(lang)
    _dictionary(lang)

    st.header(t("downloads", lang))
    ev = state.current()
    if ev is None:
        return
    text = ss["scheme_yaml"]
    h = analysis.headline(ev)
    sc = ev.scale
    view.scale_note(sc, lang)
    labels = {i.id: i.name(lang) for i in sch.items}
    hist = cached.histogram(key, text, 1.0)
    bands = cached.item_bands(key, text, "eligible", 10.0)
    curve = cached.cutoff_curve(key, text)
    tables = {t("table_headline", lang): downloads.headline_table(h, sc, lang),
              t("table_hist", lang): downloads.histogram_table(hist, lang),
              t("table_bands", lang): downloads.bands_table(bands, labels, lang),
              t("table_cutoff", lang): downloads.cutoff_table(curve, sc, lang)}
    for name, df in tables.items():
        st.markdown(f"**{name}** ({fmt_int(len(df))})")
        view.table_downloads(df, name, stamp, lang, index=False)
    st.markdown(f"**{t('table_scores', lang, n=fmt_int(min(SCORES_ROWS, ev.res.n)))}**")
    c1, c2 = st.columns(2)

    def scores() -> bytes:
        frame = ev.res.to_frame(lang).head(SCORES_ROWS)
        gates = {g.id: g.label.get(lang) if g.label else g.id for g in sch.eligibility}
        return exports.csv_bytes(downloads.scores_table(frame, ev.admitted_mask[:len(frame)], lang, gates), stamp,
                                 index=False)

    c1.download_button("⬇ CSV", data=scores,
                       file_name=view.file_name(lang, "page_data", t("file_scores", lang), tag, "csv"),
                       mime="text/csv", key="dl_scores_csv", on_click="ignore")
    all_label = f"⬇ Excel（{t('all_tables', lang)}）" if lang != "en" else f"⬇ Excel ({t('all_tables', lang)})"
    c2.download_button(all_label, data=lambda: exports.excel_bytes(tables, stamp, index=False),
                       file_name=view.file_name(lang, "page_data", t("file_tables", lang), tag, "xlsx"),
                       key="dl_all_xlsx", on_click="ignore",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    st.markdown(f"**{t('charts_zip', lang)}**")
    st.caption(t("charts_zip_help", lang))
    figs = [figures.histogram(hist, ev.line, lang, stamp), figures.item_bands(bands, labels, lang, stamp),
            figures.cutoff_curve(curve.assign(quota=sc.people_array(curve["quota"].to_numpy()),
                                              admitted=sc.people_array(curve["admitted"].to_numpy())),
                                 h.quota, lang, stamp),
            figures.gauges(h.shares, h.min_share, h.measure, lang, stamp)]
    named = {view.slug(static_charts.layout_title(f)) or f"chart{n}": f for n, f in enumerate(figs, 1)}
    st.download_button(f"⬇ {t('charts_zip', lang)}", data=lambda: downloads.charts_zip(named, stamp),
                       file_name=view.file_name(lang, "page_data", t("charts_zip", lang).split("（")[0].split(" (")[0],
                                                tag, "zip"),
                       mime="application/zip", key="dl_charts_zip", on_click="ignore")


if __name__ == "__main__":  # run by st.navigation (app.py); importing the module (tests) draws nothing
    render()
