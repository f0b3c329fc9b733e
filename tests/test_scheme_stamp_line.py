"""A scheme's stamp heads every download and saved file as a YAML comment (``# stamp``): its parts (id, version,
edited_from) are one line of text, and the comment line cannot end early (a probe put
``admission: {mode: quota, quota: 1}`` after a newline in a version: the downloaded or saved scheme then had a quota
of 1 that the uploader's preview never showed)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dashboard import scheme_store
from scoring.cli.messages import localized
from scoring.errors import SchemeError
from scoring.scheme.load import load_scheme_text
from scoring.yaml_files import comment_line

ROOT = Path(__file__).resolve().parent.parent
INJECTED = "admission: {mode: quota, quota: 1} #"


def _scheme(**changes: object) -> str:
    data = yaml.safe_load((ROOT / "scenarios" / "schemes" / "hangzhou-2023-illustrative.yaml").read_text("utf-8"))
    data.pop("admission", None)
    data.update(changes)
    return yaml.safe_dump(data, allow_unicode=True)


@pytest.mark.parametrize("field", ["id", "version", "edited_from"])
@pytest.mark.parametrize("breaker", ["\n", "\r", "\u2028", "\u2029", "\x0b", "\u202e", "\x00", "\ufffe"])
def test_a_stamp_part_with_a_line_break_or_control_is_refused(field: str, breaker: str) -> None:
    text = _scheme(**{field: f"x{breaker}{INJECTED}"})
    with pytest.raises(SchemeError) as err:
        scheme_store.draft_text(text, "up.yaml")
    assert "须为一行文字" in localized(err.value, "zh") and "must be one line of text" in localized(err.value, "en")


def test_a_plain_stamp_loads_and_a_saved_scheme_keeps_its_rule(tmp_path: Path) -> None:
    """The shipped shapes still load (spaces, Chinese, dots), and a saved edit read back has no admission rule."""
    scheme = load_scheme_text(scheme_store.draft_text(_scheme(version="2023 第1版.a"), "up.yaml"), "up.yaml")
    _, saved = scheme_store.save(scheme, "mine", "1", None, frozenset(), tmp_path)
    text = (tmp_path / "mine@1.yaml").read_text("utf-8")
    assert text.startswith("# ") and load_scheme_text(text, "x").admission is None and saved.admission is None


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60))
@example("\ufffe")  # noncharacters YAML refuses anywhere, even in a comment (found by a CI run's draw)
@example("v1 \uffff\n\u2028x")
def test_a_comment_line_is_one_yaml_comment(text: str) -> None:
    """Whatever the text, the comment line followed by a mapping reads as that mapping alone."""
    line = comment_line(text)
    assert line.startswith("# ") and line.endswith("\n") and line.count("\n") == 1
    assert yaml.safe_load(line + "a: 1\n") == {"a": 1}
