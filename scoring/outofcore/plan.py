"""Between the out-of-core passes: the plan (exact global cut-off from the summed histograms, the tie arithmetic,
the line), the tied band broken as in memory, and pass 2 (admit one batch, sum the moments near the line).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from scoring.admission import break_ties
from scoring.dominance import DEFAULT_WINDOW, MIN_NEAR, deciding_line
from scoring.outofcore.core import GROUP, HELPER, TOTAL, Context
from scoring.outofcore.stats import Pass2Stats, Stats
from scoring.scheme.load import AdmissionRule


# ------------------------------------------------------------------------------------------------------------
# The plan: cut-off, ties and line from the aggregates
# ------------------------------------------------------------------------------------------------------------
@dataclass
class Plan:
    """How pass 2 admits and measures, found from the pass-1 aggregates (and the gathered band)."""

    admission: bool
    rule: AdmissionRule | None
    n_eligible: int
    n_candidates: int = 0
    cutoff: int | None = None  # cents
    tied: int = 0
    left: int = 0
    admit_all_tied: bool = True
    chosen: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # labels admitted from the tie band
    decided: int = 0
    line: float | None = None
    line_cents: int = 0
    window: float = DEFAULT_WINDOW
    window_cents: int = 0
    near: int = 0
    fallback: tuple[int, int] | None = None  # (distance of the k-th nearest, how many taken at that distance)
    decisive_band: float | None = None
    band_done: bool = False
    no_line: bool = False  # every eligible applicant admitted: no line decides

    @property
    def needs_band(self) -> bool:
        """True when the tied band or the nearest people must be gathered before pass 2."""
        return not self.band_done and (not self.admit_all_tied or self.fallback is not None)


def make_plan(ctx: Context, stats: Stats) -> Plan:
    """The exact global cut-off (k-th largest of the summed histograms), the tie arithmetic and the line."""
    h = stats.hist
    plan = Plan(admission=ctx.admission, rule=ctx.rule, n_eligible=h.n)
    rule = ctx.rule
    if rule is not None:
        cand = h
        if rule.threshold_in_force is not None:
            cand = h.at_least(int(round(rule.threshold_in_force * 100)))
        plan.n_candidates = cand.n
        places = cand.n if rule.quota_in_force is None else int(rule.quota_in_force)
        if cand.n and places:
            if cand.n <= places:
                plan.cutoff, plan.tied = int(cand.values[0]), int(cand.counts[0])
            else:
                plan.cutoff = cand.kth_largest(places)
                plan.tied = int(cand.counts[np.searchsorted(cand.values, plan.cutoff)])
                plan.left = places - int(cand.counts[cand.values > plan.cutoff].sum())
                plan.admit_all_tied = rule.ties == "admit_all" or plan.tied <= plan.left
    line = None
    if rule is not None:
        quota, threshold = rule.quota_in_force, rule.threshold_in_force
        cutoff = plan.cutoff / 100.0 if plan.cutoff is not None else None
        line = deciding_line(quota, threshold, plan.n_candidates, cutoff)
        plan.no_line = line is None
    scheme = ctx.scheme
    if line is None and not plan.no_line and scheme.admission is not None and scheme.admission.threshold is not None:
        line = scheme.admission.threshold
    if line is None and h.n:
        line = h.median() / 100.0
    plan.line, plan.window = line, scheme.dominance.window or DEFAULT_WINDOW
    if line is None:
        plan.band_done = plan.admit_all_tied
        return plan
    plan.line_cents, plan.window_cents = int(round(line * 100)), int(round(plan.window * 100))
    plan.near = h.count_between(plan.line_cents - plan.window_cents, plan.line_cents + plan.window_cents)
    k = min(MIN_NEAR, h.n)
    if plan.near < k:  # the nearest k eligible
        dist = np.abs(h.values - plan.line_cents)
        order = np.argsort(dist, kind="stable")
        reach = int(dist[order][np.searchsorted(np.cumsum(h.counts[order]), k)])
        plan.fallback = (reach, k - int(h.counts[dist < reach].sum()))
    return plan


def band_mask(total: np.ndarray, eligible: np.ndarray, plan: Plan) -> np.ndarray:
    """The rows the plan must see individually: the tied band and the nearest to the line (eligible only)."""
    want = np.zeros(len(total), dtype=bool)
    if not plan.admit_all_tied:
        want |= total == plan.cutoff
    if plan.fallback is not None:
        want |= np.abs(total - plan.line_cents) <= plan.fallback[0]
    return want & eligible.astype(bool, copy=False)


def band_rows(scored: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """The rows of one batch that the plan must see individually: the tied band and the nearest to the line."""
    want = band_mask(scored[TOTAL].to_numpy(), scored["eligible"].to_numpy(dtype=bool), plan)
    return scored.loc[want, [c for c in scored.columns if str(c).startswith(HELPER)]]


def finish_plan(plan: Plan, band: pd.DataFrame, stats: Stats) -> Plan:
    """Break the tie at the cut-off (same chain and lottery keys as in memory) and measure the nearest band."""
    plan = replace(plan, band_done=True)
    band = band.sort_index(kind="stable")
    if not plan.admit_all_tied:
        tied = band.loc[band[TOTAL].to_numpy() == plan.cutoff]
        cols: dict[str, Any] = {}
        for key in plan.rule.ties:  # type: ignore[union-attr]
            if key.column and key.column not in cols:
                values = tied[HELPER + key.column]
                cats = stats.categories.get(key.column)
                cols[key.column] = pd.Categorical(values.to_numpy(dtype=object), categories=cats) \
                    if cats is not None else values.to_numpy()
        pop = pd.DataFrame(cols, index=tied.index)
        like = SimpleNamespace(index=tied.index, population=pop)
        chosen = break_ties(like, np.arange(len(tied)), plan.left, plan.rule.ties)  # type: ignore[arg-type, union-attr]
        plan.chosen = np.asarray(tied.index[np.sort(chosen)], dtype=np.int64)
        plan.decided = len(chosen)
    if plan.fallback is not None:
        reach, take = plan.fallback
        dist = np.abs(band[TOTAL].to_numpy() - plan.line_cents)
        at_reach = np.flatnonzero(dist == reach)[:take]
        near = np.zeros(len(band), dtype=bool)
        near[dist < reach] = True
        near[at_reach] = True
        plan.near = int(near.sum())
        plan.decisive_band = Pass2Stats.of(band[GROUP].to_numpy()[near], band[TOTAL].to_numpy()[near]).decisive()
    return plan


# ------------------------------------------------------------------------------------------------------------
# Pass 2
# ------------------------------------------------------------------------------------------------------------
def pass2_batch(scored: pd.DataFrame, plan: Plan, item_ids: list[str]) -> tuple[np.ndarray, Pass2Stats]:
    """Admit the rows of one batch and sum the moments near the line."""
    return pass2_arrays(lambda c: scored[c].to_numpy(), np.asarray(scored.index, np.int64), plan, item_ids)


def pass2_arrays(column: Callable[[str], np.ndarray], labels: np.ndarray, plan: Plan, item_ids: list[str]
                 ) -> tuple[np.ndarray, Pass2Stats]:
    """:func:`pass2_batch` on columns given as numpy arrays (``column(name)``) and the global row labels."""
    total = column(TOTAL)
    group = column(GROUP)
    elig = column("eligible").astype(bool, copy=False)
    admitted = np.zeros(len(total), dtype=bool)
    if plan.admission and plan.cutoff is not None:
        admitted = elig & (total > plan.cutoff)
        at = elig & (total == plan.cutoff)
        admitted |= at if plan.admit_all_tied else at & np.isin(np.asarray(labels, np.int64), plan.chosen)
    rows = np.flatnonzero(admitted)  # few: gathered once for every item
    pos = {k: int(np.maximum(np.rint(np.asarray(column(k)).take(rows) * 100.0), 0).sum()) for k in item_ids}
    if plan.line is not None and plan.fallback is None:
        near = elig & (np.abs(total - plan.line_cents) <= plan.window_cents)
        stats = Pass2Stats.of(group[near], total[near])
    else:
        stats = Pass2Stats(0, {})
    stats.admitted, stats.pos_admitted = int(admitted.sum()), pos
    return admitted, stats
