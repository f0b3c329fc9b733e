"""New-user trial: ``admit --help`` (and score, whatif) did not say which column headers a population file may have.
Their help now points to ``python -m scoring columns``, which lists every column and every header accepted for it
from the schema YAML (read here independently), or, with ``--scheme``, the columns that scheme reads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from scoring.cli import main

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = yaml.safe_load((ROOT / "scoring" / "population" / "population_schema.yaml").read_text(encoding="utf-8"))
HZ23 = str(ROOT / "scenarios" / "schemes" / "hangzhou-2023-illustrative.yaml")


@pytest.mark.parametrize("command", ["admit", "score", "whatif", "check-scheme"])
def test_help_says_where_the_accepted_headers_are(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "python -m scoring columns" in text and "docs/population_input.md" in text
    assert "社保缴纳年限或 insurance_years" in text  # Chinese by default
    with pytest.raises(SystemExit):
        main([command, "--help", "--lang", "en"])
    assert "社保缴纳年限 or insurance_years" in " ".join(capsys.readouterr().out.split())


def test_columns_lists_every_header_of_the_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["columns", "--json"]) == 0
    got = {c["name"]: c["headers"] for c in json.loads(capsys.readouterr().out)["columns"]}
    assert list(got) == list(SCHEMA["columns"])
    for name, spec in SCHEMA["columns"].items():
        assert set(got[name]) == {name, *map(str, spec["aliases"])}
    for lang, needle in (("zh", "社保缴纳年限（社保缴纳年限，数字）"), ("en", "(social-insurance years, number)")):
        assert main(["columns", "--lang", lang]) == 0
        text = capsys.readouterr().out
        assert "社保年限" in text and needle.replace("社保缴纳年限（", "insurance_years（") in text


def test_columns_of_a_scheme(capsys: pytest.CaptureFixture[str]) -> None:
    from scoring.scheme.load import load_scheme

    assert main(["columns", "--scheme", HZ23, "--json", "--lang", "en"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["scheme"] == "hangzhou-2023-illustrative"
    assert [c["name"] for c in got["columns"]] == list(dict.fromkeys(["person_id", *load_scheme(HZ23).columns()]))
