"""Property tests: random schemes x random populations, the vectorised engine against the row-by-row reference."""

from __future__ import annotations

import itertools
import os
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference import ref_score

import scoring.engine.core as engine
from scoring import score
from scoring.scheme.load import scheme_from_dict

NUMERIC = ["x0", "x1", "x2", "x3"]
CATS = ["a", "b", "c", "d"]
SETTINGS = settings(
    max_examples=int(os.environ.get("DEEP_EXAMPLES", 60)), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def make_pop(n: int, seed: int, nan_rate: float = 0.0) -> pd.DataFrame:
    """Columns of several styles: float32 months, float64 years, small ints, text categories, booleans."""
    rng = np.random.default_rng(seed)
    months = rng.integers(0, 480, n)
    pop = pd.DataFrame({
        "x0": (months / 12).astype(np.float32),
        "x1": np.round(rng.uniform(0, 40, n), rng.integers(0, 4)),
        "x2": rng.integers(0, 15, n).astype(np.uint8),
        "x3": rng.choice([-2.0, -0.5, 0.0, 0.25, 1.5, 3.0, 7.75, 12.0], n),
        "c": pd.Categorical(rng.choice([*CATS, "zz"], n), categories=[*CATS, "zz"]),
        "f": rng.uniform(0, 1, n) < 0.4,
        "x4": (rng.integers(0, 60, n) / 10 + rng.choice([0.0, 0.09], n)).astype(np.float32),  # 6.99 as float32
    })
    if nan_rate:
        for col in ("x0", "x1"):
            pop.loc[rng.uniform(0, 1, n) < nan_rate, col] = np.nan
        pop.loc[rng.uniform(0, 1, n) < nan_rate / 2, "x1"] = rng.choice([np.inf, -np.inf])
    return pop


halves = st.integers(-20, 40).map(lambda k: k / 2)
quarters_pos = st.integers(1, 24).map(lambda k: k / 4)


@st.composite
def over(draw: Any, depth: int = 0) -> dict[str, Any]:
    """A min_of / max_of over numeric columns, sometimes nested (float32, float64, uint8, bool mixed)."""
    parts: list[Any] = draw(st.lists(st.sampled_from([*NUMERIC, "x4", "f"]), min_size=1, max_size=3))
    if depth == 0 and draw(st.booleans()):
        parts.append(draw(over(depth=1)))
    return {draw(st.sampled_from(["min_of", "max_of"])): parts}


@st.composite
def conditions(draw: Any, depth: int = 0) -> dict[str, Any]:
    """A gate/when condition: equals, in, min, max, above, below on numeric, boolean or category columns, or on a
    min_of/max_of; or all_of / any_of / not over conditions (two levels at most)."""
    kind = draw(st.sampled_from(["num", "bool", "cat", "decimal", "over", "tree"] if depth < 2 else
                                ["num", "bool", "cat", "decimal", "over"]))
    if kind == "tree":
        form = draw(st.sampled_from(["all_of", "any_of", "not"]))
        if form == "not":
            return {"not": draw(conditions(depth=depth + 1))}
        return {form: draw(st.lists(conditions(depth=depth + 1), min_size=1, max_size=3))}
    if kind == "over":
        cond = draw(over())
        lo, hi = draw(st.none() | halves), draw(st.none() | halves)
        if lo is None and hi is None:
            cond["equals"] = draw(st.integers(0, 5))
            return cond
        if lo is not None and hi is not None and lo > hi:
            lo, hi = hi, lo
        if lo is not None:
            cond[draw(st.sampled_from(["min", "above"]))] = lo
        if hi is not None:
            cond[draw(st.sampled_from(["max", "below"]))] = hi
        if {"above", "below"} & set(cond) and lo is not None and hi is not None and lo == hi:
            cond.pop("below", None)
            cond.pop("above", None)
            cond.setdefault("min", lo)
        return cond
    if kind == "decimal":  # thresholds on the float32 column's own grid: compared in float32
        grid = st.integers(0, 60).map(lambda k: k / 10) | st.integers(0, 60).map(lambda k: round(k / 10 + 0.09, 2))
        part = draw(st.sampled_from(["min", "max", "equals", "above", "below"]))
        return {"column": "x4", part: draw(grid)}
    if kind == "decimal":  # thresholds on the float32 column's own grid: compared in float32
        grid = st.integers(0, 60).map(lambda k: k / 10) | st.integers(0, 60).map(lambda k: round(k / 10 + 0.09, 2))
        part = draw(st.sampled_from(["min", "max", "equals"]))
        return {"column": "x4", part: draw(grid)}
    if kind == "bool":
        return {"column": "f", "equals": draw(st.booleans())}
    if kind == "cat":
        if draw(st.booleans()):
            return {"column": "c", "equals": draw(st.sampled_from([*CATS, "zz", "nope"]))}
        return {"column": "c", "in": draw(st.lists(st.sampled_from([*CATS, "nope"]), min_size=1, max_size=3))}
    cond: dict[str, Any] = {"column": draw(st.sampled_from(NUMERIC))}
    lo = draw(st.none() | halves)
    hi = draw(st.none() | halves)
    if lo is not None and hi is not None and lo > hi:
        lo, hi = hi, lo
    if lo is None and hi is None:
        if draw(st.booleans()):
            cond["in"] = draw(st.lists(st.integers(0, 14), min_size=1, max_size=4))
        else:
            cond["equals"] = draw(st.integers(0, 5))
    strict = draw(st.booleans()) and not (lo is not None and hi is not None and lo == hi)
    if lo is not None:
        cond["above" if strict else "min"] = lo
    if hi is not None:
        cond["below" if strict else "max"] = hi
    return cond


@st.composite
def items(draw: Any, n: int, monotone: bool = False) -> dict[str, Any]:
    """One item of any kind, with its options."""
    kinds = ["per_unit"] if monotone else ["per_unit", "per_unit", "category", "bands", "flag"]
    kind = draw(st.sampled_from(kinds))
    item: dict[str, Any] = {"id": f"i{n}", "kind": kind, "group": draw(st.sampled_from(["g0", "g1", "g2", "g3"]))}
    if kind == "per_unit":
        source = draw(st.sampled_from(["column", "columns", "over"]))
        if source == "column":
            item["column"] = draw(st.sampled_from(NUMERIC[:3] if monotone else NUMERIC))
        elif source == "over":
            item.update(draw(over()))
        else:
            cols = draw(st.lists(st.sampled_from(NUMERIC[:3]), min_size=1, max_size=3, unique=True))
            item["columns"] = {c: draw(st.sampled_from([0.5, 1.0, 2.0, 0.25])) for c in cols}
        ppu = draw(st.integers(1 if monotone else -20, 20).map(lambda k: k / 4))
        item["points_per_unit"] = ppu
        item["unit"] = draw(st.none() | st.sampled_from([0.0833333333333333, 1 / 12, 0.25, 0.5, 1.0, 3.0]))
        item["min_units"] = draw(st.none() | st.sampled_from([0, 0.5, 1, 3, 7]))
        item["max_units_column"] = draw(st.none() | st.sampled_from(NUMERIC[:3]))
        item["cap"] = draw(st.none() | st.sampled_from([0, 5, 12, 12.5, 30]))
    elif kind == "category":
        keys = draw(st.lists(st.sampled_from([*CATS, "other"]), min_size=1, max_size=4, unique=True))
        item["column"] = "c"
        item["points"] = {k: draw(halves) for k in keys}
        item["default"] = draw(halves)
    elif kind == "bands":
        column = draw(st.sampled_from([*NUMERIC, "x4", "over"]))
        if column == "over":
            item.update(draw(over()))
        else:
            item["column"] = column
        grid = st.integers(0, 60).map(lambda k: round(k / 10 + 0.09, 2)) if column == "x4" else \
            st.integers(-4, 40).map(lambda k: k / 2)
        edges = sorted(draw(st.lists(grid, min_size=1, max_size=6, unique=True)))
        bands = []
        if draw(st.booleans()):
            bands.append({"max": edges[0], "points": draw(halves)})
        for lo, hi in itertools.pairwise(edges):
            if draw(st.booleans()):
                bands.append({"min": lo, "max": hi, "points": draw(halves)})
        if draw(st.booleans()) or not bands:
            bands.append({"min": edges[-1], "points": draw(halves)})
        item["bands"] = bands
        item["default"] = draw(halves)
    else:
        column = draw(st.sampled_from(["f", "x2", "x3", "over"]))
        if column == "over":
            item.update(draw(over()))
        else:
            item["column"] = column
        item["points"] = draw(halves)
    if not monotone and draw(st.integers(0, 3)) == 0:
        item["when"] = draw(conditions())
    return {k: v for k, v in item.items() if v is not None}


@st.composite
def schemes(draw: Any, monotone: bool = False) -> dict[str, Any]:
    """A whole random scheme (as a mapping): items of every kind, group rules, gates."""
    n_items = draw(st.integers(1, 7))
    its = [draw(items(n, monotone)) for n in range(n_items)]
    used = sorted({i["group"] for i in its})
    groups: dict[str, Any] = {}
    for g in used:
        choice = draw(st.sampled_from(["none", "cap", "max", "both"] + ([] if monotone else ["caps"])))
        if choice == "none":
            continue
        rule: dict[str, Any] = {}
        if choice in ("cap", "both"):
            rule["cap"] = draw(st.sampled_from([0, 7.5, 20, 30]))
        if choice in ("max", "both"):
            rule["mode"] = "max"
        if choice == "caps":  # conditional caps: the first that holds, else cap (or none)
            rule["caps"] = [{"when": draw(conditions(depth=1)), "cap": draw(st.sampled_from([0, 5, 12.5, 20]))}
                            for _ in range(draw(st.integers(1, 2)))]
            if draw(st.booleans()):
                rule["cap"] = draw(st.sampled_from([7.5, 30]))
        if not monotone and draw(st.integers(0, 2)) == 0:  # a group within a section (sections may nest)
            rule["within"] = draw(st.sampled_from(["s0", "s1"]))
        groups[g] = rule
    for section in sorted({r["within"] for r in groups.values() if "within" in r}):
        rule = {"cap": draw(st.sampled_from([0, 10, 25, 40]))}
        if section == "s1" and draw(st.booleans()):
            rule["within"] = "s0"
            groups.setdefault("s0", {"cap": draw(st.sampled_from([15, 50]))})
        groups[section] = rule
    gates = [{"id": f"gate{k}", **draw(conditions())} for k in range(draw(st.integers(0, 3)))]
    return {"id": "random", "version": "1", "title": "random", "status": "draft",
            "eligibility": gates, "items": its, "groups": groups}


def assert_matches_reference(pop: pd.DataFrame, scheme_dict: dict[str, Any]) -> None:
    scheme = scheme_from_dict(scheme_dict)
    res = score(pop, scheme, on_invalid="reject")
    ref = ref_score(pop, scheme)
    assert list(res.rejected[["row", "column"]].itertuples(index=False, name=None)) == ref.rejected
    assert res.n == len(ref.positions)
    assert list(res.index) == list(pop.index[ref.positions])
    for item in scheme.items:
        assert res.item_cents[item.id].dtype == np.int32
        assert res.item_cents[item.id].tolist() == ref.items[item.id], item.id
    assert res.total_cents.tolist() == ref.total
    assert res.eligible_mask.tolist() == ref.eligible
    assert [str(r) for r in res.reason.tolist()] == ref.reason


@SETTINGS
@given(scheme=schemes(), n=st.integers(0, 60), seed=st.integers(0, 2**32 - 1), nan=st.sampled_from([0.0, 0.1]))
def test_engine_equals_reference(scheme: dict[str, Any], n: int, seed: int, nan: float) -> None:
    assert_matches_reference(make_pop(n, seed, nan), scheme)


@SETTINGS
@given(scheme=schemes(), seed=st.integers(0, 2**32 - 1))
def test_engine_equals_reference_across_blocks_and_threads(scheme: dict[str, Any], seed: int) -> None:
    """Small blocks over several threads give the same cents as the reference (and as one block)."""
    pop = make_pop(300, seed)
    old = engine.BLOCK_ROWS
    engine.BLOCK_ROWS = 32
    try:
        assert_matches_reference(pop, scheme)
        one = score(pop, scheme_from_dict(scheme), threads=1)
        two = score(pop, scheme_from_dict(scheme), threads=3)
    finally:
        engine.BLOCK_ROWS = old
    np.testing.assert_array_equal(one.total_cents, two.total_cents)
    assert one.reason_codes.tolist() == two.reason_codes.tolist()


@SETTINGS
@given(scheme=schemes(), seed=st.integers(0, 2**32 - 1))
def test_caps_never_exceeded(scheme: dict[str, Any], seed: int) -> None:
    """Item caps, group caps, section caps (over the groups within) and conditional caps all hold."""
    sch = scheme_from_dict(scheme)
    res = score(make_pop(80, seed), sch)
    for item in sch.items:
        if item.cap is not None:
            assert np.abs(res.item_cents[item.id]).max(initial=0) <= round(item.cap * 100)
    for group, rule in sch.groups.items():
        members = sch.group_items(group)  # with the groups within it (a section)
        total = sum((res.item_cents[i].astype(np.int64) for i in members), np.zeros(res.n, np.int64))
        caps = [e.cap for e in rule.caps or []] + ([] if rule.cap is None else [rule.cap])
        if caps and (rule.cap is not None or rule.caps[-1].when is None):  # every row has some cap
            assert total.max(initial=0) <= round(max(caps) * 100)
        if rule.cap is not None and not rule.caps:
            assert total.max(initial=0) <= round(rule.cap * 100)


@SETTINGS
@given(scheme=schemes(), seed=st.integers(0, 2**32 - 1))
def test_max_groups_count_only_their_best_item(scheme: dict[str, Any], seed: int) -> None:
    """A ``mode: max`` group scores the best of its items as they score without group rules (then its cap)."""
    sch = scheme_from_dict(scheme)
    pop = make_pop(80, seed)
    plain = score(pop, scheme_from_dict({**scheme, "groups": {}}))
    res = score(pop, sch)
    for group, rule in sch.groups.items():
        ids = [i.id for i in sch.items if i.group == group]
        if rule.mode != "max" or not ids:
            continue
        assert (np.stack([res.item_cents[i] != 0 for i in ids]).sum(axis=0) <= 1).all()
        if rule.within is not None or rule.caps or len(sch.group_items(group)) != len(ids):
            continue  # a section above (or conditional caps) may lower it further
        best = np.max(np.stack([plain.item_cents[i] for i in ids]), axis=0)
        if rule.cap is not None:
            best = np.minimum(best, round(rule.cap * 100))
        np.testing.assert_array_equal(res.group_cents(group), best)
        assert (np.stack([res.item_cents[i] != 0 for i in ids]).sum(axis=0) <= 1).all()


@SETTINGS
@given(scheme=schemes(monotone=True), seed=st.integers(0, 2**32 - 1), col=st.sampled_from(NUMERIC[:3]),
       step=st.sampled_from([0.01, 1 / 12, 0.5, 1.0, 5.0]))
def test_scores_never_fall_when_a_positive_column_grows(scheme: dict[str, Any], seed: int, col: str,
                                                       step: float) -> None:
    sch = scheme_from_dict({**scheme, "eligibility": []})
    pop = make_pop(80, seed)
    more = pop.copy()
    more[col] = (pop[col].astype(np.float64) + step).astype(np.float64)
    before = score(pop, sch).total_cents
    after = score(more, sch).total_cents
    assert (after >= before).all()


@SETTINGS
@given(scheme=schemes(), seed=st.integers(0, 2**32 - 1))
def test_deterministic(scheme: dict[str, Any], seed: int) -> None:
    pop = make_pop(50, seed)
    a = score(pop, scheme_from_dict(scheme))
    b = score(pop.copy(), scheme_from_dict(scheme))
    for k, v in a.item_cents.items():
        np.testing.assert_array_equal(v, b.item_cents[k])
    assert a.reason.tolist() == b.reason.tolist()


UNIT_MONTH = 0.0833333333333333


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("unit", [UNIT_MONTH, 1 / 12])
def test_month_flooring_never_loses_a_step(dtype: type, unit: float) -> None:
    """Every whole number of months 0..1200, stored as float32 or float64 years, scores exactly 0.25 a month."""
    months = np.arange(0, 1201)
    pop = pd.DataFrame({"y": (months / 12).astype(dtype)})
    sch = scheme_from_dict({"id": "m", "version": "1", "title": "m", "status": "draft",
                            "items": [{"id": "emp", "kind": "per_unit", "column": "y", "points_per_unit": 3,
                                       "unit": unit}]})
    np.testing.assert_array_equal(score(pop, sch).item_cents["emp"], months * 25)


def test_sixty_and_a_half_over_three_is_242_months() -> None:
    pop = pd.DataFrame({"y": [60.5 / 3, np.float32(60.5 / 3), 20.1666, 20.16]})
    sch = scheme_from_dict({"id": "m", "version": "1", "title": "m", "status": "draft",
                            "items": [{"id": "emp", "kind": "per_unit", "column": "y", "points_per_unit": 12,
                                       "unit": UNIT_MONTH}]})
    assert score(pop, sch).item_cents["emp"].tolist() == [24200, 24200, 24200, 24100]  # 1 point a month
