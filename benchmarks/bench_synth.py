"""Benchmark the synthetic population: generation time and bytes per person at 1M and 10M.

    python benchmarks/bench_synth.py [N ...]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scoring.population.load import read_population
from scoring.population.synthetic import synth


def bench(n: int, seed: int = 7) -> None:
    """Print generation time, bytes per person and validation time for ``n`` people."""
    t0, c0 = time.perf_counter(), time.process_time()
    frame = synth(n, seed)
    gen, cpu = time.perf_counter() - t0, time.process_time() - c0
    per_person = frame.memory_usage(deep=True).sum() / n
    t1 = time.perf_counter()
    load = read_population(frame)
    val = time.perf_counter() - t1
    print(f"synth n={n:>11,}  generate {gen:6.2f} s (cpu {cpu:6.2f} s)  {per_person:5.1f} bytes/person  "
          f"validate {val:6.2f} s  rejected {load.rows_rejected}", flush=True)


def main() -> None:
    """Run the benchmark for the sizes on the command line (default 1M and 10M)."""
    sizes = [int(a) for a in sys.argv[1:]] or [1_000_000, 10_000_000]
    for n in sizes:
        bench(n)


if __name__ == "__main__":
    main()
