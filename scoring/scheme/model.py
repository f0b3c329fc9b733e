"""The points-scheme model (pydantic): items, gates, groups, dominance and admission rules.

Loading, ``base`` inheritance and warnings live in :mod:`scoring.scheme.load`; conditions, labels and declared input
columns in :mod:`scoring.scheme.conditions`.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import unicodedata
from typing import Annotated, Any, Literal

import yaml
from pydantic import Field, field_validator, model_validator

from scoring.model_base import Source, StrictModel
from scoring.scheme.conditions import (
    CONDITION_FORMS,
    CONDITION_TESTS,
    MAX_INPUTS,
    MAX_PARTS,
    MAX_VALUES,
    CapRule,
    Condition,
    Gate,
    InputColumn,
    Label,
    Over,
    Points,
    value_source,
    when_list,
)
from scoring.yaml_files import NOT_ONE_LINE

__all__ = ["CONDITION_FORMS", "CONDITION_TESTS", "CapRule", "Condition", "Gate", "InputColumn", "Label", "Over"]

KINDS = ("per_unit", "category", "bands", "flag")
STATUSES = ("official", "illustrative", "draft")
MEASURES = ("design", "realised", "decisive")

# Generous bounds on the size of a scheme (the shipped ones have at most 20 items); see docs/schemes.md.
SCHEME_LIMITS = {"items": 500, "eligibility": 200, "groups": 100, "group_labels": 100, "sources": 200,
                 "assumptions": 500}
MAX_COLUMNS = 50  # columns of a weighted per-unit item, keys of a tie-break chain, dominance groups


class Band(StrictModel):
    """A half-open band [min, max) of a numeric column and its points."""

    min: float | None = None
    max: float | None = None
    points: Points

    @model_validator(mode="after")
    def _ordered(self) -> Band:
        if self.min is not None and self.max is not None and not self.min < self.max:
            raise ValueError(f"band min {self.min} must be below max {self.max}")
        return self


ITEM_KEYS_BY_KIND: dict[str, set[str]] = {
    "per_unit": {"column", "columns", "min_of", "max_of", "points_per_unit", "unit", "min_units", "max_units_column",
                 "cap"},
    "category": {"column", "points", "default"},
    "bands": {"column", "min_of", "max_of", "bands", "default"},
    "flag": {"column", "min_of", "max_of", "points"},
}
COMMON_ITEM_KEYS = {"id", "label", "group", "kind", "when", "note", "assumed"}


def item_keys(kind: str) -> set[str]:
    """The keys an item of ``kind`` may set."""
    return ITEM_KEYS_BY_KIND[kind] | COMMON_ITEM_KEYS


class Item(StrictModel):
    """One points item. ``kind`` decides which keys apply (see docs/schemes.md)."""

    id: str
    label: Label | None = None
    group: str = "other"
    kind: Literal["per_unit", "category", "bands", "flag"]
    column: str | None = None
    columns: dict[str, Points] | None = Field(default=None, max_length=MAX_COLUMNS)  # weights
    min_of: list[str | Over] | None = Field(default=None, max_length=MAX_PARTS)
    max_of: list[str | Over] | None = Field(default=None, max_length=MAX_PARTS)
    points_per_unit: Points | None = None
    unit: float | None = None
    min_units: float | None = None
    max_units_column: str | None = None
    cap: Points | None = None
    when: Condition | None = None
    points: Points | Annotated[dict[str, Points], Field(max_length=MAX_VALUES)] | None = None
    default: Points = 0.0
    bands: list[Band] | None = Field(default=None, max_length=MAX_VALUES)
    note: Label | None = None  # a plain string stands for both languages
    assumed: bool = False

    @model_validator(mode="before")
    @classmethod
    def _keys_fit_kind(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not isinstance(data.get("kind"), str) or data["kind"] not in ITEM_KEYS_BY_KIND:
            return data  # a kind that is not one (a mapping, a list, ...): the field's own check words it
        allowed = ITEM_KEYS_BY_KIND[data["kind"]] | COMMON_ITEM_KEYS
        stray = [k for k, v in data.items() if k not in allowed and v is not None]
        if stray:
            raise ValueError(
                f"key {stray[0]!r} does not apply to kind {data['kind']!r}; "
                f"allowed: {', '.join(sorted(allowed))}{_cannot(stray[0], data['kind'])} (see docs/schemes.md)"
            )
        return data

    @field_validator("when", mode="before")
    @classmethod
    def _when(cls, value: Any) -> Any:
        return when_list(value)

    @field_validator("cap", mode="before")
    @classmethod
    def _cap_number(cls, value: Any) -> Any:
        if isinstance(value, dict | list):
            raise ValueError(
                "an item's cap is a number; a cap that depends on another column is a group rule: "
                "groups: {NAME: {caps: [{when: ..., cap: N}], cap: N}} (see docs/schemes.md)"
            )
        return value

    @model_validator(mode="after")
    def _complete(self) -> Item:
        kind = self.kind
        given = [k for k in ("column", "columns", "min_of", "max_of") if getattr(self, k) is not None]
        if kind == "per_unit":
            if len(given) != 1:
                raise ValueError("per_unit needs exactly one of column, columns, min_of, max_of")
            if self.columns is not None and not self.columns:
                raise ValueError("columns must name at least one column")
            if self.points_per_unit is None:
                raise ValueError("per_unit needs points_per_unit")
        elif kind == "category":
            if self.column is None:
                raise ValueError("category needs column (one column of values; min_of/max_of are numbers)")
        elif len(given) != 1:
            raise ValueError(f"{kind} needs exactly one of column, min_of, max_of")
        if self.min_of is not None or self.max_of is not None:
            Over(min_of=self.min_of, max_of=self.max_of)  # same checks as a nested expression
        if kind == "category" and not isinstance(self.points, dict):
            raise ValueError("category needs points as a mapping {value: points}")
        if kind == "flag" and not isinstance(self.points, int | float):
            raise ValueError("flag needs points as a number")
        if kind == "bands" and not self.bands:
            raise ValueError("bands needs a non-empty list of bands")
        return self

    @field_validator("cap", "min_units")
    @classmethod
    def _not_negative(cls, value: float | None) -> float | None:
        if value is not None and value < 0:
            raise ValueError("must be zero or more")
        return value

    @field_validator("unit")
    @classmethod
    def _positive(cls, value: float | None) -> float | None:
        if value is not None and not value > 0:
            raise ValueError("must be positive")
        return value

    @field_validator("bands")
    @classmethod
    def _bands_disjoint(cls, value: list[Band] | None) -> list[Band] | None:
        if value:
            _check_bands(value)
        return value

    @property
    def source(self) -> str | Over | None:
        """The value the item reads: a column, a min_of/max_of expression, or None (weighted ``columns``)."""
        return value_source(self.column, self.min_of, self.max_of)

    def value_columns(self) -> list[str]:
        """The columns of the item's value (read where its ``when`` holds)."""
        src = self.source
        cols = ([src] if isinstance(src, str) else src.columns()) if src is not None else list(self.columns or {})
        if self.max_units_column:
            cols.append(self.max_units_column)
        return list(dict.fromkeys(cols))

    def source_columns(self) -> list[str]:
        """Every population column this item reads (its value, then its ``when``)."""
        cols = self.value_columns()
        if self.when is not None:
            cols.extend(self.when.columns())
        return list(dict.fromkeys(cols))

    def name(self, lang: str = "zh") -> str:
        """The item's label in ``lang``, or its id."""
        return self.label.get(lang) if self.label else self.id


_CANNOT = {
    "formula": "the format has no formulas: combine columns with min_of/max_of, weighted columns or conditions",
    "expression": "the format has no expressions: combine columns with min_of/max_of, weighted columns or conditions",
    "expr": "the format has no expressions: combine columns with min_of/max_of, weighted columns or conditions",
    "if": "conditions go under when: (all_of/any_of/not for several)",
    "condition": "conditions go under when: (all_of/any_of/not for several)",
    "conditions": "conditions go under when: (all_of/any_of/not for several)",
    "caps": "a cap that depends on a column is a group rule: groups: {NAME: {caps: [...]}}",
    "within": "a section over several groups is a group rule: groups: {NAME: {within: SECTION}}",
}


def _cannot(key: str, kind: str) -> str:
    hint = _CANNOT.get(key)
    if hint is None and key in ("min_of", "max_of") and kind == "category":
        hint = "min_of/max_of give numbers; a category item reads one column"
    return f"; {hint}" if hint else ""


def _check_bands(bands: list[Band]) -> None:
    spans = sorted(
        ((-math.inf if b.min is None else b.min), (math.inf if b.max is None else b.max)) for b in bands
    )
    for (lo1, hi1), (lo2, hi2) in itertools.pairwise(spans):
        if lo2 < hi1:
            raise ValueError(f"bands overlap: [{lo1}, {hi1}) and [{lo2}, {hi2})")


class GroupRule(StrictModel):
    """A rule over the items of one group: a ``cap`` on their points, and/or ``mode: max`` (only the best counts).

    ``caps`` are conditional caps (the first whose ``when`` holds applies; otherwise ``cap``); ``within`` names a
    section: a group whose rule then applies to the items of all groups within it, after their own rules."""

    cap: Points | None = None
    caps: list[CapRule] | None = Field(default=None, max_length=MAX_PARTS)
    mode: Literal["sum", "max"] = "sum"
    within: str | None = None
    label: Label | None = None

    @field_validator("cap", mode="before")
    @classmethod
    def _cap_number(cls, value: Any) -> Any:
        if isinstance(value, dict | list):
            raise ValueError("cap is a number; caps that depend on a column go under caps: [{when: ..., cap: N}]")
        return value

    @field_validator("cap")
    @classmethod
    def _cap(cls, value: float | None) -> float | None:
        if value is not None and value < 0:
            raise ValueError("must be zero or more")
        return value


class DominanceRule(StrictModel):
    """The policy's requirement: the named groups' share of points is at least ``min_share`` under ``measure``."""

    groups: list[str] = Field(default_factory=lambda: ["residence", "insurance"], max_length=MAX_COLUMNS)
    min_share: float = Field(default=0.5, ge=0, le=1)
    measure: Literal["design", "realised", "decisive"] = "realised"
    window: float | None = Field(default=None, gt=0)


class TieKey(StrictModel):
    """One step of a tie-break chain: a column (asc/desc) or a seeded lottery."""

    column: str | None = None
    order: Literal["asc", "desc"] = "desc"
    lottery: int | None = None

    @model_validator(mode="after")
    def _one(self) -> TieKey:
        if (self.column is None) == (self.lottery is None):
            raise ValueError("a tie key needs exactly one of column or lottery")
        return self


Ties = Literal["admit_all"] | Annotated[list[TieKey], Field(max_length=MAX_COLUMNS)]


class AdmissionRule(StrictModel):
    """How people are admitted: a quota, a threshold (score line, no cap), both (threshold, then at most quota), or
    none (no cap and no line: every eligible candidate is admitted)."""

    mode: Literal["quota", "threshold", "both", "none"] | None = None
    quota: int | None = Field(default=None, ge=0)
    threshold: Points | None = None
    ties: Ties = "admit_all"

    @model_validator(mode="after")
    def _consistent(self) -> AdmissionRule:
        if self.mode is None:
            if self.quota is not None and self.threshold is not None:
                self.mode = "both"
            elif self.threshold is not None:
                self.mode = "threshold"
            elif self.quota is not None:
                self.mode = "quota"
        if self.mode in ("quota", "both") and self.quota is None:
            raise ValueError(f"mode {self.mode} needs quota")
        if self.mode in ("threshold", "both") and self.threshold is None:
            raise ValueError(f"mode {self.mode} needs threshold")
        if self.mode == "none" and (self.quota is not None or self.threshold is not None):
            raise ValueError("mode none takes no quota and no threshold (every eligible candidate is admitted)")
        if isinstance(self.ties, list):
            if not self.ties:
                raise ValueError("ties must be admit_all or a non-empty list of tie keys")
            if any(k.lottery is not None for k in self.ties[:-1]):
                raise ValueError("a lottery can only be the last tie key")
        return self

    @property
    def quota_in_force(self) -> int | None:
        """The quota the mode applies (quota or both), else None."""
        return self.quota if self.mode in ("quota", "both") else None

    @property
    def threshold_in_force(self) -> float | None:
        """The score line the mode applies (threshold or both), else None."""
        return self.threshold if self.mode in ("threshold", "both") else None

    def ties_plain(self) -> str | list[dict[str, Any]]:
        """The tie rule as plain data: "admit_all", or the tie keys as dicts without their unset fields (for a report,
        or to pass as ``ties`` to a new rule)."""
        return self.ties if isinstance(self.ties, str) else [k.model_dump(exclude_none=True) for k in self.ties]


class Scheme(StrictModel):
    """A complete, resolved points scheme."""

    id: str
    version: str
    title: Label
    status: Literal["official", "illustrative", "draft"]
    effective_from: dt.date | None = None
    sources: list[Source] = Field(default_factory=list)
    assumptions: list[Label] = Field(default_factory=list)  # a plain string stands for both languages
    inputs: dict[str, InputColumn] = Field(default_factory=dict, max_length=MAX_INPUTS)
    eligibility: list[Gate] = Field(default_factory=list)
    items: list[Item]
    groups: dict[str, GroupRule] = Field(default_factory=dict)
    group_labels: dict[str, Label] = Field(default_factory=dict)
    dominance: DominanceRule = Field(default_factory=DominanceRule)
    admission: AdmissionRule | None = None
    edited_from: str | None = Field(default=None, max_length=200)  # "<id> v<version>" a user's edit started from
    path: str | None = Field(default=None, exclude=True)

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int | float) else value

    @field_validator("id", "version", "edited_from")
    @classmethod
    def _one_line(cls, value: str | None) -> str | None:
        """The stamp on every output is made of these: one line, without control, format (bidi, zero-width) or
        line-break characters (a newline in a version put live YAML after the "# stamp" comment of a download)."""
        if value is not None and any(unicodedata.category(ch) in NOT_ONE_LINE for ch in value):
            raise ValueError("must be one line of text, without control, format, line-break or non-characters")
        return value

    @model_validator(mode="after")
    def _unique(self) -> Scheme:
        for what, ids in (("items", [i.id for i in self.items]), ("eligibility", [g.id for g in self.eligibility])):
            seen: set[str] = set()
            for ident in ids:
                if ident in seen:
                    raise ValueError(f"{what}: id {ident!r} appears twice; ids must be unique")
                seen.add(ident)
        if not self.items:
            raise ValueError("items: a scheme needs at least one item")
        return self

    # -- convenience -------------------------------------------------------------------------------------------
    @property
    def is_official(self) -> bool:
        """True when every value is from an official text."""
        return self.status == "official"

    def stamp(self, lang: str = "zh") -> str:
        """The line stamped on every output: id, version, status, and "simulation" where values are not official."""
        assumed = self.status == "official" and any(i.assumed for i in self.items)
        if lang == "en":
            status = {"official": "official", "illustrative": "illustrative (values not official)", "draft": "draft"}
            extra = " (includes assumed values)" if assumed else ""
            edited = f" · edited (from {self.edited_from})" if self.edited_from else ""
            return f"{self.id} v{self.version} · {status[self.status]}{extra}{edited} · simulation"
        status_zh = {"official": "官方", "illustrative": "示意（非官方数值）", "draft": "草案"}[self.status]
        extra = "（含假设值）" if assumed else ""
        edited = f" · 已编辑（基于 {self.edited_from}）" if self.edited_from else ""
        return f"{self.id} v{self.version} · {status_zh}{extra}{edited} · 模拟结果"

    def item(self, item_id: str) -> Item:
        """The item with this id (KeyError naming the valid ids otherwise)."""
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(f"no item {item_id!r}; items: {', '.join(i.id for i in self.items)}")

    def group_names(self) -> list[str]:
        """Groups in order of first appearance among the items."""
        return list(dict.fromkeys(i.group for i in self.items))

    def group_items(self, group: str) -> list[str]:
        """Ids of the items of ``group`` and of every group within it (``within``), in file order."""
        members = {group}
        changed = True
        while changed:
            changed = False
            for name, rule in self.groups.items():
                if rule.within in members and name not in members:
                    members.add(name)
                    changed = True
        return [i.id for i in self.items if i.group in members]

    def group_order(self) -> list[str]:
        """Group rules in the order they apply: a group before the section it is within, else file order."""
        def depth(name: str) -> int:
            seen, d = {name}, 0
            rule = self.groups.get(name)
            while rule is not None and rule.within is not None and rule.within not in seen:
                seen.add(rule.within)
                d += 1
                rule = self.groups.get(rule.within)
            return d

        names = list(self.groups)
        return sorted(names, key=lambda n: -depth(n))

    def group_label(self, group: str, lang: str = "zh") -> str:
        """The group's display label."""
        rule = self.groups.get(group)
        if rule is not None and rule.label is not None:
            return rule.label.get(lang)
        if group in self.group_labels:
            return self.group_labels[group].get(lang)
        return DEFAULT_GROUP_LABELS.get(group, {}).get(lang, group)

    def columns(self) -> list[str]:
        """Every population column the scheme reads (items, gates, conditions, conditional caps and tie keys)."""
        cols: list[str] = []
        for gate in self.eligibility:
            cols.extend(gate.columns())
        for item in self.items:
            cols.extend(item.source_columns())
        for rule in self.groups.values():
            for entry in rule.caps or []:
                cols.extend(entry.when.columns() if entry.when is not None else [])
        if self.admission is not None and isinstance(self.admission.ties, list):
            cols.extend(k.column for k in self.admission.ties if k.column)
        return list(dict.fromkeys(cols))

    def users_of(self, column: str) -> str:
        """What reads ``column``: up to five item, gate and conditional-cap ids ("a tie-break" when none), for
        messages about a missing column."""
        users = [i.id for i in self.items if column in i.source_columns()]
        users += [g.id for g in self.eligibility if column in g.columns()]
        users += [f"groups.{n}.caps" for n, r in self.groups.items()
                  if any(e.when is not None and column in e.when.columns() for e in r.caps or [])]
        return ", ".join(users[:5]) + (f" and {len(users) - 5} more" if len(users) > 5 else "") or "a tie-break"

    def to_dict(self) -> dict[str, Any]:
        """A plain mapping that :func:`scheme_from_dict` reads back to an equal scheme."""
        data = self.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_defaults=False)
        if not data.get("inputs"):
            data.pop("inputs", None)
        for item in data["items"]:
            if item.get("default") == 0.0 and item["kind"] in ("per_unit", "flag"):
                item.pop("default")
            if item.get("assumed") is False:
                item.pop("assumed")
        return data

    def to_yaml(self) -> str:
        """The resolved scheme as YAML text (``base`` already applied)."""
        return yaml.safe_dump(self.to_dict(), allow_unicode=True, sort_keys=False, width=120)


DEFAULT_GROUP_LABELS: dict[str, dict[str, str]] = {
    "residence": {"zh": "居住年限", "en": "residence years"},
    "insurance": {"zh": "社保年限", "en": "social-insurance years"},
    "human_capital": {"zh": "人力资本", "en": "human capital"},
    "bonus": {"zh": "加分", "en": "bonus"},
    "deduction": {"zh": "扣分", "en": "deductions"},
    "location": {"zh": "职住区域", "en": "job/residence location"},
    "awards": {"zh": "荣誉奖励", "en": "awards"},
    "other": {"zh": "其他", "en": "other"},
}
