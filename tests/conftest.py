"""Fixtures shared by test modules."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="module")
def client() -> Iterator[object]:
    """A Dask client of a LocalCluster of 2 worker processes (one thread each, 1 GiB), one per module, closed after."""
    from scoring.outofcore.distributed import make_client

    c = make_client(n_workers=2, threads_per_worker=1, processes=True, memory_limit="1GiB")
    try:
        yield c
    finally:
        cluster = c.cluster
        c.close()
        cluster.close()
