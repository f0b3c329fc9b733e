"""The work a scenario asks for, bounded before anything runs (bounded work for bounded input).

A run simulates, for each replication and each distinct set of yearly rules (the scenario's own and, with the quota
question, "with cap" and "no cap" where they differ from it), every simulated person present in each burn-in and
reported year. :func:`work` counts that from the scenario alone, as an upper bound: the starting people plus every
year's projected arrivals (``per_year`` growing by ``growth``, over the sampling ratio), as if nobody left or
settled. Its time is person-years over one measured rate plus simulated years over another (the cost of a year
whatever its size); :func:`check_work` refuses more than :data:`MAX_RUN_MINUTES` of it, or a pool larger than
:data:`MAX_SIMULATED_PEOPLE`.
"""

from __future__ import annotations

from dataclasses import dataclass

from scoring.dynamics.core import YearRule
from scoring.errors import ScenarioError
from scoring.scenario.load import Scenario

MAX_RUN_MINUTES = 30  # the longest a run (or a comparison, all its runs) may take on the 2-core machine: a choice
# Measured with benchmarks/bench_scenario_rate.py on the 2-core machine at load ~1.3 (docs/scenarios.md,
# Performance): 4.7-7.3 million counted person-years a second on pools of 100,000-1,000,000 simulated people, and
# 3.3 ms a simulated year on a pool of 200. Both are halved here for the machine's usual load (other engineers'
# tests), so a run at the limit takes 12-20 minutes on a quiet machine and about 30 at a load of 2-3.
PERSON_YEARS_PER_SECOND = 2.5e6
SIMULATED_YEARS_PER_SECOND = 150
MAX_PERSON_YEARS = PERSON_YEARS_PER_SECOND * 60 * MAX_RUN_MINUTES  # the limit in person-years (no per-year cost)
# Measured: 933 MB peak resident memory for a pool of up to 1.47M simulated people (1M at the start): about 0.6 KB
# each, so 10M is about 6 GB.
MAX_SIMULATED_PEOPLE = 10_000_000


@dataclass(frozen=True)
class Work:
    """What a run will simulate: ``people`` (simulated, the starting people plus every projected arrival: the
    largest the pool can be), ``years`` (burn-in and reported), ``replications``, ``runs`` (distinct sets of
    rules) and ``person_years`` (people present each year, summed over all of them; an upper bound)."""

    people: float
    years: int
    replications: int
    runs: int
    person_years: float

    @property
    def simulated_years(self) -> int:
        """Years x replications x runs: how many yearly steps the run takes."""
        return self.years * self.replications * self.runs

    @property
    def minutes(self) -> float:
        """The run's expected time on the 2-core machine at its usual load (the measured rates)."""
        return (self.person_years / PERSON_YEARS_PER_SECOND + self.simulated_years / SIMULATED_YEARS_PER_SECOND) / 60


def distinct_rule_sets(sc: Scenario, quota_question: bool = True) -> list[list[YearRule]]:
    """The sets of yearly rules a run simulates: the scenario's, then with the quota question the "with cap" and
    "no cap" rules unless identical to one already run (a run reuses those, :func:`run_quota_question`)."""
    sets = [sc.rules()]
    if quota_question:
        sets += [sc.rules_with_cap(), sc.rules_no_cap()]
    out: dict[str, list[YearRule]] = {}
    for rules in sets:
        out.setdefault(repr([r.key() for r in rules]), rules)
    return list(out.values())


def starting_people(sc: Scenario) -> int:
    """The simulated people the first year starts from, found without drawing a synthetic population (a
    population file is read: its rows are the count)."""
    b = sc.spec.burn_in
    if b.start == "empty":
        return 0
    pop = sc.spec.population
    n = pop.synth.n if pop.synth is not None else len(sc.population())
    return n if b.stock is None else min(n, int(round(b.stock / sc.ratio)))


def work(sc: Scenario, quota_question: bool = True) -> Work:
    """The work of running ``sc`` (see :class:`Work`)."""
    arrivals = sc.spec.dynamics.arrivals  # bounded in every simulated year when the scenario loads
    first = -sc.spec.burn_in.years
    present = float(starting_people(sc))
    person_years = 0.0
    for t in range(first, sc.horizon):
        person_years += present
        present += arrivals.per_year * (1.0 + arrivals.growth) ** t / sc.ratio
    runs = len(distinct_rule_sets(sc, quota_question))
    reps = sc.spec.replications
    return Work(present, sc.horizon - first, reps, runs, person_years * reps * runs)


def check_work(scenarios: list[Scenario], quota_question: bool = True) -> list[Work]:
    """The work of each scenario; :class:`ScenarioError` if one would hold more than :data:`MAX_SIMULATED_PEOPLE`
    or all together would take more than :data:`MAX_RUN_MINUTES`, naming the work, the limit and what to lower."""
    works = [work(sc, quota_question) for sc in scenarios]
    for sc, w in zip(scenarios, works, strict=True):
        if w.people > MAX_SIMULATED_PEOPLE:
            raise ScenarioError(
                f"{sc.source}: the run would hold up to {w.people:,.0f} simulated people (the starting people and "
                f"every arrival); at most {MAX_SIMULATED_PEOPLE:,}; lower the population's n, the arrivals or "
                "the horizon, or raise the sampling ratio")
    minutes = sum(w.minutes for w in works)
    if minutes <= MAX_RUN_MINUTES:
        return works
    sc, w = max(zip(scenarios, works, strict=True), key=lambda p: p[1].minutes)
    together = f" (all {len(scenarios)} scenarios: about {minutes:,.0f} minutes)" if len(scenarios) > 1 else ""
    raise ScenarioError(
        f"{sc.source}: the run would simulate about {w.person_years:,.0f} person-years in {w.simulated_years:,} "
        f"simulated years ({w.years} years x {w.replications} replication(s) x {w.runs} run(s), up to "
        f"{w.people:,.0f} simulated people): about {w.minutes:,.0f} minutes{together}; at most {MAX_RUN_MINUTES} "
        f"minutes ({MAX_PERSON_YEARS:,.0f} person-years); lower replications, horizon, burn_in.years, the "
        "population's n or the arrivals")
