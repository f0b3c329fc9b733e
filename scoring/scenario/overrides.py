"""Scenario overrides: dotted paths into a resolved scheme mapping, items and gates addressed by id.

``items.insurance.points_per_unit: 4``, ``items.housing.remove: true``, ``eligibility.insurance_min.min: 2``,
``groups.bonus.cap: 20``, ``admission.threshold: 90``. A path that does not exist raises
:class:`~scoring.errors.ScenarioError` listing the valid choices at that point.
"""

from __future__ import annotations

import copy
from typing import Any

from scoring.errors import ScenarioError
from scoring.scheme.load import (
    KINDS,
    AdmissionRule,
    Condition,
    DominanceRule,
    Gate,
    GroupRule,
    Item,
    Scheme,
    item_keys,
    merge_scheme_dicts,
)
from scoring.scheme.model import SCHEME_LIMITS
from scoring.yaml_files import short_repr

__all__ = ["apply_overrides", "override_paths"]


def _item_keys(kind: str) -> set[str]:
    """Keys an item of ``kind`` may set."""
    if kind in KINDS:
        return item_keys(kind)
    return {f.alias or name for name, f in Item.model_fields.items()}


def _fields(model: Any) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items() if name != "path"]


def _valid_keys(walked: list[str], node: dict[str, Any]) -> list[str] | None:
    """Keys allowed at this place of a scheme mapping (None: any key, e.g. a category's points table)."""
    pattern = ["*" if n % 2 and walked[0] in ("items", "eligibility", "groups") else k for n, k in enumerate(walked)]
    if not pattern:
        return _fields(Scheme)
    if pattern == ["items", "*"]:
        return sorted(_item_keys(node.get("kind", "")) | {"remove"})
    if pattern == ["eligibility", "*"]:
        return [*_fields(Gate), "remove"]
    table = {("groups", "*"): GroupRule, ("admission",): AdmissionRule, ("dominance",): DominanceRule,
             ("items", "*", "when"): Condition}
    if tuple(pattern) in table:
        return _fields(table[tuple(pattern)])
    if pattern in (["items", "*", "points"], ["items", "*", "columns"], ["groups"]):
        return None
    if pattern in (["title"], ["items", "*", "label"], ["eligibility", "*", "label"]):
        return ["zh", "en"]
    return sorted(node)


def override_paths(data: dict[str, Any]) -> list[str]:
    """Every dotted path an override may set in this resolved scheme mapping (for error messages and editors)."""
    paths = [k for k in _fields(Scheme) if k not in ("items", "eligibility", "groups", "admission", "dominance")]
    for item in data.get("items", []):
        keys = sorted(_item_keys(item.get("kind", "")) | {"remove"})
        paths += [f"items.{item.get('id')}.{k}" for k in keys if k != "id"]
    for gate in data.get("eligibility", []):
        paths += [f"eligibility.{gate.get('id')}.{k}" for k in (*_fields(Gate), "remove") if k != "id"]
    for group in dict.fromkeys(i.get("group", "other") for i in data.get("items", [])):
        paths += [f"groups.{group}.{k}" for k in _fields(GroupRule)]
    paths += [f"admission.{k}" for k in _fields(AdmissionRule)] + [f"dominance.{k}" for k in _fields(DominanceRule)]
    return paths


def apply_overrides(data: dict[str, Any], overrides: dict[str, Any], source: str = "<scenario>") -> dict[str, Any]:
    """A deep copy of the resolved scheme mapping ``data`` with the dotted ``overrides`` applied.

    ``items.<id>.<key>``/``eligibility.<id>.<key>`` address entries by id; ``items.<id>.remove: true`` drops one;
    ``items.<new id>: {kind: ..., ...}`` adds one; a ``null`` value removes an optional key. A path that does not
    exist raises :class:`ScenarioError` listing the valid choices at that point.
    """
    _check_entry_counts(data, overrides, source)
    out = copy.deepcopy(data)
    for path, value in overrides.items():
        _set(out, str(path).split("."), value, source, str(path))
    return out


def _adds(key: str, value: Any) -> bool:
    """Whether ``items.<new id>: value`` (or ``eligibility.<new id>``) adds an entry (as :func:`_set` does)."""
    return isinstance(value, dict) and ("kind" in value or key == "eligibility") and not value.get("remove")


def _check_entry_counts(data: dict[str, Any], overrides: dict[str, Any], source: str) -> None:
    """Refuse, before any override is applied, overrides that would leave more items or gates than a scheme allows
    (:data:`SCHEME_LIMITS`): one pass over them (a probe's 7,000 added items took 131 s to reach the scheme's
    refusal)."""
    for key in ("items", "eligibility"):
        entries = data.get(key) if isinstance(data.get(key), list) else []
        ids = {e.get("id") for e in entries if isinstance(e, dict)}
        added: set[str] = set()
        removed: set[str] = set()
        for path, value in overrides.items():
            parts = str(path).split(".")
            if len(parts) < 2 or parts[0] != key:
                continue
            if parts[1] not in ids and len(parts) == 2 and _adds(key, value):
                added.add(parts[1])
            elif parts[1] in ids and ((parts[2:] == ["remove"] and value is True) or (len(parts) == 2
                                                                                      and value == "remove")):
                removed.add(parts[1])
        count, limit = len(entries) - len(removed) + len(added), SCHEME_LIMITS[key]
        if count > limit:
            raise ScenarioError(f"{source}: overrides: with them the scheme would have {count:,} {key} entries; a "
                                f"scheme allows at most {limit:,} (see docs/schemes.md)")


def _set(root: dict[str, Any], parts: list[str], value: Any, source: str, full: str) -> None:
    node: Any = root
    walked: list[str] = []

    def fail(what: str, valid: list[str] | None) -> ScenarioError:
        listed = f"; valid: {', '.join(map(str, valid))}" if valid else ""
        return ScenarioError(f"{source}: overrides.{full}: {what}{listed}")

    for n, key in enumerate(parts):
        last = n == len(parts) - 1
        if isinstance(node, list) and walked and walked[-1] in ("items", "eligibility") and len(walked) == 1:
            ids = [e.get("id") for e in node if isinstance(e, dict)]
            if key not in ids:
                if last and isinstance(value, dict) and ("kind" in value or walked[0] == "eligibility"):
                    if _adds(walked[0], value):  # appended as merge_scheme_dicts would, without copying the list
                        node.append(copy.deepcopy({**value, "id": key}))
                    return
                raise fail(f"no {walked[0][:-1] if walked[0] == 'items' else 'gate'} with id {short_repr(key)}", ids)
            pos = ids.index(key)
            if (not last and parts[n + 1] == "remove" and n + 2 == len(parts)) or (last and value == "remove"):
                if value is True or value == "remove":
                    del node[pos]
                    return
                if value is False:
                    return
                raise fail(f"value {short_repr(value)} must be true", None)
            if last:
                if not isinstance(value, dict):
                    raise fail(f"value {short_repr(value)} must be a mapping of keys, or use items.{key}.KEY", None)
                node[pos] = merge_scheme_dicts(node[pos], value)
                return
            node = node[pos]
        elif isinstance(node, list) and key.isdigit():
            if int(key) >= len(node):
                raise fail(f"index {key} is out of range (list of {len(node)})", None)
            if last:
                node[int(key)] = value
                return
            node = node[int(key)]
        elif isinstance(node, dict):
            valid = _valid_keys(walked, node)
            allowed = valid is None or key in valid or key in node
            if not allowed:
                raise fail(f"unknown key {short_repr(key)} at {'.'.join(walked) or 'the top level'}",
                           override_paths(root) if not walked else valid)
            if last:
                if value is None:
                    node.pop(key, None)
                else:
                    node[key] = value
                return
            if node.get(key) is None:
                node[key] = {}
            node = node[key]
        else:
            raise fail(f"{'.'.join(walked)} is a value ({short_repr(node)}), not a mapping", None)
        walked.append(key)
