"""The page walk of :func:`scoring.population.parquet_pages.dictionary_encoded`, compiled with numba (issue 14).

The Python walk reads a Thrift header in front of every page (tens of microseconds each, holding the GIL): a
10M-row file's unread text columns hold thousands of pages, and that walk took about 0.06 s of one core beside the
checks of the columns read. This is the same walk as one compiled loop without the GIL. It answers 1 (every data
page is dictionary-encoded and the counts add up), 0 (not, or a header Parquet does not write) or -1 (a header with
a list, set or map, or a varint of more than 63 bits, which only the Python walk reads: the caller uses it). The
Python walk is the reference it is tested against (tests/test_parquet_pages.py), on files pyarrow writes and on
corrupted headers.

:mod:`scoring.population.parquet_pages` imports this module only in a process that has loaded numba already (the
dashboard, the benchmark, a large score): importing numba costs a short-lived command more than the walk itself (the
same rule as :func:`scoring.engine.core.startup_engine`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def _varint(buf: Any, pos: int) -> tuple[int, int]:
    """(value, position after it); position -1: past the end; -2: more than 63 bits (the Python walk's)."""
    value, shift, end = 0, 0, len(buf)
    while True:
        if pos >= end:
            return 0, -1
        if shift > 56:
            return 0, -2
        b = np.int64(buf[pos])
        pos += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, pos
        shift += 7

@njit(cache=True, nogil=True)
def _run(buf: Any, num_values: int, max_pages: int, max_depth: int) -> int:
    end = len(buf)
    pos, pages, values = 0, 0, 0
    last = np.zeros(max_depth + 2, np.int64)  # last field id of each open struct
    while pos < end:
        got_type, got_size, got_count, got_encoding = -1, -1, -1, -1
        depth, inner = 1, 0
        last[0] = 0
        while True:  # one PageHeader (see parquet_pages._page_header)
            if pos >= end:
                return 0
            head = np.int64(buf[pos])
            pos += 1
            if head == 0:  # STOP
                depth -= 1
                if depth == 0:
                    break
                if depth == 1:
                    inner = 0
                continue
            kind, delta = head & 0x0F, head >> 4
            if delta:
                fid = last[depth - 1] + delta
            else:
                v, pos = _varint(buf, pos)
                if pos < 0:
                    return 0 if pos == -1 else -1
                fid = (v >> 1) ^ -(v & 1)
            last[depth - 1] = fid
            if 4 <= kind <= 8 and kind != 7:  # i16, i32, i64 (varints) and binary (a varint length)
                value, pos = _varint(buf, pos)
                if pos < 0:
                    return 0 if pos == -1 else -1
                if kind == 8:  # a binary's bytes: reaching the end is a header cut short
                    if value >= end - pos:
                        return 0
                    pos += value
                    continue
                if kind != 5:
                    continue
                value = (value >> 1) ^ -(value & 1)
                if depth == 1:
                    if fid == 1:
                        got_type = value
                    elif fid == 3:
                        got_size = value
                elif depth == 2 and inner != 0:
                    if fid == 1:
                        got_count = value
                    elif fid == (4 if inner == 8 else 2):
                        got_encoding = value
                continue
            if kind == 12:  # a struct opens
                if depth > max_depth:
                    return 0
                if depth == 1 and (fid == 5 or fid == 7 or fid == 8):
                    inner = fid
                last[depth] = 0
                depth += 1
                continue
            if kind == 1 or kind == 2:  # a boolean: the value is in the type
                continue
            if kind == 3 or kind == 7:  # a byte, a double
                k = 1 if kind == 3 else 8
                if pos + k > end:
                    return 0
                pos += k
                continue
            if 9 <= kind <= 11:  # list, set, map: read by the Python walk
                return -1
            return 0
        pages += 1
        if pages > max_pages or got_size < 0 or got_count < 0:
            return 0
        if pages == 1:
            if got_type != 2:  # DICTIONARY_PAGE
                return 0
        elif got_type == 0 or got_type == 3:  # DATA_PAGE, DATA_PAGE_V2
            if got_encoding != 2 and got_encoding != 8:  # PLAIN_DICTIONARY, RLE_DICTIONARY
                return 0
            if got_count > num_values - values:  # more values than the chunk holds
                return 0
            values += got_count
        else:
            return 0
        if got_size > end - pos:
            return 0
        pos += got_size
    return 1 if pages > 1 and pos == end and values == num_values else 0


def walk(buf: bytes, num_values: int, max_pages: int, max_depth: int) -> int:
    """1, 0 or -1 (see the module) for the column chunk's bytes ``buf``: a dictionary page first, then only
    dictionary-encoded data pages holding ``num_values`` values, ending exactly at the end of ``buf``."""
    return int(_run(np.frombuffer(buf, dtype=np.uint8), num_values, max_pages, max_depth))
