"""Whole-column work on pyarrow text columns, read in place from their Arrow buffers: which values could be a
missing token, plain decimals cast by pyarrow, 64-bit keys of texts for repeated ids (exactly confirmed), and a
batch-independent text hash for the out-of-core duplicate scan. :mod:`scoring.population.validate` uses these.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from scoring.population.identifiers_embedded import one_array, position_bits, text_buffers
from scoring.population.io import MISSING_TOKENS
from scoring.population.shared_facts import once

STR_DTYPE = pd.StringDtype("pyarrow", na_value=np.nan)


_TOKEN_BYTES = max(len(t.encode()) for t in MISSING_TOKENS)


def null_free_text(col: pd.Series) -> pa.Array | None:
    """A non-empty pyarrow text column as one null-free string Array; None for any other column. A column of one
    chunk is not copied."""
    chunks = text_chunks(col)
    return None if chunks is None else one_array(pa.chunked_array(chunks, type=chunks[0].type))


def text_chunks(col: pd.Series) -> list[pa.Array] | None:
    """The chunks of a non-empty, null-free pyarrow text column as they are (a Parquet file gives one per batch;
    joining them would copy the text); None for any other column."""
    if col.dtype != STR_DTYPE or len(col) == 0:
        return None
    arr = pa.array(col.array)
    if arr.null_count or not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return None
    chunks = [c for c in arr.chunks if len(c)] if isinstance(arr, pa.ChunkedArray) else [arr]
    return chunks or None


@dataclass(frozen=True)
class TextEdges:
    """The edges of the values of a null-free pyarrow text column, found in one pass over its buffers.

    ``spaced``: values whose first or last byte is ASCII whitespace or control (below 0x21) or non-ASCII (which may
    begin or end a Unicode space), so that ``.str.strip()`` may change them (empty values: False); None when there
    are none. ``short``: values of at most the bytes of the longest missing token; None when there are none. A value
    outside both cannot be a missing token once stripped."""

    n: int
    spaced: np.ndarray | None
    short: np.ndarray | None

    @property
    def candidates(self) -> np.ndarray:
        """Values that could be a missing token once stripped."""
        if self.spaced is None:
            return np.zeros(self.n, dtype=bool) if self.short is None else self.short
        return self.spaced if self.short is None else self.spaced | self.short

    @property
    def needs_strip(self) -> bool:
        """Whether some value may change under ``.str.strip()``."""
        return self.spaced is not None


def _odd(first: np.ndarray, last: np.ndarray) -> np.ndarray | None:
    """Where a first or last byte is below 0x21 or non-ASCII (one subtraction: those wrap to 0x5F and above);
    None when nowhere (told by the extremes of the bytes, before any mask is made)."""
    first, last = np.ascontiguousarray(first), np.ascontiguousarray(last)
    if not len(first) or (int(first.min()) >= 0x21 and int(first.max()) < 0x80 and int(last.min()) >= 0x21
                          and int(last.max()) < 0x80):
        return None
    return ((first - np.uint8(0x21)) >= 0x5F) | ((last - np.uint8(0x21)) >= 0x5F)


def text_edges(col: pd.Series) -> TextEdges | None:
    """The :class:`TextEdges` of a null-free pyarrow text column (None for a null-holding or other column), chunk
    by chunk in place."""
    chunks = text_chunks(col)
    if chunks is None:
        return None
    parts = [_chunk_edges(c) for c in chunks]
    n = sum(len(c) for c in chunks)

    def joined(i: int) -> np.ndarray | None:
        if all(p[i] is None for p in parts):
            return None
        return np.concatenate([np.zeros(len(c), dtype=bool) if p[i] is None else p[i]
                               for c, p in zip(chunks, parts, strict=True)])

    return TextEdges(n, joined(0), joined(1))


_BYTE = np.arange(256)


def _plain_byte(ors: int, ands: int) -> bool:
    """True when every byte whose bits are consistent with the OR ``ors`` and the AND ``ands`` of the bytes at one
    position is printable ASCII (0x21 to 0x7F), so that no byte there is odd in the sense of :func:`_odd`."""
    can = ((_BYTE & ~int(ors)) == 0) & ((_BYTE & int(ands)) == int(ands))
    return not (can[:0x21].any() or can[0x80:].any())


def _chunk_edges(arr: pa.Array) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(spaced, short) of one chunk, as in :class:`TextEdges`."""
    n = len(arr)
    offs, data, width = text_buffers(arr)
    if width == 0:
        return None, np.ones(n, dtype=bool)
    if width is not None:  # one width: the first and last bytes are strided views
        base = data[offs[0]:offs[-1]]
        short = np.ones(n, dtype=bool) if width <= _TOKEN_BYTES else None
        ors, ands = position_bits(arr, offs, data, width)
        if _plain_byte(ors[0], ands[0]) and _plain_byte(ors[-1], ands[-1]):
            return None, short  # no first or last byte can be odd (a proof from the bits of every value)
        return _odd(base[0::width], base[width - 1::width]), short
    lengths = np.diff(offs)
    short = lengths <= _TOKEN_BYTES
    nonempty = np.flatnonzero(lengths > 0)
    odd = _odd(data[offs[nonempty]], data[offs[nonempty + 1] - 1])
    spaced = None
    if odd is not None:
        spaced = np.zeros(n, dtype=bool)
        spaced[nonempty] = odd
    return spaced, (short if short.any() else None)


def token_candidates(col: pd.Series, edges: TextEdges | None = None) -> np.ndarray | None:
    """Text values that could be a missing token once stripped: short ones, or ones that start or end with a space
    (any byte below 0x21, or a non-ASCII byte that may begin or end a Unicode space); None for a null-holding or
    non-pyarrow column. The others cannot be a token, so only these are stripped and compared. ``edges``: the
    column's :func:`text_edges`, when already found."""
    edges = edges or text_edges(col)
    return None if edges is None else edges.candidates


def needs_strip(col: pd.Series, edges: TextEdges | None = None) -> bool:
    """False when no value of a null-free pyarrow text column can change under ``.str.strip()``: no first or last
    byte is ASCII whitespace or control (below 0x21) or non-ASCII (which may begin or end a Unicode space). True when
    some value may, or when the column is not such a column. ``edges``: as for :func:`token_candidates`."""
    if col.dtype == STR_DTYPE and len(col) == 0:
        return False
    edges = edges or text_edges(col)
    return True if edges is None else edges.needs_strip


_PLAIN_DECIMAL = r"^-?[0-9]+(\.[0-9]+)?$"


def plain_decimals(col: pd.Series) -> np.ndarray | None:
    """A pyarrow text column of plain decimals ("12", "-3.25"; at most 15 characters, so at most 15 digits, which
    every float parser reads to the same nearest double) as float64 by pyarrow's cast; else None."""
    if col.dtype != STR_DTYPE or len(col) == 0:
        return None
    arr = pa.array(col.array)
    if arr.null_count:
        return None
    short = pc.max(pc.binary_length(arr)).as_py() <= 15
    if not short or not pc.all(pc.match_substring_regex(arr, _PLAIN_DECIMAL)).as_py():
        return None
    return np.asarray(pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)


_MIX = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F), np.uint64(0x165667B19E3779F9))


def _text_keys(arr: pa.Array) -> tuple[np.ndarray, bool]:
    """A 64-bit key per string (equal strings have equal keys) and whether the key is the string itself.

    Values of one width are read as unaligned 64-bit words in place: the first 8 bytes big-endian (so that keys of
    ids of at most 8 bytes sort as the ids do), mixed with the last 8 bytes for wider ones. Values of mixed widths
    use their length and first and last 8 bytes.
    """
    n = len(arr)
    offs, data, width = text_buffers(arr)
    if width is not None:
        base = data[offs[0]:offs[0] + n * width]
        if width < 8:  # the last value's word runs past the end: read from a padded copy (width < 8 bytes a value)
            base = np.concatenate([base, np.zeros(8, dtype=np.uint8)])
        first = np.ndarray((n,), dtype=">u8", buffer=base, offset=0, strides=(width,)).astype(np.uint64)
        if width < 8:
            first &= ~np.uint64((1 << (8 * (8 - width))) - 1)  # keep this value's bytes (the high ones)
        if width <= 8:
            return first, True
        last = np.ndarray((n,), dtype="<u8", buffer=base, offset=width - 8, strides=(width,)).astype(np.uint64)
        return first * _MIX[0] ^ last * _MIX[1], False
    first, last, length = _edge_words(offs, data)
    return first * _MIX[0] ^ last * _MIX[1] ^ length * _MIX[2], False


def _edge_words(offs: np.ndarray, data: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per value of mixed widths: its first and last (up to) 8 bytes as 64-bit words, and its length."""
    if data.size == 0:  # every value empty
        data = np.zeros(1, dtype=np.uint8)
    length = np.diff(offs)
    first = np.zeros(len(length), dtype=np.uint64)
    last = np.zeros(len(length), dtype=np.uint64)
    for j in range(8):
        has = length > j
        first |= (data[np.where(has, offs[:-1] + j, 0)] * has).astype(np.uint64) << np.uint64(8 * j)
        last |= (data[np.where(has, offs[1:] - 1 - j, 0)] * has).astype(np.uint64) << np.uint64(8 * j)
    return first, last, length.astype(np.uint64)


def text_hash(ids: pd.Series) -> np.ndarray:
    """A 64-bit hash per value of a text column from its length and its first and last 8 bytes, the same for the
    same text in any batch (equal texts, equal hashes; callers confirm matches on the text itself)."""
    arr = one_array(pa.array(ids.array) if ids.dtype == STR_DTYPE else
                    pa.array(ids.astype(str).to_numpy(dtype=object), type=pa.large_string()))
    offs, data, width = text_buffers(arr)
    n = len(arr)
    if width is not None and width >= 8:  # one width: in-place 64-bit views, no gather
        base = data[offs[0]:offs[0] + n * width]
        first = np.ndarray((n,), dtype="<u8", buffer=base, offset=0, strides=(width,)).astype(np.uint64)
        last = np.ndarray((n,), dtype=">u8", buffer=base, offset=width - 8, strides=(width,)).astype(np.uint64)
        length = np.full(n, width, dtype=np.uint64)
    else:
        first, last, length = _edge_words(offs, data)
    return first * _MIX[0] ^ last * _MIX[1] ^ length * _MIX[2]


def ascending(arr: pa.Array | pa.ChunkedArray) -> bool:
    """True when the values of a null-free text column are in strictly ascending byte order, so all distinct (one
    vectorised comparison of each value with the next, chunks read in place). Null-free: chunk by chunk, each
    chunk's answer a fact of the load (:mod:`~scoring.population.shared_facts`: :func:`prefetch_facts` may have found
    it beside the read), then each chunk's last value against the next one's first."""
    if arr.null_count:
        return _chunk_ascending(arr)
    chunks = [c for c in (arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]) if len(c)]
    if not all(once("ascending", c, lambda c=c: _chunk_ascending(c)) for c in chunks):
        return False
    if len(chunks) < 2:
        return True
    lasts = pa.concat_arrays([c.slice(len(c) - 1) for c in chunks[:-1]])
    firsts = pa.concat_arrays([c.slice(0, 1) for c in chunks[1:]])
    return bool(pc.all(pc.less(lasts, firsts)).as_py())


def _chunk_ascending(arr: pa.Array | pa.ChunkedArray) -> bool:
    """Every value below the next (one vectorised comparison; a null compared is skipped)."""
    n = len(arr)
    return n < 2 or bool(pc.all(pc.less(arr.slice(0, n - 1), arr.slice(1))).as_py())


def prefetch_facts(chunks: list[pa.Array], ids: bool) -> None:
    """Find, as facts of the load (:mod:`~scoring.population.shared_facts`), what its checks of a text column will
    ask of each null-free chunk: whether its values have one width and the bytes at each position (the typing and
    the identifier screen), and when ``ids`` (the person_id column) whether it is in ascending order (the repeated
    ids). Run on a thread of its own beside the read of the other columns, inside the load's
    :func:`~scoring.population.shared_facts.sharing`: a check that asks while it runs waits for it."""
    for c in chunks:
        if not len(c) or c.null_count or not (pa.types.is_string(c.type) or pa.types.is_large_string(c.type)):
            continue
        offs, data, width = text_buffers(c)
        if width:
            position_bits(c, offs, data, width)
        if ids:
            once("ascending", c, lambda c=c: _chunk_ascending(c))


def repeated(ids: pd.Series) -> np.ndarray:
    """``ids.duplicated(keep=False)`` as a bool array: a 64-bit key per string finds the candidates in one hash pass,
    and only the candidates are compared exactly (so the answer is exact whatever the keys)."""
    if ids.dtype != STR_DTYPE:
        return ids.duplicated(keep=False).to_numpy(dtype=bool)
    chunked = pa.array(ids.array)
    if chunked.null_count:
        return ids.duplicated(keep=False).to_numpy(dtype=bool)
    if ascending(chunked):  # ids in strictly ascending order (as extracts often are): distinct, in one pass
        return np.zeros(len(chunked), dtype=bool)
    keys, exact = _text_keys(one_array(chunked))
    if len(keys) < 2 or (exact and bool(np.all(keys[1:] > keys[:-1]))):  # ids in ascending order: distinct
        return np.zeros(len(keys), dtype=bool)
    ordered = np.sort(keys)
    same = ordered[1:] == ordered[:-1]
    if not same.any():  # the usual case: all keys distinct, so all ids distinct
        return np.zeros(len(keys), dtype=bool)
    cand = np.isin(keys, np.unique(ordered[1:][same]))
    if exact:
        return cand
    if not cand.any():
        return cand
    out = np.zeros(len(ids), dtype=bool)
    out[cand] = ids[cand].duplicated(keep=False).to_numpy(dtype=bool)
    return out
