"""Public-service demand brought by the people a scenario settles each year (notice 浙政办发〔2023〕41号, 一(三)).

The simulation records, per year and replication, the admitted's compulsory-school-age children and how many of
them rent, live in a dormitory or have no home (:func:`admitted_needs`; real people, like every count). Children
are the pool's ``children_6_11`` / ``children_12_14`` columns when present, otherwise their expectation from age
(:func:`scoring.population.synth_pathways.expected_children`, the same assumed means the synthetic population draws
from).
:func:`service_table` turns them into expected compulsory-school places and housing-security applications with the
SAME take-up rates as the pathways outputs (:func:`scoring.pathways.services.service_rates`). The admitted have
settled, so the settlement take-up is not applied. Every rate is an ASSUMPTION (``data/synth_pathway_parameters.csv``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from scoring.pathways.services import service_rates
from scoring.population.synth_pathways import expected_children

NEED_COLUMNS = ("svc_children_6_11", "svc_children_12_14", "svc_no_home")
NO_HOME = ("rented", "employer", "none")
ASSUMPTION = ("assumption (illustrative): children per person by age and take-up rates from "
              "data/synth_pathway_parameters.csv (service_school_takeup, service_housing_takeup_settled), as in the "
              "pathways outputs; the admitted have settled, so no settlement take-up is applied")
ASSUMPTION_ZH = ("假设（示意）：每人随迁子女数（按年龄）与申请比例取自 data/synth_pathway_parameters.csv"
                 "（service_school_takeup、service_housing_takeup_settled），与落户途径分析一致；"
                 "模拟中获准落户者已落户，不再乘落户比例")


def admitted_needs(state: Any, mask: np.ndarray, p: dict[str, str]) -> dict[str, float]:
    """Children aged 6-11 and 12-14 (actual if the pool has them, else expected by age) and people without their own
    home among the people in ``mask`` of a dynamics :class:`~scoring.dynamics.state.State` (sample units)."""
    out: dict[str, float] = {}
    means = None
    for col in ("children_6_11", "children_12_14"):
        if col in state.num:
            out[f"svc_{col}"] = float(np.nan_to_num(state.num[col][mask].astype(np.float64)).sum())
        else:
            if means is None:
                age = state.num["age"][mask] if "age" in state.num else np.full(int(mask.sum()), 30.0)
                means = expected_children(age, p)
            out[f"svc_{col}"] = float(means[col].astype(np.float64).sum())
    out["svc_no_home"] = float(state.codes_of("housing", NO_HOME)[mask].sum()) if "housing" in state.cat else np.nan
    return out


def service_table(variants: dict[str, Any], rates: dict[str, float] | None = None) -> pd.DataFrame:
    """Per variant (``run``, ``with_cap``, ``no_cap``) and year: mean over replications of the admitted, their
    children, the expected compulsory-school places and housing-security applications (real people)."""
    r = service_rates(rates)
    frames = []
    for name, mc in variants.items():
        y = mc.yearly
        if not set(NEED_COLUMNS) <= set(y.columns):
            continue
        g = y[["year", "admitted", *NEED_COLUMNS]].astype("float64").groupby("year").mean()
        frames.append(pd.DataFrame({
            "variant": name, "year": g.index.astype(np.int64), "admitted": g["admitted"].to_numpy(),
            "children_6_11": g["svc_children_6_11"].to_numpy(), "children_12_14": g["svc_children_12_14"].to_numpy(),
            "primary_places": g["svc_children_6_11"].to_numpy() * r["service_school_takeup"],
            "junior_places": g["svc_children_12_14"].to_numpy() * r["service_school_takeup"],
            "renting_or_no_home": g["svc_no_home"].to_numpy(),
            "housing_applications": g["svc_no_home"].to_numpy() * r["service_housing_takeup_settled"],
        }))
    cols = ["variant", "year", "admitted", "children_6_11", "children_12_14", "primary_places", "junior_places",
            "renting_or_no_home", "housing_applications"]
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)
    return out.assign(assumption=ASSUMPTION)


def service_totals(table: pd.DataFrame) -> dict[str, Any]:
    """Totals over the horizon per variant, with the assumption note (JSON-ready)."""
    sums = table.drop(columns=["year", "assumption"]).groupby("variant", sort=False).sum(min_count=1)
    return {"assumption": {"zh": ASSUMPTION_ZH, "en": ASSUMPTION},
            "rates": {k: v for k, v in service_rates().items()
                      if k in ("service_school_takeup", "service_housing_takeup_settled")},
            "totals": {str(k): {c: float(v) for c, v in row.items()} for k, row in sums.iterrows()}}
