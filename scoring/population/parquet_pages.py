"""Whether a Parquet column chunk is wholly dictionary-encoded, read from its page headers (issue 14).

The identifier screen of a text column that a run does not read only needs the column's distinct values: when every
data page of a chunk is dictionary-encoded, every value of the chunk is an entry of its one dictionary page, so
screening the dictionary screens every value. Parquet's column metadata cannot tell this (a writer whose
dictionary outgrows its page limit falls back to plain pages, and the chunk's list of encodings reads the same),
so the page headers themselves are read: Thrift compact structs in front of each page. Anything unexpected — a
header that does not parse, a page that is not dictionary-encoded, counts that do not add up, a chunk too large —
answers ``False``, and the caller decodes the chunk as before: this module can only make the screen faster, never
let a value through unscreened.
"""

from __future__ import annotations

import sys
from typing import Any, BinaryIO

MAX_CHUNK_BYTES = 64 << 20  # larger chunks are decoded instead (a dictionary column's chunk is small)
MAX_PAGES = 100_000
_DEPTH = 8  # nesting of Thrift structs skipped (a page header nests 3 deep)

DATA_PAGE, DICTIONARY_PAGE, DATA_PAGE_V2 = 0, 2, 3
DICTIONARY_ENCODINGS = frozenset({2, 8})  # PLAIN_DICTIONARY, RLE_DICTIONARY


class _Malformed(Exception):
    """A header that is not what Parquet writes (never raised to the caller)."""


class _Reader:
    """Thrift compact protocol over a bytes buffer, from ``pos``; bounds-checked."""

    def __init__(self, buf: bytes, pos: int) -> None:
        self.buf, self.pos = buf, pos

    def byte(self) -> int:
        if self.pos >= len(self.buf):
            raise _Malformed
        b = self.buf[self.pos]
        self.pos += 1
        return b

    def varint(self) -> int:
        out = shift = 0
        while True:
            b = self.byte()
            out |= (b & 0x7F) << shift
            if not b & 0x80:
                return out
            shift += 7
            if shift > 63:
                raise _Malformed

    def zigzag(self) -> int:
        v = self.varint()
        return (v >> 1) ^ -(v & 1)

    def skip_bytes(self, k: int) -> None:
        if k < 0 or self.pos + k > len(self.buf):
            raise _Malformed
        self.pos += k

    def skip(self, kind: int, depth: int) -> None:
        """Skip one value of compact type ``kind``."""
        if depth > _DEPTH:
            raise _Malformed
        if kind in (1, 2):  # booleans: the value is in the type
            return
        if kind == 3:
            self.skip_bytes(1)
        elif kind in (4, 5, 6):
            self.varint()
        elif kind == 7:
            self.skip_bytes(8)
        elif kind == 8:
            self.skip_bytes(self.varint())
        elif kind in (9, 10):
            head = self.byte()
            size, elem = head >> 4, head & 0x0F
            if size == 15:
                size = self.varint()
            for _ in range(size):
                self.skip(elem, depth + 1) if elem not in (1, 2) else self.skip_bytes(1)
        elif kind == 11:
            size = self.varint()
            if size:
                types = self.byte()
                for _ in range(size):
                    self.skip(types >> 4, depth + 1)
                    self.skip(types & 0x0F, depth + 1)
        elif kind == 12:
            self.fields(lambda fid, k: False, depth + 1)
        else:
            raise _Malformed

    def fields(self, take: Any, depth: int) -> None:
        """Walk a struct's fields: ``take(field id, type)`` reads the value and returns True, or the value is
        skipped."""
        last = 0
        while True:
            head = self.byte()
            if head == 0:
                return
            kind, delta = head & 0x0F, head >> 4
            fid = last + delta if delta else self.zigzag()
            last = fid
            if not take(fid, kind):
                self.skip(kind, depth)


def _page_header(r: _Reader) -> tuple[int, int, int, int]:
    """(page type, compressed size, values, encoding) of the header at the reader's position (-1: absent).

    The fields read are i32s of the PageHeader (1: type, 3: compressed size) and of the one page-type struct
    present (5: DataPageHeader, num_values 1, encoding 2; 7: DictionaryPageHeader, 1 and 2; 8: DataPageHeaderV2,
    1 and 4); everything else is skipped. One loop with an explicit stack of struct levels and the integers and
    strings read in line (lists and maps, which a page header does not hold, by :meth:`_Reader.skip`): a file holds
    thousands of pages, and this runs for each."""
    got = [-1, -1, -1, -1]
    buf, pos, end = r.buf, r.pos, len(r.buf)
    stack = [0]  # last field id of each open struct
    inner = 0  # the page-type struct open at depth 1 (its field id), 0: none
    while True:
        if pos >= end:
            raise _Malformed
        head = buf[pos]
        pos += 1
        if head == 0:  # STOP: the struct ends
            stack.pop()
            if not stack:
                r.pos = pos
                return got[0], got[1], got[2], got[3]
            if len(stack) == 1:
                inner = 0
            continue
        kind, delta = head & 0x0F, head >> 4
        if delta:
            fid = stack[-1] + delta
        else:
            r.pos = pos
            fid = r.zigzag()
            pos = r.pos
        stack[-1] = fid
        depth = len(stack)
        if 4 <= kind <= 8 and kind != 7:  # i16, i32, i64 (varints) and binary (a varint length, then bytes)
            value = shift = 0
            while True:
                if pos >= end or shift > 63:
                    raise _Malformed
                b = buf[pos]
                pos += 1
                value |= (b & 0x7F) << shift
                if b < 0x80:
                    break
                shift += 7
            if kind == 8:
                pos += value
                continue
            if kind != 5:
                continue
            value = (value >> 1) ^ -(value & 1)
            if depth == 1:
                if fid in (1, 3):
                    got[0 if fid == 1 else 1] = value
            elif depth == 2 and inner:
                if fid == 1:
                    got[2] = value
                elif fid == (4 if inner == 8 else 2):
                    got[3] = value
            continue
        if kind == 12:
            if depth > _DEPTH:
                raise _Malformed
            if depth == 1 and fid in (5, 7, 8):
                inner = fid
            stack.append(0)
            continue
        r.pos = pos
        r.skip(kind, depth)
        pos = r.pos


def dictionary_encoded(chunk: Any, fh: BinaryIO) -> bool:
    """True when the column chunk (pyarrow ``ColumnChunkMetaData``) of the open file ``fh`` has one dictionary page
    first and only dictionary-encoded data pages holding all its values, read from the page headers."""
    try:
        if not chunk.has_dictionary_page:
            return False
        start = min(chunk.dictionary_page_offset or chunk.data_page_offset, chunk.data_page_offset)
        size = chunk.total_compressed_size
        if start < 4 or not 0 < size <= MAX_CHUNK_BYTES:
            return False
        fh.seek(start)
        buf = fh.read(size)
        if len(buf) != size:
            return False
        if "numba" in sys.modules:  # the same walk, compiled (-1: a header only the Python walk reads)
            from scoring.population.parquet_pages_compiled import walk

            said = walk(buf, chunk.num_values, MAX_PAGES, _DEPTH)
            if said >= 0:
                return bool(said)
        return _walk(buf, size, chunk.num_values)
    except (_Malformed, OSError, ValueError, AttributeError, TypeError):
        return False


def _walk(buf: bytes, size: int, num_values: int) -> bool:
    """The page headers of a chunk's bytes, in Python (the reference of the compiled walk)."""
    try:
        r = _Reader(buf, 0)
        values = pages = 0
        while r.pos < size:
            kind, page_size, count, encoding = _page_header(r)
            pages += 1
            if pages > MAX_PAGES or page_size < 0 or count < 0:
                return False
            if pages == 1:
                if kind != DICTIONARY_PAGE:
                    return False
            elif kind in (DATA_PAGE, DATA_PAGE_V2):
                if encoding not in DICTIONARY_ENCODINGS:
                    return False
                values += count
            else:  # a second dictionary page, an index page or an unknown type
                return False
            r.skip_bytes(page_size)
        return pages > 1 and r.pos == size and values == num_values
    except _Malformed:
        return False
