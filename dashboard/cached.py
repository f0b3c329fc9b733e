"""Cached small aggregates (``st.cache_data``), keyed on the population key and the scheme's YAML text."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from dashboard import analysis, state


def _mask(ev: analysis.Evaluation, among: str) -> np.ndarray:
    if among == "admitted":
        return ev.admitted_mask
    if among == "all":
        return np.ones(ev.res.n, dtype=bool)
    return ev.res.eligible_mask


@st.cache_data(max_entries=64, show_spinner=False)
def histogram(pop_key: str, text: str, width: float) -> pd.DataFrame:
    """Score histogram of the eligible (admitted / not admitted)."""
    ev = state.evaluation(pop_key, text)
    hist = analysis.score_histogram(ev.res.total_cents, ev.res.eligible_mask, ev.admitted_mask, width)
    return _people(hist, ev, ("admitted", "not_admitted"))


def _people(table: pd.DataFrame, ev: analysis.Evaluation, columns: tuple[str, ...]) -> pd.DataFrame:
    """Counts of the sample in real people (the evaluation's scale), whole numbers."""
    if ev.scale is None or ev.scale.ratio == 1.0:
        return table
    return table.assign(**{c: ev.scale.people_array(table[c].to_numpy()) for c in columns if c in table})


@st.cache_data(max_entries=64, show_spinner=False)
def item_bands(pop_key: str, text: str, among: str, band: float) -> pd.DataFrame:
    """Mean item points by score band."""
    ev = state.evaluation(pop_key, text)
    return _people(analysis.item_means_by_band(ev.res, _mask(ev, among), band), ev, ("count",))


@st.cache_data(max_entries=64, show_spinner=False)
def composition(pop_key: str, text: str, column: str) -> pd.DataFrame:
    """Shares of ``column``'s values among all residents, the eligible and the admitted."""
    ev = state.evaluation(pop_key, text)
    pop = ev.res.population
    values = analysis.age_band(pop["age"]) if column == "age_band" else pop[column]
    masks = {"all": _mask(ev, "all"), "eligible": _mask(ev, "eligible"), "admitted": _mask(ev, "admitted")}
    return analysis.composition(values, masks)


@st.cache_data(max_entries=32, show_spinner=False)
def cutoff_curve(pop_key: str, text: str) -> pd.DataFrame:
    """Cut-off against quota size (the library's :func:`scoring.admission.cutoff_curve`)."""
    ev = state.evaluation(pop_key, text)
    return analysis.cutoff_table(ev.res)


@st.cache_data(max_entries=32, show_spinner=False)
def cutoff_at(pop_key: str, text: str, quota: int) -> tuple[float | None, int]:
    """The cut-off and the number admitted (ties admitted) at one quota size."""
    ev = state.evaluation(pop_key, text)
    curve = analysis.cutoff_table(ev.res, np.array([quota]))
    if curve.empty:
        return None, 0
    return float(curve["cutoff"].iloc[0]), int(curve["admitted"].iloc[0])
