"""The yearly flows of the queue model: newcomers, accrual, composition of the admitted, propensity to apply.

Newcomers come from a fixed *bank* of profiles (a synthetic draw made once per run, re-based to zero local years):
newcomer ``i`` takes the bank row chosen by a hash of its id, and its age at arrival (when the scenario gives an
age profile) from a normal quantile of another keyed draw. So a newcomer's profile depends only on its id and the
seed, never on how many arrive: runs that differ in a parameter share their random numbers (common random
numbers), which keeps a calibration objective smooth.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtri

from scoring.dynamics.params import DynamicsParams
from scoring.dynamics.profile import apply_profile
from scoring.dynamics.state import State, stream_key, uniforms
from scoring.population.schema import load_schema

APPLY, LEAVE, JOB, INSURED, PERMIT, ARRIVE, ROUND, BANK, AGE, MONTHS = range(10)
YRD_ORIGINS = ("anhui", "jiangsu", "shanghai")
DEGREES = ("bachelor", "master", "doctor")
# (first age, first age of the next band, label): the population schema's age bands, the one definition
_EDGES = (0, *load_schema().age_edges, 200)
AGE_BANDS = tuple(zip(_EDGES[:-1], _EDGES[1:], load_schema().age_band_labels, strict=True))
YEARS_BANDS = ((0, 3, "<3"), (3, 5, "3-5"), (5, 10, "5-10"), (10, 1000, "10+"))


def default_arrivals(n: int, seed: int) -> pd.DataFrame:
    """Newcomer profiles drawn with :func:`scoring.population.synthetic.synth` (re-based by
    :func:`rebase_newcomers`)."""
    from scoring.population.synthetic import synth

    return synth(n, seed)


def rebase_newcomers(frame: pd.DataFrame, min_age: int = 16) -> pd.DataFrame:
    """Turn drawn residents into newcomers: age at arrival, zero local years, no permit; YRD years kept (capped)."""
    out = frame.copy()
    years = np.zeros(len(out), dtype=np.float32)
    for col in ("residence_years", "residence_years_other_districts"):
        if col in out:
            years += out[col].to_numpy(dtype=np.float32)
    if "age" in out:
        age = np.maximum(out["age"].to_numpy(dtype=np.float32) - np.floor(years), min_age)
        out["age"] = age.astype(out["age"].dtype)
        if "insurance_years_yrd" in out:
            cap = np.maximum(age - 16, 0).astype(np.float32)
            out["insurance_years_yrd"] = np.minimum(out["insurance_years_yrd"].to_numpy(np.float32), cap)
    for col in ("residence_years", "residence_years_other_districts", "insurance_years", "permit_years",
                "owned_home_years", "rented_home_years", "outside_core_years"):
        if col in out:
            out[col] = np.zeros(len(out), dtype=out[col].dtype)
    if "has_residence_permit" in out:
        out["has_residence_permit"] = False
    return out


@lru_cache(maxsize=4)
def _bank_frame(size: int, seed: int, min_age: int) -> pd.DataFrame:
    return rebase_newcomers(default_arrivals(size, seed), min_age)


def arrival_bank(params: DynamicsParams, seed: int, area: Sequence[str] | None = None) -> State:
    """The bank of newcomer profiles for a run (restricted to the ``area`` districts when given)."""
    frame = _bank_frame(params.arrivals.bank, stream_key(seed, BANK) % (2**31), params.arrivals.min_age)
    if area is not None and "district" in frame:
        frame = frame[frame["district"].astype("string").isin(list(area)).to_numpy()]
    return State.from_frame(frame.reset_index(drop=True), np.arange(len(frame), dtype=np.uint64))


def newcomers(bank: State, ids: np.ndarray, params: DynamicsParams, seed: int, rep: int = 0) -> State:
    """Newcomers with these ids: bank rows chosen by a hash of the id; age from the scenario's profile if set."""
    u = uniforms(ids, stream_key(seed, rep, BANK, 1))
    pick = (u * bank.n).astype(np.int64)
    share = params.arrivals.degree_share
    if share is not None and "education" in bank.cat:
        degree = np.flatnonzero(bank.codes_of("education", DEGREES))
        other = np.flatnonzero(~bank.codes_of("education", DEGREES))
        if len(degree) and len(other):
            wants = uniforms(ids, stream_key(seed, rep, BANK, 2)) < share
            pick = np.where(wants, degree[np.minimum((u * len(degree)).astype(np.int64), len(degree) - 1)],
                            other[np.minimum((u * len(other)).astype(np.int64), len(other) - 1)])
    new = bank.take(pick)
    new = State(np.asarray(ids, dtype=np.uint64), new.num, new.cat, new.labels)
    arr = params.arrivals
    if arr.age_mean is not None and "age" in new.num:
        u = np.clip(uniforms(ids, stream_key(seed, rep, AGE)), 1e-9, 1 - 1e-9)
        age = np.clip(np.rint(arr.age_mean + arr.age_sd * ndtri(u)), arr.min_age, arr.max_age_at_arrival)
        new.num["age"] = age.astype(new.num["age"].dtype)
        if "insurance_years_yrd" in new.num:
            cap = np.maximum(age - 16, 0).astype(np.float32)
            new.num["insurance_years_yrd"] = np.minimum(new.num["insurance_years_yrd"], cap).astype(
                new.num["insurance_years_yrd"].dtype)
    if params.profile is not None:
        apply_profile(new, params.profile, seed)
    _months_this_year(new, ids, seed, rep)
    return new


def _months_this_year(new: State, ids: np.ndarray, seed: int, rep: int) -> None:
    """Newcomers arrive during the year: 0-11 whole months already lived (and insured, if employed) by year end."""
    months = np.floor(uniforms(ids, stream_key(seed, rep, MONTHS)) * 12) / 12
    employed = new.num["employed"].astype(bool) if "employed" in new.num else np.ones(new.n, dtype=bool)
    for col, mask in (("residence_years", True), ("insurance_years", employed)):
        if col in new.num:
            new.num[col] = (new.num[col] + months * mask).astype(new.num[col].dtype)
    if "housing" in new.cat:
        for col, kinds in (("owned_home_years", ("owned",)), ("rented_home_years", ("rented", "employer"))):
            if col in new.num:
                new.num[col] = (new.num[col] + months * new.codes_of("housing", kinds)).astype(new.num[col].dtype)


def stochastic_round(x: float, key: int) -> int:
    """floor(x) plus one with probability frac(x), by a keyed draw: unbiased, the same in every variant run."""
    if x <= 0:
        return 0
    base = int(np.floor(x))
    u = float(uniforms(np.array([0], dtype=np.uint64), key)[0])
    return base + int(u < x - base)


def _bands(values: np.ndarray, bands: tuple[tuple[float, float, str], ...]) -> tuple[np.ndarray, list[str]]:
    edges = np.array([b[0] for b in bands[1:]], dtype=np.float64)
    return np.searchsorted(edges, values, side="right"), [b[2] for b in bands]


def composition(state: State, mask: np.ndarray, years: np.ndarray | None) -> list[tuple[str, str, int]]:
    """(dimension, group, count) of the people in ``mask``: education, age band, origin, district, years."""
    out: list[tuple[str, str, int]] = []

    def add(dim: str, codes: np.ndarray, labels: list[str]) -> None:
        counts = np.bincount(codes.astype(np.int64) + 1, minlength=len(labels) + 1)
        out.extend((dim, lab, int(c)) for lab, c in zip(["(missing)", *labels], counts, strict=True) if c)

    for dim in ("education", "district"):
        if dim in state.cat:
            add(dim, state.cat[dim][mask], state.labels[dim])
    if "age" in state.num:
        add("age_band", load_schema().age_band_codes(state.num["age"][mask]), list(load_schema().age_band_labels))
    if "origin_province" in state.cat:
        region = np.array([0 if c == "zhejiang" else 1 if c in YRD_ORIGINS else 2
                           for c in state.labels["origin_province"]] + [-1], dtype=np.int16)
        add("origin", region[state.cat["origin_province"][mask]], ["zhejiang", "other_yrd", "elsewhere"])
    if years is not None:
        add("residence_years", *_bands(years[mask].astype(np.float64), YEARS_BANDS))
    return out


def propensity(total: np.ndarray, line: float | None, params: DynamicsParams, first: bool = False
               ) -> np.ndarray | float:
    """Probability of applying: low + (high - low) * logistic((score - line) / scale); in the route's first round
    (``first``) ``application.first_low`` replaces ``low`` when given."""
    app = params.application
    if line is None or app.scale is None:
        return app.high
    low = app.first_low if first and app.first_low is not None else app.low
    z = np.clip((total - line) / app.scale, -50, 50)
    return low + (app.high - low) / (1.0 + np.exp(-z))


def expected_line(scores: np.ndarray, k: int, params: DynamicsParams, first: bool = False) -> float:
    """The lowest score L at which the expected applicants scoring L or more number at most ``k`` (propensity
    centred at L). The expected count falls as L rises (fewer above it, each less likely to apply), so bisection
    finds it; if even the lowest score gives ``k`` or fewer, the lowest score.
    """
    scores = np.asarray(scores, dtype=np.float64)
    lo, hi = float(scores.min()), float(scores.max())

    def expected(line: float) -> float:
        above = scores[scores >= line]
        return float(np.sum(np.broadcast_to(propensity(above, line, params, first), above.shape)))

    if expected(lo) <= k:
        return lo
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if expected(mid) > k else (lo, mid)
    return float(scores[scores >= hi].min())  # the lowest score at or above it: a line is someone's score


def accrue(state: State, params: DynamicsParams, seed: int, rep: int, year: int) -> None:
    """Age everyone by a year; accrue years; employment transitions; permits (in place)."""
    num, ids, n = state.num, state.ids, state.n
    employed = num["employed"].astype(bool) if "employed" in num else np.ones(n, dtype=bool)
    if "age" in num:
        num["age"] += 1
    if "residence_years" in num:
        num["residence_years"] += 1
    if "insurance_years" in num:
        insured = employed & (uniforms(ids, stream_key(seed, rep, year, INSURED)) < params.employment.insured_share)
        num["insurance_years"] += insured
    permit = num.get("has_residence_permit")
    if permit is not None:
        if "permit_years" in num:
            num["permit_years"] += permit
        home: Any = state.codes_of("housing", ("owned", "rented", "employer")) if "housing" in state.cat else True
        gain = ~permit & (employed | home) & (uniforms(ids, stream_key(seed, rep, year, PERMIT))
                                              < params.permits.take_up)
        permit |= gain
    if "housing" in state.cat:
        if "owned_home_years" in num:
            num["owned_home_years"] += state.codes_of("housing", ("owned",))
        if "rented_home_years" in num:
            num["rented_home_years"] += state.codes_of("housing", ("rented", "employer"))
    if "employed" in num:
        u = uniforms(ids, stream_key(seed, rep, year, JOB))
        emp = num["employed"]
        emp[:] = np.where(emp, u >= params.employment.job_loss, u < params.employment.job_find)


def leaving(state: State, params: DynamicsParams, seed: int, rep: int, year: int) -> np.ndarray:
    """Who leaves the city this year: hazard by years lived there and age; everyone reaching max_age."""
    dep = params.departures
    age = state.num["age"].astype(np.float64) if "age" in state.num else np.zeros(state.n)
    res_years = state.num["residence_years"] if "residence_years" in state.num else np.zeros(state.n)
    hazard = dep.base * np.exp(-dep.years_slope * res_years) + dep.age_rate * np.maximum(age - dep.age_from, 0)
    return (uniforms(state.ids, stream_key(seed, rep, year, LEAVE)) < hazard) | (age + 1 >= dep.max_age)
