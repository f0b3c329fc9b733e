"""The in-memory data path at engine speed (issue 14): the fast proofs give the answers of the plain computations.

* a one-width text column is cleared by a proof over byte positions only when no value matches the identifier
  prefilter (the regex is the reference);
* text columns are read chunk by chunk in place (a Parquet file gives one chunk per batch): the missing tokens, the
  strip test, the repeated ids and the identifier rows are those of the values one by one;
* ids in ascending order are proved distinct in one comparison, and any other order falls back to the exact path;
* the columns not read are screened on a thread beside the checks of the columns read, and their refusal still
  comes first: the same message as reading every column, never a row problem before it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from popgen import make_population

import scoring
from scoring.errors import PopulationError
from scoring.population.identifiers import embedded_hits
from scoring.population.identifiers_embedded import PREFILTER, one_width_clean
from scoring.population.io import MISSING_TOKENS
from scoring.population.load import read_population
from scoring.population.text import STR_DTYPE, needs_strip, repeated, token_candidates

ROOT = Path(__file__).resolve().parent.parent
BEIJING = ROOT / "scenarios" / "schemes" / "beijing-2020.yaml"
PHONE = "13912345678"


def _chunked(chunks: list[list[str]]) -> pd.Series:
    """A pyarrow text column made of these chunks (as a Parquet file gives it)."""
    arr = pa.chunked_array([pa.array(c, type=pa.large_string()) for c in chunks], type=pa.large_string())
    return pd.Series(pd.array(arr, dtype=STR_DTYPE))


@settings(max_examples=300, deadline=None)
@given(alphabet=st.lists(st.sampled_from(list("0123456789abPqQwx@- \t.é中_")), min_size=1, max_size=5, unique=True),
       width=st.integers(1, 18), rows=st.integers(1, 30), fixed=st.data())
def test_the_byte_position_proof_never_clears_a_prefilter_match(alphabet: list[str], width: int, rows: int,
                                                                fixed: st.DataObject) -> None:
    pinned = fixed.draw(st.dictionaries(st.integers(0, width - 1), st.sampled_from(alphabet), max_size=width))
    values = fixed.draw(st.lists(st.text(alphabet=alphabet, min_size=width, max_size=width), min_size=rows,
                                 max_size=rows))
    values = ["".join(pinned.get(j, ch) for j, ch in enumerate(v)) for v in values]
    arr = pa.array(values, type=pa.large_string())
    if len({len(v.encode()) for v in values}) != 1:
        assert not one_width_clean(arr)  # not of one width: no proof
        return
    if one_width_clean(arr):
        assert not pc.any(pc.match_substring_regex(arr, PREFILTER)).as_py()


def test_the_byte_position_proof_clears_generated_ids_and_not_numbers() -> None:
    assert one_width_clean(pa.array([f"P{i:08d}" for i in range(1, 5000)]))
    assert one_width_clean(pa.array([f"{i:010d}" for i in range(5000)]))  # 10 digits: no mobile number fits
    assert not one_width_clean(pa.array([f"{i:011d}" for i in range(5000)]))  # 11 digits could be one
    assert not one_width_clean(pa.array(["wx0001", "ab0002"]))  # two letters in a row: a label could be there
    assert not one_width_clean(pa.array(["a@b.cn", "c@d.cn"]))


@settings(max_examples=150, deadline=None)
@given(chunks=st.lists(st.lists(st.text(alphabet="ab 0P1\t\u3000-", max_size=6).map(
    lambda v: v if v.strip().lower() not in {"null", "<na>"} else v + "x") | st.sampled_from(sorted(MISSING_TOKENS)),
    min_size=1, max_size=12), min_size=1, max_size=4))
def test_chunked_text_is_read_in_place_with_the_answers_of_the_values(chunks: list[list[str]]) -> None:
    col = _chunked(chunks)
    values = [v for c in chunks for v in c]
    expected_token = np.array([v.strip().lower() in MISSING_TOKENS for v in values])
    candidates = token_candidates(col)
    assert candidates is not None and not (expected_token & ~candidates).any()  # every token is a candidate
    if any(v != v.strip() for v in values):  # a value strip changes: the strip is done
        assert needs_strip(col)
    np.testing.assert_array_equal(repeated(col), pd.Series(values).duplicated(keep=False).to_numpy())


@pytest.mark.parametrize("ids", [
    [f"P{i:08d}" for i in range(1, 200)],  # ascending: proved distinct in one comparison
    [f"P{i:08d}" for i in range(1, 100)] + ["P00000050"] + [f"P{i:08d}" for i in range(100, 200)],
    [f"P{i:08d}" for i in range(1, 100)] + ["P00000099"],  # ascending but for one repeat at the end
    [f"ID{i}" for i in (5, 3, 9, 3, 12, 7, 5)],  # no order, mixed widths
])
def test_repeated_ids_across_chunks_are_found_exactly(ids: list[str]) -> None:
    col = _chunked([ids[:37], ids[37:80], ids[80:]])
    np.testing.assert_array_equal(repeated(col), pd.Series(ids).duplicated(keep=False).to_numpy())


def test_an_identifier_in_a_later_chunk_is_found_at_its_row() -> None:
    first = [f"P{i:08d}" for i in range(1, 101)]
    later = [f"P{i:08d}" for i in range(101, 201)]
    later[42] = f"P{PHONE}"[:9]  # same width, still clean: 'P13912345' holds no 11 digits
    clean, _ = embedded_hits(_chunked([first, later]))
    assert clean == []
    later[43] = f"tel {PHONE}"  # another width, and a labelled phone number
    kinds, rows = embedded_hits(_chunked([first, later]))
    assert kinds == ["phone"] and rows.tolist() == [100 + 43]


def test_an_unread_identifier_column_is_refused_before_any_row_problem(tmp_path: Path) -> None:
    """Rows of the columns read are checked while the other columns are screened; the refusal still comes first,
    word for word the one reading every column gives, and dropping it gives the rows reading without it gives."""
    pop = make_population(200, seed=7)
    pop.loc[[3, 50], "age"] = 200  # invalid rows in a column the scheme reads
    pop["联系电话备注"] = ["无"] * 150 + [f"电话 {PHONE}"] + ["无"] * 49  # a phone number in a column not read
    path = tmp_path / "pop.parquet"
    pop.to_parquet(path, index=False)
    columns = scoring.load_scheme(BEIJING).columns()
    with pytest.raises(PopulationError) as info:
        read_population(path, columns=columns)
    with pytest.raises(PopulationError) as whole:
        read_population(path)
    assert str(info.value) == str(whole.value) and "identifiers" in str(info.value) and PHONE not in str(info.value)
    load = read_population(path, columns=columns, drop_identifiers=True, skip_invalid=True)
    without = read_population(pop.drop(columns=["联系电话备注"]), columns=columns, skip_invalid=True)
    assert load.dropped_identifiers == ["联系电话备注"] and load.warnings[0].startswith("dropped identifier")
    pd.testing.assert_frame_equal(load.rejected, without.rejected)
    assert load.rows_in == len(load.frame) + load.rows_rejected == 200 and load.rows_rejected == 2


def test_a_short_lived_process_scores_without_loading_numba() -> None:
    """``startup_engine``: numpy below the row limit while numba is not loaded (the CLI's choice), the default once
    SCORING_ENGINE chooses or numba is loaded; the engine module itself no longer imports numba."""
    import os
    import subprocess
    import sys

    code = ("import sys; from scoring.engine.core import startup_engine, STARTUP_NUMBA_ROWS as M; "
            "print(startup_engine(10), startup_engine(M), 'numba' in sys.modules)")
    env = {k: v for k, v in os.environ.items() if k != "SCORING_ENGINE"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT, env=env)
    assert out.stdout.split() == ["numpy", "None", "False"]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
                         env={**env, "SCORING_ENGINE": "numba"})
    assert out.stdout.split() == ["None", "None", "False"]
