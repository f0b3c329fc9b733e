"""No item gives anyone more than MAX_POINTS either way: a scheme's values are bounded, and an item whose points
for some row would pass the limit (a huge points_per_unit on an uncapped item, a huge value in its column) is
refused with its name and first row, by both engines; it used to be cast to -21,474,836.48 points silently (a new
user's trial). Rows rejected for a missing value and rows where the item does not apply are not counted."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from scoring import score
from scoring.engine import numba_kernel as engine_numba
from scoring.errors import SchemeError, ScoringInputError
from scoring.scheme.conditions import MAX_POINTS
from scoring.scheme.load import scheme_from_dict

ENGINES = ["numpy", "numba"] if engine_numba.AVAILABLE else ["numpy"]


def _scheme(ppu: float, *, when: dict[str, Any] | None = None, column: str = "years", best_only: bool = True,
            ) -> dict[str, Any]:
    item: dict[str, Any] = {"id": "big", "label": {"zh": "大", "en": "big"}, "kind": "per_unit", "column": column,
                            "points_per_unit": ppu}
    if when is not None:
        item["when"] = when
    data = {
        "id": "limit", "version": "1", "title": {"zh": "上限", "en": "limit"}, "status": "illustrative",
        "items": [item, {"id": "flag", "label": {"zh": "旗", "en": "flag"}, "kind": "flag", "column": "ok",
                         "points": 5}],
    }
    if best_only:
        data["groups"] = {"other": {"mode": "max"}}  # best only: the big item's wrapped cents would simply vanish
    return data


def _pop(years: list[float], counts: list[int] | None = None) -> pd.DataFrame:
    n = len(years)
    return pd.DataFrame({
        "person_id": [f"P{k}" for k in range(n)],
        "years": np.array(years, np.float64),
        "count": np.array(counts if counts is not None else [1] * n, np.uint8),
        "ok": np.ones(n, bool),
    })


@pytest.mark.parametrize("engine", ENGINES)
def test_an_item_beyond_the_limit_is_refused_with_its_first_row(engine: str) -> None:
    pop = _pop([1.0, 2.0, 3.0, 5.0])
    with pytest.raises(ScoringInputError, match=r"item big: 2 row\(s\) would get more than ±1,000,000 points .*"
                                                r"first: row 3\)"):
        score(pop, scheme_from_dict(_scheme(400_000)), engine=engine)  # 1.2M and 2M points on rows 3 and 4


@pytest.mark.parametrize("engine", ENGINES)
def test_within_the_limit_scores(engine: str) -> None:
    pop = _pop([1.0, 2.0, 2.25])
    res = score(pop, scheme_from_dict(_scheme(400_000)), engine=engine)  # up to 900,000 of 1,000,000 points
    assert res.item_cents["big"].tolist() == [40_000_000, 80_000_000, 90_000_000]


@pytest.mark.parametrize("engine", ENGINES)
def test_rejected_rows_and_rows_where_the_item_does_not_apply_are_not_counted(engine: str) -> None:
    pop = _pop([1.0, np.nan, 1e300, 2.0], counts=[1, 1, 0, 1])
    scheme = scheme_from_dict(_scheme(400_000, when={"column": "count", "min": 1}))
    res = score(pop, scheme, engine=engine, on_invalid="reject")  # row 2: missing (rejected); row 3: no "when"
    assert res.rejected["row"].tolist() == [2]
    assert res.item_cents["big"].tolist() == [40_000_000, 0, 80_000_000]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_table_item_is_refused_only_when_a_row_holds_a_value_beyond_the_limit(engine: str) -> None:
    """An item over a small-integer column is a look-up table over every value of the dtype (uint8: 0-255): an entry
    beyond the limit is refused only when some row holds that value."""
    scheme = scheme_from_dict(_scheme(-300_000, column="count", best_only=False))  # 4 or more: beyond -1M points
    res = score(_pop([0.0, 0.0, 0.0], counts=[0, 1, 3]), scheme, engine=engine)
    assert res.item_cents["big"].tolist() == [0, -30_000_000, -90_000_000]
    with pytest.raises(ScoringInputError, match=r"item big: 1 row\(s\) .* \(first: row 2\)"):
        score(_pop([0.0, 0.0, 0.0], counts=[0, 4, 3]), scheme, engine=engine)


@pytest.mark.parametrize(("path", "value"), [
    (("items", 0, "points_per_unit"), 1e8), (("items", 0, "points_per_unit"), -1e308), (("items", 0, "cap"), 1e308),
    (("items", 1, "points"), 2e6), (("admission", "threshold"), 1e17), (("groups", "other", "cap"), 1e308),
])
def test_scheme_values_beyond_the_limit_are_refused(path: tuple[Any, ...], value: float) -> None:
    data = _scheme(1)
    data["admission"] = {"threshold": 10}
    target: Any = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(SchemeError, match=str(MAX_POINTS)):
        scheme_from_dict(data)
