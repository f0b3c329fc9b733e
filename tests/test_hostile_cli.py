"""Hostile command lines (issue 12, findings 6, 7, 8, 13): each attack reproduced, each answered by exit 2 and one
line, outputs that open in Excel without live formulas, and writes that never lose the previous file."""

from __future__ import annotations

import csv
import errno
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from popgen import make_population

from scoring.cli import main
from scoring.cli.pathways import _write as write_pathway_tables
from scoring.cli.scenario import write_results
from scoring.errors import ScoringInputError
from scoring.safe_output import FORMULA_LEADS

ROOT = Path(__file__).resolve().parent.parent
HZ23 = str(ROOT / "scenarios" / "schemes" / "hangzhou-2023-illustrative.yaml")
LINK = '=HYPERLINK("http://example.invalid/x","y")'


@pytest.fixture()
def pop_csv(tmp_path: Path) -> Path:
    pop = make_population(300, seed=5)
    pop["person_id"] = pop["person_id"].astype(object)
    pop.loc[0, "person_id"] = LINK
    pop.loc[1, "person_id"] = "@SUM(1+1)"
    path = tmp_path / "pop.csv"
    pop.to_csv(path, index=False)
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def one_line(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """Run a command that must fail on the user's input: exit 2, one line on stderr, no traceback."""
    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse usage errors
        code = int(exc.code or 0)
    _, err = capsys.readouterr()
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == 2, err
    english = "--lang" in args and args[args.index("--lang") + 1] == "en"
    assert len(lines) == 1 and lines[0].startswith("error: " if english else "错误：") and "Traceback" not in err, err
    return lines[0]


def no_formula_in_csv(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    for row in rows:
        for cell in row:
            if cell.startswith(FORMULA_LEADS):
                float(cell)  # only a plain negative number may start with "-"
    return rows


def no_formula_in_xlsx(path: Path) -> list[Any]:
    wb = openpyxl.load_workbook(path)
    values = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (cell.coordinate, cell.value)
                assert cell.hyperlink is None
                values.append(cell.value)
    return values


def leftovers(folder: Path) -> list[str]:
    """Temporary files an interrupted write would leave (atomic_path names them .NAME.*.tmp.SUFFIX)."""
    return sorted(p.name for p in folder.iterdir() if ".tmp" in p.name)


# ------------------------------------------------------------------------------------------------------------
# Finding 6: formula injection
# ------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("command", ["score", "admit"])
def test_formula_person_id_stays_text_in_xlsx(capsys: pytest.CaptureFixture[str], pop_csv: Path, tmp_path: Path,
                                              command: str) -> None:
    out = tmp_path / "scores.xlsx"
    code, _, err = run(capsys, command, "--scheme", HZ23, "--population", str(pop_csv), "--out", str(out))
    assert code == 0, err
    values = no_formula_in_xlsx(out)
    assert "'" + LINK in values and "'@SUM(1+1)" in values  # kept, as text


def test_formula_person_id_is_neutralised_in_csv(capsys: pytest.CaptureFixture[str], pop_csv: Path,
                                                 tmp_path: Path) -> None:
    out = tmp_path / "scores.csv"
    code, _, err = run(capsys, "score", "--scheme", HZ23, "--population", str(pop_csv), "--out", str(out))
    assert code == 0, err
    rows = no_formula_in_csv(out)
    ids = [r[0] for r in rows[1:]]
    assert ids[:2] == ["'" + LINK, "'@SUM(1+1)"] and len(ids) == 300


def test_rejected_rows_csv_is_excel_safe(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    pop = make_population(50, seed=2)
    pop["education"] = pop["education"].astype(object)
    pop.loc[3, "education"] = "=1+2"
    src = tmp_path / "pop.csv"
    pop.to_csv(src, index=False)
    out = tmp_path / "s.csv"
    code, _, err = run(capsys, "score", "--scheme", HZ23, "--population", str(src), "--out", str(out),
                       "--skip-invalid")
    assert code == 0, err
    rejected = tmp_path / "s.rejected.csv"
    rows = no_formula_in_csv(rejected)
    assert len(rows) >= 2


def test_run_results_folder_csv_is_excel_safe(tmp_path: Path) -> None:
    table = pd.DataFrame({"label": ["=1+1", "+cmd|' /C calc'!A0", "ok"], "value": [-2.5, 1.0, 3.0],
                          "text_number": ["-2", "x", "y"]})
    out = tmp_path / "results"
    write_results(out, {"totals": table}, {"id": "x"}, lambda: "<html></html>")
    rows = no_formula_in_csv(out / "totals.csv")
    assert [r[0] for r in rows[1:]] == ["'=1+1", "'+cmd|' /C calc'!A0", "ok"]
    assert [r[2] for r in rows[1:]] == ["-2", "x", "y"]  # a negative number is a number, not a formula
    assert pd.read_parquet(out / "totals.parquet")["label"].tolist()[0] == "=1+1"  # data files keep the data


def test_run_results_on_a_full_disk_is_one_line_and_keeps_the_old_folder(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "results"
    write_results(out, {"totals": pd.DataFrame({"a": [1]})}, {"id": "old"}, lambda: "<html></html>")
    _interrupt_midway(monkeypatch, "to_parquet", OSError(errno.ENOSPC, "No space left on device"))
    with pytest.raises(ScoringInputError, match=r"--out .*results: cannot write: No space left on device"):
        write_results(out, {"totals": pd.DataFrame({"a": [2]})}, {"id": "new"}, lambda: "<html></html>")
    assert json.loads((out / "summary.json").read_text(encoding="utf-8")) == {"id": "old"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]


def test_pathways_tables_are_excel_safe_and_atomic(tmp_path: Path) -> None:
    out = tmp_path / "pw"
    write_pathway_tables(out, {"by_pathway": pd.DataFrame({"name": ["@x", "y"], "n": [1, 2]})}, {"a": 1}, "=stamp")
    rows = no_formula_in_csv(out / "by_pathway.csv")
    assert rows[1] == ["'@x", "1", "'=stamp"]
    assert json.loads((out / "summary.json").read_text(encoding="utf-8")) == {"a": 1}
    assert leftovers(out) == []


# ------------------------------------------------------------------------------------------------------------
# Finding 7: atomic outputs, and --out never the input
# ------------------------------------------------------------------------------------------------------------
def _interrupt_midway(monkeypatch: pytest.MonkeyPatch, method: str, exc: BaseException, owner: type = pd.DataFrame
                      ) -> None:
    """Make <owner>.<method> (DataFrame's by default) write a few bytes to its target and then fail (Ctrl-C, full
    disk)."""
    def broken(self: Any, path: Any, *args: Any, **kwargs: Any) -> None:
        if isinstance(path, str | os.PathLike):
            Path(path).write_bytes(b"person_id,tot")
        raise exc

    monkeypatch.setattr(owner, method, broken)


# The results (score/admit --out) are written from their arrays by ResultTable (pyarrow) as CSV and Parquet; XLSX
# by scoring.xlsx_sheet.
@pytest.mark.parametrize("suffix, method, exc, code", [
    (".csv", "write_csv", KeyboardInterrupt(), 130),
    (".parquet", "write_parquet", OSError(errno.ENOSPC, "No space left on device"), 2),
    (".xlsx", "write_sheet", OSError(errno.ENOSPC, "No space left on device"), 2),
])
def test_score_failing_midway_keeps_the_previous_output(capsys: pytest.CaptureFixture[str], pop_csv: Path,
                                                        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        suffix: str, method: str, exc: BaseException,
                                                        code: int) -> None:
    out = tmp_path / f"scores{suffix}"
    assert main(["score", "--scheme", HZ23, "--population", str(pop_csv), "--out", str(out)]) == 0
    before = out.read_bytes()
    capsys.readouterr()
    import scoring.xlsx_sheet
    from scoring.result_table import ResultTable

    _interrupt_midway(monkeypatch, method, exc, scoring.xlsx_sheet if suffix == ".xlsx" else ResultTable)
    got, _, err = run(capsys, "score", "--scheme", HZ23, "--population", str(pop_csv), "--out", str(out))
    assert got == code
    assert out.read_bytes() == before
    assert leftovers(tmp_path) == []
    if code == 2:
        assert err.strip() == f"错误：--out {out}：无法写入：磁盘空间不足"


def test_synth_interrupted_leaves_no_partial_file(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "pop.csv"
    _interrupt_midway(monkeypatch, "to_csv", KeyboardInterrupt())
    code, _, _ = run(capsys, "synth", "--n", "200", "--out", str(out), "--quiet")
    assert code == 130
    assert not out.exists() and leftovers(tmp_path) == []


def test_synth_full_disk_keeps_the_previous_file(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "pop.parquet"
    assert main(["synth", "--n", "100", "--out", str(out), "--quiet"]) == 0
    before = out.read_bytes()
    _interrupt_midway(monkeypatch, "to_parquet", OSError(errno.ENOSPC, "No space left on device"))
    line = one_line(capsys, "synth", "--n", "100", "--out", str(out), "--quiet")
    assert "无法写入：磁盘空间不足" in line  # in Chinese by default
    assert out.read_bytes() == before and leftovers(tmp_path) == []


def test_chunked_engine_interrupted_keeps_the_previous_output(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import scoring.outofcore.chunked as chunked

    src = tmp_path / "pop.parquet"
    make_population(400, seed=3).to_parquet(src, index=False)
    out = tmp_path / "scores.csv"
    args = ["score", "--scheme", HZ23, "--population", str(src), "--out", str(out), "--engine", "chunked",
            "--chunk-rows", "100"]
    assert main(args) == 0
    before = out.read_bytes()
    original = chunked.pass2_file

    def interrupted(*a: Any, **k: Any) -> Any:
        original(*a, **k)  # the whole output is written to the temporary file, then Ctrl-C
        raise KeyboardInterrupt

    monkeypatch.setattr(chunked, "pass2_file", interrupted)
    capsys.readouterr()
    assert main(args) == 130
    assert out.read_bytes() == before and leftovers(tmp_path) == []


@pytest.mark.parametrize("how", ["same", "symlink", "hardlink", "relative"])
def test_out_equal_to_the_population_is_refused(capsys: pytest.CaptureFixture[str], pop_csv: Path,
                                                monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    before = pop_csv.read_bytes()
    out = pop_csv
    if how == "symlink":
        out = pop_csv.with_name("alias.csv")
        out.symlink_to(pop_csv)
    elif how == "hardlink":
        out = pop_csv.with_name("hard.csv")
        os.link(pop_csv, out)
    elif how == "relative":
        monkeypatch.chdir(pop_csv.parent)
        out = Path("sub") / ".." / pop_csv.name
        (pop_csv.parent / "sub").mkdir()
    line = one_line(capsys, "score", "--scheme", HZ23, "--population", str(pop_csv), "--out", str(out), "--lang", "en")
    assert "is the input file" in line
    assert pop_csv.read_bytes() == before


def test_tune_out_equal_to_its_scheme_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    scheme = tmp_path / "s.yaml"
    scheme.write_bytes(Path(HZ23).read_bytes())
    line = one_line(capsys, "tune", str(scheme), "--synth", "200", "--out", str(scheme))
    assert "与输入文件" in line  # Chinese by default (scoring.cli.messages)
    assert scheme.read_bytes() == Path(HZ23).read_bytes()


def test_out_naming_a_folder_says_so(capsys: pytest.CaptureFixture[str], pop_csv: Path, tmp_path: Path) -> None:
    folder = tmp_path / "outdir.csv"
    folder.mkdir()
    for args in (["score", "--scheme", HZ23, "--population", str(pop_csv), "--out", str(folder)],
                 ["synth", "--n", "10", "--out", str(folder)]):
        line = one_line(capsys, *args)
        assert "这是一个文件夹" in line and "无法读取" not in line  # Chinese by default (scoring.cli.messages)


def test_read_only_folder_is_one_line(capsys: pytest.CaptureFixture[str], pop_csv: Path, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_a: Any, **_k: Any) -> Any:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)  # what a read-only folder does to the temporary file
    line = one_line(capsys, "score", "--scheme", HZ23, "--population", str(pop_csv), "--out",
                    str(tmp_path / "s.csv"))
    assert line == f"错误：--out {tmp_path / 's.csv'}：无法写入：没有写入权限"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes to read-only folders")
def test_real_read_only_folder_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        assert "cannot write" in one_line(capsys, "synth", "--n", "10", "--out", str(folder / "p.csv"))
    finally:
        folder.chmod(0o755)


# ------------------------------------------------------------------------------------------------------------
# Finding 8: other tracebacks
# ------------------------------------------------------------------------------------------------------------
def test_synth_beyond_memory_is_refused_before_drawing(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import scoring.population.synthetic

    def never(*_a: Any, **_k: Any) -> Any:
        raise AssertionError("synth ran")

    monkeypatch.setattr(scoring.population.synthetic, "synth", never)
    line = one_line(capsys, "synth", "--n", "100000000000", "--out", str(tmp_path / "p.parquet"))
    assert "--n 100,000,000,000：约需" in line and "GB 内存" in line  # the default language is Chinese
    assert not (tmp_path / "p.parquet").exists()


@pytest.mark.parametrize("engine", ["memory", "chunked"])
def test_parquet_with_nested_columns_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                 engine: str) -> None:
    src = tmp_path / "nested.parquet"
    pq.write_table(pa.table({"person_id": ["a", "b"], "age": [30, 40], "education": [["x"], ["y"]],
                             "insurance_years": [{"a": 1}, {"a": 2}]}), src)
    line = one_line(capsys, "score", "--scheme", HZ23, "--population", str(src), "--out", str(tmp_path / "s.csv"),
                    "--engine", engine)
    assert "'education', 'insurance_years' 存放的是列表或记录" in line  # in the report's language (zh by default)
    line = one_line(capsys, "score", "--scheme", HZ23, "--population", str(src), "--out", str(tmp_path / "s.csv"),
                    "--engine", engine, "--lang", "en")
    assert "'education', 'insurance_years' hold lists or records" in line


def test_out_at_a_device_is_refused(capsys: pytest.CaptureFixture[str], pop_csv: Path) -> None:
    if not Path("/dev/null").exists():
        pytest.skip("no /dev/null")
    line = one_line(capsys, "score", "--scheme", HZ23, "--population", str(pop_csv), "--out", "/dev/null",
                    "--lang", "en")
    assert "not a plain file" in line or "unknown output type" in line
    assert Path("/dev/null").is_char_device()


# ------------------------------------------------------------------------------------------------------------
# Finding 13: 1_0 is not 10
# ------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("args", [
    ["admit", "--scheme", HZ23, "--population", "POP", "--quota", "1_0"],
    ["admit", "--scheme", HZ23, "--population", "POP", "--threshold", "1_0.5"],
    ["admit", "--scheme", HZ23, "--population", "POP", "--ties", "lottery:1_2"],
    ["synth", "--n", "1_0", "--out", "OUT"],
    ["tune", HZ23, "--synth", "200", "--target-admitted", "1_0:2_0"],
])
def test_numbers_with_underscores_on_the_command_line(capsys: pytest.CaptureFixture[str], pop_csv: Path,
                                                      tmp_path: Path, args: list[str]) -> None:
    args = [str(pop_csv) if a == "POP" else str(tmp_path / "p.csv") if a == "OUT" else a for a in args]
    line = one_line(capsys, *args)
    assert re.search(r"\d_\d", line)  # the refused number is quoted back
    assert not (tmp_path / "p.csv").exists()


def test_population_value_1_0_is_not_ten(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    pop = make_population(20, seed=1)
    pop["insurance_years"] = pop["insurance_years"].astype(object)
    pop.loc[2, "insurance_years"] = "1_0"
    src = tmp_path / "pop.csv"
    pop.to_csv(src, index=False)
    line = one_line(capsys, "score", "--scheme", HZ23, "--population", str(src), "--out", str(tmp_path / "s.csv"),
                    "--lang", "en")
    assert "row 3" in line and "insurance_years" in line and "not a number" in line


def _broken_parquet(tmp_path: Path, how: str) -> Path:
    """A population Parquet file broken one way: cut in half, the magic bytes alone, or the page header of one
    column chunk overwritten (a column the scheme uses, or one it does not read)."""
    good = tmp_path / "good.parquet"
    pq.write_table(pa.Table.from_pandas(make_population(3_000, seed=3), preserve_index=False), good,
                   row_group_size=1_000)
    data = bytearray(good.read_bytes())
    if how == "truncated":
        data = data[: len(data) // 2]
    elif how == "magic":
        data = bytearray(b"PAR1")
    else:
        meta = pq.ParquetFile(good).metadata.row_group(1)
        column = next(meta.column(i) for i in range(meta.num_columns) if meta.column(i).path_in_schema == how)
        start = column.dictionary_page_offset or column.data_page_offset
        data[start:start + 12] = b"\xff" * 12
    path = tmp_path / f"{how}.parquet"
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("how", ["truncated", "magic", "age", "sex"])  # age is scored; sex is only screened
@pytest.mark.parametrize("engine", [["--engine", "auto"], ["--engine", "memory"], ["--engine", "chunked"]])
def test_a_broken_parquet_file_is_one_line_in_every_engine(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                          how: str, engine: list[str]) -> None:
    path = _broken_parquet(tmp_path, how)
    line = one_line(capsys, "admit", "--scheme", str(ROOT / "scenarios" / "schemes" / "beijing-2020.yaml"),
                    "--quota", "100", "--population", str(path), "--lang", "en", *engine)
    assert line.startswith(f"error: {path.name}: cannot read the Parquet file: ") and line.isprintable(), line


def test_a_broken_column_chunk_is_one_line_on_dask(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = _broken_parquet(tmp_path, "age")
    line = one_line(capsys, "admit", "--scheme", str(ROOT / "scenarios" / "schemes" / "beijing-2020.yaml"),
                    "--quota", "100", "--population", str(path), "--lang", "en", "--scheduler", "local")
    assert line.startswith(f"error: {path.name}: cannot read the Parquet file: "), line


def test_a_broken_parquet_file_is_told_in_chinese_by_default(capsys: pytest.CaptureFixture[str],
                                                            tmp_path: Path) -> None:
    path = _broken_parquet(tmp_path, "truncated")
    line = one_line(capsys, "admit", "--scheme", str(ROOT / "scenarios" / "schemes" / "beijing-2020.yaml"),
                    "--quota", "100", "--population", str(path))
    assert line.startswith(f"错误：{path.name}：无法读取该 Parquet 文件") and "cannot read" not in line, line


def test_ids_kept_as_a_pandas_index_are_named_in_a_warning_in_the_users_language(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """``df.set_index("person_id").to_parquet(...)`` keeps the ids where no engine reads them: the load says so, in
    Chinese by default (every WARNING a load gives has its Chinese wording)."""
    path = tmp_path / "indexed.parquet"
    make_population(400, seed=2).set_index("person_id").to_parquet(path)
    scheme = str(ROOT / "scenarios" / "schemes" / "beijing-2020.yaml")
    for lang, words in (("zh", "把列 'person_id' 存为 pandas 索引"),
                        ("en", "keeps column(s) 'person_id' as its pandas index")):
        for engine in ("memory", "chunked"):  # every engine says it, once
            code, _, err = run(capsys, "admit", "--scheme", scheme, "--quota", "10", "--population", str(path),
                               "--lang", lang, "--engine", engine)
            assert code == 0 and err.count(words) == 1, err
            assert ("WARNING" in err) == (lang == "en"), err


def test_the_out_of_core_engines_print_the_generated_ids_warning(capsys: pytest.CaptureFixture[str],
                                                                  tmp_path: Path) -> None:
    path = tmp_path / "noid.parquet"
    make_population(3_000, seed=2).rename(columns={"person_id": "员工编号"}).to_parquet(path, row_group_size=1_000)
    code, _, err = run(capsys, "admit", "--scheme", str(ROOT / "scenarios" / "schemes" / "beijing-2020.yaml"),
                       "--quota", "10", "--population", str(path), "--engine", "chunked", "--chunk-rows", "1000")
    assert code == 0 and err.count("注意：没有人员编号") == 1 and "'员工编号'" in err, err


@pytest.mark.parametrize("warning", [
    "WARNING: no person_id column, so ids P0000001... were generated; but column(s) '编号' look like an id column (a "
    "distinct value in every row): rename it to person_id / 人员编号 to keep its ids",
    "WARNING: x.parquet keeps column(s) 'person_id', 'k' as its pandas index, which is not read: write them as "
    "columns (df.reset_index().to_parquet(...))",
    "pop.csv is an Excel workbook (whatever its name says): read as .xlsx",
    "WARNING: formula cells in column(s) '年龄' (3 cell(s)): the values read are the results Excel saved when the "
    "file was last calculated, stale if it was edited by a program that does not recalculate; paste them as values "
    "to be sure",
    "WARNING: sheet 'S1' holds formula cells: their values are the results Excel saved when the file was last "
    "calculated; paste them as values to be sure",
])
def test_every_loud_warning_of_a_load_has_its_chinese_wording(warning: str) -> None:
    from scoring.reasons import reason_text

    zh = reason_text(warning, "zh")
    assert zh != warning and not re.search(r"\b(the|is|are|read|column|WARNING)\b", zh), zh
