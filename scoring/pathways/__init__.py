"""Pathways: rule sets, columns, services, tables and comparisons of settlement routes.

Public names load from their submodules on first use (keeps imports light and cycle-free).
"""

from __future__ import annotations

from scoring.lazy_exports import lazy_exports

_EXPORTS = {
    "Admission": "scoring.pathways.rules",
    "Criterion": "scoring.pathways.rules",
    "Label": "scoring.pathways.rules",
    "Pathway": "scoring.pathways.rules",
    "PathwayComparison": "scoring.pathways.comparison",
    "PathwayResult": "scoring.pathways.core",
    "PermitCondition": "scoring.pathways.rules",
    "PermitResult": "scoring.pathways.core",
    "PermitRule": "scoring.pathways.rules",
    "Reading": "scoring.pathways.rules",
    "ReadingOption": "scoring.pathways.rules",
    "Recognition": "scoring.pathways.rules",
    "RuleSet": "scoring.pathways.rules",
    "RuleSetError": "scoring.pathways.core",
    "Source": "scoring.pathways.rules",
    "TablesMixin": "scoring.pathways.tables",
    "allowed_values": "scoring.pathways.rules",
    "compare": "scoring.pathways.comparison",
    "criterion_mask": "scoring.pathways.core",
    "evaluate": "scoring.pathways.core",
    "get_dotted": "scoring.pathways.rules",
    "group_keys": "scoring.pathways.tables",
    "load_ruleset": "scoring.pathways.core",
    "normalise_pathway_columns": "scoring.pathways.columns",
    "rule_body": "scoring.pathways.rules",
    "rule_changes": "scoring.pathways.rules",
    "ruleset_from_dict": "scoring.pathways.rules",
    "service_assumptions": "scoring.pathways.services",
    "service_demand": "scoring.pathways.services",
    "service_rates": "scoring.pathways.services",
    "set_dotted": "scoring.pathways.rules",
    "unit_label": "scoring.pathways.rules",
    "with_change": "scoring.pathways.rules",
}

__all__, __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
