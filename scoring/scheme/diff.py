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


def _entry_name(scheme: Scheme, section: str, ident: str, lang: str) -> str:
    if section == "items":
        try:
            name = scheme.item(ident).name(lang)
        except KeyError:
            return ident
        return f"{ident}（{name}）" if lang == "zh" else f"{ident} ({name})"
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
    for ch in scheme_changes(old, new):
        sec = section_names[ch.section][0 if zh else 1]
        source = new if ch.new is not None else old
        entry = _entry_name(source, ch.section, ch.entry, "zh" if zh else "en") if ch.entry else ""
        where = f"{sec} {entry}".strip()
        if not ch.key and ch.old is None:
            lines.append(f"新增{where}：{_fmt(ch.new, lang)}" if zh else f"added {where}: {_fmt(ch.new, lang)}")
        elif not ch.key and ch.new is None:
            lines.append(f"删除{where}" if zh else f"removed {where}")
        else:
            label = KEY_LABELS.get(ch.key, (ch.key, ch.key))[0 if zh else 1] if ch.key else ""
            old_v, new_v = _fmt(ch.old, lang), _fmt(ch.new, lang)
            if ch.key == "status" and zh:
                old_v, new_v = (STATUS_ZH.get(str(v), v) for v in (old_v, new_v))
            if zh:
                joiner = "的" if entry else ""
                lines.append(f"{where}{joiner}{label}：{old_v} → {new_v}" if label else f"{where}：{old_v} → {new_v}")
            else:
                lines.append(f"{where} {label}: {old_v} → {new_v}" if label else f"{where}: {old_v} → {new_v}")
    return lines
