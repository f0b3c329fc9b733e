"""Cumulative recognition of years (notice 浙政办发〔2023〕41号, clause 二(三)).

"实行社会保险缴纳年限同城化累计互认，来本省就业并已办理基本养老保险关系转移接续手续的，在申请登记常住户口时，其长三角
城市群内的社会保险缴纳年限可以与当地合并计算。推行居住年限设区市范围内互认，鼓励各地在长三角城市群内开展居住年限同城化
累计互认。"

Switchable rules change a person's *effective* years before scoring, gates and dynamics:

- ``yrd_insurance``: social-insurance years paid elsewhere in the Yangtze River Delta (``insurance_years_yrd``)
  count together with local years (``insurance_years``) for people who transferred their basic pension account
  (``pension_transferred``). Refinements, all off by default (so the two-switch behaviour is unchanged):
  ``yrd_requires_employment`` — "来本省就业": only people employed (in the province: the population lives in
  Zhejiang) gain; ``yrd_scope`` — a named list of cities (:data:`SCOPES`, ``data/yrd_cities.csv``): only years paid
  in a city of the list count (needs ``yrd_city``, the city where the years were paid); ``yrd_within_zhejiang`` —
  a READING of "同城化累计互认": ``"conditions_apply"`` (years paid in other Zhejiang cities need the same
  conditions) or ``"no_conditions"`` (years paid in Zhejiang count without the transfer and employment conditions).
- ``prefecture_residence``: residence years in other districts of the same prefecture-level city
  (``residence_years_other_districts``) count together with ``residence_years``.
- ``yrd_residence``: ENCOURAGEMENT, not a rule ("鼓励各地…"): residence years elsewhere in the YRD
  (``residence_years_yrd``, within ``yrd_scope`` when set) count together with ``residence_years``.

:func:`apply_recognition` is pure: it returns a new frame and never modifies its input.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from scoring.errors import PopulationError, ScenarioError
from scoring.model_base import StrictModel
from scoring.yaml_files import short_repr

RULES = ("yrd_insurance", "prefecture_residence")
SWITCHES = ("yrd_insurance", "prefecture_residence", "yrd_residence", "yrd_requires_employment")
OPTIONS: dict[str, tuple[str, ...]] = {"yrd_within_zhejiang": ("conditions_apply", "no_conditions")}
CITIES_PATH = Path(__file__).resolve().parent.parent / "data" / "yrd_cities.csv"
# scope name -> column of data/yrd_cities.csv (1 = in the list), with its source
SCOPES: dict[str, tuple[str | None, str]] = {
    "cluster-2016": ("cluster_2016", "长江三角洲城市群发展规划（国家发展改革委、住房城乡建设部，2016年）：26个城市"),
    "central-2019": ("central_2019", "长江三角洲区域一体化发展规划纲要（2019年）：中心区27个城市"),
    "yrd-provinces": (None, "三省一市全部41个城市（长三角全域，宽泛读法）"),
}
ScopeName = Literal["cluster-2016", "central-2019", "yrd-provinces"]  # the names of SCOPES (checked by a test)
# rule -> (target column, added column, condition column or None)
_COLUMNS: dict[str, tuple[str, str, str | None]] = {
    "yrd_insurance": ("insurance_years", "insurance_years_yrd", "pension_transferred"),
    "prefecture_residence": ("residence_years", "residence_years_other_districts", None),
}


@lru_cache(maxsize=1)
def yrd_cities() -> pd.DataFrame:
    """The cities of the three provinces and Shanghai with their list memberships (``data/yrd_cities.csv``)."""
    return pd.read_csv(CITIES_PATH, dtype={"city": str, "zh": str, "en": str, "province": str})


def scope_cities(scope: str) -> tuple[str, ...]:
    """City codes of a named scope (raises ScenarioError for an unknown name)."""
    if scope not in SCOPES:
        raise ScenarioError(f"recognition.yrd_scope: value {scope!r} is not a scope; valid: {', '.join(SCOPES)}")
    table, column = yrd_cities(), SCOPES[scope][0]
    return tuple(table["city"] if column is None else table.loc[table[column] == 1, "city"])


class RecognitionRules(StrictModel):
    """Which recognition rules apply (all off by default; see the module docstring).

    The one model of the rules: a scenario's and a rule set's ``recognition:`` section are this model, and the
    dynamics take it too. Validated like every file model (unknown keys refused, scopes and readings by name).
    """

    yrd_insurance: bool = False
    prefecture_residence: bool = False
    yrd_residence: bool = False
    yrd_requires_employment: bool = False
    yrd_scope: ScopeName | None = None
    yrd_within_zhejiang: Literal["conditions_apply", "no_conditions"] = "conditions_apply"

    @classmethod
    def from_any(cls, rules: RecognitionRules | Mapping[str, Any] | None, source: str = "recognition"
                 ) -> RecognitionRules:
        """Build from a mapping such as ``{yrd_insurance: true}``; unknown keys or bad values raise ScenarioError."""
        if rules is None:
            return cls()
        if isinstance(rules, RecognitionRules):
            return rules
        if not isinstance(rules, Mapping):
            raise ScenarioError(f"{source}: must be a mapping of {', '.join(RULES)} to true/false, not "
                                f"{short_repr(rules)}")
        valid = (*SWITCHES, "yrd_scope", *OPTIONS)
        for key, value in rules.items():
            if key not in valid:
                raise ScenarioError(f"{source}.{key}: unknown recognition rule; valid: "
                                    f"{', '.join(RULES)} (and {', '.join(valid[len(RULES):])})")
            if key in SWITCHES and not isinstance(value, bool | np.bool_):
                raise ScenarioError(f"{source}.{key}: value {short_repr(value)} must be true or false")
            if key == "yrd_scope" and value is not None and (not isinstance(value, str) or value not in SCOPES):
                raise ScenarioError(f"{source}.yrd_scope: value {short_repr(value)}; valid: {', '.join(SCOPES)} "
                                    "(or null)")
            if key in OPTIONS and value not in OPTIONS[key]:
                raise ScenarioError(f"{source}.{key}: value {short_repr(value)}; valid: {', '.join(OPTIONS[key])}")
        return cls(**{k: (bool(v) if k in SWITCHES else v) for k, v in rules.items()})

    @property
    def any(self) -> bool:
        """True when at least one rule is on."""
        return self.yrd_insurance or self.prefecture_residence or self.yrd_residence

    def to_dict(self) -> dict[str, Any]:
        """Plain mapping for JSON summaries: the two rules, plus any refinement that differs from its default."""
        defaults = RecognitionRules()
        return {k: v for k, v in self.model_dump().items() if k in RULES or v != getattr(defaults, k)}

    def label(self, lang: str = "zh") -> str:
        """A short description of the rules in force."""
        parts = []
        if self.yrd_insurance:
            parts.append("长三角社保互认" if lang == "zh" else "YRD insurance years")
        if self.prefecture_residence:
            parts.append("市域居住年限互认" if lang == "zh" else "prefecture-wide residence years")
        if self.yrd_residence:
            parts.append("长三角居住年限互认（鼓励性）" if lang == "zh" else "YRD residence years (encouraged)")
        if not parts:
            return "无累计互认" if lang == "zh" else "no recognition"
        return "、".join(parts) if lang == "zh" else " + ".join(parts)


def needed_columns(rules: RecognitionRules) -> tuple[str, ...]:
    """The population columns ``rules`` read."""
    cols: list[str] = []
    if rules.yrd_insurance:
        cols += ["insurance_years", "insurance_years_yrd", "pension_transferred"]
        cols += ["employed"] if rules.yrd_requires_employment else []
        cols += ["yrd_city"] if rules.yrd_scope or rules.yrd_within_zhejiang == "no_conditions" else []
    if rules.prefecture_residence:
        cols += ["residence_years", "residence_years_other_districts"]
    if rules.yrd_residence:
        cols += ["residence_years", "residence_years_yrd"] + (["yrd_city"] if rules.yrd_scope else [])
    return tuple(dict.fromkeys(cols))


def _in_cities(city: np.ndarray, cities: tuple[str, ...]) -> np.ndarray:
    return pd.Series(city).astype(object).isin(cities).to_numpy(dtype=bool)


def recognised_arrays(columns: Mapping[str, np.ndarray], rules: RecognitionRules) -> dict[str, np.ndarray]:
    """The effective-years arrays that ``rules`` change, computed from raw column arrays (float32)."""
    for col in needed_columns(rules):
        if col not in columns:
            on = [r for r in SWITCHES if getattr(rules, r)]
            raise PopulationError(f"recognition rule {', '.join(on)} needs column {col!r}, which the population lacks")
    out: dict[str, np.ndarray] = {}
    zero = np.float32(0)
    scope = scope_cities(rules.yrd_scope) if rules.yrd_scope else None
    if rules.yrd_insurance:
        add = np.asarray(columns["insurance_years_yrd"], dtype=np.float32)
        ok = np.asarray(columns["pension_transferred"], dtype=bool)
        if rules.yrd_requires_employment:
            ok = ok & np.asarray(columns["employed"], dtype=bool)
        if rules.yrd_within_zhejiang == "no_conditions":
            ok = ok | _in_cities(np.asarray(columns["yrd_city"]), tuple(
                yrd_cities().loc[yrd_cities()["province"] == "zhejiang", "city"]))
        if scope is not None:
            ok = ok & _in_cities(np.asarray(columns["yrd_city"]), scope)
        out["insurance_years"] = (np.asarray(columns["insurance_years"], dtype=np.float32)
                                  + np.where(ok, add, zero)).astype(np.float32)
    residence = None
    if rules.prefecture_residence:
        residence = (np.asarray(columns["residence_years"], dtype=np.float32)
                     + np.asarray(columns["residence_years_other_districts"], dtype=np.float32)).astype(np.float32)
    if rules.yrd_residence:
        base = residence if residence is not None else np.asarray(columns["residence_years"], dtype=np.float32)
        add = np.asarray(columns["residence_years_yrd"], dtype=np.float32)
        if scope is not None:
            add = np.where(_in_cities(np.asarray(columns["yrd_city"]), scope), add, zero)
        residence = (base + add).astype(np.float32)
    if residence is not None:
        out["residence_years"] = residence
    return out


def apply_recognition(pop: pd.DataFrame, rules: RecognitionRules | Mapping[str, Any] | None) -> pd.DataFrame:
    """Return ``pop`` with effective years under ``rules`` (a new frame; the input is untouched).

    ``yrd_insurance`` adds ``insurance_years_yrd`` to ``insurance_years`` where ``pension_transferred`` (and the
    refinements' conditions); ``prefecture_residence`` adds ``residence_years_other_districts`` and ``yrd_residence``
    adds ``residence_years_yrd`` to ``residence_years``. With no rule on the input is returned as a shallow copy.
    A rule whose columns are missing raises :class:`PopulationError`.
    """
    rules = RecognitionRules.from_any(rules)
    out = pop.copy(deep=False)
    if not rules.any:
        return out
    needed = needed_columns(rules)
    arrays = {c: pop[c].to_numpy() for c in needed if c in pop.columns}
    missing = [c for c in needed if c not in arrays]
    if missing:
        on = [r for r in SWITCHES if getattr(rules, r)]
        raise PopulationError(
            f"recognition ({', '.join(on)}) needs column(s) {', '.join(missing)}, which the population lacks"
        )
    for target, values in recognised_arrays(arrays, rules).items():
        out[target] = values
    return out
