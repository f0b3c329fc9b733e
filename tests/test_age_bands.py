"""One age-band definition (the population schema's): the dashboard, the pathway tables, the simulations and the
impact tables put every age in the same band, edges included."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from dashboard import analysis
from scoring.dynamics.flows import composition as dynamics_composition
from scoring.dynamics.state import State
from scoring.pathways.tables import group_keys
from scoring.population.schema import age_band, age_band_labels, load_schema
from scoring.scenario.impact import group_labels

# every edge and the ages either side of it, a few plain ages, and the far ends of the schema's range
AGES = np.array([0, 1, 16, 17, 18, 19, 24, 25, 26, 34, 35, 36, 44, 45, 46, 54, 55, 56, 59, 60, 61, 90, 110],
                dtype=np.uint8)


def _by_hand(age: int) -> str:
    """The bands as the schema's YAML states them: <18, 18-24, 25-34, 35-44, 45-54, 55-59, 60+."""
    for upper, label in ((18, "<18"), (25, "18-24"), (35, "25-34"), (45, "35-44"), (55, "45-54"), (60, "55-59")):
        if age < upper:
            return label
    return "60+"


def test_the_schema_bands_are_the_documented_ones() -> None:
    assert load_schema().age_edges == (18, 25, 35, 45, 55, 60)
    assert age_band_labels() == ("<18", "18-24", "25-34", "35-44", "45-54", "55-59", "60+")
    assert list(age_band(AGES)) == [_by_hand(int(a)) for a in AGES]
    assert list(pd.isna(age_band(np.array([np.nan, -1.0, 17.5])))) == [True, True, False]


def test_dashboard_pathways_dynamics_and_impact_band_ages_identically() -> None:
    expected = [_by_hand(int(a)) for a in AGES]
    pop = pd.DataFrame({"age": AGES})
    assert [str(v) for v in analysis.age_band(pop["age"])] == expected
    assert [str(v) for v in group_keys(pop, "age_band")] == expected
    assert list(group_labels(pop, "age")) == expected
    state = State.from_frame(pop, np.arange(len(pop), dtype=np.uint64))
    for k, label in enumerate(expected):  # the simulation's composition of one person at a time
        mask = np.arange(len(pop)) == k
        assert [(dim, group) for dim, group, _ in dynamics_composition(state, mask, None)] == [("age_band", label)]
    all_rows = dynamics_composition(state, np.ones(len(pop), dtype=bool), None)
    assert {g: c for _, g, c in all_rows} == dict(Counter(expected))
