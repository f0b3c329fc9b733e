"""方法 Method: assumptions, sources, the status of every value, and how each measure is computed."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import view
from dashboard.i18n import kind_label, method_text, t
from dashboard.i18n_more import SOURCE_STATUS
from dashboard.safe_text import md


def source_status(status: str, lang: str) -> str:
    """A source's status in the view's language (an unknown status is shown as written, escaped)."""
    pair = SOURCE_STATUS.get(str(status).upper())
    return md(str(status)) if pair is None else pair[1 if lang == "en" else 0]


def render() -> None:
    """Render the page."""
    p = view.preamble("page_method", "method_intro")
    lang, sch, stamp = p.lang, p.scheme, p.stamp
    # Everything from the scheme file is a user's text: escaped, so it shows as written and never fetches a URL.
    status = t(f"scheme_status_{sch.status}", lang)
    sep = ": " if lang == "en" else "："
    st.markdown(f"**{md(sch.title.get(lang))}** · {t('scheme_status', lang)}{sep}{status} · {md(stamp)}")
    st.subheader(t("sources", lang))
    if sch.sources:
        st.markdown("\n".join(
            f"- {md(s.title.get(lang))}" + (f" — {source_status(s.status, lang)}" if s.status else "")
            + (f" ({md(s.url)})" if s.url else "")
            for s in sch.sources))
    st.subheader(t("assumptions", lang))
    if sch.assumptions:
        st.markdown("\n".join(f"- {md(a.get(lang))}" for a in sch.assumptions))
    st.subheader(t("value_status", lang))
    rows = [{
        t("col_id", lang): item.id,
        t("col_item", lang): item.name(lang),
        t("col_group", lang): sch.group_label(item.group, lang),
        t("col_kind", lang): kind_label(item.kind, lang),
        t("scheme_status", lang): t("status_assumed" if item.assumed or sch.status != "official"
                                    else "status_documented", lang),
        t("note", lang): item.note.get(lang) if item.note is not None else "",
    } for item in sch.items]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    st.subheader(t("how_computed", lang))
    dom = sch.dominance
    groups = ", ".join(md(sch.group_label(g, lang)) for g in dom.groups)
    st.markdown("\n".join(f"- {method_text(k, lang)}" for k in ("design", "realised", "decisive")))
    requirement = t("requirement", lang, measure=t("measure_" + dom.measure, lang), min_share=f"{dom.min_share:.0%}")
    st.markdown(f"- {requirement} · {groups}")
    st.markdown("\n".join(f"- {method_text(k, lang)}" for k in ("admission", "flip", "population")))


if __name__ == "__main__":  # run by st.navigation (app.py); importing the module (tests) draws nothing
    render()
