"""Mergeable aggregates of scored batches: exact histograms of integer cents and the pass-1 / pass-2 sums.

Counts, integer sums and histograms only, so batches can be combined in any grouping and the merged figures equal
those of the whole population in memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scoring.scheme.load import Scheme


# ------------------------------------------------------------------------------------------------------------
# Exact histograms of integer cents
# ------------------------------------------------------------------------------------------------------------
@dataclass
class Hist:
    """An exact histogram of integer cents: sorted distinct values and their counts."""

    values: np.ndarray
    counts: np.ndarray

    @classmethod
    def of(cls, cents: np.ndarray) -> Hist:
        """The histogram of an integer array (a bincount when the range is small, else np.unique)."""
        cents = np.asarray(cents, dtype=np.int64)
        if cents.size == 0:
            return cls(np.empty(0, np.int64), np.empty(0, np.int64))
        lo, hi = int(cents.min()), int(cents.max())
        if hi - lo < 1 << 22:
            counts = np.bincount(cents - lo)
            nz = np.flatnonzero(counts)
            return cls(nz.astype(np.int64) + lo, counts[nz].astype(np.int64))
        values, counts = np.unique(cents, return_counts=True)
        return cls(values.astype(np.int64), counts.astype(np.int64))

    def merge(self, other: Hist) -> Hist:
        """The histogram of both samples together."""
        if other.values.size == 0:
            return self
        if self.values.size == 0:
            return other
        values, inverse = np.unique(np.concatenate([self.values, other.values]), return_inverse=True)
        counts = np.zeros(values.size, dtype=np.int64)
        np.add.at(counts, inverse, np.concatenate([self.counts, other.counts]))
        return Hist(values, counts)

    @property
    def n(self) -> int:
        """Number of people counted."""
        return int(self.counts.sum())

    def at_least(self, cents: int) -> Hist:
        """The part at or above ``cents``."""
        keep = self.values >= cents
        return Hist(self.values[keep], self.counts[keep])

    def count_between(self, lo: int, hi: int) -> int:
        """People with lo <= value <= hi."""
        keep = (self.values >= lo) & (self.values <= hi)
        return int(self.counts[keep].sum())

    def sorted_value(self, i: int) -> int:
        """The i-th smallest value (0-based), as if the sample were sorted."""
        return int(self.values[np.searchsorted(np.cumsum(self.counts), i, side="right")])

    def kth_largest(self, k: int) -> int:
        """The k-th largest value (1-based): the quota cut-off of k places."""
        return self.sorted_value(self.n - k)

    def median(self) -> float:
        """np.median of the sample."""
        n = self.n
        if n % 2:
            return float(self.sorted_value(n // 2))
        return float(np.mean([float(self.sorted_value(n // 2 - 1)), float(self.sorted_value(n // 2))]))

    def percentile_lower(self, q: float) -> int:
        """np.percentile(sample, q, method="lower")."""
        return self.sorted_value(int(np.floor((self.n - 1) * np.true_divide(q, 100))))


# ------------------------------------------------------------------------------------------------------------
# Aggregates
# ------------------------------------------------------------------------------------------------------------
def design_items(scheme: Scheme) -> list[str]:
    """Ids of the uncapped per-unit items whose design maximum is measured on the population (99th percentile)."""
    return [i.id for i in scheme.items if i.kind == "per_unit" and (i.points_per_unit or 0) > 0 and i.cap is None]


def _merge_lists(a: list[Any], b: list[Any]) -> list[Any]:
    seen = set(a)
    return a + [x for x in b if x not in seen]


@dataclass
class Stats:
    """Pass-1 aggregates of some batches; :meth:`merge` in row order gives those of the whole file."""

    rows_in: int
    scored: int
    rejected: int
    eligible: int
    hist: Hist  # total cents of the eligible
    pos_eligible: dict[str, int]  # positive item cents summed over the eligible
    item_hist: dict[str, Hist]  # item cents of every scored person, for uncapped per-unit items (design share)
    categories: dict[str, list[Any]] = field(default_factory=dict)  # tie columns that are categorical
    warnings: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # identifier columns dropped (drop_identifiers), file order

    @classmethod
    def empty(cls, scheme: Scheme) -> Stats:
        """Aggregates of nothing."""
        h = Hist.of(np.empty(0, np.int64))
        return cls(0, 0, 0, 0, h, {i.id: 0 for i in scheme.items}, {i: h for i in design_items(scheme)})

    def merge(self, o: Stats) -> Stats:
        """Combine with the aggregates of later rows."""
        return Stats(
            self.rows_in + o.rows_in, self.scored + o.scored, self.rejected + o.rejected, self.eligible + o.eligible,
            self.hist.merge(o.hist), {k: v + o.pos_eligible[k] for k, v in self.pos_eligible.items()},
            {k: v.merge(o.item_hist[k]) for k, v in self.item_hist.items()},
            {k: _merge_lists(self.categories.get(k, []), o.categories.get(k, []))
             for k in dict.fromkeys([*self.categories, *o.categories])},
            _merge_lists(self.warnings, o.warnings), _merge_lists(self.dropped, o.dropped),
        )


@dataclass
class Pass2Stats:
    """Pass-2 aggregates: the admitted and the decisive-share moments near the line (exact integers)."""

    admitted: int
    pos_admitted: dict[str, int]
    near: int = 0
    s_g: int = 0
    s_t: int = 0
    s_gt: int = 0
    s_tt: int = 0

    @classmethod
    def empty(cls, scheme: Scheme) -> Pass2Stats:
        """Aggregates of nothing."""
        return cls(0, {i.id: 0 for i in scheme.items})

    def merge(self, o: Pass2Stats) -> Pass2Stats:
        """Combine two batches' aggregates."""
        keys = dict.fromkeys([*self.pos_admitted, *o.pos_admitted])
        pos = {k: self.pos_admitted.get(k, 0) + o.pos_admitted.get(k, 0) for k in keys}
        return Pass2Stats(self.admitted + o.admitted, pos,
                          self.near + o.near, self.s_g + o.s_g, self.s_t + o.s_t, self.s_gt + o.s_gt,
                          self.s_tt + o.s_tt)

    @classmethod
    def of(cls, group: np.ndarray, total: np.ndarray) -> Pass2Stats:
        """Moments of (group, total) cents of the people near the line."""
        g, t = group.astype(np.int64), total.astype(np.int64)
        return cls(0, {}, len(t), int(g.sum()), int(t.sum()), int(np.dot(g, t)),
                   int(np.dot(t, t)))

    def decisive(self) -> float | None:
        """Cov(group, total) / Var(total) from the moments (None when undefined, as in memory)."""
        if self.near < 2:
            return None
        var = self.near * self.s_tt - self.s_t * self.s_t
        return None if var == 0 else (self.near * self.s_gt - self.s_g * self.s_t) / var
