"""Scenario files: the model, ``base`` stacking and validation (no running here; see :mod:`scoring.scenario.run`).

A scenario = a points scheme + dotted overrides + an admission rule (with an optional per-year schedule) +
recognition rules + a population + a horizon and the dynamics parameters. Everything is plain YAML; nothing is
evaluated as code. Errors raise :class:`ScenarioError` naming the file, the dotted path and the valid choices.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from scoring.dynamics.params import FIRST_YEAR, LAST_YEAR, MAX_ARRIVALS_PER_YEAR, DynamicsParams
from scoring.errors import ScenarioError
from scoring.model_base import StrictModel
from scoring.recognition import RecognitionRules
from scoring.scheme.conditions import MAX_POINTS
from scoring.yaml_files import merge_mappings, read_with_bases, resolve_relative, short_repr

SCHEDULE_KEYS = ("quota", "threshold")
Recognition = RecognitionRules  # the scenario's recognition: section is the one model of scoring.recognition

# Bounds on input (not figures): real people a count may name (more than China's population), a seed (as synth's),
# a line (as a scheme's), a calendar year (scoring.dynamics.params)
MAX_REAL_PEOPLE = 2_000_000_000
MAX_SEED = 2**63 - 1
RealCount = Annotated[int, Field(ge=0, le=MAX_REAL_PEOPLE)]
Seed = Annotated[int, Field(ge=0, le=MAX_SEED)]
Line = Annotated[float, Field(ge=-MAX_POINTS, le=MAX_POINTS)]
Year = Annotated[int, Field(ge=FIRST_YEAR, le=LAST_YEAR)]


class SynthSpec(StrictModel):
    """A synthetic population drawn with :func:`scoring.population.synthetic.synth`."""

    n: int = Field(gt=0, le=50_000_000)
    seed: Seed = 0


class PopulationSpec(StrictModel):
    """Where the people come from: ``{synth: {n, seed}}`` or ``{file: path}`` (read with read_population), and
    how many real people they stand for: ``represents`` (real people for the whole sample or file), or ``ratio``
    (real people per simulated person), or per-row ``weights`` (a column of a file: the rows are resampled
    systematically in proportion to it, and the ratio is the weights' sum over the rows). Default: 1 to 1.
    """

    synth: SynthSpec | None = None
    file: str | None = None
    skip_invalid: bool = False
    drop_identifiers: bool = False
    represents: float | None = Field(default=None, gt=0, le=MAX_REAL_PEOPLE)
    ratio: float | None = Field(default=None, gt=0, le=1e7)
    weights: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_path(cls, value: Any) -> Any:
        return {"file": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _one(self) -> PopulationSpec:
        if (self.synth is None) == (self.file is None):
            raise ValueError("give exactly one of synth: {n, seed} or file: PATH")
        if sum(x is not None for x in (self.represents, self.ratio, self.weights)) > 1:
            raise ValueError("give at most one of represents, ratio, weights")
        if self.weights is not None and self.file is None:
            raise ValueError("weights: only a population file has per-row weights")
        return self


class AreaSpec(StrictModel):
    """The area whose residents may use the route: Hangzhou city districts (杭州市城区) by one of two readings
    (data/hz_city_districts.csv), or an explicit list of district codes."""

    name: Literal["hangzhou_city_districts"] | None = "hangzhou_city_districts"
    reading: Literal["all_districts", "excluding_fuyang_linan"] = "all_districts"
    districts: list[str] | None = None


class BurnInRule(StrictModel):
    """An explicit admission rule for the burn-in years (e.g. the quota regime in force before the scenario)."""

    quota: RealCount | None = None
    threshold: Line | None = None
    ties: Any = "admit_all"
    scheme: str | None = None  # the scheme in force during the burn-in (default: the scenario's first year's)


class BurnInSpec(StrictModel):
    """Unreported years run before the first year so the flows, not a cross-section, make the starting pool.

    ``start: empty`` starts from nobody (the synthetic sample then only sets the sampling ratio); ``records``
    starts from the population with its local years set to zero (the day the records the rule counts began);
    ``stock`` (real people) takes only that many of the population (its first stock / ratio rows, a random sample).
    ``rule: none`` means the route did not exist during the burn-in, ``first`` that the first year's rule applied.
    """

    years: int = Field(default=0, ge=0, le=120)
    start: Literal["population", "empty", "records"] = "population"
    stock: float | None = Field(default=None, ge=0, le=MAX_REAL_PEOPLE)
    quota: RealCount | None = None  # replaces the burn-in rule's quota (real people a year)
    rule: Literal["none", "first"] | BurnInRule = "none"


class AdmissionSpec(StrictModel):
    """The admission rule (replaces the scheme's) and an optional per-year schedule of quota and/or threshold."""

    mode: Literal["quota", "threshold", "both", "none"] | None = None
    quota: RealCount | None = None
    threshold: Line | None = None
    ties: Any = "admit_all"
    schedule: dict[Literal["quota", "threshold"], list[float | int | None]] | None = None


class QuotaQuestionSpec(StrictModel):
    """Parameters of the built-in "with cap" against "no cap" comparison."""

    quota: RealCount | None = None
    threshold: Line | None = None
    curve_points: int = Field(default=41, ge=2, le=2000)


SCENARIO_ID = re.compile(r"[^\W_][\w.\-]{0,79}")  # a name, never a path (see ScenarioSpec._id_is_a_name)


class ScenarioSpec(StrictModel):
    """A scenario file after ``base`` stacking (paths already resolved)."""

    id: str
    title: dict[str, str] | str | None = None
    description: str | None = None
    scheme: str
    schemes: dict[int, str] = Field(default_factory=dict)
    overrides: dict[str, Any] = Field(default_factory=dict)
    admission: AdmissionSpec | None = None
    recognition: RecognitionRules = Field(default_factory=RecognitionRules)
    population: PopulationSpec
    area: AreaSpec | None = None
    burn_in: BurnInSpec = Field(default_factory=BurnInSpec)
    horizon: int = Field(default=1, ge=1, le=100)
    start_year: Year = 2024
    replications: int = Field(default=1, ge=1, le=1000)
    seed: Seed = 0
    dynamics: DynamicsParams = Field(default_factory=DynamicsParams)
    quota_question: QuotaQuestionSpec = Field(default_factory=QuotaQuestionSpec)
    notes: list[str] = Field(default_factory=list)
    calibration: dict[str, Any] | None = None  # written by ``calibrate``; its shape checked below

    @field_validator("id")
    @classmethod
    def _id_is_a_name(cls, value: str) -> str:
        """The id names the results folder (``out/ID``, ``out/calibrate-ID``) and the tables of ``compare``
        (``ID__yearly.csv``): letters (Chinese too), digits, ``_``, ``-`` and ``.``, starting with a letter or digit,
        at most 80 characters, so that it can never be a path (``../x``, ``/tmp/x``) nor hold a control character."""
        if not SCENARIO_ID.fullmatch(value):
            raise ValueError("not a name: use letters, digits, _, - and . (starting with a letter or digit, at most 80 "
                             "characters); it names the results folder and its files")
        return value

    @field_validator("calibration")
    @classmethod
    def _calibration_shape(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        """The rows the run's report reads (fit, held_out) are mappings with a numeric error, as calibrate writes
        them (a list of strings or a text error crashed the report)."""
        for key in ("fit", "held_out"):
            rows = (value or {}).get(key)
            if rows is None:
                continue
            if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
                raise ValueError(f"calibration.{key} must be a list of mappings (target, observed, model, "
                                 "error_units), as calibrate writes it")
            for row in rows:
                error = row.get("error_units")
                if error is not None and (isinstance(error, bool) or not isinstance(error, int | float)
                                          or not math.isfinite(error)):
                    raise ValueError(f"calibration.{key}: error_units must be a finite number, not {error!r}")
        return value


TOP_KEYS = (*ScenarioSpec.model_fields, "base")
_PATH_KEYS = ("scheme",)


deep_merge = merge_mappings  # a scenario's merge: mappings key by key (``overrides`` too), other values replace


def read_scenario_dict(path: str | Path) -> dict[str, Any]:
    """Read a scenario file and resolve its ``base`` chain into one mapping; relative paths become absolute."""
    return read_with_bases(path, "scenario", ScenarioError, "id, scheme, population, ...", merge=_merge_onto_base,
                           prepare=_prepare)


def _prepare(data: dict[str, Any], path: Path, _before: tuple[Path, ...]) -> None:
    """Check one file of a chain for its keys and make its file names absolute (relative to that file)."""
    unknown = [k for k in data if k not in TOP_KEYS]
    if "items" in data and "scheme" not in data:
        raise ScenarioError(
            f"{path}: this is a points scheme, not a scenario; use it with check-scheme, score or admit, or write a "
            f"scenario with `scheme: {path.name}` (see docs/scenarios.md)"
        )
    if unknown:
        raise ScenarioError(f"{path}: {unknown[0]}: unknown key; valid: {', '.join(TOP_KEYS)}")
    for key in _PATH_KEYS:
        if isinstance(data.get(key), str):
            data[key] = str(resolve_relative(path, data[key]))
    rule = (data.get("burn_in") or {}).get("rule") if isinstance(data.get("burn_in"), dict) else None
    if isinstance(rule, dict) and isinstance(rule.get("scheme"), str):
        data["burn_in"] = {**data["burn_in"], "rule": {**rule, "scheme": str(resolve_relative(path, rule["scheme"]))}}
    if isinstance(data.get("schemes"), dict):
        data["schemes"] = {k: str(resolve_relative(path, v)) if isinstance(v, str) else v
                           for k, v in data["schemes"].items()}
    pop = data.get("population")
    if isinstance(pop, str):
        data["population"] = {"file": str(resolve_relative(path, pop))}
    elif isinstance(pop, dict) and isinstance(pop.get("file"), str):
        data["population"] = {**pop, "file": str(resolve_relative(path, pop["file"]))}


def _merge_onto_base(base: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """A scenario over its base: the base's id is dropped, and a population is one choice (synth or file, never a
    blend of both)."""
    base = {k: v for k, v in base.items() if k != "id"}
    new_pop, old_pop = data.get("population"), base.get("population")
    if isinstance(new_pop, dict) and isinstance(old_pop, dict) and set(new_pop) & {"synth", "file"}:
        base.pop("population")
    return merge_mappings(base, data)


def parse_scenario(data: dict[str, Any], source: str) -> ScenarioSpec:
    """Validate a resolved scenario mapping; errors name the file, the dotted path and the valid choices."""
    try:
        spec = ScenarioSpec.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        raise ScenarioError(_describe(_most_telling(errors), source, len(errors))) from None
    _check_schedule(spec, source)
    _check_arrivals(spec, source)
    return spec


def _most_telling(errors: list[Any]) -> Any:
    """The error to report: the first, unless it only says a mapping is not one of a union's words (``burn_in.rule:
    none | first | {...}``) while the mapping's own problem follows."""
    first = errors[0]
    if first.get("type") == "literal_error" and isinstance(first.get("input"), dict):
        parent = tuple(first.get("loc", ()))[:-1]
        return next((e for e in errors[1:] if tuple(e.get("loc", ()))[:len(parent)] == parent), first)
    return first


def _describe(err: Any, source: str, count: int) -> str:
    loc = [str(x) for x in err.get("loc", ())
           if not str(x).startswith(("function-", "literal[")) and not re.fullmatch(r"[A-Z][A-Za-z]+", str(x))]
    where = ".".join(loc) or "(top level)"
    more = f" (and {count - 1} more)" if count > 1 else ""
    if err.get("type") == "extra_forbidden":
        parent = _model_at(loc[:-1])
        valid = ", ".join(parent.model_fields) if parent else "see docs/scenarios.md"
        return f"{source}: {where}: unknown key; valid: {valid}{more}"
    if err.get("type") == "missing":
        return f"{source}: {where}: required key is missing{more}"
    msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
    value = err.get("input")
    shown = "" if isinstance(value, dict) else f" value {short_repr(value)}:"
    return f"{source}: {where}:{shown} {msg}{more}"


def _model_at(loc: list[str]) -> type[BaseModel] | None:
    model: type[BaseModel] | None = ScenarioSpec
    for step in loc:
        if model is None or step not in model.model_fields:
            return None
        ann = model.model_fields[step].annotation
        args = [a for a in getattr(ann, "__args__", (ann,)) if isinstance(a, type) and issubclass(a, BaseModel)]
        model = args[0] if args else (ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None)
    return model


def _check_schedule(spec: ScenarioSpec, source: str) -> None:
    adm = spec.admission
    if adm is None or adm.schedule is None:
        return
    for key, values in adm.schedule.items():
        if len(values) != spec.horizon:
            raise ScenarioError(
                f"{source}: admission.schedule.{key}: {len(values)} value(s) for a horizon of {spec.horizon} "
                f"year(s); give exactly one per year (null = none that year)"
            )
        for n, v in enumerate(values):
            if key == "quota" and v is not None and (int(v) != v or not 0 <= v <= MAX_REAL_PEOPLE):
                raise ScenarioError(
                    f"{source}: admission.schedule.quota[{n}]: value {short_repr(v)}: must be a whole number from 0 to "
                    f"{MAX_REAL_PEOPLE:,} or null"
                )
            if key == "threshold" and v is not None and not -MAX_POINTS <= v <= MAX_POINTS:
                raise ScenarioError(f"{source}: admission.schedule.threshold[{n}]: value {short_repr(v)}: must "
                                    f"be between -{MAX_POINTS:,} and {MAX_POINTS:,} points or null")


def _check_arrivals(spec: ScenarioSpec, source: str) -> None:
    """Refuse a growth of arrivals that takes them past :data:`MAX_ARRIVALS_PER_YEAR` in a simulated year (the
    first burn-in year when it shrinks them, the last reported year when it grows them)."""
    arrivals = spec.dynamics.arrivals
    if arrivals.per_year <= 0 or arrivals.growth == 0:
        return
    t = spec.horizon - 1 if arrivals.growth > 0 else -spec.burn_in.years
    log_peak = math.log(arrivals.per_year) + t * math.log1p(arrivals.growth)  # no overflow: compared as logs
    if log_peak > math.log(MAX_ARRIVALS_PER_YEAR):
        peak = f"{math.exp(log_peak):,.0f}" if log_peak < math.log(1e15) else f"{math.exp(min(log_peak, 700)):.3g}"
        raise ScenarioError(
            f"{source}: dynamics.arrivals.growth: value {short_repr(arrivals.growth)}: arrivals of "
            f"{arrivals.per_year:,.0f} a year reach {peak} a year in year {spec.start_year + t}; at most "
            f"{MAX_ARRIVALS_PER_YEAR:,} a year")
