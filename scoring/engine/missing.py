"""Which missing values reject a row: only those the scheme needs for that row.

A value is needed where it is read: every gate's condition, an item's ``when``, the item's own value where its
``when`` holds, the conditions of a group's conditional caps, and tie-break columns. Inside ``all_of`` the parts are
read in order until one fails; inside ``any_of`` until one holds; a conditional cap's entries until one holds. So a
blank spouse column does not reject a single applicant's row when every item that reads it is behind
``when: {column: has_spouse, equals: true}``. Vectorised over the rows that have a missing value, in blocks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoring.engine.columns import Columns
from scoring.engine.kernels import Scratch, compile_condition
from scoring.scheme.load import Condition, Scheme

BLOCK = 1 << 16


def needed_missing(pop: pd.DataFrame, scheme: Scheme, bad: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """For each column in ``bad`` (its invalid mask over ``pop``), the rows where the value is invalid AND needed."""
    out = {c: np.zeros(len(pop), bool) for c in bad}
    for start in range(0, len(pop), BLOCK):
        sl = slice(start, min(start + BLOCK, len(pop)))
        part = _Needs(pop.iloc[sl], scheme, {c: m[sl] for c, m in bad.items()}).run()
        for c, m in part.items():
            out[c][sl] = m
    return out


class _Needs:
    """Short-circuit evaluation of what a block of rows needs."""

    def __init__(self, pop: pd.DataFrame, scheme: Scheme, bad: dict[str, np.ndarray]) -> None:
        self.scheme = scheme
        self.cols = Columns(pop, scheme)
        self.n = len(pop)
        self.bad = bad
        self.needed = {c: np.zeros(self.n, bool) for c in bad}
        self.scratch = Scratch(self.n)

    def mark(self, columns: list[str], reach: np.ndarray) -> np.ndarray:
        """Record the invalid values of ``columns`` in ``reach`` as needed; returns the rows with one (unknown)."""
        unknown = np.zeros(self.n, bool)
        for c in columns:
            if c in self.bad:
                hit = reach & self.bad[c]
                self.needed[c] |= hit
                unknown |= self.bad[c]
        return unknown

    def condition(self, cond: Condition, reach: np.ndarray, user: str) -> tuple[np.ndarray, np.ndarray]:
        """(value, unknown) of ``cond``; value is meaningful where reached and known."""
        if cond.source is not None:
            unknown = self.mark(cond.columns(), reach)
            value = compile_condition(cond, self.cols, user)(slice(0, self.n), self.scratch).copy()
            return value, unknown
        if cond.not_ is not None:
            value, unknown = self.condition(cond.not_, reach, user)
            return ~value, unknown
        reach = reach.copy()
        unknown = np.zeros(self.n, bool)
        is_all = cond.all_of is not None
        value = np.zeros(self.n, bool)
        for child in cond.children:
            v, u = self.condition(child, reach, user)
            unknown |= reach & u
            known = reach & ~u
            if is_all:
                reach = known & v
            else:
                value |= known & v
                reach = known & ~v
        return (reach if is_all else value), unknown

    def run(self) -> dict[str, np.ndarray]:
        everyone = np.ones(self.n, bool)
        for gate in self.scheme.eligibility:
            self.condition(gate, everyone, f"eligibility gate {gate.id}")
        for item in self.scheme.items:
            reach = everyone
            if item.when is not None:
                value, unknown = self.condition(item.when, everyone, f"item {item.id} (when)")
                reach = value & ~unknown
            self.mark(item.value_columns(), reach)
        for rule in self.scheme.groups.values():
            reach = everyone
            for entry in rule.caps or []:
                if entry.when is None:
                    break
                value, unknown = self.condition(entry.when, reach, "groups (caps)")
                reach = reach & ~unknown & ~value
        adm = self.scheme.admission
        if adm is not None and isinstance(adm.ties, list):
            self.mark([k.column for k in adm.ties if k.column], everyone)
        return self.needed
