"""The scoring engine: compile a scheme into kernels and score a population column-wise.

Public names load from their submodules on first use (keeps imports light and cycle-free).
"""

from __future__ import annotations

from scoring.lazy_exports import lazy_exports

_EXPORTS = {
    "CENT_TOLERANCE": "scoring.engine.core",
    "Columns": "scoring.engine.params",
    "ENGINES": "scoring.engine.core",
    "GroupStep": "scoring.engine.params",
    "Outputs": "scoring.engine.numba_kernel",
    "PerUnit": "scoring.engine.params",
    "Plan": "scoring.engine.numba_kernel",
    "ScoreResult": "scoring.engine.core",
    "Scratch": "scoring.engine.kernels",
    "UNIT_TOLERANCE": "scoring.engine.core",
    "band_table": "scoring.engine.params",
    "bool_text": "scoring.engine.params",
    "bound_spec": "scoring.engine.params",
    "build_plan": "scoring.engine.numba_kernel",
    "category_table": "scoring.engine.params",
    "compile_condition": "scoring.engine.kernels",
    "compile_groups": "scoring.engine.kernels",
    "compile_item": "scoring.engine.kernels",
    "condition_program": "scoring.engine.params",
    "condition_tests": "scoring.engine.params",
    "configure": "scoring.engine.numba_kernel",
    "default_engine": "scoring.engine.core",
    "find_missing": "scoring.engine.core",
    "flag_cents": "scoring.engine.params",
    "group_rules": "scoring.engine.params",
    "input_value_warnings": "scoring.engine.inputs",
    "lookup_column": "scoring.engine.params",
    "lookup_table": "scoring.engine.kernels",
    "needed_missing": "scoring.engine.missing",
    "per_unit_params": "scoring.engine.params",
    "population_schema_for": "scoring.engine.inputs",
    "program_depth": "scoring.engine.params",
    "row_number": "scoring.engine.params",
    "run": "scoring.engine.numba_kernel",
    "score": "scoring.engine.core",
    "to_cents": "scoring.engine.params",
}

__all__, __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
