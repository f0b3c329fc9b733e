"""Cumulative recognition of years (notice 浙政办发〔2023〕41号, clause 二(三)).

Two switchable rules change a person's *effective* years before scoring, gates and dynamics:

- ``yrd_insurance``: social-insurance years paid elsewhere in the Yangtze River Delta city cluster
  (``insurance_years_yrd``) count together with local years (``insurance_years``) for people who transferred their
  basic pension account (``pension_transferred``);
- ``prefecture_residence``: residence years in other districts of the same prefecture-level city
  (``residence_years_other_districts``) count together with ``residence_years``.

:func:`apply_recognition` is pure: it returns a new frame and never modifies its input.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from scoring.errors import PopulationError, ScenarioError

RULES = ("yrd_insurance", "prefecture_residence")
# rule -> (target column, added column, condition column or None)
_COLUMNS: dict[str, tuple[str, str, str | None]] = {
    "yrd_insurance": ("insurance_years", "insurance_years_yrd", "pension_transferred"),
    "prefecture_residence": ("residence_years", "residence_years_other_districts", None),
}


@dataclass(frozen=True)
class RecognitionRules:
    """Which recognition rules apply (both off by default)."""

    yrd_insurance: bool = False
    prefecture_residence: bool = False

    @classmethod
    def from_any(cls, rules: RecognitionRules | Mapping[str, Any] | None, source: str = "recognition"
                 ) -> RecognitionRules:
        """Build from a mapping such as ``{yrd_insurance: true}``; unknown keys or non-booleans raise ScenarioError."""
        if rules is None:
            return cls()
        if isinstance(rules, RecognitionRules):
            return rules
        if not isinstance(rules, Mapping):
            raise ScenarioError(f"{source}: must be a mapping of {', '.join(RULES)} to true/false, not {rules!r}")
        for key, value in rules.items():
            if key not in RULES:
                raise ScenarioError(f"{source}.{key}: unknown recognition rule; valid: {', '.join(RULES)}")
            if not isinstance(value, bool | np.bool_):
                raise ScenarioError(f"{source}.{key}: value {value!r} must be true or false")
        return cls(**{k: bool(v) for k, v in rules.items()})

    @property
    def any(self) -> bool:
        """True when at least one rule is on."""
        return self.yrd_insurance or self.prefecture_residence

    def to_dict(self) -> dict[str, bool]:
        """Plain mapping for JSON summaries."""
        return asdict(self)

    def label(self, lang: str = "zh") -> str:
        """A short description of the rules in force."""
        parts = []
        if self.yrd_insurance:
            parts.append("长三角社保互认" if lang == "zh" else "YRD insurance years")
        if self.prefecture_residence:
            parts.append("市域居住年限互认" if lang == "zh" else "prefecture-wide residence years")
        if not parts:
            return "无累计互认" if lang == "zh" else "no recognition"
        return "、".join(parts) if lang == "zh" else " + ".join(parts)


def recognised_arrays(columns: Mapping[str, np.ndarray], rules: RecognitionRules) -> dict[str, np.ndarray]:
    """The effective-years arrays that ``rules`` change, computed from raw column arrays (float32)."""
    out: dict[str, np.ndarray] = {}
    for rule, (target, extra, cond) in _COLUMNS.items():
        if not getattr(rules, rule):
            continue
        for col in (target, extra) + ((cond,) if cond else ()):
            if col not in columns:
                raise PopulationError(
                    f"recognition rule {rule} needs column {col!r}, which the population lacks"
                )
        add = np.asarray(columns[extra], dtype=np.float32)
        if cond is not None:
            add = np.where(np.asarray(columns[cond], dtype=bool), add, np.float32(0))
        out[target] = (np.asarray(columns[target], dtype=np.float32) + add).astype(np.float32)
    return out


def apply_recognition(pop: pd.DataFrame, rules: RecognitionRules | Mapping[str, Any] | None) -> pd.DataFrame:
    """Return ``pop`` with effective years under ``rules`` (a new frame; the input is untouched).

    ``yrd_insurance`` adds ``insurance_years_yrd`` to ``insurance_years`` where ``pension_transferred``;
    ``prefecture_residence`` adds ``residence_years_other_districts`` to ``residence_years``. With no rule on the
    input is returned as a shallow copy. A rule whose columns are missing raises :class:`PopulationError`.
    """
    rules = RecognitionRules.from_any(rules)
    out = pop.copy(deep=False)
    if not rules.any:
        return out
    needed = {c for rule, cols in _COLUMNS.items() if getattr(rules, rule) for c in cols if c}
    arrays = {c: pop[c].to_numpy() for c in needed if c in pop.columns}
    missing = sorted(needed - set(arrays))
    if missing:
        on = [r for r in RULES if getattr(rules, r)]
        raise PopulationError(
            f"recognition ({', '.join(on)}) needs column(s) {', '.join(missing)}, which the population lacks"
        )
    for target, values in recognised_arrays(arrays, rules).items():
        out[target] = values
    return out
