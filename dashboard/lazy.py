"""Lazy sections: an expander whose content is drawn only while it is open (``st.expander(on_change="rerun")``
and its ``.open``), so a closed section costs the browser nothing on a rerun, and a table editor inside one whose
edits are kept in the session while the section is closed.

A closed expander's widgets are not drawn, so Streamlit drops their state; :func:`kept_editor` keeps the edited
table itself (``_kept_<key>``) and starts a reopened editor from it, so closing a section never loses an edit.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

OPEN_PREFIX = "open_"  # the session key of a lazy section's open state: open_<name>


def section(label: str, name: str) -> tuple[Any, bool]:
    """An expander drawn lazily: (the container, whether it is open). Its open state is the widget ``open_<name>``
    (a test opens it by setting that key to True)."""
    box = st.expander(label, key=OPEN_PREFIX + name, on_change="rerun")
    return box, bool(box.open)


def kept_editor(box: Any, is_open: bool, table: pd.DataFrame, key: str, **kwargs: Any) -> pd.DataFrame:
    """``st.data_editor(table, key=key, **kwargs)`` inside ``box`` while the section is open; the edited table (the
    last one the editor returned, else ``table``) while it is closed. A reopened editor starts from the kept table
    and keeps that starting table while it stays open (the editor's edits are relative to it)."""
    ss = st.session_state
    kept, start = f"_kept_{key}", f"_start_{key}"
    if not is_open:
        ss.pop(start, None)
        return ss.get(kept, table)
    if start not in ss:
        ss[start] = ss.get(kept, table)
    with box:
        out = st.data_editor(ss[start], key=key, **kwargs)
    ss[kept] = out
    return out
