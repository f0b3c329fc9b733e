"""The main-share requirement read literally (一(二)): a share of the points, over the eligible and the admitted."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scoring import dominance, load_scheme, score
from scoring.dominance import MEASURE_TEXT, main_share_headline

HZ23 = "scenarios/schemes/hangzhou-2023-illustrative.yaml"


def _people() -> pd.DataFrame:
    # Hand-worked with hangzhou-2023-illustrative: 6 points a year of residence / insurance (cap 60 each),
    # education bachelor 10 / master 15, law record -10 per detention.
    return pd.DataFrame({
        "has_residence_permit": [True, True, True, False],
        "residence_years": np.array([10.0, 5.0, 2.0, 9.0], dtype=np.float32),   # 60, 30, 12 (ineligible: 54)
        "insurance_years": np.array([8.0, 5.0, 1.0, 9.0], dtype=np.float32),    # 48, 30, 6
        "education": pd.Categorical(["master", "bachelor", "master", "doctor"]),  # 15, 10, 15
        "detentions": [0, 1, 0, 0],                                              # 0, -10, 0
    })


def test_share_of_points_by_hand() -> None:
    scheme = load_scheme(HZ23)
    assert scheme.dominance.measure == "realised"  # the shipped verdict is the literal reading
    res = score(_people(), scheme)
    admitted = res.eligible_mask & (res.total_cents >= 100_00)  # only the first person (123 points)
    report = dominance(res, scheme, admitted=admitted)
    # eligible: residence + insurance = 60+48 + 30+30 + 12+6 = 186; all positive points = 186 + 15+10+15 = 226
    assert report.points_share["eligible"] == pytest.approx(186 / 226)
    assert report.points_share["admitted"] == pytest.approx(108 / 123)
    assert report.ok is True and report.literal_ok is True


def test_literal_verdict_needs_both_shares() -> None:
    scheme = load_scheme(HZ23)
    res = score(_people(), scheme)
    report = dominance(res, scheme, admitted=res.eligible_mask & (res.total_cents >= 100_00))
    report.min_share = 0.85  # 82.3% over the eligible, 87.8% over the admitted: one fails
    assert report.literal_ok is False


def test_headline_is_never_above_100_percent_and_explains_the_analysis_measures() -> None:
    scheme = load_scheme(HZ23)
    rng = np.random.default_rng(3)
    n = 3000
    pop = pd.DataFrame({
        "has_residence_permit": True,
        "residence_years": rng.uniform(0, 12, n).astype(np.float32),
        "insurance_years": rng.uniform(1, 12, n).astype(np.float32),
        "education": pd.Categorical(rng.choice(["none", "associate", "bachelor", "master", "doctor"], n)),
        "detentions": rng.choice([0, 0, 0, 1, 3], n),   # deductions make the decisive share larger
    })
    res = score(pop, scheme)
    report = dominance(res, scheme, admitted=res.eligible_mask & (res.total_cents >= 100_00))
    for lang in ("zh", "en"):
        head = main_share_headline(report, lang)
        assert 0 <= head["share"] <= 1 and 0 <= head["share_admitted"] <= 1
        assert head["share"] == report.realised_eligible
        assert [a["measure"] for a in head["analysis"]] == ["design", "decisive"]
        assert head["analysis"][1]["text"] == MEASURE_TEXT["decisive"][0 if lang == "zh" else 1]
    assert "not a share of the points" in MEASURE_TEXT["decisive"][1]
    assert "不是占积分的比例" in MEASURE_TEXT["decisive"][0]
