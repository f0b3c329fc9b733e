"""Public-service demand of the people a scenario settles: hand counts, the shared assumptions, real units."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import scoring
from scoring.dynamics.core import YearRule, simulate
from scoring.dynamics.params import DynamicsParams
from scoring.dynamics.services import admitted_needs, service_table, service_totals
from scoring.dynamics.state import State
from scoring.pathways.services import service_rates
from scoring.population.synth_pathways import expected_children, load_parameters
from scoring.population.synthetic import synth

HZ23 = scoring.load_scheme("scenarios/schemes/hangzhou-2023-illustrative.yaml")


def _state(**extra: list) -> State:
    frame = pd.DataFrame({"age": [30.0, 40.0, 50.0, 60.0, 20.0],
                          "housing": ["rented", "owned", "employer", "none", "rented"], **extra})
    return State.from_frame(frame, np.arange(5, dtype=np.uint64))


def test_needs_hand_count_from_the_assumed_means() -> None:
    """Ages 30, 40, 50, 60 admitted (20 not): children 6-11 = m(25-34) + m(35-44) + m(45-54), the same for 12-14;
    renting or without a home: rented (30), employer (50), none (60) = 3."""
    p = load_parameters()
    mask = np.array([True, True, True, True, False])
    got = admitted_needs(_state(), mask, p)
    for col in ("children_6_11", "children_12_14"):
        hand = sum(float(p[f"{col}_per_person_{b}"]) for b in ("25_34", "35_44", "45_54"))
        assert got[f"svc_{col}"] == pytest.approx(hand, rel=1e-6)
    assert got["svc_no_home"] == 3.0
    # the synth draws from the same means: expected_children is what it uses
    assert expected_children(np.array([30.0]), p)["children_6_11"][0] == pytest.approx(
        float(p["children_6_11_per_person_25_34"]), rel=1e-6)


def test_needs_use_the_pools_children_when_present() -> None:
    st = _state(children_6_11=[1, 0, 2, 0, 5], children_12_14=[0, 1, 1, 3, 5])
    got = admitted_needs(st, np.array([True, True, True, True, False]), load_parameters())
    assert got["svc_children_6_11"] == 3.0 and got["svc_children_12_14"] == 5.0


def test_table_applies_the_pathways_rates_and_averages_replications() -> None:
    yearly = pd.DataFrame({"rep": [0, 0, 1, 1], "year": [2024, 2025, 2024, 2025], "admitted": [10, 20, 30, 40],
                           "svc_children_6_11": [2.0, 4.0, 6.0, 8.0], "svc_children_12_14": [1.0, 1.0, 3.0, 3.0],
                           "svc_no_home": [5.0, 10.0, 15.0, 20.0]})
    one = service_table({"run": SimpleNamespace(yearly=yearly)},
                        {"service_school_takeup": 1.0, "service_housing_takeup_settled": 0.5})
    assert one["primary_places"].tolist() == [4.0, 6.0] and one["junior_places"].tolist() == [2.0, 2.0]
    assert one["housing_applications"].tolist() == [5.0, 7.5] and one["admitted"].tolist() == [20.0, 30.0]
    assert one["assumption"].str.startswith("assumption").all()
    r = service_rates()
    t = service_table({"run": SimpleNamespace(yearly=yearly)})
    assert t["primary_places"].tolist() == pytest.approx([4.0 * r["service_school_takeup"],
                                                          6.0 * r["service_school_takeup"]])
    tot = service_totals(t)
    assert tot["totals"]["run"]["primary_places"] == pytest.approx(10.0 * r["service_school_takeup"])
    assert "assumption" in tot["assumption"]["en"] and "假设" in tot["assumption"]["zh"]


@pytest.mark.parametrize("ratio", [1.0, 4.0])
def test_simulation_counts_needs_of_the_admitted_in_real_people(ratio: float) -> None:
    """Everyone with exactly one child of each age and renting: the needs equal the admitted, in real people."""
    pop = synth(1500, 5)
    pop["children_6_11"] = np.ones(len(pop), dtype=np.uint8)
    pop["children_12_14"] = np.ones(len(pop), dtype=np.uint8)
    pop["housing"] = "rented"
    params = DynamicsParams.model_validate({"arrivals": {"per_year": 0}})
    y = simulate(pop, HZ23, [YearRule(threshold=100)] * 3, params, seed=2, ratio=ratio).yearly
    assert y["admitted"].sum() > 0
    for col in ("svc_children_6_11", "svc_children_12_14", "svc_no_home"):
        assert (y[col] == y["admitted"]).all()
