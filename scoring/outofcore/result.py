"""The report of an out-of-core run (chunked or Dask), assembled from the aggregates of both passes: the same
counts, admission figures and dominance report as the in-memory path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scoring.dominance import NO_LINE_NOTE, DominanceReport
from scoring.outofcore.core import Context
from scoring.outofcore.plan import Plan
from scoring.outofcore.stats import Pass2Stats, Stats
from scoring.scheme.load import Scheme


# ------------------------------------------------------------------------------------------------------------
# The result
# ------------------------------------------------------------------------------------------------------------
def _design_share(scheme: Scheme, stats: Stats, groups: list[str]) -> float | None:
    from scoring.dominance import design_share_of, item_max_cents

    item_max: dict[str, int] = {}
    for item in scheme.items:
        hist = stats.item_hist.get(item.id)
        if hist is not None:
            item_max[item.id] = max(0, hist.percentile_lower(99)) if hist.n else 0
        else:
            item_max[item.id] = item_max_cents(item, None)
    return design_share_of(scheme, item_max, groups)


def _realised(scheme: Scheme, positive: dict[str, int], groups: list[str], count: int) -> float | None:
    if count == 0:
        return None
    den = sum(positive.values())
    num = sum(positive[i.id] for i in scheme.items if i.group in groups)
    return None if den == 0 else num / den


@dataclass
class OutOfCoreResult:
    """What an out-of-core (chunked or Dask) run reports: the same figures as the in-memory path."""

    scheme: Scheme
    counts: dict[str, int]
    admission: dict[str, Any] | None
    dominance: DominanceReport
    warnings: list[str]
    plan: Plan
    dropped_identifiers: list[str] = field(default_factory=list)  # as the in-memory reader names them

    @classmethod
    def build(cls, ctx: Context, stats: Stats, plan: Plan, p2: Pass2Stats) -> OutOfCoreResult:
        """Assemble the report from the aggregates of both passes."""
        scheme, groups, rule = ctx.scheme, ctx.groups, ctx.rule
        counts = {"rows_in": stats.rows_in, "scored": stats.scored, "rejected": stats.rejected,
                  "eligible": stats.eligible}
        adm = None
        if rule is not None:
            adm = {
                "mode": rule.mode,
                "quota": rule.quota_in_force,
                "threshold": rule.threshold_in_force,
                "ties": rule.ties_plain(),
                "eligible": stats.eligible, "candidates": plan.n_candidates, "admitted": p2.admitted,
                "cutoff": None if plan.cutoff is None else plan.cutoff / 100.0,
                "tied_at_cutoff": plan.tied, "decided_by_tiebreak": plan.decided,
            }
        decisive = plan.decisive_band if plan.fallback is not None else p2.decisive()
        rep = DominanceReport(
            groups=groups, measure=scheme.dominance.measure, min_share=scheme.dominance.min_share,
            design=_design_share(scheme, stats, groups),
            realised_eligible=_realised(scheme, stats.pos_eligible, groups, stats.eligible),
            realised_admitted=_realised(scheme, p2.pos_admitted, groups, p2.admitted) if rule is not None else None,
            decisive=decisive, line=plan.line, window=plan.window,
            near_line=plan.near if plan.line is not None else 0,
        )
        rep.judge([NO_LINE_NOTE] if plan.no_line else [])
        return cls(scheme, counts, adm, rep, stats.warnings, plan, list(stats.dropped))

    def summary(self) -> dict[str, Any]:
        """rows_in, scored, rejected, eligible, the identifier columns dropped (if any), the admission figures (if
        any) and the dominance report."""
        out: dict[str, Any] = dict(self.counts)
        if self.dropped_identifiers:  # as the in-memory payload has it (scoring.cli.core)
            out["dropped_identifiers"] = list(self.dropped_identifiers)
        if self.admission is not None:
            out.update(self.admission)
        out["dominance"] = self.dominance.to_dict()
        out["scheme"] = {"id": self.scheme.id, "version": self.scheme.version}
        return out
