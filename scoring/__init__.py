"""Hangzhou points-settlement simulator: the library (never imports streamlit).

The front door::

    import scoring
    scheme = scoring.load_scheme("scenarios/schemes/beijing-2020.yaml")
    pop = scoring.load_population("people.csv")
    res = scoring.score(pop, scheme)
    adm = scoring.admit(res, quota=6000, ties="admit_all")
    scoring.dominance(res, scheme, admitted=adm)
    ev = scoring.evaluate(pop, scheme)   # the three at once: ev.res, ev.adm, ev.dom
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

from scoring.errors import PopulationError, ScenarioError, SchemeError, ScoringInputError

# Names served by modules that load on first use (numpy, pandas, numba: ``python -m scoring --help`` and a command
# import only what they use).
_LAZY = {
    "AdmissionResult": "scoring.admission",
    "admit": "scoring.admission",
    "DominanceReport": "scoring.dominance",
    "dominance": "scoring.dominance",
    "ScoreResult": "scoring.engine.core",
    "score": "scoring.engine.core",
    "Scheme": "scoring.scheme.load",
    "load_scheme": "scoring.scheme.load",
    "load_scheme_text": "scoring.scheme.load",
    "save_scheme": "scoring.scheme.load",
    "load_population": "scoring.population.load",
    "read_population": "scoring.population.load",
    "synth": "scoring.population.synthetic",
    "scheme_diff": "scoring.scheme.diff",
    "evaluate": "scoring.evaluation",
    "Evaluation": "scoring.evaluation",
}

__all__ = [
    "AdmissionResult",
    "DominanceReport",
    "Evaluation",
    "PopulationError",
    "ScenarioError",
    "Scheme",
    "SchemeError",
    "ScoreResult",
    "ScoringInputError",
    "admit",
    "dominance",
    "evaluate",
    "load_population",
    "load_scheme",
    "load_scheme_text",
    "read_population",
    "save_scheme",
    "scheme_diff",
    "score",
    "synth",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'scoring' has no attribute {name!r}")


class _Package(types.ModuleType):
    """``scoring.dominance`` is the function, as when it was imported eagerly: importing the submodule of that name
    (which binds the module on its package) binds the function instead."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "dominance" and isinstance(value, types.ModuleType) and hasattr(value, "dominance"):
            value = value.dominance
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
