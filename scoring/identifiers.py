"""Screening for direct identifiers: resident ID numbers, mobile numbers and personal names.

A column is an identifier when its header is a known identifier alias (姓名, 身份证号, 手机号, name, ...), when any
of its values is an 18-digit resident ID number with a valid GB 11643-1999 check digit or an old 15-digit ID
number, or a mainland mobile number (``1[3-9]`` + 9 digits), or when most of its values look like Chinese personal
names (two to four Han characters starting with a common surname, mostly distinct). The messages name the column
and the reason and never repeat a value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from scoring.population_schema import Schema, load_schema, normalise_text

_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_ID_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)

# The most common Chinese surnames (single characters; together well over 85% of the population) and a few
# compound ones. Used only to recognise a column of names, never to identify anyone.
_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭"
    "陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易"
    "乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴"
    "蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边"
    "卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
_COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "令狐", "夏侯")

NAME_SHARE = 0.6  # share of non-empty values that must look like names for a column to be screened as names


@dataclass(frozen=True)
class IdentifierFinding:
    """A column screened as a direct identifier, with the kind and a human-readable reason."""

    column: str
    kind: str  # "name" | "id_number" | "phone"
    reason: str


def id18_valid(values: pd.Series | list[str] | np.ndarray) -> np.ndarray:
    """Boolean array: which values are 18-character resident ID numbers with a valid GB 11643 check digit."""
    s = pd.Series(values, dtype=object).astype(str).str.strip().str.upper()
    shape_ok = s.str.fullmatch(r"\d{17}[\dX]").fillna(False).to_numpy(dtype=bool)
    out = np.zeros(len(s), dtype=bool)
    if not shape_ok.any():
        return out
    cand = s[shape_ok].to_numpy(dtype="S18")
    digits = cand.view(np.uint8).reshape(-1, 18).astype(np.int64)
    body = digits[:, :17] - 48
    check = _ID_CHECK[(body @ _ID_WEIGHTS) % 11]
    month = body[:, 10] * 10 + body[:, 11]
    day = body[:, 12] * 10 + body[:, 13]
    date_ok = (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31)
    out[shape_ok] = (check == digits[:, 17]) & date_ok
    return out


def id15_like(values: pd.Series | list[str] | np.ndarray) -> np.ndarray:
    """Boolean array: which values look like old 15-digit resident ID numbers (6-digit area + YYMMDD + 3 digits)."""
    s = pd.Series(values, dtype=object).astype(str).str.strip()
    return s.str.fullmatch(r"[1-9]\d{5}\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\d{3}").fillna(False).to_numpy(bool)


def mobile_like(values: pd.Series | list[str] | np.ndarray) -> np.ndarray:
    """Boolean array: which values are mainland mobile numbers (optionally with +86/86 prefix and separators)."""
    s = pd.Series(values, dtype=object).astype(str).str.strip().str.replace(r"[\s-]", "", regex=True)
    return s.str.fullmatch(r"(\+?86)?1[3-9]\d{9}").fillna(False).to_numpy(dtype=bool)


def name_like(values: pd.Series | list[str] | np.ndarray) -> np.ndarray:
    """Boolean array: which values look like Chinese personal names (2-4 Han characters, common surname first)."""
    s = pd.Series(values, dtype=object).astype(str).str.strip()
    shape = s.str.fullmatch(r"[\u4e00-\u9fff]{2,4}(·[\u4e00-\u9fff]{1,8})?").fillna(False).to_numpy(dtype=bool)
    first = s.str[:1]
    surname = first.isin(_SURNAMES).to_numpy(dtype=bool) | s.str.startswith(_COMPOUND_SURNAMES).to_numpy(dtype=bool)
    return shape & surname


def _as_text(col: pd.Series) -> pd.Series | None:
    """The column's non-missing values as text when they could hold an identifier, else None."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        col = pd.Series(col.cat.categories)
    if pd.api.types.is_bool_dtype(col.dtype) or pd.api.types.is_float_dtype(col.dtype):
        if pd.api.types.is_float_dtype(col.dtype):
            big = col[(col.abs() >= 1e10) & np.isfinite(col)]
            if big.empty or not (big == np.floor(big)).all():
                return None
            return big.astype(np.int64).astype(str)
        return None
    if pd.api.types.is_integer_dtype(col.dtype):
        big = col[col.abs() >= 10**10]
        return big.astype(str) if not big.empty else None
    col = col.dropna()
    if col.empty:
        return None
    return col.astype(str)


def screen_column(name: str, col: pd.Series, *, schema: Schema | None = None,
                  check_names: bool = True) -> IdentifierFinding | None:
    """Screen one column (header and values); return a finding or None."""
    schema = schema or load_schema()
    kind = schema.identifier_kind(str(name))
    if kind is not None:
        what = {"name": "personal names", "id_number": "ID numbers", "phone": "phone numbers"}[kind]
        return IdentifierFinding(str(name), kind, f"its header names {what}")
    text = _as_text(col)
    if text is None or text.empty:
        return None
    if len(text) > 200_000:
        text = text.drop_duplicates()
    stripped = text.str.strip()
    lengths = stripped.str.len()
    cand = stripped[lengths.between(11, 22)]
    if not cand.empty:
        n18 = int(id18_valid(cand).sum())
        if n18:
            return IdentifierFinding(str(name), "id_number",
                                     f"{n18} value(s) are 18-digit resident ID numbers with a valid check digit")
        n15 = int(id15_like(cand).sum())
        if n15:
            return IdentifierFinding(str(name), "id_number", f"{n15} value(s) look like 15-digit resident ID numbers")
        nm = int(mobile_like(cand).sum())
        if nm:
            return IdentifierFinding(str(name), "phone", f"{nm} value(s) are mobile phone numbers")
    if check_names:
        sample = stripped[stripped != ""]
        if len(sample) > 20_000:
            sample = sample.iloc[:20_000]
        if len(sample) >= 1:
            known = schema.all_value_aliases()
            normal = sample.map(normalise_text)
            looks = name_like(sample) & ~normal.isin(known).to_numpy(dtype=bool)
            share = looks.mean()
            distinct = sample[looks].nunique() / max(int(looks.sum()), 1)
            if share >= NAME_SHARE and (len(sample) < 10 or distinct >= 0.5):
                return IdentifierFinding(str(name), "name",
                                         f"{share:.0%} of its values look like personal names")
    return None


def screen_identifiers(df: pd.DataFrame, *, schema: Schema | None = None,
                       skip_name_check: frozenset[str] = frozenset()) -> list[IdentifierFinding]:
    """Screen every column of ``df``; ``skip_name_check`` lists columns exempt from the name heuristic."""
    schema = schema or load_schema()
    findings = []
    for name in df.columns:
        finding = screen_column(str(name), df[name], schema=schema, check_names=str(name) not in skip_name_check)
        if finding is not None:
            findings.append(finding)
    return findings
