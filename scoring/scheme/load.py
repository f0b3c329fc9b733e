"""Points schemes as data: YAML loading with ``base`` inheritance, validation, warnings and saving.

A scheme file is plain YAML (see ``docs/schemes.md``); nothing in it is ever evaluated as code. Loading validates with
pydantic (the model is in :mod:`scoring.scheme.model`, re-exported here) and with the semantic rules below; every
error names the file, the item, the key, the value and what is allowed. Warnings (the scheme runs but is probably
not meant) are kept apart from errors. The ``base`` chain is read and merged by the project's one reader
(:func:`scoring.yaml_files.read_with_bases`, :func:`scoring.yaml_files.merge_mappings`).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from scoring.errors import SchemeError
from scoring.safe_output import atomic_path
from scoring.scheme.inputs import input_value_warnings
from scoring.scheme.model import (
    DEFAULT_GROUP_LABELS,
    KINDS,
    MAX_COLUMNS,
    MAX_VALUES,
    MEASURES,
    SCHEME_LIMITS,
    STATUSES,
    AdmissionRule,
    Band,
    CapRule,
    Condition,
    DominanceRule,
    Gate,
    GroupRule,
    InputColumn,
    Item,
    Label,
    Over,
    Scheme,
    Source,
    TieKey,
    Ties,
    item_keys,
)
from scoring.yaml_files import merge_mappings, parse_yaml_text, read_with_bases, short_repr

__all__ = [
    "DEFAULT_GROUP_LABELS",
    "KINDS",
    "MEASURES",
    "STATUSES",
    "AdmissionRule",
    "Band",
    "CapRule",
    "Condition",
    "DominanceRule",
    "Gate",
    "GroupRule",
    "InputColumn",
    "Item",
    "Label",
    "Over",
    "Scheme",
    "Source",
    "TieKey",
    "Ties",
    "item_keys",
    "load_scheme",
    "load_scheme_text",
    "merge_scheme_dicts",
    "read_scheme_dict",
    "save_scheme",
    "scheme_from_dict",
    "scheme_warnings",
]

# ------------------------------------------------------------------------------------------------------------
# Loading
# ------------------------------------------------------------------------------------------------------------
_MERGE_BY_ID = ("items", "eligibility")
_MERGE_WHOLE = ("points", "columns")


def merge_scheme_dicts(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Apply ``override`` on top of ``base`` without modifying either (:func:`scoring.yaml_files.merge_mappings`).

    Mappings merge key by key (``points`` and ``columns`` are replaced whole); ``items`` and ``eligibility`` merge by
    ``id`` (an entry with ``remove: true`` drops the base entry, a new id is appended); any other value replaces.
    """
    return merge_mappings(base, override, by_id=_MERGE_BY_ID, whole=_MERGE_WHOLE)


def read_scheme_dict(path: str | Path) -> dict[str, Any]:
    """Read a scheme file and resolve its ``base`` chain into one mapping (not yet validated)."""
    return read_with_bases(path, "scheme", SchemeError, "id, version, items, ...", merge=merge_scheme_dicts,
                           prepare=_check_top_keys)


def _check_top_keys(data: dict[str, Any], path: Path, seen: tuple[Path, ...]) -> None:
    """Refuse a key that no scheme has, naming this file (a base file may be anything; its values are not shown)."""
    allowed = {*Scheme.model_fields, "base"} - {"path"}
    unknown = [k for k in data if k not in allowed]
    if unknown:
        role = f" (the base of {seen[-1].name})" if seen else ""
        more = f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else ""
        raise SchemeError(f"{path}{role}: {short_repr(unknown[0], 40)}: unknown key of a scheme{more}; "
                          "check the spelling against docs/schemes.md")


def _check_sizes(data: dict[str, Any], source: str) -> None:
    """Refuse a scheme larger than any real one before it is validated (bounded work for bounded input)."""

    def check(where: str, value: Any, limit: int) -> None:
        if isinstance(value, list | dict) and len(value) > limit:
            raise SchemeError(f"{source}: {where}: {len(value):,} entries; a scheme allows at most {limit:,} here "
                              "(see docs/schemes.md)")

    for key, limit in SCHEME_LIMITS.items():
        check(key, data.get(key), limit)
    for key in ("items", "eligibility"):
        entries = data.get(key)
        for n, entry in enumerate(entries if isinstance(entries, list) else []):  # not a list: validation says so
            if not isinstance(entry, dict):
                continue
            where = f"{key}[{n}]"
            check(f"{where}.points", entry.get("points"), MAX_VALUES)
            check(f"{where}.bands", entry.get("bands"), MAX_VALUES)
            check(f"{where}.columns", entry.get("columns"), MAX_COLUMNS)
            check(f"{where}.in", entry.get("in"), MAX_VALUES)
            when = entry.get("when")
            if isinstance(when, dict):
                check(f"{where}.when.in", when.get("in"), MAX_VALUES)
    admission, dom = data.get("admission"), data.get("dominance")
    if isinstance(admission, dict):
        check("admission.ties", admission.get("ties"), MAX_COLUMNS)
    if isinstance(dom, dict):
        check("dominance.groups", dom.get("groups"), MAX_COLUMNS)


def scheme_from_dict(data: dict[str, Any], source: str = "<scheme>") -> Scheme:
    """Validate a mapping into a :class:`Scheme`; raise :class:`SchemeError` listing every error."""
    _check_sizes(data, source)
    try:
        scheme = Scheme.model_validate(data)
    except ValidationError as exc:
        found = sorted(exc.errors(), key=lambda e: e.get("type") == "string_type")  # a union's text branch last
        errors = [_describe_error(err, data, source) for err in found]
        raise SchemeError(errors[0] + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""), errors) from None
    scheme.path = source
    problems = _semantic_errors(scheme, source)
    if problems:
        raise SchemeError(problems[0] + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""), problems)
    return scheme


def load_scheme(path: str | Path) -> Scheme:
    """Load, resolve (``base``) and validate a scheme file. Raises :class:`SchemeError`."""
    return scheme_from_dict(read_scheme_dict(path), str(path))


def load_scheme_text(text: str, source: str = "<uploaded scheme>") -> Scheme:
    """Validate scheme YAML text (for uploads and editors); ``base`` is not allowed here."""
    data = parse_yaml_text(text, source, SchemeError)
    if not isinstance(data, dict):
        raise SchemeError(f"{source}: a scheme must be a YAML mapping (id, version, items, ...)")
    if "base" in data:
        raise SchemeError(f"{source}: base: not allowed in uploaded text; upload the resolved scheme")
    return scheme_from_dict(data, source)


def save_scheme(scheme: Scheme, path: str | Path) -> None:
    """Write the resolved scheme as YAML (atomically: a failed write leaves the previous file as it was)."""
    with atomic_path(path) as tmp:
        tmp.write_text(scheme.to_yaml(), encoding="utf-8")


def _describe_error(err: Any, data: dict[str, Any], source: str) -> str:
    loc = list(err.get("loc", ()))
    parts: list[str] = []
    node: Any = data
    for step in loc:
        if isinstance(step, int) and isinstance(node, list):
            entry = node[step] if step < len(node) else None
            ident = entry.get("id") if isinstance(entry, dict) else None
            parts[-1] = f"{parts[-1]}[{step}]" + (f" (id={ident})" if ident else "") if parts else f"[{step}]"
            node = entry
        else:
            key = "in" if step == "in_" else str(step)
            if key in ("literal['admit_all']", "list[TieKey]", "str", "Over") or key.startswith("function-"):
                continue
            parts.append(key)
            if isinstance(node, list) and key == "all_of":
                continue  # when: [a, b] is all_of: [a, b]
            node = node.get(key) if isinstance(node, dict) else None
    where = ".".join(parts) or "(top level)"
    msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
    value = err.get("input")
    if err.get("type") == "missing":
        return f"{source}: {where}: required key is missing"
    if err.get("type") == "extra_forbidden":
        return (f"{source}: {where}: unknown key; check the spelling against docs/schemes.md"  # value never shown
                f"{_allowed_here(parts)}")
    shown = "" if isinstance(value, dict) else f" value {_short(value)}:"
    return f"{source}: {where}:{shown} {msg}"


def _short(value: Any) -> str:
    return short_repr(value, 60)


def _allowed_here(parts: list[str]) -> str:
    """What the format allows where an unknown key was found (the format has no formulas or free expressions)."""
    from scoring.scheme import model as m

    last = parts[-2] if len(parts) > 1 else ""
    if last.startswith(("when", "eligibility", "all_of", "any_of", "not")) or (len(parts) > 2 and parts[-3] == "caps"):
        return f"; a condition takes {m.CONDITION_FORMS}"
    if last.startswith("groups") or (len(parts) > 2 and parts[-3] == "groups"):
        return "; a group rule takes cap, caps, mode, within, label"
    if last.startswith("inputs") or (len(parts) > 2 and parts[-3] == "inputs"):
        return "; an input column takes type, categories, min, max, label, note"
    return ""


def _semantic_errors(scheme: Scheme, source: str) -> list[str]:
    errors: list[str] = []
    groups = set(scheme.group_names())
    errors += _group_errors(scheme, source, groups)
    for name in scheme.groups:
        if name not in groups and not scheme.group_items(name) and not errors:
            errors.append(
                f"{source}: groups.{name}: no item has group {name!r} (nor a group within it); "
                f"groups in use: {', '.join(sorted(groups))}"
            )
    adm = scheme.admission
    if adm is not None and isinstance(adm.ties, list):
        for n, key in enumerate(adm.ties):
            if key.column is not None and not key.column:
                errors.append(f"{source}: admission.ties[{n}].column: must name a column")
    return errors


def _group_errors(scheme: Scheme, source: str, groups: set[str]) -> list[str]:
    """Sections (``within``) name a declared group and do not loop; an unconditional cap entry comes last."""
    errors: list[str] = []
    for name, rule in scheme.groups.items():
        if rule.within is not None:
            if rule.within not in scheme.groups:
                errors.append(f"{source}: groups.{name}.within: {rule.within!r} is not a group under groups:; "
                              f"declare the section, e.g. groups: {{{rule.within}: {{cap: N}}}} (see docs/schemes.md)")
                continue
            seen, at = [name], rule.within
            while at is not None and at in scheme.groups and at not in seen:
                seen.append(at)
                at = scheme.groups[at].within
            if at is not None and at in seen:
                errors.append(f"{source}: groups.{name}.within: sections loop ({' -> '.join([*seen, at])}); "
                              "a group can only be within a larger one")
        entries = rule.caps or []
        for n, entry in enumerate(entries[:-1]):
            if entry.when is None:
                errors.append(f"{source}: groups.{name}.caps[{n}]: an entry without when applies to everyone, so "
                              "the entries after it never apply; put it last or use cap: N as the fallback")
        if entries and entries[-1].when is None and rule.cap is not None:
            errors.append(f"{source}: groups.{name}: caps ends with an entry without when and cap is also given; "
                          "keep one fallback")
    return errors


def scheme_warnings(scheme: Scheme, columns: Iterable[str] | pd.DataFrame | None = None) -> list[str]:
    """Warnings: the scheme runs but is probably not meant (unknown dominance groups, missing columns, ...).

    ``columns`` are the population's columns; given the population itself, its values are also checked against
    the scheme's own declared input columns (type, categories, range)."""
    warnings: list[str] = []
    src = scheme.path or scheme.id
    groups = set(scheme.group_names())
    for group in scheme.dominance.groups:
        if group not in groups:
            warnings.append(f"{src}: dominance.groups: no item has group {group!r}; its share will be 0")
    if scheme.status != "official":
        warnings.append(f"{src}: status {scheme.status}: values are not official; outputs are marked as simulation")
    if scheme.admission is None:
        warnings.append(f"{src}: admission: no admission rule; give --quota or --threshold to admit")
    warnings += _unknown_category_values(scheme, src)
    if scheme.inputs:
        undeclared = [c for c in scheme.columns() if c not in scheme.inputs]
        if undeclared:
            warnings.append(f"{src}: columns: the scheme reads {', '.join(map(repr, undeclared))} but does not "
                            "declare them under inputs:")
    if columns is not None:
        present = set(columns)
        for item in scheme.items:
            for col in item.source_columns():
                if col not in present:
                    warnings.append(f"{src}: items (id={item.id}): column {col!r} is not in the population")
        for gate in scheme.eligibility:
            for col in gate.columns():
                if col not in present:
                    warnings.append(f"{src}: eligibility (id={gate.id}): column {col!r} is not in the population")
        if isinstance(columns, pd.DataFrame):
            warnings += input_value_warnings(columns, scheme, src)
    return warnings


def _known_values(scheme: Scheme, column: str) -> list[str] | None:
    """The category values of a column: the scheme's own declaration first, else the population schema."""
    from scoring.population.schema import load_schema

    declared = scheme.inputs.get(column)
    if declared is not None:
        return list(declared.categories or []) if declared.type == "category" else None
    spec = load_schema().columns.get(column)
    if spec is None or spec.type != "category" or not spec.values:
        return None
    return [v.code for v in spec.values]


def _unknown_category_values(scheme: Scheme, src: str) -> list[str]:
    """Category values a scheme names that its columns do not have (a typo scores nobody): checked against the
    scheme's declared input columns, else the population schema."""
    out: list[str] = []

    def check(where: str, column: str, values: Iterable[object]) -> None:
        known = _known_values(scheme, column)
        if not known:
            return
        for value in values:
            if str(value) not in known:
                close = difflib.get_close_matches(str(value), known, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                out.append(
                    f"{src}: {where}: value {value!r} is not a value of column {column!r} (nobody has it{hint}); "
                    f"values: {', '.join(known)}"
                )

    def check_tree(where: str, cond: Condition) -> None:
        if cond.column is not None:
            check(where, cond.column, _condition_values(cond))
        for child in cond.children:
            check_tree(where, child)

    for item in scheme.items:
        if item.kind == "category" and isinstance(item.points, dict) and item.column:
            check(f"items (id={item.id}).points", item.column, item.points)
        if item.when is not None:
            check_tree(f"items (id={item.id}).when", item.when)
    for gate in scheme.eligibility:
        check_tree(f"eligibility (id={gate.id})", gate)
    for name, rule in scheme.groups.items():
        for n, entry in enumerate(rule.caps or []):
            if entry.when is not None:
                check_tree(f"groups.{name}.caps[{n}].when", entry.when)
    return out


def _condition_values(cond: Condition) -> list[object]:
    values: list[object] = [] if cond.equals is None else [cond.equals]
    return values + list(cond.in_ or [])
