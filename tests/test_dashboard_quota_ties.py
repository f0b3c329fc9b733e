"""The Quota page's quota variant for a scheme without a quota of its own: ties broken by the phase-out scenario's
chain (stated as an assumption), so a quota of N places admits about N; and the first-year note (Findings 1, 2)."""

from __future__ import annotations

import pandas as pd

import scoring
from dashboard import quota_model
from dashboard.i18n import fmt_int, t
from scoring.scenario.quota_calendar import QuotaYears, scenario_at_ratio

SCHEMES = quota_model.SCENARIO_DIR / "schemes"


def _scheme(sid: str):
    return scoring.load_scheme(SCHEMES / f"{sid}.yaml")


def test_quota_less_scheme_uses_the_phaseout_scenarios_tie_chain():
    """The chain is the phase-out scenario's (read independently through the scenario loader); schemes with their
    own quota keep their own rule. The page's sentence names insurance years then a lottery: the file must agree."""
    chain = quota_model.quota_ties(_scheme("hangzhou-2023-illustrative"))
    sc = scenario_at_ratio(quota_model.SCENARIO_DIR / quota_model.TIES_SCENARIO, quota_model.DEFAULT_RATIO)
    first_quota_year = next(r for r in sc.rules() if r.quota is not None)
    assert chain == first_quota_year.ties or chain == [k.model_dump(exclude_none=True) for k in first_quota_year.ties]
    assert [k.get("column") for k in chain] == ["insurance_years", None] and chain[0]["order"] == "desc"
    assert "lottery" in chain[-1]
    for sid in ("hangzhou-2022-illustrative", "beijing-2020"):
        assert quota_model.quota_ties(_scheme(sid)) is None
        assert quota_model.ties_note(_scheme(sid), "zh") is None
    for lang in ("zh", "en"):
        assert quota_model.ties_note(_scheme("hangzhou-2023-illustrative"), lang) == t("qy_ties_assumed", lang)
    assert "hangzhou-quota-phaseout" in t("qy_ties_assumed", "zh") and "假设" in t("qy_ties_assumed", "zh")


def test_quota_variant_admits_about_its_places_for_the_2023_scheme():
    """8,000 places a year admit 8,000 (within one simulated person) with the tie chain, not the ~270,000 that
    admitting all ties at 130 points gave; the variant without a quota is untouched (its line binds)."""
    sch = _scheme("hangzhou-2023-illustrative")
    scenario, quota, line = quota_model.defaults(sch)
    out = quota_model.run("test-ties", sch, scenario, quota, line, 2, quota_model.DEFAULT_RATIO, 1)
    with_q = out.table[out.table["variant"] == "with"]
    assert quota == 8000
    assert ((with_q["admitted"] - quota).abs() <= quota_model.DEFAULT_RATIO).all()
    assert (with_q["binds"] == "quota").all()
    without = out.table[out.table["variant"] == "without"]
    assert (without["admitted"] > 10 * quota).all()


def test_start_note_gives_the_models_first_year_and_its_steps():
    """Finding 2: the Quota page says its first year is the Overview's figure and, without the quota, how it follows
    from the static count (eligible at the line, recognition, applicants), each a named number."""
    table = pd.DataFrame({"variant": ["with", "with", "without", "without"], "year": [2024, 2025, 2024, 2025],
                          "admitted": [8000.0, 8000.0, 739500.0, 300000.0]})
    steps = pd.DataFrame([{"year": 2024, "line": 100.0, "eligible": 2_212_200.0, "at_line": 757_200.0,
                           "at_line_recognised": 854_000.0, "recognition_adds": 96_800.0, "applicants": 739_500.0,
                           "admitted": 739_500.0}])
    sch = _scheme("hangzhou-2023-illustrative")  # no quota: its own rule is the variant without one
    out = QuotaYears(table, pd.DataFrame(), 200.0, 2, steps)
    for lang in ("zh", "en"):
        note = quota_model.start_note(sch, out, lang)
        for n in (739_500, 757_200, 96_800, 854_000):
            assert fmt_int(n) in note
    before = quota_model.start_note(_scheme("hangzhou-2022-illustrative"), out, "en")
    assert fmt_int(8000) in before and fmt_int(757_200) not in before  # the quota variant: no line steps


def test_the_overview_claim_only_for_the_overviews_own_runs():
    """The Quota page says "the figure on the Overview" only for an unedited shipped before/after scheme at the
    Quota page's defaults (the runs the Overview reads), never for another scheme or other settings."""
    from dashboard import state

    texts = state.shipped_scheme_texts()
    for sid in quota_model.OVERVIEW_SCHEMES:
        sch = _scheme(sid)
        _, quota, line = quota_model.defaults(sch)
        args = (quota, line, quota_model.OVERVIEW_YEARS, quota_model.DEFAULT_RATIO)
        assert quota_model.on_overview(texts[sid], sch, *args)
        assert not quota_model.on_overview(texts[sid], sch, quota + 1000, *args[1:])
        assert not quota_model.on_overview(texts[sid], sch, *args[:2], 5, args[3])
        assert not quota_model.on_overview(texts[sid] + "\n# edited\n", sch, *args)
    bj = _scheme("beijing-2020")
    assert not quota_model.on_overview(texts["beijing-2020"], bj, 6000, 100.0, 10, 200)
