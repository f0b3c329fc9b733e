"""Multi-year queue simulation: who gets in, how fast, how the line moves, whether the queue grows or empties.

Each year, vectorised over people (one Python loop over years): score the pool under the scheme (with the
recognition rules applied to the years), note who is eligible for the first time, let the eligible apply with a
propensity that depends on their distance to the line, admit under that year's rule, remove the admitted, let
people leave (hazard by age and years lived in the city), age everyone by a year, accrue residence, insurance
(for the insured employed) and permit years, move people in and out of jobs, grant permits, and add newcomers.

Per year: pool, arrivals, departures, eligible, applicants, admitted, cut-off / line, backlog (eligible, not
admitted), waiting time of the admitted (years since first eligible within the simulation; left-censored at the
first year), composition of the admitted. The pool is conserved: pool_next = pool + arrivals - departures -
admitted. Monte Carlo replications (:func:`simulate_many`) differ only in their random streams.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scoring.admission import admit
from scoring.dynamics_params import DynamicsParams
from scoring.dynamics_state import State, stream_key, uniforms
from scoring.engine import score
from scoring.recognition import RecognitionRules, recognised_arrays
from scoring.scheme import Scheme

APPLY, LEAVE, JOB, INSURED, PERMIT, ARRIVE = range(6)
YRD_ORIGINS = ("anhui", "jiangsu", "shanghai")
AGE_BANDS = ((0, 25, "<25"), (25, 35, "25-34"), (35, 45, "35-44"), (45, 55, "45-54"), (55, 200, "55+"))
YEARS_BANDS = ((0, 3, "<3"), (3, 5, "3-5"), (5, 10, "5-10"), (10, 1000, "10+"))
ArrivalSource = Callable[[int, int], pd.DataFrame]
Progress = Callable[[int], None]


@dataclass(frozen=True)
class YearRule:
    """One year's admission rule: a quota (None = no cap), a threshold (None = no line), and the tie policy.

    With neither, every eligible applicant is admitted.
    """

    quota: int | None = None
    threshold: float | None = None
    ties: Any = "admit_all"

    def describe(self) -> str:
        """e.g. "quota 8000 + line 100", "line 100", "no cap"."""
        parts = ([f"quota {self.quota}"] if self.quota is not None else []) + (
            [f"line {self.threshold:g}"] if self.threshold is not None else [])
        return " + ".join(parts) or "no cap, no line"


@dataclass
class Simulation:
    """One replication: ``yearly`` (one row per year), ``composition`` and ``waiting`` (long tables)."""

    yearly: pd.DataFrame
    composition: pd.DataFrame
    waiting: pd.DataFrame


def default_arrivals(n: int, seed: int) -> pd.DataFrame:
    """Newcomer profiles drawn with :func:`scoring.synth.synth` (re-based by :func:`rebase_newcomers`)."""
    from scoring.synth import synth

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


def _bands(values: np.ndarray, bands: tuple[tuple[float, float, str], ...]) -> tuple[np.ndarray, list[str]]:
    edges = np.array([b[0] for b in bands[1:]], dtype=np.float64)
    return np.searchsorted(edges, values, side="right"), [b[2] for b in bands]


def _composition(state: State, mask: np.ndarray, years: np.ndarray | None) -> list[tuple[str, str, int]]:
    """(dimension, group, count) of the people in ``mask``: education, age band, origin, district, years."""
    out: list[tuple[str, str, int]] = []

    def add(dim: str, codes: np.ndarray, labels: list[str]) -> None:
        counts = np.bincount(codes.astype(np.int64) + 1, minlength=len(labels) + 1)
        out.extend((dim, lab, int(c)) for lab, c in zip(["(missing)", *labels], counts, strict=True) if c)

    for dim in ("education", "district"):
        if dim in state.cat:
            add(dim, state.cat[dim][mask], state.labels[dim])
    if "age" in state.num:
        add("age_band", *_bands(state.num["age"][mask].astype(np.float64), AGE_BANDS))
    if "origin_province" in state.cat:
        region = np.array([0 if c == "zhejiang" else 1 if c in YRD_ORIGINS else 2
                           for c in state.labels["origin_province"]] + [-1], dtype=np.int16)
        add("origin", region[state.cat["origin_province"][mask]], ["zhejiang", "other_yrd", "elsewhere"])
    if years is not None:
        add("residence_years", *_bands(years[mask].astype(np.float64), YEARS_BANDS))
    return out


def _propensity(total: np.ndarray, line: float | None, params: DynamicsParams) -> np.ndarray | float:
    app = params.application
    if line is None or app.scale is None:
        return app.high
    z = np.clip((total - line) / app.scale, -50, 50)
    return app.low + (app.high - app.low) / (1.0 + np.exp(-z))


def _admit(res: Any, rule: YearRule, applicants: np.ndarray) -> tuple[np.ndarray, int | None, int]:
    """(admitted mask, cut-off in cents or None, tied at the cut-off)."""
    if rule.quota is None and rule.threshold is None:
        admitted = applicants & res.eligible_mask
        if not admitted.any():
            return admitted, None, 0
        low = int(res.total_cents[admitted].min())
        return admitted, low, int((res.total_cents[admitted] == low).sum())
    adm = admit(res, quota=rule.quota, threshold=rule.threshold, ties=rule.ties, candidates=applicants)
    return adm.admitted_mask, adm.cutoff_cents, adm.tied_at_cutoff


def _accrue(state: State, params: DynamicsParams, seed: int, rep: int, year: int) -> None:
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
        home = state.codes_of("housing", ("owned", "rented", "employer")) if "housing" in state.cat else True
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


def simulate(pop: pd.DataFrame, scheme: Scheme, rules: Sequence[YearRule], params: DynamicsParams | None = None,
             *, recognition: RecognitionRules | dict[str, bool] | None = None, seed: int = 0, replication: int = 0,
             start_year: int = 0, arrivals: ArrivalSource | None = None, progress: Progress | None = None
             ) -> Simulation:
    """Run one replication over ``len(rules)`` years starting from ``pop`` (which is not modified)."""
    params = params or DynamicsParams()
    rec = RecognitionRules.from_any(recognition)
    arrivals = arrivals or default_arrivals
    state = State.from_frame(pop, np.arange(len(pop), dtype=np.uint64))
    first = np.full(state.n, -1, dtype=np.int16)
    next_id = state.n
    columns = scheme.columns()
    rec_cols = ("insurance_years", "insurance_years_yrd", "pension_transferred", "residence_years",
                "residence_years_other_districts")
    rows, comp, wait = [], [], []
    prev_cutoff: float | None = None
    dep = params.departures
    for t, rule in enumerate(rules):
        year = start_year + t
        eff = recognised_arrays({c: state.num[c] for c in rec_cols if c in state.num}, rec) if rec.any else {}
        res = score(state.frame(columns, eff), scheme)
        eligible = res.eligible_mask
        first[eligible & (first < 0)] = t
        total = res.total_cents / 100.0
        line = rule.threshold if rule.threshold is not None else prev_cutoff
        if line is None and rule.quota is not None and rule.quota > 0 and eligible.any():
            elig_scores = total[eligible]
            k = min(rule.quota, len(elig_scores))
            line = float(np.partition(elig_scores, len(elig_scores) - k)[len(elig_scores) - k])
        p = _propensity(total, line, params)
        applicants = eligible & (uniforms(state.ids, stream_key(seed, replication, t, APPLY)) < p)
        admitted, cutoff_cents, tied = _admit(res, rule, applicants)
        cutoff = None if cutoff_cents is None else cutoff_cents / 100.0
        if cutoff is not None and rule.quota is not None:
            prev_cutoff = cutoff
        n_adm = int(admitted.sum())
        waits = (t - first[admitted]).astype(np.int64)
        years = eff.get("residence_years", state.num.get("residence_years"))
        comp.extend((year, *c) for c in _composition(state, admitted, years))
        wait.extend((year, w, int(c)) for w, c in enumerate(np.bincount(waits, minlength=1)) if c)

        age = state.num["age"].astype(np.float64) if "age" in state.num else np.zeros(state.n)
        res_years = state.num["residence_years"] if "residence_years" in state.num else np.zeros(state.n)
        hazard = dep.base * np.exp(-dep.years_slope * res_years) + dep.age_rate * np.maximum(age - dep.age_from, 0)
        leave = (uniforms(state.ids, stream_key(seed, replication, t, LEAVE)) < hazard) | (age + 1 >= dep.max_age)
        departed = ~admitted & leave
        stay = ~admitted & ~departed
        n_pool, n_elig, n_app, n_dep = state.n, int(eligible.sum()), int(applicants.sum()), int(departed.sum())
        at_line = applicants if rule.threshold is None else applicants & (
            res.total_cents >= int(round(rule.threshold * 100)))
        state = state.take(stay)
        first = first[stay]
        _accrue(state, params, seed, replication, t)

        n_arr = int(round(params.arrivals.per_year * (1.0 + params.arrivals.growth) ** t))
        if n_arr:
            drawn = rebase_newcomers(arrivals(n_arr, stream_key(seed, replication, t, ARRIVE) % (2**31)),
                                     params.arrivals.min_age)
            new = State.from_frame(drawn, np.arange(next_id, next_id + n_arr, dtype=np.uint64))
            next_id += n_arr
            state = state.append(new)
            first = np.concatenate([first, np.full(n_arr, -1, dtype=np.int16)])
        rows.append({
            "year": year, "pool": n_pool, "arrivals": n_arr, "departures": n_dep, "eligible": n_elig,
            "applicants": n_app, "applicants_at_line": int(at_line.sum()), "admitted": n_adm, "quota": rule.quota,
            "threshold": rule.threshold,
            "cutoff": cutoff, "line": rule.threshold if rule.threshold is not None else cutoff,
            "tied_at_cutoff": tied, "backlog": n_elig - n_adm, "backlog_applicants": n_app - n_adm,
            "wait_mean": float(waits.mean()) if n_adm else np.nan,
            "wait_median": float(np.median(waits)) if n_adm else np.nan,
            "pool_next": state.n,
        })
        if progress is not None:
            progress(1)
    yearly = pd.DataFrame(rows)
    for col in ("quota", "threshold"):
        yearly[col] = yearly[col].astype("Float64" if col == "threshold" else "Int64")
    return Simulation(
        yearly=yearly,
        composition=pd.DataFrame(comp, columns=["year", "dimension", "group", "admitted"]),
        waiting=pd.DataFrame(wait, columns=["year", "wait_years", "admitted"]),
    )


METRICS = ("pool", "arrivals", "departures", "eligible", "applicants", "admitted", "cutoff", "line", "backlog",
           "wait_mean", "pool_next")


@dataclass
class MonteCarlo:
    """Replications of one run: per-replication tables with a ``rep`` column, and summaries with intervals."""

    yearly: pd.DataFrame
    composition: pd.DataFrame
    waiting: pd.DataFrame
    replications: int
    rules: list[YearRule] = field(default_factory=list)

    def summary(self, low: float = 0.05, high: float = 0.95) -> pd.DataFrame:
        """Per year: mean of each metric and its [low, high] quantiles over replications (``admitted_p05`` ...)."""
        g = self.yearly.groupby("year")
        cols = [m for m in METRICS if m in self.yearly]
        data = self.yearly[["year", *cols]].astype({c: "float64" for c in cols})
        g = data.groupby("year")
        out = g[cols].mean()
        lo, hi = g[cols].quantile(low), g[cols].quantile(high)
        for c in cols:
            out[f"{c}_p{round(low * 100):02d}"] = lo[c]
            out[f"{c}_p{round(high * 100):02d}"] = hi[c]
        first = self.yearly[self.yearly["rep"] == self.yearly["rep"].min()].set_index("year")
        out.insert(0, "rule", [r.describe() for r in self.rules] if self.rules else "")
        out.insert(1, "quota", first["quota"])
        out.insert(2, "threshold", first["threshold"])
        return out.reset_index()

    def totals(self) -> dict[str, float]:
        """Totals over the horizon, averaged over replications."""
        per_rep = self.yearly.groupby("rep")
        admitted = per_rep["admitted"].sum()
        waits = self.waiting.groupby("rep").apply(
            lambda w: float(np.average(w["wait_years"], weights=w["admitted"])) if w["admitted"].sum() else np.nan,
            include_groups=False,
        )
        last = self.yearly[self.yearly["year"] == self.yearly["year"].max()]
        return {
            "admitted_total": float(admitted.mean()),
            "admitted_total_p05": float(admitted.quantile(0.05)),
            "admitted_total_p95": float(admitted.quantile(0.95)),
            "wait_mean": float(waits.mean()),
            "backlog_final": float(last["backlog"].mean()),
            "pool_final": float(last["pool_next"].mean()),
        }

    def composition_summary(self) -> pd.DataFrame:
        """Admitted over the horizon by dimension and group: mean count over replications and share."""
        c = self.composition.groupby(["dimension", "group"], observed=True)["admitted"].sum() / self.replications
        out = c.rename("admitted").reset_index()
        out["share"] = out["admitted"] / out.groupby("dimension")["admitted"].transform("sum")
        return out

    def waiting_summary(self) -> pd.DataFrame:
        """Distribution of waiting years over the horizon: mean count over replications and share."""
        w = self.waiting.groupby("wait_years")["admitted"].sum() / self.replications
        out = w.rename("admitted").reset_index()
        out["share"] = out["admitted"] / out["admitted"].sum() if out["admitted"].sum() else 0.0
        return out


def simulate_many(pop: pd.DataFrame, scheme: Scheme, rules: Sequence[YearRule], params: DynamicsParams | None = None,
                  *, replications: int = 1, seed: int = 0, progress: Progress | None = None, **kwargs: Any
                  ) -> MonteCarlo:
    """``replications`` runs of :func:`simulate` (replication r uses streams keyed by (seed, r))."""
    sims = [simulate(pop, scheme, rules, params, seed=seed, replication=r, progress=progress, **kwargs)
            for r in range(replications)]

    def cat(name: str) -> pd.DataFrame:
        return pd.concat([getattr(s, name).assign(rep=r) for r, s in enumerate(sims)], ignore_index=True)

    return MonteCarlo(cat("yearly"), cat("composition"), cat("waiting"), replications, list(rules))
