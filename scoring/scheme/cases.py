"""Person cases as data: hand-worked people with the points a scheme must give them (docs/schemes.md, "Cases").

A case file (``scenarios/cases/<scheme file name>.yaml``) names the scheme by id, gives ``defaults`` (the inputs
every case starts from) and a list of ``cases``, each with ``inputs``, the expected points of every item that
scores (``expect``; an item not listed must score 0), the ``total`` and, when a gate fails, ``eligible: false``
with the failing gate's id as ``reason``. :func:`load_cases` checks the file (a mistake raises
:class:`~scoring.errors.ScoringInputError` with one line); :func:`run_cases` scores all cases at once on each engine
and lists every difference.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from scoring.errors import ScoringInputError
from scoring.scheme.load import Scheme
from scoring.yaml_files import read_yaml_mapping

MAX_CASES = 10_000  # a case file is hand-written; more is a mistake, not a case file
CASE_KEYS = {"name", "inputs", "expect", "total", "eligible", "reason", "note"}


@dataclass(frozen=True)
class Case:
    """One hand-worked person: the full inputs, the expected cents per item, the total, eligibility and reason."""

    name: str
    inputs: dict[str, Any]
    expect_cents: dict[str, int]
    total_cents: int
    eligible: bool
    reason: str


@dataclass(frozen=True)
class CaseFile:
    """The cases of one scheme, read from ``path``."""

    path: Path
    scheme_id: str
    cases: list[Case]


@dataclass
class CaseReport:
    """What running the cases found: the engines used and, per failing case and engine, its differences."""

    scheme_id: str
    n_cases: int
    engines: list[str]
    failures: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every case matched on every engine."""
        return not self.failures

    def lines(self, lang: str = "en") -> list[str]:
        """A readable report in ``lang`` (zh or en): one line when all pass, else each failing case with its expected
        and actual values."""
        zh = lang == "zh"
        engines = ("、" if zh else ", ").join(self.engines)
        if self.ok:
            return [f"{self.scheme_id}：{self.n_cases} 个案例全部通过（{engines}）" if zh else
                    f"{self.scheme_id}: all {self.n_cases} cases pass ({engines})"]
        out = [f"{self.scheme_id}：{self.n_cases} 个案例中 {len(self.failures)} 处不符（{engines}）" if zh else
               f"{self.scheme_id}: {len(self.failures)} failure(s) in {self.n_cases} cases ({engines})"]
        for fail in self.failures:
            out.append(f"{'不符' if zh else 'FAIL'} {fail['case']!r} [{fail['engine']}]")
            out.extend((f"    {d['what']}：应为 {_shown(d['expected'])}，实为 {_shown(d['got'])}" if zh else
                        f"    {d['what']}: expected {_shown(d['expected'])}, got {_shown(d['got'])}")
                       for d in fail["diffs"])
        return out

    def to_dict(self) -> dict[str, Any]:
        """For ``--json``."""
        return {"scheme": self.scheme_id, "cases": self.n_cases, "engines": self.engines, "ok": self.ok,
                "failures": self.failures}


def _shown(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _cents(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ScoringInputError(f"{where}: expected a number of points, got {value!r}")
    cents = round(value * 100)
    if abs(cents - value * 100) > 1e-6 or abs(cents) >= 2**53:
        raise ScoringInputError(f"{where}: {value!r} is not a whole number of cents")
    return int(cents)


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise ScoringInputError(f"{where}: expected a mapping of names to values")
    return value


def default_cases_path(scheme_path: str | Path) -> Path:
    """Where a scheme's cases live: ``scenarios/schemes/X.yaml`` -> ``scenarios/cases/X.yaml``."""
    scheme_path = Path(scheme_path)
    return scheme_path.parent.parent / "cases" / scheme_path.name


def load_cases(path: str | Path, scheme: Scheme) -> CaseFile:
    """Read and check the case file at ``path`` against ``scheme`` (its id, item ids and input columns)."""
    path = Path(path)
    if not path.is_file():
        raise ScoringInputError(f"{path}: case file not found (format: docs/schemes.md, section Cases)")
    data = read_yaml_mapping(path, "case", ScoringInputError, "scheme, defaults, cases")
    if data.get("scheme") != scheme.id:
        raise ScoringInputError(f"{path}: the cases are for scheme {data.get('scheme')!r}, not {scheme.id!r}")
    unknown = set(data) - {"scheme", "defaults", "cases"}
    if unknown:
        raise ScoringInputError(f"{path}: unknown key {sorted(unknown)[0]!r} (expected scheme, defaults, cases)")
    defaults = _mapping(data.get("defaults"), f"{path}: defaults")
    raw = data.get("cases")
    if not isinstance(raw, list) or not raw:
        raise ScoringInputError(f"{path}: 'cases' must be a non-empty list")
    if len(raw) > MAX_CASES:
        raise ScoringInputError(f"{path}: {len(raw):,} cases; at most {MAX_CASES:,}")
    columns = set(scheme.columns())
    items = {item.id for item in scheme.items}
    gates = {gate.id for gate in scheme.eligibility}
    cases: list[Case] = []
    names: set[str] = set()
    for n, entry in enumerate(raw, start=1):
        if not isinstance(entry, dict):
            raise ScoringInputError(f"{path}: case {n} is not a mapping")
        name = str(entry.get("name") or f"case {n}")
        where = f"{path}: case {name!r}"
        if name in names:
            raise ScoringInputError(f"{where}: the name is used twice")
        names.add(name)
        extra = set(entry) - CASE_KEYS
        if extra:
            raise ScoringInputError(f"{where}: unknown key {sorted(extra)[0]!r} "
                                    f"(expected {', '.join(sorted(CASE_KEYS))})")
        inputs = {**defaults, **_mapping(entry.get("inputs"), f"{where}: inputs")}
        stray = sorted(set(inputs) - columns)
        if stray:
            raise ScoringInputError(f"{where}: input {stray[0]!r} is not a column the scheme reads")
        missing = sorted(columns - set(inputs))
        if missing:
            raise ScoringInputError(f"{where}: no value for column {missing[0]!r} (give it in defaults or inputs)")
        nested = [c for c, v in inputs.items() if isinstance(v, dict | list | tuple | set)]
        if nested:
            raise ScoringInputError(f"{where}: column {nested[0]!r}: a person's value is one number, yes/no or "
                                    "text, not a list or mapping")
        expect = _mapping(entry.get("expect"), f"{where}: expect")
        bad = sorted(set(expect) - items)
        if bad:
            raise ScoringInputError(f"{where}: expect names {bad[0]!r}, which is not an item of {scheme.id}")
        cents = {item_id: _cents(v, f"{where}: expect.{item_id}") for item_id, v in expect.items()}
        if "total" not in entry:
            raise ScoringInputError(f"{where}: no total")
        total = _cents(entry["total"], f"{where}: total")
        if sum(cents.values()) != total:
            raise ScoringInputError(f"{where}: the expected item points add up to {sum(cents.values()) / 100:g}, "
                                    f"the total says {total / 100:g}")
        eligible = entry.get("eligible", True)
        if not isinstance(eligible, bool):
            raise ScoringInputError(f"{where}: eligible must be true or false")
        reason = entry.get("reason", "")
        reason = "" if reason is None else str(reason)
        if eligible and reason:
            raise ScoringInputError(f"{where}: an eligible case has no reason (give eligible: false)")
        if not eligible and reason not in gates:
            raise ScoringInputError(f"{where}: reason must be the id of the failing gate, one of {sorted(gates)}")
        cases.append(Case(name, inputs, cents, total, eligible, reason))
    return CaseFile(path, scheme.id, cases)


def case_frame(cases: list[Case]) -> pd.DataFrame:
    """One row per case (its full inputs); blank (null) values stay missing."""
    return pd.DataFrame([case.inputs for case in cases])


def _expected(case: Case, item_ids: list[str]) -> dict[str, int]:
    return {item_id: case.expect_cents.get(item_id, 0) for item_id in item_ids}


def compare_case(case: Case, got_items: dict[str, int], got_total: int, got_eligible: bool,
                 got_reason: str) -> list[dict[str, Any]]:
    """The differences between a case and what an engine gave (points in points, not cents)."""
    diffs = [{"what": item_id, "expected": want / 100, "got": got_items[item_id] / 100}
             for item_id, want in _expected(case, list(got_items)).items() if got_items[item_id] != want]
    if got_total != case.total_cents:
        diffs.append({"what": "total", "expected": case.total_cents / 100, "got": got_total / 100})
    if got_eligible != case.eligible:
        diffs.append({"what": "eligible", "expected": case.eligible, "got": got_eligible})
    if got_reason != case.reason:
        diffs.append({"what": "reason", "expected": case.reason or "(none)", "got": got_reason or "(none)"})
    return diffs


def run_cases(case_file: CaseFile, scheme: Scheme, engines: list[str] | None = None) -> CaseReport:
    """Score every case (one frame, one pass per engine) and compare with the expected values."""
    from scoring.engine import core as engine
    from scoring.engine import numba_kernel as engine_numba

    engines = engines or ["numpy", *(["numba"] if engine_numba.AVAILABLE else [])]
    cases = case_file.cases
    report = CaseReport(scheme.id, len(cases), list(engines))
    pop = case_frame(cases)
    for name in engines:
        res = engine.score(pop, scheme, engine=name, on_invalid="reject")
        scored = dict(zip(res.index.tolist(), range(res.n), strict=True))
        reasons = res.reason.astype(str).tolist()
        for pos, case in enumerate(cases):
            if pos not in scored:
                why = res.rejected[res.rejected["row"] == pos + 1]
                text = "; ".join(f"{r.column}: {r.reason}" for r in why.itertuples()) or "rejected"
                report.failures.append({"case": case.name, "engine": name,
                                        "diffs": [{"what": "row", "expected": "scored", "got": text}]})
                continue
            k = scored[pos]
            got = {item.id: int(res.item_cents[item.id][k]) for item in scheme.items}
            diffs = compare_case(case, got, int(res.total_cents[k]), bool(res.eligible_mask[k]), reasons[k])
            if diffs:
                report.failures.append({"case": case.name, "engine": name, "diffs": diffs})
    return report
