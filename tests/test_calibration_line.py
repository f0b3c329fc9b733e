"""The calibration line of `run`/`compare` in Chinese names the targets' metrics in Chinese and groups the people
counts (a new user saw "最大误差 2028 pool 观测 3590000.0，模型 3555500.0")."""

from __future__ import annotations

from pathlib import Path

from scoring.scenario.load import load_scenario
from scoring.scenario.run import calibration_line

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "hangzhou-before-reform.yaml"


def test_calibration_line_in_each_language() -> None:
    sc = load_scenario(SCENARIO)
    zh, en = calibration_line(sc, "zh"), calibration_line(sc, "en")
    assert "年非户籍存量 观测 3,590,000，模型 3,555,500" in zh, zh
    assert " pool" not in zh and "3590000.0" not in zh
    assert "2028 pool observed 3,590,000, model 3,555,500" in en, en
