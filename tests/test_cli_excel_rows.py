"""An Excel output that cannot hold the result is refused before the work it would waste: before scoring when every
row must be scored, else right after scoring, and never after saying it is writing (a new user's trial: 2M rows
scored, "writing the Excel file" announced, then refused)."""

from __future__ import annotations

from pathlib import Path

import pytest

import scoring.cli.core as cli_core
import scoring.cli.files as cli_files
from scoring.cli import main
from scoring.population.synthetic import synth

SCHEME = str(Path(__file__).resolve().parent.parent / "scenarios" / "schemes" / "beijing-2020.yaml")


@pytest.fixture
def small_sheet(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setattr(cli_files, "XLSX_MAX_ROWS", 100)  # a sheet of 100 rows; the population has 300
    monkeypatch.setattr(cli_core, "XLSX_SLOW_ROWS", 1)  # the "writing" note would show for any write
    path = tmp_path / "pop.parquet"
    synth(300, 3).to_parquet(path, index=False)
    return path


def test_refused_before_scoring_when_every_row_must_be_scored(small_sheet: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    def no_score(*args, **kwargs):
        raise AssertionError("scored before the refusal")

    monkeypatch.setattr(cli_core, "score", no_score)
    out = tmp_path / "adm.xlsx"
    code = main(["admit", "--scheme", SCHEME, "--population", str(small_sheet), "--quota", "5", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "300 行超出 Excel 工作表的容量" in err, err
    assert "正在写出" not in err and not out.exists()


def test_refused_after_scoring_with_skip_invalid(small_sheet: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "adm.xlsx"
    code = main(["admit", "--scheme", SCHEME, "--population", str(small_sheet), "--quota", "5", "--skip-invalid",
                 "--out", str(out), "--lang", "en"])
    err = capsys.readouterr().err
    assert code == 2 and "300 rows do not fit in an Excel sheet" in err, err
    assert "writing the Excel file" not in err and not out.exists()


def test_a_result_that_fits_is_written(small_sheet: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_files, "XLSX_MAX_ROWS", 300)
    out = tmp_path / "adm.xlsx"
    assert main(["admit", "--scheme", SCHEME, "--population", str(small_sheet), "--quota", "5", "--out",
                 str(out)]) == 0
    assert out.exists()


@pytest.mark.parametrize(("lang", "sheet"), [("zh", "积分结果"), ("en", "scores")])
def test_the_result_sheet_is_named_in_the_report_language(tmp_path: Path, lang: str, sheet: str) -> None:
    """A new user's trial found the result's Excel sheet called "Sheet1" in the Chinese view."""
    from openpyxl import load_workbook

    path = tmp_path / "pop.parquet"
    synth(40, 3).to_parquet(path, index=False)
    out = tmp_path / "out.xlsx"
    assert main(["admit", "--scheme", SCHEME, "--quota", "5", "--population", str(path), "--out", str(out),
                 "--lang", lang]) == 0
    book = load_workbook(out, read_only=True)
    assert book.sheetnames == [sheet] and book[sheet].max_row == 41
