"""Benchmarks of the calibrated queue model (goals: calibrating Beijing <= 120 s on the 2-core machine; a 10-year
run of a 4M-person Hangzhou pool at 1:20 <= 10 s).

    /work/main/.venv/bin/python benchmarks/bench_calibrate.py [--evals 60] [--replications 2] [--skip-calibrate]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scoring.dynamics.core import YearRule, simulate
from scoring.population.synthetic import synth
from scoring.scenario.calibrate_targets import read_targets
from scoring.scenario.calibration import calibrate
from scoring.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--evals", type=int, default=60)  # the shipped procedure (docs/scenarios.md)
    ap.add_argument("--replications", type=int, default=2)
    ap.add_argument("--skip-calibrate", action="store_true")
    args = ap.parse_args()
    sc = load_scenario(ROOT / "scenarios" / "hangzhou-before-reform.yaml")
    pop = synth(200_000, 1)  # 4,000,000 real people at 1:20
    simulate(pop.iloc[:2000], sc.scheme, [YearRule(quota=100)], sc.spec.dynamics)  # compile once
    t = time.perf_counter()
    sim = simulate(pop, sc.scheme, [YearRule(quota=8000, ties=sc.rules()[0].ties)] * 10, sc.spec.dynamics,
                   ratio=20.0, area=sc.area_districts(), seed=1)
    print(f"10-year run, 4,000,000-person pool at 1:20 (200,000 simulated): {time.perf_counter() - t:.2f} s "
          "(speed only: from the cross-section, no burn-in; "
          f"line {sim.yearly['cutoff'].iloc[0]:.2f} -> {sim.yearly['cutoff'].iloc[-1]:.2f})")
    if args.skip_calibrate:
        return
    bj = load_scenario(ROOT / "scenarios" / "beijing-2020-quota.yaml")
    targets = read_targets(ROOT / "scenarios" / "targets" / "beijing-2018-2020.yaml")
    bj.population()
    t = time.perf_counter()
    res = calibrate(bj, targets, max_evals=args.evals, replications=args.replications)
    print(f"calibrating Beijing ({res.evaluations} evaluations, {args.replications} replication(s), 1:{bj.ratio:g}): "
          f"{time.perf_counter() - t:.1f} s, objective {res.objective:.3g}")


if __name__ == "__main__":
    main()
