"""Random Express Entry applicants for scenarios/schemes/canada-crs-2025.yaml: raw attributes, spouse columns
blank for single applicants (a test population; not real data)."""

from __future__ import annotations

import numpy as np
import pandas as pd

LEVELS = ["none", "secondary", "one_year", "two_year", "bachelor", "two_or_more", "master", "doctoral"]
ABILITIES = ("listening", "reading", "writing", "speaking")


def make_crs_population(n: int, seed: int, holes: bool = False) -> pd.DataFrame:
    """``n`` applicants; with ``holes`` a few blanks also in columns every applicant needs (rejected rows)."""
    rng = np.random.default_rng(seed)
    spouse = rng.uniform(0, 1, n) < 0.45
    years = lambda top: np.round(rng.uniform(0, top, n) * rng.choice([0, 1], n, p=[0.3, 0.7]), 2)  # noqa: E731
    pop = pd.DataFrame({
        "age": rng.integers(17, 50, n),
        "has_spouse": spouse,
        "crs_education": pd.Categorical(rng.choice(LEVELS, n), categories=LEVELS),
        "spouse_education": pd.Categorical(np.where(spouse, rng.choice(LEVELS, n), None), categories=LEVELS),
        "first_language": pd.Categorical(rng.choice(["english", "french"], n, p=[0.8, 0.2])),
        "canadian_work_years": years(6),
        "foreign_work_years": years(6).astype(np.float32),
        "spouse_canadian_work_years": np.where(spouse, years(6), np.nan),
        "canadian_study_years": years(4),
        "has_certificate_of_qualification": rng.uniform(0, 1, n) < 0.1,
        "has_provincial_nomination": rng.uniform(0, 1, n) < 0.05,
        "has_sibling_in_canada": rng.uniform(0, 1, n) < 0.1,
    })
    for lang, top in (("en", 13), ("fr", 13)):
        base = rng.integers(0, top, n)
        for ability in ABILITIES:
            pop[f"{lang}_{ability}"] = np.clip(base + rng.integers(-2, 3, n), 0, 12).astype(np.uint8)
    base = rng.integers(0, 13, n)
    for ability in ABILITIES:
        pop[f"spouse_{ability}"] = np.where(spouse, np.clip(base + rng.integers(-2, 3, n), 0, 12), np.nan)
    if holes:
        for col in ("age", "canadian_work_years", "spouse_listening", "crs_education"):
            if pop[col].dtype.kind in "biu":
                pop[col] = pop[col].astype("float64")
            pop.loc[rng.uniform(0, 1, n) < 0.03, col] = np.nan if pop[col].dtype.kind == "f" else None
    return pop


def population_for(scheme_id: str, n: int, seed: int) -> pd.DataFrame | None:
    """The random applicants of a non-Chinese shipped scheme (CRS), or None: the caller's usual population."""
    return make_crs_population(n, seed) if scheme_id.startswith("canada-crs") else None
