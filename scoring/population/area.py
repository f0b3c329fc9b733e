"""The area of a points route: who may use it. One definition of 杭州市城区 (Hangzhou city districts), in data.

``data/hz_city_districts.csv`` lists Hangzhou's 14 units (7th-census bulletin, 2021 boundaries) with two readings:

- ``all_districts`` (the default): every district (区) of the city, as the census bulletin classes them, i.e.
  the ten districts including 富阳 and 临安, plus the West Lake scenic area; the three counties 桐庐, 淳安 and
  建德 are not city districts (the notice of 2023 treats the counties as "other urban areas").
- ``excluding_fuyang_linan``: the same without 富阳 and 临安 (districts only since 2014 and 2017, and often treated
  apart from the main city), the reading used so far by the pathway parameters.

The notice (浙政办发〔2023〕41号 一(二)) names 杭州市城区 but does not list its districts; both readings are therefore
assumptions, and a scenario says which one it uses. Residents outside the area do not enter the points queue.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

DATA = Path(__file__).resolve().parents[2] / "data" / "hz_city_districts.csv"
READINGS = ("all_districts", "excluding_fuyang_linan")


@lru_cache(maxsize=1)
def city_district_table() -> pd.DataFrame:
    """The table of Hangzhou's units with both readings (read once)."""
    return pd.read_csv(DATA, dtype={"district": str, "name_zh": str, "kind_census2020": str, "note": str})


def city_districts(reading: str = "all_districts") -> tuple[str, ...]:
    """District codes of 杭州市城区 under ``reading`` (``all_districts`` or ``excluding_fuyang_linan``)."""
    if reading not in READINGS:
        raise ValueError(f"unknown reading {reading!r}; valid: {', '.join(READINGS)}")
    t = city_district_table()
    return tuple(t.loc[t[reading] == 1, "district"])


def in_city_districts(district: pd.Series | np.ndarray, reading: str = "all_districts") -> np.ndarray:
    """Boolean mask: the resident lives in 杭州市城区 under ``reading`` (missing district: False)."""
    values = pd.Series(np.asarray(district, dtype=object)).astype("string")
    return values.isin(list(city_districts(reading))).fillna(False).to_numpy(dtype=bool)


def area_share(reading: str = "all_districts") -> float:
    """Share of Hangzhou's 2020 residents living in the area (census bulletin)."""
    t = city_district_table()
    return float(t.loc[t[reading] == 1, "residents_2020"].sum() / t["residents_2020"].sum())
