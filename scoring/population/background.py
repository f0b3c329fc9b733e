"""One task started now on a thread of its own: the checks and screens of one load run beside each other and beside
the read (issue 14); numpy and pyarrow release the GIL on whole columns."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any


def start(name: str, task: Callable[..., Any], *args: Any) -> Future:
    """``task(*args)`` on a new thread named ``name``; its result (or its exception) waits in the Future."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
    try:
        return pool.submit(task, *args)
    finally:
        pool.shutdown(wait=False)  # the thread ends with its one task
