"""Weight tuning: the problem, gradients, rounding, diagnosis, sensitivity and simplification.

Public names load from their submodules on first use (keeps imports light and cycle-free).
"""

from __future__ import annotations

from scoring.lazy_exports import lazy_exports

_EXPORTS = {
    "Binding": "scoring.tuning.diagnosis",
    "Bound": "scoring.tuning.problem",
    "Check": "scoring.tuning.core",
    "Constraints": "scoring.tuning.problem",
    "Evaluator": "scoring.tuning.model",
    "FastOutcome": "scoring.tuning.model",
    "Param": "scoring.tuning.model",
    "Problem": "scoring.tuning.problem",
    "Removal": "scoring.tuning.simplification",
    "RoundedResult": "scoring.tuning.rounding",
    "SimplifyResult": "scoring.tuning.simplification",
    "SobolResult": "scoring.tuning.sensitivity",
    "Tornado": "scoring.tuning.sensitivity",
    "TuneResult": "scoring.tuning.core",
    "apply_params": "scoring.tuning.model",
    "best_alone": "scoring.tuning.diagnosis",
    "best_jointly": "scoring.tuning.diagnosis",
    "bounds_list": "scoring.tuning.problem",
    "default_bounds": "scoring.tuning.model",
    "derivative_rows": "scoring.tuning.gradient",
    "diagnose": "scoring.tuning.diagnosis",
    "feasible_start": "scoring.tuning.core",
    "gradients": "scoring.tuning.gradient",
    "item_weight": "scoring.tuning.model",
    "one_blas_thread": "scoring.tuning.core",
    "outcomes": "scoring.tuning.sensitivity",
    "refuse_unmodelled_groups": "scoring.tuning.core",
    "round_result": "scoring.tuning.rounding",
    "round_scheme": "scoring.tuning.rounding",
    "round_to": "scoring.tuning.rounding",
    "scheme_params": "scoring.tuning.model",
    "search": "scoring.tuning.core",
    "simplify": "scoring.tuning.simplification",
    "slack_grad": "scoring.tuning.gradient",
    "sobol": "scoring.tuning.sensitivity",
    "tau_grad": "scoring.tuning.gradient",
    "to_cents": "scoring.tuning.model",
    "tornado": "scoring.tuning.sensitivity",
    "tune": "scoring.tuning.core",
    "violation_grad": "scoring.tuning.gradient",
}

__all__, __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
