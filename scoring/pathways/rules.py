"""Settlement rule sets as data (``rulesets/*.yaml``): the model, loading, validation and differences.

A rule set names the recognition rules (notice 二(三)), the residence-permit rule (一(三)) and the settlement
pathways (一(二)(四), 二(一)(二)). Pathway conditions are nested tests on population columns
(``{column, equals | in | min | max}``, ``all_of``, ``any_of``, ``not``) — plain data, never evaluated as code.

One meaning per term: ``terms:`` defines a term once (e.g. ``stable_home``, 合法稳定住所（含租赁，下同）) and criteria
use it by name (``{term: stable_home}``); it is resolved at load time. Every reading the text leaves open is a
``readings:`` entry: the notice's words, its kind (reading / encouragement / parameter), the options and the
default; each option sets values in the file (dotted keys). :func:`load_ruleset` takes other choices
(``readings={"dormitory": "excluded"}``) and dotted overrides (``overrides={"pathways.conversion.phase_in": 0.5}``).
Validation errors name the file, the key path, the value and what is allowed (:class:`RuleSetError`).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import typing
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, model_validator

from scoring.errors import ScoringInputError
from scoring.model_base import Label, Source, StrictModel
from scoring.population.pathway_spec import categories as pathway_categories
from scoring.population.pathway_spec import pathway_columns
from scoring.population.schema import load_schema
from scoring.recognition import RecognitionRules
from scoring.yaml_files import read_yaml_mapping, short_repr

AREAS = ("hangzhou_city_district", "other_urban", "rural")
STATUSES = ("official", "illustrative", "draft")


class RuleSetError(ScoringInputError):
    """A rule set cannot be loaded; the message names the file, the key path, the value and what is allowed."""


class Criterion(StrictModel):
    """A test on one column, or all/any of several criteria, or the negation of one."""

    column: str | None = None
    equals: bool | int | float | str | None = None
    in_: list[bool | int | float | str] | None = Field(default=None, alias="in")
    min: float | None = None
    max: float | None = None
    all_of: list[Criterion] | None = None
    any_of: list[Criterion] | None = None
    not_: Criterion | None = Field(default=None, alias="not")
    label: Label | None = None
    term: str | None = None   # the term this criterion was resolved from (descriptive)

    @model_validator(mode="after")
    def _one_form(self) -> Criterion:
        forms = [self.column is not None, self.all_of is not None, self.any_of is not None, self.not_ is not None]
        if sum(forms) != 1:
            raise ValueError("needs exactly one of column (with equals/in/min/max), all_of, any_of, not")
        tests = (self.equals, self.in_, self.min, self.max)
        if self.column is not None and all(t is None for t in tests):
            raise ValueError(f"column {self.column!r} needs at least one of equals, in, min, max")
        if self.column is None and any(t is not None for t in tests):
            raise ValueError("equals/in/min/max need a column")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is greater than max {self.max}")
        return self

    def columns(self) -> set[str]:
        """Every column this criterion reads."""
        if self.column is not None:
            return {self.column}
        subs = self.all_of or self.any_of or ([self.not_] if self.not_ else [])
        return set().union(*(c.columns() for c in subs)) if subs else set()


class PermitCondition(Criterion):
    """One of the alternative permit conditions (job, home, schooling), with an id for the tables."""

    id: str


class PermitRule(StrictModel):
    """Residence permit (一(三)): resident long enough, plus any one of the conditions."""

    label: Label
    clause: str | None = None
    residence: Criterion
    conditions: list[PermitCondition] = Field(min_length=1)
    note: str | None = None


class Admission(StrictModel):
    """Admission override for the points pathway: a threshold, a quota, or a quota as a share of the population."""

    threshold: float | None = None
    quota: int | None = Field(default=None, ge=0)
    quota_share: float | None = Field(default=None, ge=0, le=1)
    ties: Any = None
    note: str | None = None

    @model_validator(mode="after")
    def _one_quota(self) -> Admission:
        if self.quota is not None and self.quota_share is not None:
            raise ValueError("give quota or quota_share, not both")
        return self


class Pathway(StrictModel):
    """A settlement pathway: where it applies and who qualifies."""

    label: Label
    clause: str | None = None
    kind: Literal["criteria", "points"] = "criteria"
    enabled: bool = True
    areas: list[Literal["hangzhou_city_district", "other_urban", "rural"]] = Field(min_length=1)
    criteria: Criterion | None = None
    scheme: str | None = None
    admission: Admission | None = None
    note: str | None = None
    assumed: bool = True
    phase_in: float = Field(default=1.0, ge=0, le=1)
    phase_in_note: str | None = None

    @model_validator(mode="after")
    def _fits_kind(self) -> Pathway:
        if self.kind == "points" and not self.scheme:
            raise ValueError("a points pathway needs scheme (a points scheme file)")
        if self.kind == "criteria" and (self.scheme or self.admission):
            raise ValueError("scheme and admission apply to kind points only")
        if self.kind == "criteria" and self.enabled and self.criteria is None:
            raise ValueError("an enabled criteria pathway needs criteria")
        return self


Recognition = RecognitionRules  # the rule set's recognition: section is the one model of scoring.recognition

# rule units of the recognition section: the settings that belong together (changed together in comparisons)
RECOGNITION_UNITS: dict[str, tuple[str, ...]] = {
    "yrd_insurance": ("yrd_insurance", "yrd_requires_employment", "yrd_scope", "yrd_within_zhejiang"),
    "prefecture_residence": ("prefecture_residence",),
    "yrd_residence": ("yrd_residence", "yrd_scope"),
}


class ReadingOption(StrictModel):
    """One way of reading an open point: its label and the values it sets (dotted keys into the rule set)."""

    label: Label
    set: dict[str, Any] = Field(default_factory=dict)


class Reading(StrictModel):
    """A point the notice leaves open: the words, the kind, the options and the default."""

    label: Label
    clause: str | None = None
    quote: str | None = None
    kind: Literal["reading", "encouragement", "parameter"] = "reading"
    default: str
    options: dict[str, ReadingOption] = Field(min_length=2)
    note: str | None = None

    @model_validator(mode="after")
    def _default_is_option(self) -> Reading:
        if self.default not in self.options:
            raise ValueError(f"default {self.default!r} is not an option; options: {', '.join(self.options)}")
        return self


class RuleSet(StrictModel):
    """A complete rule set: recognition, residence permit and pathways."""

    id: str
    version: str
    title: Label
    status: Literal["official", "illustrative", "draft"] = "illustrative"
    effective_from: dt.date | None = None
    sources: list[Source] = Field(default_factory=list)
    assumptions: list[str] = Field(default_factory=list)
    recognition: RecognitionRules = Field(default_factory=RecognitionRules)
    terms: dict[str, Criterion] = Field(default_factory=dict)
    readings: dict[str, Reading] = Field(default_factory=dict)
    choices: dict[str, str] = Field(default_factory=dict)   # reading id -> option in force (set at load time)
    overrides: dict[str, Any] = Field(default_factory=dict)  # dotted overrides applied at load time
    permit: PermitRule | None = None
    permit_source: str | None = None
    pathways: dict[str, Pathway] = Field(default_factory=dict)
    path: str | None = Field(default=None, exclude=True)

    def readings_in_force(self, lang: str = "zh") -> list[dict[str, Any]]:
        """Each open point with the option in force, its kind and whether it is the file's default."""
        kinds = {"zh": {"reading": "解读", "encouragement": "鼓励性（非强制规则）", "parameter": "参数"},
                 "en": {"reading": "reading", "encouragement": "encouragement (not a rule)",
                        "parameter": "parameter"}}[lang if lang == "en" else "zh"]
        out = []
        for rid, reading in self.readings.items():
            choice = self.choices.get(rid, reading.default)
            out.append({"reading": rid, "label": reading.label.get(lang), "clause": reading.clause or "",
                        "quote": reading.quote or "", "kind": kinds[reading.kind], "choice": choice,
                        "choice_label": reading.options[choice].label.get(lang),
                        "default": choice == reading.default,
                        "alternatives": ", ".join(k for k in reading.options if k != choice)})
        return out

    def stamp(self, lang: str = "zh") -> str:
        """The line stamped on every output: id, version, status and "simulation"."""
        if lang == "en":
            status = {"official": "official", "illustrative": "illustrative (rule values are assumptions)",
                      "draft": "draft"}[self.status]
            return f"{self.id} v{self.version} · {status} · simulation"
        status_zh = {"official": "官方", "illustrative": "示意（规则数值为假设）", "draft": "草案"}[self.status]
        return f"{self.id} v{self.version} · {status_zh} · 模拟"

    def scheme_path(self, pathway_id: str) -> Path:
        """The points scheme file of a points pathway, resolved against the rule-set file."""
        scheme = self.pathways[pathway_id].scheme or ""
        base = Path(self.path).parent if self.path else Path(".")
        return Path(scheme) if Path(scheme).is_absolute() else base / scheme


# -- value checks ------------------------------------------------------------------------------------------------
def allowed_values(column: str) -> tuple[str, ...] | None:
    """Allowed codes of a known closed category column (population schema or pathway columns), else None."""
    if column in pathway_columns():
        spec = pathway_columns()[column]
        return pathway_categories(column) if spec.get("type") == "category" else None
    schema = load_schema()
    if column in schema.columns:
        spec = schema.column(column)
        return spec.categories if spec.type == "category" and not spec.open else None
    return None


def _check_criterion(crit: Criterion, where: str, source: str, errors: list[str]) -> None:
    if crit.column is not None:
        allowed = allowed_values(crit.column)
        if allowed is not None:
            values = ([crit.equals] if crit.equals is not None else []) + list(crit.in_ or [])
            key = "equals" if crit.equals is not None else "in"
            for value in values:
                if str(value) not in allowed:
                    errors.append(f"{source}: {where}.{key}: value {short_repr(value)} is not a value of column "
                                  f"{crit.column!r}; allowed: {', '.join(allowed)}")
        return
    for key, subs in (("all_of", crit.all_of), ("any_of", crit.any_of)):
        for i, sub in enumerate(subs or []):
            _check_criterion(sub, f"{where}.{key}[{i}]", source, errors)
    if crit.not_ is not None:
        _check_criterion(crit.not_, f"{where}.not", source, errors)


def _keys_at(loc: tuple[Any, ...]) -> list[str]:
    """The keys allowed at ``loc`` (a pydantic error location below RuleSet), for "unknown key" messages."""
    kind: Any = RuleSet
    for part in loc:
        while not (isinstance(kind, type) and issubclass(kind, BaseModel)):
            args = [a for a in typing.get_args(kind) if a is not type(None)]
            if not args:
                return []
            kind = args[-1]  # list[X] -> X, dict[str, X] -> X, X | None -> X
            if isinstance(part, int | str) and not (isinstance(kind, type) and issubclass(kind, BaseModel)):
                continue
            break
        if isinstance(part, str) and part in kind.model_fields:
            kind = kind.model_fields[part].annotation
        elif isinstance(part, str) and any(f.alias == part for f in kind.model_fields.values()):
            kind = next(f.annotation for f in kind.model_fields.values() if f.alias == part)
        elif isinstance(part, int) or isinstance(kind, type):
            continue
    while not (isinstance(kind, type) and issubclass(kind, BaseModel)):
        args = [a for a in typing.get_args(kind) if a is not type(None)]
        if not args:
            return []
        kind = args[-1]
    return [f.alias or n for n, f in kind.model_fields.items() if n != "path"]


def _describe(err: dict[str, Any], data: Any, source: str) -> str:
    path, value = "", data
    for part in err.get("loc", ()):
        if str(part).startswith(("function-", "tagged-union")):
            continue
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
        found = (isinstance(value, dict) and part in value) or (
            isinstance(value, list) and isinstance(part, int) and part < len(value))
        value = value[part] if found else None  # type: ignore[index]
    msg = err.get("msg", "invalid").removeprefix("Value error, ")
    if err.get("type") == "extra_forbidden":
        keys = _keys_at(tuple(p for p in err.get("loc", ())[:-1] if not str(p).startswith("function-")))
        msg = "unknown key" + (f"; allowed keys: {', '.join(keys)}" if keys else "")
    elif err.get("type") == "literal_error":
        msg = f"not allowed; allowed: {err.get('ctx', {}).get('expected', '')}"
    shown = "" if value is None or isinstance(value, dict | list) or err.get("type") == "extra_forbidden" else (
        f" value {short_repr(value)}:")  # the value of an unknown key is never shown
    return f"{source}: {path or '(top level)'}:{shown} {msg}"


def _read_yaml(path: Path, what: str) -> dict[str, Any]:
    return read_yaml_mapping(path, what, RuleSetError, "id, version, title, pathways, ...")


def set_dotted(data: dict[str, Any], key: str, value: Any, source: str) -> None:
    """Set ``data[a][b][c] = value`` for ``key`` "a.b.c" (the parent must exist; raises RuleSetError otherwise)."""
    parts = key.split(".")
    node: Any = data
    for i, part in enumerate(parts[:-1]):
        if not isinstance(node, dict) or part not in node or not isinstance(node[part], dict):
            raise RuleSetError(f"{source}: {key}: no such key {'.'.join(parts[:i + 1])!r} in the rule set")
        node = node[part]
    node[parts[-1]] = copy.deepcopy(value)


def get_dotted(data: dict[str, Any], key: str, source: str) -> Any:
    """``data[a][b][c]`` for ``key`` "a.b.c" (None when the last key is absent; RuleSetError for a missing parent)."""
    node: Any = data
    parts = key.split(".")
    for i, part in enumerate(parts[:-1]):
        if not isinstance(node, dict) or not isinstance(node.get(part), dict):
            raise RuleSetError(f"{source}: {key}: no such key {'.'.join(parts[:i + 1])!r} in the rule set")
        node = node[part]
    return node.get(parts[-1])


def _resolve_terms(value: Any, terms: dict[str, Any], where: str, source: str, depth: int = 0) -> Any:
    """Replace every ``{term: NAME}`` criterion by the term's definition (plain data, bounded depth)."""
    if depth > 50:
        raise RuleSetError(f"{source}: {where}: criteria nested too deeply (or a term refers to itself)")
    if isinstance(value, dict):
        if set(value) <= {"term", "label", "id"} and "term" in value:
            name = value["term"]
            if not isinstance(name, str) or name not in terms:
                raise RuleSetError(f"{source}: {where}.term: value {name!r} is not a term; terms: "
                                   f"{', '.join(terms) or '(none defined)'}")
            if not isinstance(terms[name], dict):
                raise RuleSetError(f"{source}: terms.{name}: value {short_repr(terms[name])}: a term is a criterion "
                                   "(a mapping such as {column: ..., min: ...})")
            out = _resolve_terms(copy.deepcopy(terms[name]), terms, f"terms.{name}", source, depth + 1)
            return {**out, "term": name, **{k: value[k] for k in ("label", "id") if k in value}}
        return {k: _resolve_terms(v, terms, f"{where}.{k}", source, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve_terms(v, terms, f"{where}[{i}]", source, depth + 1) for i, v in enumerate(value)]
    return value


def _apply_readings(data: dict[str, Any], choices: dict[str, str], source: str) -> dict[str, str]:
    """Apply each reading's chosen (or default) option to ``data``; return reading id -> option in force."""
    raw = data.get("readings") or {}
    if not isinstance(raw, dict):
        raise RuleSetError(f"{source}: readings: must be a mapping of reading id to reading")
    readings: dict[str, Reading] = {}
    for rid, item in raw.items():
        try:
            readings[rid] = Reading.model_validate(item)
        except ValidationError as exc:
            errors = [_describe({**e, "loc": ("readings", rid, *e.get("loc", ()))}, data, source)
                      for e in exc.errors()]
            raise RuleSetError(errors[0]) from None
    for rid, option in choices.items():
        if rid not in readings:
            raise RuleSetError(f"{source}: reading {rid!r} does not exist; readings: {', '.join(readings) or '(none)'}")
        if option not in readings[rid].options:
            raise RuleSetError(f"{source}: reading {rid}: option {option!r} does not exist; options: "
                               f"{', '.join(readings[rid].options)}")
    in_force = {rid: choices.get(rid, r.default) for rid, r in readings.items()}
    for rid, option in in_force.items():
        for key, value in readings[rid].options[option].set.items():
            where = f"{source}: readings.{rid}.options.{option}.set"
            if rid in choices:
                set_dotted(data, key, value, where)
            elif get_dotted(data, key, where) != value:  # the file's own values are the default reading
                raise RuleSetError(f"{where}: {key}: the default option sets {value!r} but the file has "
                                   f"{get_dotted(data, key, where)!r}; make the reading's default match the file")
    return in_force


def ruleset_from_dict(data: dict[str, Any], source: str = "<rules>", base_dir: Path | None = None, *,
                      readings: dict[str, str] | None = None, overrides: dict[str, Any] | None = None) -> RuleSet:
    """Validate a mapping into a :class:`RuleSet` (a ``permit:`` file name is read relative to ``base_dir``).

    ``readings`` picks options of the file's open points (default: each reading's default); ``overrides`` sets
    dotted keys (``pathways.conversion.phase_in: 0.5``) after the readings; terms are resolved last.
    """
    data = copy.deepcopy(dict(data))
    permit = data.get("permit")
    if isinstance(permit, str):
        permit_path = (base_dir or Path(".")) / permit
        other = _read_yaml(permit_path, "permit rule")
        if not isinstance(other.get("permit"), dict):
            raise RuleSetError(f"{source}: permit: value {short_repr(permit)}: file {permit_path} has no permit: "
                               "mapping")
        data["permit"] = other["permit"]
        data["permit_source"] = f"{other.get('id', permit_path.stem)} v{other.get('version', '?')}"
        for key in ("terms", "readings"):  # the including rule set's definitions win: one meaning per term
            own = data.get(key)
            if own is not None and not isinstance(own, dict):
                raise RuleSetError(f"{source}: {key}: must be a mapping of name to definition")
            if isinstance(other.get(key), dict):
                data[key] = {**other[key], **(own or {})}
    data["choices"] = _apply_readings(data, dict(readings or {}), source)
    for key, value in (overrides or {}).items():
        set_dotted(data, key, value, f"{source}: override")
    data["overrides"] = dict(overrides or {})
    terms = data.get("terms") or {}
    if not isinstance(terms, dict):
        raise RuleSetError(f"{source}: terms: must be a mapping of term name to criterion")
    for key in ("pathways", "permit"):
        if key in data:
            data[key] = _resolve_terms(data[key], terms, key, source)
    data["terms"] = {k: _resolve_terms(v, terms, f"terms.{k}", source) for k, v in terms.items()}
    try:
        rules = RuleSet.model_validate(data)
    except ValidationError as exc:
        errors = [_describe(e, data, source) for e in exc.errors()]
        raise RuleSetError(errors[0] + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else "")) from None
    errors: list[str] = []
    for pid, pathway in rules.pathways.items():
        if pathway.criteria is not None:
            _check_criterion(pathway.criteria, f"pathways.{pid}.criteria", source, errors)
    if rules.permit is not None:
        _check_criterion(rules.permit.residence, "permit.residence", source, errors)
        for i, cond in enumerate(rules.permit.conditions):
            _check_criterion(cond, f"permit.conditions[{i}]", source, errors)
    if errors:
        raise RuleSetError(errors[0] + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""))
    rules.path = source
    return rules


def load_ruleset(path: str | Path, *, readings: dict[str, str] | None = None,
                 overrides: dict[str, Any] | None = None) -> RuleSet:
    """Load and validate a rule-set file; raise :class:`RuleSetError` naming file, key, value and what is allowed.

    ``readings`` (reading id -> option) and ``overrides`` (dotted key -> value) as in :func:`ruleset_from_dict`.
    """
    path = Path(path)
    rules = ruleset_from_dict(_read_yaml(path, "rule-set"), str(path), path.parent, readings=readings,
                              overrides=overrides)
    for pid, pathway in rules.pathways.items():
        if pathway.kind == "points" and not rules.scheme_path(pid).exists():
            raise RuleSetError(f"{path}: pathways.{pid}.scheme: value {short_repr(pathway.scheme)}: scheme file "
                               f"not found (looked for {rules.scheme_path(pid)})")
    return rules


# -- differences -------------------------------------------------------------------------------------------------
_DESCRIPTIVE = frozenset({"label", "note", "clause", "assumed", "term", "phase_in_note"})


def rule_body(model: BaseModel) -> Any:
    """A rule as plain data without its descriptive keys (labels, notes, clauses): what decides who qualifies."""

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in _DESCRIPTIVE and v is not None}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return strip(model.model_dump(by_alias=True))


def _rule_units(rules: RuleSet) -> dict[str, Any]:
    """The independently switchable parts of a rule set, as comparable plain data (labels and notes ignored)."""
    recog = rules.recognition.model_dump()
    units: dict[str, Any] = {f"recognition.{u}": {k: recog[k] for k in keys} for u, keys in RECOGNITION_UNITS.items()}
    units["permit"] = rule_body(rules.permit) if rules.permit else None
    for pid, pathway in rules.pathways.items():
        body = rule_body(pathway)
        if pathway.kind == "points":
            body["scheme"] = str(rules.scheme_path(pid).resolve())
        units[f"pathways.{pid}"] = body if pathway.enabled else None
    return units


def rule_changes(old: RuleSet, new: RuleSet) -> list[str]:
    """The units (``recognition.X``, ``permit``, ``pathways.ID``) that differ between two rule sets, in order."""
    a, b = _rule_units(old), _rule_units(new)
    keys = list(dict.fromkeys([*a, *b]))
    dump = lambda v: json.dumps(v, sort_keys=True, default=str)  # noqa: E731
    return [k for k in keys if dump(a.get(k)) != dump(b.get(k))]


def with_change(old: RuleSet, new: RuleSet, unit: str) -> RuleSet:
    """``old`` with one unit taken from ``new`` (a pathway absent or disabled in ``new`` is disabled)."""
    out = old.model_copy(deep=True)
    out.path = old.path
    if unit.startswith("recognition."):
        for key in RECOGNITION_UNITS[unit.split(".", 1)[1]]:
            setattr(out.recognition, key, getattr(new.recognition, key))
    elif unit == "permit":
        out.permit = new.permit.model_copy(deep=True) if new.permit else None
    elif unit.startswith("pathways."):
        pid = unit.split(".", 1)[1]
        if pid in new.pathways:
            pathway = new.pathways[pid].model_copy(deep=True)
            if pathway.kind == "points":  # keep the scheme file resolvable from the old rule set's folder
                pathway.scheme = str(new.scheme_path(pid).resolve())
            out.pathways[pid] = pathway
        elif pid in out.pathways:
            out.pathways[pid].enabled = False
    else:
        raise KeyError(f"unknown rule unit {unit!r}")
    return out


def unit_label(unit: str, old: RuleSet, new: RuleSet, lang: str = "zh") -> str:
    """A display label for a rule unit."""
    if unit == "recognition.yrd_insurance":
        return "长三角社保年限累计互认" if lang == "zh" else "YRD social-insurance years recognised"
    if unit == "recognition.prefecture_residence":
        return "设区市范围内居住年限互认" if lang == "zh" else "residence years recognised city-wide"
    if unit == "recognition.yrd_residence":
        return ("长三角居住年限互认（鼓励性，非规则）" if lang == "zh"
                else "YRD residence years recognised (encouragement, not a rule)")
    if unit == "permit":
        return "居住证申领条件" if lang == "zh" else "residence-permit conditions"
    pid = unit.split(".", 1)[1]
    pathway = new.pathways.get(pid) or old.pathways.get(pid)
    return pathway.label.get(lang) if pathway else pid
