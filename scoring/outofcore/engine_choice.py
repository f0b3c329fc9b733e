"""Which engine reads a population file: in memory, or out of core (chunked) when a Parquet file's in-memory footprint
would not fit in the memory available now; and the refusal of a file an out-of-core engine cannot read."""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow.parquet as pq

from scoring.errors import PopulationError
from scoring.outofcore.files import _open
from scoring.population.io import available_memory

MEMORY_PER_CELL = 32  # peak bytes of the in-memory path per row and column (measured: ~24 on synthetic Hangzhou)


def parquet_uncompressed_bytes(path: str | os.PathLike[str]) -> int:
    """The uncompressed size of a Parquet file's data, from its footer (no data is read)."""
    meta = pq.ParquetFile(path).metadata
    return int(sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups)))


def is_parquet(path: str | os.PathLike[str]) -> bool:
    """True if the file starts with the Parquet magic bytes."""
    try:
        with open(path, "rb") as fh:
            return fh.read(4) == b"PAR1"
    except OSError:
        return False


def refuse_not_parquet(path: str | os.PathLike[str], engine: str) -> None:
    """Refuse a population file an out-of-core ``engine`` cannot read, with the in-memory reader's reason where it
    has one (missing, a directory, empty; a file named .parquet that is not one: pyarrow's reason), else: not
    Parquet, convert it."""
    from scoring.population.io import detect_kind, file_head

    head = file_head(path)
    if head.startswith(b"PAR1"):
        return
    if detect_kind(Path(path), head) == "parquet":  # named as Parquet: the reader's own reason
        _open(path)
    raise PopulationError(f"{path}: the {engine} engine reads Parquet files; convert the file to Parquet first "
                          "(python -m scoring ... with --engine memory reads CSV/XLSX)")


def choose_engine(path: str | os.PathLike[str], engine: str = "auto", *, available: int | None = None) -> str:
    """Resolve ``--engine auto|memory|chunked`` for a population file: "memory" or "chunked".

    "auto" chooses chunked for a Parquet file whose in-memory footprint (rows x columns x MEMORY_PER_CELL, or the
    uncompressed data x 4 if larger) does not fit in the available memory; other formats are read in memory.
    """
    if engine not in ("auto", "memory", "chunked"):
        raise PopulationError(f"--engine: {engine!r} is not one of auto, memory, chunked")
    if engine == "chunked":
        refuse_not_parquet(path, engine)
    parquet = is_parquet(path)
    if engine != "auto":
        return engine
    if not parquet:
        return "memory"
    meta = _open(path).metadata  # a file pyarrow cannot open: the one-line reason of every engine
    need = max(meta.num_rows * meta.num_columns * MEMORY_PER_CELL, parquet_uncompressed_bytes(path) * 4)
    return "chunked" if need > (available_memory() if available is None else available) else "memory"
