"""Bad input: scheme validation errors name file/item/key/value; scoring-time errors name row/column; round trips."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from test_engine_properties import schemes

from scoring import PopulationError, SchemeError, ScoringInputError, load_scheme, load_scheme_text, score
from scoring.scheme.load import merge_scheme_dicts, scheme_from_dict, scheme_warnings

SHIPPED = sorted(Path("scenarios/schemes").glob("*.yaml"))
BASE: dict[str, Any] = {"id": "t", "version": "1", "title": "t", "status": "draft",
                        "items": [{"id": "a", "kind": "per_unit", "column": "x", "points_per_unit": 1}]}


def with_items(*items: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {**BASE, "items": list(items) or BASE["items"], **top}


def scheme_error(data: dict[str, Any]) -> str:
    with pytest.raises(SchemeError) as info:
        scheme_from_dict(data, "my.yaml")
    return str(info.value)


@pytest.mark.parametrize(("data", "must_name"), [
    (with_items({"id": "age", "kind": "bands", "column": "age",
                 "bands": [{"max": 46, "points": 1}, {"min": 45, "max": 47, "points": 2}]}),
     ["my.yaml", "id=age", "bands", "overlap", "45"]),
    (with_items({"id": "a", "kind": "per_unit", "column": "x", "points_per_unit": 1, "cap": -3}),
     ["my.yaml", "id=a", "cap", "-3", "zero or more"]),
    (with_items(groups={"other": {"cap": -1}}), ["my.yaml", "groups.other.cap", "-1"]),
    (with_items({"id": "a", "kind": "perunit", "column": "x", "points_per_unit": 1}),
     ["my.yaml", "id=a", "kind", "perunit", "per_unit", "category", "bands", "flag"]),
    (with_items({"id": "h", "kind": "flag", "column": "x", "points": 1, "unit": 0.5}),
     ["my.yaml", "id=h", "'unit'", "flag", "allowed"]),
    (with_items({"id": "e", "kind": "category", "column": "x", "points": 5}), ["my.yaml", "id=e", "mapping"]),
    (with_items({"id": "a", "kind": "per_unit", "column": "x"}), ["my.yaml", "id=a", "points_per_unit"]),
    (with_items({"id": "a", "kind": "per_unit", "column": "x", "points_per_unit": 1, "unit": 0}),
     ["my.yaml", "id=a", "unit", "positive"]),
    (with_items(admission={"mode": "quota", "quota": -5}), ["my.yaml", "admission.quota", "-5"]),
    (with_items(admission={"mode": "quota"}), ["my.yaml", "admission", "needs quota"]),
    (with_items(admission={"quota": 5, "ties": [{"lottery": 1}, {"column": "x"}]}), ["my.yaml", "lottery", "last"]),
    (with_items(dominance={"measure": "vibes"}), ["my.yaml", "dominance.measure", "vibes", "decisive"]),
    (with_items(eligibility=[{"id": "g", "column": "x"}]), ["my.yaml", "id=g", "equals, in, min, max"]),
    (with_items(eligibility=[{"id": "g", "column": "x", "min": 5, "max": 1}]), ["my.yaml", "id=g", "min", "max"]),
    (with_items(BASE["items"][0], BASE["items"][0]), ["my.yaml", "'a'", "twice"]),
    (with_items(groups={"ghost": {"cap": 3}}), ["my.yaml", "groups.ghost", "no item"]),
    (with_items(status="final"), ["my.yaml", "status", "final", "official"]),
    ({**BASE, "itemz": []}, ["my.yaml", "itemz", "unknown key"]),
])
def test_scheme_errors_name_file_item_key_value(data: dict[str, Any], must_name: list[str]) -> None:
    message = scheme_error(data)
    for part in must_name:
        assert part in message, (part, message)
    assert "\n" not in message


def test_bad_yaml_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nitems: [\n  {id: a, kind: flag\n", encoding="utf-8")
    with pytest.raises(SchemeError, match=r"bad\.yaml: not valid YAML at line \d+"):
        load_scheme(bad)
    with pytest.raises(SchemeError, match="not valid YAML"):
        load_scheme_text("id: [a\n  b: c", "upload.yaml")
    with pytest.raises(SchemeError, match="must be a YAML mapping"):
        load_scheme_text("- just\n- a list\n")
    with pytest.raises(SchemeError, match="not found"):
        load_scheme(tmp_path / "absent.yaml")


def test_base_loop_is_named(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("base: b.yaml\nid: a\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("base: a.yaml\nid: b\n", encoding="utf-8")
    with pytest.raises(SchemeError, match=r"loops \(a\.yaml -> b\.yaml -> a\.yaml\)"):
        load_scheme(tmp_path / "a.yaml")


def test_base_inheritance_merges_items_by_id(tmp_path: Path) -> None:
    (tmp_path / "child.yaml").write_text(
        f"base: {Path('scenarios/schemes/beijing-2020.yaml').resolve()}\n"
        "id: child\nversion: '9'\nstatus: draft\n"
        "items:\n"
        "  - {id: employment, points_per_unit: 4}\n"            # merged key by key
        "  - {id: honours, remove: true}\n"                     # dropped
        "  - {id: tax, kind: flag, column: has_honour, points: 1}\n"  # new kind replaces the item whole
        "  - {id: extra, kind: flag, column: has_honour, points: 2}\n"  # appended
        "eligibility:\n  - {id: insurance_min, min: 5}\n",
        encoding="utf-8")
    child = load_scheme(tmp_path / "child.yaml")
    parent = load_scheme("scenarios/schemes/beijing-2020.yaml")
    ids = [i.id for i in child.items]
    assert ids == [i.id for i in parent.items if i.id != "honours"] + ["extra"]
    emp = child.item("employment")
    assert emp.points_per_unit == 4 and emp.unit == parent.item("employment").unit and emp.label is not None
    tax = child.item("tax")
    assert tax.kind == "flag" and tax.cap is None
    gate = next(g for g in child.eligibility if g.id == "insurance_min")
    assert gate.min == 5 and gate.column == "insurance_years"
    assert child.admission == parent.admission and child.status == "draft"
    assert parent.item("employment").points_per_unit == 3  # the base is untouched


def test_remove_of_unknown_id_is_harmless_and_2016_inherits() -> None:
    merged = merge_scheme_dicts(BASE, {"items": [{"id": "ghost", "remove": True}]})
    assert merged["items"] == BASE["items"]
    b2016 = load_scheme("scenarios/schemes/beijing-2016.yaml")
    assert b2016.id == "beijing-2016" and b2016.item("age").bands is not None
    assert [b.points for b in b2016.item("age").bands or []] == [20]
    assert b2016.item("employment").points_per_unit == 3


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_schemes_load_and_round_trip(path: Path) -> None:
    scheme = load_scheme(path)
    again = load_scheme_text(scheme.to_yaml(), str(path))
    assert again == scheme
    assert scheme.id in scheme.stamp("zh") and scheme.version in scheme.stamp("en")
    if scheme.status != "official":
        assert "模拟" in scheme.stamp("zh") and "illustrative" in scheme.stamp("en")


@settings(max_examples=40, deadline=None)
@given(data=schemes())
def test_random_schemes_round_trip(data: dict[str, Any]) -> None:
    scheme = scheme_from_dict(data, "r.yaml")
    assert load_scheme_text(scheme.to_yaml(), "r.yaml") == scheme


# -- errors at scoring time ----------------------------------------------------------------------------------
def test_missing_item_column_at_scoring_names_column_and_item() -> None:
    with pytest.raises(PopulationError, match=r"column 'x' \(used by a\) is not in the population"):
        score(pd.DataFrame({"y": [1.0]}), scheme_from_dict(BASE))


def test_gate_on_absent_column_names_gate_and_warns() -> None:
    scheme = scheme_from_dict(with_items(eligibility=[{"id": "adult", "column": "age", "min": 18}]), "g.yaml")
    pop = pd.DataFrame({"x": [1.0, 2.0]})
    with pytest.raises(PopulationError, match=r"'age' \(used by adult\)"):
        score(pop, scheme)
    assert any("adult" in w and "age" in w for w in scheme_warnings(scheme, pop.columns))


def test_nan_in_scored_column_names_row_and_column() -> None:
    pop = pd.DataFrame({"x": [1.0, np.nan, 3.0, np.nan]})
    with pytest.raises(PopulationError, match=r"2 row\(s\) cannot be scored: row 2, column x: missing value; row 4"):
        score(pop, scheme_from_dict(BASE))
    res = score(pop, scheme_from_dict(BASE), on_invalid="reject")
    assert res.rejected["row"].tolist() == [2, 4] and res.rejected["column"].tolist() == ["x", "x"]
    assert res.total.tolist() == [1.0, 3.0] and res.summary()["rejected"] == 2 and res.summary()["rows_in"] == 4


def test_nan_in_gate_column_rejects_rather_than_fails_the_gate() -> None:
    data = with_items(eligibility=[{"id": "adult", "column": "age", "min": 18}])
    res = score(pd.DataFrame({"x": [1.0, 1.0], "age": [30, None]}), scheme_from_dict(data), on_invalid="reject")
    assert res.rejected[["row", "column"]].values.tolist() == [[2, "age"]] and res.eligible.tolist() == [True]


def test_text_in_numeric_column_names_row() -> None:
    with pytest.raises(PopulationError, match=r"'x'.*numeric; row 2 has 'ten'"):
        score(pd.DataFrame({"x": ["1", "ten"]}), scheme_from_dict(BASE))


def test_text_test_value_on_numeric_column_is_a_scheme_error() -> None:
    scheme = scheme_from_dict(with_items(eligibility=[{"id": "g", "column": "x", "equals": "old"}]), "s.yaml")
    with pytest.raises(SchemeError, match=r"s\.yaml: eligibility gate g: value 'old' cannot match column 'x'"):
        score(pd.DataFrame({"x": [1.0]}), scheme)


def test_on_invalid_must_be_known() -> None:
    with pytest.raises(ValueError, match="on_invalid"):
        score(pd.DataFrame({"x": [1.0]}), scheme_from_dict(BASE), on_invalid="skip")


def test_all_input_errors_share_the_base_class() -> None:
    assert issubclass(SchemeError, ScoringInputError) and issubclass(PopulationError, ScoringInputError)


def test_infinite_value_is_rejected_with_its_reason() -> None:
    pop = pd.DataFrame({"x": [1.0, np.inf, -np.inf]})
    with pytest.raises(PopulationError, match="row 2, column x: infinite value"):
        score(pop, scheme_from_dict(BASE))
    res = score(pop, scheme_from_dict(BASE), on_invalid="reject")
    assert res.rejected["reason"].tolist() == ["infinite value", "infinite value"] and res.total.tolist() == [1.0]


def test_float32_values_meet_thresholds_as_written() -> None:
    """6.99 stored as float32 meets ``min: 6.99`` and falls in the band starting at 6.99 (column precision)."""
    data = with_items({"id": "b", "kind": "bands", "column": "x", "bands": [{"min": 6.99, "points": 5}]},
                      eligibility=[{"id": "g", "column": "x", "min": 6.99}])
    for dtype in (np.float32, np.float64):
        res = score(pd.DataFrame({"x": np.array([6.99, 6.98], dtype=dtype)}), scheme_from_dict(data))
        assert res.eligible.tolist() == [True, False] and res.points["b"].tolist() == [5.0, 0.0]


FLAG = {"id": "f", "kind": "flag", "column": "x", "points": 1}


@pytest.mark.parametrize(("data", "must_name"), [
    (with_items({**FLAG, "when": "x > 3"}),
     ["my.yaml", "id=f", "when", "never evaluated", "all_of", "docs/schemes.md"]),
    (with_items({**FLAG, "formula": "x * 2"}), ["my.yaml", "id=f", "'formula'", "no formulas", "min_of",
                                                "docs/schemes.md"]),
    (with_items({**FLAG, "when": {"column": "x", "equals": 1, "foo": 2}}),
     ["my.yaml", "id=f", "when.foo", "unknown key", "all_of", "above", "docs/schemes.md"]),
    (with_items({**FLAG, "when": [{"column": "x", "min": 1}, {"all_of": []}]}),
     ["my.yaml", "id=f", "when.all_of[1]", "at least one condition"]),
    (with_items({**FLAG, "when": {"column": "x", "min": 3, "below": 3}}), ["my.yaml", "id=f", "min 3", "below 3"]),
    (with_items({**FLAG, "when": {"column": "x", "all_of": [{"column": "y", "min": 1}]}}),
     ["my.yaml", "id=f", "exactly one of column, min_of, max_of, all_of, any_of, not"]),
    (with_items({**FLAG, "when": {"all_of": [{"column": "y", "min": 1}], "min": 3}}), ["my.yaml", "id=f", "belong"]),
    (with_items({"id": "p", "kind": "per_unit", "column": "x", "points_per_unit": 1, "cap": {"when": {}}}),
     ["my.yaml", "id=p", "cap", "groups", "caps"]),
    (with_items({"id": "p", "kind": "per_unit", "column": "x", "min_of": ["y"], "points_per_unit": 1}),
     ["my.yaml", "id=p", "exactly one of column, columns, min_of, max_of"]),
    (with_items({"id": "c", "kind": "category", "min_of": ["y"], "points": {"a": 1}}),
     ["my.yaml", "id=c", "'min_of'", "category", "numbers"]),
    (with_items({**FLAG, "column": None, "min_of": ["x", {"lowest": ["y"]}]}),
     ["my.yaml", "id=f", "min_of[1]", "lowest", "unknown key"]),
    (with_items({**FLAG, "group": "g"}, groups={"g": {"cap": 5, "within": "s"}}),
     ["my.yaml", "groups.g.within", "'s'", "declare"]),
    (with_items({**FLAG, "group": "g"}, groups={"g": {"within": "s"}, "s": {"within": "g"}}),
     ["my.yaml", "within", "loop"]),
    (with_items({**FLAG, "group": "g"},
                groups={"g": {"caps": [{"cap": 3}, {"cap": 4, "when": {"column": "x", "min": 1}}]}}),
     ["my.yaml", "groups.g.caps[0]", "never apply"]),
    (with_items({**FLAG, "group": "g"}, groups={"g": {"cap": 5, "tier": 2}}),
     ["my.yaml", "groups.g.tier", "unknown key", "cap, caps, mode, within"]),
    (with_items(inputs={"x": {"type": "category"}}), ["my.yaml", "inputs.x", "categories"]),
    (with_items(inputs={"x": {"type": "int", "categories": ["a"]}}), ["my.yaml", "inputs.x", "category"]),
    (with_items(inputs={"x": {"type": "text"}}), ["my.yaml", "inputs.x.type", "'text'", "int", "category"]),
])
def test_format_extension_errors_name_file_item_key_and_what_is_allowed(data: dict[str, Any],
                                                                         must_name: list[str]) -> None:
    message = scheme_error(data)
    for part in must_name:
        assert part in message, (part, message)
    assert "\n" not in message
    assert all(Path(doc.split("#")[0]).is_file() for doc in re.findall(r"[\w./-]+\.md\b", message)), message


def test_when_list_and_tree_round_trip() -> None:
    data = with_items({**FLAG, "when": [{"column": "x", "above": 1}, {"any_of": [{"not": {"column": "y", "in": [1]}},
                                                                             {"max_of": ["x", "y"], "below": 9}]}]},
                      groups={"other": {"caps": [{"when": {"column": "y", "equals": 1}, "cap": 3}], "cap": 4,
                                        "within": "top"}, "top": {"cap": 10}},
                      inputs={"x": {"type": "float", "min": 0}, "y": {"type": "int"}})
    scheme = scheme_from_dict(data)
    assert scheme.items[0].when is not None and scheme.items[0].when.all_of is not None
    assert scheme.columns() == ["x", "y"]
    assert load_scheme_text(scheme.to_yaml(), "<scheme>") == scheme
