"""Pathway columns in user files: Chinese headers and values mapped to canonical names and codes.

Until the population schema includes ``scoring/population/pathway_columns.yaml``,
the loader keeps these columns as extra
columns with their original headers and values; :func:`normalise_pathway_columns` applies the aliases of
``pathway_columns.yaml`` (headers, category values, 是/否 booleans) and refuses unknown category values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoring.errors import PopulationError
from scoring.population.pathway_spec import pathway_columns
from scoring.population.schema import load_schema, normalise_header, normalise_text


def normalise_pathway_columns(pop: pd.DataFrame, source: str = "population") -> pd.DataFrame:
    """Rename aliased pathway headers and map their values to codes (a new frame; other columns untouched)."""
    specs = pathway_columns()
    headers: dict[str, str] = {}
    for name, spec in specs.items():
        for alias in (name, spec["label"]["zh"], spec["label"]["en"], *spec.get("aliases", [])):
            headers.setdefault(normalise_header(str(alias)), name)
    renames = {c: headers[normalise_header(str(c))] for c in pop.columns
               if normalise_header(str(c)) in headers and headers[normalise_header(str(c))] not in pop.columns}
    out = pop.rename(columns=renames)
    schema = load_schema()
    for name, spec in specs.items():
        if name not in out.columns:
            continue
        col = out[name]
        if spec["type"] == "category" and not isinstance(col.dtype, pd.CategoricalDtype):
            vmap: dict[str, str] = {}
            for code, v in spec["values"].items():
                for alias in (code, v["zh"], v["en"], *v.get("aliases", [])):
                    vmap.setdefault(normalise_text(str(alias)), str(code))
            uniques = pd.unique(col.dropna().astype(str))  # distinct values, not people
            table = {u: vmap.get(normalise_text(u)) for u in uniques}
            bad = [u for u, code in table.items() if code is None]
            if bad:
                raise PopulationError(f"{source}: column {name}: unknown value {bad[0]!r}; allowed: "
                                      f"{', '.join(spec['values'])}")
            out[name] = pd.Categorical(col.astype(object).map(table), categories=list(spec["values"]))
        elif spec["type"] == "bool" and not pd.api.types.is_bool_dtype(col.dtype):
            uniques = pd.unique(col.dropna().astype(str))
            table = {u: schema.parse_bool(u) for u in uniques}
            bad = [u for u, v in table.items() if v is None]
            if bad:
                raise PopulationError(f"{source}: column {name}: value {bad[0]!r} is not yes/no (是/否)")
            out[name] = col.astype(object).map(table).fillna(False).astype(bool)
        elif spec["type"] in ("int", "float"):
            values = pd.to_numeric(col, errors="coerce")
            lo, hi = spec["range"]
            bad = values.isna() | (values < lo) | (values > hi)
            if spec["type"] == "int":
                bad |= values.notna() & (values != values.round())
            if bad.any():
                first = int(np.flatnonzero(bad)[0])
                what = "a whole number" if spec["type"] == "int" else "a number"
                raise PopulationError(f"{source}: column {name}: row {first + 1}: value {col.iloc[first]!r} is not "
                                      f"{what} in [{lo}, {hi}]")
            out[name] = values.astype(spec["dtype"])
    return out
