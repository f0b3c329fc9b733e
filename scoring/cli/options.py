"""Option values on the command line: ``--ties`` chains, and numbers written as plain digits; ``1_0`` is refused
(Python's int() and float() read it as 10, a typo more often than a thousands separator)."""

from __future__ import annotations

import argparse
from typing import Any

from scoring.errors import ScoringInputError

# The pointer every command that reads a population gives in its --help (the headers are data: `columns` lists them),
# in Chinese and in English (scoring.cli.help_text).
POPULATION_EPILOG = ("输入列：列名用中文或英文均可（如人员编号或 person_id、社保缴纳年限或 insurance_years 等）；"
                     "`python -m scoring columns --scheme S.yaml` 列出某方案读取的列及每列可接受的全部列名；"
                     "详见 docs/population_input.md。",
                     "input columns: headers in Chinese or English are accepted (人员编号 or person_id, "
                     "社保缴纳年限 or insurance_years, ...); `python -m scoring columns --scheme S.yaml` lists the "
                     "columns a scheme reads and every header accepted for each; details: docs/population_input.md")


def plain_int(text: str) -> int:
    """A whole number written with digits (and a sign) only; argparse type."""
    if "_" in text:
        raise argparse.ArgumentTypeError(f"{text!r}: write the number without '_'")
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def plain_float(text: str) -> float:
    """A number written without '_'; argparse type."""
    if "_" in text:
        raise argparse.ArgumentTypeError(f"{text!r}: write the number without '_'")
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None


def register_plain_numbers(parser: argparse.ArgumentParser) -> None:
    """Make ``type=int`` and ``type=float`` of every option of ``parser`` (and its groups) refuse '_'."""
    parser.register("type", int, plain_int)
    parser.register("type", float, plain_float)


def parse_ties(text: str | None) -> str | list[dict[str, Any]] | None:
    """Parse ``--ties``: "admit_all" or "col:asc|desc,...,lottery:SEED"."""
    if text is None:
        return None
    if text.strip() == "admit_all":
        return "admit_all"
    chain: list[dict[str, Any]] = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        name, _, arg = part.partition(":")
        if name == "lottery":
            try:
                chain.append({"lottery": plain_int(arg)})
            except argparse.ArgumentTypeError:
                raise ScoringInputError(f"--ties: lottery needs a whole-number seed, got {arg!r}") from None
        else:
            order = arg or "desc"
            if order not in ("asc", "desc"):
                raise ScoringInputError(f"--ties: order of {name!r} must be asc or desc, got {order!r}")
            chain.append({"column": name, "order": order})
    if not chain:
        raise ScoringInputError('--ties: give "admit_all" or a chain like "insurance_years:desc,lottery:1"')
    return chain
