"""Identifiers hidden inside values: in free text, in ids, in category values, and in numbers that lost digits.

Text values are screened as whole columns with pyarrow's RE2 kernels on the distinct values, after Unicode NFKC
normalisation (full-width digits and colons become ASCII) and removal of zero-width characters:

* mobile numbers ``1[3-9]`` + 9 digits (optionally ``+86``, spaces or hyphens in the usual places) not inside a
  longer run of digits;
* 18-digit resident ID numbers with a valid GB 11643 check digit, and old 15-digit ones (area + YYMMDD + 3 digits),
  not inside a longer run of digits;
* labelled contact handles: WeChat (``微信: abc_123``, ``wx:``, ``vx``), QQ (``QQ 12345678``), e-mail addresses,
  and labelled telephone numbers (``电话: 0571-88888888``).

Hex digests (32+ hex digits) and UUIDs are pseudonyms: their digits are not screened for mobile numbers.

Numbers (numeric columns, or numbers inside an Excel column of mixed cells) are screened arithmetically: 11-digit
mobile-shaped integers, and 15-, 17- and 18-digit integers whose leading digits are a plausible province code and
birth date, whether or not the check digit holds for floating-point numbers (Excel keeps 15 significant digits, so
an ID number typed as a number keeps its area code and birth date but loses its check digit); an exact integer
(an int64 column) must also carry a valid check digit.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from scoring.population.shared_facts import once

_ZERO_WIDTH = "[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]"
_NOT_DIGIT_BEFORE = r"(^|[^0-9])"
_NOT_DIGIT_AFTER = r"([^0-9]|$)"
_LATIN_EDGE = r"(^|[^a-z0-9])"
# Characters people put between the digits of a phone or ID number ("139.1234.5678", "330106 19900101 0018",
# "139 12 34 56 78"); a value's digits joined across one kind of them are screened too (see :func:`_joined`).
_SEPARATOR_CHARS = "-./_\u2013\u2014\u00b7"  # besides whitespace: - . / _, en and em dashes, middle dot
DIGIT_SEPARATORS = (r"\s{1,2}", *(re.escape(c) for c in _SEPARATOR_CHARS))  # one kind each, as RE2 patterns
_SEPARATOR_CLASS = re.escape(_SEPARATOR_CHARS)
_ANY_SEPARATOR = r"(?:\s{1,2}|[" + _SEPARATOR_CLASS + "])"
# One cheap pass over every distinct value; only the values it hits are screened in detail. It is implied by each
# detailed pattern below, on the value or on its digits joined across separators (a mobile number, a run of 14+
# digits, "@", a digit and an exponent of 10 to 17, or a label).
PREFILTER = (r"(?i)1" + _ANY_SEPARATOR + r"?[3-9](?:" + _ANY_SEPARATOR + r"?[0-9]){9}"
             r"|[0-9](?:" + _ANY_SEPARATOR + r"?[0-9]){13}|@|[0-9]e\+?0?1[0-7]"
             r"|微信|威信|薇信|v信|wechat|weixin|wx|vx|qq|扣扣|企鹅|电话|手机|座机|联系方式|tel|phone|mobile")
# A whole number of 11 to 18 digits in scientific notation, as Excel shows (and saves to CSV) a long number typed
# into a cell: "1.38123E+10" was a phone number, "1.10105E+17" an 18-digit ID number. Its last digits are lost, so
# it cannot be checked: 11 to 14 digits count as a phone number (mobile, landline with area code, +86), 15 to 18 as
# an ID number.
_SCI = r"^\s*[+-]?[0-9]([.,][0-9]+)?[eE]\+?0?"
SCI_PHONE = _SCI + r"1[0-3]\s*$"
SCI_ID = _SCI + r"1[4-7]\s*$"
MOBILE = (r"(?i)" + _NOT_DIGIT_BEFORE + r"(\+?86[\s-]?)?1[3-9][0-9][\s-]?[0-9]{4}[\s-]?[0-9]{4}"
          + _NOT_DIGIT_AFTER)
ID18_SHAPE = _NOT_DIGIT_BEFORE + r"[0-9]{17}[0-9Xx]" + _NOT_DIGIT_AFTER
ID15 = (_NOT_DIGIT_BEFORE + r"[1-9][0-9]{5}[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[0-9]{3}"
        + _NOT_DIGIT_AFTER)
_SEP = r"\s*(号码|号|id|账号|帐号)?\s*[:=]?\s*"
WECHAT = r"(?i)(微信|威信|薇信|v信|" + _LATIN_EDGE + r"(wechat|weixin|wx|vx))" + _SEP + r"[a-z][-_a-z0-9]{5,19}"
QQ = r"(?i)(扣扣|企鹅|" + _LATIN_EDGE + r"qq)" + _SEP + r"[1-9][0-9]{4,11}"
EMAIL = r"(?i)[a-z0-9._%+-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}"
LABELLED_PHONE = (r"(?i)(电话|手机|座机|联系方式|" + _LATIN_EDGE + r"(tel|phone|mobile))" + _SEP
                  + r"\+?\(?[0-9][0-9\s()" + _SEPARATOR_CLASS + "]{6,}")

# Pseudonyms, not identifiers: hex digests (MD5, SHA-1, SHA-256, ... of 32+ hex digits), truncated ones (16+ hex
# digits with at least one letter a-f: sha256(...)[:16]) and UUIDs. Their digit runs can look like a mobile number by
# chance (about 3 in 1,000 SHA-256 ids, 7 in 10,000 16-digit ones), so they are not screened for one.
DIGEST = (r"^([0-9a-fA-F]{32,}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$")
SHORT_DIGEST = r"^[0-9a-fA-F]{16,}$"  # a pseudonym when it holds a letter a-f too (all digits: a number)
MIN_BYTES = 4  # the shortest text any pattern above matches ("1e10"; "a@b.cn", "qq1234" + ... have 6) has 4
KIND_TEXT = {"id_number": "resident ID numbers", "phone": "mobile or telephone numbers", "contact": "contact handles "
             "(WeChat, QQ or e-mail)"}
# First two digits of a resident ID number: the province-level area codes of GB/T 2260 (71 Taiwan, 81/82 Hong
# Kong/Macao, 83 for the residence permits of Taiwan residents, 91 overseas).
_PROVINCES = np.zeros(100, dtype=bool)
_PROVINCES[[11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53,
            54, 61, 62, 63, 64, 65, 71, 81, 82, 83, 91]] = True


def one_array(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """An Arrow column as one Array: a single chunk as it is (``combine_chunks`` would copy it), else joined."""
    if isinstance(values, pa.ChunkedArray):
        return values.chunk(0) if values.num_chunks == 1 else values.combine_chunks()
    return values


def clean_text(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """NFKC-normalised text without zero-width or direction-control characters (the form that is screened).

    Only the values that are not plain ASCII are touched (NFKC leaves ASCII as it is).
    """
    values = one_array(values)
    other = pc.invert(pc.fill_null(pc.string_is_ascii(values), True))
    if not pc.any(other).as_py():
        return values
    sub = pc.filter(values, other)
    sub = pc.replace_substring_regex(pc.utf8_normalize(sub, form="NFKC"), _ZERO_WIDTH, "")
    return pc.replace_with_mask(values, other, sub.cast(values.type))


_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_ID_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)


def id18_valid(values: pd.Series | list[str] | np.ndarray) -> np.ndarray:
    """Boolean array: which values are 18-character resident ID numbers with a valid GB 11643 check digit."""
    s = pd.Series(values, dtype=object).astype(str).str.strip().str.upper()
    shape_ok = s.str.fullmatch(r"\d{17}[\dX]").fillna(False).to_numpy(dtype=bool)
    out = np.zeros(len(s), dtype=bool)
    if not shape_ok.any():
        return out
    cand = s[shape_ok].to_numpy(dtype="S18")
    digits = cand.view(np.uint8).reshape(-1, 18).astype(np.int64)
    body = digits[:, :17] - 48
    check = _ID_CHECK[(body @ _ID_WEIGHTS) % 11]
    month = body[:, 10] * 10 + body[:, 11]
    day = body[:, 12] * 10 + body[:, 13]
    date_ok = (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31)
    out[shape_ok] = (check == digits[:, 17]) & date_ok
    return out


def _match(values: pa.Array | pa.ChunkedArray, pattern: str) -> np.ndarray:
    return pc.fill_null(pc.match_substring_regex(values, pattern), False).to_numpy(zero_copy_only=False)


def _id18_inside(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Which values hold an 18-character run (17 digits + digit or X) with a valid check digit."""
    tokens = pc.split_pattern_regex(pc.utf8_upper(values), r"[^0-9X]+")
    tokens = one_array(tokens)
    flat = pc.list_flatten(tokens)
    parent = pc.list_parent_indices(tokens).to_numpy(zero_copy_only=False)
    shaped = pc.match_substring_regex(flat, r"^[0-9]{17}[0-9X]$").to_numpy(zero_copy_only=False).astype(bool)
    out = np.zeros(len(values), dtype=bool)
    if shaped.any():
        idx = np.flatnonzero(shaped)
        cand = pc.take(flat, pa.array(idx)).to_numpy(zero_copy_only=False)
        ok = id18_valid(cand)
        out[parent[idx[ok]]] = True
    return out


def text_kinds(values: pa.Array | pa.ChunkedArray) -> dict[str, np.ndarray]:
    """Boolean masks (one per kind: "id_number", "phone", "contact") over ``values`` (strings, nulls allowed)."""
    n = len(values)
    masks = {k: np.zeros(n, dtype=bool) for k in KIND_TEXT}
    if n == 0:
        return masks
    values = clean_text(values)
    hit = np.flatnonzero(_match(values, PREFILTER))
    if hit.size == 0:
        return masks
    sub = pc.take(values, pa.array(hit))
    digest = _match(sub, DIGEST) | (_match(sub, SHORT_DIGEST) & _match(sub, "[a-fA-F]"))
    if digest.any():
        hit, sub = hit[~digest], pc.filter(sub, pa.array(~digest))
    phone = _match(sub, MOBILE) | _match(sub, LABELLED_PHONE) | _match(sub, SCI_PHONE)
    ident = _id18_inside(sub) | _match(sub, ID15) | _match(sub, SCI_ID)
    for separator in DIGIT_SEPARATORS:  # the digits of "139.1234.5678" or "330106 19900101 0018", joined
        joined, changed = _joined(sub, separator)
        if changed.any():
            phone[changed] |= _match(joined, MOBILE)
            ident[changed] |= _id18_inside(joined) | _match(joined, ID15)
    masks["phone"][hit] = phone
    masks["id_number"][hit] = ident
    masks["contact"][hit] = _match(sub, WECHAT) | _match(sub, QQ) | _match(sub, EMAIL)
    return masks


def _joined(values: pa.Array, separator: str) -> tuple[pa.Array, np.ndarray]:
    """The values whose digits are joined across ``separator`` (a regex of one kind of separator), with each such
    separator between two digits (or a digit and the X of an ID number) removed, and where that changed anything.
    Two passes: a pass joins every other gap of a run of one-digit groups ("1 3 9 1"), the second the rest."""
    pattern = r"([0-9])" + separator + r"([0-9Xx])"
    changed = _match(values, pattern)
    if not changed.any():
        return values, changed
    sub = pc.filter(values, pa.array(changed))
    for _ in range(2):
        sub = pc.replace_substring_regex(sub, pattern, r"\1\2")
    return sub, changed


_CHUNK_VALUES = 1 << 20
MAX_ONE_WIDTH = 256  # bytes: wider values of one width are screened as values of mixed widths (linear in the bytes)


def text_buffers(arr: pa.Array) -> tuple[np.ndarray, np.ndarray, int | None]:
    """The offsets (int64, ``len(arr) + 1``) and the bytes of a string array, and its width in bytes when every
    value has the same one of at most :data:`MAX_ONE_WIDTH` bytes (None otherwise). No copy of the text."""
    n = len(arr)
    offset_type = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    offs = np.frombuffer(arr.buffers()[1], dtype=offset_type)[arr.offset:arr.offset + n + 1]
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8) if arr.buffers()[2] is not None else np.zeros(0, np.uint8)
    offs = offs.astype(np.int64, copy=False)
    if not n or arr.null_count or offs[n] - offs[0] != n * (offs[1] - offs[0]):  # not one width: told in O(1)
        return offs, data, None
    width = int(offs[1] - offs[0])
    if width > MAX_ONE_WIDTH:  # the byte-position shortcuts cost width x 256 (a 4 KB file of 8 MB values: 20 GB)
        return offs, data, None
    return offs, data, (width if once("one_width", arr, lambda: _one_width(offs, width)) else None)


_WIDTH_STEP = 1 << 16  # offsets compared at a time (a small buffer, reused: no page faults for a large temporary)


def _one_width(offs: np.ndarray, width: int) -> bool:
    """Whether every value between the offsets ``offs`` is ``width`` bytes long."""
    n = len(offs) - 1
    step = np.empty(min(n, _WIDTH_STEP), dtype=np.int64)
    for lo in range(0, n, _WIDTH_STEP):
        hi = min(n, lo + _WIDTH_STEP)
        part = step[:hi - lo]
        np.subtract(offs[lo + 1:hi + 1], offs[lo:hi], out=part)
        if not (part == width).all():
            return False
    return True


def ascii_may_hold(arr: pa.Array) -> np.ndarray | None:
    """Which plain-ASCII values of one width could match :data:`PREFILTER` (a superset, found with numpy), or None
    when the values differ in width (the caller then screens them all by pattern).

    In ASCII text the prefilter needs 11 or more digits (a mobile number or a 14-digit run), an "@", a Latin
    label (wx, qq, tel, ...), hence two letters in a row, or an "e" after a digit (scientific notation); a value
    with none of these cannot hold an identifier.
    The bytes are read as 64-bit words, a million values at a time.
    """
    n = len(arr)
    offs, data, width = text_buffers(arr)
    if not width:
        return None
    data = data[offs[0]:offs[-1]]
    out = np.zeros(n, dtype=bool)
    for lo in range(0, n, _CHUNK_VALUES):
        part = data[lo * width:min(n, lo + _CHUNK_VALUES) * width]
        rows = part.size // width
        digit = np.zeros(part.size + 8, dtype=np.uint8)  # 8 spare bytes: the last word of the last row
        flag = np.zeros(part.size + 8, dtype=np.uint8)
        digit[:part.size] = part - np.uint8(48) < 10
        alpha = (part | 32) - np.uint8(97) < 26
        flag[:part.size] = part == 64  # "@"
        flag[1:part.size] |= alpha[1:] & alpha[:-1]  # two letters in a row (across two values: a false alarm)
        flag[1:part.size] |= ((part[1:] | 32) == 101) & digit[:part.size - 1].astype(bool)  # "1e", "5E"
        count = np.zeros(rows, dtype=np.int64)
        hit = np.zeros(rows, dtype=bool)
        for word in range(0, width, 8):  # each row's bytes as 64-bit words (unaligned views, no copy)
            keep = np.uint64((1 << (8 * min(8, width - word))) - 1)
            view = {"shape": (rows,), "dtype": np.uint64, "offset": word, "strides": (width,)}
            count += np.bitwise_count(np.ndarray(buffer=digit, **view) & keep)
            hit |= (np.ndarray(buffer=flag, **view) & keep) != 0
        out[lo:lo + rows] = (count >= 11) | hit
    return out


def whole_text(arr: pa.Array) -> pa.Array:
    """The text of a whole string column as one value (its data buffer, no copy)."""
    bufs = arr.buffers()
    if not len(arr) or bufs[2] is None:
        return pa.array([""], type=pa.large_string())
    offset_type = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    offs = np.frombuffer(bufs[1], dtype=offset_type)
    bounds = np.array([offs[arr.offset], offs[arr.offset + len(arr)]], dtype=np.int64)
    return pa.Array.from_buffers(pa.large_string(), 1, [None, pa.py_buffer(bounds), bufs[2]])


_BYTE = np.arange(256)
_LETTER = (_BYTE < 0x80) & (((_BYTE | 32) - 97) % 256 < 26)
# [0-9], \s and the ASCII separators of DIGIT_SEPARATORS (the others are not ASCII, which the proof refuses first)
_DIGIT_OR_SEP = ((_BYTE >= 48) & (_BYTE <= 57)) | np.isin(
    _BYTE, [9, 10, 11, 12, 13, 32, *(ord(c) for c in _SEPARATOR_CHARS if c.isascii())])
_MOBILE_SPAN = 11  # the prefilter's number patterns need 11 digits in a row (separators allowed between them)


_ROWS_AT_ONCE = 256  # rows of words a reduction step takes as one long row


def _reduce_rows(op: np.ufunc, words: np.ndarray) -> np.ndarray:
    """``op.reduce(words, axis=0)`` of a C-contiguous 2-D array with short rows, faster: 256 rows are reduced as one
    long row (numpy's inner loop then runs over thousands of words, not a few), then the 256 partial rows."""
    rows, cols = words.shape
    whole = rows // _ROWS_AT_ONCE * _ROWS_AT_ONCE
    out = op.reduce(words[whole:], axis=0) if whole < rows else None
    if whole:
        part = op.reduce(op.reduce(words[:whole].reshape(-1, _ROWS_AT_ONCE * cols), axis=0)
                         .reshape(_ROWS_AT_ONCE, cols), axis=0)
        out = part if out is None else op(out, part)
    return out


def _position_bits(data: np.ndarray, n: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """The OR and the AND of the bytes at each of the ``width`` positions over ``n`` values of one width (laid end
    to end in ``data``). The bytes are read as 64-bit words in blocks of lcm(width, 8) bytes (a whole number of
    values and of words), so that numpy reduces whole words; the few values after the last block are added."""
    block = math.lcm(width, 8)
    per = block // width  # values in a block
    blocks = n // per
    ors, ands = np.zeros(width, dtype=np.uint8), np.full(width, 0xFF, dtype=np.uint8)
    if blocks:
        words = np.frombuffer(data[:blocks * block], dtype=np.uint64).reshape(blocks, block // 8)
        o = _reduce_rows(np.bitwise_or, words).view(np.uint8).reshape(per, width)
        a = _reduce_rows(np.bitwise_and, words).view(np.uint8).reshape(per, width)
        ors |= np.bitwise_or.reduce(o, axis=0)
        ands &= np.bitwise_and.reduce(a, axis=0)
    rest = data[blocks * block:n * width].reshape(-1, width)
    if len(rest):
        ors |= np.bitwise_or.reduce(rest, axis=0)
        ands &= np.bitwise_and.reduce(rest, axis=0)
    return ors, ands


def position_bits(arr: pa.Array, offs: np.ndarray, data: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_position_bits` of the values of a string array of one width ``width`` (``offs`` and ``data``: its
    :func:`text_buffers`), found once per load (:mod:`scoring.population.shared_facts`)."""
    n = len(arr)
    return once("position_bits", arr, lambda: _position_bits(data[offs[0]:offs[0] + n * width], n, width))


def one_width_clean(arr: pa.Array) -> bool:
    """True when a proof over byte positions shows that no value of a null-free string column of one width can
    match :data:`PREFILTER` (so none holds an identifier): the bytes that can occur at each position are bounded by
    the OR and the AND of that position's bytes over every value, and with them no position can hold a non-ASCII
    byte (so normalisation changes nothing) or "@", no two adjacent positions can both hold a letter (every Latin
    label has two letters in a row), no digit can be followed by e/E (scientific notation), and no 11 adjacent
    positions can all hold a digit or separator (the number patterns need 11 digits). Exact, not a sample: about a
    read of the bytes, as 64-bit words. False when the proof does not go through (the values are then screened by
    pattern) or the column is not of one width."""
    n = len(arr)
    offs, data, width = text_buffers(arr)
    if not n or not width or arr.null_count:
        return False
    ors, ands = position_bits(arr, offs, data, width)
    # can[j, b]: byte b is consistent with the bits seen at position j (a superset of the bytes that occur there)
    can = ((_BYTE[None, :] & ~ors[:, None].astype(np.int64)) == 0) & ((_BYTE[None, :] & ands[:, None]) == ands[:, None])
    if can[:, 0x80:].any() or can[:, ord("@")].any():
        return False
    letter = (can & _LETTER).any(axis=1)
    if (letter[1:] & letter[:-1]).any():
        return False
    exponent = can[:, ord("e")] | can[:, ord("E")]
    if (can[:-1, ord("0"):ord("9") + 1].any(axis=1) & exponent[1:]).any():
        return False  # a digit then e/E: scientific notation (the prefilter's "[0-9]e" branch) is possible
    digit = (can & _DIGIT_OR_SEP).any(axis=1)
    run = 0
    for d in digit:
        run = run + 1 if d else 0
        if run >= _MOBILE_SPAN:
            return False
    return True


def column_may_hold(arr: pa.Array) -> bool:
    """False when no value of the string column can hold an identifier: a column of one width passes the byte-
    position proof of :func:`one_width_clean`, or its whole text, as one value, is plain ASCII (so normalisation
    changes nothing) and matches no :data:`PREFILTER` (a superset of every detailed pattern: a match inside a value
    is a match inside the whole text; one pass of RE2 over the buffer, without the GIL)."""
    if one_width_clean(arr):
        return False
    one = whole_text(arr)
    if not pc.all(pc.string_is_ascii(one)).as_py():
        return True
    return bool(pc.any(pc.match_substring_regex(one, PREFILTER)).as_py())


def column_text_hits(arr: pa.Array) -> tuple[list[str], np.ndarray]:
    """The kinds of identifier inside a whole string column and the 0-based rows holding one.

    First the whole column is tested at once (:func:`column_may_hold`): a column of plain ASCII that holds no match
    of the prefilter anywhere is clean. Otherwise plain-ASCII values (ids, codes) are screened as they are, without
    hashing, and the other values (Chinese text, full-width characters) once per distinct value, after
    normalisation; in both, the prefilter selects the values the detailed patterns confirm.
    """
    if isinstance(arr, pa.ChunkedArray) and arr.num_chunks > 1 and all(not len(c) or one_width_clean(c)
                                                                      for c in arr.chunks):
        return [], np.zeros(0, dtype=np.int64)  # chunk by chunk in place (joining them would copy the text)
    arr = one_array(arr)
    if not column_may_hold(arr):
        return [], np.zeros(0, dtype=np.int64)
    long_idx = np.flatnonzero(pc.fill_null(pc.greater_equal(pc.binary_length(arr), MIN_BYTES), False)
                              .to_numpy(zero_copy_only=False))
    if long_idx.size == 0:
        return [], np.zeros(0, dtype=np.int64)
    if long_idx.size < len(arr):
        arr = pc.take(arr, pa.array(long_idx))
    n = len(arr)
    is_ascii = pc.fill_null(pc.string_is_ascii(arr), True).to_numpy(zero_copy_only=False)
    found: set[str] = set()
    rows: list[np.ndarray] = []
    a_idx = np.flatnonzero(is_ascii)
    if a_idx.size == n:  # ids of one width: only the values that could match the prefilter go to the patterns
        may = ascii_may_hold(arr)
        a_idx = a_idx if may is None else a_idx[may]
    if a_idx.size:
        masks = text_kinds(arr if a_idx.size == n else pc.take(arr, pa.array(a_idx)))
        found.update(k for k, m in masks.items() if m.any())
        rows.append(long_idx[a_idx[np.logical_or.reduce(list(masks.values()))]])
    o_idx = np.flatnonzero(~is_ascii)
    if o_idx.size:
        enc = pc.dictionary_encode(pc.take(arr, pa.array(o_idx)))
        masks = text_kinds(enc.dictionary)
        found.update(k for k, m in masks.items() if m.any())
        hit = np.flatnonzero(np.logical_or.reduce(list(masks.values())))
        if hit.size:
            codes = pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False)
            rows.append(long_idx[o_idx[np.isin(codes, hit)]])
    kinds = [k for k in KIND_TEXT if k in found]
    return kinds, np.sort(np.concatenate(rows)) if rows else np.zeros(0, dtype=np.int64)


def _plausible(province: np.ndarray, year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    return (_PROVINCES[np.clip(province, 0, 99)] & (year >= 1900) & (year <= 2029) & (month >= 1)
            & (month <= 12) & (day >= 0) & (day <= 31))


SMALL_NUMBERS = 1e10  # no identifier is a number smaller than this in size (a mobile number has 11 digits)


def number_kinds(values: np.ndarray) -> dict[str, np.ndarray]:
    """Boolean masks "id_number" and "phone" over numbers: mobile-shaped or ID-shaped whole numbers.

    Floating-point numbers (Excel cells, float columns) keep about 15 significant digits, so an 18- or 17-digit one
    is an ID number when its province code and birth date are plausible, whatever its last digits; day 00 is
    accepted because rounding can borrow from the day. Exact integers (an int64 column) must also carry a valid
    check digit. 15-digit numbers (old ID numbers have no check digit) need a plausible area and YYMMDD. A
    floating-point 15- or 18-digit number whose digits after the area code are all zero (an ID number Excel
    showed as "1.10105E+17" and read back) is an ID number when its province code is plausible.
    """
    arr = np.asarray(values)
    n = arr.size
    phone = np.zeros(n, dtype=bool)
    ident = np.zeros(n, dtype=bool)
    if n == 0 or (arr.dtype.kind in "iu" and arr.dtype.itemsize <= 4):  # below 2**32 < 1e10: no identifier fits
        return {"id_number": ident, "phone": phone}
    if arr.dtype.kind in "iuf" and max(abs(float(arr.min())), abs(float(arr.max()))) < SMALL_NUMBERS:  # NaN: no
        return {"id_number": ident, "phone": phone}
    vals = arr.astype(np.float64)
    with np.errstate(invalid="ignore"):
        big = np.isfinite(vals) & (np.abs(vals) >= SMALL_NUMBERS) & (np.abs(vals) < 9e18)
    idx = np.flatnonzero(big)
    if idx.size == 0:
        return {"id_number": ident, "phone": phone}
    exact = arr.dtype.kind in "iu"  # exact integers: no float rounding
    if exact:
        iv = np.abs(arr[idx].astype(np.int64))
        whole = np.ones(idx.size, dtype=bool)
    else:
        iv = np.abs(vals[idx]).astype(np.int64)
        whole = vals[idx] == np.floor(vals[idx])
    mobile = whole & (((iv >= 13_000_000_000) & (iv < 20_000_000_000))
                      | ((iv >= 8_613_000_000_000) & (iv < 8_620_000_000_000)))
    id_hit = np.zeros(idx.size, dtype=bool)
    shapes = ((10**17, 10**18, 10**16, 10**4),) if exact else \
        ((10**17, 10**18, 10**16, 10**4), (10**16, 10**17, 10**15, 10**3))
    for lo, hi, area_div, date_div in shapes:
        m = whole & (iv >= lo) & (iv < hi)
        date = (iv // date_div) % 10**8
        id_hit |= m & _plausible(iv // area_div, date // 10**4, date // 100 % 100, date % 100)
    if exact:
        m18 = id_hit.copy()
        if m18.any():
            id_hit[m18] = id18_valid(iv[m18].astype(str))
    m15 = whole & (iv >= 10**14) & (iv < 10**15)
    yymmdd = (iv // 1000) % 10**6
    id_hit |= m15 & _plausible(iv // 10**13, np.full(idx.size, 1950), yymmdd // 100 % 100, yymmdd % 100)
    if not exact:  # the area code alone survived Excel's six significant digits
        for lo, hi, tail in ((10**17, 10**18, 10**12), (10**14, 10**15, 10**9)):
            m = whole & (iv >= lo) & (iv < hi) & (iv % tail == 0)
            id_hit |= m & _PROVINCES[np.clip(iv // (lo // 10), 0, 99)]
    phone[idx] = mobile
    ident[idx] = id_hit
    return {"id_number": ident, "phone": phone}


def non_text_objects(values: pd.Series) -> np.ndarray:
    """Which entries of an object Series are not strings (numbers from an Excel sheet of mixed cells)."""
    objs = values.to_numpy(dtype=object)
    as_text = values.astype(object).astype(str).to_numpy(dtype=object)
    return np.asarray(as_text != objs, dtype=bool)
