"""Canada's CRS grid (scenarios/schemes/canada-crs-2025.yaml) beyond its hand-worked person cases (those are in
scenarios/cases/canada-crs-2025.yaml, run by tests/test_cases.py): blank spouse columns, random applicants on the
numpy and numba engines against the row-by-row reference, the grid's caps, and the declared input columns."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from popgen_crs import make_crs_population
from reference import ref_score

from scoring import load_scheme, score
from scoring.engine import numba_kernel as engine_numba
from scoring.scheme.cases import load_cases
from scoring.scheme.load import scheme_warnings

SCHEME = load_scheme("scenarios/schemes/canada-crs-2025.yaml")
CASES = [{"inputs": c.inputs, "total": c.total_cents // 100}
         for c in load_cases(Path("scenarios/cases/canada-crs-2025.yaml"), SCHEME).cases]
ENGINES = ["numpy", *(["numba"] if engine_numba.AVAILABLE else [])]


def frame(cases: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per case: its full inputs (spouse columns blank where not given)."""
    return pd.DataFrame([case["inputs"] for case in cases])


def test_a_couple_with_a_blank_spouse_column_is_rejected_a_single_is_not() -> None:
    single, couple = dict(CASES[0]), dict(CASES[2])
    couple = {**couple, "inputs": {**couple["inputs"], "spouse_reading": None}}
    pop = frame([single, couple])
    for engine in ENGINES:
        res = score(pop, SCHEME, engine=engine, on_invalid="reject")
        assert res.rejected[["row", "column"]].values.tolist() == [[2, "spouse_reading"]]
        assert res.total_cents.tolist() == [single["total"] * 100]
    assert ref_score(pop, SCHEME).rejected == [(2, "spouse_reading")]


@pytest.mark.parametrize("holes", [False, True])
def test_random_applicants_engines_and_reference_agree(holes: bool) -> None:
    pop = make_crs_population(1500, 23, holes)
    ref = ref_score(pop, SCHEME)
    for engine in ENGINES:
        res = score(pop, SCHEME, engine=engine, on_invalid="reject")
        assert list(res.rejected[["row", "column"]].itertuples(index=False, name=None)) == ref.rejected
        assert list(res.index) == list(pop.index[ref.positions])
        for item in SCHEME.items:
            assert res.item_cents[item.id].tolist() == ref.items[item.id], (engine, item.id)
        assert res.total_cents.tolist() == ref.total
    if not holes:  # the grid's caps hold on everyone
        totals = pd.DataFrame(ref.items)
        transfer = totals[SCHEME.group_items("transferability")].sum(axis=1)
        assert transfer.max() <= 100_00 and (transfer == 100_00).any()
        second = totals[SCHEME.group_items("second_language")].sum(axis=1)
        assert (second[pop["has_spouse"].to_numpy()] <= 22_00).all() and second.max() <= 24_00
        assert totals[SCHEME.group_items("additional")].sum(axis=1).max() <= 600_00


def test_declared_columns_check_values_and_categories() -> None:
    warnings = scheme_warnings(SCHEME, frame(CASES))
    assert not [w for w in warnings if "inputs." in w or "is not a value" in w]
    bad = frame(CASES[:2]).assign(crs_education=["master", "phd"], en_reading=[7, 7.5])
    warnings = scheme_warnings(SCHEME, bad)
    assert any("inputs.crs_education" in w and "'phd'" in w for w in warnings)
    assert any("inputs.en_reading" in w and "whole numbers" in w for w in warnings)
    typo = SCHEME.to_dict()
    typo["items"][2]["points"]["masters"] = 1
    from scoring.scheme.load import scheme_from_dict

    warned = scheme_warnings(scheme_from_dict(typo))
    assert any("'masters'" in w and "did you mean 'master'" in w for w in warned)
    assert np.all([c in SCHEME.inputs for c in SCHEME.columns()])


def test_declared_columns_replace_the_population_schema(tmp_path: Path) -> None:
    """A scheme that declares `education` with its own levels reads a file the built-in schema would reject."""
    from scoring.engine.inputs import population_schema_for
    from scoring.population.load import read_population
    from scoring.scheme.load import scheme_from_dict

    scheme = scheme_from_dict({
        "id": "own", "version": "1", "title": "own", "status": "draft",
        "inputs": {"education": {"type": "category", "categories": ["lower", "upper", "phd"]},
                    "partner_points": {"type": "int", "min": 0, "max": 10}},
        "items": [{"id": "edu", "kind": "category", "column": "education", "points": {"upper": 5, "phd": 9}},
                  {"id": "partner", "kind": "per_unit", "column": "partner_points", "points_per_unit": 1,
                   "when": {"column": "education", "equals": "phd"}}],
    })
    path = tmp_path / "people.csv"
    path.write_text("education,partner_points\nphd,3\nupper,\nlower,\n", encoding="utf-8")
    with pytest.raises(Exception, match="education"):
        read_population(path)  # the built-in schema knows only the Chinese levels
    load = read_population(path, schema=population_schema_for(scheme))
    assert load.rows_rejected == 0
    assert not [w for w in scheme_warnings(scheme, load.frame) if "inputs." in w or "is not a value" in w]
    for engine in ENGINES:
        res = score(load.frame, scheme, engine=engine)  # blank partner_points: not needed where education != phd
        assert res.total_cents.tolist() == [1200, 500, 0]
