"""Phase timings for diagnosing slow runs: with ``HUKOU_SIM_TIMINGS=1`` each timed phase writes one line to stderr
(``[timing] <phase> <seconds> s``); otherwise the timer does nothing. Never used to decide anything. No streamlit."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Iterator


def enabled() -> bool:
    """Whether phase timings are logged (``HUKOU_SIM_TIMINGS`` set to 1, true, yes or on)."""
    return os.environ.get("HUKOU_SIM_TIMINGS", "").strip().lower() in ("1", "true", "yes", "on")


@contextlib.contextmanager
def phase(name: str) -> Iterator[None]:
    """Time the block and log it to stderr when :func:`enabled` (the thread's name says which session's run)."""
    if not enabled():
        yield
        return
    t0 = time.perf_counter()
    try:
        yield
    finally:
        dt = time.perf_counter() - t0
        print(f"[timing] {threading.current_thread().name} {name} {dt:.3f} s", file=sys.stderr, flush=True)
