"""What every command prints: one JSON object with ``--json``, readable lines otherwise.

JSON goes through :func:`scoring.safe_output.json_text` (the one JSON writer: numpy numbers as numbers,
non-finite floats as null, Chinese as is), here and in every ``summary.json``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from scoring.safe_output import json_default, json_text

__all__ = ["emit", "json_default", "print_json"]


def print_json(payload: Any) -> None:
    """Print ``payload`` as one JSON line on stdout."""
    sys.stdout.write(json_text(payload) + "\n")


def emit(args: argparse.Namespace, payload: dict[str, Any], lines: list[str]) -> None:
    """Print ``payload`` as one JSON line when ``args.json``, else ``lines``."""
    if getattr(args, "json", False):
        lang = getattr(args, "lang", "en")
        dominance = payload.get("dominance")
        if lang != "en" and isinstance(dominance, dict) and dominance.get("warnings"):
            from scoring.labels import dominance_warnings  # the warnings in the report's language

            payload = {**payload, "dominance": {**dominance, "warnings": dominance_warnings(dominance, lang)}}
        print_json(payload)
    else:
        sys.stdout.write("\n".join(lines) + "\n")


def line_in(table: dict[str, tuple[str, str]], key: str, lang: str, **values: Any) -> str:
    """The line ``key`` of a command's (Chinese, English) ``table`` in ``lang``, with ``values`` filled in."""
    return table[key][0 if lang == "zh" else 1].format(**values)


def announce_first_compile(engine: str | None, lang: str) -> None:
    """Before a score with the numba kernel on a machine whose cache does not hold it yet (it compiles once, about
    15 s), say so on stderr in ``lang`` instead of a silent wait. ``engine``: what the command passes to ``score``
    (None: the default engine)."""
    from scoring.engine.core import default_engine, kernel_compiled

    if (engine or default_engine()) == "numba" and not kernel_compiled():
        sys.stderr.write("首次在本机运行：正在编译计分内核（仅此一次，约 15 秒）\n" if lang == "zh" else
                         "first run on this machine: compiling the scoring kernel (once only, about 15 s)\n")
