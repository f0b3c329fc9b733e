"""Multi-year dynamics: the stock of applicants, flows, Monte Carlo runs and profiles.

Public names load from their submodules on first use (keeps imports light and cycle-free).
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "AGE_BANDS": "scoring.dynamics.simulate",
    "Application": "scoring.dynamics.params",
    "Arrivals": "scoring.dynamics.params",
    "Departures": "scoring.dynamics.params",
    "DynamicsParams": "scoring.dynamics.params",
    "Employment": "scoring.dynamics.params",
    "METRICS": "scoring.dynamics.simulate",
    "MonteCarlo": "scoring.dynamics.simulate",
    "Permits": "scoring.dynamics.params",
    "Profile": "scoring.dynamics.params",
    "Simulation": "scoring.dynamics.simulate",
    "State": "scoring.dynamics.state",
    "YEARS_BANDS": "scoring.dynamics.simulate",
    "YearRule": "scoring.dynamics.simulate",
    "accrue": "scoring.dynamics.flows",
    "apply_profile": "scoring.dynamics.profile",
    "arrival_bank": "scoring.dynamics.flows",
    "combine": "scoring.dynamics.mc",
    "composition": "scoring.dynamics.flows",
    "default_arrivals": "scoring.dynamics.simulate",
    "education_levels": "scoring.dynamics.profile",
    "expected_line": "scoring.dynamics.flows",
    "leaving": "scoring.dynamics.flows",
    "newcomers": "scoring.dynamics.flows",
    "propensity": "scoring.dynamics.flows",
    "rebase_newcomers": "scoring.dynamics.simulate",
    "simulate_many": "scoring.dynamics.simulate",
    "splitmix64": "scoring.dynamics.state",
    "stochastic_round": "scoring.dynamics.flows",
    "stream_key": "scoring.dynamics.state",
    "uniforms": "scoring.dynamics.state",
}

__all__ = [
    "AGE_BANDS",
    "METRICS",
    "YEARS_BANDS",
    "Application",
    "Arrivals",
    "Departures",
    "DynamicsParams",
    "Employment",
    "MonteCarlo",
    "Permits",
    "Profile",
    "Simulation",
    "State",
    "YearRule",
    "accrue",
    "apply_profile",
    "arrival_bank",
    "combine",
    "composition",
    "default_arrivals",
    "education_levels",
    "expected_line",
    "leaving",
    "newcomers",
    "propensity",
    "rebase_newcomers",
    "simulate_many",
    "splitmix64",
    "stochastic_round",
    "stream_key",
    "uniforms",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'scoring.dynamics' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
