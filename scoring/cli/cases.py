"""``test``: run a scheme's person cases (docs/schemes.md, "Cases"); exit 0 all pass, 1 a case fails, 2 bad input."""

from __future__ import annotations

import argparse

from scoring.cli.output import emit
from scoring.scheme.cases import default_cases_path, load_cases, run_cases
from scoring.scheme.load import load_scheme


def register(sub: argparse._SubParsersAction) -> None:
    """Add the test command."""
    p = sub.add_parser("test", help="check a scheme against its hand-worked person cases")
    p.add_argument("scheme", help="scheme YAML file")
    p.add_argument("--cases", help="case file (default: scenarios/cases/ beside scenarios/schemes/, same name)")
    p.add_argument("--engine", choices=("numpy", "numba"), help="one engine only (default: every one available)")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of the report (default zh)")
    p.set_defaults(func=cmd_test)


def cmd_test(args: argparse.Namespace) -> int:
    """Load the scheme and its cases, score every case on each engine, print the differences."""
    scheme = load_scheme(args.scheme)
    path = args.cases or default_cases_path(args.scheme)
    report = run_cases(load_cases(path, scheme), scheme, [args.engine] if args.engine else None)
    payload = {**report.to_dict(), "case_file": str(path)}
    emit(args, payload, report.lines(args.lang))
    return 0 if report.ok else 1
