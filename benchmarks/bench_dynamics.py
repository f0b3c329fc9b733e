"""Benchmark: multi-year dynamics on 1,000,000 people over 10 years (goal: at most 10 s on the project machine).

    /work/venv/bin/python benchmarks/bench_dynamics.py [--n 1000000] [--years 10] [--arrivals 60000]

Prints the wall time of one replication (scoring every year, recognition on, a quota with a tie chain, arrivals
drawn with scoring.population.synthetic each year), excluding the generation of the starting population.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import scoring
from scoring.dynamics.core import YearRule, simulate
from scoring.dynamics.params import DynamicsParams
from scoring.population.synthetic import synth


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--arrivals", type=int, default=60_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    root = Path(__file__).resolve().parent.parent / "scenarios" / "schemes"
    t0 = time.perf_counter()
    pop = synth(args.n, 7)
    print(f"starting population: {args.n:,} people in {time.perf_counter() - t0:.2f} s")
    params = DynamicsParams.model_validate({"arrivals": {"per_year": args.arrivals}})
    cases = {
        "hangzhou-2022 quota 40,000, tie chain": (scoring.load_scheme(root / "hangzhou-2022-illustrative.yaml"),
                                                  YearRule(quota=40_000, ties=[{"column": "insurance_years"},
                                                                               {"lottery": 1}])),
        "hangzhou-2023 line 100, no cap": (scoring.load_scheme(root / "hangzhou-2023-illustrative.yaml"),
                                           YearRule(threshold=100)),
    }
    for name, (scheme, rule) in cases.items():
        times = []
        for r in range(args.repeat):
            t = time.perf_counter()
            sim = simulate(pop, scheme, [rule] * args.years, params, seed=r, replication=r,
                           recognition={"yrd_insurance": True, "prefecture_residence": True})
            times.append(time.perf_counter() - t)
        y = sim.yearly
        print(f"{name}: {args.n:,} people x {args.years} years: best {min(times):.2f} s, "
              f"median {sorted(times)[len(times) // 2]:.2f} s over {args.repeat} runs "
              f"(admitted {int(y['admitted'].sum()):,}, final pool {int(y['pool_next'].iloc[-1]):,})")


if __name__ == "__main__":
    main()
