"""Numbers, yes/no values and categories of a CSV file typed straight from their Arrow text, where that provably
gives what validating the text gives (issue 14).

The CSV reader parses every value as text. Validating a text column costs whole-column string work (missing tokens,
numbers from text, the identifier screen of every value); a number, yes/no or category column of the schema handed
over typed takes :mod:`scoring.population.validate`'s whole-column fast paths instead. A column is typed only when
every one of these holds, else it stays text and takes the text path as before:

* numbers (``int``/``float`` columns): every byte of the column is a digit, ``.`` or ``-``; no value is longer than
  15 bytes (so every float parser reads the same nearest double, as :func:`scoring.population.text.plain_decimals`
  relies on); no value holds a run of more than 10 digits (the text screen needs 11 digits in a row to find a mobile
  or ID number, and a number below 1e10 is neither to the numeric screen); pyarrow's cast reads every value other
  than the missing tokens these bytes allow ("" and "--"), which become NaN; no value is a negative zero. The
  result is the float64 column the text gives (missing: NaN, the same "missing value" rows);
* yes/no (``bool``) and categories: the distinct values (one dictionary encoding) are all known (``parse_bool``, or
  a canonical value of the column), none is a missing token (as the text path strips and lower-cases, and as the
  schema normalises), none holds an identifier (the text screen of the distinct values finds none) and none looks
  like a personal name. The result is a numpy bool column, or a categorical of the values as written (validation
  recodes its few categories).

Only the schema's own columns are typed, never an extra column (whose type is inferred from its text).
"""

from __future__ import annotations

import unicodedata
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from scoring.population.schema import ColumnSpec, Schema, normalise_text
from scoring.population.table import MISSING_TOKENS

_NUMBER_BYTES = b"0123456789.-"
MAX_NUMBER_BYTES = 15  # at most 15 digits: every float parser reads the same nearest double
MAX_DIGIT_RUN = 10  # the identifier patterns need 11 digits in a row (a mobile number); 1e10 > any 10-digit number
TYPING_THREADS = 2  # columns typed side by side (the results do not depend on it)
_WINDOW = 64  # longest value the digit-run proof reads (longer ones: screened as they are)
MAX_DISTINCT = 1000  # a category or yes/no column has a few distinct values
_TOKENS = pa.array(sorted(MISSING_TOKENS), type=pa.string())


def spec_of(header: str, schema: Schema) -> ColumnSpec | None:
    """The schema column a (cleaned) header maps to, as :mod:`scoring.population.load` maps it, else None."""
    target = schema.canonical_header(header) or unicodedata.normalize("NFKC", header).strip() or header
    return schema.columns.get(target)


def typed_columns(table: pa.Table, names: list[str], schema: Schema) -> dict[str, pa.Array]:
    """The columns of ``names`` (text columns of ``table``) that can be typed, as Arrow arrays that convert to
    what validation takes: float64 (NaN where missing), bool, or dictionary (a pandas categorical)."""
    todo = []
    for name in names:
        spec = spec_of(name, schema)
        col = table.column(name)
        if spec is None or spec.type not in ("int", "float", "bool", "category") or col.null_count or not len(col):
            continue
        if pa.types.is_string(col.type) or (_text_dictionary(col) and spec.type in ("bool", "category")):
            todo.append((name, spec, col))  # (a dictionary column is non-ASCII: not a plain number)

    def one(job: tuple[str, ColumnSpec, pa.ChunkedArray]) -> pa.Array | None:
        _, spec, col = job
        return numbers(col) if spec.type in ("int", "float") else known_values(col, spec, schema)

    with ThreadPoolExecutor(max_workers=TYPING_THREADS, thread_name_prefix="csv-types") as pool:
        got = list(pool.map(one, todo))  # pyarrow's kernels and numpy release the GIL: columns side by side
    return {job[0]: arr for job, arr in zip(todo, got, strict=True) if arr is not None}


def _buffers(chunk: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The offsets (``len + 1``) and the bytes of a string chunk, in place."""
    bufs = chunk.buffers()
    offs = np.frombuffer(bufs[1], dtype=np.int32)[chunk.offset:chunk.offset + len(chunk) + 1]
    data = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None else np.zeros(0, dtype=np.uint8)
    return offs, data


def _longest_run(data: np.ndarray, starts: np.ndarray, lengths: np.ndarray, dash: bool = False) -> int:
    """The longest run of ASCII digits (and "-" when ``dash``) inside the values at ``starts`` of ``lengths``
    (at most ``_WINDOW`` bytes each)."""
    if not starts.size:
        return 0
    width = int(lengths.max())
    idx = np.minimum(starts[:, None] + np.arange(width), max(data.size - 1, 0))
    window = data[idx]
    member = (window - np.uint8(48)) < 10
    if dash:
        member |= window == ord("-")
    member &= np.arange(width) < lengths[:, None]
    run = np.zeros(starts.size, dtype=np.int64)
    best = 0
    for j in range(width):
        run = (run + 1) * member[:, j]
        best = max(best, int(run.max()))
    return best


def _number_chunk(chunk: pa.Array) -> np.ndarray | None:
    """One chunk of a number column as float64 (NaN for "" and "--"), or None when it must stay text."""
    offs, data = _buffers(chunk)
    if data[offs[0]:offs[-1]].tobytes().translate(None, _NUMBER_BYTES):
        return None  # a byte other than a digit, "." or "-": letters, spaces, "+", "e", non-ASCII, ...
    lengths = np.diff(offs)
    if int(lengths.max()) > MAX_NUMBER_BYTES:
        return None
    long = np.flatnonzero(lengths > MAX_DIGIT_RUN)
    if _longest_run(data, offs[long].astype(np.int64), lengths[long]) > MAX_DIGIT_RUN:
        return None
    miss = lengths == 0
    two = np.flatnonzero(lengths == 2)
    if two.size:
        at = offs[two].astype(np.int64)
        miss[two[(data[at] == ord("-")) & (data[at + 1] == ord("-"))]] = True
    arr = pc.if_else(pa.array(miss), pa.scalar(None, pa.string()), chunk) if miss.any() else chunk
    try:
        vals = pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None  # "-", ".", "1.2.3", "1-2", ...: the text path words these
    if bool(np.any((vals == 0) & np.signbit(vals))):
        return None  # "-0": the text path's readers need not agree on its sign
    return np.asarray(vals, dtype=np.float64)


def numbers(col: pa.ChunkedArray) -> pa.Array | None:
    """A null-free text column of numbers as float64 (NaN where a value is "" or "--"), or None (stays text)."""
    parts = []
    for chunk in col.chunks:
        if not len(chunk):
            continue
        got = _number_chunk(chunk)
        if got is None:
            return None
        parts.append(got)
    return pa.array(np.concatenate(parts) if len(parts) != 1 else parts[0], type=pa.float64())


def _text_dictionary(col: pa.ChunkedArray) -> bool:
    """A dictionary column of text in one chunk (as :mod:`scoring.population.csv_gb18030` decodes one)."""
    return pa.types.is_dictionary(col.type) and pa.types.is_string(col.type.value_type) and col.num_chunks == 1


def _encoded(col: pa.ChunkedArray) -> pa.DictionaryArray:
    """A text column as one dictionary array of its distinct values."""
    if pa.types.is_dictionary(col.type):
        return col.chunk(0)
    return pc.dictionary_encode(col.chunk(0) if col.num_chunks == 1 else col.combine_chunks())


def _name_free(values: pa.Array, schema: Schema) -> bool:
    """No value (stripped, non-empty) looks like a personal name to the identifier screen."""
    from scoring.population.identifiers import name_looks

    text = pc.utf8_trim_whitespace(values)
    text = pc.filter(text, pc.not_equal(text, ""))
    return not len(text) or not bool(name_looks(text, schema.all_value_aliases()).any())


def _identifier_free(values: pa.Array) -> bool:
    """No value holds an identifier to the text screen (each value is screened on its own)."""
    from scoring.population.identifiers_embedded import text_kinds

    return not any(m.any() for m in text_kinds(values.cast(pa.large_string())).values())


def known_values(col: pa.ChunkedArray, spec: ColumnSpec, schema: Schema) -> pa.Array | None:
    """A null-free text column of yes/no values (bool) or of one category column's values (dictionary of the values
    as written), when every distinct value is known, none is missing, an identifier or a name; else None."""
    enc = _encoded(col)
    values = enc.dictionary
    if len(values) > MAX_DISTINCT:
        return None
    stripped = pc.utf8_lower(pc.utf8_trim_whitespace(values))  # the text path's missing tokens
    if pc.any(pc.is_in(stripped, value_set=_TOKENS)).as_py():
        return None
    texts = values.to_pylist()
    if any(normalise_text(t) in MISSING_TOKENS for t in texts):
        return None
    if spec.type == "bool":
        parsed = [schema.parse_bool(t) for t in texts]
        if any(p is None for p in parsed):
            return None
    elif any(schema.canonical_value(spec.name, t) is None for t in texts):
        return None
    if not _identifier_free(values) or not _name_free(values, schema):
        return None
    if spec.type == "bool":
        table = np.array(parsed, dtype=bool)
        return pa.array(table[enc.indices.to_numpy(zero_copy_only=False)], type=pa.bool_())
    return enc


def _digits_clean(col: pa.ChunkedArray) -> bool:
    """Every byte is a digit, "." or "-" and no run of digits and "-" is longer than 10: no value can match the
    identifier prefilter (a mobile number needs 11 digits, "-" between them allowed; the other patterns need 14 or
    more digits, "@", an exponent or letters) nor look like a name."""
    for chunk in col.chunks:
        if not len(chunk):
            continue
        offs, data = _buffers(chunk)
        if data[offs[0]:offs[-1]].tobytes().translate(None, _NUMBER_BYTES):
            return False
        lengths = np.diff(offs)
        long = np.flatnonzero(lengths > MAX_DIGIT_RUN)
        if long.size and int(lengths[long].max()) > _WINDOW:
            return False
        if _longest_run(data, offs[long].astype(np.int64), lengths[long], dash=True) > MAX_DIGIT_RUN:
            return False
    return True


def screen_can_find(col: pa.ChunkedArray, schema: Schema) -> bool:
    """False when the identifier screen of this text column (embedded identifiers in every value, and names) is
    proved to find nothing: a column of plain numbers (:func:`_digits_clean`), or one of a few distinct values of
    which none holds an identifier or looks like a name (each value is screened on its own, and the name share of a
    column whose values never look like names is 0). True: the column is screened as it is."""
    if col.null_count or not (pa.types.is_string(col.type) or _text_dictionary(col)):
        return True
    if pa.types.is_string(col.type) and _digits_clean(col):
        return False
    values = _encoded(col).dictionary
    if len(values) > MAX_DISTINCT:
        return True
    return not (_identifier_free(values) and _name_free(values, schema))
