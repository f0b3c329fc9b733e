"""Scoring schemes: the model, YAML load/save, conditions, diffs and worked cases.

Public names load from their submodules on first use (keeps imports light and cycle-free).
"""

from __future__ import annotations

from scoring.lazy_exports import lazy_exports

_EXPORTS = {
    "AdmissionRule": "scoring.scheme.load",
    "Band": "scoring.scheme.load",
    "CONDITION_FORMS": "scoring.scheme.model",
    "CONDITION_TESTS": "scoring.scheme.model",
    "CapRule": "scoring.scheme.load",
    "Case": "scoring.scheme.cases",
    "CaseFile": "scoring.scheme.cases",
    "CaseReport": "scoring.scheme.cases",
    "Change": "scoring.scheme.diff",
    "Condition": "scoring.scheme.load",
    "DEFAULT_GROUP_LABELS": "scoring.scheme.load",
    "DominanceRule": "scoring.scheme.load",
    "Gate": "scoring.scheme.load",
    "GroupRule": "scoring.scheme.load",
    "InputColumn": "scoring.scheme.load",
    "Item": "scoring.scheme.load",
    "KINDS": "scoring.scheme.load",
    "Label": "scoring.scheme.load",
    "MEASURES": "scoring.scheme.load",
    "Over": "scoring.scheme.load",
    "STATUSES": "scoring.scheme.load",
    "Scheme": "scoring.scheme.load",
    "Source": "scoring.scheme.load",
    "TieKey": "scoring.scheme.load",
    "Ties": "scoring.scheme.load",
    "bool_text": "scoring.scheme.inputs",
    "case_frame": "scoring.scheme.cases",
    "compare_case": "scoring.scheme.cases",
    "default_cases_path": "scoring.scheme.cases",
    "input_value_warnings": "scoring.scheme.inputs",
    "item_keys": "scoring.scheme.load",
    "load_cases": "scoring.scheme.cases",
    "load_scheme": "scoring.scheme.load",
    "load_scheme_text": "scoring.scheme.load",
    "merge_scheme_dicts": "scoring.scheme.load",
    "read_scheme_dict": "scoring.scheme.load",
    "run_cases": "scoring.scheme.cases",
    "save_scheme": "scoring.scheme.load",
    "scheme_changes": "scoring.scheme.diff",
    "scheme_diff": "scoring.scheme.diff",
    "scheme_from_dict": "scoring.scheme.load",
    "scheme_warnings": "scoring.scheme.load",
    "when_list": "scoring.scheme.conditions",
}

__all__, __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
