"""Old rules against new: pathway counts side by side and the marginal effect of each rule change made alone.

Each difference between the old and the new rule set is measured both ways (:func:`scoring.pathways.rules.with_change`):

- **added to the old set** (``newly``, ``lost``, ``net``): what would this change alone have done to the old system?
  Under the old quota-based points route a change that raises scores only reshuffles who takes the fixed places,
  so recognition of years looks near zero here;
- **taken out of the new set** (``without_lost``, ``without_gained``, ``without_net``): what does this change
  contribute to the new system, all else as now? ``without_lost`` counts who qualifies under the new rules but would
  not without this change.

Neither column sums to the total: routes overlap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from scoring.pathways.core import PathwayResult, evaluate
from scoring.pathways.rules import RuleSet, rule_changes, unit_label, with_change
from scoring.pathways.tables import ANY, group_keys

MARGINAL_QUESTIONS = {
    "zh": {"newly": "在旧规则上单独施加此项改动：新增符合条件者（此改动单独会对旧制度产生什么影响）",
           "without_lost": "从新规则中单独撤去此项改动：失去资格者（此改动对新制度的贡献）"},
    "en": {"newly": "added alone to the old rules: who newly qualifies (what this change alone would do to the old "
                    "system)",
           "without_lost": "taken alone out of the new rules: who no longer qualifies (what this change contributes "
                           "to the new system)"},
}


@dataclass
class PathwayComparison:
    """Two rule sets over one population, with the marginal effect of each change."""

    old: PathwayResult
    new: PathwayResult
    marginal: pd.DataFrame   # one row per changed unit

    @property
    def newly(self) -> np.ndarray:
        """Qualifies under the new rules by some route and under the old by none."""
        return self.new.any & ~self.old.any

    @property
    def lost(self) -> np.ndarray:
        """Qualified under the old rules, by no route under the new."""
        return self.old.any & ~self.new.any

    def stamp(self, lang: str = "zh") -> str:
        """Both rule sets' stamps."""
        return f"{self.new.stamp(lang)} ⟷ {self.old.stamp(lang)}"

    def table(self, lang: str = "zh") -> pd.DataFrame:
        """Per pathway: qualifying under the old and the new rules and the change (plus "any route")."""
        ids = list(dict.fromkeys([*self.old.rules.pathways, *self.new.rules.pathways]))
        rows = []
        for pid in ids:
            pathway = self.new.rules.pathways.get(pid) or self.old.rules.pathways[pid]
            o = int(self.old.masks[pid].sum()) if pid in self.old.masks else 0
            n = int(self.new.masks[pid].sum()) if pid in self.new.masks else 0
            rows.append({"pathway": pid, "label": pathway.label.get(lang), "clause": pathway.clause or "",
                         "old": o, "new": n, "change": n - o})
        o, n = int(self.old.any.sum()), int(self.new.any.sum())
        rows.append({"pathway": "any", "label": ANY[lang], "clause": "", "old": o, "new": n, "change": n - o})
        return pd.DataFrame(rows)

    def by_group(self, by: str) -> pd.DataFrame:
        """Per group: people, qualifying by any route under the old and new rules, newly qualifying."""
        keys = group_keys(self.new.population, by)
        out = pd.DataFrame({"people": keys.groupby(keys, observed=False).size()})
        for name, mask in (("old", self.old.any), ("new", self.new.any), ("newly", self.newly)):
            out[name] = pd.Series(mask.astype(np.int64), index=keys.index).groupby(keys, observed=False).sum()
        out.index = out.index.astype(str)
        out.index.name = by
        return out.reset_index()

    def summary(self) -> dict[str, Any]:
        """Headline figures as plain data (JSON-ready)."""
        return {
            "old": self.old.summary(), "new": self.new.summary(),
            "newly_qualifying": int(self.newly.sum()), "no_longer_qualifying": int(self.lost.sum()),
            "changes": self.marginal.drop(columns=["label_en"]).to_dict(orient="records"),
            "sum_of_marginal_newly": int(self.marginal["newly"].sum()) if len(self.marginal) else 0,
            "readings": {"new": self.new.rules.readings_in_force("en"), "old": self.old.rules.readings_in_force("en")},
            "marginal_questions": MARGINAL_QUESTIONS["en"],
        }


def compare(pop: pd.DataFrame, old: RuleSet, new: RuleSet) -> PathwayComparison:
    """Evaluate both rule sets and each single change added to ``old`` and taken out of ``new`` (shared cache)."""
    cache: dict[Any, Any] = {}
    res_old = evaluate(pop, old, cache=cache)
    res_new = evaluate(pop, new, cache=cache)
    base_any = res_old.any
    base_permit = res_old.permit.eligible if res_old.permit is not None else None
    rows = []
    for unit in rule_changes(old, new):
        alone = evaluate(pop, with_change(old, new, unit), cache=cache)
        any_ = alone.any
        row: dict[str, Any] = {
            "change": unit, "label": unit_label(unit, old, new, "zh"), "label_en": unit_label(unit, old, new, "en"),
            "newly": int((any_ & ~base_any).sum()), "lost": int((base_any & ~any_).sum()),
            "net": int(any_.sum() - base_any.sum()),
        }
        if base_permit is not None and alone.permit is not None:
            row["permit_newly"] = int((alone.permit.eligible & ~base_permit).sum())
            row["permit_lost"] = int((base_permit & ~alone.permit.eligible).sum())
        for pid in alone.enabled:
            before = res_old.masks.get(pid, np.zeros(len(base_any), dtype=bool))
            row[f"newly_{pid}"] = int((alone.masks[pid] & ~before).sum())
        without = evaluate(pop, with_change(new, old, unit), cache=cache).any
        row["without_lost"] = int((res_new.any & ~without).sum())
        row["without_gained"] = int((without & ~res_new.any).sum())
        row["without_net"] = int(without.sum() - res_new.any.sum())
        rows.append(row)
    table = pd.DataFrame(rows)
    counts = [c for c in table.columns if c not in ("change", "label", "label_en")]
    table[counts] = table[counts].fillna(0).astype(np.int64)
    return PathwayComparison(res_old, res_new, table)
