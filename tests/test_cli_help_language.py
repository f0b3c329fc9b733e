"""``--help`` follows the command line's language rule: Chinese by default, English with ``--lang en`` (or
``--lang=en``), and no English prose left in the Chinese view, nor Chinese in the English one.

What may stay in the Chinese view is found by kind, not listed sentence by sentence: the usage block (the command
line itself), the option column, and inside the prose the option names, the metavars in capitals, file and folder
names, identifiers (``person_id``, ``residence.points_per_unit=4:8``), `quoted commands`, the choices and command
names the parsers declare, the column names and headers of the population schema, and a few proper names. Whatever
else holds three or more ASCII letters in a row is English prose left untranslated. The English view may hold
Chinese only in the schema's column headers (``社保缴纳年限 or insurance_years``).
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest
import yaml

from scoring.cli import COMMANDS, build_parser, main

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = yaml.safe_load((ROOT / "scoring" / "population" / "population_schema.yaml").read_text(encoding="utf-8"))
NAMES = sorted({str(n) for col, spec in SCHEMA["columns"].items() for n in [col, *spec.get("aliases", [])]},
               key=len, reverse=True)  # every column name and header the schema accepts, longest first
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
PROPER_NAMES = ("Parquet", "Excel", "Dask", "LocalCluster", "Sobol")  # products and people, not words to translate
OPTION_VALUES = ("local",)  # a value an option takes that no `choices` declares (--scheduler local)
TARGETS = [None, *(command for command, *_ in COMMANDS)]  # None: the top-level help

_A = r"(?<![A-Za-z0-9_])"  # an ASCII word's edges (\b would take a Chinese character for a word character)
_Z = r"(?![A-Za-z0-9_])"
CODE = [  # the token classes that legitimately stay in the Chinese view, each as a regex
    r"`[^`]*`",  # a quoted command
    r"python -m scoring",
    _A + r"--?[A-Za-z][\w-]*",  # an option name
    _A + r"[A-Z][A-Z0-9_]*" + _Z,  # a metavar, or a format's name (CSV, XLSX, YAML, JSON, UTF, BOM)
    r"[!-~]*/[!-~]*",  # a path, a folder or a URL
    r"[!-~]*\w[_.:=]\w[!-~]*",  # an identifier: person_id, residence.points_per_unit=4:8, S.yaml
    r"(?<!\w)\.[a-z]+" + _Z,  # a file extension
]


@pytest.fixture(autouse=True)
def _one_width(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")  # one layout, whatever the terminal running the tests


def _help(capsys: pytest.CaptureFixture[str], command: str | None, *lang: str) -> str:
    argv = ([command] if command else []) + ["--help", *lang]
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 0
    return capsys.readouterr().out


def _declared(command: str | None) -> set[str]:
    """The choices and command names the parser of ``command`` (or the top level) declares."""
    parser = build_parser([command] if command else [])
    sub = parser._subparsers._group_actions[0]  # type: ignore[union-attr]
    words = set(sub.choices)
    chosen = sub.choices.get(command) if command else parser
    for action in chosen._actions if isinstance(chosen, argparse.ArgumentParser) else []:
        words |= {str(c) for c in action.choices or ()}
    return words


def _alternation(words: set[str] | list[str] | tuple[str, ...]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def _prose(text: str) -> str:
    """The Chinese help without its usage block and its option column (``  --out OUT   help``: the ``--out OUT``)."""
    usage, _, rest = text.partition("\n\n")
    assert usage.startswith("用法：python -m scoring"), usage
    return re.sub(r"(?m)^ {2,4}\S.*?(?: {2,}|$)", " ", rest)


def _left_in_chinese(text: str, command: str | None) -> list[str]:
    """The runs of 3+ ASCII letters in the Chinese help once every allowed token class is taken out."""
    rest = _prose(text)
    names = _A + f"(?:{_alternation([n for n in NAMES if not CJK.search(n)])})" + _Z
    words = _A + f"(?:{_alternation(_declared(command) | set(PROPER_NAMES) | set(OPTION_VALUES))})" + _Z
    for pattern in [*CODE, names, words]:
        rest = re.sub(pattern, " ", rest)
    return re.findall(r"[A-Za-z]{3,}", rest)


@pytest.mark.parametrize("command", TARGETS, ids=lambda c: c or "top-level")
def test_the_help_is_chinese_by_default(command: str | None, capsys: pytest.CaptureFixture[str]) -> None:
    text = _help(capsys, command)
    assert CJK.search(text)
    assert re.search(r"(?m)^选项：$", text)  # argparse's own words too: "用法：" (_prose), "选项：", "-h"
    assert "显示此帮助信息并退出" in text
    assert _left_in_chinese(text, command) == []


@pytest.mark.parametrize("command", TARGETS, ids=lambda c: c or "top-level")
@pytest.mark.parametrize("lang", [("--lang", "en"), ("--lang=en",)], ids=["--lang en", "--lang=en"])
def test_the_help_is_english_with_lang_en(command: str | None, lang: tuple[str, ...],
                                          capsys: pytest.CaptureFixture[str]) -> None:
    text = _help(capsys, command, *lang)
    assert text.startswith("usage: python -m scoring")
    assert "show this help message and exit" in text
    headers = rf"(?:{_alternation([n for n in NAMES if CJK.search(n)])})\s+or\s"  # 社保缴纳年限 or insurance_years
    assert CJK.findall(re.sub(headers, " ", text)) == []


def test_the_check_finds_english_left_in_the_chinese_help(capsys: pytest.CaptureFixture[str]) -> None:
    """The allowed token classes do not hide prose: an English sentence in the Chinese help is found."""
    text = _help(capsys, "admit")
    leaked = text.replace("方案 YAML 文件", "the scheme's YAML file, as written", 1)
    assert _left_in_chinese(leaked, "admit") == ["the", "scheme", "file", "written"]


@pytest.mark.parametrize("command", TARGETS, ids=lambda c: c or "top-level")
def test_the_chinese_help_lines_up(command: str | None, capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Wrapped by its width on screen (a Chinese character takes two columns): no line of prose runs past the
    terminal, none begins with closing punctuation, and the usage's continuation lines sit under its first
    argument as in English."""
    from scoring.cli.help_text import display_width

    monkeypatch.setenv("COLUMNS", "60")
    usage, _, rest = _help(capsys, command).partition("\n\n")
    first, *more = usage.split("\n")
    prog = f"用法：python -m scoring {command} " if command else "用法：python -m scoring "
    assert first.startswith(prog)
    assert all(line.startswith(" " * display_width(prog)) and line[display_width(prog)] != " " for line in more)
    lines = rest.split("\n")
    assert [line for line in lines if display_width(line) > 60] == []
    assert [line for line in lines if line.strip()[:1] in set("，。、；：）”")] == []


def test_lang_before_the_command(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """``--lang en`` may come before the command: the top-level help is English, and so is the command's report."""
    with pytest.raises(SystemExit) as exc:
        main(["--lang", "en", "--help"])
    assert exc.value.code == 0
    assert "Hangzhou points-settlement simulator" in capsys.readouterr().out
    scheme = str(Path(__file__).resolve().parent.parent / "scenarios" / "schemes" / "beijing-2020.yaml")
    assert main(["--lang", "en", "check-scheme", scheme]) == 0
    out = capsys.readouterr().out
    assert "design share" in out and not re.search(r"[\u4e00-\u9fff]", out)
    assert main(["--lang", "en", "check-scheme", str(tmp_path / "missing.yaml")]) == 2
    assert capsys.readouterr().err.startswith("error: ")
