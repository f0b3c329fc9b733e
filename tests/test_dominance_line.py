"""Which line the decisive share is measured around, and the scheme warnings a typo deserves."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from popgen import make_population

import scoring
from scoring.dominance import NO_LINE_NOTE
from scoring.scheme.load import scheme_from_dict, scheme_warnings

ROOT = Path(__file__).resolve().parent.parent
BEIJING = ROOT / "scenarios" / "schemes" / "beijing-2020.yaml"


@pytest.fixture(scope="module")
def beijing() -> scoring.ScoreResult:
    return scoring.score(make_population(4000, seed=5), scoring.load_scheme(BEIJING))


def test_binding_quota_measures_around_the_cutoff(beijing: scoring.ScoreResult) -> None:
    adm = scoring.admit(beijing, quota=100)
    rep = scoring.dominance(beijing, admitted=adm)
    assert rep.line == adm.cutoff
    assert NO_LINE_NOTE not in rep.warnings


def test_quota_above_the_eligible_has_no_deciding_line(beijing: scoring.ScoreResult) -> None:
    adm = scoring.admit(beijing, quota=10**6)
    assert adm.admitted_count == int(beijing.eligible_mask.sum())
    rep = scoring.dominance(beijing, admitted=adm)
    assert NO_LINE_NOTE in rep.warnings
    assert rep.line == float(np.median(beijing.total_cents[beijing.eligible_mask])) / 100
    assert rep.decisive == scoring.dominance(beijing).decisive  # the same as scoring without an admission


def test_threshold_measures_around_the_threshold_not_the_lowest_admitted(beijing: scoring.ScoreResult) -> None:
    adm = scoring.admit(beijing, threshold=99.99)
    assert adm.cutoff is not None and adm.cutoff >= 99.99
    assert scoring.dominance(beijing, admitted=adm).line == 99.99


def test_a_category_typo_is_warned_with_a_suggestion() -> None:
    data = scoring.load_scheme(ROOT / "scenarios" / "schemes" / "hangzhou-2023-illustrative.yaml").to_dict()
    edu = next(i for i in data["items"] if i["id"] == "education")
    edu["points"] = {"bachelors": 10, "master": 15}
    data["eligibility"].append({"id": "origin", "column": "education", "in": ["doctor", "phd"]})
    warnings = scheme_warnings(scheme_from_dict(data))
    typo = [w for w in warnings if "'bachelors'" in w]
    assert len(typo) == 1 and "did you mean 'bachelor'" in typo[0]
    assert any("'phd'" in w for w in warnings)
    assert not any("'master'" in w or "'doctor'" in w for w in warnings)


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "scenarios" / "schemes").glob("*.yaml")))
def test_shipped_schemes_name_only_known_values(name: str) -> None:
    warnings = scheme_warnings(scoring.load_scheme(ROOT / "scenarios" / "schemes" / name))
    assert not [w for w in warnings if "is not a value of column" in w]
