"""The page side of access control (dashboard/auth.py): sign-in in the sidebar, and who may upload or save.

With ``HUKOU_SIM_AUTH`` unset everyone may do everything (a local run). With it set, editors named in the file may
upload populations and schemes and save schemes; everyone else only reads (their own what-if edits stay in their
session). A missing or broken credentials file fails closed: nobody can upload or save, and the page says so.
The signed-in user is kept in ``st.session_state`` (server side; a browser cannot set it) and checked against the
file on every run, so removing an editor or changing a role takes effect at their next click.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import streamlit as st

from dashboard import auth
from dashboard.i18n import t
from dashboard.safe_text import md

MAX_FAILURES = 5  # failed sign-ins per user name within WINDOW before that name is locked for the window
WINDOW = 15 * 60.0


@st.cache_resource(show_spinner=False)
def _failures() -> dict[str, list[float]]:
    """Failed sign-in times per user name (process-wide, so opening a new session does not reset it)."""
    return {}


@st.cache_data(max_entries=4, show_spinner=False)
def _config(path: str, mtime_ns: int, size: int) -> auth.AuthConfig | str:
    """The parsed credentials file (re-read when it changes), or the reason it cannot be used."""
    try:
        return auth.load(Path(path))
    except auth.AuthConfigError as exc:
        return str(exc)


def config() -> auth.AuthConfig | str | None:
    """None when access control is off; the config; or a one-line reason the configured file is unusable."""
    path = auth.configured_path()
    if path is None:
        return None
    try:
        stat = path.stat()
    except OSError:
        return f"{path.name}: no such file"
    return _config(str(path), stat.st_mtime_ns, stat.st_size)


def enabled() -> bool:
    """True when the deployment turned access control on."""
    return auth.configured_path() is not None


def user() -> auth.User | None:
    """The signed-in user, re-checked against the current file (None when signed out or no longer listed)."""
    cfg = config()
    name = st.session_state.get("auth_user")
    if not isinstance(cfg, auth.AuthConfig) or not isinstance(name, str):
        return None
    return cfg.users.get(name)


def can_edit() -> bool:
    """May this session upload populations and schemes and save schemes?"""
    if not enabled():
        return True
    current = user()
    return current is not None and current.role == "editor"


def can_view() -> bool:
    """May this session see the pages at all (False only when visitors must sign in and this one has not)?"""
    cfg = config()
    if cfg is None:
        return True
    if not isinstance(cfg, auth.AuthConfig):
        return True  # fail closed for editing only; reading the simulator needs no secret
    return cfg.anonymous == "viewer" or user() is not None


def _locked(name: str) -> bool:
    now = time.monotonic()
    times = [x for x in _failures().get(name, []) if now - x < WINDOW]
    _failures()[name] = times
    return len(times) >= MAX_FAILURES


def _sign_in(lang: str) -> None:
    cfg = config()
    with st.form("auth_form", clear_on_submit=True):
        name = st.text_input(t("auth_name", lang), key="auth_name_input", max_chars=64)
        password = st.text_input(t("auth_password", lang), type="password", key="auth_password_input",
                                 max_chars=auth.MAX_PASSWORD)
        submitted = st.form_submit_button(t("auth_sign_in", lang))
    if not submitted or not isinstance(cfg, auth.AuthConfig):
        return
    name = (name or "").strip()[:64]
    if _locked(name):
        st.error(t("auth_locked", lang, minutes=int(WINDOW // 60)))
        return
    found = auth.check(cfg, name, password or "")
    if found is None:
        _failures().setdefault(name, []).append(time.monotonic())
        st.error(t("auth_failed", lang))
        return
    _failures().pop(name, None)
    st.session_state["auth_user"] = found.name
    st.rerun()


def sidebar(lang: str, sb: Any = None) -> None:
    """The sign-in / signed-in box in the sidebar (nothing when access control is off)."""
    cfg = config()
    if cfg is None:
        return
    sb = st.sidebar if sb is None else sb
    if not isinstance(cfg, auth.AuthConfig):
        sb.error(t("auth_broken", lang, reason=md(cfg)))
        return
    current = user()
    if current is not None:
        sb.caption(t("auth_signed_in", lang, name=md(current.name), role=t(f"auth_role_{current.role}", lang)))
        if sb.button(t("auth_sign_out", lang), key="auth_sign_out"):
            st.session_state.pop("auth_user", None)
            st.rerun()
        return
    with sb.expander(t("auth_sign_in_title", lang)):
        _sign_in(lang)


def gate(lang: str) -> None:
    """Stop the page for a visitor who must sign in first (settings.anonymous = "none")."""
    if can_view():
        return
    st.title(t("app_title", lang))
    st.info(t("auth_required", lang))
    _sign_in(lang)
    st.stop()


def editors_only(lang: str) -> bool:
    """True when this session may change shared things; otherwise shows why not and returns False."""
    if can_edit():
        return True
    cfg = config()
    st.info(t("auth_editors_only" if isinstance(cfg, auth.AuthConfig) else "auth_no_editing", lang))
    return False
