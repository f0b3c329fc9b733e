"""Synthetic pathway attributes: the extra columns the settlement pathways read
(``scoring/population/pathway_columns.yaml``).

:func:`add_pathway_attributes` adds, to any population with at least an ``age`` column, the type of area lived in,
months resident, schooling, skill certificates, one hukou-holding relative (the sponsor) per person, the YRD city
where years elsewhere in the YRD were paid (and the residence years there) and children of compulsory-school age.
The area split follows the census district shares already in the population (calibrated by
``scoring.population.synthetic``);
every other distribution is an ASSUMPTION from ``data/synth_pathway_parameters.csv`` (documented in
``docs/pathways.md`` and ``data/SOURCES.md``). Vectorised; the same seed and population give the same columns.
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np
import pandas as pd

from scoring.errors import PopulationError
from scoring.population.area import READINGS, in_city_districts
from scoring.population.pathway_spec import (  # noqa: F401  (re-exported: the spec lives in pathway_spec)
    COLUMNS_PATH,
    DATA_DIR,
    categories,
    load_parameters,
    pathway_columns,
)

F32 = np.float32


def _rng(seed: int, name: str) -> np.random.Generator:
    """An independent generator per attribute (adding an attribute never changes the others)."""
    return np.random.default_rng([int(seed) & 0xFFFFFFFF, zlib.crc32(("pathways:" + name).encode())])


def _col(pop: pd.DataFrame, name: str, default: Any) -> np.ndarray:
    """A column as a numpy array, or ``default`` broadcast when the population lacks it."""
    if name in pop.columns:
        return pop[name].to_numpy()
    return np.full(len(pop), default)


def _text(pop: pd.DataFrame, name: str, default: str) -> np.ndarray:
    """A category/text column as an object array of codes (missing -> ``default``)."""
    if name not in pop.columns:
        return np.full(len(pop), default, dtype=object)
    return pop[name].astype(object).where(pop[name].notna(), default).to_numpy()


def _urban_area(pop: pd.DataFrame, p: dict[str, str], seed: int, reading: str | None = None) -> pd.Categorical:
    """Hangzhou city district (杭州市城区, :mod:`scoring.population.area` under ``reading``, by default the parameter
    file's ``city_districts_reading``), other urban area or rural."""
    n = len(pop)
    cats = categories("urban_area")
    city = in_city_districts(_text(pop, "district", ""), reading or p["city_districts_reading"])
    has_district = "district" in pop.columns
    u = _rng(seed, "urban_area").random(n, dtype=F32)
    if has_district:
        known = pop["district"].notna().to_numpy()
        p_other = np.where(known, F32(p["other_urban_share_outside_city_districts"]), F32(0))
        area = np.where(city, 0, np.where(u < p_other, 1, 2))
        area = np.where(known, area, np.where(u < F32(p["other_urban_share_unknown_district"]), 1, 0))
    else:
        area = np.where(u < F32(p["other_urban_share_unknown_district"]), 1, 0)
    return pd.Categorical.from_codes(area.astype(np.int8), categories=list(cats))


def _months_resident(pop: pd.DataFrame) -> np.ndarray:
    """Whole months in the city: residence years here plus in other districts (floored; 0.5 years = 6 months)."""
    years = np.nan_to_num(np.asarray(_col(pop, "residence_years", 0.0), dtype=np.float64))
    years = years + np.nan_to_num(np.asarray(_col(pop, "residence_years_other_districts", 0.0), dtype=np.float64))
    return np.clip(np.floor(years * 12 + 1e-6), 0, 1320).astype(np.uint16)


def _sponsor(pop: pd.DataFrame, p: dict[str, str], seed: int) -> dict[str, Any]:
    """One hukou-holding relative per person: relation (joins_as), home, household head, intra-city move."""
    n = len(pop)
    age = np.asarray(_col(pop, "age", 30), dtype=F32)
    married = _text(pop, "marital_status", "single") == "married"
    within = _text(pop, "origin_province", "") == "zhejiang"
    f = lambda name: F32(p[name])  # noqa: E731
    z = np.zeros(n, dtype=F32)
    probs = {  # columns in the order of categories("joins_as") after "none"
        "spouse": np.where(married, f("joins_spouse_married"), z),
        "parent": np.where(age >= 55, f("joins_parent_55_plus"), np.where(age >= 45, f("joins_parent_45_54"), z)),
        "child": np.where(age < 30, f("joins_child_under_30"), np.where(age < 40, f("joins_child_30_39"), z)),
        "grandparent": np.where(age >= 60, f("joins_grandparent_60_plus"), z),
        "grandchild": np.where(age < 30, f("joins_grandchild_under_30"), z),
        "spouse_parent": np.where(age >= 50, f("joins_spouse_parent_50_plus"), z),
        "child_spouse": np.where(married & (age >= 22) & (age < 45), f("joins_child_spouse_married_22_44"), z),
        "sibling": np.full(n, f("joins_sibling")),
        "spouse_child": np.where(age < 30, f("joins_spouse_child_under_30"), z),
        "spouse_grandparent": np.where(age >= 60, f("joins_spouse_grandparent_60_plus"), z),
        "spouse_grandchild": np.where(age < 30, f("joins_spouse_grandchild_under_30"), z),
    }
    cats = categories("joins_as")
    mat = np.stack([probs[c] for c in cats[1:]], axis=1)
    mat *= np.where(within, f("within_province_relative_factor"), F32(1))[:, None]
    total = mat.sum(axis=1)
    mat /= np.maximum(total, F32(1))[:, None]  # never more than certainty
    cum = np.cumsum(mat, axis=1)
    r = _rng(seed, "sponsor")
    u = r.random(n, dtype=F32)
    code = (u[:, None] >= cum).sum(axis=1)  # 0..k-1 = a relation, k = none
    k = len(cats) - 1
    joins = np.where(code >= k, 0, code + 1).astype(np.int8)
    has = joins > 0
    home = has & (r.random(n, dtype=F32) < f("sponsor_has_home"))
    p_head = np.where(home, f("sponsor_head_if_home"), f("sponsor_head_if_no_home"))
    head = has & (r.random(n, dtype=F32) < p_head)
    intra = within & (r.random(n, dtype=F32) < f("same_city_share_within_province"))
    return {
        "joins_as": pd.Categorical.from_codes(joins, categories=list(cats)),
        "sponsor_has_home": home,
        "sponsor_is_household_head": head,
        "intra_city_move": intra,
    }


def _yrd_city(pop: pd.DataFrame, p: dict[str, str], seed: int) -> dict[str, Any]:
    """Where the YRD insurance years were paid (one city; ``none`` without such years) and the residence years there.

    From a YRD province: a city of that province (Zhejiang: not Hangzhou); from elsewhere: a province by the
    assumed shares. Within a province, a cluster city (2016 plan) with the assumed share, then equal weights.
    """
    from scoring.recognition import yrd_cities

    n = len(pop)
    table = yrd_cities()
    table = table[table["city"] != "hangzhou"].reset_index(drop=True)
    codes = ["none", *table["city"]]
    yrd = np.nan_to_num(np.asarray(_col(pop, "insurance_years_yrd", 0.0), dtype=np.float32))
    has = yrd > 0
    origin = _text(pop, "origin_province", "")
    provinces = ["shanghai", "jiangsu", "zhejiang", "anhui"]
    r = _rng(seed, "yrd_city")
    shares = np.array([F32(p[f"yrd_province_{q}"]) for q in provinces], dtype=F32)
    drawn = np.searchsorted(np.cumsum(shares / shares.sum()), r.random(n, dtype=F32), side="right")
    prov = np.where(np.isin(origin, provinces), origin, np.array(provinces, dtype=object)[np.minimum(drawn, 3)])
    u_in, u_city = r.random(n, dtype=F32), r.random(n, dtype=F32)
    city = np.zeros(n, dtype=np.int16)
    for q in provinces:  # four provinces: a loop over groups, not people
        rows = table.index[table["province"] == q].to_numpy()
        inside = rows[table.loc[rows, "cluster_2016"].to_numpy() == 1]
        outside = rows[table.loc[rows, "cluster_2016"].to_numpy() == 0]
        share_in = F32(1) if len(outside) == 0 else F32(p[f"yrd_in_cluster_{q}"])
        pick_in = (u_in < share_in) | (len(outside) == 0)
        pool_in = inside[np.minimum((u_city * len(inside)).astype(np.int64), len(inside) - 1)] + 1
        pool_out = (outside[np.minimum((u_city * max(len(outside), 1)).astype(np.int64), max(len(outside) - 1, 0))]
                    + 1) if len(outside) else pool_in
        mine = has & (prov == q)
        city[mine] = np.where(pick_in, pool_in, pool_out)[mine]
    age = np.asarray(_col(pop, "age", 30), dtype=np.float32)
    lived = np.nan_to_num(np.asarray(_col(pop, "residence_years", 0.0), dtype=np.float32)) + np.nan_to_num(
        np.asarray(_col(pop, "residence_years_other_districts", 0.0), dtype=np.float32))
    res_yrd = np.where(has, np.minimum(yrd, np.maximum(age - lived, 0)), 0).astype(np.float32)
    return {"yrd_city": pd.Categorical.from_codes(city, categories=codes), "residence_years_yrd": res_yrd}


def expected_children(age: np.ndarray, p: dict[str, str] | None = None) -> dict[str, np.ndarray]:
    """Expected children aged 6-11 and 12-14 per person from the person's age (the assumed means by age band)."""
    p = load_parameters() if p is None else p
    age = np.asarray(age, dtype=F32)
    bands = [(age >= 25) & (age < 35), (age >= 35) & (age < 45), (age >= 45) & (age < 55)]
    return {col: np.select(bands, [F32(p[f"{col}_per_person_25_34"]), F32(p[f"{col}_per_person_35_44"]),
                                   F32(p[f"{col}_per_person_45_54"])], F32(0))
            for col in ("children_6_11", "children_12_14")}


def _children(pop: pd.DataFrame, p: dict[str, str], seed: int) -> dict[str, np.ndarray]:
    """Children of compulsory-school age living with the person (Poisson around the assumed means by age band)."""
    r = _rng(seed, "children")
    means = expected_children(_col(pop, "age", 30), p)
    return {col: np.minimum(r.poisson(mean), 10).astype(np.uint8) for col, mean in means.items()}


def add_pathway_attributes(pop: pd.DataFrame, seed: int = 0, *, overwrite: bool = False,
                           area_reading: str | None = None) -> pd.DataFrame:
    """Return ``pop`` with the pathway columns of ``pathway_columns.yaml`` added (a new frame).

    Columns the population already has are kept unless ``overwrite``. Uses age (required), sex, education,
    employed, marital_status, district, origin_province and residence years when present (documented defaults
    otherwise). All distributions except the district split are labelled assumptions. ``area_reading``: the
    reading of 杭州市城区 (:data:`scoring.population.area.READINGS`; default the parameter file's).
    """
    if area_reading is not None and area_reading not in READINGS:
        raise PopulationError(f"area reading: value {area_reading!r}; choose one of {', '.join(READINGS)}")
    if "age" not in pop.columns:
        raise PopulationError("pathway attributes need column 'age', which the population lacks")
    p = load_parameters()
    n = len(pop)
    age = np.asarray(pop["age"], dtype=F32)
    employed = np.asarray(_col(pop, "employed", False), dtype=bool)
    edu = _text(pop, "education", "none")
    post_secondary = np.isin(edu, ["senior_secondary", "vocational", "associate", "bachelor", "master", "doctor"])

    r = _rng(seed, "in_school")
    p_school = np.where(
        employed, np.where(age < 30, F32(p["in_school_employed_under_30"]), F32(0)),
        np.where((age >= 16) & (age <= 18), F32(p["in_school_16_18_not_employed"]),
                 np.where((age >= 19) & (age <= 24) & post_secondary, F32(p["in_school_19_24_not_employed"]),
                          F32(0))))
    in_school = r.random(n, dtype=F32) < p_school

    mid = np.isin(edu, ["vocational", "senior_secondary", "associate"])
    p_cert = np.where(employed, np.where(mid, F32(p["skill_cert_mid_employed"]), F32(p["skill_cert_other_employed"])),
                      F32(p["skill_cert_not_employed"]))
    cert = _rng(seed, "skill_certificate").random(n, dtype=F32) < p_cert

    new: dict[str, Any] = {
        "urban_area": _urban_area(pop, p, seed, area_reading),
        "months_resident": _months_resident(pop),
        "in_school": in_school,
        "has_skill_certificate": cert,
        **_sponsor(pop, p, seed),
        **_yrd_city(pop, p, seed),
        **_children(pop, p, seed),
    }
    out = pop.copy(deep=False)
    for name, values in new.items():
        if overwrite or name not in out.columns:
            out[name] = pd.Series(values, index=out.index) if not isinstance(values, pd.Series) else values.values
    return out
