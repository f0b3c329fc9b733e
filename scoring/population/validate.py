"""Population validation, column by column: coercion of each column to its canonical type, the logical relations
between columns, repeated person ids, and the :class:`Problems` accumulator of (row, column, reason) lines.

:mod:`scoring.population.load` is the front door that calls these; the out-of-core engines reuse the id helpers.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from scoring.population.identifiers import LONG_DIGIT_RUN, identifier_mask
from scoring.population.io import MISSING_TOKENS
from scoring.population.schema import ColumnSpec, Schema, normalise_text
from scoring.population.stats import NumberStats
from scoring.population.text import (
    STR_DTYPE,
    TextEdges,
    needs_strip,
    plain_decimals,
    repeated,
    text_edges,
    token_candidates,
)

# Tolerances of the logical checks. Age is in completed years, so a person aged 30 may have lived 30.9 years.
AGE_SLACK = 1.0
MONTH_SLACK = 1.0 / 12.0 + 1e-6
_UNIT_SUFFIX = re.compile(r"\s*(周岁|岁|年|次|分|years?|yrs?)$")
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")  # 1,000 / 12,345.6: digits grouped by three


class Problems:
    """Accumulates (row position, column, reason) triples."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.bad = np.zeros(n, dtype=bool)
        self.parts: list[pd.DataFrame] = []

    def add(self, mask: np.ndarray, column: str, reasons: Iterable[str] | str) -> None:
        """Record ``reasons`` (one per masked row, or one text for all) for the rows where ``mask`` is true."""
        idx = np.flatnonzero(mask)
        if idx.size == 0:
            return
        self.bad[idx] = True
        if isinstance(reasons, str):
            reason_list: Any = [reasons] * idx.size
        else:
            reason_list = list(reasons)
        self.parts.append(pd.DataFrame({"pos": idx.astype(np.int64), "column": column, "reason": reason_list}))

    def add_at(self, positions: np.ndarray, column: str, reasons: list[str] | str) -> None:
        """Record ``reasons`` for the rows at ``positions`` (ascending 0-based positions)."""
        idx = np.asarray(positions, dtype=np.int64)
        if idx.size == 0:
            return
        self.bad[idx] = True
        reason_list: Any = [reasons] * idx.size if isinstance(reasons, str) else list(reasons)
        self.parts.append(pd.DataFrame({"pos": idx, "column": column, "reason": reason_list}))

    def join(self, other: Problems) -> None:
        """Add the lines of ``other`` (of the same rows) after these."""
        self.bad |= other.bad
        self.parts.extend(other.parts)

    def table(self, order: dict[str, int]) -> pd.DataFrame:
        """The lines as a frame (row 1-based, column, reason), by row then by the column ``order``."""
        if not self.parts:
            return pd.DataFrame({"row": pd.Series([], dtype=np.int64), "column": pd.Series([], dtype=object),
                                 "reason": pd.Series([], dtype=object)})
        df = pd.concat(self.parts, ignore_index=True)
        df["_o"] = df["column"].map(lambda c: order.get(c, len(order))).astype(np.int64)
        df = df.sort_values(["pos", "_o"], kind="stable")
        out = pd.DataFrame({"row": (df["pos"] + 1).to_numpy(np.int64), "column": df["column"].astype(object).to_numpy(),
                            "reason": df["reason"].astype(object).to_numpy()})
        return out.reset_index(drop=True)


NOT_SHOWN = "(value not shown: it looks like a personal identifier)"  # what show_value gives for an identifier


def show_value(value: object) -> str:
    """A value for a message, masked when it could be an identifier; long values shortened (see :func:`show_values`)."""
    return show_values([value])[0]


def show_values(values: list[object]) -> list[str]:
    """Values for messages, each masked when it could be an identifier, long ones shortened; the identifier screens
    run once over all of them (one value at a time cost ~5 ms: a file of 8,000 repeated ids took 40 s).

    A value that is or holds an identifier (see :mod:`scoring.population.identifiers_embedded`) is not shown at
    all, and in any other value every run of 7 or more digits (spaces, dots or hyphens between them allowed) is
    masked.
    """
    texts = [str(v) for v in values]
    if not texts:
        return []
    hidden = identifier_mask(texts)
    out = []
    for text, hide in zip(texts, hidden.tolist(), strict=True):
        if hide:
            out.append(NOT_SHOWN)
            continue
        text = LONG_DIGIT_RUN.sub(lambda m: "#" * len(m.group()), unicodedata.normalize("NFKC", text))
        out.append(repr(text[:37] + "..." if len(text) > 40 else text))
    return out


def missing_mask(col: pd.Series, edges: TextEdges | None = None) -> np.ndarray:
    """True where a value is missing: NaN/None or a missing token ("", "NA", "null", ...). ``edges``: a text
    column's :func:`~scoring.population.text.text_edges`, when already found."""
    miss = np.array(col.isna().to_numpy(dtype=bool), dtype=bool, copy=True)
    if isinstance(col.dtype, pd.CategoricalDtype):
        cats = col.cat.categories
        tok = np.array([normalise_text(str(c)) in MISSING_TOKENS for c in cats], dtype=bool)
        codes = col.array.codes  # a view (Series.cat.codes copies them)
        hit = np.zeros(len(col), dtype=bool)
        valid = codes >= 0
        hit[valid] = tok[codes[valid]] if len(tok) else False
        miss |= hit
    elif pd.api.types.is_string_dtype(col.dtype) and col.dtype != object:
        cand = token_candidates(col, edges)
        if cand is None:
            norm = col.str.strip().str.lower()
            miss |= norm.isin(MISSING_TOKENS).to_numpy(dtype=bool, na_value=False)
        elif cand.any():
            norm = col[cand].str.strip().str.lower()
            miss[cand] |= norm.isin(MISSING_TOKENS).to_numpy(dtype=bool, na_value=False)
    elif col.dtype == object:
        codes, uniques = pd.factorize(col, use_na_sentinel=True)
        if len(uniques):
            tok = np.array([normalise_text(str(u)) in MISSING_TOKENS for u in uniques], dtype=bool)
            hit = np.zeros(len(codes), dtype=bool)
            valid = codes >= 0
            hit[valid] = tok[codes[valid]]
            miss |= hit
    return miss


def _parse_number_text(text: str) -> float | None:
    t = unicodedata.normalize("NFKC", text).strip().lower().replace("，", ",")
    t = _UNIT_SUFFIX.sub("", t).strip()
    if "_" in t or not t.isascii():  # float() reads "1_0" as 10.0 and "١٢" as 12: neither is plain digits
        return None
    if "," in t:  # a thousands separator only where it groups three digits ("1,000.5"); "1,0" and "5,5" are refused
        if not _GROUPED.fullmatch(t):  # (a decimal comma would be read as 10 and 55)
            return None
        t = t.replace(",", "")
    try:
        return float(t)
    except ValueError:
        return None


def _to_numbers(col: pd.Series, miss: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Float values and a mask of non-missing values that are not numbers."""
    if pd.api.types.is_bool_dtype(col.dtype):
        vals = col.astype("float64").to_numpy(dtype=np.float64, na_value=np.nan)
        return vals, np.zeros(len(col), dtype=bool)
    if pd.api.types.is_numeric_dtype(col.dtype) and not isinstance(col.dtype, pd.CategoricalDtype):
        vals = col.astype("float64").to_numpy(dtype=np.float64, na_value=np.nan)
        return vals, np.zeros(len(col), dtype=bool)
    if col.dtype == object or isinstance(col.dtype, pd.CategoricalDtype):
        codes, uniques = pd.factorize(col, use_na_sentinel=True)
        conv = np.full(len(uniques), np.nan)
        for i, u in enumerate(uniques):
            if isinstance(u, bool | np.bool_):
                continue
            if isinstance(u, int | float | np.integer | np.floating):
                conv[i] = float(u)
            else:
                got = _parse_number_text(str(u))
                conv[i] = np.nan if got is None else got
        vals = np.full(len(col), np.nan)
        ok = codes >= 0
        vals[ok] = conv[codes[ok]]
    else:
        fast = plain_decimals(col)
        if fast is not None:
            return fast, np.zeros(len(col), dtype=bool)
        vals = np.array(pd.to_numeric(col, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan), copy=True)
        slow = np.isnan(vals) & ~miss
        if slow.any():
            sub = col[slow]
            codes, uniques = pd.factorize(sub, use_na_sentinel=True)
            conv = np.array([np.nan if (g := _parse_number_text(str(u))) is None else g for u in uniques])
            got = np.full(len(sub), np.nan)
            okc = codes >= 0
            if len(conv):
                got[okc] = conv[codes[okc]]
            vals[slow] = got
    notnum = np.isnan(vals) & ~miss
    return vals, notnum


def _reasons_for(col: pd.Series, mask: np.ndarray, template: str) -> list[str]:
    """Per-row reasons for masked rows, formatting each distinct value once (``{v}`` in template)."""
    sub = col[mask]
    codes, uniques = pd.factorize(sub, use_na_sentinel=True)
    texts = [template.format(v=shown) for shown in show_values(list(uniques))]
    fallback = template.format(v="(missing)")
    return [texts[c] if c >= 0 else fallback for c in codes]


def _fmt_num(x: float) -> str:
    return f"{x:g}"


def _shown_num(x: float) -> str:
    """A value from the file for a message: as :func:`_fmt_num` writes it, but one of 7 or more whole digits (an ID or
    phone number in the wrong column, whose leading digits ``{:g}`` would show) as that many '#', like the digit runs
    :func:`show_value` masks; more than 20 of them are shortened with "..." (1e300 would be 301)."""
    if np.isfinite(x) and abs(x) >= 1e6:
        digits = len(f"{abs(x):.0f}")
        return ("-" if x < 0 else "") + "#" * min(digits, 20) + ("..." if digits > 20 else "")
    return _fmt_num(x)


def _numeric_clean(spec: ColumnSpec, col: pd.Series, stats: NumberStats | None = None) -> np.ndarray | None:
    """A numpy number column with nothing to report, as ``spec.dtype`` without a float64 copy; else None.

    Whole-column reductions only (min, max, and the whole-number test for an int column read as floats): a column
    with a missing, infinite, fractional or out-of-range value takes the detailed path, which names each row.
    ``stats`` (a Parquet file's, :mod:`scoring.population.stats`) stand for the min and max when the file has no
    null in the column: an integer column is then not read at all; a float column is read once, for NaN and
    infinity (which statistics do not bound).
    """
    dt = col.dtype
    if not isinstance(dt, np.dtype) or dt.kind not in "iuf" or len(col) == 0:
        return None
    arr = col.to_numpy()
    if stats is not None and stats.nulls == 0 and (dt.kind in "iu" or bool(np.isfinite(arr).all())):
        low, high = float(stats.low), float(stats.high)
    else:
        low, high = float(arr.min()), float(arr.max())  # a NaN anywhere makes both NaN: not taken
    if not (np.isfinite(low) and np.isfinite(high)):
        return None
    if spec.range is not None and (low < spec.range[0] or high > spec.range[1]):
        return None
    if spec.type == "int" and dt.kind == "f" and not bool(np.all(arr == np.floor(arr))):
        return None
    return arr.astype(spec.dtype, copy=False)


def _coerce_numeric(spec: ColumnSpec, col: pd.Series, miss: np.ndarray, probs: Problems) -> np.ndarray:
    vals, notnum = _to_numbers(col, miss)
    probs.add(miss, spec.name, "missing value")
    probs.add(notnum, spec.name, _reasons_for(col, notnum, "not a number: {v}"))
    ok = ~miss & ~notnum
    inf = ok & ~np.isfinite(vals)
    probs.add(inf, spec.name, "not a finite number")
    ok &= ~inf
    if spec.type == "int":
        frac = ok & (vals != np.floor(np.where(ok, vals, 0)))
        probs.add(frac, spec.name, [f"must be a whole number, got {_shown_num(v)}" for v in vals[frac]])
        ok &= ~frac
    if spec.range is not None:
        lo, hi = spec.range
        out = ok & ((vals < lo) | (vals > hi))
        probs.add(out, spec.name, [f"must be between {_fmt_num(lo)} and {_fmt_num(hi)}, got {_shown_num(v)}"
                                   for v in vals[out]])
        ok &= ~out
    clean = np.where(ok, vals, 0.0)
    return clean.astype(spec.dtype)


def _coerce_bool(spec_name: str, col: pd.Series, miss: np.ndarray, probs: Problems, schema: Schema) -> np.ndarray:
    probs.add(miss, spec_name, "missing value")
    if pd.api.types.is_bool_dtype(col.dtype):
        return col.fillna(False).to_numpy(dtype=bool)
    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    parsed = [schema.parse_bool(u) for u in uniques]
    table = np.array([bool(p) for p in parsed], dtype=bool)
    known = np.array([p is not None for p in parsed], dtype=bool)
    out = np.zeros(len(col), dtype=bool)
    ok = codes >= 0
    out[ok] = table[codes[ok]]
    bad = np.zeros(len(col), dtype=bool)
    bad[ok] = ~known[codes[ok]]
    bad &= ~miss
    probs.add(bad, spec_name, _reasons_for(col, bad, "expected 是/否 (yes/no), got {v}"))
    out[bad | miss] = False
    return out


def _code_dtype(n_categories: int) -> type:
    return np.int8 if n_categories < 127 else np.int16 if n_categories < 32000 else np.int32


def _category_clean(spec: ColumnSpec, col: pd.Series, schema: Schema) -> pd.Categorical | None:
    """A dictionary-encoded column whose every category is a known value and no row is missing, recoded to the
    schema's categories through its (few) categories only; else None (the detailed path names each row)."""
    if not isinstance(col.dtype, pd.CategoricalDtype) or len(col) == 0:
        return None
    categories = list(col.cat.categories)
    mapped = [schema.canonical_value(spec.name, c) for c in categories]
    if any(m is None for m in mapped) or any(normalise_text(str(c)) in MISSING_TOKENS for c in categories):
        return None
    codes = col.array.codes  # a view (Series.cat.codes copies them)
    if int(codes.min()) < 0:
        return None
    cats = list(spec.categories)
    index = {c: i for i, c in enumerate(cats)}
    table = np.array([index[m] for m in mapped], dtype=_code_dtype(len(cats)))
    if np.array_equal(table, np.arange(len(table))):  # the file's categories in the schema's order
        recoded = codes.astype(table.dtype, copy=True)
    else:  # Arrow's take reads small integer indices as they are (numpy's would widen each to 64 bits first)
        recoded = np.array(pc.take(pa.array(table), pa.array(codes)).to_numpy(zero_copy_only=False), copy=True)
    return pd.Categorical.from_codes(recoded, categories=cats, validate=False)  # codes from the table


def _coerce_category(spec: ColumnSpec, col: pd.Series, miss: np.ndarray, probs: Problems, schema: Schema,
                     warnings: list[str]) -> pd.Categorical:
    probs.add(miss, spec.name, "missing value")
    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    cats = list(spec.categories)
    index = {c: i for i, c in enumerate(cats)}
    mapped = np.full(len(uniques), -1, dtype=np.int64)
    unknown: list[str] = []
    for i, u in enumerate(uniques):
        code = schema.canonical_value(spec.name, u)
        if code is not None:
            mapped[i] = index[code]
            continue
        text = unicodedata.normalize("NFKC", str(u)).strip()
        if normalise_text(text) in MISSING_TOKENS:
            continue
        if spec.open:
            if text not in index:
                index[text] = len(cats)
                cats.append(text)
                unknown.append(text)
            mapped[i] = index[text]
    out = np.full(len(col), -1, dtype=np.int64)
    ok = codes >= 0
    out[ok] = mapped[codes[ok]]
    bad = (out < 0) & ~miss
    if bad.any():
        allowed = ", ".join(f"{v.code}/{v.zh}" for v in spec.values)
        probs.add(bad, spec.name, _reasons_for(col, bad, "unknown value {v} (allowed: " + allowed + ")"))
    if unknown:
        shown = ", ".join(show_value(u) for u in unknown[:5]) + (" ..." if len(unknown) > 5 else "")
        warnings.append(f"{spec.name}: {len(unknown)} value(s) not in the schema kept as they are: {shown}")
    out[out < 0] = 0 if cats else -1
    if not cats:
        cats = ["(none)"]
    return pd.Categorical.from_codes(out.astype(_code_dtype(len(cats))), categories=cats)


def coerce_string(spec_name: str, col: pd.Series, miss: np.ndarray, probs: Problems,
                  edges: TextEdges | None = None) -> pd.Series:
    """A text column as stripped compact strings ("" where missing); whole floats lose their ".0". ``edges``: as
    for :func:`missing_mask`."""
    probs.add(miss, spec_name, "missing value")
    if col.dtype == STR_DTYPE:  # already compact text: strip in place (the same pyarrow kernel as below)
        if not miss.any() and not needs_strip(col, edges):  # nothing to strip or missing (e.g. generated-style ids)
            return col.reset_index(drop=True)
        text = col.fillna("").str.strip()
        if miss.any():
            text = text.where(~pd.Series(miss, index=text.index), "")
        return text.reset_index(drop=True)
    if pd.api.types.is_float_dtype(col.dtype):
        vals = col.to_numpy(dtype=np.float64, na_value=np.nan)
        integral = np.isfinite(vals) & (vals == np.floor(np.nan_to_num(vals)))
        text = pd.Series(np.where(integral, np.nan_to_num(vals).astype(np.int64).astype(str), vals.astype(str)))
    else:
        text = col.astype(object).where(~pd.isna(col), "").astype(str)
    text = text.astype(STR_DTYPE).str.strip()
    text = text.where(~pd.Series(miss, index=text.index), "")
    return text.reset_index(drop=True)


def _infer_extra(name: str, col: pd.Series, miss: np.ndarray, probs: Problems, schema: Schema,
                 warnings: list[str]) -> pd.Series:
    """Type an extra column: numeric-looking -> numeric; 是/否 -> bool; else text (kept as is)."""
    if col.dtype != object and not pd.api.types.is_string_dtype(col.dtype):
        return col.reset_index(drop=True)
    present = ~miss
    n_present = int(present.sum())
    if n_present == 0:
        return pd.Series(np.full(len(col), np.nan), dtype="float32")
    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    parsed = [schema.parse_bool(u) for u in uniques]
    wordy = [p is not None and _parse_number_text(str(u)) is None for p, u in zip(parsed, uniques, strict=True)]
    ok_codes = codes >= 0
    if uniques.size and all(p is not None for p, u in zip(parsed, uniques, strict=True)
                            if normalise_text(str(u)) not in MISSING_TOKENS) and any(wordy):
        table = np.array([bool(p) for p in parsed], dtype=bool)
        vals = np.zeros(len(col), dtype=bool)
        vals[ok_codes] = table[codes[ok_codes]]
        if miss.any():
            return pd.Series(pd.array(np.where(miss, None, vals), dtype="boolean"))
        return pd.Series(vals)
    nums, notnum = _to_numbers(col, miss)
    n_num = n_present - int(notnum.sum())
    if n_num == n_present:
        finite = nums[present]
        if np.isfinite(finite).all() and (finite == np.floor(finite)).all() and not miss.any() \
                and np.abs(finite).max(initial=0) < 2**62:
            return pd.Series(pd.to_numeric(pd.Series(nums.astype(np.int64)), downcast="integer"))
        return pd.Series(nums)
    if n_num * 2 > n_present:
        probs.add(notnum, name, _reasons_for(col, notnum, "the column holds numbers but this value is text: {v}"))
        return pd.Series(np.where(notnum, np.nan, nums))
    text = col.astype(object).where(present, None)
    return pd.Series(text.astype(STR_DTYPE)).reset_index(drop=True)


def _clean_column(spec: ColumnSpec, col: pd.Series, schema: Schema, stats: NumberStats | None = None) -> Any:
    """The typed column when a whole-column test shows nothing to report (see the ``*_clean`` helpers), else None."""
    if spec.type in ("int", "float"):
        return _numeric_clean(spec, col, stats)
    if spec.type == "category":
        return _category_clean(spec, col, schema)
    if spec.type == "bool" and col.dtype == np.bool_:
        return col.to_numpy(dtype=bool)
    return None


def type_columns(raw: pd.DataFrame, mapping: dict[str, str], schema: Schema, probs: Problems,
                 warnings: list[str], stats: dict[str, NumberStats] | None = None
                 ) -> tuple[dict[str, Any], dict[str, pd.Series], np.ndarray | None]:
    """Coerce each column of ``raw`` (header -> canonical name in ``mapping``) to its schema type; ``stats``: what a
    Parquet file's statistics prove about its numeric columns, by header (:mod:`scoring.population.stats`).

    Returns the typed schema columns, the inferred extra columns, and the missing mask of person_id (None when
    the input has no person_id column). Problems go to ``probs``, notes to ``warnings``.
    """
    typed: dict[str, Any] = {}
    extras: dict[str, pd.Series] = {}
    id_missing: np.ndarray | None = None
    for header in raw.columns:
        target = mapping[header]
        col = raw[header]
        spec = schema.columns.get(target)
        clean = _clean_column(spec, col, schema, (stats or {}).get(header)) if spec is not None else None
        if clean is not None:  # nothing to report: typed by whole-column reductions, no per-row masks
            typed[target] = clean
            continue
        edges = text_edges(col) if spec is not None and spec.type not in ("int", "float", "bool", "category") \
            else None  # a text column: its edges serve both the missing tokens and the strip
        miss = missing_mask(col, edges)
        if spec is None:
            extras[target] = _infer_extra(target, col, miss, probs, schema, warnings)
            continue
        if spec.type in ("int", "float"):
            typed[target] = _coerce_numeric(spec, col, miss, probs)
        elif spec.type == "bool":
            typed[target] = _coerce_bool(target, col, miss, probs, schema)
        elif spec.type == "category":
            typed[target] = _coerce_category(spec, col, miss, probs, schema, warnings)
        else:
            typed[target] = coerce_string(target, col, miss, probs, edges)
            if target == "person_id":
                id_missing = miss
    return typed, extras, id_missing


LOGIC_CHUNK = 1 << 16  # rows per pass of the logical checks (the float64 temporaries of a chunk stay in cache)


def logical_checks(typed: dict[str, Any], probs: Problems, schema: Schema) -> None:
    """Relations between columns, checked only where the values involved are themselves valid.

    Worked in chunks of rows so that the float64 copies of the columns involved stay small; the problems come out
    in the same order as one pass over all rows would give (by row, then by check).
    """
    ok_all = ~probs.bad
    for lo in range(0, probs.n, LOGIC_CHUNK):
        rows = slice(lo, min(probs.n, lo + LOGIC_CHUNK))
        for column, pos, reasons in _logical_chunk(typed, rows, ok_all[rows], schema):
            probs.add_at(pos + lo, column, reasons)


def _logical_chunk(typed: dict[str, Any], rows: slice, ok: np.ndarray, schema: Schema
                   ) -> list[tuple[str, np.ndarray, list[str] | str]]:
    """The logical problems of one chunk of rows: (column, positions within the chunk, reasons) in check order.

    Every sum and bound is computed in float64 from the columns as stored (float32 and small integers convert
    exactly inside the ufuncs, without a float64 copy of each column); only the values of rows that fail are
    converted for the reasons."""
    out: list[tuple[str, np.ndarray, list[str] | str]] = []
    has = typed.__contains__
    f8 = np.float64

    def r(col: str) -> np.ndarray:
        return np.asarray(typed[col][rows])

    def at(values: np.ndarray, m: np.ndarray) -> np.ndarray:
        return np.asarray(values[m], dtype=f8)

    def over(values: np.ndarray, limit: np.ndarray, base: np.ndarray) -> np.ndarray:
        """``base & (values > limit)`` (``limit`` a float64 array: the comparison is in float64)."""
        m = np.greater(values, limit)
        m &= base
        return m

    def add(m: np.ndarray, column: str, reasons: Any) -> None:
        pos = np.flatnonzero(m)
        if pos.size:
            out.append((column, pos, reasons if isinstance(reasons, str) else list(reasons)))

    city_res = None
    if has("residence_years"):
        city_res = np.add(r("residence_years"), r("residence_years_other_districts"), dtype=f8) if \
            has("residence_years_other_districts") else np.add(r("residence_years"), 0.0, dtype=f8)  # -0 reads as 0
    if has("age"):
        age = r("age")
        age_limit = np.add(age, AGE_SLACK, dtype=f8) if city_res is not None or has("permit_years") else None
        work = np.subtract(age, float(schema.working_age), dtype=f8)
        np.maximum(work, 0.0, out=work)
        if city_res is not None:
            m = over(city_res, age_limit, ok)
            what = "residence_years" + (" + residence_years_other_districts" if
                                        has("residence_years_other_districts") else "")
            add(m, "residence_years", (f"{what} ({_fmt_num(c)}) exceed the age ({int(a)})"
                                       for c, a in zip(at(city_res, m), at(age, m), strict=True)))
        if has("insurance_years"):
            ins = r("insurance_years")
            work_limit = np.add(work, AGE_SLACK)
            m = over(ins, work_limit, ok)
            add(m, "insurance_years", (f"insurance_years ({_fmt_num(i)}) exceed age - {schema.working_age} "
                                       f"({_fmt_num(w)}): nobody is insured before {schema.working_age}"
                                       for i, w in zip(at(ins, m), work[m], strict=True)))
            if has("insurance_years_yrd"):
                tot = np.add(ins, r("insurance_years_yrd"), dtype=f8)
                m2 = over(tot, work_limit, ok & ~m)
                add(m2, "insurance_years_yrd",
                    (f"insurance_years + insurance_years_yrd ({_fmt_num(t)}) exceed age - "
                     f"{schema.working_age} ({_fmt_num(w)})" for t, w in zip(tot[m2], work[m2], strict=True)))
        if has("permit_years") and city_res is None:
            m = over(r("permit_years"), age_limit, ok)
            add(m, "permit_years", "permit_years exceed the age")
    if has("permit_years"):
        permit = r("permit_years")
        if city_res is not None:
            m = over(permit, np.add(city_res, MONTH_SLACK, dtype=f8), ok)
            add(m, "permit_years", (f"permit_years ({_fmt_num(p)}) exceed the years of residence in the city "
                                    f"({_fmt_num(c)})" for p, c in zip(at(permit, m), at(city_res, m), strict=True)))
        if has("has_residence_permit"):
            m = over(permit, np.zeros(1, dtype=f8), ok & ~np.asarray(typed["has_residence_permit"][rows], dtype=bool))
            add(m, "permit_years", "permit_years > 0 but has_residence_permit is 否 (no)")
    if has("owned_home_years") and has("rented_home_years") and city_res is not None:
        homes = np.add(r("owned_home_years"), r("rented_home_years"), dtype=f8)
        m = over(homes, np.add(city_res, MONTH_SLACK, dtype=f8), ok)
        add(m, "rented_home_years", (f"owned_home_years + rented_home_years ({_fmt_num(h)}) exceed the years "
                                     f"of residence in the city ({_fmt_num(c)})"
                                     for h, c in zip(homes[m], at(city_res, m), strict=True)))
    return out


def duplicate_ids(ids: pd.Series, miss: np.ndarray, probs: Problems) -> None:
    """Reject every row whose (present) person id occurs more than once, naming the rows that share it."""
    dup = repeated(ids) & ~miss
    if not dup.any():
        return
    sub = ids[dup]
    groups = pd.Series(np.flatnonzero(dup) + 1).groupby(sub.to_numpy(dtype=object)).agg(list)
    reasons = dict(zip(groups.index, duplicate_id_reasons(list(groups.index), list(groups)), strict=True))
    probs.add(dup, "person_id", [reasons[v] for v in sub])


def duplicate_id_reason(value: object, rows: list[int]) -> str:
    """The reason given to each row of a repeated person id: the id (masked if need be) and up to five rows."""
    return duplicate_id_reasons([value], [rows])[0]


def duplicate_id_reasons(values: list[object], rows: list[list[int]]) -> list[str]:
    """:func:`duplicate_id_reason` of many repeated ids at once (their masking screened together)."""
    return [f"person_id {shown} is not unique (rows {', '.join(str(r) for r in listed[:5])}"
            f"{', ...' if len(listed) > 5 else ''})" for shown, listed in zip(show_values(values), rows, strict=True)]


