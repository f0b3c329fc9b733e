"""Streamlit entry point: page config, language switch, shared sidebar and navigation only.

Run: ``streamlit run app.py`` from the repository root, with the project installed (``pip install -r
requirements.txt`` installs it, editable). Each page is one file, dashboard/pages/<slug>.py (its ``render()`` runs
when st.navigation runs the file); the pages start with dashboard.view.preamble.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard import access, state, timing  # installed with the project (requirements.txt: "-e .")
from dashboard.i18n import t

ROOT = Path(__file__).resolve().parent

PAGES = [  # (url path, title key, icon); the first is the default
    ("overview", "page_overview", ":material/dashboard:"),
    ("scheme", "page_scheme", ":material/tune:"),
    ("distributions", "page_distributions", ":material/bar_chart:"),
    ("quota", "page_quota", ":material/confirmation_number:"),
    ("compare", "page_compare", ":material/compare_arrows:"),
    ("person", "page_person", ":material/person:"),
    ("data", "page_data", ":material/table:"),
    ("method", "page_method", ":material/menu_book:"),
    ("pathways", "page_pathways", ":material/route:"),
    ("tuning", "page_tuning", ":material/science:"),
]

st.set_page_config(page_title="杭州积分落户模拟器 / Hangzhou points simulator", page_icon="🏙️", layout="wide")
state.choose_engine()  # before anything scores: numpy, no numba import or first compile on a cold server
with timing.phase("init"):
    state.init()
lang = state.language_switch()
access.gate(lang)  # only when the deployment requires signing in (HUKOU_SIM_AUTH, anonymous = "none")
pages = [
    st.Page(str(ROOT / "dashboard" / "pages" / f"{slug}.py"), title=t(key, lang), icon=icon, url_path=slug,
            default=(n == 0))
    for n, (slug, key, icon) in enumerate(PAGES)
]
page = st.navigation(pages)
slots = state.sidebar_slots()  # the shared sidebar sits here, but is filled after the page has run, so its
try:                           # "edited" note and population name describe what the page just did
    with timing.phase(f"page {page.url_path or 'overview'}"):
        page.run()
finally:  # even when a page fails, the scheme and population pickers stay, so the user can switch away
    with timing.phase("sidebar"):
        state.sidebar(*slots)
    state.warm_up()  # after the first page: the Quota page's library is imported in the background
