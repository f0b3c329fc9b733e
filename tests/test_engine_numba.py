"""The fused numba path against the numpy path: the same cents, totals, eligibility, reasons and rejections, bit
for bit, on random schemes x random populations, on every shipped scheme, and on awkward dtypes and values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from popgen import make_population
from popgen_crs import make_crs_population
from test_engine_properties import SETTINGS, make_pop, schemes

import scoring.engine.core as engine
from scoring import load_scheme, score
from scoring.engine import numba_kernel as engine_numba
from scoring.errors import ScoringInputError
from scoring.scheme.load import Scheme, scheme_from_dict

pytestmark = pytest.mark.skipif(not engine_numba.AVAILABLE, reason="numba is not installed")
SCHEMES = sorted(Path("scenarios/schemes").glob("*.yaml"))


def run_both(pop: pd.DataFrame, scheme: Scheme, **kw: Any) -> tuple[Any, Any]:
    """Score with each engine; an error must be the same error (type and message) on both."""
    out = []
    for name in ("numpy", "numba"):
        try:
            out.append(score(pop, scheme, engine=name, **kw))
        except (ScoringInputError, ValueError) as exc:
            out.append(exc)
    a, b = out
    if isinstance(a, Exception) or isinstance(b, Exception):
        assert type(a) is type(b) and str(a) == str(b)
    return a, b


def assert_same(pop: pd.DataFrame, scheme: Scheme, **kw: Any) -> None:
    a, b = run_both(pop, scheme, **kw)
    if isinstance(a, Exception):
        return
    pd.testing.assert_frame_equal(a.rejected, b.rejected)
    assert list(a.index) == list(b.index)
    assert list(a.item_cents) == list(b.item_cents)
    for k, v in a.item_cents.items():
        assert b.item_cents[k].dtype == np.int32
        np.testing.assert_array_equal(v, b.item_cents[k], err_msg=k)
    assert b.total_cents.dtype == np.int64
    np.testing.assert_array_equal(a.total_cents, b.total_cents)
    np.testing.assert_array_equal(a.eligible_mask, b.eligible_mask)
    assert a.reason_codes.dtype == b.reason_codes.dtype
    np.testing.assert_array_equal(a.reason_codes, b.reason_codes)
    assert a.summary() == b.summary()


@SETTINGS
@given(scheme=schemes(), n=st.integers(0, 80), seed=st.integers(0, 2**32 - 1), nan=st.sampled_from([0.0, 0.1]),
       on_invalid=st.sampled_from(["reject", "raise"]))
def test_numba_equals_numpy_on_random_schemes(scheme: dict[str, Any], n: int, seed: int, nan: float,
                                              on_invalid: str) -> None:
    assert_same(make_pop(n, seed, nan), scheme_from_dict(scheme), on_invalid=on_invalid)


@SETTINGS
@given(scheme=schemes(), seed=st.integers(0, 2**32 - 1), threads=st.integers(1, 3))
def test_numba_equals_numpy_across_blocks_and_threads(scheme: dict[str, Any], seed: int, threads: int) -> None:
    old = engine.BLOCK_ROWS
    engine.BLOCK_ROWS = 32  # kernel blocks of 32 rows: many blocks per worker, a short last block
    try:
        assert_same(make_pop(333, seed), scheme_from_dict(scheme), threads=threads)
    finally:
        engine.BLOCK_ROWS = old


def _awkward(pop: pd.DataFrame, seed: int) -> pd.DataFrame:
    """The same columns in other storage: narrow and wide ints, float64, object, nullable, inf in object columns."""
    rng = np.random.default_rng(seed)
    out = pop.copy()
    kind = rng.integers(0, 6)
    if kind == 0:
        out["x2"] = out["x2"].astype(np.int8) - 7
    elif kind == 1:
        out["x2"] = out["x2"].astype(np.int64) * 1000
        out["x0"] = out["x0"].astype(np.float64)
    elif kind == 2:
        out["x2"] = out["x2"].astype(np.uint16)
        out["f"] = out["f"].astype(object)
    elif kind == 3:
        out["x3"] = out["x3"].astype(object)
        if len(out):
            out.loc[out.index[0], "x3"] = np.inf  # not rejected in an object column: both paths compute with it
    elif kind == 4:
        out["x1"] = out["x1"].astype("Float64")
        out["x2"] = out["x2"].astype(np.int16)
    else:
        out["c"] = out["c"].astype(object)
        out["x4"] = out["x4"].astype(np.float64)
    return out


@SETTINGS
@given(scheme=schemes(), n=st.integers(1, 60), seed=st.integers(0, 2**32 - 1), nan=st.sampled_from([0.0, 0.1]))
def test_numba_equals_numpy_on_other_dtypes(scheme: dict[str, Any], n: int, seed: int, nan: float) -> None:
    assert_same(_awkward(make_pop(n, seed, nan), seed), scheme_from_dict(scheme), on_invalid="reject")


@pytest.mark.parametrize("path", SCHEMES, ids=lambda p: p.stem)
@pytest.mark.parametrize("holes", [False, True])
def test_numba_equals_numpy_on_shipped_schemes(path: Path, holes: bool) -> None:
    if path.stem.startswith("canada-crs"):
        for on_invalid in ("reject", "raise"):
            assert_same(make_crs_population(5000, 17, holes), load_scheme(path), on_invalid=on_invalid)
        return
    pop = make_population(5000, 17)
    if holes:
        rng = np.random.default_rng(3)
        for col in ("age", "insurance_years", "education", "has_residence_permit", "owned_home_years"):
            pop[col] = pop[col].astype("float64") if pop[col].dtype.kind in "biuf" else pop[col].astype(object)
            pop.loc[rng.uniform(0, 1, len(pop)) < 0.03, col] = None
        pop.loc[rng.uniform(0, 1, len(pop)) < 0.01, "rented_home_years"] = np.inf
    for on_invalid in ("reject", "raise"):
        assert_same(pop, load_scheme(path), on_invalid=on_invalid)


def _one_item(item: dict[str, Any], gates: list[dict[str, Any]] | None = None) -> Scheme:
    return scheme_from_dict({"id": "t", "version": "1", "title": "t", "status": "draft", "items": [item],
                             "eligibility": gates or []})


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_uneven_weights_units_and_rounding(dtype: type) -> None:
    """Weights and units that are not powers of two, half cents, huge values (int32 overflow), negative points."""
    rng = np.random.default_rng(1)
    n = 20000
    pop = pd.DataFrame({"a": (rng.integers(0, 4800, n) / rng.choice([12, 7, 3, 10], n)).astype(dtype),
                        "b": rng.uniform(-50, 50, n).astype(dtype), "lim": rng.uniform(0, 30, n).astype(dtype)})
    pop.loc[:5, "a"] = [1e12, -1e12, 0.375, 0.005, 0.015, 2.5e7]
    for unit in (None, 0.3, 1 / 7, 0.0833333333333333):
        for ppu in (0.3, -1.7, 3, 0.125):
            item = {"id": "x", "kind": "per_unit", "columns": {"a": 0.3, "b": 1.7}, "points_per_unit": ppu,
                    "unit": unit, "max_units_column": "lim", "min_units": 0.7}
            assert_same(pop, _one_item({k: v for k, v in item.items() if v is not None}))
            assert_same(pop, _one_item({"id": "y", "kind": "per_unit", "column": "a", "points_per_unit": ppu,
                                        **({"unit": unit} if unit else {}), "cap": 1234.565}))


def test_wide_integers_beyond_float64_go_to_numpy() -> None:
    """int64 values beyond 2**53 compare exactly in the numpy path; the plan declines them, results agree."""
    big = 2**53
    pop = pd.DataFrame({"k": np.array([big, big + 1, big + 2, -big - 1, 5], np.int64)})
    scheme = _one_item({"id": "f", "kind": "flag", "column": "k", "points": 1},
                       [{"id": "g", "column": "k", "equals": big + 1}])
    assert engine_numba.encode(engine.compile_scheme(scheme, engine.Columns(pop, scheme))) is None
    assert_same(pop, scheme)
    # the test value is read as a number (2**53); 2**53 + 1 would equal it in float64, not as an integer
    assert score(pop, scheme).eligible_mask.tolist() == [True, False, False, False, False]


def test_infinite_object_values_nullable_and_category_codes() -> None:
    """Infinite values in an object column (scored, not rejected, in both paths), a nullable column with NA and
    missing category codes (rejected): both paths agree."""
    pop = pd.DataFrame({"v": pd.Series([1.0, np.inf, 3.5, -np.inf, 2.0], dtype=object),
                        "w": pd.array([1.0, None, 3.5, 7.0, 2.0], dtype="Float64"),
                        "c": pd.Categorical(["a", None, "b", "a", "b"])})
    assert score(pop, _one_item({"id": "p", "kind": "per_unit", "column": "v", "points_per_unit": 2, "cap": 5})
                 ).item_cents["p"].tolist() == [200, 500, 500, -500, 400]
    for item in ({"id": "b", "kind": "bands", "column": "v", "bands": [{"max": 2, "points": 5},
                                                                      {"min": 2, "points": 1}], "default": 9},
                 {"id": "b", "kind": "bands", "column": "w", "bands": [{"min": 2, "points": 1}]},
                 {"id": "p", "kind": "per_unit", "column": "v", "points_per_unit": 2},
                 {"id": "c", "kind": "category", "column": "c", "points": {"a": 1.5}, "default": -2}):
        assert_same(pop, _one_item(item), on_invalid="reject")


def test_engine_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    pop = make_pop(10, 1)
    scheme = _one_item({"id": "x", "kind": "per_unit", "column": "x1", "points_per_unit": 1})
    monkeypatch.setenv("SCORING_ENGINE", "numpy")
    assert engine.default_engine() == "numpy"
    monkeypatch.setenv("SCORING_ENGINE", "numba")
    assert engine.default_engine() == "numba"
    monkeypatch.setenv("SCORING_ENGINE", "fortran")
    with pytest.raises(ValueError, match="SCORING_ENGINE"):
        score(pop, scheme)
    monkeypatch.delenv("SCORING_ENGINE")
    assert engine.default_engine() == "numba"
    with pytest.raises(ValueError, match="engine must be one of"):
        score(pop, scheme, engine="fortran")
