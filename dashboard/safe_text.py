"""User-provided text shown as text: Markdown escaped, chart labels without live markup, errors without paths.

Streamlit renders Markdown in st.markdown / st.caption / st.info / st.error / st.warning / st.success, in widget
labels, expander labels and metric values; plotly renders a small HTML subset in titles, tick labels, legends and
hover text. Every string that came from a user (a scheme's id, version, title, labels, sources, assumptions, item ids;
an uploaded file's name, column names and values; a library error message quoting any of those) goes through
:func:`md` before a Markdown sink and through :func:`safe_figure` before a chart is sent or exported.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go

ROOT = Path(__file__).resolve().parent.parent

# Every ASCII punctuation character may be backslash-escaped in CommonMark; escaping all of them turns off links,
# images, emphasis, code, HTML, LaTeX ($), Streamlit directives (:red[...]) and block syntax alike.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=\"'^%@,;?/])")
_MAX_SHOWN = 600  # characters of one user string or error shown at most

# The plotly tags the dashboard's own figures use; any other "<" in a figure's text is shown as a literal "<".
_PLOTLY_OWN_TAGS = re.compile(r"<(?!/?(?:br|b|i|em|sup|sub|extra)\s*/?>)", re.IGNORECASE)


def md(text: object, limit: int = _MAX_SHOWN) -> str:
    """``text`` as Markdown that renders literally (every metacharacter escaped); cut to ``limit`` characters."""
    s = str(text)
    if len(s) > limit:
        s = s[:limit] + "…"
    s = s.replace("\r", " ").replace("\n", " ")
    return _MD_SPECIAL.sub(r"\\\1", s)


def plot_text(text: object) -> str:
    """A user string for a plotly label: "<" shown literally (plotly reads &lt;), never a tag or a link."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;")


def plain_error(exc: BaseException, replace: dict[str, str] | None = None, limit: int = _MAX_SHOWN,
                lang: str | None = None) -> str:
    """A library error's one-line reason: first line only (in ``lang`` where the command line words it so:
    :func:`scoring.cli.messages.localized`), server paths removed, cut to ``limit`` characters."""
    if lang is not None and str(exc).strip():
        from scoring.cli.messages import localized

        msg = localized(exc, lang)
    else:
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    for old, new in (replace or {}).items():
        if old:
            msg = msg.replace(old, new)
    for prefix in sorted({str(ROOT), tempfile.gettempdir(), str(Path.home())}, key=len, reverse=True):
        if len(prefix) > 1:
            msg = msg.replace(prefix + "/", "").replace(prefix, "")
    return msg if len(msg) <= limit else msg[:limit] + "…"


def error_text(exc: BaseException, replace: dict[str, str] | None = None, limit: int = _MAX_SHOWN,
               lang: str | None = None) -> str:
    """:func:`plain_error` escaped for a Markdown sink (st.error, st.warning, …)."""
    return md(plain_error(exc, replace, limit, lang), limit + 1)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return _PLOTLY_OWN_TAGS.sub("&lt;", value)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.ndarray) and value.dtype == object:
        return np.array([_clean(v) for v in value.tolist()], dtype=object)
    return value


def safe_figure(fig: go.Figure) -> go.Figure:
    """A copy of ``fig`` in which no text can become markup: every "<" that does not open one of the dashboard's
    own simple tags (br, b, i, em, sup, sub, extra) is shown literally, so a label such as ``<a href=…>`` or
    ``<span style=…>`` from a user's scheme or data stays text. Numeric arrays are passed through untouched."""
    # The dict comes from a validated figure and cleaning changes strings only: plotly's validation (tens of ms a
    # figure, most of a rerun's Python time) is not repeated.
    return go.Figure(_clean(fig.to_dict()), _validate=False)
