"""Impact of a reform: pure functions of (baseline, reform) single-year outcomes.

An :class:`Outcome` is a :class:`scoring.evaluation.Evaluation` (a scored population, its admission and, on first
use, its dominance report); baseline and reform are matched person by person on the population index (people
scored in both). None of these functions modifies its inputs. ::

    base = outcome(pop, load_scheme("scenarios/schemes/hangzhou-2022-illustrative.yaml"))
    reform = outcome(pop, load_scheme("scenarios/schemes/hangzhou-2023-illustrative.yaml"))
    counts(base, reform); transitions(base, reform); rank_correlation(base, reform); jaccard(base, reform)
    composition(base, reform, "education"); item_contributions(reform); dominance_side_by_side(base, reform)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from scoring.dynamics.core import AGE_BANDS, YEARS_BANDS
from scoring.evaluation import Evaluation, evaluate
from scoring.scheme.load import Scheme, merge_scheme_dicts, scheme_from_dict

KENDALL_SAMPLE = 100_000


Outcome = Evaluation  # one scored and admitted population; ``label`` names it in tables


def outcome(pop: pd.DataFrame, scheme: Scheme, *, quota: int | None = None, threshold: float | None = None,
            ties: Any = None, label: str = "") -> Outcome:
    """Score ``pop`` under ``scheme`` and admit (the scheme's rule unless quota/threshold are given)."""
    return evaluate(pop, scheme, quota=quota, threshold=threshold, ties=ties, require_rule=True, label=label)


def _aligned(base: Outcome, reform: Outcome) -> tuple[np.ndarray, np.ndarray]:
    """Positions in base and reform of the people scored in both (same order)."""
    bi, ri = base.res.index, reform.res.index
    if bi.equals(ri):
        pos = np.arange(len(bi))
        return pos, pos
    common = bi.intersection(ri, sort=False)
    return bi.get_indexer(common), ri.get_indexer(common)


def counts(base: Outcome, reform: Outcome) -> dict[str, Any]:
    """Eligible, admitted, cut-off and line (:attr:`Evaluation.line`, the score needed to be admitted) under each,
    and the reform's change in admitted."""
    out: dict[str, Any] = {}
    for key, o in (("baseline", base), ("reform", reform)):
        out[key] = {"label": o.name, "eligible": int(o.res.eligible_mask.sum()), "admitted": o.adm.admitted_count,
                    "cutoff": o.adm.cutoff, "quota": o.adm.quota, "threshold": o.adm.threshold, "line": o.line}
    out["admitted_change"] = out["reform"]["admitted"] - out["baseline"]["admitted"]
    return out


def transitions(base: Outcome, reform: Outcome) -> dict[str, int]:
    """People newly admitted, newly excluded, admitted under both, excluded under both (matched people)."""
    b, r = _aligned(base, reform)
    a0, a1 = base.adm.admitted_mask[b], reform.adm.admitted_mask[r]
    return {"matched": len(b), "newly_admitted": int((~a0 & a1).sum()), "newly_excluded": int((a0 & ~a1).sum()),
            "admitted_both": int((a0 & a1).sum()), "excluded_both": int((~a0 & ~a1).sum()),
            "unchanged": int((a0 == a1).sum())}


def jaccard(base: Outcome, reform: Outcome) -> float | None:
    """|admitted in both| / |admitted in either| over matched people (None if nobody is admitted)."""
    b, r = _aligned(base, reform)
    a0, a1 = base.adm.admitted_mask[b], reform.adm.admitted_mask[r]
    union = int((a0 | a1).sum())
    return None if union == 0 else int((a0 & a1).sum()) / union


def rank_correlation(base: Outcome, reform: Outcome, *, eligible_only: bool = True, sample: int = KENDALL_SAMPLE,
                     seed: int = 0) -> dict[str, Any]:
    """Kendall tau-b between the two rankings (total scores) of matched people.

    ``eligible_only`` keeps people eligible under both. Above ``sample`` people a seeded random sample of that
    size is used and ``sampled`` says so.
    """
    b, r = _aligned(base, reform)
    if eligible_only:
        keep = base.res.eligible_mask[b] & reform.res.eligible_mask[r]
        b, r = b[keep], r[keep]
    n = len(b)
    sampled = n > sample
    if sampled:
        pick = np.sort(np.random.default_rng(seed).choice(n, size=sample, replace=False))
        b, r = b[pick], r[pick]
    if len(b) < 2:
        return {"tau": None, "pvalue": None, "n": len(b), "population": n, "sampled": sampled}
    from scipy import stats  # imported when used: scipy.stats costs about a second at start-up

    res = stats.kendalltau(base.res.total_cents[b], reform.res.total_cents[r])
    tau = None if np.isnan(res.statistic) else float(res.statistic)
    return {"tau": tau, "pvalue": None if np.isnan(res.pvalue) else float(res.pvalue), "n": len(b),
            "population": n, "sampled": sampled}


def group_labels(pop: pd.DataFrame, column: str) -> pd.Series:
    """The group of each person for ``column``: categories as they are, age and years columns in bands."""
    s = pop[column]
    if isinstance(s.dtype, pd.CategoricalDtype) or not pd.api.types.is_numeric_dtype(s.dtype) or \
            pd.api.types.is_bool_dtype(s.dtype):
        return s.astype("string").fillna("(missing)")
    bands = AGE_BANDS if column == "age" else YEARS_BANDS
    edges = [b[0] for b in bands[1:]]
    codes = np.searchsorted(np.asarray(edges, dtype=np.float64), s.to_numpy(dtype=np.float64), side="right")
    return pd.Series(np.array([b[2] for b in bands], dtype=object)[codes], index=s.index, dtype="string")


def composition(base: Outcome, reform: Outcome, column: str) -> pd.DataFrame:
    """Admitted by group of ``column`` under each: counts, shares and the change in share (reform - baseline)."""
    parts = {}
    for key, o in (("baseline", base), ("reform", reform)):
        groups = group_labels(o.res.population, column)[o.adm.admitted_mask]
        parts[key] = groups.value_counts()
    out = pd.DataFrame(parts).fillna(0).astype("int64")
    out.index.name = "group"
    for key in ("baseline", "reform"):
        tot = out[key].sum()
        out[f"{key}_share"] = out[key] / tot if tot else 0.0
    out["share_change"] = out["reform_share"] - out["baseline_share"]
    out.insert(0, "dimension", column)
    return out.reset_index().sort_values(["dimension", "group"], ignore_index=True)


def _without_item(scheme: Scheme, item_id: str) -> Scheme | None:
    data = merge_scheme_dicts(scheme.to_dict(), {"items": [{"id": item_id, "remove": True}]})
    if not data["items"]:
        return None
    used = {i["group"] for i in data["items"] if "group" in i} | {"other"}
    data["groups"] = {g: v for g, v in data.get("groups", {}).items() if g in used}
    return scheme_from_dict(data, f"{scheme.id} without {item_id}")


def item_contributions(o: Outcome) -> pd.DataFrame:
    """For each item: how many admissions change if the item is removed (re-scored, same rule, same people).

    Columns: item, group, admitted_without, newly_admitted (admitted only without the item), newly_excluded
    (admitted only with it), changed (their sum), cutoff_without.
    """
    rows = []
    rule = o.adm.rule
    ties = rule.ties_plain()
    for item in o.res.scheme.items:
        reduced = _without_item(o.res.scheme, item.id)
        if reduced is None:
            continue
        adm = evaluate(o.res.population, reduced, quota=o.adm.quota, threshold=o.adm.threshold, ties=ties,
                       mode="none" if rule.mode == "none" else None, require_rule=True).adm
        a0, a1 = o.adm.admitted_mask, adm.admitted_mask
        rows.append({"item": item.id, "group": item.group, "admitted_without": adm.admitted_count,
                     "newly_admitted": int((~a0 & a1).sum()), "newly_excluded": int((a0 & ~a1).sum()),
                     "changed": int((a0 != a1).sum()), "cutoff_without": adm.cutoff})
    return pd.DataFrame(rows, columns=["item", "group", "admitted_without", "newly_admitted", "newly_excluded",
                                       "changed", "cutoff_without"])


def dominance_side_by_side(base: Outcome, reform: Outcome) -> pd.DataFrame:
    """The three dominance measures and the verdict: one row per measure, columns ``baseline`` and ``reform``."""
    reps = {"baseline": base.dom, "reform": reform.dom}
    rows = []
    for measure, attr in (("design", "design"), ("realised_eligible", "realised_eligible"),
                          ("realised_admitted", "realised_admitted"), ("decisive", "decisive")):
        rows.append({"measure": measure, **{k: getattr(v, attr) for k, v in reps.items()}})
    rows.append({"measure": "requirement_met", **{k: v.ok for k, v in reps.items()}})
    return pd.DataFrame(rows)


def impact_summary(base: Outcome, reform: Outcome, columns: tuple[str, ...] = ("education", "age", "district")
                   ) -> dict[str, Any]:
    """Everything above in one JSON-ready mapping (composition for the ``columns`` present)."""
    present = [c for c in columns if c in base.res.population and c in reform.res.population]
    comp = pd.concat([composition(base, reform, c) for c in present], ignore_index=True) if present else None
    return {
        "counts": counts(base, reform),
        "transitions": transitions(base, reform),
        "jaccard": jaccard(base, reform),
        "kendall": rank_correlation(base, reform),
        "composition": [] if comp is None else comp.to_dict(orient="records"),
        "dominance": dominance_side_by_side(base, reform).to_dict(orient="records"),
    }
