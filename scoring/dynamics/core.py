"""Multi-year queue simulation: who gets in, how fast, how the line moves, whether the queue grows or empties.

Each year, vectorised over people (one Python loop over years): score the pool under that year's scheme (with the
recognition rules applied to the years), note who is eligible for the first time, let the eligible apply with a
propensity that depends on their distance to the line, admit under that year's rule, remove the admitted, let
people leave (hazard by age and years lived in the city), age everyone by a year, accrue residence, insurance
(for the insured employed) and permit years, move people in and out of jobs, grant permits, and add newcomers.

**Real-world units.** Each simulated person stands for ``ratio`` real people. Quotas and arrivals are given in
real people and scaled inside: the sample quota is quota / ratio, rounded stochastically (floor, plus one with
probability equal to the fraction, by a draw keyed to seed, replication and year, so the expected sample quota is
exactly quota / ratio and every variant run draws the same). Everyone tied at the sample line is admitted under
``ties: admit_all``. Every count reported (pool, arrivals, departures, eligible, applicants, admitted, backlog,
tied, composition, waiting) is the sample count times ``ratio``.

**Burn-in.** ``burn_in`` years run before the first reported year with ``burn_in_rule`` (None: the route does not
exist yet, nobody is scored or admitted), so the starting pool is made by the flows, not by a cross-section.

Per year: pool, arrivals, departures, eligible, applicants, admitted, cut-off / line, backlog (eligible, not
admitted), waiting time of the admitted (years since first eligible within the reported years; left-censored at
the first year), composition and score distribution of the admitted. The pool is conserved:
pool_next = pool + arrivals - departures - admitted. Replications (:func:`simulate_many`) differ only in their
random streams.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from scoring.admission import admit
from scoring.dynamics.flows import (
    AGE_BANDS,
    APPLY,
    ARRIVE,
    ROUND,
    YEARS_BANDS,
    accrue,
    arrival_bank,
    composition,
    default_arrivals,
    expected_line,
    leaving,
    newcomers,
    propensity,
    rebase_newcomers,
    stochastic_round,
)
from scoring.dynamics.mc import METRICS, MonteCarlo, combine
from scoring.dynamics.params import DynamicsParams
from scoring.dynamics.profile import accrue_location, apply_profile, scored_age, study_deduction_cents
from scoring.dynamics.services import NEED_COLUMNS, admitted_needs
from scoring.dynamics.state import State, stream_key, uniforms
from scoring.engine.core import score
from scoring.evaluation import admission_line
from scoring.population.pathway_spec import load_parameters
from scoring.recognition import RecognitionRules, recognised_arrays
from scoring.scheme.load import Scheme

__all__ = ["AGE_BANDS", "METRICS", "YEARS_BANDS", "MonteCarlo", "Simulation", "YearRule", "default_arrivals",
           "rebase_newcomers", "simulate", "simulate_many"]
ArrivalSource = Callable[[int, int], pd.DataFrame]
Progress = Callable[[int], None]
COUNTS = ("pool", "arrivals", "departures", "eligible", "applicants", "applicants_at_line", "admitted",
          "tied_at_cutoff", "backlog", "backlog_applicants", "pool_next", *NEED_COLUMNS)
REC_COLS = ("insurance_years", "insurance_years_yrd", "pension_transferred", "residence_years",
            "residence_years_other_districts")


@dataclass(frozen=True)
class YearRule:
    """One year's admission rule: a quota in real people (None = no cap), a threshold (None = no line), the tie
    policy, and optionally the scheme in force that year (None = the run's scheme).

    With neither quota nor threshold, every eligible applicant is admitted.
    """

    quota: int | None = None
    threshold: float | None = None
    ties: Any = "admit_all"
    scheme: Scheme | None = field(default=None, compare=False, repr=False)

    def describe(self) -> str:
        """e.g. "quota 8000 + line 100", "line 100", "no cap"; with the scheme id when the rule switches it."""
        parts = ([f"quota {self.quota}"] if self.quota is not None else []) + (
            [f"line {self.threshold:g}"] if self.threshold is not None else [])
        text = " + ".join(parts) or "no cap, no line"
        return f"{text} · {self.scheme.id}" if self.scheme is not None else text

    def key(self) -> str:
        """A text key identifying the rule including its scheme (for reusing identical runs)."""
        sid = "" if self.scheme is None else f"{self.scheme.id}@{self.scheme.version}"
        return f"{self.quota}|{self.threshold}|{self.ties!r}|{sid}"


@dataclass
class Simulation:
    """One replication: ``yearly`` (one row per year), ``composition``, ``waiting`` and ``scores`` (long tables)."""

    yearly: pd.DataFrame
    composition: pd.DataFrame
    waiting: pd.DataFrame
    scores: pd.DataFrame | None = None
    start: pd.DataFrame | None = None


def _admit(res: Any, quota: int | None, rule: YearRule, applicants: np.ndarray
           ) -> tuple[np.ndarray, int | None, int, float | None]:
    """(admitted mask, cut-off in cents or None, tied at the cut-off, the line: :func:`admission_line`, the one
    meaning of "the line"); ``quota`` in sample units."""
    if quota is None and rule.threshold is None:  # no cap and no line: every eligible applicant
        adm = admit(res, mode="none", ties="admit_all", candidates=applicants)
    else:
        adm = admit(res, quota=quota, threshold=rule.threshold, ties=rule.ties, candidates=applicants)
    return adm.admitted_mask, adm.cutoff_cents, adm.tied_at_cutoff, admission_line(adm)


def _profile_composition(state: State, admitted: np.ndarray, deduction: np.ndarray | None
                         ) -> list[tuple[str, str, int]]:
    """The admitted with a study-period deduction and with high-income-tax points (the lists report both)."""
    out: list[tuple[str, str, int]] = []
    n = int(admitted.sum())
    if deduction is not None:
        k = int((deduction[admitted] > 0).sum())
        out += [("study_deduction", "deducted", k), ("study_deduction", "none", n - k)]
    if "tax_years_high" in state.num:
        k = int((state.num["tax_years_high"][admitted] > 0).sum())
        out += [("tax", "paid", k), ("tax", "none", n - k)]
    return out


def _sample_quota(rule: YearRule, ratio: float, key: int) -> int | None:
    if rule.quota is None:
        return None
    return int(rule.quota) if ratio == 1.0 else stochastic_round(rule.quota / ratio, key)


def simulate(pop: pd.DataFrame, scheme: Scheme, rules: Sequence[YearRule], params: DynamicsParams | None = None,
             *, recognition: RecognitionRules | dict[str, bool] | None = None, seed: int = 0, replication: int = 0,
             start_year: int = 0, arrivals: ArrivalSource | None = None, progress: Progress | None = None,
             ratio: float = 1.0, burn_in: int = 0, burn_in_rule: YearRule | None = None,
             area: Sequence[str] | None = None,
             burn_in_recognition: RecognitionRules | dict[str, bool] | None = None) -> Simulation:
    """Run one replication over ``len(rules)`` reported years starting from ``pop`` (which is not modified).

    ``ratio``: real people per simulated person (quotas and arrivals are real; counts reported real).
    ``burn_in``: unreported years run first under ``burn_in_rule`` (None: no route, nobody admitted) and
    ``burn_in_recognition`` (default: none; the scenario's recognition rules start with its first year).
    ``area``: districts whose residents may use the route; the pool and the newcomers are restricted to them.
    ``arrivals``: a legacy source of newcomer frames ``(n, seed)``; by default newcomers come from the bank.
    """
    if not ratio > 0:
        raise ValueError("ratio must be > 0")
    params = params or DynamicsParams()
    rec = RecognitionRules.from_any(recognition)
    burn_rec = RecognitionRules.from_any(burn_in_recognition)
    if area is not None and "district" in pop:
        pop = pop[pop["district"].astype("string").isin(list(area)).to_numpy()]
    state = State.from_frame(pop, np.arange(len(pop), dtype=np.uint64))
    if params.profile is not None and state.n:
        apply_profile(state, params.profile, seed, stock=True)
    bank = None if arrivals is not None else arrival_bank(params, seed, area)
    first = np.full(state.n, -1, dtype=np.int16)
    next_id = max(state.n, 1) + 10_000_000  # newcomer ids never collide with the starting pool's
    rows, comp, wait, dist = [], [], [], []
    prev_cutoff: float | None = None
    years_all: list[tuple[int, YearRule | None]] = [(t, burn_in_rule) for t in range(-burn_in, 0)]
    years_all += list(enumerate(rules))
    start: pd.DataFrame | None = None
    svc_params = load_parameters()
    for t, rule in years_all:
        year = start_year + t
        reported = t >= 0
        if t == 0:
            start = state.frame([*state.num, *state.cat])
        n_pool = state.n
        admitted = np.zeros(state.n, dtype=bool)
        n_elig = n_app = n_at_line = tied = 0
        cutoff = year_line = None
        quota_s = None
        total = np.zeros(state.n)
        if rule is not None:
            sch = rule.scheme or scheme
            year_rec = rec if reported else burn_rec
            eff = recognised_arrays({c: state.num[c] for c in REC_COLS if c in state.num}, year_rec) \
                if year_rec.any else {}
            prof = params.profile
            if prof is not None and prof.age_lag and "age" in state.num:
                eff = {**eff, "age": scored_age(state, prof, seed)}
            res = score(state.frame(sch.columns(), eff), sch)
            deduction = study_deduction_cents(state, prof, seed) if prof is not None else None
            if deduction is not None:
                res = replace(res, total_cents=res.total_cents - deduction,
                              item_cents={**res.item_cents, "study_deduction": -deduction})
            eligible = res.eligible_mask
            if reported:
                first[eligible & (first < 0)] = t
            total = res.total_cents / 100.0
            quota_s = _sample_quota(rule, ratio, stream_key(seed, replication, t, ROUND))
            line = rule.threshold if rule.threshold is not None else prev_cutoff
            first_round = t == 0 and params.application.first_line == "expected"
            if first_round:
                line = rule.threshold  # the route's first round: no line seen yet (burn-in channels aside)
            if line is None and quota_s is not None and quota_s > 0 and eligible.any():
                elig_scores = total[eligible]
                k = min(quota_s, len(elig_scores))
                line = float(np.partition(elig_scores, len(elig_scores) - k)[len(elig_scores) - k])
                if params.application.first_line == "expected":
                    line = expected_line(elig_scores, k, params, first_round)
            p = propensity(total, line, params, first_round)
            applicants = eligible & (uniforms(state.ids, stream_key(seed, replication, t, APPLY)) < p)
            admitted, cutoff_cents, tied, year_line = _admit(res, quota_s, rule, applicants)
            cutoff = None if cutoff_cents is None else cutoff_cents / 100.0
            if cutoff is not None and rule.quota is not None:
                prev_cutoff = cutoff
            n_elig, n_app = int(eligible.sum()), int(applicants.sum())
            at_line = applicants if rule.threshold is None else applicants & (
                res.total_cents >= int(round(rule.threshold * 100)))
            n_at_line = int(at_line.sum())
            if reported:
                years = eff.get("residence_years", state.num.get("residence_years"))
                comp.extend((year, *c) for c in composition(state, admitted, years))
                if prof is not None:  # a scenario's own profile: the list items it draws, for share targets
                    comp.extend((year, *c) for c in _profile_composition(state, admitted, deduction))
                waits = (t - first[admitted]).astype(np.int64)
                wait.extend((year, w, int(c)) for w, c in enumerate(np.bincount(waits, minlength=1)) if c)
                pts = np.floor(total[admitted]).astype(np.int64)
                if len(pts):
                    lo = int(pts.min())
                    dist.extend((year, lo + i, int(c)) for i, c in enumerate(np.bincount(pts - lo)) if c)
        n_adm = int(admitted.sum())
        needs = admitted_needs(state, admitted, svc_params) if reported else {}
        waits_adm = (t - first[admitted]).astype(np.int64) if reported and n_adm else np.zeros(0, np.int64)
        departed = ~admitted & leaving(state, params, seed, replication, t)
        n_dep = int(departed.sum())
        stay = ~admitted & ~departed
        state = state.take(stay)
        first = first[stay]
        accrue(state, params, seed, replication, t)
        if params.profile is not None:
            accrue_location(state, params.profile, seed, year)

        real_arr = params.arrivals.per_year * (1.0 + params.arrivals.growth) ** t
        n_arr = int(round(real_arr)) if ratio == 1.0 else stochastic_round(
            real_arr / ratio, stream_key(seed, replication, t, ROUND, 1))
        if n_arr:
            ids = np.arange(next_id, next_id + n_arr, dtype=np.uint64)
            if bank is not None:
                new = newcomers(bank, ids, params, seed, replication) if bank.n else None
            else:
                drawn = rebase_newcomers(arrivals(n_arr, stream_key(seed, replication, t, ARRIVE) % (2**31)),
                                         params.arrivals.min_age)
                new = State.from_frame(drawn, ids)
            next_id += n_arr
            if new is not None:
                state = state.append(new)
                first = np.concatenate([first, np.full(new.n, -1, dtype=np.int16)])
            else:
                n_arr = 0
        if reported:
            rows.append({
                "year": year, "pool": n_pool, "arrivals": n_arr, "departures": n_dep, "eligible": n_elig,
                "applicants": n_app, "applicants_at_line": n_at_line, "admitted": n_adm,
                "quota": rule.quota if rule is not None else None, "sample_quota": quota_s,
                "threshold": rule.threshold if rule is not None else None,
                "cutoff": cutoff, "line": year_line,
                "tied_at_cutoff": tied, "backlog": n_elig - n_adm, "backlog_applicants": n_app - n_adm,
                "score_mean": float(total[admitted].mean()) if n_adm else np.nan,
                "score_median": float(np.median(total[admitted])) if n_adm else np.nan,
                "wait_mean": float(waits_adm.mean()) if n_adm else np.nan,
                "wait_median": float(np.median(waits_adm)) if n_adm else np.nan,
                "pool_next": state.n, **needs,
            })
            if progress is not None:
                progress(1)
    yearly = pd.DataFrame(rows)
    for col in ("quota", "sample_quota", "threshold"):
        yearly[col] = yearly[col].astype("Float64" if col == "threshold" else "Int64")
    comp_df = pd.DataFrame(comp, columns=["year", "dimension", "group", "admitted"])
    wait_df = pd.DataFrame(wait, columns=["year", "wait_years", "admitted"])
    dist_df = pd.DataFrame(dist, columns=["year", "score", "admitted"])
    if ratio != 1.0:
        for col in COUNTS:
            yearly[col] = yearly[col].astype("float64") * ratio
        for frame in (comp_df, wait_df, dist_df):
            frame["admitted"] = frame["admitted"].astype("float64") * ratio
    yearly.insert(1, "ratio", float(ratio))
    return Simulation(yearly=yearly, composition=comp_df, waiting=wait_df, scores=dist_df, start=start)


def simulate_many(pop: pd.DataFrame, scheme: Scheme, rules: Sequence[YearRule], params: DynamicsParams | None = None,
                  *, replications: int = 1, seed: int = 0, progress: Progress | None = None, **kwargs: Any
                  ) -> MonteCarlo:
    """``replications`` runs of :func:`simulate` (replication r uses streams keyed by (seed, r))."""
    sims = [simulate(pop, scheme, rules, params, seed=seed, replication=r, progress=progress, **kwargs)
            for r in range(replications)]
    return combine(sims, rules, float(kwargs.get("ratio", 1.0)))
