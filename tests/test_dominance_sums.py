"""The dominance report's masked positive sums (a block of rows at a time) against plain numpy."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.dominance import masked_positive_sums


@pytest.mark.parametrize("n", [0, 1, 65_535, 65_536, 200_001])
def testmasked_positive_sums_match_numpy(n: int) -> None:
    rng = np.random.default_rng(n)
    columns = [rng.integers(0, 3_000, n).astype(np.int32), rng.integers(-2_000, 500, n).astype(np.int32),
               rng.integers(-(2**31) + 1, 2**31 - 1, n).astype(np.int32), np.zeros(n, np.int64)]
    mask = rng.random(n) < 0.4
    want = [int(np.where(mask, np.maximum(c.astype(np.int64), 0), 0).sum()) for c in columns]
    assert masked_positive_sums(columns, mask) == want
