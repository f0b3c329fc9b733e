"""The pathway column specification: the extra columns the settlement pathways read, from ``pathway_columns.yaml``.

Shared by the rules (:mod:`scoring.pathways`) and the synthetic generator (:mod:`scoring.population.synth_pathways`),
so the rules never import the generator.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
COLUMNS_PATH = Path(__file__).with_name("pathway_columns.yaml")


@lru_cache(maxsize=1)
def pathway_columns() -> dict[str, dict[str, Any]]:
    """The pathway column specifications (type, dtype, range, labels, values) from ``pathway_columns.yaml``."""
    with open(COLUMNS_PATH, encoding="utf-8") as fh:
        columns = dict(yaml.safe_load(fh)["columns"])
    for spec in columns.values():
        if spec.get("values_from"):  # a city list kept in one place (data/yrd_cities.csv)
            table = pd.read_csv(DATA_DIR.parent / spec.pop("values_from"), dtype=str)
            spec["values"] = {"none": {"zh": "无", "en": "none", "aliases": ["无", "none"]},
                              **{r.city: {"zh": r.zh, "en": r.en, "aliases": [r.zh, r.en]}
                                 for r in table.itertuples(index=False)}}
    return columns


def categories(column: str) -> tuple[str, ...]:
    """Allowed codes of a pathway category column, in file order."""
    return tuple(str(k) for k in (pathway_columns()[column].get("values") or {}))


@lru_cache(maxsize=2)
def load_parameters(path: str | None = None) -> dict[str, str]:
    """The assumption table ``data/synth_pathway_parameters.csv`` as name -> value text."""
    table = pd.read_csv(path or DATA_DIR / "synth_pathway_parameters.csv", dtype=str)
    return dict(table[["name", "value"]].itertuples(index=False))
