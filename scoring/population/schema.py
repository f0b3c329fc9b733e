"""The population schema as data: typed access to ``scoring/population/population_schema.yaml``.

The loader, the validator, the docs and the dashboard read the column types, ranges, labels and the Chinese
aliases of headers and values from here, so that a new alias or label is one line of YAML. The age bands of every
page, table and simulation output are defined here too (:func:`age_band`), once.
"""

from __future__ import annotations

import dataclasses
import itertools
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml

SCHEMA_PATH = Path(__file__).with_name("population_schema.yaml")

ColumnType = Literal["string", "int", "float", "bool", "category"]
Lang = Literal["zh", "en"]


def normalise_text(value: str) -> str:
    """NFKC-normalise, strip and lower-case a header or value (full-width characters become ASCII)."""
    return unicodedata.normalize("NFKC", value).strip().lower()


def normalise_header(value: str) -> str:
    """Normalise a header for alias matching: NFKC, lower case, no spaces, underscores, hyphens or dots."""
    text = normalise_text(value)
    for ch in (" ", "\t", "_", "-", ".", "\u3000", "（", "）"):
        text = text.replace(ch, "")
    return text.replace("(", "").replace(")", "")


@dataclass(frozen=True)
class ValueSpec:
    """One allowed value of a category column."""

    code: str
    zh: str
    en: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class ColumnSpec:
    """One population column: type, compact dtype, range, unit, labels and aliases."""

    name: str
    canonical: bool
    type: ColumnType
    dtype: str
    label_zh: str
    label_en: str
    unit_zh: str | None = None
    unit_en: str | None = None
    range: tuple[float, float] | None = None
    aliases: tuple[str, ...] = ()
    values: tuple[ValueSpec, ...] = ()
    open: bool = False

    @property
    def categories(self) -> tuple[str, ...]:
        """Canonical category codes, in schema order (empty for non-category columns)."""
        return tuple(v.code for v in self.values)

    def label(self, lang: Lang = "zh") -> str:
        """The column's label in ``lang`` ("zh" or "en")."""
        return self.label_zh if lang == "zh" else self.label_en

    def unit(self, lang: Lang = "zh") -> str | None:
        """The column's unit in ``lang``, or None."""
        return self.unit_zh if lang == "zh" else self.unit_en


@dataclass(frozen=True)
class Schema:
    """The whole population schema with alias look-up tables."""

    version: int
    working_age: int
    columns: dict[str, ColumnSpec]
    bool_true: frozenset[str]
    bool_false: frozenset[str]
    identifier_headers: dict[str, frozenset[str]]
    age_edges: tuple[int, ...] = ()  # first ages of the bands after the first (see age_bands in the YAML)
    _header_index: dict[str, str] = field(default_factory=dict, repr=False)
    _value_index: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)

    @property
    def canonical_columns(self) -> tuple[str, ...]:
        """Names of the canonical (design-contract) columns, in schema order."""
        return tuple(name for name, spec in self.columns.items() if spec.canonical)

    def column(self, name: str) -> ColumnSpec:
        """The spec of column ``name``; raises KeyError for an unknown column."""
        return self.columns[name]

    def canonical_header(self, header: str) -> str | None:
        """The column name that ``header`` is an alias of (or the name itself), else None."""
        return self._header_index.get(normalise_header(str(header)))

    def identifier_kind(self, header: str) -> str | None:
        """"name", "id_number", "phone" or "contact" if ``header`` names a direct identifier, else None."""
        key = normalise_header(str(header))
        for kind, names in self.identifier_headers.items():
            if key in names:
                return kind
        return None

    def value_map(self, column: str) -> dict[str, str]:
        """Normalised alias -> canonical code for a category column."""
        return self._value_index.get(column, {})

    def canonical_value(self, column: str, value: object) -> str | None:
        """The canonical code for ``value`` in category ``column`` (alias aware), else None."""
        return self.value_map(column).get(normalise_text(str(value)))

    def parse_bool(self, value: object) -> bool | None:
        """True/False for a recognised yes/no spelling (是/否, true/false, 1/0, ...), else None."""
        if isinstance(value, bool):
            return value
        text = normalise_text(str(value))
        if text in self.bool_true:
            return True
        if text in self.bool_false:
            return False
        if "_" in text:  # float() would read "1_0" as 10.0
            return None
        try:
            number = float(text)
        except ValueError:
            return None
        if number == 1.0:
            return True
        if number == 0.0:
            return False
        return None

    def all_value_aliases(self) -> frozenset[str]:
        """Every normalised value alias of every category and bool column (used by the name screen)."""
        out: set[str] = set(self.bool_true) | set(self.bool_false)
        for mapping in self._value_index.values():
            out.update(mapping)
        return frozenset(out)

    @property
    def age_band_labels(self) -> tuple[str, ...]:
        """The age bands' labels, youngest first: ``<18``, ``18-24``, ..., ``60+`` (the same in both languages)."""
        edges = self.age_edges
        inner = [f"{lo}-{hi - 1}" for lo, hi in itertools.pairwise(edges)]
        return (f"<{edges[0]}", *inner, f"{edges[-1]}+")

    def age_band_codes(self, age: Any) -> np.ndarray:
        """The band of each age as an index into :attr:`age_band_labels` (int8); -1 for a missing or negative age."""
        values = np.asarray(age, dtype=np.float64)
        codes = np.searchsorted(np.asarray(self.age_edges, dtype=np.float64), values, side="right").astype(np.int8)
        codes[~(values >= 0)] = -1  # NaN fails the comparison too
        return codes

    def label(self, column: str, lang: Lang = "zh") -> str:
        """Label of ``column`` in ``lang``; an unknown column's own name."""
        spec = self.columns.get(column)
        return spec.label(lang) if spec else column

    def value_label(self, column: str, value: object, lang: Lang = "zh") -> str:
        """Label of ``value`` of ``column`` in ``lang`` (是/否 or yes/no for bools); unknown values as text."""
        spec = self.columns.get(column)
        if spec is None:
            return str(value)
        if spec.type == "bool":
            truth = self.parse_bool(value)
            if truth is None:
                return str(value)
            return ("是" if truth else "否") if lang == "zh" else ("yes" if truth else "no")
        if spec.type == "category":
            code = self.canonical_value(column, value) or str(value)
            for v in spec.values:
                if v.code == code:
                    return v.zh if lang == "zh" else v.en
        return str(value)


def _pair(obj: Any, what: str) -> tuple[str, str]:
    if not isinstance(obj, dict) or "zh" not in obj or "en" not in obj:
        raise ValueError(f"population schema: {what} must be a mapping with zh and en")
    return str(obj["zh"]), str(obj["en"])


def _parse(raw: dict[str, Any]) -> Schema:
    columns: dict[str, ColumnSpec] = {}
    header_index: dict[str, str] = {}
    value_index: dict[str, dict[str, str]] = {}
    for name, body in raw["columns"].items():
        label_zh, label_en = _pair(body["label"], f"{name}.label")
        unit = body.get("unit")
        unit_zh, unit_en = _pair(unit, f"{name}.unit") if unit else (None, None)
        values: list[ValueSpec] = []
        vmap: dict[str, str] = {}
        for code, vbody in (body.get("values") or {}).items():
            vzh, ven = _pair(vbody, f"{name}.values.{code}")
            aliases = tuple(str(a) for a in vbody.get("aliases", []))
            values.append(ValueSpec(code=str(code), zh=vzh, en=ven, aliases=aliases))
            for alias in (str(code), vzh, ven, *aliases):
                vmap.setdefault(normalise_text(alias), str(code))
        rng = body.get("range")
        spec = ColumnSpec(
            name=name,
            canonical=bool(body.get("canonical", False)),
            type=body["type"],
            dtype=str(body["dtype"]),
            label_zh=label_zh,
            label_en=label_en,
            unit_zh=unit_zh,
            unit_en=unit_en,
            range=(float(rng[0]), float(rng[1])) if rng else None,
            aliases=tuple(str(a) for a in body.get("aliases", [])),
            values=tuple(values),
            open=bool(body.get("open", False)),
        )
        columns[name] = spec
        for alias in (name, label_zh, label_en, *spec.aliases):
            header_index.setdefault(normalise_header(alias), name)
        if vmap:
            value_index[name] = vmap
    bools = raw["bool_values"]
    true_vals = bools.get(True, bools.get("true", []))
    false_vals = bools.get(False, bools.get("false", []))
    ident = {kind: frozenset(normalise_header(str(h)) for h in names)
             for kind, names in raw["identifier_headers"].items()}
    return Schema(
        version=int(raw["version"]),
        working_age=int(raw["working_age"]),
        columns=columns,
        bool_true=frozenset(normalise_text(str(v)) for v in true_vals),
        bool_false=frozenset(normalise_text(str(v)) for v in false_vals),
        identifier_headers=ident,
        age_edges=_age_edges(raw.get("age_bands")),
        _header_index=header_index,
        _value_index=value_index,
    )


def _age_edges(raw: Any) -> tuple[int, ...]:
    edges = tuple(int(e) for e in raw or ())
    if not edges or edges[0] <= 0 or any(b <= a for a, b in itertools.pairwise(edges)):
        raise ValueError("population schema: age_bands must be increasing whole ages above 0")
    return edges


@lru_cache(maxsize=4)
def load_schema(path: str | Path | None = None) -> Schema:
    """Load (and cache) the population schema; ``path`` defaults to the packaged YAML file."""
    with open(path or SCHEMA_PATH, encoding="utf-8") as fh:  # libyaml's safe loader when built (8x faster)
        raw = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # a safe loader either way
    return _parse(raw)


def without_columns(schema: Schema, names: Iterable[str]) -> Schema:
    """The schema without the columns a scheme declares itself (``inputs:`` in a scheme): their headers and values
    are not mapped or typed by the population schema, so the loader keeps them as given (blanks included) and the
    scheme's own declaration checks them (:mod:`scoring.scheme.inputs`)."""
    drop = set(names) & set(schema.columns)
    if not drop:
        return schema
    return dataclasses.replace(
        schema,
        columns={k: v for k, v in schema.columns.items() if k not in drop},
        _header_index={h: c for h, c in schema._header_index.items() if c not in drop},
        _value_index={c: m for c, m in schema._value_index.items() if c not in drop},
    )


def label(column: str, lang: Lang = "zh") -> str:
    """Label of a population column in ``lang`` ("zh" or "en")."""
    return load_schema().label(column, lang)


def value_label(column: str, value: object, lang: Lang = "zh") -> str:
    """Label of a value of a column in ``lang``, e.g. ``value_label("education", "master")`` -> 硕士研究生."""
    return load_schema().value_label(column, value, lang)


def age_band(age: Any) -> pd.Categorical:
    """The age band of each age (``<18``, ``18-24``, ..., ``60+``; missing for a missing age), the one definition used
    by the dashboard, the pathway tables and the simulations."""
    schema = load_schema()
    return pd.Categorical.from_codes(schema.age_band_codes(age), categories=list(schema.age_band_labels))


def age_band_labels() -> tuple[str, ...]:
    """The age bands' labels, youngest first."""
    return load_schema().age_band_labels
