"""Refusals a new user met in English inside the Chinese view (2026-12-02 trial): --ties, a non-finite
--threshold, synth's memory estimate, a too deeply nested YAML file. Each is now worded in Chinese, and the English
view keeps the library's words."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scoring.cli import main
from scoring.population.synthetic import synth

SCHEME = str(Path(__file__).resolve().parent.parent / "scenarios" / "schemes" / "beijing-2020.yaml")
ENGLISH_WORD = re.compile(r"\b(?!asc\b|desc\b|admit_all\b|lottery\b|insurance_years\b|age\b|sideways\b|abc\b|nan\b"
                          r"|python\b|scoring\b|admit\b|synth\b|yaml\b|check\b)[A-Za-z]{3,}\b")


def _status(argv: list[str]) -> int:
    """main()'s status; a usage error ends with SystemExit (argparse), as on the command line."""
    try:
        return main(argv)
    except SystemExit as end:
        return int(end.code or 0)


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("pop") / "pop.parquet"
    synth(300, 1).to_parquet(path, index=False)
    return str(path)


@pytest.mark.parametrize(("args", "words"), [
    (["--quota", "5", "--ties", "age:sideways"], "排序须为 asc（升序）或 desc（降序）"),
    (["--quota", "5", "--ties", "lottery:abc"], "需要一个整数种子"),
    (["--quota", "5", "--ties", ","], "请填写 admit_all"),
    (["--threshold", "nan"], "不是有限的数字"),
    (["--threshold", "1e17"], "超出 ±1,000,000 分的范围"),
    (["--quota", "5", "--ties", "lottery:1,lottery:2"], "抽签只能是最后一个同分排序键"),
])
def test_admit_refusals_in_chinese(population: str, args: list[str], words: str, capsys) -> None:
    assert _status(["admit", "--scheme", SCHEME, "--population", population, *args]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("错误：") and words in err, err
    words_shown = re.sub(r"--[\w-]+", "", err.split("：", 1)[1].replace("python -m scoring admit: ", ""))
    assert not ENGLISH_WORD.search(words_shown), err  # options, values and the tie chain's own words aside


def test_synth_memory_and_yaml_depth_in_chinese(tmp_path: Path, capsys) -> None:
    assert main(["synth", "--n", "100000000000", "--out", str(tmp_path / "x.parquet")]) == 2
    err = capsys.readouterr().err
    assert "约需" in err and "GB 内存" in err and "people" not in err, err
    deep = tmp_path / "deep.yaml"
    deep.write_text("[" * 5000, encoding="utf-8")
    assert main(["check-scheme", str(deep)]) == 2
    err = capsys.readouterr().err
    assert "嵌套层数超过上限" in err and "英文界面" not in err, err
    assert main(["check-scheme", str(deep), "--lang", "en"]) == 2
    assert "exceeded maximum nesting depth" in capsys.readouterr().err
