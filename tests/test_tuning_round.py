"""Publishable values: rounding a tuning result to 0.5 or 1 point and re-checking the constraints exactly."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from popgen import make_population
from test_tuning import two_item_population, two_item_scheme

import scoring
from scoring.errors import ScoringInputError
from scoring.tuning.core import tune
from scoring.tuning.problem import Constraints
from scoring.tuning.rounding import round_result, round_scheme, round_to

SCHEME = "scenarios/schemes/hangzhou-2023-illustrative.yaml"


def test_round_to_multiples_half_away_from_zero():
    assert [round_to(x, 0.5) for x in (3.27, 3.24, 2.25, 2.75, -0.25, 0.0)] == [3.5, 3.0, 2.5, 3.0, -0.5, 0.0]
    assert [round_to(x, 1.0) for x in (3.5, 3.49, -0.5, 12.0)] == [4.0, 3.0, -1.0, 12.0]


def test_round_scheme_rounds_only_the_tuned_items():
    s = scoring.load_scheme(SCHEME)
    data = s.to_dict()
    ids = [i["id"] for i in data["items"]]
    r = round_scheme(s, {ids[0]}, 1.0)
    before, after = s.to_dict()["items"], r.to_dict()["items"]
    assert after[1:] == before[1:]
    for key in ("points_per_unit", "cap", "points"):
        v = after[0].get(key)
        if isinstance(v, int | float):
            assert float(v).is_integer()
    with pytest.raises(ScoringInputError):
        round_scheme(s, {ids[0]}, 0.3)


@pytest.fixture(scope="module")
def tuned():
    pop = two_item_population(50_000)
    scheme = two_item_scheme()
    out = tune(scheme, pop, Constraints(admitted=(14_000, 16_000)), "closest", sample=None)
    assert out.ok, out.message
    return pop, out


@pytest.mark.parametrize("step", [0.5, 1.0])
def test_rounded_values_are_multiples_and_checks_are_exact(tuned, step):
    pop, out = tuned
    r = round_result(out, pop, step)
    items = {i.id: i for i in r.scheme.items}
    for v in (items["residence"].points_per_unit, items["honours"].points):
        assert (v / step).is_integer()
    # independent: score everyone with the rounded scheme and compare with each check's reported value
    adm = scoring.admit(scoring.score(pop, r.scheme))
    dom = scoring.dominance(scoring.score(pop, r.scheme), r.scheme, admitted=adm)
    got = {c.quantity: c.value for c in r.checks}
    assert got["admitted"] == adm.admitted_count
    assert got["share"] == pytest.approx(dom.design)
    for c in r.checks:
        assert c.met == (c.sense * (c.value - c.target) >= -1e-9)
    assert r.ok == all(c.met for c in r.checks)
    assert r.scheme.version.endswith(f"-r{step:g}") and r.scheme.status == "draft"


def test_a_step_too_coarse_for_the_targets_is_reported_as_not_holding():
    """Residence only, 1 point a year on 0..20 years: any admitted band narrower than the people between two
    multiples of the rounded weight cannot hold after rounding to 1; the result must say so, not pretend."""
    pop = two_item_population(50_000)
    scheme = two_item_scheme(min_share=0.0, w1=5.3, w2=0.0)
    out = tune(scheme, pop, Constraints(admitted=(20_000, 20_050)), "closest", sample=None,
               bounds={"honours.points": (0.0, 0.0)})
    assert out.ok, out.message
    r = round_result(out, pop, 1.0)
    w = r.scheme.item("residence").points_per_unit
    expected = int((pop["residence_years"].to_numpy() * w >= 100 - 1e-9).sum())
    got = {c.quantity: c.value for c in r.checks}["admitted"]
    assert abs(got - expected) <= 5  # the engine's cent rounding at the line
    assert r.ok == (20_000 <= got <= 20_050)
    assert not r.ok  # a 1-point step moves the admitted count by thousands here


def test_cli_round(tmp_path: Path):
    pop = tmp_path / "pop.parquet"
    make_population(20_000, 8).to_parquet(pop)
    out = tmp_path / "new.yaml"
    r = subprocess.run([sys.executable, "-m", "scoring", "tune", SCHEME, "--population", str(pop), "--min-share", "0.5",
                        "--measure", "decisive", "--target-admitted", "2000:2200", "--round", "0.5", "--out", str(out),
                        "--json"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    payload = json.loads(r.stdout)
    rounded = payload["rounded"]
    assert rounded["step"] == 0.5 and isinstance(rounded["ok"], bool) and rounded["checks"]
    new = scoring.load_scheme(out)
    assert new.version.endswith("-r0.5")
    for item in new.items:
        for v in (item.points_per_unit, item.cap):
            if v is not None:
                assert float(np.round(v * 2)) == v * 2
    adm = scoring.admit(scoring.score(scoring.load_population(str(pop)), new))
    admitted_check = next(c for c in rounded["checks"] if c["quantity"] == "admitted" and c["sense"] == 1)
    assert admitted_check["value"] == adm.admitted_count
    bad = subprocess.run([sys.executable, "-m", "scoring", "tune", SCHEME, "--population", str(pop), "--round", "0.3"],
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "--round" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
