"""Facts about one Arrow array that several checks of a load need, found once (issue 14).

The typing of a text column (which values may need a strip) and its identifier screen (whether any value could hold
one) both read the same bytes: whether every value has one width, and the OR and AND of the bytes at each position.
The two run on threads of their own at the same time; inside :func:`sharing` (one load), the first to ask finds the
fact and the other waits for it instead of reading the bytes again. Outside it, every fact is found afresh.

A fact is keyed by the array's buffers (their addresses), offset, length and type, and the array itself is held
beside it, so its buffers cannot be freed and their addresses reused while the key is kept; everything is dropped
when the last load sharing facts ends. Arrow arrays are immutable, so a fact found once stays true.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from typing import Any, TypeVar

import pyarrow as pa

T = TypeVar("T")

_lock = threading.Lock()
_open = 0  # loads sharing facts now
_facts: dict[tuple[Any, ...], tuple[pa.Array, Future]] = {}


@contextmanager
def sharing() -> Iterator[None]:
    """Within this block (and any thread it starts), :func:`once` finds each fact of an array once."""
    global _open
    with _lock:
        _open += 1
    try:
        yield
    finally:
        with _lock:
            _open -= 1
            if not _open:
                _facts.clear()


def _key(kind: str, arr: pa.Array) -> tuple[Any, ...]:
    return (kind, str(arr.type), arr.offset, len(arr), *(0 if b is None else b.address for b in arr.buffers()))


def once(kind: str, arr: pa.Array, find: Callable[[], T]) -> T:
    """``find()``, the fact ``kind`` of the array ``arr``: found once while a load shares facts (:func:`sharing`),
    else found now. A failure is raised to every caller waiting for it."""
    with _lock:
        if not _open:
            owner, future = True, None
        else:
            key = _key(kind, arr)
            held = _facts.get(key)
            owner = held is None
            if owner:
                future = Future()
                _facts[key] = (arr, future)
            else:
                future = held[1]
    if future is None:
        return find()
    if not owner:
        return future.result()
    try:
        value = find()
    except BaseException as exc:
        future.set_exception(exc)
        raise
    future.set_result(value)
    return value
