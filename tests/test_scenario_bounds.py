"""A scenario's numbers are bounded when it loads: years, seeds, counts of real people, lines and the arrivals'
growth. A value out of range is refused with one line naming the file and the field (a probe's start_year of
1e29 ran the whole simulation, then crashed writing the tables; arrivals of 1e308 a year crashed in np.arange)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from scoring.errors import ScenarioError
from scoring.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parent.parent
SCHEME = ROOT / "scenarios" / "schemes" / "hangzhou-2023-illustrative.yaml"
HUGE = 10**29


def _write(tmp: Path, **extra: Any) -> Path:
    data = {"id": "bounds", "scheme": str(SCHEME), "admission": {"mode": "threshold", "threshold": 100},
            "population": {"synth": {"n": 200, "seed": 1}}, "horizon": 2, **extra}
    path = tmp / "bounds.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.mark.parametrize(("extra", "field"), [
    ({"start_year": HUGE}, "start_year"),
    ({"start_year": -5}, "start_year"),
    ({"seed": HUGE}, "seed"),
    ({"seed": -1}, "seed"),
    ({"population": {"synth": {"n": 200, "seed": HUGE}}}, "population.synth.seed"),
    ({"dynamics": {"departures": {"age_from": HUGE}}}, "dynamics.departures.age_from"),
    ({"dynamics": {"profile": {"location_from": HUGE}}}, "dynamics.profile.location_from"),
    ({"dynamics": {"arrivals": {"per_year": 1e308}}}, "dynamics.arrivals.per_year"),
    ({"dynamics": {"arrivals": {"per_year": 1e9}}}, "dynamics.arrivals.per_year"),
    ({"admission": {"mode": "threshold", "threshold": 1e308}}, "admission.threshold"),
    ({"admission": {"mode": "quota", "quota": HUGE}}, "admission.quota"),
    ({"admission": {"mode": "both", "threshold": 100, "quota": 5, "schedule": {"threshold": [100, 1e9]}}},
     "admission.schedule.threshold[1]"),
    ({"admission": {"mode": "both", "threshold": 100, "quota": 5, "schedule": {"quota": [5, HUGE]}}},
     "admission.schedule.quota[1]"),
    ({"quota_question": {"quota": HUGE}}, "quota_question.quota"),
    ({"quota_question": {"threshold": -1e308}}, "quota_question.threshold"),
    ({"burn_in": {"years": 1, "quota": HUGE}}, "burn_in.quota"),
    ({"burn_in": {"years": 1, "stock": 1e300}}, "burn_in.stock"),
    ({"burn_in": {"years": 1, "rule": {"threshold": 1e300}}}, "burn_in.rule.threshold"),
])
def test_an_out_of_range_number_is_refused_naming_the_file_and_field(tmp_path: Path, extra: dict, field: str
                                                                     ) -> None:
    path = _write(tmp_path, **extra)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert str(err.value).startswith(f"{path}: {field}:")


@pytest.mark.parametrize(("per_year", "growth", "horizon", "burn_in", "refused"), [
    (1e6, 1.0, 8, 0, True),  # 1e6 x 2^7 = 1.28e8 in the last year
    (1e6, 1.0, 7, 0, False),  # 1e6 x 2^6 = 6.4e7
    (1e6, -0.5, 1, 7, True),  # 1e6 / 0.5^7 = 1.28e8 in the first burn-in year
    (1e6, -0.5, 1, 6, False),  # 6.4e7
    (100, 1.0, 100, 0, True),  # the probe's: 100 x 2^99
])
def test_arrivals_may_not_grow_past_the_bound_in_any_simulated_year(tmp_path: Path, per_year: float, growth: float,
                                                                    horizon: int, burn_in: int, refused: bool) -> None:
    path = _write(tmp_path, horizon=horizon, burn_in={"years": burn_in},
                  dynamics={"arrivals": {"per_year": per_year, "growth": growth}})
    if not refused:
        assert load_scenario(path).spec.dynamics.arrivals.growth == growth
        return
    with pytest.raises(ScenarioError, match=r"dynamics\.arrivals\.growth: value .*at most 100,000,000 a year"):
        load_scenario(path)


def test_a_huge_start_year_exits_2_before_running_in_both_languages(tmp_path: Path) -> None:
    path = _write(tmp_path, start_year=HUGE, dynamics={"arrivals": {"per_year": 100, "growth": 1.0}})
    out = tmp_path / "out"
    for lang, head, words in (("zh", "错误：", "应小于或等于 2200"), ("en", "error: ", "less than or equal to 2200")):
        proc = subprocess.run([sys.executable, "-m", "scoring", "run", str(path), "--out", str(out), "--lang", lang],
                              cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
        assert proc.stderr.startswith(f"{head}{path}") and "start_year" in proc.stderr and words in proc.stderr
    assert not out.exists()


def test_a_line_out_of_range_names_the_scenario_file_in_chinese(tmp_path: Path) -> None:
    """The probe's threshold of 1e308 was refused only when the run reached it, without the file's name."""
    path = _write(tmp_path, admission={"mode": "threshold", "threshold": 1e308})
    proc = subprocess.run([sys.executable, "-m", "scoring", "run", str(path), "--out", str(tmp_path / "o")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr == f"错误：{path}：admission.threshold：值 1e+308：应小于或等于 1000000\n"


@pytest.mark.parametrize(("extra", "zh", "en"), [
    ({"schemes": {1990: str(SCHEME)}}, "schemes.1990：年份须在模拟的年份 2024–2025 之内",
     "schemes.1990: the year must be within the simulated years 2024-2025"),
    ({"admission": {"mode": "threshold", "threshold": 100, "ties": [{"lottery": 1}, {"column": "age"}]}},
     "admission.ties：抽签只能是最后一个同分排序键；可用：admit_all（同分全部录取），或由",
     "admission.ties: a lottery can only be the last tie key; valid: admit_all or a list of"),
    ({"admission": {"mode": "threshold", "threshold": 100, "ties": "bogus"}}, "admission.ties：应为 'admit_all' 之一；",
     "admission.ties: Input should be 'admit_all'; valid: "),  # not pydantic's web address
])
def test_other_scenario_refusals_are_whole_in_each_language(tmp_path: Path, extra: dict, zh: str, en: str) -> None:
    path = _write(tmp_path, **extra)
    for lang, words, english in (("zh", zh, True), ("en", en, False)):
        proc = subprocess.run([sys.executable, "-m", "scoring", "run", str(path), "--out", str(tmp_path / "o"),
                               "--lang", lang], cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and words in proc.stderr, proc.stderr
        assert not english or not any(w in proc.stderr for w in ("valid:", "must be", "Input should", "http"))
