"""A small, simple random population for tests (independent of scoring.population.synthetic)."""

from __future__ import annotations

import numpy as np
import pandas as pd

EDUCATION = ["none", "primary", "junior_secondary", "senior_secondary", "vocational", "associate", "bachelor",
             "master", "doctor"]


def make_population(n: int, seed: int = 0) -> pd.DataFrame:
    """Random people with every column the shipped schemes read; coherent enough for scoring tests."""
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 66, n).astype(np.uint8)
    work_years = np.maximum(age.astype(np.float32) - 18, 0)
    insurance = np.round(rng.uniform(0, 1, n) * work_years * 12) / 12
    residence = np.round(rng.uniform(0, 1, n) * work_years * 12) / 12
    owned_share = rng.uniform(0, 1, n) * (rng.uniform(0, 1, n) < 0.3)
    return pd.DataFrame({
        "person_id": [f"T{i:07d}" for i in range(n)],
        "age": age,
        "sex": pd.Categorical(rng.choice(["M", "F"], n), categories=["M", "F"]),
        "education": pd.Categorical(rng.choice(EDUCATION, n), categories=EDUCATION),
        "residence_years": residence.astype(np.float32),
        "insurance_years": insurance.astype(np.float32),
        "has_residence_permit": rng.uniform(0, 1, n) < 0.8,
        "housing": pd.Categorical(rng.choice(["owned", "rented", "employer", "none"], n),
                                  categories=["owned", "rented", "employer", "none"]),
        "owned_home_years": (residence * owned_share).astype(np.float32),
        "rented_home_years": (residence * (1 - owned_share)).astype(np.float32),
        "outside_core_years": np.floor(rng.uniform(0, 1, n) * residence).astype(np.float32),
        "innovation_points": (rng.integers(0, 15, n) * (rng.uniform(0, 1, n) < 0.1)).astype(np.float32),
        "tax_years_high": (rng.integers(0, 4, n) * (rng.uniform(0, 1, n) < 0.2)).astype(np.uint8),
        "has_honour": rng.uniform(0, 1, n) < 0.02,
        "detentions": (rng.uniform(0, 1, n) < 0.01).astype(np.uint8),
    })
