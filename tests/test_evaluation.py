"""One Evaluation (score + admit + dominance) against the three separate calls; admission mode none; the what-if
search against a brute-force search scored by the slow row-by-row reference."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference import ref_score
from test_admission import scored

import scoring
from scoring.admission import admit
from scoring.dominance import NO_LINE_NOTE, dominance
from scoring.errors import ScoringInputError
from scoring.evaluation import evaluate, evaluate_scored, quota_full
from scoring.population.synthetic import synth
from scoring.scheme.load import AdmissionRule, scheme_from_dict
from scoring.whatif import MAX_MONTHS, PAIR, flip_changes, is_strict, standing

SETTINGS = settings(max_examples=int(os.environ.get("DEEP_EXAMPLES", 60)), deadline=None)
SCHEMES = "scenarios/schemes"
HZ22 = scoring.load_scheme(f"{SCHEMES}/hangzhou-2022-illustrative.yaml")
HZ23 = scoring.load_scheme(f"{SCHEMES}/hangzhou-2023-illustrative.yaml")
BJ20 = scoring.load_scheme(f"{SCHEMES}/beijing-2020.yaml")


@pytest.fixture(scope="module")
def pop() -> pd.DataFrame:
    return synth(4000, 11)


def _same(ev: Any, res: Any, adm: Any, dom: Any) -> None:
    np.testing.assert_array_equal(ev.res.total_cents, res.total_cents)
    np.testing.assert_array_equal(ev.res.eligible_mask, res.eligible_mask)
    if adm is None:
        assert ev.adm is None and not ev.admitted_mask.any()
    else:
        np.testing.assert_array_equal(ev.adm.admitted_mask, adm.admitted_mask)
        assert ev.adm.summary() == adm.summary()
    assert ev.dom.to_dict() == dom.to_dict()


@pytest.mark.parametrize("scheme", [HZ22, HZ23, BJ20], ids=lambda s: s.id)
def test_evaluation_is_the_three_calls_under_the_schemes_rule(pop: pd.DataFrame, scheme: Any) -> None:
    res = scoring.score(pop, scheme)
    adm = scoring.admit(res)
    ev = evaluate(pop, scheme)
    _same(ev, res, adm, scoring.dominance(res, scheme, admitted=adm))
    assert ev.scheme is scheme and ev.name == scheme.id
    expected_line = adm.threshold if adm.rule.mode == "threshold" else adm.cutoff
    assert ev.line == expected_line


@pytest.mark.parametrize("kwargs", [{"quota": 300, "ties": "admit_all"}, {"threshold": 95.0},
                                    {"quota": 120, "threshold": 90.0,
                                     "ties": [{"column": "insurance_years", "order": "desc"}, {"lottery": 7}]}])
def test_evaluation_with_an_explicit_rule_and_candidates(pop: pd.DataFrame, kwargs: dict[str, Any]) -> None:
    cand = (np.arange(len(pop)) % 3) != 0
    res = scoring.score(pop, HZ23)
    adm = scoring.admit(res, candidates=cand, **kwargs)
    ev = evaluate(pop, HZ23, candidates=cand, label="x", **kwargs)
    _same(ev, res, adm, dominance(res, HZ23, admitted=adm))
    assert ev.name == "x"


def test_evaluation_without_a_rule(pop: pd.DataFrame) -> None:
    data = HZ23.to_dict()
    data.pop("admission")
    bare = scheme_from_dict(data, "no rule")
    res = scoring.score(pop, bare)
    ev = evaluate(pop, bare)
    _same(ev, res, None, dominance(res, bare))
    assert ev.line is None
    with pytest.raises(ScoringInputError, match="no admission rule"):
        evaluate(pop, bare, require_rule=True)
    assert evaluate(pop, HZ23, admission=False).adm is None


totals = st.lists(st.integers(-500, 20_000), min_size=0, max_size=60)


@SETTINGS
@given(totals, st.data())
def test_mode_none_admits_every_eligible_candidate(cents: list[int], data: st.DataObject) -> None:
    n = len(cents)
    eligible = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    cand = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    res = scored(np.array(cents, dtype=np.int64), eligible)
    for candidates in (None, cand):
        pool = eligible if candidates is None else eligible & candidates
        adm = admit(res, mode="none", candidates=candidates)
        np.testing.assert_array_equal(adm.admitted_mask, pool)
        expected = int(res.total_cents[pool].min()) if pool.any() else None
        assert adm.cutoff_cents == expected
        assert adm.tied_at_cutoff == (int((res.total_cents[pool] == expected).sum()) if pool.any() else 0)
        assert adm.quota is None and adm.threshold is None and adm.summary()["mode"] == "none"
        assert adm.candidates == int(pool.sum()) and adm.decided_by_tiebreak == 0
        # what it replaces: a quota of exactly the number of eligible candidates
        emulated = admit(res, quota=int(pool.sum()), ties="admit_all", candidates=candidates)
        np.testing.assert_array_equal(adm.admitted_mask, emulated.admitted_mask)
        assert adm.cutoff_cents == emulated.cutoff_cents and adm.tied_at_cutoff == emulated.tied_at_cutoff


def test_mode_none_in_a_scheme_and_its_errors(pop: pd.DataFrame) -> None:
    data = HZ23.to_dict()
    data["admission"] = {"mode": "none"}
    open_door = scheme_from_dict(data, "none")
    ev = evaluate(pop, open_door)
    np.testing.assert_array_equal(ev.admitted_mask, ev.res.eligible_mask)
    assert ev.line == ev.res.total_cents[ev.res.eligible_mask].min() / 100.0
    assert NO_LINE_NOTE in ev.dom.warnings  # nobody eligible is turned away, so no line decides
    with pytest.raises(ValueError, match="mode none takes no quota"):
        AdmissionRule.model_validate({"mode": "none", "quota": 5})
    with pytest.raises(ScoringInputError, match="takes no quota"):
        evaluate(pop, HZ23, mode="none", threshold=100.0)
    with pytest.raises(ScoringInputError, match="only 'none'"):
        evaluate(pop, HZ23, mode="quota")
    assert not is_strict(ev.adm.rule)


rules = st.one_of(
    st.fixed_dictionaries({"threshold": st.integers(-100, 400).map(lambda c: c / 100.0)}),
    st.fixed_dictionaries({"quota": st.integers(0, 12)}),
    st.fixed_dictionaries({"quota": st.integers(0, 12), "threshold": st.integers(-100, 400).map(lambda c: c / 100.0)}),
)


@SETTINGS
@given(st.lists(st.integers(-200, 500).map(lambda c: c - c % 50), min_size=0, max_size=12), st.data(), rules)
def test_the_line_is_the_score_a_newcomer_needs(cents: list[int], data: st.DataObject, rule: dict[str, Any]) -> None:
    """One meaning of the line (threshold, quota or both): a newcomer scoring s is admitted exactly when s >= line,
    checked by adding them and admitting again; where no line decides (a quota with room) it is the cut-off."""
    n = len(cents)
    eligible = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    res = scored(np.array(cents, dtype=np.int64), eligible)
    ev = evaluate_scored(res, ties="admit_all", **rule)
    assert ev.adm is not None and not ev.line_strict  # ties admitted: someone at the line is sure to be in
    if ev.adm.rule.mode == "quota" and not quota_full(ev.adm):  # every eligible candidate is in: no line decides
        assert ev.line == ev.adm.cutoff
        return
    line_c = None if ev.line is None else int(round(ev.line * 100))
    probes = {-300, 600, *cents, *(c - 1 for c in cents), *(c + 1 for c in cents)}
    if ev.adm.threshold is not None:
        th = int(round(ev.adm.threshold * 100))
        probes |= {th - 1, th, th + 1}
    for s in sorted(probes):
        added = admit(scored(np.array([*cents, s], dtype=np.int64), np.append(eligible, True)), ties="admit_all",
                      **rule)
        assert bool(added.admitted_mask[-1]) == (line_c is not None and s >= line_c), (s, ev.line)
    if ev.adm.rule.mode == "both":  # max(threshold, cut-off) when the quota is full, the threshold when it has room
        full = ev.adm.candidates >= ev.adm.quota
        assert ev.line == (ev.adm.cutoff if full else ev.adm.threshold)
        assert ev.line is None or ev.line >= ev.adm.threshold


def test_a_chain_makes_the_line_strict_only_where_it_is_a_cut_off() -> None:
    chain = [{"lottery": 3}]
    res = scored(np.array([100_00, 120_00, 130_00, 90_00], dtype=np.int64))
    room = evaluate_scored(res, quota=5, threshold=95.0, ties=chain)  # 3 candidates, 5 places: the threshold
    assert (room.line, room.line_strict) == (95.0, False)
    full = evaluate_scored(res, quota=2, threshold=95.0, ties=chain)  # 3 candidates, 2 places: the cut-off
    assert (full.line, full.line_strict) == (120.0, True)
    assert evaluate_scored(res, quota=2, ties=chain).line_strict
    assert not evaluate_scored(res, threshold=95.0).line_strict


# ---------------------------------------------------------------------------------------------------------------
def _ref_status(frame: pd.DataFrame, scheme: Any, line: float, strict: bool) -> tuple[np.ndarray, np.ndarray]:
    """(in at the line, total in points) of every row, by the row-by-row reference scorer."""
    ref = ref_score(frame, scheme)
    assert len(ref.positions) == len(frame)
    total = np.array(ref.total, dtype=np.int64)
    line_c = int(round(line * 100))
    above = total > line_c if strict else total >= line_c
    return np.array(ref.eligible, dtype=bool) & above, total / 100.0


def _brute_force(row: pd.DataFrame, scheme: Any, line: float, strict: bool) -> dict[tuple[str, str], tuple]:
    """The first flipping variant of each kind, found one kind at a time (months up or down, both years, every
    other category, the other yes/no value)."""
    now = _ref_status(row, scheme, line, strict)[0][0]
    direction = -1 if now else 1
    out: dict[tuple[str, str], tuple] = {}

    def first(kind: str, column: str, amounts: list, changes: list[dict]) -> None:
        if not changes:
            return
        frame = row.iloc[np.zeros(len(changes), dtype=np.int64)].reset_index(drop=True)
        for col in {c for ch in changes for c in ch}:
            values = [ch[col] for ch in changes]
            dtype = row[col].dtype
            if isinstance(dtype, pd.CategoricalDtype):
                frame[col] = pd.Categorical(values, categories=dtype.categories)
            elif dtype.kind == "b":
                frame[col] = np.array(values, dtype=bool)
            else:
                frame[col] = np.array(values, dtype=np.float64)
        status, total = _ref_status(frame, scheme, line, strict)
        hits = np.flatnonzero(status != now)
        if hits.size:
            out[(kind, column)] = (amounts[hits[0]], total[hits[0]])

    months_cols = [i.column for i in scheme.items if i.kind == "per_unit" and (i.points_per_unit or 0) > 0]
    if direction > 0:
        months_cols += [g.column for g in scheme.eligibility if g.min is not None]
    for col in dict.fromkeys(months_cols):
        base = float(row[col].iloc[0])
        ms = [m for m in range(1, MAX_MONTHS + 1) if base + direction * m / 12.0 >= 0]
        first("months", col, ms, [{col: base + direction * m / 12.0} for m in ms])
    if direction > 0:
        bases = {c: float(row[c].iloc[0]) for c in PAIR}
        ms = list(range(1, MAX_MONTHS + 1))
        first("both", "+".join(PAIR), ms, [{c: bases[c] + m / 12.0 for c in PAIR} for m in ms])
    for item in scheme.items:
        if item.kind == "category":
            others = [v for v in row[item.column].cat.categories if str(v) != str(row[item.column].iloc[0])]
            for v in others:  # the first other category (in category order) that flips
                first("set", item.column, [v], [{item.column: v}])
                if ("set", item.column) in out:
                    break
        elif item.kind == "flag":
            flipped = not bool(row[item.column].iloc[0])
            first("set", item.column, [flipped], [{item.column: flipped}])
    for gate in scheme.eligibility:
        if isinstance(gate.equals, bool) and bool(row[gate.column].iloc[0]) != gate.equals:
            first("set", gate.column, [gate.equals], [{gate.column: gate.equals}])
    return out


@pytest.mark.parametrize("scheme,line,strict", [(HZ23, 100.0, False), (HZ22, 95.5, True), (HZ23, 60.0, False)],
                         ids=["hz23-line100", "hz22-strict", "hz23-line60"])
def test_whatif_search_against_brute_force(scheme: Any, line: float, strict: bool) -> None:
    people = synth(400, 21)
    res = scoring.score(people, scheme)
    gap = np.abs(res.total_cents - int(line * 100))
    picks = [int(np.argmin(gap)), int(np.argmax(res.total_cents)), int(np.argmin(res.total_cents)),
             int(np.flatnonzero(~res.eligible_mask)[0]), int(np.flatnonzero(res.eligible_mask)[3])]
    kinds = set()
    for pos in picks:
        row = people.iloc[[pos]]
        expected = _brute_force(row, scheme, line, strict)
        kinds |= {k for k, _ in expected}
        got = flip_changes(row, scheme, line, strict)
        found = {(k, c): (a, t) for k, c, a, t in got.itertuples(index=False)}
        assert set(found) == set(expected), (pos, found, expected)
        for key, (amount, total) in expected.items():
            assert str(found[key][0]) == str(amount) and found[key][1] == pytest.approx(total, abs=1e-9), key
        now = standing(row, scheme, line, strict)
        ref_in, ref_total = _ref_status(row, scheme, line, strict)
        assert now.admitted == bool(ref_in[0]) and now.total == pytest.approx(ref_total[0], abs=1e-9)
        assert now.distance == round(now.total - line, 2)
    assert len(kinds) >= 2  # the cases exercise more than one kind of change


def test_whatif_command_is_the_library_search(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from scoring.cli import main

    people = synth(300, 4)
    path = tmp_path / "p.parquet"
    people.to_parquet(path)
    res = scoring.score(people, HZ23)
    pos = int(np.argmin(np.abs(res.total_cents - 100_00) + np.where(res.eligible_mask, 0, 10**9)))
    pid = str(people["person_id"].iloc[pos])
    assert main(["whatif", "--scheme", f"{SCHEMES}/hangzhou-2023-illustrative.yaml", "--population", str(path),
                 "--person", pid, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    row = people.iloc[[pos]]
    expected = flip_changes(row, HZ23, 100.0, False)
    assert out["line"] == 100.0 and out["total"] == standing(row, HZ23, 100.0).total
    assert [(c["kind"], c["column"], str(c["amount"])) for c in out["changes"]] == \
        [(k, c, str(a)) for k, c, a, _ in expected.itertuples(index=False)]
    assert main(["whatif", "--scheme", f"{SCHEMES}/hangzhou-2023-illustrative.yaml", "--population", str(path),
                 "--person", "nobody", "--lang", "en"]) == 2
    assert capsys.readouterr().err.startswith("error: --person 'nobody'")
