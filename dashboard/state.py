"""Shared state of the dashboard: session defaults, the sidebar, and the caches.

The built-in population is ``scoring.population.synthetic.synth(n, seed)`` held once per process
(``st.cache_resource``); an
uploaded population is held in the uploading session's ``st.session_state`` under the hash of its bytes (so one
user's upload never pushes out another's). A scheme is identified by its resolved YAML text: the
scored result is cached on (population key, YAML text), so an edit re-scores once and going back to an earlier
version is free. The big arrays live in ``cache_resource`` (shared, never copied); the small aggregates built from
them are ``cache_data`` keyed on the same text.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import access, analysis, disk_cache, scale, scheme_store
from dashboard.i18n import LANG_NAMES, LANGS, fmt_int, t
from dashboard.safe_text import error_text, md
from scoring.errors import ScoringInputError
from scoring.scheme.load import Scheme, load_scheme_text

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
    """The synthetic population (made once per process for each size and seed; a cold server reads it from the disk
    cache, :mod:`dashboard.disk_cache`, when an earlier process of the same code made it)."""
    from scoring.population.synthetic import synth

    name = f"synth:{int(n)}:{int(seed)}"
    pop = disk_cache.read_frame(name)
    if pop is None or len(pop) != int(n):
        pop = synth(int(n), int(seed))
        disk_cache.write_frame(name, pop, background=True)
    return pop


def register_upload(name: str, data: bytes, frame: pd.DataFrame) -> str:
    """Keep an uploaded population in this session (replacing the session's previous upload); return its key.

    Uploads live in ``st.session_state``: one session's data is never evicted by another's, and it stays until the
    user uploads another file or the session ends.
    """
    key = "upload:" + hashlib.sha256(data).hexdigest()
    st.session_state["_upload"] = (key, name, frame)
    st.session_state.pop("_upload_route", None)
    st.session_state.pop("upload_lost", None)
    return key


def _session_upload(pop_key: str) -> tuple[str, pd.DataFrame] | None:
    held = st.session_state.get("_upload")
    if held is not None and held[0] == pop_key:
        return held[1], held[2]
    return None


def population(pop_key: str) -> pd.DataFrame:
    """The population for a key: ``synth:N:SEED`` or this session's upload (KeyError if it is not held)."""
    if pop_key.startswith("synth:"):
        _, n, seed = pop_key.split(":")
        return synth_population(int(n), int(seed))
    held = _session_upload(pop_key)
    if held is None:
        raise KeyError("the uploaded population is not held in this session")
    return held[1]


@st.cache_resource(max_entries=3, show_spinner=False)
def _synth_route(n: int, seed: int) -> pd.DataFrame:
    name = f"route:{int(n)}:{int(seed)}"
    route = disk_cache.read_frame(name)
    if route is None:
        route = scale.route_people(synth_population(n, seed))
        disk_cache.write_frame(name, route, background=True)
    return route


def route_population(pop_key: str) -> pd.DataFrame:
    """The points route's people of a population: its residents of 杭州市城区 (dashboard.scale.route_people; everyone
    without a district column). Every page scores and admits these people, so one rule gives one number."""
    if pop_key.startswith("synth:"):
        _, n, seed = pop_key.split(":")
        return _synth_route(int(n), int(seed))
    held = st.session_state.get("_upload_route")
    if held is None or held[0] != pop_key:
        held = (pop_key, scale.route_people(population(pop_key)))
        st.session_state["_upload_route"] = held
    return held[1]


def population_name(pop_key: str, lang: str) -> str:
    """A readable name of the population (the file name escaped: it is shown as Markdown)."""
    if pop_key.startswith("synth:"):
        _, n, seed = pop_key.split(":")
        if lang == "en":
            return f"{t('pop_synth', lang)}: {fmt_int(int(n))} people, seed {seed}"
        return f"{t('pop_synth', lang)}（{fmt_int(int(n))}人，随机种子{seed}）"
    held = _session_upload(pop_key)
    return f"{t('pop_uploaded', lang)}: {md(held[0] if held else '?', 120)}"


@st.cache_data(max_entries=8, show_spinner=False)
def shipped_scheme_texts() -> dict[str, str]:
    """Every shipped scheme (``base`` resolved) as YAML text, by id; the default first. Never shadowed."""
    out = scheme_store.shipped_texts(SCHEME_DIR)
    return {k: out[k] for k in sorted(out, key=lambda k: (k != DEFAULT_SCHEME, k))}


@st.cache_data(max_entries=4, show_spinner=False)
def _saved_texts(directory: str, signature: tuple, shipped_ids: frozenset[str]) -> dict[str, str]:
    return scheme_store.saved_texts(Path(directory), shipped_ids)


def saved_scheme_texts() -> dict[str, str]:
    """Schemes saved from the dashboard (drafts, keyed ``saved:<id>@<version>``), re-read when the store changes."""
    directory = scheme_store.saved_dir()
    return _saved_texts(str(directory), scheme_store.saved_signature(directory),
                        frozenset(shipped_scheme_texts()))


def scheme_texts() -> dict[str, str]:
    """Every scheme a user can pick: the shipped ones first, then the saved drafts."""
    return {**shipped_scheme_texts(), **saved_scheme_texts()}


def scheme_label(key: str, text: str, lang: str) -> str:
    """The label of a scheme in a picker (plain text: option labels are not Markdown)."""
    sch = scheme_of(text)
    if key.startswith(scheme_store.SAVED_PREFIX):
        status = sch.stamp(lang).split(" · ")[1]
        return f"{sch.title.get(lang)} · {sch.id} v{sch.version} ({t('saved_label', lang)} · {status})"
    return sch.title.get(lang)


@st.cache_resource(max_entries=64, show_spinner=False)
def scheme_of(text: str) -> Scheme:
    """The validated scheme for a YAML text (raises SchemeError)."""
    return load_scheme_text(text, "<scheme>")


@st.cache_resource(max_entries=8, show_spinner=False)
def evaluation(pop_key: str, text: str) -> analysis.Evaluation:
    """Score + admit + dominance of one scheme text on one population (raises ScoringInputError); the quota is
    taken in real places and every count of the headline is in real people (:func:`population_scale`); the people
    are the points route's, the residents of 杭州市城区 (:func:`route_population`)."""
    return analysis.evaluate(route_population(pop_key), scheme_of(text), population_scale(pop_key))


def choose_engine() -> None:
    """The dashboard's server scores with the library's numpy engine unless ``SCORING_ENGINE`` chooses: both engines
    give the same cents (tests/test_engine_numba.py), and at the dashboard's sizes (up to 1M people; the queue model's
    pools of a few thousand) numpy is as fast, while numba's first use costs its import and, on a fresh checkout, a
    compile of half a minute (docs/dashboard.md, "First load"). Process-wide: it only sets a default."""
    os.environ.setdefault("SCORING_ENGINE", "numpy")


def warm_up() -> None:
    """Once per process, after the first page is drawn: import the queue model's library (scipy, the dynamics) in a
    background thread, so the first visit of the Quota page does not wait for it. Never blocks a page."""
    _warm_up_thread()


@st.cache_resource(show_spinner=False)
def _warm_up_thread() -> threading.Thread:
    def work() -> None:
        import scoring.scenario.quota_calendar
        import scoring.scenario.run  # noqa: F401

    thread = threading.Thread(target=work, name="dashboard-warm-up", daemon=True)
    thread.start()
    return thread


def population_scale(pop_key: str) -> scale.Scale:
    """How many real people the population stands for (dashboard.scale: the one definition of the scale)."""
    if pop_key.startswith("synth:"):  # n rows by construction: the whole population need not be read
        people = route_population(pop_key)  # the population itself when it has no district column
        return scale.for_population(pop_key, int(pop_key.split(":")[1]),
                                    len(people) if "district" in people.columns else None)
    pop = population(pop_key)
    route = None if "district" not in pop.columns else len(route_population(pop_key))
    return scale.for_population(pop_key, len(pop), route)


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
    """Make ``text`` the loaded scheme: it becomes the working scheme, the diff baseline and the editor's base.

    The editors get new widget keys (``editor_gen``), so nothing typed into the old tables comes back.
    """
    ss = st.session_state
    ss["scheme_yaml"] = text
    ss["scheme_base_yaml"] = text
    set_editor_base(text)
    ss.pop("scheme_error", None)


def set_editor_base(text: str) -> None:
    """Start the Scheme page's editors afresh from ``text`` (new widget keys; old edits are dropped)."""
    ss = st.session_state
    ss["editor_base"] = text
    ss["editor_gen"] = int(ss.get("editor_gen", 0)) + 1
    for key in [k for k in ss if str(k).startswith(("_kept_", "_start_"))]:  # dashboard/lazy.py's kept tables
        del ss[key]


def editor_key(text: str | None = None) -> str:
    """The suffix of the editors' widget keys: the base text and the generation."""
    ss = st.session_state
    base = ss["editor_base"] if text is None else text
    return hashlib.sha256(f"{ss.get('editor_gen', 0)}:{base}".encode()).hexdigest()[:10]


def set_working(text: str) -> None:
    """Make ``text`` the working scheme (kept against the loaded one, so the diff shows the change); the editors
    start afresh from it."""
    st.session_state["scheme_yaml"] = text
    st.session_state.pop("scheme_error", None)
    set_editor_base(text)


def lang() -> str:
    """The current language."""
    value = st.session_state.get("lang")
    return value if value in LANGS else "zh"


def pop_key() -> str:
    """The key of the population in use. If an upload in use is no longer held, say so (never silently)."""
    ss = st.session_state
    if ss.get("pop_source") == "upload":
        if _session_upload(str(ss.get("upload_key"))) is not None:
            return ss["upload_key"]
        ss["pop_source"] = "synth"
        ss["upload_lost"] = True
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
        st.error(f"{t('error_population', lang())} {error_text(exc, lang=lang())}")
        return None


def _on_scheme_choice() -> None:
    texts = scheme_texts()
    choice = st.session_state.get("scheme_choice")
    if choice in texts:
        load_text(texts[choice])


def language_switch() -> str:
    """The language switch at the top of the sidebar; returns the language."""
    st.sidebar.segmented_control(t("language", lang()), list(LANGS), format_func=LANG_NAMES.get, key="lang",
                                 default="zh", required=True, bind="query-params")
    return lang()


def sidebar_slots() -> tuple[Any, Any, Any]:
    """The sidebar's three places, made before the page runs and filled after it (:func:`sidebar`): the scheme
    picker, the working scheme's note (an ``st.empty``, also kept as ``_sidebar_note`` so the Scheme page's fragment
    can rewrite it on an edit without a run of the whole app: :func:`draw_scheme_note`), and the rest."""
    top, note, rest = st.sidebar.container(), st.sidebar.empty(), st.sidebar.container()
    st.session_state["_sidebar_note"] = note
    st.session_state.pop("_sidebar_note_drawn", None)
    return top, note, rest


def scheme_note(lg: str) -> str | None:
    """What the sidebar says under the scheme picker: "edited" with the stamp, an uploaded scheme's stamp, or
    nothing."""
    ss = st.session_state
    if ss["scheme_yaml"] != ss["scheme_base_yaml"]:
        return t("edited", lg).strip(" （）()") + ("：" if lg == "zh" else ": ") + md(scheme().stamp(lg))
    if ss["scheme_yaml"] not in scheme_texts().values():
        return md(scheme().stamp(lg))  # an uploaded scheme: its stamp (draft) under the picker
    return None


def draw_scheme_note(full_run: bool) -> None:
    """Write the sidebar's scheme note from the page (the Scheme page's fragment, in every run of it: Streamlit lets
    a fragment rewrite a container made outside it only if it wrote there in the last run of the whole app)."""
    ss = st.session_state
    note = ss.get("_sidebar_note")
    if note is None:
        return
    text = scheme_note(lang())
    note.caption(text) if text is not None else note.empty()
    if full_run:
        ss["_sidebar_note_drawn"] = True


def relabel_on_language(key: str, lg: str) -> None:
    """Make a keyed selectbox show its choice in ``lg`` after a language switch. Its value reaches the browser as
    the option's text, which the browser keeps when only ``format_func`` changes (the closed box went on showing
    the Chinese name); setting the value again from the script sends it in the new language."""
    ss = st.session_state
    seen = ss.get("_labels_lang", {})
    if seen.get(key) not in (None, lg) and key in ss:
        ss[key] = ss[key]
    ss["_labels_lang"] = {**seen, key: lg}


def keyed_choice(key: str, options: list[Any], default: Any, lg: str) -> dict[str, Any]:
    """The ``key`` and ``index`` arguments of a keyed selectbox that starts at ``default`` (None: no choice) and
    shows its choice in ``lg`` after a language switch (:func:`relabel_on_language`): ``index`` only while the
    widget has no value of its own, so Streamlit never sees a default beside a value set by the script (its
    warning); a value no longer among ``options`` is dropped."""
    ss = st.session_state
    if key in ss and ss[key] not in options:
        del ss[key]
    relabel_on_language(key, lg)
    if key in ss:
        return {"key": key}
    return {"key": key, "index": None if default is None else options.index(default)}


def _from_box(box: str, key: str) -> None:
    """What the user chose in the sidebar's box ``box`` (the population size or seed) becomes the session's ``key``."""
    ss = st.session_state
    if ss.get(box) is not None:
        ss[key] = int(ss[box])


def sidebar(sb: Any = None, note: Any = None, rest: Any = None) -> None:
    """Scheme and population choices shared by every page, in ``sb`` (a sidebar container; the sidebar itself by
    default), the scheme's note in ``note`` and the rest in ``rest`` (:func:`sidebar_slots`; both default to ``sb``).
    app.py fills them after the page has run, so the notes describe the page's latest edit."""
    lg = lang()
    texts = scheme_texts()
    ss = st.session_state
    sb = st.sidebar if sb is None else sb
    rest = sb if rest is None else rest
    if ss.get("scheme_choice_pending") in texts:
        ss["scheme_choice"] = ss.pop("scheme_choice_pending")  # set before the picker exists in this run
    if ss.get("scheme_choice") not in texts:
        ss.pop("scheme_choice", None)  # a saved scheme that is gone: the picker shows the default, the work stays
    relabel_on_language("scheme_choice", lg)
    sb.selectbox(t("sidebar_scheme", lg), list(texts), key="scheme_choice", on_change=_on_scheme_choice,
                 format_func=lambda k: scheme_label(k, texts[k], lg))
    if not ss.pop("_sidebar_note_drawn", False):  # the page did not write it (only the Scheme page does)
        text = scheme_note(lg)
        if text is not None:
            (sb if note is None else note).caption(text)
    sizes = sorted({*SIZES, int(ss["pop_n"])})
    rest.selectbox(t("pop_size", lg), sizes, index=sizes.index(int(ss["pop_n"])), key="pop_n_box",
                   format_func=fmt_int, on_change=_from_box, args=("pop_n_box", "pop_n"))  # as the seed box below
    # The box starts at the session's seed (``value``), under a key of its own: a box re-mounted by the browser
    # shows the seed, not its minimum (a browser trial saw the seed fall to 0 after a tall page, silently changing
    # every figure); only a change the user makes reaches ``pop_seed`` (on_change).
    rest.number_input(t("seed", lg), min_value=0, max_value=2**31 - 1, step=1, value=int(ss["pop_seed"]),
                      key="pop_seed_box", on_change=_from_box, args=("pop_seed_box", "pop_seed"))
    key = pop_key()
    if ss.get("upload_lost"):
        rest.error(t("upload_lost", lg))
    rest.caption(population_name(key, lg))
    rest.caption("⚠️ " + t("simulation_banner", lg))
    access.sidebar(lg, rest)
