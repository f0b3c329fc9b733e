"""Populations: canonical columns, loading (CSV / XLSX / Parquet / DataFrame), validation report, identifiers.

``read_population`` is the data front door: it reads a file or frame, maps Chinese (or English) headers and values
to the canonical ones from :mod:`scoring.population_schema`, refuses (or drops) direct identifiers, types every
column compactly, and validates types, ranges, categories and the logical relations between columns. Every input
row is accounted for: ``rows_in == len(frame) + rows_rejected``.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from scoring.errors import PopulationError
from scoring.identifiers import IdentifierFinding, id15_like, id18_valid, mobile_like, name_like, screen_identifiers
from scoring.population_io import MISSING_TOKENS, read_table
from scoring.population_schema import ColumnSpec, Schema, load_schema, normalise_text

__all__ = [
    "CANONICAL_COLUMNS",
    "PopulationLoad",
    "load_population",
    "person_ids",
    "read_population",
    "validate_population",
]

CANONICAL_COLUMNS: tuple[str, ...] = load_schema().canonical_columns
STR_DTYPE = pd.StringDtype("pyarrow", na_value=np.nan)
# Tolerances of the logical checks. Age is in completed years, so a person aged 30 may have lived 30.9 years.
AGE_SLACK = 1.0
MONTH_SLACK = 1.0 / 12.0 + 1e-6
_UNIT_SUFFIX = re.compile(r"\s*(周岁|岁|年|次|分|years?|yrs?)$")
SHOW_ROWS = 3
_DIGITS4 = np.frombuffer("".join(f"{i:04d}" for i in range(10000)).encode(), dtype=np.uint8).reshape(10000, 4)


@dataclass
class PopulationLoad:
    """The result of reading a population: kept rows, rejected rows with reasons, and notes.

    ``frame`` holds the kept rows with canonical names and compact dtypes; its index is the 0-based position of
    each row in the input. ``rejected`` has one line per problem: ``row`` (1-based data row), ``column``,
    ``reason``; a row may appear more than once but counts once in ``rows_rejected``.
    """

    frame: pd.DataFrame
    rejected: pd.DataFrame
    rows_in: int
    rows_rejected: int
    dropped_identifiers: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    source: str | None = None

    @property
    def rows_kept(self) -> int:
        """Number of valid rows kept (== len(frame))."""
        return len(self.frame)

    def summary(self) -> dict[str, Any]:
        """A JSON-serialisable summary: rows_in, kept (= scored), rejected, dropped identifiers, warnings."""
        return {
            "source": self.source,
            "rows_in": int(self.rows_in),
            "kept": int(self.rows_kept),
            "scored": int(self.rows_kept),
            "rejected": int(self.rows_rejected),
            "dropped_identifiers": list(self.dropped_identifiers),
            "warnings": list(self.warnings),
            "columns": [str(c) for c in self.frame.columns],
        }

    def error_message(self) -> str:
        """The strict-mode message: first line names up to three bad rows as "row N, column C: reason"."""
        first = self.rejected.drop_duplicates("row").head(SHOW_ROWS)
        shown = "; ".join(f"row {r.row}, column {r.column}: {r.reason}" for r in first.itertuples())
        more = (f" ({self.rows_rejected} of {self.rows_in} rows invalid; use --skip-invalid / skip_invalid=True "
                "to keep the valid rows)")
        lines = [shown + more]
        for r in self.rejected.head(50).itertuples():
            lines.append(f"  row {r.row}, column {r.column}: {r.reason}")
        if len(self.rejected) > 50:
            lines.append(f"  ... and {len(self.rejected) - 50} more problem(s)")
        return "\n".join(lines)


class _Problems:
    """Accumulates (row position, column, reason) triples."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.bad = np.zeros(n, dtype=bool)
        self.parts: list[pd.DataFrame] = []

    def add(self, mask: np.ndarray, column: str, reasons: Iterable[str] | str) -> None:
        idx = np.flatnonzero(mask)
        if idx.size == 0:
            return
        self.bad[idx] = True
        if isinstance(reasons, str):
            reason_list: Any = [reasons] * idx.size
        else:
            reason_list = list(reasons)
        self.parts.append(pd.DataFrame({"pos": idx.astype(np.int64), "column": column, "reason": reason_list}))

    def table(self, order: dict[str, int]) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame({"row": pd.Series([], dtype=np.int64), "column": pd.Series([], dtype=object),
                                 "reason": pd.Series([], dtype=object)})
        df = pd.concat(self.parts, ignore_index=True)
        df["_o"] = df["column"].map(lambda c: order.get(c, len(order))).astype(np.int64)
        df = df.sort_values(["pos", "_o"], kind="stable")
        out = pd.DataFrame({"row": (df["pos"] + 1).to_numpy(np.int64), "column": df["column"].astype(object).to_numpy(),
                            "reason": df["reason"].astype(object).to_numpy()})
        return out.reset_index(drop=True)


def _show(value: object) -> str:
    """A value for a message, masked when it could be an identifier; long values shortened."""
    text = str(value)
    one = [text]
    if name_like(one)[0] or id18_valid(one)[0] or id15_like(one)[0] or mobile_like(one)[0]:
        return "(value not shown: it looks like a personal identifier)"
    if len(text) > 40:
        text = text[:37] + "..."
    return repr(text)


def _missing_mask(col: pd.Series) -> np.ndarray:
    """True where a value is missing: NaN/None or a missing token ("", "NA", "null", ...)."""
    miss = np.array(col.isna().to_numpy(dtype=bool), dtype=bool, copy=True)
    if isinstance(col.dtype, pd.CategoricalDtype):
        cats = col.cat.categories
        tok = np.array([normalise_text(str(c)) in MISSING_TOKENS for c in cats], dtype=bool)
        codes = col.cat.codes.to_numpy()
        hit = np.zeros(len(col), dtype=bool)
        valid = codes >= 0
        hit[valid] = tok[codes[valid]] if len(tok) else False
        miss |= hit
    elif pd.api.types.is_string_dtype(col.dtype) and col.dtype != object:
        norm = col.str.strip().str.lower()
        miss |= norm.isin(MISSING_TOKENS).to_numpy(dtype=bool, na_value=False)
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
    t = unicodedata.normalize("NFKC", text).strip().lower().replace(",", "").replace("，", "")
    t = _UNIT_SUFFIX.sub("", t).strip()
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
    texts = [template.format(v=_show(u)) for u in uniques]
    fallback = template.format(v="(missing)")
    return [texts[c] if c >= 0 else fallback for c in codes]


def _fmt_num(x: float) -> str:
    return f"{x:g}"


def _coerce_numeric(spec: ColumnSpec, col: pd.Series, miss: np.ndarray, probs: _Problems) -> np.ndarray:
    vals, notnum = _to_numbers(col, miss)
    probs.add(miss, spec.name, "missing value")
    probs.add(notnum, spec.name, _reasons_for(col, notnum, "not a number: {v}"))
    ok = ~miss & ~notnum
    inf = ok & ~np.isfinite(vals)
    probs.add(inf, spec.name, "not a finite number")
    ok &= ~inf
    if spec.type == "int":
        frac = ok & (vals != np.floor(np.where(ok, vals, 0)))
        probs.add(frac, spec.name, [f"must be a whole number, got {_fmt_num(v)}" for v in vals[frac]])
        ok &= ~frac
    if spec.range is not None:
        lo, hi = spec.range
        out = ok & ((vals < lo) | (vals > hi))
        probs.add(out, spec.name, [f"must be between {_fmt_num(lo)} and {_fmt_num(hi)}, got {_fmt_num(v)}"
                                   for v in vals[out]])
        ok &= ~out
    clean = np.where(ok, vals, 0.0)
    return clean.astype(spec.dtype)


def _coerce_bool(spec_name: str, col: pd.Series, miss: np.ndarray, probs: _Problems, schema: Schema) -> np.ndarray:
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


def _coerce_category(spec: ColumnSpec, col: pd.Series, miss: np.ndarray, probs: _Problems, schema: Schema,
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
        shown = ", ".join(unknown[:5]) + (" ..." if len(unknown) > 5 else "")
        warnings.append(f"{spec.name}: {len(unknown)} value(s) not in the schema kept as they are: {shown}")
    out[out < 0] = 0 if cats else -1
    if not cats:
        cats = ["(none)"]
    code_dtype = np.int8 if len(cats) < 127 else np.int16 if len(cats) < 32000 else np.int32
    return pd.Categorical.from_codes(out.astype(code_dtype), categories=cats)


def _coerce_string(spec_name: str, col: pd.Series, miss: np.ndarray, probs: _Problems) -> pd.Series:
    probs.add(miss, spec_name, "missing value")
    if pd.api.types.is_float_dtype(col.dtype):
        vals = col.to_numpy(dtype=np.float64, na_value=np.nan)
        integral = np.isfinite(vals) & (vals == np.floor(np.nan_to_num(vals)))
        text = pd.Series(np.where(integral, np.nan_to_num(vals).astype(np.int64).astype(str), vals.astype(str)))
    else:
        text = col.astype(object).where(~pd.isna(col), "").astype(str)
    text = text.astype(STR_DTYPE).str.strip()
    text = text.where(~pd.Series(miss, index=text.index), "")
    return text.reset_index(drop=True)


def person_ids(positions: np.ndarray, width: int | None = None) -> pd.Series:
    """Generated person ids "P0000001"... for 0-based row positions (id = position + 1), as a compact str column."""
    positions = np.asarray(positions, dtype=np.int64)
    n = positions.size
    top = int(positions.max()) + 1 if n else 1
    width = width or max(7, len(str(top)))
    nums = (positions + 1).astype(np.uint32 if top < 2**32 else np.uint64)
    buf = np.empty((n, width + 1), dtype=np.uint8)
    buf[:, 0] = ord("P")
    # Four digits at a time through a lookup table.
    x = nums
    pos = width + 1
    ten_k = nums.dtype.type(10000)
    while pos > 1:
        take = min(4, pos - 1)
        high = x // ten_k
        buf[:, pos - take:pos] = _DIGITS4[(x - high * ten_k)][:, 4 - take:]
        x = high
        pos -= take
    offsets = np.arange(n + 1, dtype=np.int32) * np.int32(width + 1) if n * (width + 1) < 2**31 else \
        np.arange(n + 1, dtype=np.int64) * (width + 1)
    typ = pa.string() if offsets.dtype == np.int32 else pa.large_string()
    arr = pa.Array.from_buffers(typ, n, [None, pa.py_buffer(offsets), pa.py_buffer(buf.reshape(-1))])
    return pd.Series(pd.array(arr, dtype=STR_DTYPE))


def _infer_extra(name: str, col: pd.Series, miss: np.ndarray, probs: _Problems, schema: Schema,
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


def _map_headers(frame: pd.DataFrame, schema: Schema, name: str) -> tuple[dict[str, str], list[str]]:
    """Original header -> canonical (or kept) column name; refuses two headers mapping to one column."""
    mapping: dict[str, str] = {}
    seen: dict[str, str] = {}
    for header in frame.columns:
        h = str(header)
        target = schema.canonical_header(h) or unicodedata.normalize("NFKC", h).strip()
        if not target:
            target = h
        if target in seen:
            raise PopulationError(f"{name}: columns '{seen[target]}' and '{h}' both map to '{target}'")
        seen[target] = h
        mapping[h] = target
    return mapping, list(mapping.values())


def _logical_checks(typed: dict[str, Any], probs: _Problems, schema: Schema) -> None:
    """Relations between columns, checked only where the values involved are themselves valid."""
    bad_now = probs.bad.copy()
    ok = ~bad_now
    has = typed.__contains__

    def f(col: str) -> np.ndarray:
        return np.asarray(typed[col], dtype=np.float64)

    city_res = None
    if has("residence_years"):
        city_res = f("residence_years") + (f("residence_years_other_districts")
                                           if has("residence_years_other_districts") else 0.0)
    if has("age"):
        age = f("age")
        work = np.maximum(age - schema.working_age, 0.0)
        if city_res is not None:
            m = ok & (city_res > age + AGE_SLACK)
            what = "residence_years" + (" + residence_years_other_districts" if
                                        has("residence_years_other_districts") else "")
            probs.add(m, "residence_years", [f"{what} ({_fmt_num(r)}) exceed the age ({int(a)})"
                                             for r, a in zip(city_res[m], age[m], strict=True)])
        if has("insurance_years"):
            ins = f("insurance_years")
            m = ok & (ins > work + AGE_SLACK)
            probs.add(m, "insurance_years", [f"insurance_years ({_fmt_num(i)}) exceed age - {schema.working_age} "
                                             f"({_fmt_num(w)}): nobody is insured before {schema.working_age}"
                                             for i, w in zip(ins[m], work[m], strict=True)])
            if has("insurance_years_yrd"):
                tot = ins + f("insurance_years_yrd")
                m2 = ok & ~m & (tot > work + AGE_SLACK)
                probs.add(m2, "insurance_years_yrd",
                          [f"insurance_years + insurance_years_yrd ({_fmt_num(t)}) exceed age - "
                           f"{schema.working_age} ({_fmt_num(w)})" for t, w in zip(tot[m2], work[m2], strict=True)])
        if has("permit_years") and city_res is None:
            m = ok & (f("permit_years") > age + AGE_SLACK)
            probs.add(m, "permit_years", "permit_years exceed the age")
    if has("permit_years"):
        permit = f("permit_years")
        if city_res is not None:
            m = ok & (permit > city_res + MONTH_SLACK)
            probs.add(m, "permit_years", [f"permit_years ({_fmt_num(p)}) exceed the years of residence in the city "
                                          f"({_fmt_num(r)})" for p, r in zip(permit[m], city_res[m], strict=True)])
        if has("has_residence_permit"):
            m = ok & ~np.asarray(typed["has_residence_permit"], dtype=bool) & (permit > 0)
            probs.add(m, "permit_years", "permit_years > 0 but has_residence_permit is 否 (no)")
    if has("owned_home_years") and has("rented_home_years") and city_res is not None:
        homes = f("owned_home_years") + f("rented_home_years")
        m = ok & (homes > city_res + MONTH_SLACK)
        probs.add(m, "rented_home_years", [f"owned_home_years + rented_home_years ({_fmt_num(h)}) exceed the years "
                                           f"of residence in the city ({_fmt_num(r)})"
                                           for h, r in zip(homes[m], city_res[m], strict=True)])


def _duplicate_ids(ids: pd.Series, miss: np.ndarray, probs: _Problems) -> None:
    dup = ids.duplicated(keep=False).to_numpy(dtype=bool) & ~miss
    if not dup.any():
        return
    sub = ids[dup]
    groups = pd.Series(np.flatnonzero(dup) + 1).groupby(sub.to_numpy(dtype=object)).agg(list)
    rows_of = dict(groups.items())
    reasons = []
    for v in sub:
        rows = rows_of[v]
        listed = ", ".join(str(r) for r in rows[:5]) + (", ..." if len(rows) > 5 else "")
        reasons.append(f"person_id {_show(v)} is not unique (rows {listed})")
    probs.add(dup, "person_id", reasons)


def _validate(raw: pd.DataFrame, *, skip_invalid: bool, drop_identifiers: bool, source: str | None,
              warnings: list[str]) -> PopulationLoad:
    schema = load_schema()
    name = source or "population"
    if raw.shape[1] == 0:
        raise PopulationError(f"{name}: no columns")
    raw = raw.copy(deep=False)
    raw.columns = [str(c) for c in raw.columns]
    if len(set(raw.columns)) != raw.shape[1]:
        dup = raw.columns[raw.columns.duplicated()][0]
        raise PopulationError(f"{name}: column header '{dup}' appears twice")
    raw = raw.reset_index(drop=True)
    n = len(raw)
    mapping, _ = _map_headers(raw, schema, name)

    # Identifier screening before anything else: nothing from these columns is ever echoed.
    findings: list[IdentifierFinding] = screen_identifiers(raw, schema=schema)
    dropped: list[str] = []
    if findings:
        if not drop_identifiers:
            listed = "; ".join(f"column '{fi.column}': {fi.reason}" for fi in findings)
            raise PopulationError(f"{name}: direct identifiers found — {listed}. Remove them, or pass "
                                  "--drop-identifiers (drop_identifiers=True) to drop these columns")
        dropped = [fi.column for fi in findings]
        raw = raw.drop(columns=dropped)
        warnings.append("dropped identifier column(s): " + ", ".join(dropped))
    if n == 0:
        raise PopulationError(f"{name}: the header has no data rows")
    if raw.shape[1] == 0:
        raise PopulationError(f"{name}: no columns left after dropping identifiers")

    probs = _Problems(n)
    typed: dict[str, Any] = {}
    extras: dict[str, pd.Series] = {}
    id_missing: np.ndarray | None = None
    for header in raw.columns:
        target = mapping[header]
        col = raw[header]
        miss = _missing_mask(col)
        spec = schema.columns.get(target)
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
            typed[target] = _coerce_string(target, col, miss, probs)
            if target == "person_id":
                id_missing = miss
    _logical_checks(typed, probs, schema)
    if "person_id" in typed and id_missing is not None:
        _duplicate_ids(typed["person_id"], id_missing, probs)
    else:
        typed["person_id"] = person_ids(np.arange(n))

    order = {c: i for i, c in enumerate(schema.columns)}
    cols: dict[str, Any] = {c: typed[c] for c in schema.columns if c in typed}
    cols.update(extras)
    frame = pd.DataFrame({c: (v.reset_index(drop=True) if isinstance(v, pd.Series) else v) for c, v in cols.items()})
    frame.index = pd.RangeIndex(n)
    rejected = probs.table(order)
    keep = ~probs.bad
    if not keep.all():
        frame = frame.loc[keep]
    load = PopulationLoad(frame=frame, rejected=rejected, rows_in=n, rows_rejected=int(probs.bad.sum()),
                          dropped_identifiers=dropped, warnings=warnings, source=source)
    if load.rows_rejected and not skip_invalid:
        err = PopulationError(f"{name}: {load.error_message()}")
        err.load = load  # type: ignore[attr-defined]
        raise err
    return load


def read_population(source: str | os.PathLike[str] | pd.DataFrame, *, skip_invalid: bool = False,
                    drop_identifiers: bool = False) -> PopulationLoad:
    """Read and validate a population from a file path (CSV/XLSX/Parquet) or a DataFrame.

    Strict by default: any invalid row raises :class:`PopulationError` whose first line names up to three bad rows.
    With ``skip_invalid`` the valid rows are kept and the rejected ones reported. Columns holding direct identifiers
    are refused unless ``drop_identifiers`` is true, in which case they are dropped and reported.
    """
    if isinstance(source, pd.DataFrame):
        return _validate(source, skip_invalid=skip_invalid, drop_identifiers=drop_identifiers, source=None,
                         warnings=[])
    if not isinstance(source, str | os.PathLike):
        raise PopulationError(f"a population must be a file path or a pandas DataFrame, not {type(source).__name__}")
    table = read_table(source)
    return _validate(table.frame, skip_invalid=skip_invalid, drop_identifiers=drop_identifiers,
                     source=os.fspath(source), warnings=list(table.warnings))


def load_population(source: str | os.PathLike[str] | pd.DataFrame, *, drop_identifiers: bool = False) -> pd.DataFrame:
    """Read a population strictly (any invalid row raises PopulationError) and return the typed frame."""
    return read_population(source, drop_identifiers=drop_identifiers).frame


def validate_population(df: pd.DataFrame, *, skip_invalid: bool = True, drop_identifiers: bool = False
                        ) -> PopulationLoad:
    """Validate an in-memory frame and return the report (lenient by default: nothing raised for bad rows)."""
    return read_population(df, skip_invalid=skip_invalid, drop_identifiers=drop_identifiers)
