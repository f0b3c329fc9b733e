"""Beijing's published accrual rule as a property over 30 years of months (3 points a year accrued by month, 0.25
a month, no cap; the yearly published lists carry only multiples of 0.25). The published per-person figures (age
taper, education values, residence, gates and caps) are person cases: scenarios/cases/beijing-2020.yaml and
beijing-2016.yaml, run by tests/test_cases.py and ``python -m scoring test``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoring import load_scheme, score

B2020 = "scenarios/schemes/beijing-2020.yaml"


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


def test_beijing_insurance_three_points_a_year_accrued_by_month() -> None:
    months = np.arange(84, 84 + 12 * 30)
    rows = [person(insurance_years=np.float32(m / 12)) for m in months]
    res = score(frame(rows), load_scheme(B2020))
    employment = res.points["employment"].to_numpy()
    np.testing.assert_array_equal(employment, months * 0.25)  # 0.25 a month, no cap
    assert (np.round(employment * 4) == employment * 4).all()  # multiples of 0.25, as in the published lists
