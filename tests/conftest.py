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


@pytest.fixture(autouse=True)
def _main_module_kept() -> Iterator[None]:
    """Put back the process's ``__main__`` after each test: Streamlit's AppTest runs a page as ``__main__`` and
    leaves it there, and a Dask LocalCluster started later in the same process then starts its workers by running
    that page's temporary script again (``AppTest.from_function``: "NameError: name '__args' is not defined",
    "Nanny failed to start"), depending on the order the tests run in."""
    import sys

    main = sys.modules.get("__main__")
    yield
    if main is not None and sys.modules.get("__main__") is not main:
        sys.modules["__main__"] = main
