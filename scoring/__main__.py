"""Entry point for ``python -m scoring``."""

from scoring.cli import run

run()
