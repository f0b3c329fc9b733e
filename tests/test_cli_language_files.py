"""A population file refused before any row is read (empty, header only, a header twice, undecodable, NUL bytes,
malformed CSV, a line past the field limit, nested Parquet columns, an unreadable workbook or Parquet file, a
folder, no header row) is worded in Chinese in the Chinese view (command line and dashboard share
``scoring.cli.messages.localized``), with no English sentence left; the English view keeps the library's own."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from test_cli_language import CJK, english_words

from scoring.cli import main
from scoring.cli.messages import localized
from scoring.cli.messages_files import parser_detail
from scoring.errors import PopulationError
from scoring.population.load import read_population
from scoring.population.synthetic import synth

SCHEME = Path(__file__).resolve().parent.parent / "scenarios" / "schemes" / "beijing-2020.yaml"
FORMATS = re.compile(r"\b(UTF|GB18030|GBK|CSV|XLSX|xlsx|Parquet|PAR1|NUL|zip|csv)\b")  # names of formats, not words


def _files(tmp: Path) -> dict[str, Path]:
    pop = synth(40, 1)
    files: dict[str, bytes] = {
        "empty.csv": b"",
        "blank_lines.csv": b"\n\n\n",
        "header_only.csv": pop.head(0).to_csv(index=False).encode(),
        "twice.csv": b"age,age\n1,2\n",
        "undecodable.csv": bytes(range(128, 256)) * 30,
        "nul.csv": b"age,sex\n1\x00,m\n",
        "open_quote.csv": b'age,sex\n"1,m\n',
        "long_field.csv": b"age\n" + b"1" * (200 * 1024) + b"\n",
        "not_a_workbook.xlsx": pop.to_csv(index=False).encode(),
        "renamed.parquet": pop.to_csv(index=False).encode(),
        "no_header.csv": b"1,2,3\n4,5,6\n",
    }
    out = {}
    for name, data in files.items():
        (tmp / name).write_bytes(data)
        out[name] = tmp / name
    pop.to_parquet(tmp / "whole.parquet")
    (tmp / "cut.parquet").write_bytes((tmp / "whole.parquet").read_bytes()[:400])
    out["cut.parquet"] = tmp / "cut.parquet"
    pq.write_table(pa.table({"age": pa.array([[1, 2]], pa.list_(pa.int64()))}), tmp / "nested.parquet")
    out["nested.parquet"] = tmp / "nested.parquet"
    os.mkdir(tmp / "a_folder")
    out["a_folder"] = tmp / "a_folder"
    return out


@pytest.fixture(scope="module")
def refused(tmp_path_factory: pytest.TempPathFactory) -> dict[str, PopulationError]:
    got = {}
    for name, path in _files(tmp_path_factory.mktemp("files")).items():
        with pytest.raises(PopulationError) as exc:
            read_population(path)
        got[name] = exc.value
    return got


def test_every_file_refusal_reads_in_chinese(refused: dict[str, PopulationError]) -> None:
    for name, exc in refused.items():
        zh = localized(exc, "zh")
        left = english_words(FORMATS.sub(" ", zh.replace(name, " ")))
        assert CJK.search(zh) and not left, (name, zh, left)
        assert localized(exc, "en") == " ".join(str(exc).split("\n")[0].split())  # the English view: as written


def test_the_parsers_own_words_are_translated_or_pointed_to() -> None:
    assert parser_detail("Error tokenizing data. C error: Expected 3 fields in line 7, saw 5") == \
        "第 7 行有 5 个字段，应为 3 个"
    assert parser_detail("BadZipFile: File is not a zip file").startswith("不是有效的 zip 压缩包")
    assert parser_detail("SomethingNew: whatever happened") == "详细信息见英文界面（--lang en）"


def test_the_command_line_prints_it_in_one_chinese_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty.csv").write_bytes(b"")
    code = main(["admit", "--scheme", str(SCHEME), "--quota", "5", "--population", str(tmp_path / "empty.csv")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.startswith("错误：") and err.endswith("empty.csv：文件是空的") and "\n" not in err, err


def test_a_missing_column_names_the_files_headers_the_same_from_every_engine(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A file without a column the scheme reads: every engine (in memory, chunked, and the Dask engine's header
    check before any cluster starts) names what reads it and the file's own headers (the frame holds only the
    columns read: "its columns: person_id" before), and points to the ``columns`` command; in Chinese too."""
    from scoring.outofcore.precheck import refuse_early
    from scoring.scheme.load import load_scheme

    pop = synth(30, 2).drop(columns=["insurance_years"]).rename(columns={"age": "年龄"})
    pop["note"] = "x"
    path = tmp_path / "short.parquet"
    pop.to_parquet(path, row_group_size=10)
    lines = {}
    for engine in ("memory", "chunked"):
        for lang in ("zh", "en"):
            code = main(["admit", "--scheme", str(SCHEME), "--quota", "5", "--population", str(path),
                         "--engine", engine, "--lang", lang])
            err = capsys.readouterr().err.strip()
            assert code == 2 and "\n" not in err, err
            lines[engine, lang] = err
    assert lines["memory", "en"] == lines["chunked", "en"] and lines["memory", "zh"] == lines["chunked", "zh"]
    en, zh = lines["memory", "en"], lines["memory", "zh"]
    assert "column 'insurance_years' (used by " in en and "is not in the file" in en
    assert "the file's columns: person_id, 年龄, sex" in en and "and 3 more" in en and "columns --scheme" in en
    assert "文件中没有方案“beijing-2020”所需的列“insurance_years”（社保缴纳年限）" in zh
    assert "文件中的列：“person_id”、“年龄”" in zh
    assert not english_words(FORMATS.sub(" ", zh.split("：", 1)[1].replace("python -m scoring columns", "")
                                         .replace(str(SCHEME), "")))
    with pytest.raises(PopulationError) as got:
        refuse_early(load_scheme(SCHEME), path, quota=5)
    assert f"error: {got.value}" == en


def test_the_command_line_names_its_option_not_the_python_argument(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """The library's advice names both ("--skip-invalid / skip_invalid=True"); the command line its option only."""
    pop = synth(20, 1).astype({"age": object})
    pop.loc[3, "age"] = "abc"
    pop.to_csv(tmp_path / "bad.csv", index=False)
    assert main(["admit", "--scheme", str(SCHEME), "--quota", "5", "--population", str(tmp_path / "bad.csv"),
                 "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert "use --skip-invalid to keep the valid rows" in err and "skip_invalid=True" not in err
