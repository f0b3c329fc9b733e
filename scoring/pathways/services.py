"""Public-service demand that new settlers and new permit holders bring (notice 浙政办发〔2023〕41号, 一(三)).

"提高居住证持有人义务教育、住房保障等服务的实际享有水平，健全完善与积分挂钩的公共服务供给机制": officials plan
compulsory-education places and housing-security applications. From a :class:`scoring.pathways.core.PathwayResult`:

- newly settled: everyone who qualifies by some route (or, against old rules, who newly qualifies) × the settlement
  take-up; new permit holders: eligible for a residence permit, not holding one, not settling × the permit take-up;
- compulsory-education places: their children aged 6-11 and 12-14 (``children_6_11``, ``children_12_14``) × the
  school take-up; housing-security applications: those renting, in a dormitory or without a home × the take-up.

Every rate is a labelled ASSUMPTION from ``data/synth_pathway_parameters.csv`` (``service_*`` rows); the figures
are expected values (sums of weights, no random draw), whole-column numpy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from scoring.errors import PopulationError
from scoring.population.pathway_spec import DATA_DIR, load_parameters

if TYPE_CHECKING:
    from scoring.pathways.core import PathwayResult

RATES = ("service_settle_takeup", "service_permit_takeup", "service_school_takeup",
         "service_housing_takeup_settled", "service_housing_takeup_permit")
NEEDS = ("children_6_11", "children_12_14", "housing", "has_residence_permit")
LABELS = {
    "newly_settled": ("新落户者", "newly settled"),
    "new_permit_holders": ("新领居住证者", "new residence-permit holders"),
    "total": ("合计", "total"),
}
COLUMNS = {
    "group": ("人群", "group"), "people": ("人数（期望）", "people (expected)"),
    "children_6_11": ("6-11周岁子女", "children 6-11"), "children_12_14": ("12-14周岁子女", "children 12-14"),
    "primary_places": ("小学学位需求", "primary-school places"),
    "junior_places": ("初中学位需求", "junior-secondary places"),
    "housing_applications": ("住房保障申请", "housing-security applications"),
}


def service_rates(overrides: dict[str, float] | None = None) -> dict[str, float]:
    """The take-up rates (assumptions), optionally overridden; each must lie in [0, 1]."""
    p = load_parameters()
    rates = {k: float(p[k]) for k in RATES}
    for key, value in (overrides or {}).items():
        if key not in rates:
            raise PopulationError(f"service rate {key!r} is not a rate; rates: {', '.join(RATES)}")
        if not 0 <= float(value) <= 1:
            raise PopulationError(f"service rate {key}: value {value!r} must lie between 0 and 1")
        rates[key] = float(value)
    return rates


def service_demand(res: PathwayResult, base: PathwayResult | None = None, *, rates: dict[str, float] | None = None,
                   lang: str = "zh") -> pd.DataFrame:
    """Expected demand from the newly settled and new permit holders (one row per group and a total).

    With ``base`` (the old rules), "newly settled" means qualifying now and not under ``base``.
    """
    pop = res.population
    missing = [c for c in NEEDS if c not in pop.columns]
    if missing:
        raise PopulationError(f"public-service demand needs column(s) {', '.join(missing)}, which the population "
                              "lacks; add the pathway attributes (--fill-pathways)")
    if res.permit is None:
        raise PopulationError(f"{res.rules.path}: public-service demand needs the rule set's permit: rule")
    r = service_rates(rates)
    qualifies = res.any if base is None else res.any & ~base.any
    w_settle = qualifies * r["service_settle_takeup"]
    holder = pop["has_residence_permit"].fillna(False).to_numpy(dtype=bool)
    w_permit = (res.permit.eligible & ~holder) * (1.0 - w_settle) * r["service_permit_takeup"]
    c611 = pop["children_6_11"].to_numpy(dtype=np.float64)
    c1214 = pop["children_12_14"].to_numpy(dtype=np.float64)
    no_home = pop["housing"].astype(object).isin(["rented", "employer", "none"]).to_numpy(dtype=bool)
    rows = []
    for key, w, housing_rate in (("newly_settled", w_settle, r["service_housing_takeup_settled"]),
                                 ("new_permit_holders", w_permit, r["service_housing_takeup_permit"])):
        rows.append({"group": key, "people": float(w.sum()), "children_6_11": float(w @ c611),
                     "children_12_14": float(w @ c1214),
                     "primary_places": float(w @ c611) * r["service_school_takeup"],
                     "junior_places": float(w @ c1214) * r["service_school_takeup"],
                     "housing_applications": float(w[no_home].sum()) * housing_rate})
    table = pd.DataFrame(rows)
    total = table.drop(columns="group").sum()
    table = pd.concat([table, pd.DataFrame([{"group": "total", **total.to_dict()}])], ignore_index=True)
    i = 0 if lang == "zh" else 1
    table.insert(1, "label", table["group"].map(lambda g: LABELS[g][i]))
    return table


ASSUMPTION_TEXT: dict[str, tuple[str, str]] = {
    "service_settle_takeup": ("符合落户条件者实际落户的比例（1＝全部落户，需求上限）",
                              "share of qualifiers who settle (1 = all: an upper bound)"),
    "service_permit_takeup": ("符合居住证条件、尚未持证者当年申领的比例",
                              "share of eligible non-holders who apply for a permit"),
    "service_school_takeup": ("学龄子女新占用公办义务教育学位的比例",
                              "share of school-age children taking a new public place"),
    "service_housing_takeup_settled": ("新落户者中租房、住宿舍或无住所者申请住房保障的比例",
                                       "share of newly settled renters (or people without a home) applying "
                                       "for housing security"),
    "service_housing_takeup_permit": ("新领居住证者中租房、住宿舍或无住所者申请住房保障的比例",
                                      "the same for new permit holders"),
    "children_6_11_per_person": ("每人随迁6-11周岁子女数（均值）", "children aged 6-11 per person (mean)"),
    "children_12_14_per_person": ("每人随迁12-14周岁子女数（均值）", "children aged 12-14 per person (mean)"),
}


def service_assumptions(rates: dict[str, float] | None = None, lang: str = "en") -> list[dict[str, Any]]:
    """The rates in force and the children-per-person means, each labelled as an assumption (in ``lang``)."""
    table = pd.read_csv(DATA_DIR / "synth_pathway_parameters.csv", dtype=str).set_index("name")
    used = service_rates(rates)
    names = [*RATES, *(n for n in table.index if n.startswith(("children_6_11", "children_12_14")))]
    i = 0 if lang == "zh" else 1
    status = ("假设（示意）", "assumption (illustrative)")[i]
    out = []
    for n in names:
        key = n if n in ASSUMPTION_TEXT else n.rsplit("_", 2)[0]
        band = "" if n in ASSUMPTION_TEXT else n.rsplit("_", 2)[1] + "-" + n.rsplit("_", 2)[2]
        text = ASSUMPTION_TEXT[key][i] + (f"：{band}岁" if band and i == 0 else f", age {band}" if band else "")
        out.append({"name": n, "value": used.get(n, float(table.loc[n, "value"])), "status": status, "meaning": text})
    return out
