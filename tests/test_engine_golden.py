"""Golden checks against published facts (shared/policy/points-schemes.md, CONFIRMED values)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scoring import load_scheme, score

B2020 = "scenarios/schemes/beijing-2020.yaml"
B2016 = "scenarios/schemes/beijing-2016.yaml"


def person(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "age": 40, "education": "none", "insurance_years": 7.0, "has_residence_permit": True,
        "owned_home_years": 0.0, "rented_home_years": 0.0, "outside_core_years": 0.0, "innovation_points": 0.0,
        "tax_years_high": 0, "has_honour": False, "detentions": 0,
    }
    return {**base, **overrides}


def frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    pop = pd.DataFrame(rows)
    pop["education"] = pop["education"].astype("category")
    return pop


@pytest.mark.parametrize(("path", "ages", "points"), [
    (B2020, [30, 45, 45.9, 46, 47, 48, 49, 50, 55], [20, 20, 20, 16, 12, 8, 4, 0, 0]),
    (B2016, [30, 45, 46, 49, 50], [20, 20, 0, 0, 0]),
])
def test_beijing_age_taper(path: str, ages: list[float], points: list[float]) -> None:
    res = score(frame([person(age=a) for a in ages]), load_scheme(path))
    assert res.points["age"].tolist() == points


def test_beijing_education_values() -> None:
    levels = ["none", "senior_secondary", "associate", "bachelor", "master", "doctor"]
    res = score(frame([person(education=e) for e in levels]), load_scheme(B2020))
    assert res.points["education"].tolist() == [0, 0, 10.5, 15, 26, 37]


def test_beijing_insurance_three_points_a_year_accrued_by_month() -> None:
    months = np.arange(84, 84 + 12 * 30)
    rows = [person(insurance_years=np.float32(m / 12)) for m in months]
    res = score(frame(rows), load_scheme(B2020))
    employment = res.points["employment"].to_numpy()
    np.testing.assert_array_equal(employment, months * 0.25)  # 0.25 a month, no cap
    assert (np.round(employment * 4) == employment * 4).all()  # multiples of 0.25, as in the published lists
    partial = score(frame([person(insurance_years=10 + 20 / 365)]), load_scheme(B2020))
    assert partial.points["employment"].iloc[0] == 30.0  # part of a month does not count


def test_beijing_residence_capped_by_insurance_years_and_weighted() -> None:
    rows = [person(insurance_years=10.0, owned_home_years=12.0),       # owned 12 > employment 10 -> 10
            person(insurance_years=10.0, rented_home_years=8.0),       # rented 0.5 a year -> 4
            person(insurance_years=10.0, owned_home_years=2.0, rented_home_years=6.0)]  # 2 + 3
    res = score(frame(rows), load_scheme(B2020))
    assert res.points["residence"].tolist() == [10.0, 4.0, 5.0]


def test_beijing_gates_and_caps() -> None:
    rows = [person(insurance_years=6.99), person(age=60), person(has_residence_permit=False, age=70),
            person(outside_core_years=9, tax_years_high=5, innovation_points=30, has_honour=True, detentions=2)]
    res = score(frame(rows), load_scheme(B2020))
    assert [str(r) for r in res.reason] == ["insurance_min", "below_retirement", "permit", ""]
    last = res.points.iloc[3]
    assert (last["location"], last["tax"], last["innovation"], last["honours"], last["law_record"]) == (
        12, 6, 12, 20, -60)
