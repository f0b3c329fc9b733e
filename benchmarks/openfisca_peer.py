"""OpenFisca-Core peer for bench_engine.py: the beijing-2020 scheme written as an OpenFisca tax-benefit system.

Runs in its own virtual environment (openfisca-core pins its own dependencies; see requirements-bench.txt):

    /work/venv-bench/bin/python benchmarks/openfisca_peer.py --data /tmp/cols.npz --out /tmp/peer_total.npy

Reads the input columns from an .npz written by bench_engine.py, builds one simulation per repeat (inputs set
with ``set_input``; not timed), times ``calculate`` of the total and the eligibility, prints one JSON line with the
timings, and writes the total in cents so bench_engine.py can check that both compute the same scores.
Benchmark code only: the product never imports OpenFisca.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np
from openfisca_core.entities import build_entity
from openfisca_core.periods import DateUnit
from openfisca_core.simulations import SimulationBuilder
from openfisca_core.taxbenefitsystems import TaxBenefitSystem
from openfisca_core.variables import Variable

Person = build_entity(key="person", plural="persons", label="person", is_person=True)
MONTH = 0.0833333333333333
EDUCATION_POINTS = {"associate": 10.5, "bachelor": 15.0, "master": 26.0, "doctor": 37.0}
PERIOD = "2024"


def _input(name: str, kind: type) -> type:
    return type(name, (Variable,), {"value_type": kind, "entity": Person, "label": name,
                                    "definition_period": DateUnit.ETERNITY})


INPUTS = [("age", float), ("insurance_years", float), ("owned_home_years", float), ("rented_home_years", float),
          ("outside_core_years", float), ("innovation_points", float), ("tax_years_high", float),
          ("detentions", float), ("has_residence_permit", bool), ("has_honour", bool), ("education_code", int)]


def _formula(name: str, kind: type, fn: object) -> type:
    return type(name, (Variable,), {"value_type": kind, "entity": Person, "label": name,
                                    "definition_period": DateUnit.ETERNITY, "formula": fn})


def _months(years: np.ndarray) -> np.ndarray:
    return np.floor(years.astype(np.float64) / MONTH + 1e-3) * MONTH


def build_system(education_lut: np.ndarray) -> TaxBenefitSystem:
    """The beijing-2020 items, gates and total as OpenFisca variables."""
    def employment(p, period):
        return _months(p("insurance_years", period)) * 3

    def residence(p, period):
        units = p("owned_home_years", period).astype(np.float64) + p("rented_home_years", period) * 0.5
        return _months(np.minimum(units, p("insurance_years", period)))

    def education(p, period):
        return education_lut[p("education_code", period)]

    def location(p, period):
        return np.minimum(p("outside_core_years", period) * 2, 12)

    def innovation(p, period):
        return np.minimum(p("innovation_points", period), 12)

    def tax(p, period):
        return np.minimum(p("tax_years_high", period) * 2, 6)

    def age_points(p, period):
        age = p("age", period)
        return np.select([age < 46, age < 47, age < 48, age < 49, age < 50], [20, 16, 12, 8, 4], 0)

    def honours(p, period):
        return np.where(p("has_honour", period), 20, 0)

    def law_record(p, period):
        return p("detentions", period) * -30

    items = {"employment": employment, "residence": residence, "education": education, "location": location,
             "innovation": innovation, "tax": tax, "age_points": age_points, "honours": honours,
             "law_record": law_record}

    def total(p, period):
        return sum(np.round(p(name, period).astype(np.float64) * 100) for name in items) / 100

    def eligible(p, period):
        return (p("has_residence_permit", period) & (p("age", period) <= 59)
                & (p("insurance_years", period) >= 7))

    system = TaxBenefitSystem([Person])
    system.add_variables(*[_input(n, k) for n, k in INPUTS])
    system.add_variables(*[_formula(n, float, f) for n, f in items.items()])
    system.add_variables(_formula("total", float, total), _formula("eligible", bool, eligible))
    return system


def main() -> None:
    """Time OpenFisca on the columns in --data; print JSON; write total cents to --out."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    data = np.load(args.data, allow_pickle=False)
    categories = [str(c) for c in data["education_categories"]]
    lut = np.array([EDUCATION_POINTS.get(c, 0.0) for c in categories] + [0.0])
    system = build_system(lut)
    n = len(data["age"])
    times: list[float] = []
    cpu: list[float] = []
    total = eligible = None
    for _ in range(args.repeats):
        sim = SimulationBuilder().build_default_simulation(system, count=n)
        for name, _kind in INPUTS:
            sim.set_input(name, PERIOD, data[name])
        c0, t0 = time.process_time(), time.perf_counter()
        total = sim.calculate("total", PERIOD)
        eligible = sim.calculate("eligible", PERIOD)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        del sim
    np.save(args.out, np.stack([np.round(np.asarray(total, dtype=np.float64) * 100), eligible]).astype(np.int64))
    print(json.dumps({"n": n, "best_s": min(times), "median_s": statistics.median(times),
                      "cpu_best_s": min(cpu), "times": times}))


if __name__ == "__main__":
    main()
