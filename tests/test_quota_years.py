"""The Quota page's queue model (scoring.scenario.quota_calendar, dashboard.quota_model): flows, real people, the
area, the
line when the quota goes, cumulative and yearly settlements, what decides each year, calibration text."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashboard import figures, quota_model
from scoring.engine.core import score
from scoring.population.area import city_districts
from scoring.scenario.quota_calendar import binds, quota_years, scenario_at_ratio, scheme_line
from scoring.scheme.load import load_scheme

ROOT = Path(__file__).resolve().parent.parent
SCHEMES = ROOT / "scenarios" / "schemes"
RATIO = 1000  # 4,000 simulated people for 4.0M: coarse, fast; every property below holds at any ratio
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def before():
    """The 2022 scheme (quota only, a tie chain) on the before-reform scenario, line 100 once the quota goes."""
    sc = scenario_at_ratio(ROOT / "scenarios" / "hangzhou-before-reform.yaml", RATIO)
    sch = load_scheme(SCHEMES / "hangzhou-2022-illustrative.yaml")
    return sc, sch, quota_years(sc, sch, quota=8000, line=100.0, years=4, replications=1)


def test_scenario_at_ratio_keeps_the_real_population():
    sc = scenario_at_ratio(ROOT / "scenarios" / "hangzhou-before-reform.yaml", 250)
    assert sc.spec.population.synth.n == 16_000
    assert sc.ratio == pytest.approx(250.0)
    assert sc.spec.population.represents == 4_000_000


def test_scheme_line_reads_the_admission_rule():
    assert scheme_line(load_scheme(SCHEMES / "hangzhou-2022-illustrative.yaml")) is None  # quota only
    assert scheme_line(load_scheme(SCHEMES / "hangzhou-2023-illustrative.yaml")) == 100.0


def test_binds_labels_each_case():
    got = binds(8000, None, np.array([8000, 25_804, 5000]), np.array([90_000, 90_000, 5000]), tolerance=40)
    assert list(got) == ["quota", "quota_ties", "none"]
    got = binds(8000, 100.0, np.array([3000, 8000]), np.array([3000, 9000]))
    assert list(got) == ["line", "quota"]
    assert list(binds(None, 100.0, np.array([5.0]), np.array([5.0]))) == ["line"]
    assert list(binds(None, None, np.array([5.0]), np.array([5.0]))) == ["none"]


def test_with_quota_fills_exactly_its_places_and_the_pool_has_flows(before):
    _, _, out = before
    w = out.table[out.table["variant"] == "with"]
    assert (w["admitted"] == 8000).all()  # 8 sample places at 1:1000, broken by the tie chain: exactly the quota
    assert (w["binds"] == "quota").all()
    assert (w["arrivals"] > 150_000).all() and (w["departures"] > 0).all()  # newcomers and leavers every year
    assert list(w["year"]) == [2024, 2025, 2026, 2027]


def test_cumulative_is_the_running_sum_and_no_quota_never_admits_fewer_in_total(before):
    _, _, out = before
    t = out.table
    for v in ("with", "without"):
        part = t[t["variant"] == v].sort_values("year")
        np.testing.assert_allclose(part["cumulative"], part["admitted"].cumsum())  # one replication
    w = t[t["variant"] == "with"].set_index("year")["cumulative"]
    wo = t[t["variant"] == "without"].set_index("year")["cumulative"]
    assert (wo >= w).all()
    assert (t.loc[t["variant"] == "without", "cutoff"] >= 100.0).all()  # the line stays: nobody below it settles
    assert (t.loc[t["variant"] == "without", "binds"] == "line").all()


def test_first_year_curve_is_the_kth_best_area_score():
    sc = scenario_at_ratio(ROOT / "scenarios" / "hangzhou-before-reform.yaml", RATIO)
    sch = load_scheme(SCHEMES / "hangzhou-2022-illustrative.yaml")
    from scoring.scenario.quota_calendar import first_year_curve

    pool = sc.starting_people()
    curve = first_year_curve(sc, sch, pool, 50_000)
    res = score(pool, sch)
    area = pool["district"].astype("string").isin(list(city_districts("all_districts"))).to_numpy(bool)
    best = np.sort(res.total_cents[res.eligible_mask & area])[::-1]
    row = curve[curve["quota"] == 50_000].iloc[0]
    assert row["cutoff"] == best[49] / 100  # 50,000 real places = the 50th best at 1:1000
    assert row["admitted"] == (best >= best[49]).sum() * RATIO
    assert row["candidates"] == len(best) * RATIO


def test_calibration_and_binds_texts_in_each_language():
    note = {"calibrated": True, "rms_error_units": 0.3167, "fit": [
        {"target": "2024 pool", "observed": 3_590_000.0, "model": 3_636_880.0, "error_units": 0.4688}]}
    zh = quota_model.calibration_text(note, "杭州市城区", "zh")
    en = quota_model.calibration_text(note, "Hangzhou city districts", "en")
    assert "3,590,000" in zh and "3,636,880" in zh and "+0.47" in zh and "2024年非户籍存量" in zh
    assert not re.search(r"[A-Za-z]{3,}", zh)
    assert "2024 stock observed 3,590,000, model 3,636,880 (error +0.47)" in en and not CJK.search(en)
    assert "未经校准" in quota_model.calibration_text({"calibrated": False}, "x", "zh")
    row = pd.Series({"binds": "quota_ties", "quota": 8000.0, "admitted": 25_804.0, "line": np.nan})
    assert quota_model.binds_text(row, "en") == "the quota, ties admitted (8,000 places, 25,804 admitted)"
    assert "cap" not in quota_model.binds_text(row, "en")
    assert quota_model.binds_text(row, "zh") == "名额，同分全录（8,000个名额，录取25,804人）"
    table = pd.DataFrame({"variant": ["with"] * 3, "binds": ["quota", "quota", "quota_ties"]})
    assert quota_model.binds_summary(table, "with", "en") == (
        "With the quota: the quota decides in 2 of 3 years; "
        "the quota decides, with ties admitted beyond its places, in 1 of 3 years")


def test_default_line_and_quota_say_where_they_come_from():
    s22 = load_scheme(SCHEMES / "hangzhou-2022-illustrative.yaml")
    s23 = load_scheme(SCHEMES / "hangzhou-2023-illustrative.yaml")
    assert quota_model.default_line(s22) == (100.0, False)  # stated, not the scheme's
    assert quota_model.default_line(s23) == (100.0, True)
    assert quota_model.default_quota(s22) == (8000, True)
    assert quota_model.default_quota(s23) == (8000, False)
    assert quota_model.scenario_file(s23.id) == "hangzhou-2023-reform.yaml"


def test_quota_figures_carry_both_variants_bands_and_the_stamp(before):
    _, _, out = before
    for lang in ("zh", "en"):
        fig = figures.quota_years(out.table, "cumulative", "t", "y", lang, "STAMP")
        names = [tr.name for tr in fig.data if tr.showlegend is not False]
        assert len(names) == 2 and fig.layout.meta["stamp"] == "STAMP"
        line = [tr for tr in fig.data if tr.mode == "lines+markers"]
        np.testing.assert_allclose(line[0].y, out.table.loc[out.table["variant"] == "with", "cumulative"])
        pool = figures.quota_pool(out.table, lang, "STAMP")
        assert len(pool.data) == 4
        curve = figures.quota_curve(out.curve, 8000, lang, "STAMP")
        assert curve.layout.xaxis.type == "log"
        texts = " ".join(str(x) for x in (fig.layout.title.text, pool.layout.title.text, curve.layout.title.text))
        assert bool(CJK.search(texts)) == (lang == "zh")


def test_first_year_steps_name_every_difference_from_the_static_count():
    """Issue 16 item 7: the model's first year without the quota follows from the static count in named steps.
    The static counts are recomputed here from the scenario's people (score, the area, the line), independently."""
    from scoring.recognition import apply_recognition

    sc = scenario_at_ratio(ROOT / "scenarios" / "hangzhou-2023-reform.yaml", RATIO)
    sch = load_scheme(SCHEMES / "hangzhou-2023-illustrative.yaml")
    out = quota_years(sc, sch, quota=8000, line=100.0, years=2, replications=1)
    steps = out.steps.iloc[0]
    pop = sc.population()
    pop = pop[pop["district"].astype("string").isin(list(city_districts("all_districts"))).to_numpy(bool)]
    counts = []
    for people in (pop, apply_recognition(pop, sc.recognition)):
        res = score(people, sch)
        counts.append(int((res.eligible_mask & (res.total_cents >= 10_000)).sum()) * RATIO)
    assert (steps["at_line"], steps["at_line_recognised"]) == tuple(counts)  # the starting pool: the cross-section
    assert steps["recognition_adds"] == counts[1] - counts[0] > 0
    first = out.table[(out.table["variant"] == "without")].sort_values("year").iloc[0]
    assert steps["applicants"] == first["applicants_at_line"] == first["admitted"] == steps["admitted"]
    assert 0 < steps["applicants"] < steps["at_line_recognised"]  # not everyone applies: the propensity


def test_hangzhou_scenarios_start_from_the_census_shaped_cross_section():
    """The decision of docs/scenarios.md (Starting pool): no burn-in; the first reported year's pool is the area's
    residents of the synthetic cross-section, the same generator as the dashboard's population."""
    from scoring.dynamics.core import simulate

    sc = scenario_at_ratio(ROOT / "scenarios" / "hangzhou-before-reform.yaml", RATIO)
    assert sc.spec.burn_in.years == 0
    kw = sc.sim_kwargs()
    kw.pop("replications")
    sim = simulate(sc.starting_people(), sc.scheme, sc.rules()[:1], sc.spec.dynamics, **kw)
    pop = sc.population()
    area = pop["district"].astype("string").isin(list(city_districts("all_districts"))).to_numpy(bool)
    assert len(sim.start) == int(area.sum())
    np.testing.assert_allclose(np.sort(sim.start["residence_years"].to_numpy(float)),
                               np.sort(pop.loc[area, "residence_years"].to_numpy(float)))
