"""A GB18030 CSV file parsed as its own bytes, and only its distinct non-ASCII values transcoded (issue 14).

Transcoding a whole GB18030 file to UTF-8 costs a pass of Python's codec over every byte, holding the GIL (threads do
not share it out). But no byte of a GB18030 multi-byte character is below 0x30 (lead 0x81-0xFE, then 0x40-0xFE, or
0x30-0x39 in a four-byte character), so the commas, tabs, semicolons, quotes and line breaks of the file are never
part of a character: pyarrow can split the file into fields as bytes, every byte outside them being one of those,
and the file is GB18030 exactly when every field is. A column of plain ASCII is the same in UTF-8 (read in place);
another is dictionary-encoded and each distinct value decoded strictly on its own (a category column has a few).
A column with more distinct non-ASCII values than :data:`MAX_DECODED`, or a value that does not decode, sends the
file back to the whole-file transcoding, which words any refusal as before.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

MAX_DECODED = 200_000  # distinct non-ASCII values of one column decoded one by one (else: the whole file)
SAFE_DELIMITERS = frozenset(",\t;")  # below 0x40 and outside 0x30-0x39: never inside a character ("|" can be)


class NeedsTranscoding(Exception):
    """The columns cannot be decoded value by value: transcode the whole file instead."""


def _ascii(chunk: pa.Array) -> bool:
    bufs = chunk.buffers()
    if bufs[2] is None or not len(chunk):
        return True
    offs = np.frombuffer(bufs[1], dtype=np.int32)[chunk.offset:chunk.offset + len(chunk) + 1]
    data = np.frombuffer(bufs[2], dtype=np.uint8)[offs[0]:offs[-1]]
    return not data.size or int(data.max()) < 0x80


def utf8_column(col: pa.ChunkedArray, encoding: str) -> pa.ChunkedArray:
    """A binary column of ``encoding`` text as UTF-8: plain ASCII as it is (string type), else a dictionary
    array of the decoded distinct values; raise NeedsTranscoding when that cannot be done."""
    if all(_ascii(c) for c in col.chunks):
        return pa.chunked_array([c.view(pa.string()) for c in col.chunks], type=pa.string())
    arr = col.chunk(0) if col.num_chunks == 1 else col.combine_chunks()
    enc = pc.dictionary_encode(arr)
    if enc.null_count or len(enc.dictionary) > MAX_DECODED:
        raise NeedsTranscoding
    try:
        texts = [v.decode(encoding) for v in enc.dictionary.to_pylist()]
    except UnicodeDecodeError:
        raise NeedsTranscoding from None
    return pa.chunked_array([pa.DictionaryArray.from_arrays(enc.indices, pa.array(texts, type=pa.string()))])


def utf8_table(table: pa.Table, encoding: str) -> pa.Table:
    """Every column of a table of binary columns as UTF-8 (see :func:`utf8_column`)."""
    return pa.table({name: utf8_column(table.column(name), encoding) for name in table.column_names})


def plain(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """A text column as plain strings (a dictionary column decoded; others as they are)."""
    if not pa.types.is_dictionary(col.type):
        return col
    return pa.chunked_array([pc.take(c.dictionary, c.indices) for c in col.chunks], type=col.type.value_type)
