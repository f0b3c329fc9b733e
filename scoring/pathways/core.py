"""Settlement pathways: for every person, which routes they qualify for under a rule set (vectorised masks).

Routes (notice 浙政办发〔2023〕41号): points settlement in Hangzhou city districts (一(二), scored with a points
scheme via :func:`scoring.evaluation.evaluate_scored`, its candidates the people in the pathway's areas),
settlement with a legal stable home in other urban areas (一(二)), permit-to-hukou conversion (一(四)), talent
(二(一)) and family joining (二(二)). Years are first made effective by the rule set's recognition rules (二(三),
:func:`scoring.recognition.apply_recognition`).
The residence-permit rule (一(三)) is evaluated alongside. Rules are data (:mod:`scoring.pathways.rules`).

    rules = load_ruleset("rulesets/notice-2023.yaml")
    res = evaluate(pop, rules)          # res.masks[pathway_id] -> bool array; res.any; res.permit
    res.by_pathway(); res.combinations(); res.by_group("education")
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scoring.admission import AdmissionResult
from scoring.engine.core import ScoreResult, score
from scoring.errors import PopulationError
from scoring.evaluation import evaluate_scored
from scoring.pathways.rules import Criterion, Pathway, RuleSet, RuleSetError, load_ruleset, rule_body
from scoring.pathways.tables import TablesMixin
from scoring.recognition import apply_recognition
from scoring.scheme.load import Scheme, load_scheme

__all__ = ["PathwayResult", "PermitResult", "RuleSetError", "criterion_mask", "evaluate", "load_ruleset"]

EPS = 1e-6  # floating-point slack for min/max on years (0.5 years is exactly half a year)
FILL_HINT = "add the pathway attributes (scoring.population.synth_pathways.add_pathway_attributes, or --fill-pathways)"


def _column(pop: pd.DataFrame, column: str, where: str) -> pd.Series:
    if column not in pop.columns:
        hint = f"; {FILL_HINT}" if column in _pathway_column_names() else ""
        raise PopulationError(f"{where}: needs column {column!r}, which the population lacks{hint}")
    return pop[column]


def _pathway_column_names() -> set[str]:
    from scoring.population.pathway_spec import pathway_columns

    return set(pathway_columns())


def _test_mask(s: pd.Series, crit: Criterion, where: str) -> np.ndarray:
    mask = np.ones(len(s), dtype=bool)
    values = ([crit.equals] if crit.equals is not None else []) + list(crit.in_ or [])
    if crit.equals is not None or crit.in_ is not None:
        if isinstance(s.dtype, pd.CategoricalDtype) or s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            hit = s.astype(object).isin([str(v) if not isinstance(v, bool) else v for v in values])
        else:
            hit = s.isin(values)
        mask &= hit.fillna(False).to_numpy(dtype=bool)
    if crit.min is not None or crit.max is not None:
        if not (pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype)):
            raise PopulationError(f"{where}: min/max need a numeric column; {crit.column!r} holds {s.dtype}")
        x = pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        with np.errstate(invalid="ignore"):
            if crit.min is not None:
                mask &= x >= crit.min - EPS
            if crit.max is not None:
                mask &= x <= crit.max + EPS
    return mask


def criterion_mask(pop: pd.DataFrame, crit: Criterion, where: str = "criteria") -> np.ndarray:
    """Who meets ``crit`` (bool array); a missing value never meets a test. Nothing is evaluated as code."""
    if crit.column is not None:
        return _test_mask(_column(pop, crit.column, where), crit, where)
    if crit.all_of is not None:
        out = np.ones(len(pop), dtype=bool)
        for i, sub in enumerate(crit.all_of):
            out &= criterion_mask(pop, sub, f"{where}.all_of[{i}]")
        return out
    if crit.any_of is not None:
        out = np.zeros(len(pop), dtype=bool)
        for i, sub in enumerate(crit.any_of):
            out |= criterion_mask(pop, sub, f"{where}.any_of[{i}]")
        return out
    assert crit.not_ is not None
    return ~criterion_mask(pop, crit.not_, f"{where}.not")


@dataclass
class PermitResult:
    """Residence-permit eligibility: the residence test, each alternative condition, and the result."""

    resident: np.ndarray
    conditions: dict[str, np.ndarray]
    eligible: np.ndarray


@dataclass
class PointsOutcome:
    """The points pathway's scoring and admission (people outside its areas are not candidates)."""

    scheme: Scheme
    result: ScoreResult
    admission: AdmissionResult


@dataclass
class PathwayResult(TablesMixin):
    """Per-person pathway masks under one rule set, with the tables analysts read."""

    rules: RuleSet
    population: pd.DataFrame                   # with effective (recognised) years
    masks: dict[str, np.ndarray]               # pathway id -> qualifies (all False for a disabled pathway)
    permit: PermitResult | None = None
    points: dict[str, PointsOutcome] = field(default_factory=dict)

    @property
    def n(self) -> int:
        """People evaluated."""
        return len(self.population)

    @property
    def enabled(self) -> list[str]:
        """Ids of the enabled pathways, in file order."""
        return [pid for pid, p in self.rules.pathways.items() if p.enabled]

    @property
    def any(self) -> np.ndarray:
        """Qualifies by at least one route."""
        out = np.zeros(self.n, dtype=bool)
        for pid in self.enabled:
            out |= self.masks[pid]
        return out

    def stamp(self, lang: str = "zh") -> str:
        """The rule set's stamp plus the stamps of the points schemes used."""
        return " | ".join([self.rules.stamp(lang), *(o.scheme.stamp(lang) for o in self.points.values())])


def phase_in_mask(pop: pd.DataFrame, share: float) -> np.ndarray:
    """Who is covered when a route is in force for ``share`` of the people ("试行/逐步实现"): a stable pseudo-random
    ``share`` chosen by a hash of ``person_id`` (row position without it), nested as the share grows."""
    if share >= 1:
        return np.ones(len(pop), dtype=bool)
    keys = pop["person_id"] if "person_id" in pop.columns else pd.Series(np.arange(len(pop), dtype=np.int64))
    h = pd.util.hash_pandas_object(keys.astype(str), index=False, hash_key="phase-in-2023-41").to_numpy()
    return (h >> np.uint64(11)).astype(np.float64) / float(1 << 53) < share


def _area_mask(pop: pd.DataFrame, pathway: Pathway, where: str) -> np.ndarray:
    return _column(pop, "urban_area", f"{where}.areas").astype(object).isin(pathway.areas).to_numpy(dtype=bool)


def _points(pop: pd.DataFrame, pathway: Pathway, scheme_path: Any, where: str, n_total: int) -> PointsOutcome:
    scheme = load_scheme(scheme_path)
    res = score(pop, scheme, on_invalid="raise")
    kwargs: dict[str, Any] = {}
    adm = pathway.admission
    if adm is not None:
        quota = adm.quota if adm.quota_share is None else int(round(adm.quota_share * n_total))
        kwargs = {"quota": quota, "threshold": adm.threshold, "ties": adm.ties}
    ev = evaluate_scored(res, candidates=_area_mask(pop, pathway, where), require_rule=True, **kwargs)
    assert ev.adm is not None  # require_rule: the scheme's rule or the pathway's, else a one-line error
    return PointsOutcome(scheme, res, ev.adm)


def _permit(pop: pd.DataFrame, rules: RuleSet) -> PermitResult | None:
    rule = rules.permit
    if rule is None:
        return None
    resident = criterion_mask(pop, rule.residence, "permit.residence")
    conds = {c.id: criterion_mask(pop, c, f"permit.conditions[{c.id}]") for c in rule.conditions}
    any_cond = np.logical_or.reduce(list(conds.values())) if conds else np.zeros(len(pop), dtype=bool)
    return PermitResult(resident, conds, resident & any_cond)


def evaluate(pop: pd.DataFrame, rules: RuleSet, *, cache: dict[str, Any] | None = None) -> PathwayResult:
    """Evaluate every pathway and the permit rule of ``rules`` over ``pop`` (vectorised).

    ``cache`` (any dict) lets repeated evaluations over the same population reuse the recognised frame and the
    masks of pathways whose rules did not change (used by the marginal-effect comparison).
    """
    cache = {} if cache is None else cache
    recog = rules.recognition.model_dump()
    rkey = json.dumps(recog, sort_keys=True)
    if ("pop", rkey) not in cache:
        cache[("pop", rkey)] = apply_recognition(pop, recog)
    eff: pd.DataFrame = cache[("pop", rkey)]
    masks: dict[str, np.ndarray] = {}
    points: dict[str, PointsOutcome] = {}
    for pid, pathway in rules.pathways.items():
        where = f"{rules.path or 'rules'}: pathways.{pid}"
        if not pathway.enabled:
            masks[pid] = np.zeros(len(eff), dtype=bool)
            continue
        body = rule_body(pathway)
        if pathway.kind == "points":
            body["scheme"] = str(rules.scheme_path(pid).resolve())
        key = ("mask", rkey, json.dumps(body, sort_keys=True, default=str))
        if key not in cache:
            if pathway.kind == "points":
                outcome = _points(eff, pathway, rules.scheme_path(pid), where, len(pop))
                cache[key] = (outcome.admission.admitted_mask.copy(), outcome)
            else:
                assert pathway.criteria is not None
                mask = _area_mask(eff, pathway, where) & criterion_mask(eff, pathway.criteria, f"{where}.criteria")
                mask &= phase_in_mask(eff, pathway.phase_in)
                cache[key] = (mask, None)
        masks[pid], outcome = cache[key]
        if outcome is not None:
            points[pid] = outcome
    return PathwayResult(rules, eff, masks, _permit(eff, rules), points)
