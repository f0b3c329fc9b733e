"""Benchmark: tune a 10-item scheme against 1M people; tornado of 10 items; Sobol; simplification. Prints figures.

    python benchmarks/bench_tuning.py [--n 1000000] [--seed 7]

The 10-item scheme is Beijing 2020 (9 items) plus a "housing" category item; the targets ask for a realised
residence+insurance share of at least 0.7 and a cut-off between 95 and 100 under the 6,000 quota.
Goals (issue 7): tuning under 30 s, a tornado of 10 items under 10 s.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import scoring
from scoring.scheme.load import scheme_from_dict
from scoring.tuning.core import tune
from scoring.tuning.problem import Constraints
from scoring.tuning.sensitivity import sobol, tornado
from scoring.tuning.simplification import simplify


def ten_item_scheme() -> scoring.Scheme:
    """Beijing 2020 plus a housing category item: 10 items, 13 tunable parameters."""
    base = scoring.load_scheme("scenarios/schemes/beijing-2020.yaml").to_dict()
    base["items"].append({"id": "housing", "group": "housing", "kind": "category", "column": "housing",
                          "points": {"owned": 6, "employer": 3, "rented": 2}, "default": 0})
    base["id"], base["status"] = "bench-10-items", "illustrative"
    return scheme_from_dict(base, "bench-10-items")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    t = time.perf_counter()
    pop = scoring.synth(args.n, args.seed)
    print(f"synth {args.n:,} people: {time.perf_counter() - t:.1f} s")
    scheme = ten_item_scheme()
    scoring.score(pop.head(1000), scheme)  # warm-up (numba compile / cache load)
    print(f"scheme {scheme.id}: {len(scheme.items)} items; engine {scoring.engine.core.default_engine()}")

    cases = [("closest", Constraints(min_share=0.7, measure="realised", cutoff=(95, 100))),
             ("stable-rank", Constraints(min_share=0.7, measure="realised", cutoff=(95, 100))),
             ("closest", Constraints(min_share=0.6, measure="decisive", cutoff=(110, 115)))]
    for objective, cons in cases:
        t = time.perf_counter()
        out = tune(scheme, pop, cons, objective)
        secs = time.perf_counter() - t
        print(f"tune {objective:11s} {cons.measure} >= {cons.min_share}, cut-off {cons.cutoff}: {secs:.1f} s "
              f"({out.evaluations} evaluations on a {out.sample:,} sample, exact check on {out.population:,}); "
              f"status {out.status}; after: cut-off {out.after.get('cutoff')}, "
              f"{cons.measure} {out.after.get(cons.measure, float('nan')):.3f}; Kendall tau {out.kendall_tau}")

    ids = [i.id for i in scheme.items]
    weights = [f"{i.id}.{'points_per_unit' if i.kind == 'per_unit' else 'points' if i.kind == 'flag' else 'scale'}"
               for i in scheme.items]
    t = time.perf_counter()
    tor = tornado(scheme, pop, 10, params=weights)
    print(f"tornado ±10% of the {len(ids)} items' points on {tor.sample:,} people: {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    tor_all = tornado(scheme, pop, 10)
    print(f"tornado ±10% of all {len(tor_all.rows)} parameters (points and caps): {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    res = sobol(scheme, pop, 20, n=128, sample=100_000)
    print(f"Sobol n=128, {len(res.parameters)} parameters ({res.evaluations} evaluations on a 100,000 sample): "
          f"{time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    simp = simplify(scheme, pop)
    print(f"simplify ({simp.method}, {len(simp.droppable)} droppable items, {simp.evaluated} variants): "
          f"{time.perf_counter() - t:.1f} s")


if __name__ == "__main__":
    main()
