"""Person ids repeated anywhere in a file, with bounded memory: 64-bit hashes of the normalised ids spilled to bucket
files (by their top bits), each bucket sorted on its own, then the rows of the (few) repeated hashes collected and
confirmed on the text.

The chunked engine spills the hashes while it validates (pass 1 reads the id column anyway) and only scans the file
again when a repeat is found; :func:`find_duplicate_ids` is the stand-alone scan (the Dask engine, and the chunked
engine's slow path).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from scoring.errors import PopulationError
from scoring.population.text import STR_DTYPE, ascending, text_hash
from scoring.population.validate import coerce_string, duplicate_id_reasons, missing_mask

BUCKETS = 16
_SHIFT = np.uint64(64 - 4)  # log2(BUCKETS) top bits choose the bucket


class _NoProblems:
    def add(self, *args: Any) -> None:
        pass


def normalised_ids(col: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """The ids as the validator compares them (stripped text, "" where missing) and the missing mask."""
    miss = missing_mask(col)
    return coerce_string("person_id", col.reset_index(drop=True), miss, _NoProblems()), miss


def id_hashes(ids: pd.Series, miss: np.ndarray) -> np.ndarray:
    """64-bit hashes of the present ids."""
    return text_hash(ids[~miss])


class HashSpill:
    """Appends 64-bit hashes to ``BUCKETS`` files in ``folder`` by their top bits; :meth:`repeated` finds the hashes
    that occur more than once (each bucket sorted on its own: memory ~ 1/BUCKETS of the hashes, two at a time)."""

    def __init__(self, folder: str | Path, prefix: str = "ids") -> None:
        self.paths = [Path(folder) / f"{prefix}.{k:02d}.u64" for k in range(BUCKETS)]
        self._files = [p.open("wb") for p in self.paths]

    def add_ids(self, ids: pd.Series, miss: np.ndarray) -> None:
        """Spill the hashes of one batch's present ids (see :func:`normalised_ids`)."""
        self.add(id_hashes(ids, miss))

    def add(self, hashes: np.ndarray) -> None:
        """Spill one batch's hashes."""
        bucket = (hashes >> _SHIFT).astype(np.uint8)
        order = np.argsort(bucket, kind="stable")  # a radix sort of bytes
        bounds = np.concatenate([[0], np.cumsum(np.bincount(bucket, minlength=BUCKETS))])
        ordered = hashes[order]
        for k in range(BUCKETS):
            if bounds[k + 1] > bounds[k]:
                self._files[k].write(ordered[bounds[k]:bounds[k + 1]].tobytes())

    def close(self) -> None:
        """Finish the files."""
        for f in self._files:
            f.close()

    def repeated(self) -> np.ndarray:
        """The hashes seen more than once (sorted; the files are removed)."""
        self.close()
        return repeated_hashes([[p] for p in self.paths])


class AscendingSpill(HashSpill):
    """A :class:`HashSpill` for the batches of one file offered in file order (:meth:`add_ids`), that spills nothing
    while the present ids are in strictly ascending byte order across all the batches so far (as extracts often
    are): such ids are all distinct, so :meth:`repeated` has nothing to find. When the order breaks, the ids of the
    rows offered before are read again (``earlier()``: batches of the id column from the file's first row on) and
    spilled, and from then on every batch is spilled: the answer is the same as a HashSpill's."""

    def __init__(self, folder: str | Path, earlier: Callable[[], Iterable[pd.Series]], prefix: str = "ids") -> None:
        super().__init__(folder, prefix)
        self._earlier = earlier
        self.first: str | None = None  # the first (least) present id, while in order
        self._last: str | None = None  # the greatest id so far
        self._rows = 0  # rows offered while in order
        self.ascending = True

    def add_ids(self, ids: pd.Series, miss: np.ndarray) -> None:
        """Check the order (no hashing while it holds), else spill the hashes."""
        if self.ascending:
            present = ids[~miss] if miss.any() else ids
            text = pa.array(present.array) if present.dtype == STR_DTYPE else None
            if text is not None and text.null_count == 0 and ascending(text) and (
                    self._last is None or len(text) == 0 or text[0].as_py() > self._last):
                if len(text):
                    self.first = text[0].as_py() if self.first is None else self.first
                    self._last = text[len(text) - 1].as_py()
                self._rows += len(ids)
                return
            self.ascending = False
            self._spill_earlier()
        super().add_ids(ids, miss)

    @property
    def last(self) -> str | None:
        """The last (greatest) present id, while in order."""
        return self._last

    def _spill_earlier(self) -> None:
        left = self._rows
        columns = self._earlier()
        try:
            for col in columns:
                if left <= 0:
                    break
                part = col.iloc[:left]
                left -= len(part)
                super().add_ids(*normalised_ids(part))
        finally:
            close = getattr(columns, "close", None)
            if close is not None:
                close()  # the file read again is closed at once
        if left > 0:
            raise PopulationError("the population file changed while it was read")


def repeated_in(paths: list[Path]) -> np.ndarray:
    """The hashes occurring more than once in these files together (one bucket; the files are removed)."""
    arr = np.concatenate([np.empty(0, np.uint64), *(np.fromfile(p, dtype=np.uint64) for p in paths if p.exists())])
    for p in paths:
        p.unlink(missing_ok=True)
    arr.sort()
    return np.unique(arr[1:][arr[1:] == arr[:-1]])


def repeated_hashes(buckets: list[list[Path]]) -> np.ndarray:
    """The hashes occurring more than once in any bucket (each bucket: its files together), two buckets at a time
    (numpy's sort releases the GIL)."""
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="scoring-ids") as pool:
        found = list(pool.map(repeated_in, buckets))
    return np.concatenate(found) if found else np.empty(0, np.uint64)


def confirm_duplicates(batches: Iterable[pd.DataFrame], column: str, dup_hashes: np.ndarray) -> dict[str, str]:
    """The ids behind ``dup_hashes`` that really repeat (text compared), each with the in-memory reason text."""
    if dup_hashes.size == 0:
        return {}
    found: list[pd.DataFrame] = []
    start = 0
    for frame in batches:
        ids, miss = normalised_ids(frame[column])
        hit = np.isin(text_hash(ids), dup_hashes) & ~miss
        found.append(pd.DataFrame({"id": ids[hit].to_numpy(dtype=object), "row": np.flatnonzero(hit) + start + 1}))
        start += len(frame)
    if not found:
        return {}
    rows = pd.concat(found).groupby("id", sort=False)["row"].agg(list)
    rows = rows[rows.map(len) > 1]
    return dict(zip(map(str, rows.index), duplicate_id_reasons(list(rows.index), list(rows)), strict=True))


def find_duplicate_ids(batches: Callable[[], Iterable[pd.DataFrame]], column: str) -> dict[str, str]:
    """Person ids occurring more than once in the whole file (two scans when one repeats), each with the in-memory
    reason text."""
    with tempfile.TemporaryDirectory(prefix="scoring-ids-") as tmp:
        spill = HashSpill(tmp)
        try:
            for frame in batches():
                spill.add(id_hashes(*normalised_ids(frame[column])))
        finally:
            spill.close()
        dup_hashes = spill.repeated()
    return confirm_duplicates(batches(), column, dup_hashes)
