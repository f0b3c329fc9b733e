"""What every command prints: one JSON object with ``--json``, readable lines otherwise."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import numpy as np


def json_default(value: Any) -> Any:
    """JSON for numpy scalars and arrays (non-finite floats become null); anything else as text."""
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value) if np.isfinite(value) else None
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def emit(args: argparse.Namespace, payload: dict[str, Any], lines: list[str]) -> None:
    """Print ``payload`` as one JSON line when ``args.json``, else ``lines``."""
    if getattr(args, "json", False):
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, default=json_default) + "\n")
    else:
        sys.stdout.write("\n".join(lines) + "\n")
