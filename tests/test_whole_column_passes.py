"""The faster whole-column passes of issue 14 against plain numpy and the frozen reference validator: the byte-position
reduction 256 rows at a time, the edge proof of a one-width text column, the logical checks in float64 inside the
ufuncs (no float32 arithmetic), a dictionary column recoded by Arrow's take."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import reference_population as ref
from hypothesis import given, settings
from hypothesis import strategies as st
from popgen import make_population

from scoring.population.identifiers_embedded import _reduce_rows, column_text_hits, one_width_clean
from scoring.population.load import read_population
from scoring.population.text import STR_DTYPE, text_edges


@settings(max_examples=60, deadline=None)
@given(rows=st.integers(min_value=1, max_value=1300), cols=st.integers(min_value=1, max_value=9),
       seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_reduce_rows_is_numpys_reduction(rows: int, cols: int, seed: int) -> None:
    words = np.random.default_rng(seed).integers(0, 2**63, (rows, cols), dtype=np.uint64)
    for op in (np.bitwise_or, np.bitwise_and):
        assert (_reduce_rows(op, words) == op.reduce(words, axis=0)).all()


@pytest.mark.parametrize("planted", ["P13812345678", "Pa@b.cnxxxxx", "Pwx12345678x", "P1e17xxxxxxx"])
@pytest.mark.parametrize("row", [0, 2047, 4999])
def test_one_width_proof_sees_one_value_among_thousands(planted: str, row: int) -> None:
    """5,000 ids of one width (reduced 256 rows at a time) with one value that could hold an identifier: no proof,
    and the exact screen names that row when it holds one."""
    cells = [f"P{i:05d}Q{i * 7 % 100000:05d}" for i in range(5000)]  # no 11 digits, no two letters in a row
    assert one_width_clean(pa.array(cells))
    cells[row] = planted
    arr = pa.array(cells)
    assert not one_width_clean(arr)
    kinds, rows = column_text_hits(arr)
    if planted in ("P13812345678", "Pa@b.cnxxxxx"):
        assert rows.tolist() == [row] and kinds


@pytest.mark.parametrize("edge", [" P0000001", "P000001 ", "P00000\u00e9", "\tP000001"])
@pytest.mark.parametrize("row", [0, 1500, 2999])
def test_edges_of_one_width_text_find_the_one_spaced_value(edge: str, row: int) -> None:
    cells = [f"P{i:07d}" for i in range(3000)]
    assert text_edges(pd.Series(pd.array(cells, dtype=STR_DTYPE))).spaced is None
    if len(edge.encode()) != 8:  # the planted value has another width: the mixed-width path
        edge = edge[:8]
    cells[row] = edge
    spaced = text_edges(pd.Series(pd.array(cells, dtype=STR_DTYPE))).spaced
    assert spaced is not None and np.flatnonzero(spaced).tolist() == [row]


def test_logical_sums_are_float64_not_float32() -> None:
    """31 + 5e-7 (float32 columns) exceeds age 30 + 1 in float64 but not in float32 arithmetic: rejected as the
    reference (float64 copies) rejects it."""
    frame = make_population(4, seed=1)
    frame["age"] = np.array([30, 30, 40, 40], dtype=np.uint8)
    frame["residence_years"] = np.array([31.0, 31.0, 1.0, 1.0], dtype=np.float32)
    frame["residence_years_other_districts"] = np.array([5e-7, 0.0, 0.0, 0.0], dtype=np.float32)
    assert np.float32(31.0) + np.float32(5e-7) == np.float32(31.0)  # float32 arithmetic would keep row 1
    for column in ("permit_years", "owned_home_years", "rented_home_years", "insurance_years", "insurance_years_yrd"):
        frame[column] = np.zeros(4, dtype=np.float32)
    got, want = read_population(frame, skip_invalid=True), ref.read_population(frame, skip_invalid=True)
    pd.testing.assert_frame_equal(got.rejected, want.rejected)
    assert got.rejected[["row", "column"]].values.tolist() == [[1, "residence_years"]]


@pytest.mark.parametrize("order", ["schema", "other"])
def test_dictionary_column_recoded_to_the_schema_order(order: str) -> None:
    frame = make_population(300, seed=2)
    values = ["bachelor", "master", "doctor", "associate"]
    cats = ["junior_high", "senior_high", "vocational", "associate", "bachelor", "master", "doctor"]
    frame["education"] = pd.Categorical(np.array(values)[np.arange(300) % 4],
                                        categories=cats if order == "schema" else sorted(cats))
    got, want = read_population(frame, skip_invalid=True), ref.read_population(frame, skip_invalid=True)
    pd.testing.assert_frame_equal(got.frame, want.frame)
    assert got.frame["education"].astype(str).tolist() == frame["education"].astype(str).tolist()
