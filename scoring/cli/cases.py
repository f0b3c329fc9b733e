"""``test``: run a scheme's person cases (docs/schemes.md, "Cases"); exit 0 all pass, 1 a case fails, 2 bad input."""

from __future__ import annotations

import argparse

from scoring.cli import command_help
from scoring.cli.help_text import SCHEME_FILE, help_texts
from scoring.cli.output import emit
from scoring.scheme.cases import default_cases_path, load_cases, run_cases
from scoring.scheme.load import load_scheme


def register(sub: argparse._SubParsersAction) -> None:
    """Add the test command."""
    t = help_texts(sub)
    p = sub.add_parser("test", help=command_help("test", sub))
    p.add_argument("scheme", help=t(*SCHEME_FILE))
    p.add_argument("--cases", help=t("案例文件（默认：与 scenarios/schemes/ 并列的 scenarios/cases/ 中的同名文件）",
                                     "case file (default: scenarios/cases/ beside scenarios/schemes/, same name)"))
    p.add_argument("--engine", choices=("numpy", "numba"),
                   help=t("只用一个计算引擎（默认：每个可用的引擎）", "one engine only (default: every one available)"))
    p.add_argument("--json", action="store_true",
                   help=t("在标准输出打印一个 JSON 对象", "print one JSON object on stdout"))
    p.add_argument("--lang", choices=("zh", "en"), default="zh",
                   help=t("报告语言（默认 zh）", "language of the report (default zh)"))
    p.set_defaults(func=cmd_test)


def cmd_test(args: argparse.Namespace) -> int:
    """Load the scheme and its cases, score every case on each engine, print the differences."""
    scheme = load_scheme(args.scheme)
    path = args.cases or default_cases_path(args.scheme)
    report = run_cases(load_cases(path, scheme), scheme, [args.engine] if args.engine else None)
    payload = {**report.to_dict(), "case_file": str(path)}
    emit(args, payload, report.lines(args.lang))
    return 0 if report.ok else 1
