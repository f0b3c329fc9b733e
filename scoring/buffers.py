"""Arrays whose memory is kept for the next run once nothing refers to them (issue 14): the engine's outputs and
the columns a Parquet file is read into (:mod:`scoring.population.parquet_frame`).

Scoring 10M people writes about 460 MB of results (points by item, totals, reasons). Fresh memory costs a page
fault per page on first write, and on this project's virtual machines those faults cost more than the scoring
itself (0.1-1.0 s of system time against 0.06-0.15 s of work, most of it when huge pages must be compacted). A
process that scores again — the dashboard, tuning, a benchmark, a notebook — gets the pages of a result it has
dropped back, already mapped.

Safety: each array is ``numpy.frombuffer`` over an anonymous ``mmap`` of its own. numpy points every view, slice
and reshape of such an array at that array (never past it to the mmap), so the array is garbage only when no view
of it is left; only then is its mmap put back for reuse. At most ``MAX_KEPT_BYTES`` are kept; small arrays are
ordinary numpy arrays.
"""

from __future__ import annotations

import mmap
import threading
import weakref
from collections import OrderedDict, deque

import numpy as np

MIN_BYTES = 8 << 20  # smaller arrays: np.empty
MAX_KEPT_BYTES = 1 << 30  # memory kept for reuse at most (the oldest mmaps are unmapped first)

_lock = threading.Lock()
_kept: OrderedDict[int, mmap.mmap] = OrderedDict()  # id -> a free mmap, oldest first
_kept_bytes = 0
_late: deque[mmap.mmap] = deque()  # given back while the lock was held (a finaliser run by the collector inside it)


def empty(shape: int | tuple[int, ...], dtype: np.dtype | type) -> np.ndarray:
    """An uninitialised array like ``np.empty``; large ones on memory a dropped result of the same size held."""
    dt = np.dtype(dtype)
    dims = (shape,) if isinstance(shape, int) else tuple(shape)
    nbytes = int(np.prod(dims, dtype=np.int64)) * dt.itemsize
    if nbytes < MIN_BYTES:
        return np.empty(dims, dt)
    block = _take(nbytes)
    flat = np.frombuffer(block, dtype=dt, count=nbytes // dt.itemsize)
    weakref.finalize(flat, _give_back, block).atexit = False
    return flat.reshape(dims)  # a view of ``flat``: keeps it (and so the mmap) in use


def kept_bytes() -> int:
    """Bytes held for reuse now (not in use by any array)."""
    with _lock:
        _settle()
        return _kept_bytes


def _take(nbytes: int) -> mmap.mmap:
    global _kept_bytes
    with _lock:
        _settle()
        key = next((k for k, block in _kept.items() if len(block) == nbytes), None)
        if key is not None:
            _kept_bytes -= nbytes
            return _kept.pop(key)
    # Private: a forked child's writes stay its own. No MADV_HUGEPAGE (numpy asks for it): with this VM's
    # defrag=madvise a huge-page fault may compact memory first; measured on the numpy engine's first 10M run,
    # 0.09-1.13 s of system time with it against 0.23-0.37 s of 4 KB faults without.
    return mmap.mmap(-1, nbytes, flags=mmap.MAP_PRIVATE)


def _give_back(block: mmap.mmap) -> None:
    if len(block) > MAX_KEPT_BYTES:
        return  # unmapped when the last reference goes
    if not _lock.acquire(blocking=False):  # the collector ran this inside _take or kept_bytes (or another thread
        _late.append(block)  # holds the lock): settled by the next call
        return
    try:
        _keep(block)
        _settle()
    finally:
        _lock.release()


def _keep(block: mmap.mmap) -> None:
    global _kept_bytes
    _kept[id(block)] = block
    _kept_bytes += len(block)
    while _kept_bytes > MAX_KEPT_BYTES:
        _, old = _kept.popitem(last=False)
        _kept_bytes -= len(old)


def _settle() -> None:
    """Keep what was given back while the lock was held (the caller holds it)."""
    while _late:
        _keep(_late.popleft())
