"""Tables a user can file: headers in the view's language, counts in real people, shares as percentages, an
admitted column in the scores; and the interactive charts as one zip that loads plotly.js once.

Chart HTML: plotly's standalone HTML inlines the whole plotly.js (about 4.8 MB per chart). Offline use rules out
the CDN, and plotly 7 ships only the full bundle, so the zip holds every chart's HTML (tens of KB each) next to a
single ``plotly.min.js`` that they all reference; compressed, the whole zip is about the size of the bundle alone.
Each chart is also offered as a PNG and as its data (dashboard.view.chart). No streamlit here; tested directly.
"""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from dashboard.analysis import Headline
from dashboard.exports import _escape, _one_line
from dashboard.i18n import fmt_pct, fmt_points, t
from dashboard.safe_text import safe_figure
from dashboard.scale import Scale

PLOTLY_JS = "plotly.min.js"


def headline_table(h: Headline, sc: Scale, lang: str) -> pd.DataFrame:
    """The headline figures: counts in real people as whole numbers (numbers in the CSV and the workbook, not
    formatted text), shares as percentages, the verdict in words."""
    verdict = {True: t("yes", lang), False: t("no", lang), None: t("na", lang)}[h.literal_ok]
    rows = [
        ("h_population", int(h.n_pop)), ("h_sample", int(h.sample)), ("h_ratio", round(float(sc.ratio), 2)),
        ("eligible", int(h.eligible)), ("admitted", int(h.admitted)),
        ("h_quota", "—" if h.quota is None else int(h.quota)), ("h_threshold", fmt_points(h.threshold)),
        ("h_cutoff", fmt_points(h.cutoff)), ("h_points_share", fmt_pct(h.points_share.get("eligible"))),
        ("h_points_share_adm", fmt_pct(h.points_share.get("admitted"))), ("h_min_share", fmt_pct(h.min_share, 0)),
        ("h_literal_ok", verdict), ("h_design", fmt_pct(h.shares.get("design"))),
        ("h_decisive", fmt_pct(h.shares.get("decisive"))),
    ]
    return pd.DataFrame({t("metric", lang): [t(k, lang) for k, _ in rows],
                         t("value", lang): pd.Series([v for _, v in rows], dtype=object)})


def histogram_table(hist: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The score histogram (already in real people) with headers in the view's language."""
    return hist.rename(columns={"left": t("hist_left", lang), "right": t("hist_right", lang),
                                "admitted": t("hist_admitted", lang), "not_admitted": t("hist_not_admitted", lang)})


def bands_table(bands: pd.DataFrame, labels: dict[str, str], lang: str) -> pd.DataFrame:
    """Mean item points by score band: item names as headers, the band's lower edge, people (real)."""
    out = bands.rename(columns={**labels, "count": t("count_people", lang)}).round(2)
    out.index = out.index.rename(t("band_lower", lang))
    return out.reset_index()


def cutoff_table(curve: pd.DataFrame, sc: Scale, lang: str) -> pd.DataFrame:
    """The cut-off against the quota, both counts in real people (the sample's places times the ratio)."""
    return pd.DataFrame({
        t("cutoff_quota", lang): sc.people_array(curve["quota"].to_numpy()),
        t("cutoff_score", lang): curve["cutoff"].to_numpy(),
        t("cutoff_admitted", lang): sc.people_array(curve["admitted"].to_numpy()),
    })


def scores_table(frame: pd.DataFrame, admitted: np.ndarray, lang: str,
                 gates: dict[str, str] | None = None) -> pd.DataFrame:
    """The per-person scores (the library's ``to_frame(lang)``) with an admitted column and headers in the view's
    language; ``admitted`` is aligned with ``frame``'s rows; ``gates`` names the condition not met (gate id ->
    its label in the view's language) instead of the scheme's code."""
    names = {"person_id": ("人员编号", "person id"), "total": ("总积分", "total"),
             "eligible": ("符合资格", "eligible"), "reason": ("不符合的条件", "condition not met")}
    i = 1 if lang == "en" else 0
    out = frame.copy()
    if gates and "reason" in out:
        reason = out["reason"].astype("string")
        out["reason"] = reason.map(gates).fillna(reason)
    yes, no = t("yes", lang), t("no", lang)
    if "eligible" in out:
        out["eligible"] = np.where(out["eligible"].to_numpy(dtype=bool), yes, no)
    pos = out.columns.get_loc("eligible") + 1 if "eligible" in out else len(out.columns)
    out.insert(pos, t("col_admitted_flag", lang), np.where(np.asarray(admitted, dtype=bool), yes, no))
    return out.rename(columns={k: v[i] for k, v in names.items()})


def charts_zip(figs: dict[str, go.Figure], stamp: str) -> bytes:
    """A zip of every chart's HTML referencing one shared ``plotly.min.js`` (included), for offline use."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as z:
        z.writestr(PLOTLY_JS, get_plotlyjs())
        for name, fig in figs.items():
            html = safe_figure(fig).to_html(include_plotlyjs=PLOTLY_JS, full_html=True, default_width="100%")
            title = f"<head><meta charset=\"utf-8\"><title>{_escape(_one_line(stamp))}</title>"
            z.writestr(f"{name}.html", html.replace("<head>", title, 1))
    return buf.getvalue()
