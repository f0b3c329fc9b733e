"""Benchmark: admission at scale (quota selection, tie chains, lottery, threshold); prints figures, asserts nothing.

    /work/venv/bin/python benchmarks/bench_admission.py                 # 10M people under beijing-2020
    /work/venv/bin/python benchmarks/bench_admission.py --n 1000000 --repeats 9

Scores a synthetic population once (not timed), then times ``admit`` for each rule: best and median of the
repeats (the machine is shared: the best is the fairer figure for the code, the median for the day).
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_engine import population  # noqa: E402

from scoring import admit, load_scheme, score  # noqa: E402

RULES = {
    "quota 6000, admit_all": {"quota": 6000, "ties": "admit_all"},
    "quota 6000, insurance desc + lottery": {"quota": 6000,
                                             "ties": [{"column": "insurance_years", "order": "desc"},
                                                      {"lottery": 2022}]},
    "quota 6000, lottery only": {"quota": 6000, "ties": [{"lottery": 7}]},
    "threshold 120": {"threshold": 120.0},
    "threshold 100, then quota 6000": {"threshold": 100.0, "quota": 6000},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    scheme = load_scheme(ROOT / "scenarios/schemes/beijing-2020.yaml")
    pop = population(args.n)
    res = score(pop, scheme)
    print(f"{args.n:,} people, {int(res.eligible_mask.sum()):,} eligible under {scheme.id}; load "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    for name, kwargs in RULES.items():
        times = []
        for _ in range(args.repeats):
            gc.collect()
            t0 = time.perf_counter()
            adm = admit(res, **kwargs)
            times.append(time.perf_counter() - t0)
        print(f"  {name:40s} best {min(times) * 1000:7.1f} ms, median {statistics.median(times) * 1000:7.1f} ms; "
              f"admitted {adm.admitted_count:,}, cut-off {adm.cutoff}, tied {adm.tied_at_cutoff}, "
              f"by tie-break {adm.decided_by_tiebreak}")


if __name__ == "__main__":
    main()
