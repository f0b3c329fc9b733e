"""Parquet row-group statistics as a shortcut of the range checks and the 10-digit number screen (issue 14).

``scoring.population.stats`` turns a file's statistics into bounds that stand for a column's min and max; the
loader then skips reading an integer column for its range and the number screen of a column whose numbers are all
below 1e10. Each test builds a file where a wrong shortcut would change the answer (a value outside the range or an
identifier in one row group only, a NaN that statistics do not count, a value exactly at the edge, a row group
without statistics) and compares the loader with the frozen reference validator (``tests/reference_population``),
which reads every value, or with the refusal an identifier must bring.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import reference_population as ref
from popgen import make_population

from scoring.errors import IdentifierError, PopulationError
from scoring.population.io import read_table
from scoring.population.load import read_population
from scoring.population.stats import NumberStats, number_stats

GROUP = 50  # rows per row group of the files written here
N = 4 * GROUP


def _write(frame: pd.DataFrame, path: Path, *, statistics: bool = True) -> Path:
    """The frame as Parquet, row groups of ``GROUP`` rows; a float column's NaN stays NaN (not a null)."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    for i, name in enumerate(table.column_names):
        if frame[name].dtype.kind == "f":
            table = table.set_column(i, name, pa.array(frame[name].to_numpy()))
    pq.write_table(table, path, row_group_size=GROUP, write_statistics=statistics)
    return path


def _same(path: Path, columns: list[str] | None = None) -> None:
    """The loader (statistics used) and the reference (every value read) agree: refusal, kept rows, rejections."""
    try:
        want = ref.read_population(path, skip_invalid=True)
    except PopulationError as exc:
        with pytest.raises(PopulationError) as got:
            read_population(path, skip_invalid=True)
        assert str(got.value) == str(exc)
        return
    got_load = read_population(path, skip_invalid=True)
    pd.testing.assert_frame_equal(got_load.rejected, want.rejected)
    pd.testing.assert_frame_equal(got_load.frame, want.frame)
    assert got_load.warnings == want.warnings


def _population() -> pd.DataFrame:
    frame = make_population(N, seed=3)
    frame["age"] = frame["age"].astype(np.uint8)
    frame["insurance_years"] = np.zeros(N, dtype=np.float32)  # no logical problem from the fuzzed ages
    return frame


def test_statistics_are_read_over_every_row_group(tmp_path: Path) -> None:
    frame = _population()
    frame.loc[3 * GROUP + 7, "age"] = 77  # the largest age in the last row group only
    path = _write(frame, tmp_path / "p.parquet")
    stats = read_table(path).stats
    assert stats["age"] == NumberStats(int(frame["age"].min()), 77, 0)
    assert stats["residence_years"].high == pytest.approx(float(frame["residence_years"].max()))
    assert "person_id" not in stats and "education" not in stats  # text and categories have no number bounds


def test_no_statistics_without_them_in_every_row_group(tmp_path: Path) -> None:
    frame = _population()
    assert read_table(_write(frame, tmp_path / "none.parquet", statistics=False)).stats == {}
    frame["tax_years_high"] = pd.array([None] * GROUP + [1] * (N - GROUP), dtype="Int64")  # a row group of nulls
    got = read_table(_write(frame, tmp_path / "nulls.parquet")).stats
    assert "tax_years_high" not in got and "age" in got


def _meta(*bounds: tuple[object, object]) -> tuple[SimpleNamespace, pa.Schema]:
    """A stand-in for Parquet metadata: one column "x" of float64, one row group per (min, max)."""
    groups = [SimpleNamespace(column=lambda i, lo=lo, hi=hi: SimpleNamespace(
        path_in_schema="x", statistics=SimpleNamespace(has_min_max=True, has_null_count=True, min=lo, max=hi,
                                                       null_count=0))) for lo, hi in bounds]
    meta = SimpleNamespace(num_row_groups=len(groups), num_columns=1, row_group=lambda g: groups[g])
    return meta, pa.schema([("x", pa.float64())])


@pytest.mark.parametrize("bad", [(b"0", b"9"), ("0", "9"), (False, True), (float("nan"), 1.0), (5.0, 1.0)])
def test_odd_statistics_are_not_taken(bad: tuple[object, object]) -> None:
    """Bytes, text or booleans for a number column, a NaN bound, a min above the max: no bounds, every value read."""
    assert number_stats(*_meta((0.0, 1.0), bad), ["x"]) == {}
    assert number_stats(*_meta((0.0, 1.0), (2.0, 3.0)), ["x"]) == {"x": NumberStats(0.0, 3.0, 0)}


@pytest.mark.parametrize("statistics", [True, False])
@pytest.mark.parametrize("case", ["edge", "out_of_range", "nan", "fraction", "inf"])
def test_loader_matches_the_reference_where_statistics_could_mislead(tmp_path: Path, case: str,
                                                                      statistics: bool) -> None:
    frame = _population()
    row = 2 * GROUP + 5  # in the third row group only
    if case == "edge":  # exactly at the ends of the ranges: kept
        frame.loc[row, "age"] = 110
        frame.loc[row + 1, "age"] = 0
        frame.loc[row, "owned_home_years"] = np.float32(110.0)
    elif case == "out_of_range":
        frame.loc[row, "age"] = 111
        frame.loc[row, "owned_home_years"] = np.float32(110.0001)
    elif case == "nan":  # statistics count NaN neither in the bounds nor as a null
        frame.loc[row, "owned_home_years"] = np.nan
    elif case == "fraction":
        frame["tax_years_high"] = frame["tax_years_high"].astype(np.float64)
        frame.loc[row, "tax_years_high"] = 1.5
    else:
        frame.loc[row, "residence_years"] = np.inf
    path = _write(frame, tmp_path / f"{case}.parquet", statistics=statistics)
    if case == "nan" and statistics:  # a NaN, not a null: the statistics say nothing of it
        assert read_table(path).stats["owned_home_years"].nulls == 0
    _same(path)


@pytest.mark.parametrize("dtype", [np.int64, np.float64])
@pytest.mark.parametrize("columns", [None, ["age", "innovation_points"]])
def test_an_id_number_in_one_row_group_is_refused(tmp_path: Path, dtype: type, columns: list[str] | None) -> None:
    """An 18-digit resident ID number (valid check digit) typed as a number, in the last row group only, of a column
    read (innovation_points) or not read (outside_core_years): refused, statistics or not."""
    for column in ("innovation_points", "outside_core_years"):
        frame = _population()
        frame[column] = frame[column].astype(dtype)
        frame.loc[N - 3, column] = dtype(110105199001011232) if dtype is np.int64 else 1.10105199001011e17
        path = _write(frame, tmp_path / f"{column}.parquet")
        assert read_table(path).stats[column].high >= 1e17  # the statistics show it; the loader must see it too
        with pytest.raises(IdentifierError) as got:
            read_population(path, skip_invalid=True, columns=columns)
        assert column in str(got.value) and "resident ID numbers" in str(got.value)


def test_small_numbers_by_statistics_are_not_screened_but_kept(tmp_path: Path) -> None:
    """Numbers below 1e10 everywhere: the same load as the reference, which screens every value."""
    frame = _population()
    frame["innovation_points"] = frame["innovation_points"].astype(np.int64) * 99_999_999  # 9 digits: no identifier
    _same(_write(frame, tmp_path / "small.parquet"))


def test_a_relative_name_that_looks_like_a_uri_is_a_local_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """pyarrow's own reader is given the absolute path and the local filesystem: "file:pop.parquet" in the working
    folder is that file, not a URI (pyarrow refused it: "File URI cannot be relative"), read whole or by columns."""
    frame = _population()
    _write(frame, tmp_path / "file:pop.parquet")
    monkeypatch.chdir(tmp_path)
    assert read_population("file:pop.parquet").rows_in == N
    assert list(read_population("file:pop.parquet", columns=["age"]).frame.columns) == ["person_id", "age"]


def test_an_id_number_out_of_range_is_not_echoed_by_its_leading_digits(tmp_path: Path) -> None:
    """Trial finding: an 18-digit number with a wrong check digit (not screened as an ID number) in the age column
    was rejected as 'got 3.30106e+17', printing its area code; it is now shown as 18 '#', in both validators."""
    frame = _population()
    frame["age"] = frame["age"].astype(np.int64)
    frame.loc[[5, 3 * GROUP + 1], "age"] = 330106198503120029
    path = _write(frame, tmp_path / "p.parquet")
    _same(path)
    rej = read_population(path, skip_invalid=True).rejected
    reasons = list(rej.loc[rej["column"] == "age", "reason"])
    assert len(reasons) == 2
    for reason in reasons:
        assert reason.endswith("got " + "#" * 18) and "330106" not in reason and "3.30106" not in reason
