"""Every shipped scheme on random populations: the engine equals the row-by-row reference, cent for cent."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from popgen import make_population
from popgen_crs import make_crs_population, population_for
from reference import ref_admit, ref_design_share, ref_realised_share, ref_score

from scoring import admit, dominance, load_scheme, score
from scoring.scheme.load import AdmissionRule, Scheme

SCHEMES = sorted(Path("scenarios/schemes").glob("*.yaml"))


def _population(n: int, seed: int, holes: bool) -> pd.DataFrame:
    pop = make_population(n, seed)
    if holes:
        rng = np.random.default_rng(seed)
        for col in ("age", "insurance_years", "education", "has_residence_permit", "owned_home_years"):
            pop[col] = pop[col].astype("float64") if pop[col].dtype.kind in "biuf" else pop[col].astype(object)
            pop.loc[rng.uniform(0, 1, n) < 0.03, col] = None
    return pop


def _compare(pop: pd.DataFrame, scheme: Scheme) -> None:
    res = score(pop, scheme, on_invalid="reject")
    ref = ref_score(pop, scheme)
    assert list(res.rejected[["row", "column"]].itertuples(index=False, name=None)) == ref.rejected
    assert res.scored + res.rows_rejected == len(pop) == res.rows_in  # every row accounted for
    assert list(res.index) == list(pop.index[ref.positions])
    for item in scheme.items:
        assert res.item_cents[item.id].tolist() == ref.items[item.id], item.id
    assert res.total_cents.tolist() == ref.total
    assert res.eligible_mask.tolist() == ref.eligible
    assert [str(r) for r in res.reason.tolist()] == ref.reason


@pytest.mark.parametrize("path", SCHEMES, ids=lambda p: p.stem)
@pytest.mark.parametrize("holes", [False, True])
def test_shipped_scheme_equals_reference(path: Path, holes: bool) -> None:
    scheme = load_scheme(path)
    crs = scheme.id.startswith("canada-crs")
    _compare(make_crs_population(1500, 11, holes) if crs else _population(1500, 11, holes), scheme)


@pytest.mark.parametrize("path", SCHEMES, ids=lambda p: p.stem)
def test_admission_and_dominance_of_shipped_scheme_equal_reference(path: Path) -> None:
    scheme = load_scheme(path)
    pop = population_for(scheme.id, 3000, 5)
    pop = make_population(3000, 5) if pop is None else pop
    res = score(pop, scheme)
    ref = ref_score(pop, scheme)
    rule = scheme.admission or AdmissionRule(quota=40)  # CRS: rounds set their own cut-off; test with a quota
    quota = rule.quota if rule.mode in ("quota", "both") else None
    threshold = rule.threshold if rule.mode in ("threshold", "both") else None
    if quota is not None:
        quota = 40  # a quota that bites in a small population
    adm = admit(res, quota=quota, threshold=threshold)
    tie_cols = [k.column for k in rule.ties if k.column] if isinstance(rule.ties, list) else []
    expect = ref_admit(ref.total, ref.eligible, list(pop.index), quota,
                       None if threshold is None else round(threshold * 100), rule.ties,
                       {c: pop[c].astype(float).tolist() for c in tie_cols})
    assert set(np.flatnonzero(adm.admitted_mask).tolist()) == expect.admitted
    assert (adm.cutoff_cents, adm.tied_at_cutoff, adm.decided_by_tiebreak) == (
        expect.cutoff, expect.tied_at_cutoff, expect.decided_by_tiebreak)
    report = dominance(res, scheme, admitted=adm)
    groups = scheme.dominance.groups
    assert report.design == pytest.approx(ref_design_share(scheme, ref.items, groups), abs=1e-12)
    assert report.realised_eligible == pytest.approx(ref_realised_share(scheme, ref.items, ref.eligible, groups))
    admitted = [p in expect.admitted for p in range(len(ref.total))]
    assert report.realised_admitted == pytest.approx(ref_realised_share(scheme, ref.items, admitted, groups))


def test_string_index_reports_positions() -> None:
    scheme = load_scheme("scenarios/schemes/beijing-2020.yaml")
    pop = _population(200, 3, holes=True)
    pop.index = [f"p{i}" for i in range(len(pop))]
    _compare(pop, scheme)
