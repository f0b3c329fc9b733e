"""Synthetic Hangzhou: non-hukou residents aged 16-70 with every canonical population column.

Calibrated where published figures exist (sex, education, districts, migrant origin within/outside the province:
tables under ``data/``), built on stated assumptions elsewhere (``data/synth_*.csv``; see
``docs/synthetic_population.md``). Columns are coherent: nobody is insured before 16, insurance years <= age - 16
(local plus YRD), residence years <= age, permit years within residence years, no permit => 0 permit years, owned
plus rented home years <= residence years. Fully vectorised; the same seed gives the same population.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from scoring.population.load import person_ids
from scoring.population.schema import load_schema

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
Progress = Callable[[str], None]
F32 = np.float32


@dataclass(frozen=True)
class Calibration:
    """Calibration targets and assumptions read from ``data/``."""

    age_bands: pd.DataFrame          # age_min, age_max, weight
    education: dict[str, float]      # canonical education -> target share among adults
    districts: dict[str, float]      # district -> share
    origins: dict[str, float]        # origin province -> share
    params: dict[str, str]

    def p(self, name: str) -> float:
        """A numeric parameter from synth_parameters.csv."""
        return float(self.params[name])


@lru_cache(maxsize=2)
def load_calibration(data_dir: str | None = None) -> Calibration:
    """Read the calibration and assumption tables (cached)."""
    d = Path(data_dir) if data_dir else DATA_DIR
    params = dict(pd.read_csv(d / "synth_parameters.csv", dtype=str)[["name", "value"]].itertuples(index=False))
    ages = pd.read_csv(d / "synth_age_profile.csv")[["age_min", "age_max", "weight"]]
    pop = dict(pd.read_csv(d / "hz_census2020_population.csv")[["item", "value"]].itertuples(index=False))
    edu = pd.read_csv(d / "hz_census2020_education.csv").set_index("census_level")["per_100k_residents"].astype(float)
    children = float(pop["age_0_14"]) / float(pop["resident_population"]) * 100_000
    # Move children out of the per-100k table: the census counts everyone, the synthetic population is adults.
    adult = edu.copy()
    adult["below_primary"] -= children * float(params["child_share_age_0_5"])
    adult["primary"] -= children * float(params["child_share_age_6_11"])
    adult["junior_high"] -= children * float(params["child_share_age_12_14"])
    adult /= adult.sum()
    split = pd.read_csv(d / "synth_education_split.csv")
    shares: dict[str, float] = {}
    for row in split.itertuples(index=False):
        shares[row.education] = shares.get(row.education, 0.0) + float(adult[row.census_level]) * row.share_within_level
    order = load_schema().column("education").categories
    education = {c: shares.get(c, 0.0) for c in order}
    dist = pd.read_csv(d / "hz_census2020_districts.csv")
    districts = dict(zip(dist["district"], dist["residents_2020"] / dist["residents_2020"].sum(), strict=True))
    org = pd.read_csv(d / "synth_origin_shares.csv")
    within = float(params["within_province_share"])
    inter = org["share_of_inter_provincial"] / org["share_of_inter_provincial"].sum() * (1 - within)
    origins = {"zhejiang": within, **dict(zip(org["origin_province"], inter, strict=True))}
    return Calibration(age_bands=ages, education=education, districts=districts, origins=origins, params=params)


def _rng(seed: int, name: str) -> np.random.Generator:
    """An independent generator per variable, so adding a column never changes the others."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(zlib.crc32(name.encode()),)))


def _choice(rng: np.random.Generator, n: int, probs: np.ndarray) -> np.ndarray:
    """Vectorised categorical draw: codes 0..k-1 with probabilities ``probs``."""
    cum = np.cumsum(np.asarray(probs, dtype=np.float64))
    cum /= cum[-1]
    codes = np.searchsorted(cum.astype(F32), rng.random(n, dtype=F32), side="right")
    return np.minimum(codes, len(probs) - 1)


def _months(x: np.ndarray) -> np.ndarray:
    """Floor years to whole months, as float32."""
    return (np.floor(np.asarray(x, dtype=F32) * F32(12) + F32(1e-4)) / F32(12)).astype(F32)


# ASSUMPTION: the real people a synthetic sample stands for, Hangzhou's non-hukou residents (11.94 M residents in the
# 2020 census less about 7.95 M registered); the same figure as the scenarios' ``represents: 4000000`` and the
# dashboard's one scale (tests/test_cli_units.py keeps the three equal). A sample of n stands for REPRESENTS / n each.
REPRESENTS = 4_000_000


def _cat(codes: np.ndarray, categories: tuple[str, ...] | list[str]) -> pd.Categorical:
    return pd.Categorical.from_codes(codes.astype(np.int8), categories=list(categories))


def synth(n: int, seed: int = 0, *, progress: Progress | None = None) -> pd.DataFrame:
    """A synthetic population of ``n`` non-hukou residents of Hangzhou (deterministic for a seed).

    Columns: every canonical column plus owned_home_years, rented_home_years, has_honour, detentions,
    tax_years_high, innovation_points and outside_core_years, in compact dtypes (about 60 bytes per person).
    """
    if int(n) < 0:
        raise ValueError("n must be >= 0")
    n = int(n)
    cal = load_calibration()
    schema = load_schema()
    step = progress or (lambda _msg: None)
    work_age = F32(schema.working_age)

    # Age: band by the assumed profile, uniform within the band.
    step("age and sex")
    r = _rng(seed, "age")
    bands = cal.age_bands
    b = _choice(r, n, bands["weight"].to_numpy())
    lo = bands["age_min"].to_numpy(np.int16)[b]
    width = (bands["age_max"].to_numpy(np.int16) - bands["age_min"].to_numpy(np.int16) + 1)[b]
    age = (lo + np.floor(r.random(n, dtype=F32) * width).astype(np.int16)).astype(np.uint8)
    agef = age.astype(F32)
    male = _rng(seed, "sex").random(n, dtype=F32) < F32(cal.p("male_share"))

    # Education: a latent index falling with age; cut at the quantiles that give the calibrated shares exactly.
    step("education")
    r = _rng(seed, "education")
    latent = r.standard_normal(n, dtype=F32) - F32(cal.p("education_age_slope")) * (agef - F32(35)) / F32(10)
    edu_order = schema.column("education").categories
    target = np.array([cal.education[c] for c in edu_order])
    cuts = np.quantile(latent, np.cumsum(target)[:-1]) if n else np.array([])
    edu = np.searchsorted(np.asarray(cuts, dtype=F32), latent, side="right").astype(np.int8)
    rank = {c: i for i, c in enumerate(edu_order)}
    degree = edu >= rank["bachelor"]
    college = edu >= rank["associate"]
    low_edu = edu <= rank["vocational"]

    # District and origin.
    step("district and origin")
    dist_codes = schema.column("district").categories
    district = _choice(_rng(seed, "district"), n, np.array([cal.districts.get(c, 0.0) for c in dist_codes]))
    org_codes = schema.column("origin_province").categories
    origin = _choice(_rng(seed, "origin"), n, np.array([cal.origins.get(c, 0.0) for c in org_codes]))
    yrd_origin = np.isin(origin, [org_codes.index(p) for p in ("anhui", "jiangsu", "zhejiang", "shanghai")])

    # Years in the city: adult arrivals (capped at age - 16) and a few who came as children (capped at age).
    step("residence")
    r = _rng(seed, "residence")
    child = r.random(n, dtype=F32) < F32(cal.p("arrived_as_child_share"))
    cap = np.where(child, agef, np.maximum(agef - work_age, F32(0)))
    mean_span = F32(cal.p("years_in_city_mean_at_16")) + F32(cal.p("years_in_city_mean_per_year_of_age")) * (
        agef - work_age)
    span = r.standard_exponential(n, dtype=F32) * mean_span
    span = np.where(child, cap * (F32(0.3) + F32(0.7) * r.random(n, dtype=F32)), span)
    city_years = _months(np.minimum(span, cap))
    moved = r.random(n, dtype=F32) < F32(cal.p("other_districts_share"))
    other = _months(np.where(moved, city_years * (F32(0.1) + F32(0.5) * r.random(n, dtype=F32)), F32(0)))
    residence = (city_years - other).astype(F32)

    # Employment, insurance (local years within time in the city and working life), YRD years, pension transfer.
    step("employment and insurance")
    r = _rng(seed, "employment")
    p_emp = np.where(age < 20, F32(cal.p("employed_share_16_19")),
                     np.where(age < 60, F32(cal.p("employed_share_20_59")), F32(cal.p("employed_share_60_plus"))))
    employed = r.random(n, dtype=F32) < p_emp
    r = _rng(seed, "insurance")
    mean_frac = np.where(employed, F32(cal.p("insured_fraction_employed")),
                         F32(cal.p("insured_fraction_not_employed")))
    # u**k has mean 1/(k+1): choose k per person for the wanted mean share.
    k = (F32(1) / mean_frac - F32(1)).astype(F32)
    frac = r.random(n, dtype=F32) ** k
    work_life = np.maximum(agef - work_age, F32(0))
    insurance = _months(np.minimum(city_years * frac, work_life))
    r = _rng(seed, "yrd")
    p_yrd = np.where(yrd_origin, F32(cal.p("yrd_prior_share_yrd_origin")), F32(cal.p("yrd_prior_share_other")))
    has_yrd = r.random(n, dtype=F32) < p_yrd
    room = np.maximum(work_life - insurance, F32(0))
    yrd = _months(np.where(has_yrd, room * F32(0.6) * r.random(n, dtype=F32), F32(0)))
    pension = (yrd > 0) & (r.random(n, dtype=F32) < F32(cal.p("pension_transferred_share")))

    # Housing: ownership grows with years in the city and education; dormitories for the less educated employed.
    step("housing")
    r = _rng(seed, "housing")
    p_own = np.clip(F32(0.02) + F32(0.012) * city_years + F32(0.08) * degree, 0, 0.6).astype(F32)
    p_emp_home = np.where(employed, np.where(low_edu, F32(0.28), F32(0.12)), F32(0.02))
    p_none = F32(cal.p("housing_none_share"))
    u = r.random(n, dtype=F32)
    housing_codes = schema.column("housing").categories
    h_own, h_rent, h_emp, h_none = (housing_codes.index(c) for c in ("owned", "rented", "employer", "none"))
    housing = np.full(n, h_rent, dtype=np.int8)
    housing[u < p_own] = h_own
    housing[(u >= p_own) & (u < p_own + p_emp_home)] = h_emp
    housing[(u >= p_own + p_emp_home) & (u < p_own + p_emp_home + p_none)] = h_none
    own_frac = F32(0.1) + F32(0.9) * r.random(n, dtype=F32)
    owned_years = _months(np.where(housing == h_own, residence * own_frac, F32(0)))
    rent_frac = F32(0.5) + F32(0.5) * r.random(n, dtype=F32)
    rented_years = _months(np.where(housing == h_none, F32(0.5), F32(1)) * (residence - owned_years) * rent_frac)

    # Residence permit: >= half a year and a job or a home; permits counted from 2016.
    step("residence permit")
    r = _rng(seed, "permit")
    eligible = (city_years >= F32(0.5)) & (employed | (housing != h_none))
    permit = eligible & (r.random(n, dtype=F32) < F32(cal.p("permit_take_up")))
    permit_span = np.minimum(residence - F32(0.5), F32(cal.p("permit_max_years")))
    permit_years = _months(np.where(permit, np.maximum(permit_span, F32(0)) * np.sqrt(r.random(n, dtype=F32)),
                                    F32(0)))

    # Marital status by age.
    step("marital status")
    r = _rng(seed, "marital")
    p_single = F32(1) / (F32(1) + np.exp((agef - F32(28)) / F32(2.5)))
    p_widowed = np.clip((agef - F32(50)) * F32(0.004), 0, 0.12).astype(F32)
    p_divorced = np.where(agef >= 28, F32(0.05), F32(0.005))
    u = r.random(n, dtype=F32)
    marital_codes = schema.column("marital_status").categories
    m_single, m_married, m_div, m_wid = (marital_codes.index(c) for c in ("single", "married", "divorced", "widowed"))
    marital = np.full(n, m_married, dtype=np.int8)
    marital[u < p_single] = m_single
    rest = (u >= p_single)
    v = (u - p_single) / np.maximum(F32(1) - p_single, F32(1e-6))
    marital[rest & (v < p_widowed)] = m_wid
    marital[rest & (v >= p_widowed) & (v < p_widowed + p_divorced)] = m_div

    # Rare extras used by the shipped schemes.
    step("scheme extras")
    r = _rng(seed, "extras")
    honour = r.random(n, dtype=F32) < np.where(degree, F32(2 * cal.p("honour_share")), F32(cal.p("honour_share")) / 2)
    u = r.random(n, dtype=F32)
    det_p = F32(cal.p("detention_share"))
    detentions = ((u < det_p).astype(np.uint8) + (u < det_p / 10).astype(np.uint8)).astype(np.uint8)
    p_tax = np.where(edu >= rank["master"], F32(0.15), np.where(degree, F32(0.04), F32(0.005))) * employed
    tax = np.where(r.random(n, dtype=F32) < p_tax, 1 + np.floor(r.random(n, dtype=F32) * 3), 0).astype(np.uint8)
    innov_vals = np.array([2, 4, 6, 8, 12], dtype=np.uint8)
    has_innov = degree & (r.random(n, dtype=F32) < F32(0.015))
    innovation = np.where(has_innov, innov_vals[_choice(r, n, np.array([0.4, 0.25, 0.15, 0.1, 0.1]))],
                          0).astype(np.uint8)
    core = np.isin(district, [dist_codes.index(c) for c in cal.params["core_districts"].split(";")])
    outside = np.where(core, F32(0), np.minimum(residence, F32(cal.p("outside_core_max_years")))).astype(F32)
    _ = college  # kept for readability of the education block

    step("assemble")
    frame = pd.DataFrame({
        "person_id": person_ids(np.arange(n)),
        "age": age,
        "sex": _cat(np.where(male, 0, 1), schema.column("sex").categories),
        "education": _cat(edu, edu_order),
        "residence_years": residence,
        "residence_years_other_districts": other,
        "insurance_years": insurance,
        "insurance_years_yrd": yrd,
        "pension_transferred": pension,
        "has_residence_permit": permit,
        "permit_years": permit_years,
        "housing": _cat(housing, housing_codes),
        "employed": employed,
        "district": _cat(district, dist_codes),
        "origin_province": _cat(origin, org_codes),
        "marital_status": _cat(marital, marital_codes),
        "owned_home_years": owned_years,
        "rented_home_years": rented_years,
        "has_honour": honour,
        "detentions": detentions,
        "tax_years_high": tax,
        "innovation_points": innovation,
        "outside_core_years": outside,
    })
    return frame


def calibration_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Synthetic vs published shares (sex, education, district, origin) for the documentation and benchmarks."""
    cal = load_calibration()
    n = max(len(frame), 1)
    rows: list[dict[str, object]] = []

    def add(dim: str, cat: str, synthetic: float, published: float | None, status: str) -> None:
        rows.append({"dimension": dim, "category": cat, "synthetic": synthetic, "target": published,
                     "status": status})

    add("sex", "male", float((frame["sex"] == "M").sum()) / n, cal.p("male_share"), "calibrated (census)")
    for c, share in cal.education.items():
        add("education", c, float((frame["education"] == c).sum()) / n, share,
            "calibrated (census levels; split within levels assumed)")
    for c, share in cal.districts.items():
        add("district", c, float((frame["district"] == c).sum()) / n, share, "calibrated (census residents)")
    within = cal.p("within_province_share")
    add("origin", "zhejiang (within province)", float((frame["origin_province"] == "zhejiang").sum()) / n, within,
        "calibrated (Zhejiang census)")
    add("origin", "other provinces", float((frame["origin_province"] != "zhejiang").sum()) / n, 1 - within,
        "calibrated (Zhejiang census)")
    for lo, hi in ((16, 29), (30, 44), (45, 59), (60, 70)):
        sel = cal.age_bands[(cal.age_bands.age_min >= lo) & (cal.age_bands.age_max <= hi)]["weight"].sum()
        add("age", f"{lo}-{hi}", float(((frame["age"] >= lo) & (frame["age"] <= hi)).sum()) / n,
            float(sel / cal.age_bands["weight"].sum()), "assumption (migrant profile)")
    return pd.DataFrame(rows)
