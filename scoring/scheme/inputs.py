"""A scheme's own input columns (``inputs:``): checking a population's values against their declared type,
categories and range, column by column (whole-column pandas), and how a yes/no given as text reads as a number
(:func:`bool_text`, shared with the engine). Blank values are allowed here: whether a blank is needed for a row is
the engine's decision (see :mod:`scoring.engine.missing`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoring.scheme.model import Scheme


def bool_text(value: object) -> object:
    """True/False given as text count as 1/0 in a numeric context."""
    if isinstance(value, str):
        low = value.strip().lower()
        if low in ("true", "yes"):
            return 1
        if low in ("false", "no"):
            return 0
    return value


SHOWN = 3  # at most this many offending values are named per column


def _shown(values: pd.Series) -> str:
    uniq = pd.unique(values.astype(str))[:SHOWN]
    return ", ".join(repr(str(v)[:40]) for v in uniq)


def input_value_warnings(pop: pd.DataFrame, scheme: Scheme, src: str) -> list[str]:
    """One warning per declared column whose values do not fit its declaration (type, categories, range)."""
    out: list[str] = []
    for name, decl in scheme.inputs.items():
        if name not in pop.columns:
            continue
        s = pop[name]
        present = s[s.notna()]
        where = f"{src}: inputs.{name}"
        if decl.type == "category":
            allowed = set(decl.categories or [])
            bad = present[~present.astype(str).isin(allowed)]
            if len(bad):
                out.append(f"{where}: {len(bad):,} value(s) not among the declared categories ({_shown(bad)}); "
                           f"allowed: {', '.join(decl.categories or [])}; they score as an unknown value")
            continue
        if decl.type == "bool":
            if s.dtype == bool:
                continue
            nums = pd.to_numeric(present.astype(object).map(bool_text), errors="coerce")
            bad = present[~nums.isin([0, 1]).to_numpy()]
            if len(bad):
                out.append(f"{where}: {len(bad):,} value(s) are not true/false ({_shown(bad)})")
            continue
        nums = pd.to_numeric(present.astype(object).map(bool_text), errors="coerce")
        bad = present[nums.isna().to_numpy()]
        if len(bad):
            out.append(f"{where}: {len(bad):,} value(s) are not numbers ({_shown(bad)})")
        vals = nums.dropna().to_numpy(dtype=np.float64)
        if decl.type == "int":
            frac = vals[np.isfinite(vals) & (vals != np.floor(vals))]
            if len(frac):
                out.append(f"{where}: {len(frac):,} value(s) are not whole numbers ({_shown(pd.Series(frac))})")
        lo = -np.inf if decl.min is None else decl.min
        hi = np.inf if decl.max is None else decl.max
        outside = vals[(vals < lo) | (vals > hi)]
        if len(outside):
            out.append(f"{where}: {len(outside):,} value(s) outside [{decl.min}, {decl.max}] "
                       f"({_shown(pd.Series(outside))})")
    return out
