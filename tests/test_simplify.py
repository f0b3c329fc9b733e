"""Simplification: exhaustive search against a slow reference on the engine, and greedy against exhaustive."""

from __future__ import annotations

import itertools

import pytest
from popgen import make_population

import scoring
from scoring.errors import ScoringInputError
from scoring.scheme.load import merge_scheme_dicts, scheme_from_dict
from scoring.tuning.simplification import simplify


def _reference(scheme: scoring.Scheme, pop, droppable: list[str]) -> dict[int, int]:  # type: ignore[no-untyped-def]
    """Best number of changed admissions per number dropped, by re-scoring each smaller scheme with the engine."""
    base = scoring.admit(scoring.score(pop, scheme))
    count = base.admitted_count
    best: dict[int, int] = {}
    for k in range(1, len(droppable) + 1):
        for combo in itertools.combinations(droppable, k):
            data = merge_scheme_dicts(scheme.to_dict(), {"items": [{"id": i, "remove": True} for i in combo]})
            used = {i["group"] for i in data["items"]}
            data["groups"] = {g: r for g, r in data.get("groups", {}).items() if g in used}
            res = scoring.score(pop, scheme_from_dict(data))
            adm = scoring.admit(res, quota=count)
            changed = int((adm.admitted_mask != base.admitted_mask).sum())
            best[k] = min(best.get(k, changed), changed)
    return best


@pytest.mark.parametrize("name", ["beijing-2020", "hangzhou-2022-illustrative"])
def test_exhaustive_matches_the_engine_reference(name: str) -> None:
    pop = make_population(8_000, 3)
    scheme = scoring.load_scheme(f"scenarios/schemes/{name}.yaml")
    keep = [i.id for i in scheme.items if i.group in ("residence", "insurance")] + ["education", "age"]
    res = simplify(scheme, pop, keep=keep, method="exhaustive")
    ref = _reference(scheme, pop, res.droppable)
    assert {len(r.items): r.changed for r in res.best} == ref
    assert [r.changed for r in res.singles] == sorted(r.changed for r in res.singles)


def test_greedy_never_beats_exhaustive() -> None:
    pop = make_population(8_000, 5)
    scheme = scoring.load_scheme("scenarios/schemes/beijing-2020.yaml")
    ex = simplify(scheme, pop, method="exhaustive")
    gr = simplify(scheme, pop, method="greedy")
    assert len(ex.best) == len(gr.best) == len(ex.droppable)
    for e, g in zip(ex.best, gr.best, strict=True):
        assert e.changed <= g.changed
    assert gr.best[0] == ex.singles[0] and set(ex.best[-1].items) == set(ex.droppable)
    assert gr.evaluated < ex.evaluated


def test_hold_rule_and_bad_inputs() -> None:
    pop = make_population(4_000, 6)
    scheme = scoring.load_scheme("scenarios/schemes/hangzhou-2023-illustrative.yaml")
    res = simplify(scheme, pop, hold="rule")
    drop_edu = next(r for r in res.singles if r.items == ("education",))
    assert drop_edu.entered == 0 and drop_edu.left > 0  # fewer points, same 100-point line: only people leave
    with pytest.raises(ScoringInputError, match="hold"):
        simplify(scheme, pop, hold="all")
    with pytest.raises(ScoringInputError, match="keep"):
        simplify(scheme, pop, keep=["nope"])
