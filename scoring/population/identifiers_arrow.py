"""Screening the values of columns a run does not read (issue 14): Arrow arrays, block by block, never pandas.

``read_population(..., columns=...)`` converts only the columns a run needs; the other columns of the file are
still screened, every value of every one, for the identifiers of :mod:`scoring.population.identifiers`. They are read
as Arrow (a Parquet file by row group, a CSV file as strings) and screened with the same whole-column prefilter and
exact confirmation as the columns read (:func:`~scoring.population.identifiers_embedded.column_text_hits`,
:func:`~scoring.population.identifiers_embedded.number_kinds`), so a finding (kinds, rows, count) is the one the
pandas screen gives on the same column, and the refusal reads the same.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from scoring.errors import PopulationError
from scoring.population import background
from scoring.population.identifiers import (
    NAME_SAMPLE,
    NAME_SHARE,
    SHOW_POSITIONS,
    IdentifierFinding,
    name_looks,
    screen_identifiers,
    values_reason,
)
from scoring.population.identifiers_embedded import KIND_TEXT, column_text_hits, number_kinds
from scoring.population.schema import Schema

Block = tuple[int, dict[str, pa.Array | pa.ChunkedArray]]  # rows, and the columns that may hold an identifier
Blocks = Callable[[], Iterable[Block]]  # consecutive row blocks


@dataclass
class UnreadColumns:
    """Columns of a file whose values a run does not convert: their headers and a way to read them as Arrow.
    ``screening``: their :func:`screen_unread` under ``screened_with`` (a schema), started beside the read of the
    other columns by :meth:`start_screen` (None: not started)."""

    headers: list[str]
    blocks: Blocks
    screening: Future | None = None
    screened_with: Schema | None = None

    def start_screen(self, schema: Schema) -> None:
        """Start :func:`screen_unread` on a thread of its own now, beside the read of the columns converted (it
        reads the file on its own; ~0.04 CPU-s at 10M people that the read's two decoding threads leave room
        for). Its result (or its exception) waits in ``screening``."""
        self.screening, self.screened_with = background.start("screen-unread", screen_unread, self, schema), schema


@dataclass
class _Found:
    kinds: set[str] = field(default_factory=set)
    positions: list[np.ndarray] = field(default_factory=list)
    rows_hit: int = 0
    names: list[pa.Array] = field(default_factory=list)  # text for the name screen (first non-empty values)
    name_count: int = 0


def screenable(typ: pa.DataType) -> bool:
    """Whether values of this Arrow type can hold an identifier: text, and whole numbers of 10+ digits (booleans,
    small integers, dates and times cannot; binary values are not text to the pandas screen either)."""
    if pa.types.is_dictionary(typ):
        return screenable(typ.value_type)
    if pa.types.is_integer(typ):
        return typ.bit_width > 32
    return (pa.types.is_string(typ) or pa.types.is_large_string(typ) or pa.types.is_floating(typ)
            or pa.types.is_decimal(typ))


def _hits(arr: pa.Array) -> tuple[list[str], np.ndarray]:
    """The identifier kinds in one Arrow array and the 0-based rows holding one (prefilter + exact screen)."""
    typ = arr.type
    if pa.types.is_dictionary(typ):
        kinds, hit = _hits(arr.dictionary)
        if not kinds:
            return [], np.zeros(0, dtype=np.int64)
        codes = pc.fill_null(arr.indices, -1).to_numpy(zero_copy_only=False)
        return kinds, np.flatnonzero(np.isin(codes, hit))
    if pa.types.is_string(typ) or pa.types.is_large_string(typ):
        return column_text_hits(arr)
    if pa.types.is_integer(typ) or pa.types.is_floating(typ) or pa.types.is_decimal(typ):
        if pa.types.is_integer(typ) and typ.bit_width <= 32:  # below 2**32 < 1e10: no identifier fits
            return [], np.zeros(0, dtype=np.int64)
        values = arr.cast(pa.float64()) if pa.types.is_decimal(typ) else arr
        masks = number_kinds(values.to_numpy(zero_copy_only=False))
        return [k for k, m in masks.items() if m.any()], np.flatnonzero(np.logical_or.reduce(list(masks.values())))
    return [], np.zeros(0, dtype=np.int64)  # booleans, dates, times, binary: no text, no whole numbers


def _known_clean(arr: pa.Array, clean: dict[str, pa.Array], column: str) -> bool:
    """True when ``arr`` is a dictionary array whose dictionary equals ``clean[column]``, one already screened and
    found to hold no identifier (a row group's dictionary is most often the one before's: screened once)."""
    known = clean.get(column)
    return known is not None and pa.types.is_dictionary(arr.type) and arr.dictionary.equals(known)


def _trimmed(text: pa.Array) -> pa.Array:
    text = pc.utf8_trim_whitespace(pc.drop_null(text))
    return pc.filter(text, pc.not_equal(text, "")).cast(pa.large_string())


def _name_text(arr: pa.Array) -> pa.Array | None:
    """Text for the name screen: the non-empty values (stripped), or a dictionary's values as they are (the pandas
    screen looks at a categorical column's categories)."""
    if pa.types.is_dictionary(arr.type):
        values = arr.dictionary
        ok = pa.types.is_string(values.type) or pa.types.is_large_string(values.type)
        return pc.drop_null(values).cast(pa.large_string()) if ok else None
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return None
    return _trimmed(arr)


def screen_unread(unread: UnreadColumns, schema: Schema) -> dict[str, IdentifierFinding]:
    """Findings (header or values) for the unread columns, by header; every value of every column is screened."""
    by_header = {fi.column: fi for fi in screen_identifiers(
        pd.DataFrame({h: pd.Series([], dtype=object) for h in unread.headers}), schema=schema)}
    todo = [h for h in unread.headers if h not in by_header]
    if not todo:
        return by_header
    found = {h: _Found() for h in todo}
    dictionaries: dict[str, bool] = {}
    clean: dict[str, pa.Array] = {}  # a column's last dictionary that holds no identifier
    start = 0
    for n, block in unread.blocks():
        for h in todo:
            arr = block.get(h)
            if arr is None:  # a type that cannot hold an identifier (see screenable): not decoded
                continue
            if isinstance(arr, pa.ChunkedArray):
                arr = arr.combine_chunks()
            f = found[h]
            if _known_clean(arr, clean, h):  # the dictionary of an earlier row group, screened clean there
                kinds, pos = [], None
            else:
                kinds, pos = _hits(arr)
                if not kinds and pa.types.is_dictionary(arr.type):
                    clean[h] = arr.dictionary
            if kinds:
                f.kinds.update(kinds)
                f.rows_hit += int(pos.size)
                if sum(p.size for p in f.positions) < SHOW_POSITIONS:
                    f.positions.append(pos[:SHOW_POSITIONS] + start)
            dictionaries[h] = pa.types.is_dictionary(arr.type)
            if f.name_count < NAME_SAMPLE or dictionaries[h]:
                text = _name_text(arr)
                if text is not None and len(text):
                    f.names.append(text)
                    f.name_count += len(text)
        start += n
    known = schema.all_value_aliases()
    for h in todo:
        f = found[h]
        if f.kinds:
            kinds = [k for k in KIND_TEXT if k in f.kinds]
            what = " and ".join(KIND_TEXT[k] for k in kinds)
            shown = np.concatenate(f.positions)[:SHOW_POSITIONS]
            by_header[h] = IdentifierFinding(h, kinds[0], values_reason(f.rows_hit, what),
                                             positions=tuple(int(p) for p in shown), rows_hit=f.rows_hit)
            continue
        if not f.names:
            continue
        text = pa.chunked_array(f.names).combine_chunks()
        if dictionaries.get(h):  # a categorical column: its distinct values, as the pandas screen sees them
            text = _trimmed(pc.unique(text))
        sample = text.slice(0, NAME_SAMPLE)
        looks = name_looks(sample, known)
        share = looks.mean()
        distinct = pc.count_distinct(pc.filter(sample, pa.array(looks))).as_py() / max(int(looks.sum()), 1)
        if share >= NAME_SHARE and (len(sample) < 10 or distinct >= 0.5):
            by_header[h] = IdentifierFinding(h, "name", f"{share:.0%} of its values look like personal names")
    return by_header


def _small_numbers(meta: Any, position: dict[str, int], name: str) -> bool:
    """True when a row group's statistics show a numeric column holds only numbers below 1e10 in size (no
    identifier fits: :func:`number_kinds` looks at 10+ digits), so it need not be decoded. NaN is not counted in
    Parquet statistics, nor taken by the number screen."""
    stats = meta.column(position[name]).statistics
    if stats is None or not stats.has_min_max:
        return False
    try:
        return max(abs(float(stats.min)), abs(float(stats.max))) < 1e10
    except (TypeError, ValueError):
        return False


def _text_dictionary(typ: pa.DataType) -> bool:
    return pa.types.is_dictionary(typ) and (pa.types.is_string(typ.value_type) or
                                            pa.types.is_large_string(typ.value_type))


def parquet_blocks(path: str, names: list[str]) -> Iterator[Block]:
    """The columns ``names`` of a Parquet file that can hold an identifier (:func:`screenable`), one row group at a
    time (decoded in parallel by pyarrow); a numeric column whose row-group statistics rule out 10-digit numbers
    is left out of that group, and a text column whose chunk is wholly dictionary-encoded
    (:func:`~scoring.population.parquet_pages.dictionary_encoded`) and whose dictionary holds no identifier comes as
    its dictionary alone (every value of the chunk is one of its entries; the indices are not decoded)."""
    from scoring.population.table import unreadable_parquet

    try:
        yield from _parquet_blocks(path, names)
    except PopulationError:
        raise
    except Exception as exc:  # a broken column chunk (OSError, ArrowInvalid): the reason every engine gives
        raise unreadable_parquet(os.path.basename(path), exc) from None


def _parquet_blocks(path: str, names: list[str]) -> Iterator[Block]:
    import pyarrow.parquet as pq

    from scoring.population.table import local_file

    path, local = local_file(path)
    arrow = pq.read_schema(path, filesystem=local)
    names = [c for c in names if screenable(arrow.field(c).type)]
    # A dictionary column stays one, with the 32-bit indices Parquet stores (not narrowed to the stored int8 type:
    # a checked cast of every index, for nothing the screen needs).
    text_dict = [c for c in names if _text_dictionary(arrow.field(c).type)]
    pf = pq.ParquetFile(path, read_dictionary=text_dict, filesystem=local)
    numeric = {c for c in names if not pa.types.is_dictionary(arrow.field(c).type)
               and not pa.types.is_string(arrow.field(c).type) and not pa.types.is_large_string(arrow.field(c).type)}
    leaves = [pf.schema.column(i).path for i in range(len(pf.schema))]
    position = {c: leaves.index(c) for c in numeric | set(text_dict) if c in leaves}
    fh = open(path, "rb") if text_dict else None  # noqa: SIM115 (closed below; the page headers are read from it)
    clean: dict[str, pa.Array] = {}  # a column's last dictionary that holds no identifier
    try:
        for g in range(pf.metadata.num_row_groups):
            meta = pf.metadata.row_group(g)
            cols = [c for c in names if not (c in numeric and c in position and _small_numbers(meta, position, c))]
            light = _dictionaries_alone(pf, fh, meta, g, [c for c in cols if c in text_dict and c in position],
                                        position, clean) if fh is not None else {}
            cols = [c for c in cols if c not in light]
            table = pf.read_row_group(g, columns=cols, use_threads=True) if cols else None
            block = {} if table is None else {c: table.column(i) for i, c in enumerate(cols)}
            yield meta.num_rows, {**block, **light}
    finally:
        if fh is not None:
            fh.close()


def _dictionaries_alone(pf: Any, fh: Any, meta: Any, group: int, columns: list[str], position: dict[str, int],
                        clean: dict[str, pa.Array]) -> dict[str, pa.DictionaryArray]:
    """The columns of row group ``group`` that can be screened by their dictionary alone, as dictionary arrays
    without indices: wholly dictionary-encoded chunks whose dictionary holds no identifier (a dictionary that holds
    one is decoded with its rows, for the rows and count the finding names). ``clean``: each column's last
    dictionary found to hold none (kept up to date here; an equal one is not screened again)."""
    from scoring.population.parquet_pages import dictionary_encoded

    whole = [c for c in columns if dictionary_encoded(meta.column(position[c]), fh)] if meta.num_rows else []
    if not whole:
        return {}
    # The first row of the group carries each column's whole dictionary page (pyarrow puts every entry of the page
    # in the dictionary it returns; tested against full decodes in tests/test_parquet_pages.py).
    first = next(pf.iter_batches(batch_size=1, row_groups=[group], columns=whole, use_threads=False), None)
    if first is None:
        return {}
    out = {}
    for i, c in enumerate(whole):
        dictionary = first.column(i).dictionary
        if (c in clean and dictionary.equals(clean[c])) or not _hits(dictionary)[0]:
            clean[c] = dictionary
            out[c] = pa.DictionaryArray.from_arrays(pa.array([], pa.int32()), dictionary)
    return out


def refuse_identifier_index(path: str, arrow_schema: Any, schema: Schema) -> None:
    """Refuse (PopulationError) a Parquet file whose stored pandas index columns (never read: the engines drop
    them) hold a direct identifier, by their header or any value: every value screened, row group by row group
    (a probe's file kept a column headed 手机 with 50 phone numbers as its index and loaded). Their names are
    shown masked."""
    named = [c for c in (arrow_schema.pandas_metadata or {}).get("index_columns", [])
             if isinstance(c, str) and c in arrow_schema.names]
    if not named:
        return
    found = screen_unread(UnreadColumns(named, lambda: parquet_blocks(path, named)), schema)
    if found:
        from scoring.population.identifiers import masked_name

        shown = ", ".join(repr(masked_name(c)) for c in named if c in found)
        raise PopulationError(f"{os.path.basename(path)}: the pandas index (column(s) {shown}) holds direct "
                              "identifiers; it is never read: write the file without it "
                              "(df.reset_index(drop=True).to_parquet(...))")
