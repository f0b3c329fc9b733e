"""Print the synthetic population's shares beside the published (or assumed) targets, as a Markdown table.

    python benchmarks/synth_calibration.py [--n 1000000] [--seed 7]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scoring.population.synthetic import calibration_table, synth


def main() -> None:
    """Generate a population and print the calibration table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    table = calibration_table(synth(args.n, args.seed))
    print(f"n = {args.n:,}, seed = {args.seed}\n")
    print("| dimension | category | synthetic | target | difference (pp) | target status |")
    print("|---|---|---:|---:|---:|---|")
    for r in table.itertuples(index=False):
        diff = (r.synthetic - r.target) * 100
        print(f"| {r.dimension} | {r.category} | {r.synthetic:.2%} | {r.target:.2%} | {diff:+.2f} | {r.status} |")


if __name__ == "__main__":
    main()
