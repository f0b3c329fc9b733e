"""Fast re-scoring for weight tuning and sensitivity: tunable parameters, and per-person "unit scores".

Every tunable value enters an item's points linearly before its cap: points_per_unit of a ``per_unit`` item, one
scale factor on a ``category``/``bands`` table, a ``flag``'s points. So the engine scores the population once with
every weight at 1 (a matrix ``U``: people x items, float32), and a candidate weight vector ``w`` with caps ``c``
gives item points ``clip(U * w, -c, c)``, rounded to the cent as the engine rounds (half away from zero), then the
scheme's group rules. :class:`Evaluator` does that on the whole population or on a seeded sample; the exact engine
(:func:`scoring.score`) is the reference every final result is checked with.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scoring.admission import AdmissionResult, admit
from scoring.dominance import DEFAULT_WINDOW, MIN_NEAR, cov_ratio, deciding_line, design_values
from scoring.engine.columns import Columns
from scoring.engine.compiled import compile_groups
from scoring.engine.core import CENT_TOLERANCE, ScoreResult, score
from scoring.engine.kernels import apply_group_rule, group_caps
from scoring.errors import ScoringInputError
from scoring.scheme.load import Item, Scheme, scheme_from_dict

WEIGHT_KEY = {"per_unit": "points_per_unit", "category": "scale", "bands": "scale", "flag": "points"}
MEASURES = ("design", "realised", "decisive")


@dataclass(frozen=True)
class Param:
    """One tunable value: an item's weight (``points_per_unit``/``scale``/``points``) or its ``cap``."""

    item: str
    key: str
    value: float
    lo: float
    hi: float

    @property
    def name(self) -> str:
        """``item.key``, e.g. ``residence.points_per_unit``."""
        return f"{self.item}.{self.key}"

    @property
    def fixed(self) -> bool:
        """True when the bounds leave no room to move."""
        return self.hi <= self.lo


def item_weight(item: Item) -> float:
    """The item's current weight: points_per_unit, 1.0 for a table's scale, or a flag's points."""
    if item.kind == "per_unit":
        return float(item.points_per_unit or 0.0)
    if item.kind == "flag":
        return float(item.points or 0.0)  # type: ignore[arg-type]
    return 1.0


def default_bounds(value: float, rel: float = 3.0) -> tuple[float, float]:
    """Same sign as today, up to ``rel`` times today's size (a zero weight stays zero unless bounds are given)."""
    return (0.0, rel * value) if value >= 0 else (rel * value, 0.0)


def scheme_params(
    scheme: Scheme, bounds: dict[str, tuple[float, float]] | None = None, *, rel: float = 3.0, caps: bool = True
) -> list[Param]:
    """The tunable parameters of ``scheme`` with bounds (``bounds`` by ``item.key`` or item id for its weight)."""
    params: list[Param] = []
    for item in scheme.items:
        w = item_weight(item)
        params.append(Param(item.id, WEIGHT_KEY[item.kind], w, *default_bounds(w, rel)))
        if caps and item.cap is not None:
            params.append(Param(item.id, "cap", float(item.cap), *default_bounds(float(item.cap), rel)))
    if bounds:
        names = {p.name: n for n, p in enumerate(params)}
        for key, (lo, hi) in bounds.items():
            name = key if key in names else f"{key}.{WEIGHT_KEY.get(_kind(scheme, key), '')}"
            if name not in names:
                raise ScoringInputError(f"bounds: no tunable parameter {key!r}; parameters: {', '.join(names)}")
            if not (math.isfinite(lo) and math.isfinite(hi)) or lo > hi or (name.endswith(".cap") and lo < 0):
                raise ScoringInputError(f"bounds: {key}: [{lo}, {hi}] must be finite with lo <= hi (caps >= 0)")
            p = params[names[name]]
            params[names[name]] = Param(p.item, p.key, p.value, float(lo), float(hi))
    return params


def _kind(scheme: Scheme, item_id: str) -> str:
    return next((i.kind for i in scheme.items if i.id == item_id), "")


def _round(x: float, decimals: int | None) -> float:
    return float(x) if decimals is None else float(round(x, decimals)) + 0.0


def apply_params(scheme: Scheme, values: dict[str, float], decimals: int | None = 2) -> Scheme:
    """A new scheme with the parameter values applied (a table's scale multiplies its points; rounded)."""
    data = scheme.to_dict()
    by_id = {d["id"]: d for d in data["items"]}
    for name, value in values.items():
        item_id, key = name.rsplit(".", 1)
        entry = by_id[item_id]
        if key == "scale":
            if entry["kind"] == "category":
                entry["points"] = {k: _round(v * value, decimals) for k, v in entry["points"].items()}
            else:
                entry["bands"] = [{**b, "points": _round(b["points"] * value, decimals)} for b in entry["bands"]]
            entry["default"] = _round(entry.get("default", 0.0) * value, decimals)
        else:
            entry[key] = _round(value, decimals)
    return scheme_from_dict(data, scheme.path or scheme.id)


def to_cents(points: np.ndarray) -> np.ndarray:
    """Points to cents (same float dtype), half away from zero like the engine (float32 exact below 2**24)."""
    out = points * points.dtype.type(100.0)
    out += np.copysign(points.dtype.type(0.5 + CENT_TOLERANCE), out)
    return np.trunc(out, out=out)


def _unit_scheme(scheme: Scheme, pop: pd.DataFrame) -> tuple[Scheme, np.ndarray]:
    """The scheme with every weight 1 (per_unit points_per_unit scaled up for precision), no caps, no group rules."""
    data = scheme.to_dict()
    data["groups"] = {}
    factor = np.ones(len(scheme.items))
    for n, (item, entry) in enumerate(zip(scheme.items, data["items"], strict=True)):
        if item.kind == "per_unit":
            sources = {item.column: 1.0} if item.column else dict(item.columns or {})
            bound = 0.0
            for col, weight in sources.items():
                values = pd.to_numeric(pop[col], errors="coerce") if col in pop.columns else pd.Series([0.0])
                bound += abs(weight) * float(np.nanmax(np.abs(values.to_numpy(dtype=np.float64)), initial=0.0))
            factor[n] = 10.0 ** min(3, math.floor(math.log10(2e7 / bound))) if bound > 0 else 1000.0
            entry["points_per_unit"] = factor[n]
            entry.pop("cap", None)
        elif item.kind == "flag":
            entry["points"] = 1.0
    return scheme_from_dict(data, scheme.path or scheme.id), factor


@dataclass
class FastOutcome:
    """Outcomes of one weight vector from the evaluator (counts scaled up to the whole population if sampled)."""

    admitted: float
    cutoff: float | None
    shares: dict[str, float | None] = field(default_factory=dict)


class Evaluator:
    """Scores candidate weights quickly: a product and a clip on the precomputed unit-score matrix.

    ``sample`` (rows) makes it work on a seeded random sample; ``scale`` is then population / sample, and quotas
    and counts are scaled by it.
    """

    def __init__(self, scheme: Scheme, pop: pd.DataFrame, params: list[Param] | None = None, *,
                 sample: int | None = None, seed: int = 0, on_invalid: str = "raise",
                 quota: int | None = None, threshold: float | None = None, dtype: type = np.float32) -> None:
        self.scheme = scheme
        self.params = params if params is not None else scheme_params(scheme)
        self.n_full = len(pop)
        if sample is not None and sample < len(pop):
            rows = np.sort(np.random.default_rng(seed).choice(len(pop), sample, replace=False))
            pop = pop.iloc[rows]
        unit, factor = _unit_scheme(scheme, pop)
        res = score(pop, unit, on_invalid=on_invalid)
        self.population = res.population
        self.scored_full = self.n_full - (len(pop) - res.n)
        self.n = res.n
        self.scale = self.n_full / len(pop) if len(pop) else 1.0
        self.eligible = res.eligible_mask
        self.reason_codes, self.reason_labels = res.reason_codes, res.reason_labels
        self.ids = [i.id for i in scheme.items]
        self.U = np.empty((len(self.ids), res.n), dtype=dtype)  # item-major: one contiguous row per item
        for n, item in enumerate(scheme.items):
            units = res.item_cents[item.id] / (100.0 * factor[n])
            if item.kind == "per_unit" and item.unit:  # units are whole steps: snap off the cent rounding
                units = np.rint(units / item.unit) * item.unit
            self.U[n] = units
        self.base_w = np.array([item_weight(i) for i in scheme.items], dtype=np.float64)
        self.base_c = np.array([np.inf if i.cap is None else i.cap for i in scheme.items], dtype=np.float64)
        self.p99 = np.array([np.percentile(self.U[n], 99, method="lower") if res.n else 0.0
                             for n in range(len(self.ids))])
        self.table_values = [self._table_values(i) for i in scheme.items]
        self.groups = scheme.group_names()
        self.group_of = np.array([self.groups.index(i.group) for i in scheme.items])
        # the engine's group rules (sections included; a conditional cap is one cap per person, fixed by the columns)
        self.rules = [(g.items, g.step.best_only, group_caps(g, res.n))
                      for g in compile_groups(scheme, Columns(res.population, scheme))]
        rule = scheme.admission
        if quota is None and threshold is None and rule is not None:
            threshold, quota = rule.threshold_in_force, rule.quota_in_force
        self.threshold, self.quota = threshold, quota
        if self.threshold is None and self.quota is None:
            raise ScoringInputError(f"scheme {scheme.id} has no admission rule; give a quota or a threshold")
        self.sample_quota = None if self.quota is None else max(1, round(self.quota / self.scale))
        dom = scheme.dominance
        self.dom_groups = [self.groups.index(g) for g in dom.groups if g in self.groups]
        self.window = dom.window or DEFAULT_WINDOW
        self._gmask = np.isin(self.group_of, self.dom_groups)

    @staticmethod
    def _table_values(item: Item) -> np.ndarray:
        if item.kind == "category":
            return np.array([item.default, *item.points.values()], dtype=np.float64)  # type: ignore[union-attr]
        if item.kind == "bands":
            return np.array([item.default, *(b.points for b in item.bands or [])], dtype=np.float64)
        return np.array([1.0])

    # -- parameters --------------------------------------------------------------------------------------------
    @property
    def theta0(self) -> np.ndarray:
        """Today's parameter values."""
        return np.array([p.value for p in self.params], dtype=np.float64)

    def weights(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(weights, caps) per item for a parameter vector."""
        w, c = self.base_w.copy(), self.base_c.copy()
        for p, value in zip(self.params, theta, strict=True):
            n = self.ids.index(p.item)
            if p.key == "cap":
                c[n] = value
            else:
                w[n] = value
        return w, c

    def values(self, theta: np.ndarray) -> dict[str, float]:
        """Parameter name -> value."""
        return {p.name: float(v) for p, v in zip(self.params, theta, strict=True)}

    # -- points ------------------------------------------------------------------------------------------------
    def item_cents(self, theta: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Item points in cents (whole numbers, the matrix dtype) after caps and group rules: items x people."""
        w, c = self.weights(theta)
        U = self.U if rows is None else self.U[:, rows]
        P = U * w.astype(U.dtype)[:, None]
        for n in np.flatnonzero(np.isfinite(c)):
            np.clip(P[n], -c[n], c[n], out=P[n])
        P = to_cents(P)
        for idx, best_only, cap in self.rules:
            if rows is not None and isinstance(cap, np.ndarray):
                cap = cap[rows]
            apply_group_rule([P[k] for k in idx], best_only, cap)
        return P

    def total_cents(self, theta: np.ndarray, P: np.ndarray | None = None) -> np.ndarray:
        """Total score in cents (float64) per person."""
        P = self.item_cents(theta) if P is None else P
        return P.sum(axis=0, dtype=np.float64)

    # -- outcomes ----------------------------------------------------------------------------------------------
    def cutoff_cents(self, total: np.ndarray) -> tuple[np.ndarray, float | None]:
        """Admitted mask (ties at the cut-off all admitted) and the cut-off in cents."""
        pool = self.eligible.copy()
        if self.threshold is not None:
            pool &= total >= round(self.threshold * 100)
        scores = total[pool]
        if self.sample_quota is not None and len(scores) > self.sample_quota:
            cut = float(np.partition(scores, len(scores) - self.sample_quota)[len(scores) - self.sample_quota])
            return pool & (total >= cut), cut
        return pool, (float(scores.min()) if len(scores) else None)

    def line_cents(self, total: np.ndarray, cut: float | None) -> float | None:
        """The line the decisive share is measured around, as in scoring.dominance: the cut-off of a binding
        quota, else the threshold, else the median eligible score."""
        pool = self.eligible if self.threshold is None else self.eligible & (total >= round(self.threshold * 100))
        line = deciding_line(self.sample_quota, self.threshold, int(pool.sum()), None if cut is None else cut / 100)
        if line is not None:
            return line * 100.0
        scores = total[self.eligible]
        return float(np.median(scores)) if len(scores) else None

    def design_share(self, theta: np.ndarray) -> float | None:
        """Measure 1 from the weights (uncapped per-unit items at the 99th percentile of their points)."""
        w, c = self.weights(theta)
        best = np.zeros(len(self.ids))
        for n, item in enumerate(self.scheme.items):
            if item.kind == "per_unit":
                best[n] = 0.0 if w[n] <= 0 else (c[n] if np.isfinite(c[n]) else w[n] * self.p99[n])
            else:
                best[n] = max(0.0, float(np.max(w[n] * self.table_values[n])))
        after = design_values(self.scheme, dict(zip(self.ids, best.tolist(), strict=True)), cents=False)
        values = np.array([after[i] for i in self.ids])
        per_group = np.array([values[self.group_of == g].sum() for g in range(len(self.groups))])
        total = per_group.sum()
        return None if total <= 0 else float(per_group[self.dom_groups].sum() / total)

    def group_mask(self) -> np.ndarray:
        """Boolean per item: belongs to the dominance groups."""
        return self._gmask

    def realised_share(self, P: np.ndarray, mask: np.ndarray) -> float | None:
        """Measure 2 over ``mask``: dominance groups' positive points over all positive points."""
        if not mask.any():
            return None
        pos = np.maximum(P[:, mask], 0).sum(axis=1, dtype=np.float64)  # whole cents: exact below 2**53
        den = int(pos.sum())
        return None if den == 0 else int(pos[self.group_mask()].sum()) / den

    def decisive_share(self, P: np.ndarray, total: np.ndarray, line_cents: float | None) -> float | None:
        """Measure 3: Cov(groups, total) / Var(total) among the eligible near the line."""
        if line_cents is None:
            return None
        dist = np.abs(total - line_cents)
        near = self.eligible & (dist <= round(self.window * 100))
        n_elig = int(self.eligible.sum())
        if int(near.sum()) < min(MIN_NEAR, n_elig):
            idx = np.flatnonzero(self.eligible)
            k = min(MIN_NEAR, len(idx))
            near = np.zeros_like(self.eligible)
            near[idx[np.argpartition(dist[idx], k - 1)[:k]]] = True
        if int(near.sum()) < 2:
            return None
        grp = P[self._gmask][:, near].sum(axis=0, dtype=np.float64)
        return cov_ratio(grp, total[near])  # exact integer moments: the same on every machine

    def outcome(self, theta: np.ndarray, measures: tuple[str, ...] = MEASURES) -> FastOutcome:
        """Admitted count (scaled), cut-off (points) and the dominance shares for a parameter vector."""
        P = self.item_cents(theta)
        total = self.total_cents(theta, P)
        adm, cut = self.cutoff_cents(total)
        shares: dict[str, float | None] = {}
        if "design" in measures:
            shares["design"] = self.design_share(theta)
        if "realised" in measures:
            shares["realised"] = self.realised_share(P, self.eligible)
            shares["realised_admitted"] = self.realised_share(P, adm)
        if "decisive" in measures:
            shares["decisive"] = self.decisive_share(P, total, self.line_cents(total, cut))
        return FastOutcome(float(adm.sum()) * self.scale, None if cut is None else cut / 100.0, shares)

    def admission(self, theta: np.ndarray, quota: int | None = None) -> tuple[np.ndarray, np.ndarray, AdmissionResult]:
        """(item cents, total cents, admission) with the scheme's tie rule applied exactly by scoring.admit.

        ``quota`` (sample people) replaces the rule's quota, e.g. to admit the same number as another variant."""
        P = self.item_cents(theta)
        total = self.total_cents(theta, P)
        res = ScoreResult(scheme=self.scheme, population=self.population, item_cents={}, total_cents=total.astype(
            np.int64), eligible_mask=self.eligible, reason_codes=self.reason_codes, reason_labels=self.reason_labels)
        if quota is not None:
            adm = admit(res, quota=quota, threshold=None)
        else:
            adm = admit(res, quota=self.sample_quota if self.quota is not None else None, threshold=self.threshold)
        return P, total, adm

    # -- exact-library view ------------------------------------------------------------------------------------
    def result(self, theta: np.ndarray, decimals: int | None = None) -> tuple[Scheme, ScoreResult, AdmissionResult]:
        """The evaluator's points as a real ScoreResult (for scoring.admit/dominance) with the applied scheme."""
        values = self.values(theta)
        scheme = apply_params(self.scheme, values, decimals)
        P = self.item_cents(theta)
        res = ScoreResult(scheme=scheme, population=self.population,
                          item_cents={i: P[n].astype(np.int32) for n, i in enumerate(self.ids)},
                          total_cents=P.sum(axis=0, dtype=np.float64).astype(np.int64),
                          eligible_mask=self.eligible, reason_codes=self.reason_codes,
                          reason_labels=self.reason_labels, rows_in=self.n)
        quota = self.sample_quota if self.quota is not None else None
        adm = admit(res, quota=quota, threshold=self.threshold, ties=None)
        return scheme, res, adm

    def params_info(self) -> list[dict[str, Any]]:
        """JSON-ready description of the parameters."""
        return [{"name": p.name, "value": p.value, "lo": p.lo, "hi": p.hi} for p in self.params]
