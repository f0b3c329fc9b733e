"""Screening for direct identifiers: resident ID numbers, phone numbers, contact handles and personal names.

A column is an identifier when its header is a known identifier alias (姓名, 身份证号, 手机号, name, ...) or itself
holds an identifier, when any of its values holds one anywhere inside it (an 18-digit resident ID number with a
valid GB 11643-1999 check digit, an old 15-digit ID number, a mainland mobile number, a labelled WeChat / QQ handle,
an e-mail address or a labelled telephone number: see :mod:`scoring.population.identifiers_embedded`; numbers that are
ID-shaped or mobile-shaped count too), or when most of its values look like Chinese personal names (two to four Han
characters starting with a common surname, mostly distinct). The messages name the column, the reason and the
rows, and never repeat a value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from scoring.population.identifiers_embedded import (
    KIND_TEXT,
    column_text_hits,
    id18_valid,  # its public home stays this module (validate, the tests, the package)
    non_text_objects,
    number_kinds,
    one_array,
    text_kinds,
)
from scoring.population.schema import Schema, load_schema

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

SHOW_POSITIONS = 5  # rows named in a finding
_SURNAME_SET = pa.array(sorted(_SURNAMES))
_COMPOUND_SET = pa.array(_COMPOUND_SURNAMES)
NAME_SHARE = 0.6  # share of non-empty values that must look like names for a column to be screened as names
NAME_SAMPLE = 20_000  # the name screen looks at the first 20,000 non-empty values


@dataclass(frozen=True)
class IdentifierFinding:
    """A column screened as a direct identifier, with the kind and a human-readable reason."""

    column: str
    kind: str  # "name" | "id_number" | "phone" | "contact"
    reason: str
    positions: tuple[int, ...] = ()  # the first 0-based rows whose values hold the identifier (value findings)
    rows_hit: int = 0  # how many rows hold it
    from_header: bool = False  # found from the header alone
    header_masked: bool = False  # the header itself holds an identifier: never show it


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


def _positions(col: pd.Series, values: np.ndarray, hit: np.ndarray) -> np.ndarray:
    """0-based rows of ``col`` whose value is one of ``values[hit]`` (``values``: the distinct values screened)."""
    if not hit.any():
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(col.isin(pd.Index(values[hit])).to_numpy(dtype=bool, na_value=False))


def _text_hits(col: pd.Series, uniq: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Masks per kind over the distinct text values ``uniq`` of ``col``, and the rows holding any of them."""
    masks = text_kinds(pa.array(uniq, type=pa.large_string(), from_pandas=True))
    anyhit = np.logical_or.reduce(list(masks.values()))
    return masks, _positions(col, uniq, anyhit)


def embedded_hits(col: pd.Series, *, small: bool = False) -> tuple[list[str], np.ndarray]:
    """The identifier kinds found inside the values of ``col`` and the 0-based rows holding them (whole-column).
    ``small``: the column's numbers are known to be smaller than 1e10 in size (a Parquet file's statistics:
    :mod:`scoring.population.stats`), so a numeric column holds no identifier without a look at its values."""
    kinds: dict[str, bool] = {}
    rows: list[np.ndarray] = []

    def note(masks: dict[str, np.ndarray], pos: np.ndarray) -> None:
        for k, m in masks.items():
            if m.any():
                kinds[k] = True
        if pos.size:
            rows.append(pos)

    if isinstance(col.dtype, pd.CategoricalDtype):
        cats = pd.Series(col.cat.categories)
        codes = col.array.codes  # a view (Series.cat.codes copies them)
        if pd.api.types.is_numeric_dtype(cats.dtype):
            masks = number_kinds(cats.to_numpy())
        else:
            masks = text_kinds(pa.array(cats.astype(str).to_numpy(dtype=object), type=pa.large_string()))
        anyhit = np.logical_or.reduce(list(masks.values()))
        if anyhit.any():  # the rows only when a category holds one
            note(masks, np.flatnonzero(np.isin(codes, np.flatnonzero(anyhit))))
    elif pd.api.types.is_bool_dtype(col.dtype) or (small and pd.api.types.is_numeric_dtype(col.dtype)):
        pass
    elif pd.api.types.is_numeric_dtype(col.dtype):
        arr = col.to_numpy() if isinstance(col.dtype, np.dtype) else col.to_numpy(dtype=np.float64, na_value=np.nan)
        masks = number_kinds(arr)
        if any(m.any() for m in masks.values()):  # the rows only when a number is one
            note(masks, np.flatnonzero(np.logical_or.reduce(list(masks.values()))))
    elif col.dtype == object:
        present = col.dropna()
        if not present.empty:
            uniq = pd.Series(pd.unique(present), dtype=object)
            other = non_text_objects(uniq)
            if other.any():
                nums = pd.to_numeric(uniq[other], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
                masks = number_kinds(nums)
                note(masks, _positions(col, uniq[other].to_numpy(), np.logical_or.reduce(list(masks.values()))))
            text = uniq[~other].to_numpy()
            if text.size:
                note(*_text_hits(col, text))
    elif pd.api.types.is_string_dtype(col.dtype):
        arr = pa.array(col.array, from_pandas=True)  # its chunks as they are: column_text_hits joins them if need be
        if not pa.types.is_string(arr.type) and not pa.types.is_large_string(arr.type):
            arr = arr.cast(pa.large_string())
        found, pos = column_text_hits(arr)
        note({k: np.ones(1, dtype=bool) for k in found}, pos)
    found = [k for k in ("id_number", "phone", "contact") if kinds.get(k)]
    pos = np.unique(np.concatenate(rows)) if rows else np.zeros(0, dtype=np.int64)
    return found, pos


def _name_sample(col: pd.Series) -> pa.Array | None:
    """Up to 20,000 non-empty text values of ``col`` (stripped) for the name screen, or None when there are none."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        col = pd.Series(col.cat.categories)
    if col.dtype == object:
        text = col.dropna()
        text = text[~non_text_objects(text)]
        arr = pa.array(text.to_numpy(dtype=object), type=pa.large_string())
    elif pd.api.types.is_string_dtype(col.dtype):
        arr = pa.array(col.array, from_pandas=True)
    else:
        return None
    head = arr.slice(0, 2 * NAME_SAMPLE)  # usually enough non-empty values; else the whole column
    for part in (head, arr) if len(arr) > len(head) else (arr,):
        text = pc.utf8_trim_whitespace(pc.drop_null(one_array(part)))
        text = pc.filter(text, pc.not_equal(text, ""))
        if len(text) >= NAME_SAMPLE:
            break
    return text.slice(0, NAME_SAMPLE) if len(text) else None


_NAME_SHAPE = "^[\u4e00-\u9fff]{2,4}(·[\u4e00-\u9fff]{1,8})?$"


def name_looks(sample: pa.Array, known: frozenset[str]) -> np.ndarray:
    """Which sample values look like personal names and are not a known category or yes/no value (vectorised)."""
    shape = pc.match_substring_regex(sample, _NAME_SHAPE)
    surname = pc.or_(pc.is_in(pc.utf8_slice_codeunits(sample, 0, 1), value_set=_SURNAME_SET),
                     pc.is_in(pc.utf8_slice_codeunits(sample, 0, 2), value_set=_COMPOUND_SET))
    normal = pc.utf8_lower(pc.utf8_trim_whitespace(pc.utf8_normalize(sample, form="NFKC")))
    known_arr = pa.array(sorted(known), type=pa.large_string()).cast(normal.type)
    looks = pc.and_(pc.and_(shape, surname), pc.invert(pc.is_in(normal, value_set=known_arr)))
    return pc.fill_null(looks, False).to_numpy(zero_copy_only=False)


def values_reason(rows_hit: int, what: str) -> str:
    """Why a column's values are refused: how many hold ``what``; or, when no row does, that a category the column
    declares holds it (a pandas category or a Parquet dictionary entry no row uses: the file still carries it)."""
    if rows_hit:
        return f"{rows_hit:,} value(s) contain {what}"
    return f"a category it declares, used by no row, contains {what}"


LONG_DIGIT_RUN = re.compile(r"\d(?:[\s.\-]?\d){6,}")  # 7 or more digits, spaces, dots or hyphens between them


def identifier_mask(texts: list[str], *, names: bool = True) -> np.ndarray:
    """Which texts are or hold an identifier: an ID number, a phone number, a contact handle, and (``names``) a
    personal name; the screens run once over all of them."""
    hits = id18_valid(texts) | id15_like(texts) | mobile_like(texts)
    if names:
        hits |= name_like(texts)
    for mask in text_kinds(pa.array(texts, type=pa.large_string())).values():
        hits |= np.asarray(mask, dtype=bool)
    return hits


def holds_identifier(text: str) -> bool:
    """Whether ``text`` is or holds an identifier: a name, an ID number, a phone number, a contact handle."""
    return bool(identifier_mask([text])[0])


def masked_name(text: str) -> str:
    """A name from a file (a sheet's, an index column's) as a message may echo it: "#"s when it is or holds an
    identifier (a probe named a sheet 13812345678 and the warning read it back), else with every run of 7 or more
    digits as that many "#"."""
    if holds_identifier(text):
        return "#" * min(len(text), 20)
    return LONG_DIGIT_RUN.sub(lambda m: "#" * len(m.group()), text)


def screen_column(name: str, col: pd.Series, *, schema: Schema | None = None, check_names: bool = True,
                  small: bool = False) -> IdentifierFinding | None:
    """Screen one column (header and values); return a finding or None. ``small``: see :func:`embedded_hits`."""
    schema = schema or load_schema()
    kind = schema.identifier_kind(str(name))
    if kind is not None:
        what = {"name": "personal names", "id_number": "ID numbers", "phone": "phone numbers",
                "contact": "contact handles"}[kind]
        return IdentifierFinding(str(name), kind, f"its header names {what}", from_header=True)
    kinds, pos = embedded_hits(col, small=small)
    if kinds:
        what = " and ".join(KIND_TEXT[k] for k in kinds)
        return IdentifierFinding(str(name), kinds[0], values_reason(int(pos.size), what),
                                 positions=tuple(int(p) for p in pos[:SHOW_POSITIONS]), rows_hit=int(pos.size))
    sample = _name_sample(col) if check_names else None
    if sample is not None:
        looks = name_looks(sample, schema.all_value_aliases())
        share = looks.mean()
        distinct = pc.count_distinct(pc.filter(sample, pa.array(looks))).as_py() / max(int(looks.sum()), 1)
        if share >= NAME_SHARE and (len(sample) < 10 or distinct >= 0.5):
            return IdentifierFinding(str(name), "name", f"{share:.0%} of its values look like personal names")
    return None


def screen_identifiers(df: pd.DataFrame, *, schema: Schema | None = None,
                       skip_name_check: frozenset[str] = frozenset(),
                       small: frozenset[str] = frozenset()) -> list[IdentifierFinding]:
    """Screen every column of ``df``; ``skip_name_check`` lists columns exempt from the name heuristic, ``small``
    the numeric columns whose numbers are known to be smaller than 1e10 in size (see :func:`embedded_hits`)."""
    schema = schema or load_schema()
    headers = [str(c) for c in df.columns]
    in_header = text_kinds(pa.array(headers, type=pa.large_string()))
    findings = []
    for i, name in enumerate(headers):
        kinds = [k for k, m in in_header.items() if m[i]]
        if kinds:
            what = " and ".join(KIND_TEXT[k] for k in kinds)
            findings.append(IdentifierFinding(name, kinds[0], f"its header contains {what}", from_header=True,
                                              header_masked=True))
            continue
        finding = screen_column(name, df.iloc[:, i], schema=schema, check_names=name not in skip_name_check,
                                small=name in small)
        if finding is not None:
            findings.append(finding)
    return findings
