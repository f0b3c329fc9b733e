"""The CLI imports only what the chosen command needs (issue 14): the command table, and the modules loaded."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from scoring.cli import COMMAND_MODULES, COMMANDS, _Parser, build_parser

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_command_table_is_what_the_modules_register(lang: str) -> None:
    """The top-level help lists :data:`COMMANDS` without importing the modules: it must say what they register (in
    the help's language: Chinese, or English with --lang en)."""
    registered = []
    for module in COMMAND_MODULES:
        sub = _Parser(prog="x", lang=lang).add_subparsers(dest="command", parser_class=_Parser)
        importlib.import_module(module).register(sub)
        registered += [(a.dest, module, a.help) for a in sub._choices_actions]
    assert registered == [(c, m, en if lang == "en" else zh) for c, m, zh, en in COMMANDS]


def test_every_command_parses_with_only_its_module() -> None:
    for command, *_ in COMMANDS:
        parser = build_parser([command, "--help"])
        assert parser._subparsers is not None
        assert command in parser._subparsers._group_actions[0].choices
    assert set(build_parser([], every=True)._subparsers._group_actions[0].choices) == {c for c, *_ in COMMANDS}


def _loaded_after(argv: list[str]) -> set[str]:
    code = (f"import sys\nfrom scoring.cli import main\ntry:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
            "print(' '.join(sorted(sys.modules)), file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert "用法：" in out.stdout  # the help, in Chinese by default
    return set(out.stderr.split())


@pytest.mark.parametrize(("argv", "absent"), [
    (["--help"], {"numpy", "pandas", "numba", "pyarrow", "scoring.engine.core", "scoring.cli.core"}),
    (["admit", "--help"], {"scipy.stats", "scoring.scenario.run", "scoring.dynamics.core", "scoring.cli.scenario",
                           "scoring.cli.tune", "scoring.cli.pathways", "scoring.cli.calibrate"}),
])
def test_a_command_imports_only_what_it_needs(argv: list[str], absent: set[str]) -> None:
    assert not absent & _loaded_after(argv)
