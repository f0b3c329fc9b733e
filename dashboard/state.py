"""Shared state of the dashboard: session defaults, the sidebar, and the caches.

The built-in population is ``scoring.synth.synth(n, seed)`` held once per process (``st.cache_resource``); an
uploaded population is held under the hash of its bytes. A scheme is identified by its resolved YAML text: the
scored result is cached on (population key, YAML text), so an edit re-scores once and going back to an earlier
version is free. The big arrays live in ``cache_resource`` (shared, never copied); the small aggregates built from
them are ``cache_data`` keyed on the same text.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import analysis
from dashboard.i18n import LANG_NAMES, LANGS, fmt_int, t
from scoring.errors import ScoringInputError
from scoring.scheme import Scheme, load_scheme, load_scheme_text

ROOT = Path(__file__).resolve().parent.parent
SCHEME_DIR = ROOT / "scenarios" / "schemes"
DEFAULT_SCHEME = "hangzhou-2023-illustrative"
SIZES = (100_000, 200_000, 500_000, 1_000_000)
DEFAULT_N = int(os.environ.get("DASHBOARD_N", "1000000"))
DEFAULT_SEED = 7


# ---------------------------------------------------------------------------------------------------------------
# Caches
# ---------------------------------------------------------------------------------------------------------------
@st.cache_resource(max_entries=3, show_spinner=False)
def synth_population(n: int, seed: int) -> pd.DataFrame:
    """The synthetic population (computed once per process for each size and seed)."""
    from scoring.synth import synth

    return synth(int(n), int(seed))


@st.cache_resource(show_spinner=False)
def _uploads() -> dict[str, tuple[str, pd.DataFrame]]:
    """Uploaded populations by key: (file name, frame)."""
    return {}


def register_upload(name: str, data: bytes, frame: pd.DataFrame) -> str:
    """Keep an uploaded population and return its key."""
    key = "upload:" + hashlib.sha256(data).hexdigest()[:16]
    store = _uploads()
    store[key] = (name, frame)
    while len(store) > 3:
        store.pop(next(iter(store)))
    return key


def population(pop_key: str) -> pd.DataFrame:
    """The population for a key: ``synth:N:SEED`` or an uploaded one."""
    if pop_key.startswith("synth:"):
        _, n, seed = pop_key.split(":")
        return synth_population(int(n), int(seed))
    return _uploads()[pop_key][1]


def population_name(pop_key: str, lang: str) -> str:
    """A readable name of the population."""
    if pop_key.startswith("synth:"):
        _, n, seed = pop_key.split(":")
        return f"{t('pop_synth', lang)} n={fmt_int(int(n))}, seed={seed}"
    return f"{t('pop_uploaded', lang)}: {_uploads()[pop_key][0]}"


@st.cache_data(max_entries=8, show_spinner=False)
def shipped_scheme_texts() -> dict[str, str]:
    """Every shipped scheme (``base`` resolved) as YAML text, by id; the default first."""
    out: dict[str, str] = {}
    for path in sorted(SCHEME_DIR.glob("*.yaml")):
        try:
            scheme = load_scheme(path)
        except ScoringInputError:
            continue
        out[scheme.id] = scheme.to_yaml()
    ordered = {k: out[k] for k in sorted(out, key=lambda k: (k != DEFAULT_SCHEME, k))}
    return ordered


@st.cache_resource(max_entries=64, show_spinner=False)
def scheme_of(text: str) -> Scheme:
    """The validated scheme for a YAML text (raises SchemeError)."""
    return load_scheme_text(text, "<scheme>")


@st.cache_resource(max_entries=8, show_spinner=False)
def evaluation(pop_key: str, text: str) -> analysis.Evaluation:
    """Score + admit + dominance of one scheme text on one population (raises ScoringInputError)."""
    return analysis.evaluate(population(pop_key), scheme_of(text))


# ---------------------------------------------------------------------------------------------------------------
# Session
# ---------------------------------------------------------------------------------------------------------------
def init() -> None:
    """Session defaults (idempotent)."""
    ss = st.session_state
    ss.setdefault("pop_n", DEFAULT_N)
    ss.setdefault("pop_seed", DEFAULT_SEED)
    ss.setdefault("pop_source", "synth")
    if "scheme_yaml" not in ss:
        texts = shipped_scheme_texts()
        first = DEFAULT_SCHEME if DEFAULT_SCHEME in texts else next(iter(texts))
        ss["scheme_choice"] = first
        load_text(texts[first])


def load_text(text: str) -> None:
    """Make ``text`` the loaded scheme: it becomes the working scheme, the diff baseline and the editor's base."""
    ss = st.session_state
    ss["scheme_yaml"] = text
    ss["scheme_base_yaml"] = text
    ss["editor_base"] = text
    ss.pop("scheme_error", None)


def lang() -> str:
    """The current language."""
    value = st.session_state.get("lang")
    return value if value in LANGS else "zh"


def pop_key() -> str:
    """The key of the population in use."""
    ss = st.session_state
    if ss.get("pop_source") == "upload" and ss.get("upload_key") in _uploads():
        return ss["upload_key"]
    return f"synth:{int(ss['pop_n'])}:{int(ss['pop_seed'])}"


def scheme() -> Scheme:
    """The working scheme."""
    return scheme_of(st.session_state["scheme_yaml"])


def current() -> analysis.Evaluation | None:
    """The evaluation of the working scheme on the population in use; shows an error and returns None if it fails."""
    try:
        with st.spinner(t("loading", lang())):
            return evaluation(pop_key(), st.session_state["scheme_yaml"])
    except ScoringInputError as exc:
        st.error(f"{t('error_population', lang())} {exc}")
        return None


def _on_scheme_choice() -> None:
    texts = shipped_scheme_texts()
    choice = st.session_state.get("scheme_choice")
    if choice in texts:
        load_text(texts[choice])


def language_switch() -> str:
    """The language switch at the top of the sidebar; returns the language."""
    st.sidebar.segmented_control(t("language", lang()), list(LANGS), format_func=LANG_NAMES.get, key="lang",
                                 default="zh", required=True, bind="query-params")
    return lang()


def sidebar() -> None:
    """Scheme and population choices shared by every page."""
    lg = lang()
    texts = shipped_scheme_texts()
    ss = st.session_state
    sb = st.sidebar
    sb.selectbox(t("sidebar_scheme", lg), list(texts), key="scheme_choice", on_change=_on_scheme_choice,
                 format_func=lambda k: scheme_of(texts[k]).title.get(lg))
    if ss["scheme_yaml"] != ss["scheme_base_yaml"]:
        sb.caption(t("edited", lg).strip(" （）()") + ": " + scheme().stamp(lg))
    sizes = sorted({*SIZES, int(ss["pop_n"])})
    sb.selectbox(t("pop_size", lg), sizes, key="pop_n", format_func=fmt_int)
    sb.number_input(t("seed", lg), min_value=0, max_value=2**31 - 1, step=1, key="pop_seed")
    sb.caption(population_name(pop_key(), lg))
    sb.caption("⚠️ " + t("simulation_banner", lg))
