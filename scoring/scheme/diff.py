"""A human-readable diff between two schemes, in Chinese or English."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scoring.scheme.load import Scheme

KEY_LABELS: dict[str, tuple[str, str]] = {
    "id": ("编号", "id"),
    "version": ("版本", "version"),
    "status": ("状态", "status"),
    "title": ("名称", "title"),
    "effective_from": ("生效日期", "effective from"),
    "label": ("名称", "label"),
    "group": ("分组", "group"),
    "kind": ("类型", "kind"),
    "column": ("数据列", "column"),
    "columns": ("数据列（加权）", "weighted columns"),
    "points_per_unit": ("每单位分值", "points per unit"),
    "unit": ("计量单位", "unit"),
    "min_units": ("起算单位数", "minimum units"),
    "max_units_column": ("单位上限列", "units limited by column"),
    "cap": ("封顶分值", "cap"),
    "when": ("适用条件", "condition"),
    "points": ("分值", "points"),
    "default": ("默认分值", "default points"),
    "bands": ("分档", "bands"),
    "equals": ("等于", "equals"),
    "in": ("属于", "one of"),
    "min": ("最小值", "minimum"),
    "max": ("最大值", "maximum"),
    "above": ("大于", "above"),
    "below": ("小于", "below"),
    "min_of": ("多列最小值", "lowest of columns"),
    "max_of": ("多列最大值", "highest of columns"),
    "all_of": ("同时满足", "all of"),
    "any_of": ("满足其一", "any of"),
    "not": ("不满足", "not"),
    "caps": ("条件封顶", "conditional caps"),
    "within": ("所属大类", "within section"),
    "mode": ("方式", "mode"),
    "quota": ("名额", "quota"),
    "threshold": ("分数线", "score line"),
    "ties": ("同分规则", "tie rule"),
    "groups": ("分组", "groups"),
    "min_share": ("最低占比", "minimum share"),
    "measure": ("衡量口径", "measure"),
    "window": ("分数线附近范围", "window near the line"),
}

_SKIP = {"note", "sources", "assumptions", "assumed", "group_labels"}


@dataclass(frozen=True)
class Change:
    """One difference: where (section and entry), which key, old and new value (None = absent)."""

    section: str
    entry: str
    key: str
    old: Any
    new: Any


def scheme_changes(old: Scheme, new: Scheme) -> list[Change]:
    """Every difference between two schemes, in a stable order."""
    a, b = old.to_dict(), new.to_dict()
    changes: list[Change] = []
    for key in ("id", "version", "status", "title", "effective_from"):
        if a.get(key) != b.get(key):
            changes.append(Change("scheme", "", key, a.get(key), b.get(key)))
    for section in ("eligibility", "items"):
        olds = {e["id"]: e for e in a.get(section, [])}
        news = {e["id"]: e for e in b.get(section, [])}
        for ident in [*olds, *(i for i in news if i not in olds)]:
            if ident not in news:
                changes.append(Change(section, ident, "", olds[ident], None))
            elif ident not in olds:
                changes.append(Change(section, ident, "", None, news[ident]))
            else:
                for key in dict.fromkeys([*olds[ident], *news[ident]]):
                    if key in _SKIP or key == "id":
                        continue
                    if olds[ident].get(key) != news[ident].get(key):
                        changes.append(Change(section, ident, key, olds[ident].get(key), news[ident].get(key)))
    for section in ("groups", "dominance", "admission"):
        oa, ob = a.get(section) or {}, b.get(section) or {}
        if section == "groups":
            for name in dict.fromkeys([*oa, *ob]):
                if oa.get(name) != ob.get(name):
                    changes.append(Change(section, name, "", oa.get(name), ob.get(name)))
        else:
            for key in dict.fromkeys([*oa, *ob]):
                if oa.get(key) != ob.get(key):
                    changes.append(Change(section, "", key, oa.get(key), ob.get(key)))
    return changes


STATUS_ZH = {"official": "官方", "illustrative": "示意", "draft": "草案"}
KIND_LABELS: dict[str, tuple[str, str]] = {"per_unit": ("按单位计分", "per unit"),
                                           "category": ("按类别计分", "by category"),
                                           "bands": ("分档计分", "bands"), "flag": ("是否计分", "yes/no")}
MODE_LABELS: dict[str, tuple[str, str]] = {"quota": ("名额", "quota"), "threshold": ("分数线", "score line"),
                                           "both": ("分数线+名额", "line + quota")}


def _fmt(value: Any, lang: str) -> str:
    if value is None:
        return "—" if lang == "zh" else "none"
    if isinstance(value, bool):
        return ("是" if value else "否") if lang == "zh" else str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dict) and "points" in value and set(value) <= {"min", "max", "points"}:
        lo, hi = _fmt(value.get("min", "−∞"), lang), _fmt(value.get("max", "∞"), lang)
        return f"[{lo}, {hi}): {_fmt(value['points'], lang)}"
    if isinstance(value, dict) and set(value) == {"zh", "en"}:
        return str(value[lang])
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_fmt(v, lang)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_fmt(v, lang) for v in value) + "]"
    return str(value)


def _value(key: str, value: Any, entry: dict[str, Any] | None, scheme: Scheme, lang: str) -> str:
    """A value of ``key`` in words of ``lang``: category values, groups, columns, kinds, modes and measures by their
    labels (never the file's English codes in the Chinese view); anything else as :func:`_fmt` writes it."""
    from scoring.labels import measure_label
    from scoring.population import schema

    i = 0 if lang != "en" else 1
    if value is None or isinstance(value, bool):
        return _fmt(value, lang)
    if key == "points" and isinstance(value, dict) and entry is not None and entry.get("column"):
        return "{" + ", ".join(f"{schema.value_label(str(entry['column']), k, lang)}: {_fmt(v, lang)}"
                               for k, v in value.items()) + "}"
    if key in ("group", "within") and isinstance(value, str):
        return scheme.group_label(value, lang)
    if key == "groups" and isinstance(value, list) and all(isinstance(g, str) for g in value):
        return "、".join(scheme.group_label(g, lang) for g in value) if i == 0 else \
            ", ".join(scheme.group_label(g, lang) for g in value)
    if key in ("column", "max_units_column") and isinstance(value, str):
        return schema.label(value, lang)
    if key == "columns" and isinstance(value, dict):
        return "{" + ", ".join(f"{schema.label(str(k), lang)}: {_fmt(v, lang)}" for k, v in value.items()) + "}"
    if key == "kind" and value in KIND_LABELS:
        return KIND_LABELS[value][i]
    if key == "mode" and value in MODE_LABELS:
        return MODE_LABELS[value][i]
    if key == "measure" and value in ("design", "realised", "decisive"):
        return measure_label(value, "short", lang)
    if key == "" and isinstance(value, dict) and "id" in value:  # a whole entry (an added item or gate)
        sep = "；" if i == 0 else "; "
        return sep.join(f"{KEY_LABELS.get(k, (k, k))[i]}{'：' if i == 0 else ': '}{_value(k, v, value, scheme, lang)}"
                        for k, v in value.items() if k not in _SKIP and k != "id")
    return _fmt(value, lang)


def _entry_name(scheme: Scheme, section: str, ident: str, lang: str) -> str:
    if section == "items":
        try:
            name = scheme.item(ident).name(lang)
        except KeyError:
            return ident
        return f"“{name}”" if lang == "zh" else f"{ident} ({name})"  # the Chinese view names it, no code
    return ident


def scheme_diff(old: Scheme, new: Scheme, lang: str = "zh") -> list[str]:
    """The differences between two schemes as sentences in ``lang`` ("zh" or "en"); [] when they are equal."""
    zh = lang != "en"
    section_names = {
        "scheme": ("方案", "scheme"),
        "eligibility": ("资格条件", "eligibility gate"),
        "items": ("积分项目", "item"),
        "groups": ("分组规则", "group rule"),
        "dominance": ("主导性要求", "dominance requirement"),
        "admission": ("录取规则", "admission rule"),
    }
    lines: list[str] = []
    entries = {id(sch): {e["id"]: e for part in ("items", "eligibility") for e in sch.to_dict().get(part, [])}
               for sch in (old, new)}
    for ch in scheme_changes(old, new):
        sec = section_names[ch.section][0 if zh else 1]
        source = new if ch.new is not None else old
        entry = _entry_name(source, ch.section, ch.entry, "zh" if zh else "en") if ch.entry else ""
        where = (f"{sec}{entry}" if zh else f"{sec} {entry}").strip()
        entry_data = entries[id(source)].get(ch.entry) if ch.section in ("items", "eligibility") else None
        if not ch.key and ch.old is None:
            added = _value("", ch.new, None, source, lang)
            lines.append(f"新增{where}：{added}" if zh else f"added {where}: {added}")
        elif not ch.key and ch.new is None:
            lines.append(f"删除{where}" if zh else f"removed {where}")
        else:
            label = KEY_LABELS.get(ch.key, (ch.key, ch.key))[0 if zh else 1] if ch.key else ""
            old_v = _value(ch.key, ch.old, entry_data, old, lang)
            new_v = _value(ch.key, ch.new, entry_data, new, lang)
            if ch.key == "status" and zh:
                old_v, new_v = (STATUS_ZH.get(str(v), v) for v in (old_v, new_v))
            if zh:
                joiner = "的" if entry else ""
                lines.append(f"{where}{joiner}{label}：{old_v} → {new_v}" if label else f"{where}：{old_v} → {new_v}")
            else:
                lines.append(f"{where} {label}: {old_v} → {new_v}" if label else f"{where}: {old_v} → {new_v}")
    return lines
