"""Multi-year dynamics: the stock of applicants, flows, services demand, Monte Carlo runs and profiles.

Public names load from their submodules on first use (keeps imports light and cycle-free).
"""

from __future__ import annotations

from scoring.lazy_exports import lazy_exports

_EXPORTS = {
    "AGE_BANDS": "scoring.dynamics.core",
    "Application": "scoring.dynamics.params",
    "Arrivals": "scoring.dynamics.params",
    "Departures": "scoring.dynamics.params",
    "DynamicsParams": "scoring.dynamics.params",
    "Employment": "scoring.dynamics.params",
    "METRICS": "scoring.dynamics.core",
    "MonteCarlo": "scoring.dynamics.core",
    "Permits": "scoring.dynamics.params",
    "Profile": "scoring.dynamics.params",
    "Simulation": "scoring.dynamics.core",
    "State": "scoring.dynamics.state",
    "YEARS_BANDS": "scoring.dynamics.core",
    "YearRule": "scoring.dynamics.core",
    "accrue": "scoring.dynamics.flows",
    "admitted_needs": "scoring.dynamics.services",
    "apply_profile": "scoring.dynamics.profile",
    "arrival_bank": "scoring.dynamics.flows",
    "combine": "scoring.dynamics.mc",
    "composition": "scoring.dynamics.flows",
    "default_arrivals": "scoring.dynamics.core",
    "education_levels": "scoring.dynamics.profile",
    "expected_line": "scoring.dynamics.flows",
    "leaving": "scoring.dynamics.flows",
    "newcomers": "scoring.dynamics.flows",
    "propensity": "scoring.dynamics.flows",
    "rebase_newcomers": "scoring.dynamics.core",
    "service_table": "scoring.dynamics.services",
    "service_totals": "scoring.dynamics.services",
    "simulate": "scoring.dynamics.core",
    "simulate_many": "scoring.dynamics.core",
    "splitmix64": "scoring.dynamics.state",
    "stochastic_round": "scoring.dynamics.flows",
    "stream_key": "scoring.dynamics.state",
    "uniforms": "scoring.dynamics.state",
}

__all__, __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
