"""Regressions from trying the product as a new user (README/docs commands, the dashboard in a browser).

Each test pins one thing a policy analyst tripped over: wording that said the opposite of what was meant,
numbers that needed an explanation, labels cut off, a traceback instead of a one-line message.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import figures_pathways
from dashboard.analysis import Headline, summary_sentence
from dashboard.i18n import t
from dashboard.i18n_pathways import banner
from scoring.population.synthetic import synth

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
SCHEME = ROOT / "scenarios" / "schemes" / "hangzhou-2023-illustrative.yaml"
N, SEED = 20_000, 3


# --- dashboard wording ------------------------------------------------------------------------------------------
def test_ineligible_outcome_names_the_condition_not_met():
    """'not eligible: holds a residence permit' read as the reason being that the person HOLDS one."""
    zh = t("status_ineligible", "zh", gate="持有杭州市居住证")
    en = t("status_ineligible", "en", gate="holds a Hangzhou residence permit")
    assert "未满足" in zh and "持有杭州市居住证" in zh
    assert "not met" in en and "holds a Hangzhou residence permit" in en


@pytest.mark.parametrize("mode", ["threshold", "quota"])
def test_summary_sentence_does_not_call_a_share_above_100_percent_a_share_of_the_points(mode):
    """The decisive share can exceed 100 %; 'make up 106.7 % of the points' is false. Uploaded data are not
    'simulated residents' either."""
    h = Headline(n_pop=200, eligible=120, admitted=50, mode=mode, quota=50 if mode == "quota" else None,
                 threshold=100.0 if mode == "threshold" else None, cutoff=100.0, line=100.0, measure="decisive",
                 share=1.067, min_share=0.5, ok=True)
    en, zh = summary_sentence(h, "en"), summary_sentence(h, "zh")
    assert "of the points" not in en and "simulated" not in en
    assert "模拟居民" not in zh
    # the share is said by the verdict words (dashboard.analysis.verdict_words): the decisive share is named as the
    # scheme's own measure, never as a share of the points
    said = t("verdict_scheme_measure", "en", measure=t("measure_decisive", "en"), value="106.7%", verdict="pass")
    assert "decisive measure: 106.7%" in said and "of the points" not in said


# --- dashboard: quota page explains an admitted count above the quota ------------------------------------------
def _app(page: str, lang: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["pop_n"] = N
    at.session_state["pop_seed"] = SEED
    at.session_state["lang"] = lang
    at.run()
    at.switch_page(f"dashboard/pages/{page}.py").run()
    return at


def test_quota_page_breaks_ties_for_a_scheme_without_a_quota():
    """hangzhou-2023 scores in whole steps with capped items, so a cut-off falls inside a block of equal scores. Its
    own tie rule is "admit all" (it has no quota); the Quota page's "with quota" variant breaks ties with the stated
    chain (an assumption, said on the page), so the quota binds at its places every year and is never called a cap;
    the first year's curve, which admits every tie, is stated beside the run's first year."""
    at = _app("quota", "en")
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    decides = " ".join(table["what decides"])
    assert "cap" not in decides
    with_quota = table[table["variant"] == "With the quota"]
    assert (with_quota["settled"] == 8_000).all()  # the tie chain: exactly the places, every year
    notes = " ".join(c.value for c in at.caption)
    assert t("qy_ties_assumed", "en").split(";")[0].strip() in notes
    # finding 18: the curve (everyone eligible applying, all ties) and the run (applicants, ties by the rule) are
    # both stated, so 8,000 places never read as two different first years without a reason
    assert "at or above it" in notes and "ties follow the rule" in notes and "8,000 admitted" in notes


# --- dashboard: pathways charts keep their stamp whole and readable --------------------------------------------
@pytest.fixture(scope="module")
def pathways_cmp():
    from scoring.pathways.comparison import compare
    from scoring.pathways.rules import load_ruleset
    from scoring.population.synth_pathways import add_pathway_attributes

    pop = add_pathway_attributes(synth(5_000, 1), 1)
    return compare(pop, load_ruleset(ROOT / "rulesets" / "before-2023.yaml"),
                   load_ruleset(ROOT / "rulesets" / "notice-2023.yaml"))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pathways_stamp_is_one_line_per_rule_set_above_the_plot(pathways_cmp, lang):
    """The stamp (two rule sets, two schemes) ran off the right edge and over the rotated route labels."""
    stamp = pathways_cmp.stamp(lang)
    lines = figures_pathways.stamp_lines(stamp, lang)
    assert len(lines) == stamp.count(" | ") + stamp.count(" ⟷ ") + 2
    assert " ".join(lines[:-1]) == stamp and lines[-1] == banner(lang)
    assert max(len(line) for line in lines) < 110  # each fits the chart's width
    fig = figures_pathways.pathway_bars(pathways_cmp.table(lang).query("pathway != 'any'"), lang, stamp)
    notes = fig.layout.annotations
    assert [a.text for a in notes] == lines
    assert all(a.y == 1 and a.yanchor == "bottom" and a.yshift > 0 for a in notes)  # above, not on the axis
    assert fig.layout.margin.t >= 80 + 14 * len(lines)


def test_pathways_bar_values_have_thousands_separators_and_are_not_clipped(pathways_cmp):
    stamp = pathways_cmp.stamp("en")
    figs = [figures_pathways.pathway_bars(pathways_cmp.table("en").query("pathway != 'any'"), "en", stamp),
            figures_pathways.marginal_bars(pathways_cmp.marginal, "en", stamp),
            figures_pathways.upset(pathways_cmp.new.combinations(), {}, "en", stamp)]
    for fig in figs:
        bars = [tr for tr in fig.data if tr.type == "bar"]
        assert bars and all(b.cliponaxis is False for b in bars)
        for b in bars:  # plotly's separators, or the text given already grouped (figures_pathways.count_label)
            values = b.y if b.orientation != "h" else b.x
            assert b.texttemplate in ("%{y:,}", "%{x:,}") or (
                b.texttemplate == "%{text}" and list(b.text) == [figures_pathways.count_label(v, "en") for v in values])
        assert fig.layout.separators == ".,"


# --- command line ---------------------------------------------------------------------------------------------
def _cli(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scoring", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, **kw)


def test_output_piped_into_head_gives_no_traceback():
    """`python -m scoring ... --json | head -c 100` printed a BrokenPipeError traceback."""
    proc = subprocess.Popen([sys.executable, "-m", "scoring", "admit", "--scheme", str(SCHEME), "--population",
                             "data/sample_extract_gb18030.csv", "--json"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    proc.stdout.close()  # the reader is gone before the command writes its result
    err = proc.stderr.read()
    proc.wait(timeout=300)
    assert "Traceback" not in err and "BrokenPipe" not in err, err
    assert proc.returncode == 1


def test_run_prints_its_summary_on_stdout_with_thousands_separators(tmp_path):
    """The summary of `run` went to stderr (lost by `> summary.txt`) as '14662' instead of '14,662'."""
    proc = _cli("run", "scenarios/hangzhou-2023-reform.yaml", "--out", str(tmp_path / "r"), "--no-progress",
                "--no-quota-question", "--lang", "en")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert lines[0].startswith("hangzhou-2023-reform ·") and "simulation" in lines[0]
    import json

    total = json.loads((tmp_path / "r" / "summary.json").read_text(encoding="utf-8"))["totals"]["admitted_total"]
    assert f"admitted over 10 year(s): {total:,.0f};" in lines[1]
    assert "," in f"{total:,.0f}"  # the check above really tests a separator (thousands of people admitted)


def test_run_explains_first_year_against_yearly_zero(tmp_path):
    """Finding 2: `first_year.admitted` (static: every eligible resident applies) and `yearly[0].admitted` (the
    model: those who apply) are one figure each of `first_year_steps`, printed in one line."""
    import json

    proc = _cli("run", "scenarios/hangzhou-2023-reform.yaml", "--out", str(tmp_path / "r"), "--no-progress",
                "--no-quota-question", "--lang", "en")
    assert proc.returncode == 0, proc.stderr
    s = json.loads((tmp_path / "r" / "summary.json").read_text(encoding="utf-8"))
    steps = s["first_year_steps"]
    assert steps["static_admitted"] == s["first_year"]["admitted"]
    assert steps["admitted"] == s["yearly"][0]["admitted"] == steps["applicants_at_line"]  # a line, no quota
    assert steps["without_recognition"] + steps["recognition_adds"] == steps["static_admitted"]
    assert steps["recognition_adds"] > 0 and steps["admitted"] < steps["static_admitted"]
    line = next(x for x in proc.stdout.splitlines() if x.startswith("first year 2024:"))
    for n in ("static_admitted", "recognition_adds", "admitted"):
        assert f"{steps[n]:,.0f}" in line


def test_compare_table_is_rounded_for_people():
    import pandas as pd

    from scoring.cli.scenario import readable

    frame = pd.DataFrame({"scenario": ["a", "b"], "first_year_cutoff": [116.4166, np.nan],
                          "admitted_total": [14661.666667, 4000.0], "wait_mean": [2.978133, 2.381167],
                          "pool_final": [12686, 20362]})
    out = readable(frame)
    assert out.to_dict("list") == {"scenario": ["a", "b"], "first_year_cutoff": ["116.42", "—"],
                                   "admitted_total": ["14,662", "4,000"], "wait_mean": ["3.0", "2.4"],
                                   "pool_final": ["12,686", "20,362"]}


def test_pathways_text_tables_are_readable() -> None:
    import pandas as pd

    from scoring.cli.pathways import readable

    frame = pd.DataFrame({"qualify": [12345], "share": [0.1848], "enabled": [True], "label": ["x"]})
    row = readable(frame).iloc[0]
    assert (row["qualify"], row["share"], row["enabled"], row["label"]) == ("12,345", "18.5%", "✓", "x")
