"""Values of the wrong kind in the YAML inputs are refused with the project's one-line errors, never another
exception (a fuzzing trial of the shipped schemes, scenarios, rule sets, targets and cases found each of these
raising ValueError, OverflowError, TypeError or AttributeError, a traceback on the command line)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from scoring.cli import main
from scoring.errors import ScenarioError, SchemeError, ScoringInputError
from scoring.pathways.rules import load_ruleset
from scoring.scenario.calibrate_targets import read_targets
from scoring.scenario.load import load_scenario
from scoring.scheme.load import load_scheme_text, read_scheme_dict, scheme_from_dict

ROOT = Path(__file__).resolve().parent.parent
BEIJING = ROOT / "scenarios" / "schemes" / "beijing-2020.yaml"


def _first(items: list[dict], key: str) -> dict:
    return next(i for i in items if i.get(key) is not None)


@pytest.mark.parametrize("edit", ["cap", "points_per_unit", "band", "gate", "threshold", "default"])
@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
def test_a_number_that_is_not_finite_is_refused(edit: str, value: float) -> None:
    """.nan and .inf passed validation, then crashed the scoring (or, with cap: .nan, scored -2.1e7 points)."""
    data = read_scheme_dict(BEIJING)
    if edit == "cap":
        _first(data["items"], "cap")["cap"] = value
    elif edit == "points_per_unit":
        _first(data["items"], "points_per_unit")["points_per_unit"] = value
    elif edit == "band":
        _first(data["items"], "bands")["bands"][0]["points"] = value
    elif edit == "gate":
        data["eligibility"][0]["max"] = value
    elif edit == "threshold":
        data["admission"] = {"mode": "threshold", "threshold": value}
    else:
        _first(data["items"], "default")["default"] = value
    with pytest.raises(SchemeError, match="finite number"):
        scheme_from_dict(data, "x.yaml")


def test_a_number_too_long_to_read_and_text_that_is_not_unicode_are_refused() -> None:
    with pytest.raises(SchemeError, match="a number written with 4,301 characters"):
        load_scheme_text("id: x\nversion: " + "9" * 4301 + "\n")
    with pytest.raises(SchemeError, match="not valid Unicode"):
        load_scheme_text("id: '\ud800'\n")


def _scenario(tmp_path: Path, **extra: Any) -> Path:
    data = {"id": "s", "base": str(ROOT / "scenarios" / "hangzhou-2023-reform.yaml"),
            "population": {"synth": {"n": 2000, "seed": 1}, "represents": 80_000}, "horizon": 2, "replications": 1,
            **extra}
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("calibration", [[1], {"held_out": "2020"}, {"fit": [True]}, {"fit": {"a": 1}},
                                         {"fit": [{"error_units": "abc"}]}])
def test_a_calibration_block_of_another_shape_is_refused(tmp_path: Path, calibration: Any) -> None:
    with pytest.raises(ScenarioError, match="calibration"):
        load_scenario(_scenario(tmp_path, calibration=calibration))


def test_a_run_that_admits_nobody_reports_no_wait(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The mean wait of a run that admits nobody crashed the summary (an empty groupby)."""
    path = _scenario(tmp_path, admission={"mode": "threshold", "threshold": 1000})
    assert main(["run", str(path), "--out", str(tmp_path / "out"), "--json", "--lang", "en"]) == 0
    assert '"wait_mean": null' in capsys.readouterr().out


def test_rule_set_readings_and_terms_of_another_shape_are_refused(tmp_path: Path) -> None:
    base = yaml.safe_load((ROOT / "rulesets" / "notice-2023.yaml").read_text(encoding="utf-8"))
    for key, value in (("readings", [1]), ("terms", "  ")):
        data = copy.deepcopy(base)
        data[key] = value
        path = tmp_path / "notice-2023.yaml"  # beside permit-2023.yaml, which it includes
        (tmp_path / "permit-2023.yaml").write_bytes((ROOT / "rulesets" / "permit-2023.yaml").read_bytes())
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        with pytest.raises(ScoringInputError, match=f"{key}: must be a mapping"):
            load_ruleset(path)
    data = copy.deepcopy(base)
    data["terms"]["bad"] = "abc"
    pathway = next(p for p in data["pathways"].values() if isinstance(p.get("criteria"), dict)
                   and "term" in p["criteria"])
    pathway["criteria"] = {"term": "bad"}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ScoringInputError, match=r"terms\.bad: value 'abc': a term is a criterion"):
        load_ruleset(path)


def test_a_case_value_that_is_a_list_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cases = yaml.safe_load((ROOT / "scenarios" / "cases" / "beijing-2020.yaml").read_text(encoding="utf-8"))
    cases["defaults"]["education"] = {"x": 1}
    path = tmp_path / "cases.yaml"
    path.write_text(yaml.safe_dump(cases, allow_unicode=True), encoding="utf-8")
    assert main(["test", str(BEIJING), "--cases", str(path), "--lang", "en"]) == 2
    assert "column 'education': a person's value is one number, yes/no or text" in capsys.readouterr().err


def test_targets_with_a_parameter_twice_or_an_empty_csv_are_refused(tmp_path: Path) -> None:
    data = yaml.safe_load((ROOT / "scenarios" / "targets" / "hangzhou-stock.yaml").read_text(encoding="utf-8"))
    data["parameters"] = data["parameters"] + data["parameters"][:1]
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ScoringInputError, match="is listed twice"):
        read_targets(path)
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(ScoringInputError, match="cannot read"):
        read_targets(tmp_path / "empty.csv")
