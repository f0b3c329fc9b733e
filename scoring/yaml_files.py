"""Reading the project's YAML files (schemes, scenarios, rule sets) with one-line errors naming the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from scoring.errors import ScoringInputError


def read_yaml_mapping(path: Path, what: str, error: type[ScoringInputError], keys: str) -> dict[str, Any]:
    """The YAML mapping in ``path`` (safe_load: nothing is evaluated as code).

    ``what`` names the kind of file ("scheme", "scenario", "rule-set"), ``keys`` the keys it should have; every
    problem raises ``error`` with a one-line reason that names the file.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{path}: {what} file not found") from None
    except (UnicodeDecodeError, IsADirectoryError) as exc:
        raise error(f"{path}: cannot read the {what} file as UTF-8 text ({exc.__class__.__name__})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise error(f"{path}: not valid YAML{where}: {getattr(exc, 'problem', None) or 'invalid YAML'}") from None
    if not isinstance(data, dict):
        raise error(f"{path}: a {what} file must be a YAML mapping ({keys})")
    return data
