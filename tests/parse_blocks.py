"""A test helper: pyarrow's CSV parse in small blocks, so a column's values come in many chunks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from scoring.population import csv_read


@contextmanager
def small_blocks(size: int) -> Iterator[None]:
    """pyarrow parses ``size`` bytes at a time: the values of a column come in many chunks."""
    saved = csv_read._PARSE_BLOCK
    csv_read._PARSE_BLOCK = size
    try:
        yield
    finally:
        csv_read._PARSE_BLOCK = saved
