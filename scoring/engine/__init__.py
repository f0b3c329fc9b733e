"""The scoring engine: compile a scheme once into a plan (:mod:`scoring.engine.compiled`) and score a population
column-wise with the numba or the numpy backend.

Public names load from their submodules on first use (keeps imports light and cycle-free).
"""

from __future__ import annotations

from scoring.lazy_exports import lazy_exports

_EXPORTS = {
    "BandsItem": "scoring.engine.compiled",
    "CENT_TOLERANCE": "scoring.engine.core",
    "Columns": "scoring.engine.columns",
    "CompiledScheme": "scoring.engine.compiled",
    "ENGINES": "scoring.engine.core",
    "FlagItem": "scoring.engine.compiled",
    "GroupPlan": "scoring.engine.compiled",
    "GroupStep": "scoring.engine.compiled",
    "ItemPlan": "scoring.engine.compiled",
    "KernelTables": "scoring.engine.numba_kernel",
    "Outputs": "scoring.engine.numba_kernel",
    "PerUnit": "scoring.engine.compiled",
    "ScoreResult": "scoring.engine.core",
    "Scratch": "scoring.engine.kernels",
    "TableItem": "scoring.engine.compiled",
    "UNIT_TOLERANCE": "scoring.engine.core",
    "apply_group_rule": "scoring.engine.kernels",
    "band_table": "scoring.engine.compiled",
    "bool_text": "scoring.scheme.inputs",
    "bound_spec": "scoring.engine.compiled",
    "category_table": "scoring.engine.compiled",
    "compile_condition": "scoring.engine.kernels",
    "compile_groups": "scoring.engine.compiled",
    "compile_item": "scoring.engine.compiler",
    "compile_scheme": "scoring.engine.compiler",
    "condition_program": "scoring.engine.compiled",
    "condition_tests": "scoring.engine.compiled",
    "configure": "scoring.engine.numba_kernel",
    "default_engine": "scoring.engine.core",
    "dtype_values": "scoring.engine.compiled",
    "encode": "scoring.engine.numba_kernel",
    "find_missing": "scoring.engine.core",
    "flag_cents": "scoring.engine.compiled",
    "group_caps": "scoring.engine.kernels",
    "group_rules": "scoring.engine.compiled",
    "input_value_warnings": "scoring.scheme.inputs",
    "item_kernel": "scoring.engine.kernels",
    "lookup_column": "scoring.engine.compiled",
    "needed_missing": "scoring.engine.missing",
    "per_unit_params": "scoring.engine.compiled",
    "population_schema_for": "scoring.engine.inputs",
    "program_depth": "scoring.engine.compiled",
    "program_kernel": "scoring.engine.kernels",
    "row_number": "scoring.engine.columns",
    "run": "scoring.engine.numba_kernel",
    "run_block": "scoring.engine.kernels",
    "score": "scoring.engine.core",
    "tabulate": "scoring.engine.compiler",
    "to_cents": "scoring.engine.compiled",
}

__all__, __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
