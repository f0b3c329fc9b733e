"""New-user trial: ``whatif`` for a person of the file must say what ``admit`` says of them.

Found: a person tied at a chain-broken cut-off and admitted by ``admit`` was "out, gap +0.00" in ``whatif`` (it
treated them as a newcomer); ``whatif`` read the file differently (every column validated, bad rows dropped
silently, so another line); it suggested a ``--drop-identifiers`` it did not take; it echoed a phone number given
as ``--person``. The reference here is ``admit`` itself (its mask, its cut-off) and, for the changes suggested, a
full re-admission of the file with the change made."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from scoring.cli import main
from scoring.evaluation import evaluate
from scoring.population.synthetic import synth
from scoring.scheme.load import load_scheme
from scoring.whatif import Rivals, flip_changes, standing

SCHEMES = Path(__file__).resolve().parents[1] / "scenarios" / "schemes"
YEARS = ("insurance_years", "residence_years", "owned_home_years", "rented_home_years", "outside_core_years")
# (scheme, quota for 3,000 people, ties): a chain ending in a lottery, a chain without one (the boundary's equals all
# in), and ties all admitted
RULES = [("hangzhou-2022-illustrative", 900, None),
         ("hangzhou-2022-illustrative", 700, [{"column": "insurance_years", "order": "desc"}]),
         ("beijing-2020", 600, None)]


def tied_people(n: int = 3000, seed: int = 5) -> pd.DataFrame:
    """A synthetic population in whole years: many people tied to the cent, at the cut-off too."""
    pop = synth(n, seed)
    for col in YEARS:
        pop[col] = pop[col].round().astype(np.float64)
    return pop


@pytest.fixture(scope="module")
def people() -> pd.DataFrame:
    return tied_people()


@pytest.mark.parametrize(("name", "quota", "ties"), RULES)
def test_the_verdict_of_a_person_of_the_file_is_admits(people: pd.DataFrame, name: str, quota: int, ties: Any) -> None:
    scheme = load_scheme(SCHEMES / f"{name}.yaml")
    ev = evaluate(people, scheme, quota=quota, ties=ties)
    res, adm = ev.res, ev.adm
    assert adm is not None and adm.cutoff_cents is not None
    assert int((res.total_cents == adm.cutoff_cents).sum()) > 1  # the case of the trial: several at the cut-off
    near = np.flatnonzero(np.abs(res.total_cents - adm.cutoff_cents) <= 300)  # everyone within 3 points
    got = [standing(res.population.iloc[[int(p)]], scheme, ev.line, ev.line_strict,
                    Rivals.of(res, adm, int(p))).admitted for p in near]
    assert got == adm.admitted_mask[near].tolist()
    assert adm.admitted_mask[near].any() and not adm.admitted_mask[near].all()


def _readmit(people: pd.DataFrame, scheme: Any, quota: int, ties: Any, pos: int, change: dict) -> bool:
    """The person's verdict when admit runs again on the whole file with ``change`` made to their row."""
    pop = people.copy()
    for col, value in change.items():
        if isinstance(pop[col].dtype, pd.CategoricalDtype):
            pop[col] = pop[col].astype(object)
            pop.iloc[pos, pop.columns.get_loc(col)] = value
            pop[col] = pop[col].astype(people[col].dtype)
        else:  # a whole-number column takes the value as the search does (whole years)
            kind = pop[col].dtype.kind
            pop.iloc[pos, pop.columns.get_loc(col)] = pd.array([value]).astype(pop[col].dtype)[0] \
                if kind in "bui" else value
    return bool(evaluate(pop, scheme, quota=quota, ties=ties).admitted_mask[pos])


@pytest.mark.parametrize(("name", "quota", "ties"), RULES)
def test_each_change_suggested_flips_admits_verdict(people: pd.DataFrame, name: str, quota: int, ties: Any) -> None:
    scheme = load_scheme(SCHEMES / f"{name}.yaml")
    ev = evaluate(people, scheme, quota=quota, ties=ties)
    res, adm = ev.res, ev.adm
    gap = np.abs(res.total_cents - adm.cutoff_cents) + np.where(res.eligible_mask, 0, 10**9)
    checked = 0
    for p in (int(i) for i in np.argsort(gap, kind="stable")[:6]):  # the six nearest the cut-off, in and out
        row = people.iloc[[p]]
        was = bool(adm.admitted_mask[p])
        flips = flip_changes(row, scheme, ev.line, ev.line_strict, Rivals.of(res, adm, p))
        for kind, column, amount, _ in flips.itertuples(index=False):
            if kind == "set":
                assert _readmit(people, scheme, quota, ties, p, {column: amount}) != was
                continue
            step = -1 if was else 1
            cols = column.split("+")
            at = {c: float(row[c].iloc[0]) + step * amount / 12.0 for c in cols}
            before = {c: float(row[c].iloc[0]) + step * (amount - 1) / 12.0 for c in cols}
            assert _readmit(people, scheme, quota, ties, p, at) != was  # flips
            assert _readmit(people, scheme, quota, ties, p, before) == was  # and a month less does not
            checked += 1
    assert checked


def _scheme_file(tmp: Path, name: str, quota: int) -> Path:
    """The scheme with a quota that binds on 3,000 people."""
    text = (SCHEMES / f"{name}.yaml").read_text(encoding="utf-8")
    path = tmp / f"{name}.yaml"
    path.write_text(text.replace("quota: 8000", f"quota: {quota}").replace("quota: 6000", f"quota: {quota}"),
                    encoding="utf-8")
    return path


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict:
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(("name", "quota"), [("hangzhou-2022-illustrative", 900), ("beijing-2020", 600)])
def test_whatif_and_admit_agree_on_everyone_at_the_cut_off(tmp_path: Path, people: pd.DataFrame, name: str,
                                                           quota: int, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "people.parquet"
    people.to_parquet(path)
    scheme = _scheme_file(tmp_path, name, quota)
    out = tmp_path / "admitted.parquet"
    files = ["--scheme", str(scheme), "--population", str(path)]
    summary = _json(capsys, ["admit", *files, "--out", str(out)])
    table = pd.read_parquet(out)
    gap = (table["total"] - summary["cutoff"]).abs()
    near = table[table["eligible"]].assign(gap=gap).sort_values("gap", kind="stable").head(25)  # the tied first
    assert (near["total"] == summary["cutoff"]).sum() > 1 and near["admitted"].any() and not near["admitted"].all()
    for pid, admitted in zip(near["person_id"], near["admitted"], strict=True):
        got = _json(capsys, ["whatif", *files, "--person", str(pid)])
        assert got["line"] == summary["cutoff"] and got["admitted"] == bool(admitted), pid


def test_whatif_reads_the_file_as_admit_does(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pop = tied_people()
    pop["marital_status"] = pop["marital_status"].astype(object)
    pop.loc[pop.index[::3], "marital_status"] = "xyz"  # a column the scheme never reads
    path = tmp_path / "unread.csv"
    pop.to_csv(path, index=False)
    files = ["--scheme", str(_scheme_file(tmp_path, "hangzhou-2022-illustrative", 900)), "--population", str(path)]
    summary = _json(capsys, ["admit", *files])
    pid = str(pop["person_id"].iloc[0])
    got = _json(capsys, ["whatif", *files, "--person", pid])
    assert (got["line"], got["rows_in"], got["scored"], got["rejected"]) == (summary["cutoff"], len(pop), len(pop), 0)

    pop["insurance_years"] = pop["insurance_years"].astype(object)
    pop.loc[[4, 40], "insurance_years"] = -5  # a column it reads: with --skip-invalid, left out and said so
    pop.to_csv(path, index=False)
    skip = [*files, "--skip-invalid"]
    summary = _json(capsys, ["admit", *skip])
    got = _json(capsys, ["whatif", *skip, "--person", pid])
    assert (got["line"], got["scored"], got["rejected"]) == (summary["cutoff"], len(pop) - 2, 2)
    for lang, said in (("zh", "输入 3,000 行 · 计分 2,998 · 拒收 2"),
                       ("en", "rows in 3,000 · scored 2,998 · rejected 2")):
        assert main(["whatif", *skip, "--person", pid, "--lang", lang]) == 0
        assert said in capsys.readouterr().out


def test_whatif_takes_drop_identifiers_as_admit_does(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pop = tied_people(400)
    pop["phone"] = [f"138{i:08d}" for i in range(len(pop))]
    path = tmp_path / "phones.csv"
    pop.to_csv(path, index=False)
    files = ["--scheme", str(SCHEMES / "hangzhou-2023-illustrative.yaml"), "--population", str(path)]
    pid = str(pop["person_id"].iloc[0])
    assert main(["whatif", *files, "--person", pid, "--lang", "en"]) == 2
    assert "--drop-identifiers" in capsys.readouterr().err  # the option it suggests, whatif takes
    summary = _json(capsys, ["admit", *files, "--drop-identifiers"])
    got = _json(capsys, ["whatif", *files, "--person", pid, "--drop-identifiers"])
    assert got["line"] == summary["cutoff"] and got["dropped_identifiers"] == summary["dropped_identifiers"]


@pytest.mark.parametrize("person", ["13812345678", "110101199003074514"])
def test_an_identifier_given_as_person_is_not_echoed(tmp_path: Path, person: str,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "people.csv"
    synth(200, 3).to_csv(path, index=False)
    for lang in ("zh", "en"):
        assert main(["whatif", "--scheme", str(SCHEMES / "hangzhou-2023-illustrative.yaml"), "--population",
                     str(path), "--person", person, "--lang", lang]) == 2
        err = capsys.readouterr().err
        assert person[3:9] not in err and ("没有这个人员编号" if lang == "zh" else "no such person_id") in err
