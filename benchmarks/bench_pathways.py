"""Time the pathway evaluation: pathway attributes, one rule set, and old-vs-new with marginal effects.

Run: python benchmarks/bench_pathways.py [N]   (prints measured figures; nothing is asserted)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scoring.pathways.comparison import compare  # noqa: E402
from scoring.pathways.core import evaluate  # noqa: E402
from scoring.pathways.rules import load_ruleset  # noqa: E402
from scoring.population.synth_pathways import add_pathway_attributes  # noqa: E402
from scoring.population.synthetic import synth  # noqa: E402


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    old, new = load_ruleset(ROOT / "rulesets/before-2023.yaml"), load_ruleset(ROOT / "rulesets/notice-2023.yaml")
    base = synth(n, 1)
    t = time.perf_counter()
    pop = add_pathway_attributes(base, 1)
    print(f"add_pathway_attributes  n={n:,}: {time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    res = evaluate(pop, new)
    print(f"evaluate(notice-2023)   n={n:,}: {time.perf_counter() - t:.2f} s  (any route: {int(res.any.sum()):,})")
    t = time.perf_counter()
    res.combinations()
    res.by_group("education")
    print(f"combinations + by_group n={n:,}: {time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    cmp = compare(pop, old, new)
    print(f"compare + {len(cmp.marginal)} marginal runs n={n:,}: {time.perf_counter() - t:.2f} s")


if __name__ == "__main__":
    main()
