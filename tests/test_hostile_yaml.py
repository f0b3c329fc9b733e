"""Hostile YAML (issue 12, findings 1, 8, 9, 12, 13): every attack the probe found fails fast with one line.

Schemes, scenarios and rule sets share one reader (scoring.yaml_files); the dashboard's uploads go through
load_scheme_text. Each test reproduces the attack and checks the project's error type and its message.
"""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
import yaml

from scoring.errors import ScenarioError, SchemeError, ScoringInputError
from scoring.pathways.rules import RuleSetError, load_ruleset
from scoring.scenario.load import load_scenario
from scoring.scheme.load import load_scheme, load_scheme_text, read_scheme_dict, scheme_from_dict
from scoring.scheme.model import MAX_VALUES, SCHEME_LIMITS
from scoring.yaml_files import (
    MAX_BASE_CHAIN,
    MAX_YAML_BYTES,
    MAX_YAML_DEPTH,
    MAX_YAML_NODES,
    merge_mappings,
    parse_yaml_text,
    short_repr,
)

ROOT = Path(__file__).resolve().parent.parent
HZ23 = ROOT / "scenarios" / "schemes" / "hangzhou-2023-illustrative.yaml"


def billion_laughs(levels: int = 9, width: int = 9) -> str:
    """The classic alias bomb: ``width ** levels`` strings from a few hundred bytes."""
    lines = ['id: x', 'version: "1"', 'a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for k in range(1, levels):
        lines.append(f"a{k}: &a{k} [" + ", ".join([f"*a{k - 1}"] * width) + "]")
    lines.append(f"items: *a{levels - 1}")
    return "\n".join(lines) + "\n"


def nested(depth: int) -> str:
    return "id: x\nitems: " + "[" * depth + "1" + "]" * depth + "\n"


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "scoring", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=timeout, env=env)


def one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("错误："), proc.stderr
    return lines[0]


# ------------------------------------------------------------------------------------------------------------
# Finding 1: the alias bomb
# ------------------------------------------------------------------------------------------------------------
def test_billion_laughs_is_small_and_would_expand_past_the_limit() -> None:
    text = billion_laughs()
    assert len(text.encode()) < 600  # the probe's file was 509 bytes
    node = yaml.safe_load(text)["items"]  # plain safe_load builds it (shared lists): 9**9 strings to whoever walks it
    for _ in range(8):
        assert len(node) == 9 and all(child is node[0] for child in node)
        node = node[0]
    assert node == ["lol"] * 9


def test_alias_bomb_file_is_refused_by_the_reader(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(billion_laughs(), encoding="utf-8")
    with pytest.raises(SchemeError, match=r"bomb\.yaml: the YAML has more than .* values once aliases are expanded"):
        load_scheme(path)


def test_alias_bomb_upload_is_refused_as_the_dashboard_shows_errors() -> None:
    with pytest.raises(SchemeError, match="values once aliases are expanded"):
        load_scheme_text(billion_laughs(), "<uploaded scheme>")


@pytest.mark.parametrize("loader, error", [(load_scenario, ScenarioError), (load_ruleset, RuleSetError)])
def test_alias_bomb_is_refused_for_scenarios_and_rule_sets(tmp_path: Path, loader: Any, error: type) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(billion_laughs(), encoding="utf-8")
    with pytest.raises(error, match="values once aliases are expanded"):
        loader(path)


def test_check_scheme_on_the_alias_bomb_exits_2_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(billion_laughs(), encoding="utf-8")
    assert f"YAML 中的值超过 {MAX_YAML_NODES:,} 个（展开别名后）" in one_line_error(cli("check-scheme", str(path)))


def test_aliases_within_the_limit_still_work() -> None:
    text = "a: &x {zh: 居住, en: residence}\nb: *x\nc: [*x, *x]\n"
    assert parse_yaml_text(text, "<t>", SchemeError) == {"a": {"zh": "居住", "en": "residence"},
                                                         "b": {"zh": "居住", "en": "residence"},
                                                         "c": [{"zh": "居住", "en": "residence"}] * 2}


def test_alias_loops_and_alias_chains_past_the_depth_are_refused() -> None:
    with pytest.raises(SchemeError, match="loop"):
        parse_yaml_text("a: &a [1, *a]\n", "<t>", SchemeError)
    chain = "a0: &a0 [1]\n" + "".join(f"a{k}: &a{k} [*a{k - 1}]\n" for k in range(1, MAX_YAML_DEPTH + 5))
    with pytest.raises(SchemeError, match="deeper than"):
        parse_yaml_text(chain, "<t>", SchemeError)


def test_short_repr_is_bounded_on_a_shared_structure() -> None:
    # What a scheme error would show for the bomb's value: 9**9 leaves reached through shared lists. The old
    # _short built the whole repr (gigabytes) before cutting it.
    value: Any = ["lol"] * 9
    for _ in range(8):
        value = [value] * 9
    text = short_repr(value)
    assert len(text) <= 60 and text.startswith("[[")


# ------------------------------------------------------------------------------------------------------------
# Finding 8: RecursionError, /dev/zero, named pipes
# ------------------------------------------------------------------------------------------------------------
def test_deep_nesting_is_refused_before_the_recursive_composer(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text(nested(500), encoding="utf-8")
    with pytest.raises(SchemeError, match=f"deep.yaml: YAML nested deeper than {MAX_YAML_DEPTH} levels"):
        load_scheme(path)
    with pytest.raises(SchemeError, match=r"nested deeper|maximum nesting depth"):  # libyaml stops at 1,000 itself
        load_scheme_text(nested(100_000))


def test_nesting_at_the_limit_is_read() -> None:
    data = parse_yaml_text(nested(MAX_YAML_DEPTH - 1), "<t>", SchemeError)
    depth, node = 0, data["items"]
    while isinstance(node, list):
        depth, node = depth + 1, node[0]
    assert depth == MAX_YAML_DEPTH - 1 and node == 1


def test_deep_scheme_in_the_cli_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text(nested(500), encoding="utf-8")
    assert f"YAML 嵌套超过 {MAX_YAML_DEPTH} 层" in one_line_error(cli("check-scheme", str(path)))


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_base_at_dev_zero_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "zero.yaml"
    path.write_text("base: /dev/zero\nid: x\n", encoding="utf-8")
    with pytest.raises(SchemeError, match="/dev/zero: cannot read the scheme file: it is not a plain file"):
        load_scheme(path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_base_at_a_named_pipe_is_refused_without_waiting(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    path = tmp_path / "s.yaml"
    path.write_text(f"base: {fifo}\nid: x\n", encoding="utf-8")
    outcome: list[BaseException | None] = []

    def load() -> None:
        try:
            load_scheme(path)
            outcome.append(None)
        except BaseException as exc:  # handed to the test thread
            outcome.append(exc)

    worker = threading.Thread(target=load, daemon=True)
    worker.start()
    worker.join(60)
    if worker.is_alive():  # opening the pipe for reading waits for a writer: unblock it, then fail
        with open(fifo, "w"):
            pass
        pytest.fail("load_scheme waited on a named pipe")
    assert isinstance(outcome[0], SchemeError) and "not a plain file" in str(outcome[0])


def test_a_folder_and_a_missing_file_still_give_one_line(tmp_path: Path) -> None:
    with pytest.raises(SchemeError, match="it is a folder"):
        load_scheme(tmp_path)
    with pytest.raises(SchemeError, match="scheme file not found"):
        load_scheme(tmp_path / "missing.yaml")


def test_a_file_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("id: x\nnotes: " + "a" * MAX_YAML_BYTES + "\n", encoding="utf-8")
    with pytest.raises(SchemeError, match="larger than"):
        load_scheme(path)
    with pytest.raises(SchemeError, match="longer than"):
        load_scheme_text("a" * (MAX_YAML_BYTES + 1))


def test_many_values_are_refused_before_the_tree_is_built() -> None:
    text = "items: [" + ",".join(["1"] * (MAX_YAML_NODES + 10)) + "]\n"
    assert len(text) < MAX_YAML_BYTES
    with pytest.raises(SchemeError, match=f"more than {MAX_YAML_NODES:,} values"):
        load_scheme_text(text)


def test_python_tags_are_still_refused() -> None:
    with pytest.raises(SchemeError, match="could not determine a constructor"):
        load_scheme_text("id: !!python/object/apply:os.system ['true']\n")


# ------------------------------------------------------------------------------------------------------------
# Finding 12: a base file's values never appear in errors
# ------------------------------------------------------------------------------------------------------------
def test_base_pointing_at_a_secrets_file_names_key_and_file_not_value(tmp_path: Path) -> None:
    secrets = tmp_path / "config.yaml"
    secrets.write_text("db_host: db.internal\ndb_password: hunter2-XYZZY\n", encoding="utf-8")
    scheme = tmp_path / "s.yaml"
    scheme.write_text(f"base: {secrets.name}\nid: x\n", encoding="utf-8")
    with pytest.raises(SchemeError) as info:
        load_scheme(scheme)
    msg = str(info.value)
    assert "config.yaml" in msg and "db_host" in msg and "unknown key" in msg and "s.yaml" in msg
    assert "hunter2" not in msg and "db.internal" not in msg
    proc = cli("check-scheme", str(scheme))
    assert "hunter2" not in proc.stderr + proc.stdout and "db.internal" not in proc.stderr + proc.stdout
    one_line_error(proc)
    proc = cli("check-scheme", str(scheme), "--json")
    assert "hunter2" not in proc.stderr + proc.stdout


def test_scenario_base_pointing_at_a_secrets_file_does_not_show_its_values(tmp_path: Path) -> None:
    secrets = tmp_path / "config.yaml"
    secrets.write_text("db_password: hunter2-XYZZY\n", encoding="utf-8")
    scenario = tmp_path / "sc.yaml"
    scenario.write_text(f"base: {secrets.name}\nid: x\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(scenario)
    assert "config.yaml" in str(info.value) and "db_password" in str(info.value)
    assert "hunter2" not in str(info.value)


def test_unknown_nested_key_does_not_echo_its_value() -> None:
    data = read_scheme_dict(HZ23)
    data["dominance"]["secret_note"] = "hunter2-XYZZY"
    with pytest.raises(SchemeError) as info:
        scheme_from_dict(copy.deepcopy(data), "x.yaml")
    assert "dominance.secret_note: unknown key" in str(info.value) and "hunter2" not in str(info.value)
    data = read_scheme_dict(HZ23)
    data["items"][0]["secret_note"] = "hunter2-XYZZY"
    with pytest.raises(SchemeError) as info:
        scheme_from_dict(data, "x.yaml")
    assert "secret_note" in str(info.value) and "hunter2" not in str(info.value)


def test_rule_set_unknown_key_does_not_echo_its_value(tmp_path: Path) -> None:
    rules = yaml.safe_load((ROOT / "rulesets" / "notice-2023.yaml").read_text(encoding="utf-8"))
    rules["recognition"]["password"] = "hunter2-XYZZY"  # beside the real keys, which the readings check
    shutil.copytree(ROOT / "rulesets", tmp_path / "rulesets")  # the permit file and schemes it names
    path = tmp_path / "rulesets" / "r.yaml"
    path.write_text(yaml.safe_dump(rules, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RuleSetError) as info:
        load_ruleset(path)
    assert "unknown key" in str(info.value) and "hunter2" not in str(info.value)


# ------------------------------------------------------------------------------------------------------------
# Finding 9 (scheme side): bounded size
# ------------------------------------------------------------------------------------------------------------
def _items(n: int) -> list[dict[str, Any]]:
    return [{"id": f"f{k}", "kind": "flag", "column": "has_residence_permit", "points": 1} for k in range(n)]


def test_a_scheme_with_100k_items_is_refused_before_validation() -> None:
    data = read_scheme_dict(HZ23)
    data["items"] = _items(100_000)
    with pytest.raises(SchemeError, match=r"items: 100,000 entries; a scheme allows at most 500"):
        scheme_from_dict(data, "big.yaml")


def test_item_limit_is_exact() -> None:
    data = read_scheme_dict(HZ23)
    limit = SCHEME_LIMITS["items"]
    data["items"] = _items(limit)
    assert len(scheme_from_dict(copy.deepcopy(data)).items) == limit
    data["items"] = _items(limit + 1)
    with pytest.raises(SchemeError, match="at most 500"):
        scheme_from_dict(data)


def test_category_points_and_bands_are_bounded() -> None:
    data = read_scheme_dict(HZ23)
    n = next(i for i, it in enumerate(data["items"]) if it["kind"] == "category")
    data["items"][n]["points"] = {f"v{k}": 1 for k in range(MAX_VALUES + 1)}
    with pytest.raises(SchemeError, match=rf"items\[{n}\]\.points: 1,001 entries"):
        scheme_from_dict(data)


def test_the_limits_are_documented() -> None:
    doc = (ROOT / "docs" / "schemes.md").read_text(encoding="utf-8")
    for key, limit in SCHEME_LIMITS.items():
        assert f"`{key}`" in doc and f"{limit:,}" in doc
    assert f"{MAX_YAML_BYTES:,}" in doc and f"{MAX_YAML_DEPTH}" in doc and f"{MAX_YAML_NODES:,}" in doc


# ------------------------------------------------------------------------------------------------------------
# Finding 13: 1_0 is not 10
# ------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["q: 1_0", "q: 1_0.5", "q: [1, 2_000]", "q: 0x1_F"])
def test_numbers_with_underscores_are_refused(text: str) -> None:
    assert yaml.safe_load(text) == yaml.safe_load(text.replace("_", ""))  # plain PyYAML: silently the number
    with pytest.raises(ScoringInputError, match="written with '_'"):
        parse_yaml_text(text, "<t>", ScoringInputError)


def test_quoted_underscores_are_text() -> None:
    assert parse_yaml_text("version: '2023_1'\nid: a_1\n", "<t>", SchemeError) == {"version": "2023_1", "id": "a_1"}


def test_a_scheme_value_written_1_0_is_refused(tmp_path: Path) -> None:
    text = HZ23.read_text(encoding="utf-8")
    assert "min_share: 0.5" in text
    path = tmp_path / "s.yaml"
    path.write_text(text.replace("min_share: 0.5", "min_share: 0_5"), encoding="utf-8")
    with pytest.raises(SchemeError, match=r"s\.yaml: not valid YAML at line \d+.*'0_5' is written with '_'"):
        load_scheme(path)


# ------------------------------------------------------------------------------------------------------------
# base: chains (one reader for schemes and scenarios, scoring.yaml_files.read_with_bases)
# ------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("load, error", [(load_scheme, SchemeError), (load_scenario, ScenarioError)])
def test_a_base_chain_past_the_limit_is_refused(tmp_path: Path, load: Any, error: type[Exception]) -> None:
    for k in range(MAX_BASE_CHAIN + 3):
        (tmp_path / f"f{k}.yaml").write_text(f"base: f{k + 1}.yaml\nid: x\n", encoding="utf-8")
    with pytest.raises(error, match=f"longer than {MAX_BASE_CHAIN} files"):
        load(tmp_path / "f0.yaml")


@pytest.mark.parametrize("load, error", [(load_scheme, SchemeError), (load_scenario, ScenarioError)])
def test_a_base_name_with_a_nul_or_not_text_is_one_line(tmp_path: Path, load: Any, error: type[Exception]) -> None:
    path = tmp_path / "s.yaml"
    for base in ('"a\\0b.yaml"', "[1, 2]", '""'):
        path.write_text(f"base: {base}\nid: x\n", encoding="utf-8")
        with pytest.raises(error, match=r"base: value .* must be a"):
            load(path)
    with pytest.raises(error, match="not a file name"):
        load(tmp_path / "a\0b.yaml")


def test_the_merge_keeps_its_inputs_and_survives_odd_ids() -> None:
    base = {"items": [{"id": "a", "kind": "flag", "points": {"x": 1}}, {"id": ["odd"]}], "notes": {"k": [1]}}
    over = {"items": [{"id": "a", "remove": True}, {"id": "a", "points": {"y": 2}}, {"id": ["odd"]}],
            "notes": {"j": 2}}
    before = copy.deepcopy((base, over))
    out = merge_mappings(base, over, by_id=("items",), whole=("points",))
    assert (base, over) == before  # neither input is modified
    assert out["items"] == [{"id": "a", "points": {"y": 2}}, {"id": ["odd"]}, {"id": ["odd"]}]
    assert out["notes"] == {"k": [1], "j": 2}
    out["notes"]["k"].append(3)
    assert base["notes"]["k"] == [1]  # no shared lists
