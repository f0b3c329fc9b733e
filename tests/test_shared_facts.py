"""The ascending-id proof (``scoring.population.text.ascending``) against a plain Python comparison of the UTF-8 bytes,
on random columns (one chunk or several, sliced, string and large_string); and the facts the typing and the screen
of a text column share within one load (``scoring.population.shared_facts``)."""

from __future__ import annotations

import random
import threading
from itertools import pairwise

import pyarrow as pa
import pytest

from scoring.population import shared_facts
from scoring.population.text import ascending, prefetch_facts


def _reference(values: list[str]) -> bool:
    return all(a.encode() < b.encode() for a, b in pairwise(values))


def _column(rng: random.Random) -> list[str]:
    width = rng.choice([1, 3, 7, 8, 9, 12, 15, 16, 17, 20])
    alphabet = rng.choice(["ab", "0123456789", "aé", "\x00\xff"])  # é: values of mixed widths in bytes
    values = sorted({"".join(rng.choice(alphabet) for _ in range(width)) for _ in range(rng.randint(0, 40))},
                    key=str.encode)
    if len(values) > 1 and rng.random() < 0.5:  # out of order somewhere
        i, j = rng.randrange(len(values)), rng.randrange(len(values))
        values[i], values[j] = values[j], values[i]
    if values and rng.random() < 0.2:  # a repeated value
        values.insert(rng.randrange(len(values) + 1), rng.choice(values))
    return values


def test_ascending_matches_python_comparison() -> None:
    rng = random.Random(14)
    for _ in range(3000):
        values = _column(rng)
        kind = rng.choice(["one", "chunks", "sliced"])
        if kind == "chunks":
            cuts = sorted(rng.sample(range(len(values) + 1), min(3, len(values) + 1)))
            bounds = [0, *cuts, len(values)]
            arr = pa.chunked_array([pa.array(values[a:b], pa.string()) for a, b in pairwise(bounds)],
                                   pa.string())
        elif kind == "sliced":
            arr = pa.array(["zzzz", *values, ""], rng.choice([pa.string(), pa.large_string()]))[1:len(values) + 1]
        else:
            arr = pa.array(values, rng.choice([pa.string(), pa.large_string()]))
        assert ascending(arr) == _reference(values), values


def test_shared_facts_found_once_within_a_load_and_afresh_outside() -> None:
    arr = pa.array(["P0000001", "P0000002"])
    calls = []

    def find() -> int:
        calls.append(1)
        return len(calls)

    assert shared_facts.once("k", arr, find) == 1
    assert shared_facts.once("k", arr, find) == 2  # outside a load: found every time
    with shared_facts.sharing():
        barrier = threading.Barrier(4)
        got = []

        def ask() -> None:
            barrier.wait()
            got.append(shared_facts.once("k", arr, find))

        threads = [threading.Thread(target=ask) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert got == [3, 3, 3, 3]  # one finding, every thread given it
        assert shared_facts.once("other", arr, find) == 4  # another fact of the same array
    assert shared_facts.once("k", arr, find) == 5  # the load over: the facts are dropped


def test_shared_fact_failure_reaches_every_caller() -> None:
    arr = pa.array(["a"])

    def fail() -> int:
        raise ValueError("broken")

    with shared_facts.sharing():
        with pytest.raises(ValueError):
            shared_facts.once("bad", arr, fail)
        with pytest.raises(ValueError):
            shared_facts.once("bad", arr, lambda: 1)


def test_ascending_with_facts_found_beforehand_matches_python_comparison() -> None:
    """Within a load, the chunks' answers found beforehand (``prefetch_facts``, as beside a Parquet read) give the
    same answer as finding them on the spot."""
    rng = random.Random(15)
    for _ in range(1000):
        values = _column(rng)
        cuts = sorted(rng.sample(range(len(values) + 1), min(3, len(values) + 1)))
        bounds = [0, *cuts, len(values)]
        chunks = [pa.array(values[a:b], pa.large_string()) for a, b in pairwise(bounds)]
        with shared_facts.sharing():
            prefetch_facts(chunks, ids=True)
            assert ascending(pa.chunked_array(chunks, pa.large_string())) == _reference(values), values
