"""A scenario's own applicant profile: redraw the items a points scheme rewards beyond accrued years.

The synthetic generator's people are Hangzhou-calibrated. A scenario for another city can give
``dynamics.profile`` (every value an ASSUMPTION to be fitted): the education mix (nested shares, so each is free in
[0, 1]), the share paying high income tax (the tax item's 3 years), honours, innovation points, home ownership and,
for the starting stock, an age profile. It is applied to the starting pool and to every newcomer, by draws keyed to
(seed, person id) only, so a calibration that changes a share changes only the people on the margin (common random
numbers, a smooth objective).

Three rules of Beijing's lists that its scheme file does not carry are applied here too (each share an ASSUMPTION):
the location item's years accrue from the year the rules count them (:func:`accrue_location`); the study-period
deduction (:func:`study_deduction_cents`: the residence and employment points earned while studying for the counted
degree); and the age reference date (:func:`scored_age`: completed years some time before the round).
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

from scoring.dynamics.params import Profile
from scoring.dynamics.state import State, stream_key, uniforms

PROFILE = 11  # stream id (after the flows' streams 0-9 and 10 reserved)
EDU, TAX, HONOUR, INNOV, INNOV_PTS, OWN, AGE, MONTH, OUTSIDE, STUDY, STUDY_YEARS, BIRTH = range(12)
STUDIED = ("associate", "bachelor", "master", "doctor")
INNOVATION_POINTS = np.array([2, 4, 6, 8, 12], dtype=np.float64)
INNOVATION_CUM = np.cumsum([0.4, 0.25, 0.15, 0.1, 0.1])
# Tax and honours are more common with a higher degree (ASSUMPTION): weight by level.
LEVEL_WEIGHT = {"below": 0.25, "associate": 0.5, "bachelor": 1.0, "master": 2.0, "doctor": 2.0}


def _codes(state: State, column: str, labels: tuple[str, ...]) -> list[int]:
    """The codes of ``labels`` in a categorical column, adding missing labels to the column's list."""
    have = list(state.labels[column])
    for lab in labels:
        if lab not in have:
            have.append(lab)
    state.labels[column] = have
    return [have.index(lab) for lab in labels]


def education_levels(profile: Profile, u: np.ndarray) -> np.ndarray:
    """Level per person from one uniform: 0 below associate, 1 associate, 2 bachelor, 3 master, 4 doctor."""
    deg = profile.degree_share
    p_doc = deg * profile.master_share * profile.doctor_share
    p_mas = deg * profile.master_share - p_doc
    p_bac = deg - p_doc - p_mas
    p_ass = (1.0 - deg) * profile.associate_share
    cum = np.cumsum([p_doc, p_mas, p_bac, p_ass])
    return 4 - np.searchsorted(cum, u, side="right").clip(0, 4)


def apply_profile(state: State, profile: Profile, seed: int, stock: bool = False) -> None:
    """Redraw education, tax, honours, innovation and housing (and the stock's age) of ``state`` in place."""
    ids = state.ids
    state.labels = dict(state.labels)  # a taken State shares its labels with its source

    def u(stream: int) -> np.ndarray:
        return uniforms(ids, stream_key(seed, PROFILE, stream))

    level = education_levels(profile, u(EDU))
    if "education" in state.cat:
        names = ("junior_secondary", "associate", "bachelor", "master", "doctor")
        codes = np.array(_codes(state, "education", names), dtype=np.int16)
        state.cat["education"] = codes[level]
    weight = np.array([LEVEL_WEIGHT[k] for k in ("below", "associate", "bachelor", "master", "doctor")])[level]
    if "tax_years_high" in state.num:
        tax = u(TAX) < np.minimum(profile.tax_share * weight, 1.0)
        state.num["tax_years_high"] = (3 * tax).astype(state.num["tax_years_high"].dtype)
    if "has_honour" in state.num:
        state.num["has_honour"] = u(HONOUR) < np.minimum(profile.honour_share * weight, 1.0)
    if "innovation_points" in state.num:
        has = u(INNOV) < np.minimum(profile.innovation_share * weight, 1.0)
        pts = INNOVATION_POINTS[np.searchsorted(INNOVATION_CUM, u(INNOV_PTS), side="right").clip(0, 4)]
        state.num["innovation_points"] = np.where(has, pts, 0).astype(state.num["innovation_points"].dtype)
    if profile.owned_share is not None and "housing" in state.cat:
        owned, rented = _codes(state, "housing", ("owned", "rented"))
        own = u(OWN) < profile.owned_share
        h = state.cat["housing"]
        state.cat["housing"] = np.where(own, owned, np.where(h == owned, rented, h)).astype(np.int16)
    if stock:
        _stock(state, profile, u(AGE), u(MONTH))


def _stock(state: State, profile: Profile, u_age: np.ndarray, u_month: np.ndarray) -> None:
    """The starting stock: its age when the records begin, and the months of that first year already on record
    (0-11, so that the stock's years are not all whole years: no artificial mass ties at the line); with
    ``stock_record_spread`` S, each person's insurance record instead begins after a delay uniform on [0, S) years
    (by month): coverage spread over the first years rather than starting for everyone at once."""
    months = np.floor(u_month * 12) / 12
    if "insurance_years" in state.num and profile.stock_record_spread > 0:
        # records that began later: insurance years start below zero and reach zero after the delay (in months)
        delay = np.floor(u_month * 12 * profile.stock_record_spread) / 12
        state.num["insurance_years"] = (state.num["insurance_years"] - delay).astype(state.num["insurance_years"].dtype)
        months = np.zeros_like(months)
    has: dict[str, np.ndarray | bool] = {"residence_years": True, "insurance_years": True}
    if "housing" in state.cat:
        has["owned_home_years"] = state.codes_of("housing", ("owned",))
        has["rented_home_years"] = state.codes_of("housing", ("rented", "employer"))
    for col, mask in has.items():
        if col in state.num:
            state.num[col] = (state.num[col] + months * mask).astype(state.num[col].dtype)
    if profile.stock_age_mean is not None and "age" in state.num:
        z = ndtri(np.clip(u_age, 1e-9, 1 - 1e-9))
        age = np.clip(np.rint(profile.stock_age_mean + profile.stock_age_sd * z), 16, 59)
        state.num["age"] = age.astype(state.num["age"].dtype)


def accrue_location(state: State, profile: Profile, seed: int, year: int) -> None:
    """One more location year (``outside_core_years``) for the people living outside the core districts, from
    ``profile.location_from`` on (in place; who lives outside is a draw keyed to the person)."""
    share, start = profile.outside_core_share, profile.location_from
    if share is None or start is None or year < start or "outside_core_years" not in state.num:
        return
    outside = uniforms(state.ids, stream_key(seed, PROFILE, OUTSIDE)) < share
    col = state.num["outside_core_years"]
    state.num["outside_core_years"] = (col + outside).astype(col.dtype)


def study_deduction_cents(state: State, profile: Profile, seed: int) -> np.ndarray | None:
    """The study-period deduction in cents per person (None if the profile has none): ``study_share`` of the people
    with an associate degree or higher studied for it while insured, for a time uniform on (0, study_years] by month
    (at most their insurance years); they lose 3 employment points a year and 1 (owned home) or 0.5 (other) residence
    points a year of it."""
    if not profile.study_share or "education" not in state.cat or "insurance_years" not in state.num:
        return None
    ids = state.ids
    studied = state.codes_of("education", STUDIED) & (
        uniforms(ids, stream_key(seed, PROFILE, STUDY)) < profile.study_share)
    months = np.ceil(uniforms(ids, stream_key(seed, PROFILE, STUDY_YEARS)) * 12 * profile.study_years)
    years = np.minimum(months / 12, np.maximum(state.num["insurance_years"].astype(np.float64), 0.0))
    rate = 3.0 + (np.where(state.codes_of("housing", ("owned",)), 1.0, 0.5) if "housing" in state.cat else 0.5)
    return np.where(studied, np.rint(years * rate * 100), 0).astype(np.int64)


def scored_age(state: State, profile: Profile, seed: int) -> np.ndarray:
    """The age the scheme counts: completed years at a reference date ``age_lag`` years (on average) before the
    round, by a birth-month draw keyed to the person: age - floor(age_lag + u)."""
    age = state.num["age"]
    lag = np.floor(profile.age_lag + uniforms(state.ids, stream_key(seed, PROFILE, BIRTH)))
    return (age.astype(np.float64) - lag).astype(age.dtype)
