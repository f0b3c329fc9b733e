"""Weight tuning: the problem, gradients, rounding, diagnosis, sensitivity and simplification.

Public names load from their submodules on first use (keeps imports light and cycle-free).
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Binding": "scoring.tuning.diagnosis",
    "Bound": "scoring.tuning.problem",
    "Check": "scoring.tuning.tune",
    "Constraints": "scoring.tuning.problem",
    "Evaluator": "scoring.tuning.model",
    "FastOutcome": "scoring.tuning.model",
    "Param": "scoring.tuning.model",
    "Problem": "scoring.tuning.problem",
    "Removal": "scoring.tuning.simplify",
    "RoundedResult": "scoring.tuning.rounding",
    "SimplifyResult": "scoring.tuning.simplify",
    "SobolResult": "scoring.tuning.sensitivity",
    "Tornado": "scoring.tuning.sensitivity",
    "TuneResult": "scoring.tuning.tune",
    "apply_params": "scoring.tuning.model",
    "best_alone": "scoring.tuning.diagnosis",
    "best_jointly": "scoring.tuning.diagnosis",
    "bounds_list": "scoring.tuning.problem",
    "default_bounds": "scoring.tuning.model",
    "derivative_rows": "scoring.tuning.gradients",
    "diagnose": "scoring.tuning.diagnosis",
    "feasible_start": "scoring.tuning.tune",
    "item_weight": "scoring.tuning.model",
    "one_blas_thread": "scoring.tuning.tune",
    "outcomes": "scoring.tuning.sensitivity",
    "refuse_unmodelled_groups": "scoring.tuning.tune",
    "round_result": "scoring.tuning.rounding",
    "round_scheme": "scoring.tuning.rounding",
    "round_to": "scoring.tuning.rounding",
    "scheme_params": "scoring.tuning.model",
    "search": "scoring.tuning.tune",
    "slack_grad": "scoring.tuning.gradients",
    "sobol": "scoring.tuning.sensitivity",
    "tau_grad": "scoring.tuning.gradients",
    "to_cents": "scoring.tuning.model",
    "tornado": "scoring.tuning.sensitivity",
    "violation_grad": "scoring.tuning.gradients",
}

__all__ = [
    "Binding",
    "Bound",
    "Check",
    "Constraints",
    "Evaluator",
    "FastOutcome",
    "Param",
    "Problem",
    "Removal",
    "RoundedResult",
    "SimplifyResult",
    "SobolResult",
    "Tornado",
    "TuneResult",
    "apply_params",
    "best_alone",
    "best_jointly",
    "bounds_list",
    "default_bounds",
    "derivative_rows",
    "diagnose",
    "feasible_start",
    "item_weight",
    "one_blas_thread",
    "outcomes",
    "refuse_unmodelled_groups",
    "round_result",
    "round_scheme",
    "round_to",
    "scheme_params",
    "search",
    "slack_grad",
    "sobol",
    "tau_grad",
    "to_cents",
    "tornado",
    "violation_grad",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'scoring.tuning' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
