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
from typing import Any

from scoring.admission import AdmissionResult, admit
from scoring.dominance import DominanceReport, dominance
from scoring.engine.core import ScoreResult, score
from scoring.errors import PopulationError, ScenarioError, SchemeError, ScoringInputError
from scoring.scheme.load import Scheme, load_scheme, load_scheme_text, save_scheme

# Names served by modules that load on first use (they pull in heavier dependencies).
_LAZY = {
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
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'scoring' has no attribute {name!r}")
