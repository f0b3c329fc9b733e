"""Command line: ``python -m scoring COMMAND ...``.

Each command group lives in its own module with a ``register(subparsers)`` function; this module only wires
them and turns a user's mistake (:class:`scoring.errors.ScoringInputError`) into exit status 2 with one line on
stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from scoring.errors import ScoringInputError

# Modules that contribute commands; each defines register(subparsers).
COMMAND_MODULES = (
    "scoring.cli.core",
    "scoring.cli.synth",
    "scoring.cli.scenario",
    "scoring.cli.pathways",
    "scoring.cli.tune",
    "scoring.cli.calibrate",
    "scoring.cli.cases",
    "scoring.cli.whatif",
)


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors exit 2 with a single line, and whose numbers refuse '_' (``1_0``)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        from scoring.cli.options import register_plain_numbers

        register_plain_numbers(self)

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"error: {self.prog}: {message}\n")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every available command registered."""
    prog = "hukou-sim" if os.path.basename(sys.argv[0]) == "hukou-sim" else "python -m scoring"  # the console script
    parser = _Parser(prog=prog, description="Hangzhou points-settlement simulator")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return the exit status (0 ok, 1 a check failed, 2 bad input)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe is reported here, inside the try, not at interpreter exit
        return code
    except ScoringInputError as exc:
        reason = " ".join(str(exc).split("\n")[0].split())
        sys.stderr.write(f"error: {reason}\n")
        return 2
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        sys.stderr.write(f"error: cannot read {exc.filename}: {exc.strerror}\n")
        return 2
    except MemoryError:  # a last resort: the commands bound their work, but the machine may be busy
        sys.stderr.write("error: not enough memory for this input; try a smaller input or a machine with more\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    except BrokenPipeError:  # output piped into a command that stopped reading (``| head``): no traceback
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # Python's final flush of stdout must not fail again
        return 1
