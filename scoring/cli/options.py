"""Numbers on the command line: written as plain digits; ``1_0`` is refused (Python's int() and float() read it
as 10, a typo more often than a thousands separator)."""

from __future__ import annotations

import argparse


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
