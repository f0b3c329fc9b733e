"""Every scheme's hand-worked person cases (scenarios/cases/*.yaml) hold on the numpy and numba engines and on the
row-by-row reference; ``python -m scoring test`` exits 0, 1 (with the differences) or 2 (a bad case file)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from reference import ref_score

from scoring import load_scheme
from scoring.cli import main
from scoring.engine import numba_kernel as engine_numba
from scoring.errors import ScoringInputError
from scoring.scheme.cases import CaseFile, case_frame, compare_case, default_cases_path, load_cases, run_cases
from scoring.scheme.load import Scheme

SCHEMES = Path("scenarios/schemes")
CASE_FILES = sorted(Path("scenarios/cases").glob("*.yaml"))
ENGINES = ["numpy", *(["numba"] if engine_numba.AVAILABLE else [])]


def load(path: Path) -> tuple[Scheme, CaseFile]:
    scheme = load_scheme(SCHEMES / path.name)
    return scheme, load_cases(path, scheme)


def test_every_shipped_scheme_has_cases() -> None:
    assert {p.name for p in CASE_FILES} == {p.name for p in SCHEMES.glob("*.yaml")}
    for path in CASE_FILES:
        assert default_cases_path(SCHEMES / path.name) == path


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("path", CASE_FILES, ids=[p.stem for p in CASE_FILES])
def test_cases_on_engine(path: Path, engine: str) -> None:
    scheme, cases = load(path)
    assert len(cases.cases) >= 7
    report = run_cases(cases, scheme, [engine])
    assert report.ok, "\n".join(report.lines())


@pytest.mark.parametrize("path", CASE_FILES, ids=[p.stem for p in CASE_FILES])
def test_cases_on_reference(path: Path) -> None:
    """The independent reference (tests/reference.py) agrees with the hand work, case by case."""
    scheme, cases = load(path)
    ref = ref_score(case_frame(cases.cases), scheme)
    assert ref.rejected == [] and ref.positions == list(range(len(cases.cases)))
    for k, case in enumerate(cases.cases):
        got = {item_id: values[k] for item_id, values in ref.items.items()}
        assert compare_case(case, got, ref.total[k], ref.eligible[k], ref.reason[k]) == [], case.name


def test_cases_cover_every_gate() -> None:
    """Each gate of each scheme is the reason of at least one case (a gate nobody fails is not checked)."""
    for path in CASE_FILES:
        scheme, cases = load(path)
        assert {g.id for g in scheme.eligibility} <= {c.reason for c in cases.cases}, path.name


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cases.yaml"
    path.write_text(text, encoding="utf-8")
    return path


HZ = "scenarios/schemes/hangzhou-2023-illustrative.yaml"
GOOD = """
scheme: hangzhou-2023-illustrative
defaults: {has_residence_permit: true, insurance_years: 5.0, residence_years: 5.0, education: none, detentions: 0}
cases:
  - {name: five and five, inputs: {education: bachelor}, expect: {residence: 30, insurance: 30, education: 10},
     total: 70}
"""


def test_cli_exit_0_when_all_pass(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test", HZ, "--cases", str(_write(tmp_path, GOOD))]) == 0
    assert "1 个案例全部通过" in capsys.readouterr().out  # Chinese by default
    assert main(["test", HZ, "--cases", str(_write(tmp_path, GOOD)), "--lang", "en"]) == 0
    assert "all 1 cases pass" in capsys.readouterr().out
    assert main(["test", HZ]) == 0  # the shipped cases, found beside the scheme


def test_cli_exit_1_with_the_differences(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wrong = GOOD.replace("education: 10}", "education: 15}").replace("total: 70", "total: 75")
    path = _write(tmp_path, wrong)
    assert main(["test", HZ, "--cases", str(path), "--engine", "numpy"]) == 1
    out = capsys.readouterr().out
    assert "不符 'five and five' [numpy]" in out and "education：应为 15，实为 10" in out
    assert main(["test", HZ, "--cases", str(path), "--engine", "numpy", "--lang", "en"]) == 1
    out = capsys.readouterr().out
    assert "FAIL 'five and five' [numpy]" in out
    assert "education: expected 15, got 10" in out and "total: expected 75, got 70" in out
    assert main(["test", HZ, "--cases", str(path), "--json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert not payload["ok"] and {f["engine"] for f in payload["failures"]} == set(ENGINES)
    gate = GOOD.replace("insurance_years: 5.0,", "insurance_years: 0.5,").replace(
        "insurance: 30,", "insurance: 3,").replace("total: 70", "total: 43")
    assert main(["test", HZ, "--cases", str(_write(tmp_path, gate)), "--engine", "numpy", "--lang", "en"]) == 1
    assert "eligible: expected True, got False" in capsys.readouterr().out


@pytest.mark.parametrize(("edit", "message"), [
    (("scheme: hangzhou-2023-illustrative", "scheme: beijing-2020"), "for scheme 'beijing-2020'"),
    (("total: 70", "total: 71"), "add up to 70, the total says 71"),
    (("education: 10}", "educaton: 10}"), "'educaton', which is not an item"),
    (("inputs: {education: bachelor}", "inputs: {educaton: bachelor}"), "'educaton' is not a column"),
    (("detentions: 0}", "}"), "no value for column 'detentions'"),
    (("total: 70}", "total: 70, eligible: false, reason: nope}"), "reason must be the id of the failing gate"),
    (("total: 70}", "total: 70, reason: permit}"), "an eligible case has no reason"),
    (("total: 70}", "total: 70, extra: 1}"), "unknown key 'extra'"),
    (("total: 70", "total: 1e400"), "expected a number of points"),
    (("total: 70", "total: 70.001"), "not a whole number of cents"),
    (("cases:", "cases: []\nx:"), "unknown key 'x'"),
])
def test_cli_exit_2_on_a_bad_case_file(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                       edit: tuple[str, str], message: str) -> None:
    assert edit[0] in GOOD
    path = _write(tmp_path, GOOD.replace(*edit))
    assert main(["test", HZ, "--cases", str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1, err


def test_cli_exit_2_on_missing_or_hostile_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test", HZ, "--cases", str(tmp_path / "none.yaml")]) == 2
    assert "找不到案例文件" in capsys.readouterr().err  # Chinese by default (scoring.cli.messages)
    assert main(["test", str(tmp_path / "none.yaml")]) == 2
    capsys.readouterr()
    pairs = zip("abcdefg", "bcdefgh", strict=True)
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n" for p, c in pairs)
    assert main(["test", HZ, "--cases", str(_write(tmp_path, bomb))]) == 2
    assert capsys.readouterr().err.startswith("错误：")
    with pytest.raises(ScoringInputError, match="non-empty list"):
        load_cases(_write(tmp_path, "scheme: hangzhou-2023-illustrative\ncases: []\n"), load_scheme(HZ))
