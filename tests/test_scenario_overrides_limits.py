"""A scenario's overrides: too many added items refused before any is merged (a probe's 7,000 added items spent
131 s merging the whole list once per item before the scheme's 500-item refusal), adds merged as
merge_scheme_dicts merges them, and every override refusal worded whole in each language."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from scoring.cli import main
from scoring.errors import ScenarioError
from scoring.scenario import overrides as overrides_module
from scoring.scenario.load import load_scenario
from scoring.scenario.overrides import apply_overrides
from scoring.scheme.load import merge_scheme_dicts, read_scheme_dict
from scoring.scheme.model import SCHEME_LIMITS

ROOT = Path(__file__).resolve().parent.parent
SCHEME = ROOT / "scenarios" / "schemes" / "hangzhou-2023-illustrative.yaml"
FLAG = {"kind": "flag", "column": "has_residence_permit", "points": 1}
# words of the English refusals that must not be left in a Chinese one
ENGLISH = ("unknown key", "valid:", "no item", "no gate", "with the overrides", "with them", "must be", "Input should",
           "entries", "is a value", "out of range", "allows", "mapping")


def _write(tmp: Path, overrides: dict[str, Any]) -> Path:
    data = {"id": "ov", "scheme": str(SCHEME), "admission": {"mode": "threshold", "threshold": 100},
            "population": {"synth": {"n": 200, "seed": 1}}, "horizon": 1, "overrides": overrides}
    path = tmp / "ov.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _items_in_scheme() -> int:
    return len(read_scheme_dict(SCHEME)["items"])


def test_thousands_of_added_items_are_refused_before_any_merge(tmp_path: Path, monkeypatch: Any) -> None:
    merges = []
    real = overrides_module.merge_scheme_dicts
    monkeypatch.setattr(overrides_module, "merge_scheme_dicts", lambda *a: merges.append(1) or real(*a))
    path = _write(tmp_path, {f"items.x{k}": FLAG for k in range(7000)})
    total = _items_in_scheme() + 7000
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert str(err.value) == (f"{path}: overrides: with them the scheme would have {total:,} items entries; a scheme "
                              f"allows at most {SCHEME_LIMITS['items']} (see docs/schemes.md)")
    assert merges == []


@pytest.mark.parametrize(("adds", "removes", "refused"), [
    (SCHEME_LIMITS["items"], 0, True),
    (None, 0, False),  # None: exactly up to the limit
    (None, 1, False),  # one removed makes room for one more
])
def test_the_count_is_the_scheme_after_the_overrides(tmp_path: Path, adds: int | None, removes: int,
                                                      refused: bool) -> None:
    have = _items_in_scheme()
    adds = SCHEME_LIMITS["items"] - have + removes if adds is None else adds
    changes: dict[str, Any] = {f"items.x{k}": FLAG for k in range(adds)}
    changes.update({"items.residence.remove": True} if removes else {})
    path = _write(tmp_path, changes)
    if refused:
        with pytest.raises(ScenarioError, match="with them the scheme would have"):
            load_scenario(path)
    else:
        assert len(load_scenario(path).scheme.items) == have + adds - removes == SCHEME_LIMITS["items"]


def test_added_entries_are_merged_as_merge_scheme_dicts_merges_them() -> None:
    data = read_scheme_dict(SCHEME)
    before = copy.deepcopy(data)
    gate = {"column": "age", "min": 18}
    got = apply_overrides(data, {"items.a": FLAG, "items.b": {**FLAG, "points": 2}, "items.c": {**FLAG, "remove": True},
                                 "eligibility.adult": gate})
    want = merge_scheme_dicts(data, {"items": [{**FLAG, "id": "a"}, {**FLAG, "points": 2, "id": "b"},
                                               {**FLAG, "remove": True, "id": "c"}],
                                     "eligibility": [{**gate, "id": "adult"}]})
    assert got == want and data == before


@pytest.mark.parametrize(("override", "zh", "en"), [
    ({"items.insurance.name": "x"}, "items.insurance 下没有键 'name'；可用的键：assumed, cap,",
     "unknown key 'name' at items.insurance; valid: assumed, cap,"),
    ({"items.nope.cap": 3}, "没有 id 为 'nope' 的项目；现有的 id：residence, insurance, education, law_record",
     "no item with id 'nope'; valid: residence, insurance, education, law_record"),
    ({"eligibility.nope.min": 3}, "没有 id 为 'nope' 的资格条件；现有的 id：", "no gate with id 'nope'; valid: "),
    ({"bogus.x": 1}, "顶层下没有键 'bogus'；可用的键：id, version,", "unknown key 'bogus' at the top level; valid: "),
    ({"items.insurance.remove": 3}, "值 3 须为 true", "value 3 must be true"),
    ({"items.insurance": 5}, "值 5 须为“键: 值”的映射，或改用 items.insurance.KEY",
     "value 5 must be a mapping of keys, or use items.insurance.KEY"),
    ({"items.insurance.points_per_unit.x": 3}, "items.insurance.points_per_unit 是一个值（6），不是映射",
     "items.insurance.points_per_unit is a value (6), not a mapping"),
    ({"items.insurance.points_per_unit": "abc"}, "应用覆盖项（overrides）后，",
     "overrides: with them, "),
    ({f"items.x{k}": FLAG for k in range(2000)},
     "overrides：应用这些覆盖项后，方案的 items 将有 2,004 项；方案最多允许 500 项",
     "overrides: with them the scheme would have 2,004 items entries"),
])
def test_override_refusals_are_whole_in_each_language(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      override: dict, zh: str, en: str) -> None:
    path = _write(tmp_path, override)
    lines = {}
    for lang in ("zh", "en"):
        assert main(["run", str(path), "--out", str(tmp_path / "o"), "--lang", lang]) == 2
        lines[lang] = capsys.readouterr().err
        assert lines[lang].count("\n") == 1
    assert lines["zh"].startswith(f"错误：{path}：") and zh in lines["zh"]
    assert not [w for w in ENGLISH if w in lines["zh"]], lines["zh"]
    assert lines["en"].startswith(f"error: {path}: ") and en in lines["en"]


def test_the_refused_value_of_an_overridden_scheme_is_worded_as_the_scheme_words_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, {"items.insurance.points_per_unit": "abc"})
    assert main(["run", str(path), "--out", str(tmp_path / "o")]) == 2
    assert capsys.readouterr().err == (f"错误：{path}：应用覆盖项（overrides）后，{SCHEME}：items[1] (id=insurance)."
                                       "points_per_unit：值 'abc'：应为数字\n")
