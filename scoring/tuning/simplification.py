"""Simplification (精简积分项目): which items can be dropped while changing least who gets in.

Dropping an item sets its points to zero for everyone (the fast evaluator, checked against the engine in tests).
"Who gets in" is compared with today's admitted set: ``changed`` counts the people whose admission flips
(``entered`` + ``left``). With ``hold="count"`` (default) each variant admits as many people as today (the best
that many, ties at the cut-off all admitted), so the comparison is about *who*, not how many; with ``hold="rule"``
the scheme's own rule (its threshold or quota) applies unchanged.

Small schemes are searched exhaustively (every subset of the droppable items); beyond ``exhaustive_limit``
droppable items a greedy search removes, step by step, the item whose removal changes least.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scoring.errors import ScoringInputError
from scoring.scheme.load import Scheme
from scoring.tuning.model import Evaluator, scheme_params

EXHAUSTIVE_LIMIT = 12
HOLDS = ("count", "rule")
Progress = Callable[[int, int], None]


@dataclass
class Removal:
    """Dropping ``items``: admissions changed against today, and the number admitted."""

    items: tuple[str, ...]
    changed: int
    entered: int
    left: int
    admitted: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"items": list(self.items), "changed": self.changed, "entered": self.entered, "left": self.left,
                "admitted": self.admitted}


@dataclass
class SimplifyResult:
    """``singles``: each droppable item alone, least change first. ``best``: per number of items dropped, the
    set that changes least (exhaustive), or the greedy path."""

    scheme: Scheme
    method: str
    hold: str
    admitted: int
    droppable: list[str]
    kept: list[str]
    singles: list[Removal] = field(default_factory=list)
    best: list[Removal] = field(default_factory=list)
    evaluated: int = 0
    population: int = 0
    sample: int = 0

    def frame(self) -> pd.DataFrame:
        """The ranked list: number dropped, items, changed, entered, left, share of today's admitted changed."""
        rows = [{"dropped": len(r.items), "items": ", ".join(r.items), "changed": r.changed, "entered": r.entered,
                 "left": r.left, "admitted": r.admitted, "changed_share": r.changed / max(1, self.admitted)}
                for r in self.best]
        return pd.DataFrame(rows)

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        """JSON-ready form."""
        return {"stamp": self.scheme.stamp(lang), "method": self.method, "hold": self.hold,
                "admitted": self.admitted, "droppable": self.droppable, "kept": self.kept,
                "singles": [r.to_dict() for r in self.singles], "best": [r.to_dict() for r in self.best],
                "evaluated": self.evaluated, "population": self.population, "sample": self.sample}


class _Dropper:
    """Admissions with a set of items dropped, compared with today's."""

    def __init__(self, ev: Evaluator, hold: str) -> None:
        self.ev = ev
        self.hold = hold
        self.names = [p.name for p in ev.params]
        self.theta0 = ev.theta0
        _, _, adm = ev.admission(self.theta0)
        self.base = adm.admitted_mask
        self.count = int(self.base.sum())
        self.evaluated = 0

    def run(self, items: tuple[str, ...]) -> Removal:
        theta = self.theta0.copy()
        for item in items:  # a weight of zero drops the item (its cap no longer matters)
            theta[[n for n, name in enumerate(self.names) if name.split(".")[0] == item and
                   not name.endswith(".cap")]] = 0.0
        quota = self.count if self.hold == "count" else None
        mask = np.zeros_like(self.base) if quota == 0 else self.ev.admission(theta, quota=quota)[2].admitted_mask
        self.evaluated += 1
        entered = int((mask & ~self.base).sum())
        left = int((self.base & ~mask).sum())
        s = self.ev.scale
        return Removal(items, round((entered + left) * s), round(entered * s), round(left * s), round(mask.sum() * s))


def simplify(scheme: Scheme, pop: pd.DataFrame, *, keep: list[str] | None = None, hold: str = "count",
             max_drop: int | None = None, exhaustive_limit: int = EXHAUSTIVE_LIMIT, method: str | None = None,
             sample: int | None = None, seed: int = 0, progress: Progress | None = None) -> SimplifyResult:
    """Rank the items (and sets of items) whose removal changes least who is admitted.

    ``keep`` lists items never dropped (default: the items of the scheme's dominance groups, residence and
    insurance); ``max_drop`` caps the number dropped (default: all droppable but one); ``method`` is "exhaustive"
    or "greedy" (default: exhaustive up to ``exhaustive_limit`` droppable items).
    """
    if hold not in HOLDS:
        raise ScoringInputError(f"hold: value {hold!r}; choose one of {', '.join(HOLDS)}")
    ids = [i.id for i in scheme.items]
    if keep is None:
        keep = [i.id for i in scheme.items if i.group in scheme.dominance.groups]
    unknown = [k for k in keep if k not in ids]
    if unknown:
        raise ScoringInputError(f"keep: no item {unknown[0]!r}; items: {', '.join(ids)}")
    droppable = [i for i in ids if i not in keep]
    limit = len(droppable) if max_drop is None else max(0, min(max_drop, len(droppable)))
    if max_drop is None and not keep:
        limit = max(0, len(droppable) - 1)
    method = method or ("exhaustive" if len(droppable) <= exhaustive_limit else "greedy")
    if method not in ("exhaustive", "greedy"):
        raise ScoringInputError(f"method: value {method!r}; choose exhaustive or greedy")
    ev = Evaluator(scheme, pop, scheme_params(scheme, rel=1e9), sample=sample, seed=seed)
    drop = _Dropper(ev, hold)
    out = SimplifyResult(scheme, method, hold, round(drop.count * ev.scale), droppable, keep,
                         population=ev.n_full, sample=ev.n)
    out.singles = sorted((drop.run((i,)) for i in droppable), key=lambda r: (r.changed, r.items))
    if method == "exhaustive":
        total = sum(_comb(len(droppable), k) for k in range(2, limit + 1))
        done = 0
        if limit >= 1 and out.singles:
            out.best.append(out.singles[0])
        for k in range(2, limit + 1):
            best: Removal | None = None
            for combo in itertools.combinations(droppable, k):
                r = drop.run(combo)
                done += 1
                if best is None or (r.changed, r.items) < (best.changed, best.items):
                    best = r
                if progress and done % 16 == 0:
                    progress(done, total)
            if best is not None:
                out.best.append(best)
    else:
        chosen: tuple[str, ...] = ()
        for step in range(limit):
            options = [drop.run((*chosen, i)) for i in droppable if i not in chosen]
            r = min(options, key=lambda r: (r.changed, r.items))
            chosen = r.items
            out.best.append(r)
            if progress:
                progress(step + 1, limit)
    out.evaluated = drop.evaluated
    return out


def _comb(n: int, k: int) -> int:
    from math import comb

    return comb(n, k)
