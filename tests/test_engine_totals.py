"""The numpy engine's totals and reason codes on blocks where int32 would overflow and where it would not.

The numpy backend sums a block's item cents in int32 when the items' bounds show no sum can overflow, else in
int64 (scoring.engine.kernels.run_block); reason codes are set by arithmetic. Checked against properties (the total
is the int64 sum of the item cents; the code is 1 + the first gate that fails, by a slow reference) and against the
numba kernel, which sums in int64 row by row."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import scoring.engine.core as engine
from scoring import score
from scoring.engine import numba_kernel as engine_numba
from scoring.engine.columns import Columns
from scoring.engine.compiled import cents_bound
from scoring.engine.compiler import compile_scheme
from scoring.scheme.load import scheme_from_dict

BIG_YEARS = 990_000.0  # 9.9e7 cents an item at 1 point a year (the most an item may give is 1e8): 24 such items
BIG_ITEMS = 24  # sum to 2.376e9, 10% beyond int32 (2**31 ~ 2.147e9)


def _scheme() -> dict[str, Any]:
    return {
        "id": "totals", "version": "1", "title": {"zh": "合计", "en": "totals"}, "status": "illustrative",
        "eligibility": [
            {"id": "permit", "label": {"zh": "居住证", "en": "permit"}, "column": "permit", "equals": True},
            {"id": "young", "label": {"zh": "年龄", "en": "age"}, "column": "age", "max": 59},
            {"id": "insured", "label": {"zh": "社保", "en": "insurance"}, "column": "a", "min": 1},
        ],
        "items": [
            *({"id": f"a{k}", "label": {"zh": f"甲{k}", "en": f"a{k}"}, "kind": "per_unit", "column": "a",
               "points_per_unit": 1} for k in range(BIG_ITEMS - 1)),
            {"id": "b", "label": {"zh": "乙", "en": "b"}, "kind": "per_unit", "column": "b", "points_per_unit": 1},
            {"id": "capped", "label": {"zh": "丙", "en": "c"}, "kind": "per_unit", "column": "a",
             "points_per_unit": 2, "cap": 12},
            {"id": "age", "label": {"zh": "年龄", "en": "age"}, "kind": "bands", "column": "age",
             "bands": [{"max": 46, "points": 20}], "default": 0},
        ],
    }


def _population(n: int, seed: int, big_rows: np.ndarray) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    a = rng.uniform(0, 30, n).astype(np.float32)
    b = rng.uniform(0, 30, n).astype(np.float32)
    a[big_rows] = BIG_YEARS
    b[big_rows] = BIG_YEARS
    return pd.DataFrame({
        "person_id": [f"P{k}" for k in range(n)],
        "permit": rng.random(n) < 0.8,
        "age": rng.integers(18, 70, n).astype(np.uint8),
        "a": a,
        "b": b,
    })


def _first_failing_gate(pop: pd.DataFrame) -> np.ndarray:
    """The slow reference: 0 when every gate holds, else 1 + the first that fails, person by person."""
    codes = []
    for permit, age, a in zip(pop["permit"], pop["age"], pop["a"], strict=True):
        held = [bool(permit), int(age) <= 59, float(a) >= 1]
        codes.append(next((k + 1 for k, ok in enumerate(held) if not ok), 0))
    return np.array(codes)


@pytest.mark.parametrize("big", ["none", "one block", "every block"])
def test_totals_and_codes_with_and_without_overflowing_blocks(big: str, monkeypatch: pytest.MonkeyPatch) -> None:
    n = 1000
    monkeypatch.setattr(engine, "BLOCK_ROWS", 64)  # 16 blocks: the int32 and int64 sums side by side
    big_rows = {"none": np.array([], int), "one block": np.array([70, 100]), "every block": np.arange(0, n, 50)}[big]
    pop = _population(n, 7, big_rows)
    scheme = scheme_from_dict(_scheme())
    res = score(pop, scheme, engine="numpy", threads=2)
    summed = np.zeros(n, np.int64)
    for cents in res.item_cents.values():
        summed += cents.astype(np.int64)
    np.testing.assert_array_equal(res.total_cents, summed)
    if len(big_rows):
        assert res.total_cents[big_rows].min() > np.iinfo(np.int32).max  # the case int32 would have wrapped
    np.testing.assert_array_equal(res.reason_codes, _first_failing_gate(pop))
    if engine_numba.AVAILABLE:  # an independent implementation: int64 sums row by row
        fused = score(pop, scheme, engine="numba")
        np.testing.assert_array_equal(res.total_cents, fused.total_cents)
        np.testing.assert_array_equal(res.reason_codes, fused.reason_codes)


def test_cents_bound_covers_what_each_item_writes() -> None:
    """A known bound is never below the cents the item actually gives (uncapped per_unit items have none)."""
    n = 1000
    pop = _population(n, 3, np.array([5]))
    scheme = scheme_from_dict(_scheme())
    plan = compile_scheme(scheme, Columns(pop, scheme))
    res = score(pop, scheme, engine="numpy")
    bounds = {item.id: cents_bound(item) for item in plan.items}
    assert bounds["a0"] is None and bounds["b"] is None
    for item_id in ("capped", "age"):
        bound = bounds[item_id]
        assert bound is not None
        assert int(np.abs(res.item_cents[item_id].astype(np.int64)).max()) <= bound
