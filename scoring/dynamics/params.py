"""Parameters of the multi-year queue simulation (all ASSUMPTIONS unless a scenario says otherwise).

Every rate is per year. Defaults are round, stated assumptions for a Hangzhou-like migrant pool, not calibrated
figures: Hangzhou does not publish flows of non-hukou residents, applicants or leavers.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from scoring.model_base import StrictModel

# Bounds on input, not figures of any city: a scenario naming more is a typing mistake, or work no run can do.
FIRST_YEAR, LAST_YEAR = 1900, 2200  # the calendar years a scenario may name
MAX_ARRIVALS_PER_YEAR = 100_000_000  # real newcomers a year (China's whole migrant population: 376M, census 2020)


class Arrivals(StrictModel):
    """Newcomers per year (real people): ``per_year`` in the first simulated year, growing by ``growth`` a year.

    Profiles come from a bank of ``bank`` synthetic residents re-based to zero local years. With ``age_mean`` the
    age at arrival is drawn from a normal(age_mean, age_sd) rounded and clipped to [min_age, max_age_at_arrival];
    without it, age at arrival is the drawn age less the drawn years in the city. With ``degree_share`` that share
    of newcomers is drawn from the bank's bachelor-or-higher profiles and the rest from the others (the bank's own
    share otherwise).
    """

    per_year: float = Field(default=0, ge=0, le=MAX_ARRIVALS_PER_YEAR)
    growth: float = Field(default=0.0, gt=-1.0, le=1.0)
    min_age: int = Field(default=16, ge=0, le=100)
    age_mean: float | None = Field(default=None, ge=10, le=80)
    age_sd: float = Field(default=6.0, gt=0, le=40)
    max_age_at_arrival: int = Field(default=59, ge=0, le=100)
    bank: int = Field(default=50_000, ge=100, le=2_000_000)
    degree_share: float | None = Field(default=None, ge=0.0, le=1.0)


class Departures(StrictModel):
    """Yearly hazard of leaving the city: ``base`` falling with years lived there, rising with age past ``age_from``.

    h = base * exp(-years_slope * residence_years) + age_rate * max(0, age - age_from); everyone reaching
    ``max_age`` leaves the pool; h is clipped to [0, 1].
    """

    base: float = Field(default=0.06, ge=0.0, le=1.0)
    years_slope: float = Field(default=0.05, ge=0.0)
    age_from: int = Field(default=50, ge=0, le=120)
    age_rate: float = Field(default=0.01, ge=0.0, le=1.0)
    max_age: int = Field(default=70, ge=1, le=120)


class Employment(StrictModel):
    """Employment transitions: the employed lose a job with ``job_loss``; the others find one with ``job_find``.

    Social-insurance years accrue only for the employed; ``insured_share`` of the employed pay every year.
    """

    job_loss: float = Field(default=0.05, ge=0.0, le=1.0)
    job_find: float = Field(default=0.40, ge=0.0, le=1.0)
    insured_share: float = Field(default=0.9, ge=0.0, le=1.0)


class Permits(StrictModel):
    """Each year a resident without a permit who has a job or a home obtains one with ``take_up``."""

    take_up: float = Field(default=0.5, ge=0.0, le=1.0)


class Application(StrictModel):
    """Propensity to apply, by distance to the line: p = low + (high - low) * logistic((score - line) / scale).

    ``scale: null`` gives the constant ``high``. The line is the rule's threshold, else last year's cut-off. In a
    quota's first year (no cut-off yet) ``first_line: ranked`` takes the quota-th best eligible score;
    ``expected`` makes the first reported year the route's first round (a burn-in's line is not carried over) and
    takes the line people expect if they know how many apply at each distance from it: the score L at which the
    expected number of applicants scoring L or more equals the quota (a fixed point, by bisection). ``first_low``
    (with ``expected``): the propensity far below the line in that first round, when nobody has seen a line yet
    (default ``low``); from the second round people far below a published line apply with ``low``.
    """

    low: float = Field(default=0.3, ge=0.0, le=1.0)
    high: float = Field(default=0.9, ge=0.0, le=1.0)
    scale: float | None = Field(default=5.0, gt=0.0)
    first_line: Literal["ranked", "expected"] = "ranked"
    first_low: float | None = Field(default=None, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _ordered(self) -> Application:
        for low in (self.low, self.first_low):
            if low is not None and low > self.high:
                raise ValueError(f"low {low} must not exceed high {self.high}")
        return self


class Profile(StrictModel):
    """A scenario's own profile of the pool (applied to the starting stock and to every newcomer; ASSUMPTIONS).

    Education by nested shares: ``degree_share`` bachelor or higher; of those ``master_share`` master or higher; of
    those ``doctor_share`` doctors; of the rest ``associate_share`` associate degrees (the others below). High
    income tax (3 years), honours and innovation points with base shares weighted by degree (x0.25 below associate,
    x0.5 associate, x1 bachelor, x2 master or doctor); ``owned_share`` of people own their home (else their
    housing, owned becoming rented); ``stock_age_mean/sd``: the starting stock's age when its records begin;
    ``stock_record_spread``: the stock's insurance records begin over that many years (uniform), not all at once.
    ``outside_core_share``: the share living outside the core districts, whose location years
    (``outside_core_years``) accrue one a year from ``location_from`` (calendar year; None: no location years).
    ``study_share``: the share of people with an associate degree or higher who took their counted degree while
    already insured locally, over ``study_years`` years at most (uniform by month); ``study_deduction`` (the
    residence and employment points of those years) is then subtracted from their total. ``age_lag``: the scheme
    counts completed years of age at a reference date that many years before the round (average; by birth month).
    """

    degree_share: float = Field(default=0.35, ge=0.0, le=1.0)
    master_share: float = Field(default=0.3, ge=0.0, le=1.0)
    doctor_share: float = Field(default=0.1, ge=0.0, le=1.0)
    associate_share: float = Field(default=0.3, ge=0.0, le=1.0)
    tax_share: float = Field(default=0.0, ge=0.0, le=1.0)
    honour_share: float = Field(default=0.0, ge=0.0, le=1.0)
    innovation_share: float = Field(default=0.0, ge=0.0, le=1.0)
    owned_share: float | None = Field(default=None, ge=0.0, le=1.0)
    stock_age_mean: float | None = Field(default=None, ge=16, le=59)
    stock_age_sd: float = Field(default=6.0, gt=0, le=40)
    stock_record_spread: float = Field(default=0.0, ge=0.0, le=30.0)
    outside_core_share: float | None = Field(default=None, ge=0.0, le=1.0)
    location_from: int | None = Field(default=None, ge=FIRST_YEAR, le=LAST_YEAR)
    study_share: float = Field(default=0.0, ge=0.0, le=1.0)
    study_years: float = Field(default=3.0, gt=0.0, le=10.0)
    age_lag: float = Field(default=0.0, ge=0.0, le=5.0)


class DynamicsParams(StrictModel):
    """All dynamics parameters."""

    arrivals: Arrivals = Field(default_factory=Arrivals)
    departures: Departures = Field(default_factory=Departures)
    employment: Employment = Field(default_factory=Employment)
    permits: Permits = Field(default_factory=Permits)
    application: Application = Field(default_factory=Application)
    profile: Profile | None = None
