"""A scheme refused, in the Chinese view: the file (not YAML, too deep, alias bombs, unknown keys) and each value's
problem are worded in Chinese (``scoring.cli.messages_schemes``), the English view keeps the library's sentence;
and a scheme mutated at random is refused with a SchemeError, never another exception (a ``kind`` that is a
mapping, ``items: true`` raised TypeError before)."""

from __future__ import annotations

import copy
import random
from pathlib import Path
from typing import Any

import pytest
from test_cli_language import CJK

from scoring.cli import main
from scoring.cli.messages import localized
from scoring.errors import SchemeError
from scoring.scheme.load import read_scheme_dict, scheme_from_dict

SCHEMES = sorted((Path(__file__).resolve().parent.parent / "scenarios" / "schemes").glob("*.yaml"))
ODD_VALUES: list[Any] = ["abc", -5, None, [], {}, {"x": 1}, True, 1e400, "1,0", [1, 2], 0, "", "min"]


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    out = []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for key, value in items:
        out.append((*prefix, key))
        out += _paths(value, (*prefix, key))
    return out


def _mutated(base: dict, rng: random.Random) -> dict:
    data = copy.deepcopy(base)
    path = rng.choice(_paths(base))
    node = data
    for key in path[:-1]:
        node = node[key]
    if rng.random() < 0.3:
        node.pop(path[-1]) if isinstance(node, list) else node.pop(path[-1], None)
    elif rng.random() < 0.15 and isinstance(node[path[-1]], dict):
        node[path[-1]] = {**node[path[-1]], "bogus_key": 1}
    else:
        node[path[-1]] = rng.choice(ODD_VALUES)
    return data


@pytest.mark.parametrize("scheme", SCHEMES, ids=lambda p: p.stem)
def test_a_mutated_scheme_is_refused_in_chinese_never_crashes(scheme: Path) -> None:
    base = read_scheme_dict(scheme)
    rng = random.Random(7)
    refused = 0
    for _ in range(150):
        try:
            scheme_from_dict(_mutated(base, rng), "x.yaml")
        except SchemeError as exc:
            refused += 1
            zh, en = localized(exc, "zh"), localized(exc, "en")
            assert CJK.search(zh) and zh != en, (en, zh)
            assert "详细信息见英文界面" not in zh, (en, zh)  # every reason's form is known
            assert en == " ".join(str(exc).split("\n")[0].split())
    assert refused > 30  # the mutations do break schemes (most of them)


def test_the_files_refusals_read_in_chinese(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import yaml

    base = read_scheme_dict(next(p for p in SCHEMES if p.stem == "beijing-2020"))
    kind, items = copy.deepcopy(base), copy.deepcopy(base)
    kind["items"][0]["kind"] = {"x": 1}
    items["items"] = True
    files = {"alias.yaml": "a: &a [1, 2]\nb: [*a, *a]\n", "broken.yaml": "id: x\n  bad: [\n", "empty.yaml": "",
             "kind.yaml": yaml.safe_dump(kind, allow_unicode=True), "items.yaml": yaml.safe_dump(items)}
    first = base["items"][0]["id"]
    want = {"alias.yaml": "方案中没有这个键", "broken.yaml": "不是有效的 YAML（第 2 行第 6 列）：此处不能出现映射的值",
            "empty.yaml": "方案文件须为 YAML 映射",
            "kind.yaml": f"items[0] (id={first}).kind：应为 'per_unit', 'category', 'bands' 或 'flag' 之一",
            "items.yaml": "items：值 True：应为列表"}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        assert main(["check-scheme", str(tmp_path / name)]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("错误：") and want[name] in err and "\n" not in err, (name, err)


def test_a_scenario_refused_is_worded_in_chinese_where_its_reason_is_known(tmp_path: Path,
                                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """A scenario's, targets' or rule set's refusal: in Chinese where the form of its reason is known, else as the
    library writes it (never hidden behind "see the English view")."""
    from scoring.errors import ScenarioError

    scheme = next(p for p in SCHEMES if p.stem == "beijing-2020")
    files = {"missing.yaml": f"id: s\nscheme: {scheme}\npopulation: {{file: nope.csv}}\n",
             "bogus.yaml": "id: s\nbogus: 1\n"}
    want = {"missing.yaml": "population.file：找不到 /", "bogus.yaml": "bogus：未知的键；可用的键：id, title"}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        assert main(["run", str(tmp_path / name)]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("错误：") and want[name] in err, (name, err)
    assert main(["run", str(scheme)]) == 2
    assert "这是积分方案，不是情景" in capsys.readouterr().err
    unknown = ScenarioError("s.yaml: horizon: something new went wrong")
    assert localized(unknown, "zh") == str(unknown)  # an unknown reason is shown as written


@pytest.mark.parametrize("text", ["id: x\nitems: [a: b\n  c\n", "id: x\n\tvalue: 3\n", "a:\n  - 1\n - 2\n",
                                  "a: 1\n---\nb: 2\n", 'a: "x\\q"\n', "a: {b: 1\n", "a: b: c\n"])
def test_yaml_syntax_errors_are_worded_in_chinese(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                 text: str) -> None:
    """A broken YAML file's reason was 'see the English view' in the Chinese view (trial): the parser's common
    reasons are worded, with the line and column."""
    from scoring.cli.messages_files import UNKNOWN_REASON

    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["check-scheme", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("错误：") and "不是有效的 YAML（第" in err and UNKNOWN_REASON not in err, err
    assert main(["check-scheme", str(path), "--lang", "en"]) == 2
    assert "not valid YAML at line" in capsys.readouterr().err
