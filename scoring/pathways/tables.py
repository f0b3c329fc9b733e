"""Tables over pathway results: settlers by pathway, UpSet-style overlaps, groups, permit eligibility.

All tables are aggregates (counts and shares) computed with numpy/pandas group operations, never per person.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from scoring.population.schema import age_band

if TYPE_CHECKING:
    from scoring.pathways.core import PathwayResult

YRD_OTHER = ("shanghai", "jiangsu", "anhui")
GROUPINGS = ("education", "age_band", "origin_group", "district", "urban_area", "sex", "marital_status")
ANY = {"zh": "任一途径", "en": "any route"}


def group_keys(pop: pd.DataFrame, by: str) -> pd.Series:
    """Group labels per person: a column, or the derived ``age_band`` (the population schema's bands) /
    ``origin_group``."""
    if by == "age_band":
        return pd.Series(age_band(pop["age"].to_numpy()), index=pop.index)
    if by == "origin_group":
        origin = pop["origin_province"].astype(object)
        codes = np.where(origin == "zhejiang", "zhejiang", np.where(origin.isin(YRD_OTHER), "yrd_other", "other"))
        return pd.Series(pd.Categorical(codes, categories=["zhejiang", "yrd_other", "other"]), index=pop.index)
    if by not in pop.columns:
        from scoring.errors import PopulationError

        raise PopulationError(f"group by {by!r}: the population has no such column; "
                              f"choices: {', '.join(GROUPINGS)}")
    from scoring.pathways.rules import allowed_values

    allowed = allowed_values(by)
    if allowed is not None and not isinstance(pop[by].dtype, pd.CategoricalDtype):
        return pd.Series(pd.Categorical(pop[by].astype(object), categories=list(allowed)), index=pop.index)
    return pop[by]


def _count_by(keys: pd.Series, mask: np.ndarray) -> pd.Series:
    return pd.Series(mask.astype(np.int64), index=keys.index).groupby(keys, observed=False).sum()


class TablesMixin:
    """Tables of a :class:`scoring.pathways.core.PathwayResult`."""

    def by_pathway(self: PathwayResult, lang: str = "zh") -> pd.DataFrame:  # type: ignore[misc]
        """One row per pathway (and one for "any route"): who qualifies, share, and who qualifies by it alone."""
        any_mask = self.any
        n_routes = sum(self.masks[p].astype(np.int8) for p in self.enabled) if self.enabled else np.zeros(self.n)
        rows: list[dict[str, Any]] = []
        for pid, pathway in self.rules.pathways.items():
            m = self.masks[pid]
            rows.append({
                "pathway": pid, "label": pathway.label.get(lang), "clause": pathway.clause or "",
                "enabled": pathway.enabled, "qualify": int(m.sum()),
                "share": float(m.mean()) if self.n else 0.0,
                "only_this_route": int((m & (n_routes == 1)).sum()),
            })
        rows.append({"pathway": "any", "label": ANY[lang], "clause": "", "enabled": True,
                     "qualify": int(any_mask.sum()), "share": float(any_mask.mean()) if self.n else 0.0,
                     "only_this_route": int((n_routes == 1).sum())})
        return pd.DataFrame(rows)

    def combinations(self: PathwayResult, include_none: bool = True) -> pd.DataFrame:  # type: ignore[misc]
        """UpSet-style table: one row per combination of routes, with its count and share (largest first)."""
        ids = self.enabled
        code = np.zeros(self.n, dtype=np.int64)
        for bit, pid in enumerate(ids):
            code |= self.masks[pid].astype(np.int64) << bit
        values, counts = np.unique(code, return_counts=True)
        table = pd.DataFrame({pid: (values >> bit) & 1 == 1 for bit, pid in enumerate(ids)})
        table["routes"] = [int(v).bit_count() for v in values]
        table["count"] = counts.astype(np.int64)
        table["share"] = counts / max(self.n, 1)
        if not include_none:
            table = table[table["routes"] > 0]
        return table.sort_values(["count", "routes"], ascending=[False, True]).reset_index(drop=True)

    def by_group(self: PathwayResult, by: str) -> pd.DataFrame:  # type: ignore[misc]
        """People, and who qualifies by each route and by any route, per group of ``by``."""
        keys = group_keys(self.population, by)
        out = pd.DataFrame({"people": keys.groupby(keys, observed=False).size()})
        for pid in self.enabled:
            out[pid] = _count_by(keys, self.masks[pid])
        out["any"] = _count_by(keys, self.any)
        out["any_share"] = (out["any"] / out["people"].where(out["people"] > 0)).fillna(0.0)
        out.index = out.index.astype(str)
        out.index.name = by
        return out.reset_index()

    def permit_by_group(self: PathwayResult, by: str) -> pd.DataFrame:  # type: ignore[misc]
        """Residence-permit eligibility per group: resident long enough, each condition, eligible, holders."""
        if self.permit is None:
            from scoring.errors import ScoringInputError

            raise ScoringInputError(f"{self.rules.path}: the rule set has no permit: rule")
        keys = group_keys(self.population, by)
        out = pd.DataFrame({"people": keys.groupby(keys, observed=False).size()})
        out["resident"] = _count_by(keys, self.permit.resident)
        for cid, mask in self.permit.conditions.items():
            out[f"cond_{cid}"] = _count_by(keys, self.permit.resident & mask)
        out["eligible"] = _count_by(keys, self.permit.eligible)
        out["eligible_share"] = (out["eligible"] / out["people"].where(out["people"] > 0)).fillna(0.0)
        if "has_residence_permit" in self.population.columns:
            holders = self.population["has_residence_permit"].fillna(False).to_numpy(dtype=bool)
            out["holders"] = _count_by(keys, holders)
        out.index = out.index.astype(str)
        out.index.name = by
        return out.reset_index()

    def summary(self: PathwayResult) -> dict[str, Any]:  # type: ignore[misc]
        """Headline figures as plain data (JSON-ready)."""
        out: dict[str, Any] = {
            "rules": self.rules.id, "version": self.rules.version, "status": self.rules.status,
            "stamp": {"zh": self.stamp("zh"), "en": self.stamp("en")},
            "people": self.n, "recognition": self.rules.recognition.model_dump(),
            "readings": self.rules.readings_in_force("en"), "overrides": dict(self.rules.overrides),
            "pathways": {pid: int(self.masks[pid].sum()) for pid in self.rules.pathways},
            "any": int(self.any.sum()),
            "multiple_routes": int((sum(self.masks[p].astype(np.int8) for p in self.enabled) > 1).sum())
            if self.enabled else 0,
        }
        if self.permit is not None:
            out["permit"] = {"resident": int(self.permit.resident.sum()), "eligible": int(self.permit.eligible.sum()),
                             **{f"cond_{k}": int((self.permit.resident & v).sum())
                                for k, v in self.permit.conditions.items()}}
        if self.points:
            out["points"] = {pid: {"scheme": o.scheme.id, "version": o.scheme.version, **o.admission.summary()}
                             for pid, o in self.points.items()}
        return out
