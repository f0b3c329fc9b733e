"""Scenarios: load a scenario file, apply its overrides to the scheme, build the yearly rules and the population.

::

    sc = load_scenario("scenarios/hangzhou-2023-reform.yaml")
    sc.scheme            # the base scheme with the overrides applied (the base scheme is never modified)
    sc.rules()           # one YearRule per year (the admission rule and its schedule)
    sc.population()      # the starting population (synthetic or read and validated from a file)

Running and comparing live in :mod:`scoring.scenario.run`. Overrides are dotted paths into the resolved scheme,
with items and gates addressed by id: ``items.insurance.points_per_unit: 4``, ``items.housing.remove: true``,
``eligibility.insurance_min.min: 2``, ``groups.bonus.cap: 20``, ``admission.threshold: 90``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from scoring.dynamics.core import YearRule
from scoring.errors import IdentifierError, PopulationError, ScenarioError, SchemeError
from scoring.recognition import RecognitionRules
from scoring.scenario.model import ScenarioSpec, parse_scenario, read_scenario_dict
from scoring.scenario.overrides import apply_overrides, override_paths
from scoring.scheme.load import AdmissionRule, Scheme, read_scheme_dict, scheme_from_dict

__all__ = ["Scenario", "apply_overrides", "load_scenario", "override_paths"]


@dataclass
class Scenario:
    """A loaded scenario: its spec, the scheme with overrides applied, and helpers to build rules and people."""

    spec: ScenarioSpec
    source: str
    scheme: Scheme
    base_scheme: Scheme
    year_schemes: dict[int, Scheme] = field(default_factory=dict)
    _population: pd.DataFrame | None = field(default=None, repr=False)
    _ratio: float | None = field(default=None, repr=False)

    @property
    def id(self) -> str:
        """The scenario id."""
        return self.spec.id

    def title(self, lang: str = "zh") -> str:
        """The scenario title in ``lang``."""
        t = self.spec.title
        if isinstance(t, dict):
            return t.get(lang) or next(iter(t.values()), self.id)
        return t or self.id

    @property
    def horizon(self) -> int:
        """Years simulated."""
        return self.spec.horizon

    @property
    def recognition(self) -> RecognitionRules:
        """The recognition rules in force (the scenario's ``recognition:`` section)."""
        return self.spec.recognition

    def stamp(self, lang: str = "zh") -> str:
        """The scheme's stamp (id, version, status, simulation) with the scenario id."""
        switches = "".join((f" · 自{y}年起 {sch.id} v{sch.version}" if lang == "zh" else
                            f" · from {y} {sch.id} v{sch.version}") for y, sch in sorted(self.year_schemes.items()))
        return f"{self.id} · {self.scheme.stamp(lang)}{switches}"

    def _base_rule(self) -> tuple[int | None, float | None, Any]:
        adm = self.spec.admission
        if adm is None:
            rule = self.scheme.admission
            if rule is None:
                raise ScenarioError(f"{self.source}: admission: neither the scenario nor scheme {self.scheme.id} "
                                    "gives an admission rule; add admission: {mode: quota|threshold|both|none, ...}")
            return rule.quota_in_force, rule.threshold_in_force, rule.ties_plain()
        mode = adm.mode
        quota = adm.quota if mode in (None, "quota", "both") else None
        threshold = adm.threshold if mode in (None, "threshold", "both") else None
        sched = adm.schedule or {}
        if mode in ("quota", "both") and quota is None and "quota" not in sched:
            raise ScenarioError(f"{self.source}: admission.quota: mode {mode} needs a quota (or schedule.quota)")
        if mode in ("threshold", "both") and threshold is None and "threshold" not in sched:
            raise ScenarioError(f"{self.source}: admission.threshold: mode {mode} needs a threshold")
        try:
            AdmissionRule.model_validate({"threshold": 0, "ties": adm.ties})
        except ValidationError as exc:  # its first reason (the last line of the text is pydantic's web address)
            reason = str(exc.errors()[0].get("msg", "invalid")).removeprefix("Value error, ")
            raise ScenarioError(f"{self.source}: admission.ties: {reason}; valid: admit_all or a list of "
                                "{column: NAME, order: asc|desc} / {lottery: SEED}") from None
        return quota, threshold, adm.ties

    def scheme_in(self, t: int) -> Scheme | None:
        """The scheme switched to by year index ``t`` (None: the scenario's own scheme)."""
        year = self.spec.start_year + t
        switched = [y for y in self.year_schemes if y <= year]
        return self.year_schemes[max(switched)] if switched else None

    def rules(self) -> list[YearRule]:
        """One admission rule per year (quotas in real people): the base rule with the schedule's quota/threshold
        for each year, and the scheme in force that year when the scenario switches schemes."""
        quota, threshold, ties = self._base_rule()
        sched = (self.spec.admission.schedule if self.spec.admission else None) or {}
        out = []
        for t in range(self.horizon):
            q = sched["quota"][t] if "quota" in sched else quota
            th = sched["threshold"][t] if "threshold" in sched else threshold
            out.append(YearRule(None if q is None else int(q), None if th is None else float(th), ties,
                                self.scheme_in(t)))
        return out

    @property
    def ratio(self) -> float:
        """Real people per simulated person (1 unless the population says ``represents``/``ratio``/``weights``)."""
        pop = self.spec.population
        if self._ratio is None:
            if pop.ratio is not None:
                self._ratio = float(pop.ratio)
            elif pop.represents is not None:
                n = pop.synth.n if pop.synth is not None else len(self.population())
                self._ratio = float(pop.represents) / max(n, 1)
            elif pop.weights is not None:
                self.population()  # sets the ratio from the weights
            else:
                self._ratio = 1.0
        return float(self._ratio or 1.0)

    def area_districts(self) -> tuple[str, ...] | None:
        """District codes of the scenario's area (None: everyone may use the route)."""
        from scoring.population.area import city_districts

        area = self.spec.area
        if area is None:
            return None
        if area.districts is not None:
            return tuple(area.districts)
        return city_districts(area.reading)

    def area_label(self, lang: str = "en") -> str:
        """The area in words."""
        area = self.spec.area
        if area is None:
            return "全体" if lang == "zh" else "everyone in the population"
        if area.districts is not None:
            return ", ".join(area.districts)
        if lang == "zh":
            return "杭州市城区（" + ("含富阳、临安" if area.reading == "all_districts" else "不含富阳、临安") + "）"
        return "Hangzhou city districts (" + (
            "incl. Fuyang and Lin'an" if area.reading == "all_districts" else "excl. Fuyang and Lin'an") + ")"

    def starting_people(self, stock: float | None = None) -> pd.DataFrame:
        """The people the simulation starts from: the population (its first ``stock`` / ratio rows when the burn-in
        gives a stock), with local years zeroed for ``burn_in.start: records``, or nobody for ``empty``."""
        b = self.spec.burn_in
        pop = self.population()
        if b.start == "empty":
            return pop.iloc[:0]
        stock = b.stock if stock is None else stock
        if stock is not None:
            k = int(round(stock / self.ratio))
            if k > len(pop):
                raise ScenarioError(f"{self.source}: burn_in.stock: {stock:,.0f} real people need {k:,} simulated "
                                    f"people at 1:{self.ratio:g}; the population has {len(pop):,}")
            pop = pop.iloc[:k]
        if b.start == "records":
            pop = zero_local_years(pop)
        return pop

    def sim_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of :func:`scoring.dynamics.core.simulate_many` for this scenario (not the rules)."""
        b = self.spec.burn_in
        first = self.rules()[0]
        return {"replications": self.spec.replications, "seed": self.spec.seed, "recognition": self.recognition,
                "start_year": self.spec.start_year, "ratio": self.ratio, "burn_in": b.years,
                "burn_in_rule": self._burn_in_rule(first), "area": self.area_districts()}

    def _burn_in_rule(self, first: YearRule, quota: float | None = None) -> YearRule | None:
        rule = self.spec.burn_in.rule
        quota = self.spec.burn_in.quota if quota is None else quota
        if rule == "none":
            return None
        if rule == "first":
            return first if quota is None else YearRule(int(round(quota)), first.threshold, first.ties, first.scheme)
        scheme = first.scheme
        if rule.scheme is not None:
            try:
                scheme = scheme_from_dict(read_scheme_dict(rule.scheme), rule.scheme)
            except SchemeError as exc:
                raise ScenarioError(f"{self.source}: burn_in.rule.scheme: {exc}") from None
        return YearRule(rule.quota if quota is None else int(round(quota)), rule.threshold, rule.ties, scheme)

    def rules_no_cap(self) -> list[YearRule]:
        """The same years with no quota (the threshold stays; ``quota_question.threshold`` if set replaces it)."""
        line = self.spec.quota_question.threshold
        return [YearRule(None, line if line is not None else r.threshold, r.ties, r.scheme) for r in self.rules()]

    def rules_with_cap(self) -> list[YearRule]:
        """The same years with a quota every year: the scenario's where it has one, else ``quota_question.quota``."""
        rules = self.rules()
        fallback = self.spec.quota_question.quota
        if fallback is None:
            fallback = next((r.quota for r in rules if r.quota is not None), None)
        if fallback is None:
            raise ScenarioError(f"{self.source}: quota_question.quota: the scenario has no quota; give the quota to "
                                "compare against (e.g. quota_question: {quota: 8000})")
        return [YearRule(r.quota if r.quota is not None else fallback, r.threshold, r.ties, r.scheme) for r in rules]

    def population(self) -> pd.DataFrame:
        """The starting population (read once, then cached; treat as read-only)."""
        if self._population is None:
            frame = _read_population(self.spec, self.source)
            weights = self.spec.population.weights
            if weights is not None:
                frame, self._ratio = _resample_weighted(frame, weights, self.source)
            self._population = frame
        return self._population


def zero_local_years(frame: pd.DataFrame) -> pd.DataFrame:
    """The people with every local year count at zero and no permit (ages and other attributes kept)."""
    out = frame.copy()
    for col in ("residence_years", "residence_years_other_districts", "insurance_years", "permit_years",
                "owned_home_years", "rented_home_years", "outside_core_years"):
        if col in out:
            out[col] = out[col].to_numpy() * 0
    if "has_residence_permit" in out:
        out["has_residence_permit"] = False
    return out


def _resample_weighted(frame: pd.DataFrame, column: str, source: str) -> tuple[pd.DataFrame, float]:
    """Systematic resampling of the rows in proportion to ``column`` (same row count): every simulated person then
    stands for the same number of real people, sum(weights) / rows."""
    import numpy as np

    if column not in frame:
        raise ScenarioError(f"{source}: population.weights: no column {column!r} in the population file")
    w = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=np.float64)
    if not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
        raise ScenarioError(f"{source}: population.weights: column {column!r} must hold numbers >= 0, not all 0")
    n = len(frame)
    cum = np.cumsum(w) / w.sum()
    picks = np.minimum(np.searchsorted(cum, (np.arange(n) + 0.5) / n, side="right"), n - 1)
    out = frame.iloc[picks].drop(columns=[column]).reset_index(drop=True)
    return out, float(w.sum() / n)


def _read_population(spec: ScenarioSpec, source: str) -> pd.DataFrame:
    pop = spec.population
    if pop.synth is not None:
        from scoring.population.synthetic import synth

        return synth(pop.synth.n, pop.synth.seed)
    from scoring.population.load import read_population

    path = Path(pop.file or "")
    if not path.exists():
        raise ScenarioError(f"{source}: population.file: {path} not found")
    try:
        load = read_population(path, skip_invalid=pop.skip_invalid, drop_identifiers=pop.drop_identifiers)
    except PopulationError as exc:
        raise _in_scenario(exc, source, path) from None
    return load.frame


# What the population reader tells a command-line user to pass, and what a scenario sets instead (finding 5 of
# trial 3: `run` accepts neither option; the scenario's population takes both keys).
_SCENARIO_ADVICE = {"--skip-invalid / skip_invalid=True": "population.skip_invalid: true in the scenario",
                    "pass --drop-identifiers (drop_identifiers=True)": "set population.drop_identifiers: true in the "
                                                                       "scenario"}


def _in_scenario(exc: PopulationError, source: str, path: Path) -> PopulationError:
    """The reader's refusal of a scenario's population file, naming the scenario and advising its keys; its fields
    kept (``load``, or the identifier findings) and ``scenario`` set, so the command line words it in its
    language."""
    first = str(exc).split("\n")[0]
    for option, key in _SCENARIO_ADVICE.items():
        first = first.replace(option, key)
    message = f"{source}: population {first if str(path) in first else f'{path}: {first}'}"
    if isinstance(exc, IdentifierError):
        out: PopulationError = IdentifierError(message, file=exc.file, needed=exc.needed, findings=exc.findings)
    else:
        out = PopulationError(message)
        if getattr(exc, "load", None) is not None:
            out.load = exc.load  # type: ignore[attr-defined]
    out.scenario = source  # type: ignore[attr-defined]
    return out


def _overridden_scheme_refused(exc: SchemeError, source: str) -> ScenarioError:
    """The scheme's refusal of the scheme the overrides make, naming the scenario; the scheme's error kept
    (``scheme_error``) and ``scenario`` set, so the command line words it in its language."""
    out = ScenarioError(f"{source}: overrides: with them, {exc}")
    out.scheme_error = exc  # type: ignore[attr-defined]
    out.scenario = source  # type: ignore[attr-defined]
    return out


def load_scenario(path: str | Path) -> Scenario:
    """Load a scenario file (resolving ``base``), apply its overrides to a copy of the scheme, and validate."""
    source = str(path)
    spec = parse_scenario(read_scenario_dict(path), source)
    try:
        data = read_scheme_dict(spec.scheme)
        base = scheme_from_dict(copy.deepcopy(data), spec.scheme)
    except SchemeError as exc:
        raise ScenarioError(f"{source}: scheme: {exc}") from None
    if not spec.overrides:
        scheme = base
    else:
        changed = apply_overrides(data, spec.overrides, source)
        changed["version"] = f"{base.version}+{spec.id}"
        if changed.get("status") == "official":
            changed["status"] = "draft"
        listed = "; ".join(f"{k}: {v}" for k, v in spec.overrides.items())
        changed["assumptions"] = [*changed.get("assumptions", []),
                                  f"情景 {spec.id} 的覆盖项 / overrides by scenario {spec.id}: {listed}"]
        try:
            scheme = scheme_from_dict(changed, spec.scheme)
        except SchemeError as exc:
            raise _overridden_scheme_refused(exc, source) from None
        scheme.path = f"{spec.scheme} with the overrides of {source}"
    year_schemes: dict[int, Scheme] = {}
    end = spec.start_year + spec.horizon - 1
    for year, path_ in spec.schemes.items():
        if not spec.start_year <= int(year) <= end:
            raise ScenarioError(f"{source}: schemes.{year}: the year must be within the simulated years "
                                f"{spec.start_year}-{end}")
        try:
            year_schemes[int(year)] = scheme_from_dict(read_scheme_dict(path_), path_)
        except SchemeError as exc:
            raise ScenarioError(f"{source}: schemes.{year}: {exc}") from None
    sc = Scenario(spec, source, scheme, base, year_schemes)
    sc.rules()  # validate the admission rule now
    return sc
