"""The synthetic population: determinism, dtypes, coherence, calibration, the synth command."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.cli import main
from scoring.population.load import CANONICAL_COLUMNS, read_population
from scoring.population.schema import load_schema
from scoring.population.synthetic import calibration_table, load_calibration, synth

EXTRAS = ("owned_home_years", "rented_home_years", "has_honour", "detentions", "tax_years_high", "innovation_points",
          "outside_core_years")


@pytest.fixture(scope="module")
def pop() -> pd.DataFrame:
    return synth(200_000, seed=7)


def test_columns_and_dtypes(pop: pd.DataFrame) -> None:
    assert set(CANONICAL_COLUMNS) | set(EXTRAS) == set(pop.columns)
    schema = load_schema()
    for col in pop.columns:
        spec = schema.column(col)
        if spec.type == "category":
            assert list(pop[col].cat.categories) == list(spec.categories), col
        elif spec.type == "bool":
            assert pop[col].dtype == np.bool_, col
        elif spec.type in ("int", "float"):
            assert pop[col].dtype == np.dtype(spec.dtype), col
    assert pop["person_id"].is_unique and pop["person_id"].iloc[0] == "P0000001"
    assert pop.memory_usage(deep=True).sum() / len(pop) <= 100


def test_deterministic() -> None:
    a, b, c = synth(5_000, seed=3), synth(5_000, seed=3), synth(5_000, seed=4)
    pd.testing.assert_frame_equal(a, b)
    assert not a.drop(columns="person_id").equals(c.drop(columns="person_id"))


@settings(max_examples=15, deadline=None)
@given(n=st.integers(min_value=0, max_value=3_000), seed=st.integers(min_value=0, max_value=2**32))
def test_coherence_invariants(n: int, seed: int) -> None:
    check_coherent(synth(n, seed))


def check_coherent(df: pd.DataFrame) -> None:
    age = df["age"].astype(float)
    work = np.maximum(age - 16, 0)
    eps = 1e-4
    assert (df["age"] >= 16).all() and (df["age"] <= 70).all()
    years = ["residence_years", "residence_years_other_districts", "insurance_years", "insurance_years_yrd",
             "permit_years", "owned_home_years", "rented_home_years", "outside_core_years"]
    for col in years:
        assert (df[col] >= 0).all(), col
    assert (df["residence_years"] + df["residence_years_other_districts"] <= age + eps).all()
    assert (df["insurance_years"] <= work + eps).all()
    assert (df["insurance_years"] + df["insurance_years_yrd"] <= work + eps).all()
    assert (df["permit_years"] <= df["residence_years"] + eps).all()
    assert (df.loc[~df["has_residence_permit"], "permit_years"] == 0).all()
    assert (df["owned_home_years"] + df["rented_home_years"] <= df["residence_years"] + eps).all()
    assert (df.loc[df["insurance_years_yrd"] == 0, "pension_transferred"] == False).all()  # noqa: E712
    assert (df["tax_years_high"] <= 3).all() and (df["innovation_points"] <= 12).all()
    assert (df["outside_core_years"] <= df["residence_years"] + eps).all()


def test_coherent_at_scale(pop: pd.DataFrame) -> None:
    check_coherent(pop)


def test_validates_cleanly(pop: pd.DataFrame) -> None:
    load = read_population(pop.head(20_000))
    assert load.rows_rejected == 0 and load.rows_in == 20_000


def test_calibrated_shares(pop: pd.DataFrame) -> None:
    table = calibration_table(pop)
    calibrated = table[table["status"].str.startswith("calibrated")]
    assert len(calibrated) > 20
    assert (calibrated["synthetic"] - calibrated["target"]).abs().max() < 0.006
    cal = load_calibration()
    assert abs(sum(cal.education.values()) - 1) < 1e-9
    assert abs(sum(cal.origins.values()) - 1) < 1e-9


def test_correlations(pop: pd.DataFrame) -> None:
    degree = pop["education"].isin(["bachelor", "master", "doctor"])
    assert degree[pop["age"] < 30].mean() > degree[pop["age"] >= 45].mean()
    assert np.corrcoef(pop["age"], pop["residence_years"])[0, 1] > 0.2
    assert np.corrcoef(pop["residence_years"], pop["insurance_years"])[0, 1] > 0.5
    assert 0 < pop["has_honour"].mean() < 0.02 and 0 < (pop["detentions"] > 0).mean() < 0.03


def test_cli_writes_each_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for ext in ("parquet", "csv", "xlsx"):
        out = tmp_path / f"pop.{ext}"
        assert main(["synth", "--n", "300", "--seed", "7", "--out", str(out), "--json"]) == 0
        summary = json.loads(capsys.readouterr().out)
        assert summary["n"] == 300 and summary["out"] == str(out)
        back = read_population(out).frame
        assert len(back) == 300
        expected = synth(300, 7)
        assert back["age"].tolist() == expected["age"].tolist()
        assert back["education"].astype(str).tolist() == expected["education"].astype(str).tolist()


def test_cli_bad_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["synth", "--n", "10", "--out", str(tmp_path / "x.txt"), "--lang", "en"]) == 2
    assert "unknown extension" in capsys.readouterr().err
    assert main(["synth", "--n", "10", "--out", str(tmp_path / "x.txt")]) == 2
    assert "未知的输出类型" in capsys.readouterr().err  # Chinese by default
    assert main(["synth", "--n", "-1", "--out", str(tmp_path / "x.csv")]) == 2
    assert main(["synth", "--n", "10", "--out", str(tmp_path / "no" / "x.csv")]) == 2
