"""Benchmark: how many person-years a second `run` simulates, the rate behind scoring.scenario.budget's limit.

    .venv/bin/python benchmarks/bench_scenario_rate.py [--repeat 2] [--only NAME]

Runs whole scenarios as `python -m scoring run` does (load, population, the run with the quota question, the tables;
not the writing of the results folder) and divides the person-years scoring.scenario.budget.work counts for each
(its upper bound: nobody leaving) by the wall time. Prints each scenario's best rates and their ratio to the
budget's estimate; the last case (200 people) measures the cost of a simulated year whatever its size. The
figures the limit rests on, against budget.Work.minutes.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scoring.scenario.budget import Work, work
from scoring.scenario.load import load_scenario
from scoring.scenario.run import run_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"

# name -> (shipped scenario, changes on top of it)
CASES: dict[str, tuple[str, dict]] = {
    "hangzhou-2023-reform (shipped)": ("hangzhou-2023-reform.yaml", {}),
    "hangzhou-before-reform (shipped)": ("hangzhou-before-reform.yaml", {}),
    "beijing-2020-quota (shipped, 20-year burn-in)": ("beijing-2020-quota.yaml", {}),
    "hangzhou-before-reform at 1:10 (400,000 people)": (
        "hangzhou-before-reform.yaml",
        {"population": {"synth": {"n": 400_000, "seed": 2023}, "represents": 4_000_000}}),
    "hangzhou-2023-reform, 30 years, 1 replication": (
        "hangzhou-2023-reform.yaml", {"horizon": 30, "replications": 1}),
    "200 people, no arrivals, 40 years x 10 replications (the cost of a simulated year)": (
        "hangzhou-2023-reform.yaml", {"population": {"synth": {"n": 200, "seed": 1}, "represents": 8000},
                                      "horizon": 40, "replications": 10, "dynamics": {"arrivals": {"per_year": 0}}}),
}


def measure(shipped: str, changes: dict, folder: Path, repeat: int) -> tuple[Work, float]:
    """(the work budget.work counts, best wall seconds) of running the scenario ``repeat`` times."""
    path = folder / f"bench-{shipped}"
    path.write_text(yaml.safe_dump({"id": "bench", "base": str(SCENARIOS / shipped), **changes}), encoding="utf-8")
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        sc = load_scenario(path)
        sc.population()
        run = run_scenario(sc, quota_question=True)
        run.tables()
        run.summary()
        times.append(time.perf_counter() - t)
    return work(sc, quota_question=True), min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--only", help="run only the cases whose name holds this text")
    args = ap.parse_args()
    ratios = []
    with tempfile.TemporaryDirectory() as folder:
        for name, (shipped, changes) in CASES.items():
            if args.only and args.only not in name:
                continue
            w, seconds = measure(shipped, changes, Path(folder), args.repeat)
            ratios.append(seconds / (w.minutes * 60))
            print(f"{name}: {w.person_years:,.0f} person-years, {w.simulated_years:,} simulated years in "
                  f"{seconds:.2f} s (best of {args.repeat}): {w.person_years / seconds:,.0f} person-years/s, "
                  f"{w.simulated_years / seconds:,.0f} simulated years/s; budget's estimate {w.minutes * 60:.2f} s "
                  f"(measured/estimated {ratios[-1]:.2f})", flush=True)
    print(f"measured/estimated: {min(ratios):.2f}-{max(ratios):.2f} (below 1: the budget's rates, halved for a busy "
          "machine, are slower than this one now)")


if __name__ == "__main__":
    main()
