"""Issue 16 item 7: the same rule gives the same number on every page. The points route is for residents of
杭州市城区 (notice 一(二)); Overview, Compare, Pathways and Quota all count them, and report the same admitted count
and (where the people are the same) the same cut-off for the same scheme and quota."""

from __future__ import annotations

from pathlib import Path

import pytest
from dashboard_helpers import SEED, N, admit_real, app, metrics, ok, people, route, visit

import scoring
from dashboard import quota_model, scale
from dashboard.i18n import fmt_int, fmt_points, t
from dashboard.pages.pathways import _fill, rule_files, scaled
from scoring.pathways.comparison import compare
from scoring.pathways.rules import load_ruleset
from scoring.population.synthetic import synth

ROOT = Path(__file__).resolve().parent.parent
OLD = "hangzhou-2022-illustrative"  # a quota of 8,000 real places
OLD_SCHEME = ROOT / "scenarios" / "schemes" / f"{OLD}.yaml"


@pytest.fixture(scope="module")
def reference():
    """The library's own figures on the area's residents (scoring.population.area), the quota in real places."""
    res = scoring.score(route(synth(N, SEED)), scoring.load_scheme(OLD_SCHEME))
    adm = admit_real(res)
    everyone = admit_real(scoring.score(synth(N, SEED), scoring.load_scheme(OLD_SCHEME)))
    return res, adm, everyone


@pytest.fixture(scope="module")
def pages():
    """What Overview and Compare show for the 2022 scheme (one session, English view)."""
    at = app("overview", "en")
    at.sidebar.selectbox(key="scheme_choice").set_value(OLD).run()
    ok(at)
    overview = metrics(at)
    visit(at, "compare")
    ok(at)
    table = at.dataframe[0].value  # the headline table, one row per compared scheme
    return overview, table.loc[scoring.load_scheme(OLD_SCHEME).title.get("en")]  # rows named by scheme title


def test_overview_and_compare_count_the_area_residents(reference, pages):
    res, adm, everyone = reference
    overview, compare_row = pages
    quota = scoring.load_scheme(OLD_SCHEME).admission.quota
    assert adm.admitted_count == pytest.approx(quota * N / scale.SYNTH_REPRESENTS, abs=2)  # the quota binds
    for shown in (overview["eligible"], compare_row[t("eligible", "en")]):
        assert shown == fmt_int(people(int(res.eligible_mask.sum())))
    for shown in (overview["admitted"], compare_row[t("admitted", "en")]):
        assert shown == fmt_int(people(adm.admitted_count))
    for shown in (overview["cut-off score"], compare_row[t("cutoff", "en")]):
        assert shown == fmt_points(adm.cutoff)
    assert everyone.cutoff != adm.cutoff  # counting everyone would give another line: the test tells them apart


def test_pathways_points_route_gives_the_same_number(reference, pages):
    _, adm, _ = reference
    overview, _ = pages
    files = rule_files()
    pop, _ = _fill(synth(N, SEED), 7)
    cmp = compare(pop, load_ruleset(files["before-2023.yaml"]), load_ruleset(files["notice-2023.yaml"]))
    ratio = scale.for_population(f"synth:{N}:{SEED}", N).ratio
    table = scaled(cmp.table("en"), ratio)  # what the page shows, in real people
    points_old = int(table.loc[table["pathway"] == "points", "old"].iloc[0])
    assert fmt_int(points_old) == overview["admitted"]
    assert fmt_points(cmp.old.points["points"].admission.cutoff) == overview["cut-off score"] == fmt_points(adm.cutoff)


def test_quota_page_admits_the_same_number_in_its_first_year(pages):
    overview, _ = pages
    sch = scoring.load_scheme(OLD_SCHEME)
    scenario, quota, line = quota_model.defaults(sch)
    out = quota_model.run("test-area", sch, scenario, quota, line, 2, 400, 1)  # its own area-only queue model
    first = out.table[(out.table["variant"] == "with")].sort_values("year").iloc[0]
    assert first["binds"] == "quota"  # the places are filled, so the count is the quota's
    assert fmt_int(first["admitted"]) == overview["admitted"] == fmt_int(quota)


def test_the_scale_note_states_the_area_once(pages):
    at = app("overview", "zh")
    notes = [c.value for c in at.caption if "杭州市城区" in c.value and "积分落户只适用于" in c.value]
    assert len(notes) == 1
    n_area = len(route(synth(N, SEED)))
    assert fmt_int(people(n_area)) in notes[0]


def test_person_page_says_someone_outside_the_area_is_not_on_the_points_route():
    from scoring.population.area import in_city_districts

    pop = synth(N, SEED)
    outside = str(pop.loc[~in_city_districts(pop["district"]), "person_id"].iloc[0])
    at = app("person", "en")
    at.text_input(key="person_pid").set_value(outside).run()
    assert not at.exception
    assert at.error and "does not live in the Hangzhou city districts" in at.error[0].value
    at.text_input(key="person_pid").set_value("nobody").run()
    assert at.error and t("person_not_found", "en", pid="nobody") in at.error[0].value
