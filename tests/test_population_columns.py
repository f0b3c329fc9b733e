"""Reading only the columns a run needs (issue 14): ``read_population(..., columns=...)`` from files.

A Parquet or CSV file converts only the columns asked for and person_id; every header and every value of every column
(read or not) is still screened for identifiers, and the rows are validated exactly as the frozen reference
validates a file holding only those columns. ``ScoreResult.to_frame`` builds no per-row Python objects and gives
the values the earlier object-array frame gave.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import reference_population as ref
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from popgen import make_population

import scoring
from scoring.errors import PopulationError
from scoring.outofcore.chunked import admit_file_chunked
from scoring.outofcore.distributed import admit_file_dask
from scoring.population.io import read_table
from scoring.population.load import read_population

ROOT = Path(__file__).resolve().parent.parent
BEIJING = ROOT / "scenarios" / "schemes" / "beijing-2020.yaml"
PHONE = "13912345678"


def _scheme_columns() -> list[str]:
    return scoring.load_scheme(BEIJING).columns()


def _write(frame: pd.DataFrame, path: Path) -> Path:
    if path.suffix == ".csv":
        frame.to_csv(path, index=False, encoding="gb18030")
    else:
        frame.to_parquet(path, index=False)
    return path


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_only_the_columns_asked_for_are_decoded(tmp_path: Path, suffix: str) -> None:
    pop = make_population(40, seed=1)
    path = _write(pop, tmp_path / f"pop{suffix}")
    wanted = {"age", "education"}
    table = read_table(path, select=lambda headers: [h for h in headers if h in wanted | {"person_id"}])
    assert list(table.frame.columns) == [c for c in pop.columns if c in wanted | {"person_id"}]
    assert table.headers == list(pop.columns)


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
@pytest.mark.parametrize(("header", "shown"), [("手机号", "'手机号'"), (PHONE, "column 4 (header not shown)")])
def test_an_identifier_header_is_refused_even_when_its_column_is_not_read(tmp_path: Path, suffix: str, header: str,
                                                                          shown: str) -> None:
    pop = make_population(30, seed=2)
    pop.insert(3, header, ["x"] * len(pop))
    path = _write(pop, tmp_path / f"pop{suffix}")
    cols = _scheme_columns()
    with pytest.raises(PopulationError) as info:
        read_population(path, columns=cols)
    with pytest.raises(PopulationError) as whole:
        read_population(path)
    assert str(info.value) == str(whole.value)  # the same refusal as reading every column
    assert shown in str(info.value) and PHONE not in str(info.value)
    load = read_population(path, columns=cols, drop_identifiers=True)
    assert load.dropped_identifiers == [shown.strip("'")] if header != PHONE else ["column 4 (header not shown)"]
    assert header not in load.frame.columns


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
@pytest.mark.parametrize("column", ["person_id", "education"])
def test_identifiers_inside_the_values_read_are_refused(tmp_path: Path, suffix: str, column: str) -> None:
    pop = make_population(30, seed=3)
    pop[column] = pop[column].astype(object)
    pop.loc[17, column] = f"{pop.loc[17, column]} 电话{PHONE}"
    path = _write(pop, tmp_path / f"pop{suffix}")
    with pytest.raises(PopulationError) as info:
        read_population(path, columns=_scheme_columns())
    with pytest.raises(PopulationError) as whole:
        read_population(path)
    assert str(info.value) == str(whole.value)
    assert column in str(info.value) and PHONE not in str(info.value)


SURNAMES, GIVEN = "王李张刘陈杨黄赵吴周", "伟芳娜敏静丽强磊军洋勇艳杰"
UNREAD = {  # a column the scheme never reads, holding an identifier in one row (or names in every row)
    "备注": lambda n: ["无"] * (n - 1) + [f"联系电话 {PHONE}"],
    "wechat_note": lambda n: ["ok"] * 7 + ["微信: zhang_san88"] + ["ok"] * (n - 8),
    "ref_number": lambda n: [1.0] * 3 + [110105194912310021.0] + [2.0] * (n - 4),  # an ID number Excel rounded
    "联系人": lambda n: [SURNAMES[i % 10] + GIVEN[i % 13] for i in range(n)],  # personal names
}


@pytest.mark.parametrize(("column", "suffix"), [(c, s) for c in UNREAD for s in (".parquet", ".csv")
                                                 if (c, s) != ("ref_number", ".csv")])  # CSV: text "1.1e+17"
def test_an_unread_column_holding_identifiers_is_refused(tmp_path: Path, suffix: str, column: str) -> None:
    """Every value of every column is screened, read or not: the same refusal as reading every column."""
    pop = make_population(30, seed=4)
    pop[column] = UNREAD[column](len(pop))
    path = _write(pop, tmp_path / f"pop{suffix}")
    with pytest.raises(PopulationError) as info:
        read_population(path, columns=_scheme_columns())
    with pytest.raises(PopulationError) as whole:
        read_population(path)
    assert str(info.value) == str(whole.value) and column in str(info.value)
    assert PHONE not in str(info.value) and "zhang_san88" not in str(info.value)
    load = read_population(path, columns=_scheme_columns(), drop_identifiers=True)  # dropped, never decoded
    assert column not in load.frame.columns and load.dropped_identifiers == [column]
    assert load.rows_in == len(load.frame) + load.rows_rejected == 30


def test_a_clean_unread_column_changes_nothing(tmp_path: Path) -> None:
    pop = make_population(30, seed=4)
    pop["备注"] = ["无", "订单号 213912345678", "2023年入职"] * 10  # harmless: a 12-digit run holds no mobile
    path = _write(pop, tmp_path / "pop.parquet")
    load = read_population(path, columns=_scheme_columns())
    assert "备注" not in load.frame.columns and load.rows_in == 30 and not load.dropped_identifiers


def test_the_cli_and_the_chunked_engine_refuse_an_unread_identifier_column(tmp_path: Path) -> None:
    pop = make_population(3_000, seed=5)
    pop["身份证号"] = "x"
    path = _write(pop, tmp_path / "pop.parquet")
    proc = subprocess.run([sys.executable, "-m", "scoring", "admit", "--scheme", str(BEIJING), "--population",
                           str(path), "--quota", "10"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2 and "身份证号" in proc.stderr
    with pytest.raises(PopulationError, match="身份证号"):
        admit_file_chunked(scoring.load_scheme(BEIJING), path, quota=10, chunk_rows=1_000)


@pytest.mark.parametrize("engine", ["memory", "chunked"])
def test_the_cli_refuses_a_phone_number_in_an_unread_remarks_column(tmp_path: Path, engine: str) -> None:
    """A phone number in one row of a 备注 column the scheme never reads (issue 14): refused, never echoed, by the
    CLI in memory and out of core, naming the row the in-memory reader names."""
    pop = make_population(3_000, seed=5)
    pop["备注"] = "无"
    pop.loc[2_500, "备注"] = f"请联系 {PHONE[:3]}-{PHONE[3:7]}-{PHONE[7:]}"
    path = _write(pop, tmp_path / "pop.parquet")
    proc = subprocess.run([sys.executable, "-m", "scoring", "admit", "--scheme", str(BEIJING), "--population",
                           str(path), "--quota", "10", "--engine", engine], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2 and "备注" in proc.stderr and "数据第2501行" in proc.stderr, proc.stderr  # zh default
    assert "1391234" not in proc.stderr.replace("-", "") and "Traceback" not in proc.stderr
    with pytest.raises(PopulationError, match="备注"):
        admit_file_chunked(scoring.load_scheme(BEIJING), path, quota=10, chunk_rows=1_000)
    with pytest.raises(PopulationError, match="备注"):  # refused from the file before any worker starts
        admit_file_dask(scoring.load_scheme(BEIJING), path, quota=10)
    res = admit_file_chunked(scoring.load_scheme(BEIJING), path, quota=10, chunk_rows=1_000, drop_identifiers=True)
    assert res.summary()["rows_in"] == 3_000


# ---------------------------------------------------------------------------------------------------------------
# The same rows rejected with the same reasons as the frozen reference on a file of only those columns
# ---------------------------------------------------------------------------------------------------------------
@st.composite
def bad_frames(draw: st.DrawFn) -> pd.DataFrame:
    """A small population with text cells that break types, ranges, categories and ids (as a CSV extract has)."""
    n = draw(st.integers(min_value=2, max_value=10))
    frame = make_population(n, seed=draw(st.integers(min_value=0, max_value=500))).astype(object)
    cells = {"age": ["30", "200", "-1", "x", "", "30.5"], "education": ["本科", "phd?", "", "NA", "master"],
             "insurance_years": ["1", "99", "", "2.5"], "sex": ["男", "x", ""], "housing": ["owned", "tent", ""]}
    for col, pool in cells.items():
        if draw(st.booleans()):
            frame[col] = draw(st.lists(st.sampled_from(pool), min_size=n, max_size=n))
    if draw(st.booleans()):
        frame.loc[n - 1, "person_id"] = frame.loc[0, "person_id"]
    if draw(st.booleans()):
        frame = frame.drop(columns="person_id")
    return frame


def _identifier_refusal(exc: Exception) -> bool:
    return "direct identifiers found" in str(exc) or "the scoring needs these" in str(exc)


def _columns_named(exc: Exception) -> list[str]:
    """The columns an identifier refusal names, in order (by header, or by position when the header is masked)."""
    import re

    return re.findall(r"column '([^']*)'|column (\d+) \(header not shown\)", str(exc))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frame=bad_frames(), data=st.data(), suffix=st.sampled_from([".parquet", ".csv"]))
def test_columns_from_a_file_match_the_reference_on_those_columns(frame: pd.DataFrame, data: st.DataObject,
                                                                  suffix: str) -> None:
    import tempfile

    names = [c for c in frame.columns if c != "person_id"]
    wanted = data.draw(st.lists(st.sampled_from(names), unique=True, min_size=1, max_size=len(names)))
    kept = frame[[c for c in frame.columns if c in wanted or c == "person_id"]]
    if suffix == ".parquet":
        frame, kept = frame.astype(str), kept.astype(str)
    with tempfile.TemporaryDirectory() as d:
        whole, part = _write(frame, Path(d) / f"all{suffix}"), _write(kept, Path(d) / f"kept{suffix}")
        try:  # every column is screened for identifiers, read or not: as the reference reading the whole file
            ref.read_population(whole, skip_invalid=True)
            whole_exc = None
        except PopulationError as exc:
            whole_exc = exc
        try:
            want = ref.read_population(part, skip_invalid=True)
            part_exc = None
        except PopulationError as exc:
            part_exc = exc
        head = "the scoring needs these"
        if part_exc is not None and head in str(part_exc):  # identifiers in a column read for the scoring
            with pytest.raises(PopulationError) as got_exc:
                read_population(whole, skip_invalid=True, columns=wanted)
            got_text, want_text = str(got_exc.value).split(": ", 1)[1], str(part_exc).split(": ", 1)[1]
            # the columns the scoring uses are named as the reference reading them names them; those it can do
            # without that the reference read too follow (the file's unread columns may add to them)
            assert got_text.split(head)[0] == want_text.split(head)[0]
            also = [set(text.split(head)[1].partition(" — ")[2].split("; ")) - {""} for text in (got_text, want_text)]
            assert also[1] <= also[0]
            return
        if whole_exc is not None and _identifier_refusal(whole_exc):  # only in columns it can do without
            with pytest.raises(PopulationError) as got_exc:
                read_population(whole, skip_invalid=True, columns=wanted)
            assert "direct identifiers found" in str(got_exc.value), got_exc.value
            assert _columns_named(got_exc.value) == _columns_named(whole_exc)
            return
        if part_exc is not None:
            with pytest.raises(PopulationError) as got_exc:
                read_population(whole, skip_invalid=True, columns=wanted)
            assert str(got_exc.value).split(": ", 1)[1] == str(part_exc).split(": ", 1)[1]
            return
        got = read_population(whole, skip_invalid=True, columns=wanted)
    assert got.rows_in == want.rows_in == len(got.frame) + got.rows_rejected
    pd.testing.assert_frame_equal(got.rejected, want.rejected)
    pd.testing.assert_frame_equal(got.frame, want.frame)


# ---------------------------------------------------------------------------------------------------------------
# ScoreResult.to_frame
# ---------------------------------------------------------------------------------------------------------------
def test_to_frame_keeps_compact_columns_and_the_earlier_values() -> None:
    pop = read_population(make_population(500, seed=6)).frame
    res = scoring.score(pop, scoring.load_scheme(BEIJING))
    got = res.to_frame("zh")
    assert got["person_id"].dtype != object and isinstance(got["reason"].dtype, pd.CategoricalDtype)
    assert set(got["reason"]) - {""} and (got["reason"] == "").any()  # both kinds of rows are present
    earlier = {"person_id": res.population["person_id"].to_numpy(dtype=object)}  # the object-array frame
    for item in res.scheme.items:
        earlier[item.name("zh")] = res.item_cents[item.id] / 100.0
    earlier |= {"total": res.total_cents / 100.0, "eligible": res.eligible_mask,
                "reason": np.array([res.reason_labels[c] for c in res.reason_codes], dtype=object)}
    as_objects = {"person_id": object, "reason": object}
    pd.testing.assert_frame_equal(got.astype(as_objects), pd.DataFrame(earlier, index=res.index).astype(as_objects))


@settings(max_examples=150, deadline=None)
@given(values=st.lists(st.text(alphabet="ab 0P1\t\u3000中-", max_size=9), max_size=20),
       width=st.sampled_from([None, 0, 1, 8]))
def test_strip_is_skipped_only_when_it_changes_nothing(values: list[str], width: int | None) -> None:
    """``needs_strip`` False (the person_id fast path) implies ``.str.strip()`` leaves every value as it is."""
    from scoring.population.text import STR_DTYPE, needs_strip

    if width is not None:
        values = [(v * 9)[:width].ljust(width, "x") for v in values]
    col = pd.Series(values, dtype=STR_DTYPE)
    if not needs_strip(col):
        pd.testing.assert_series_equal(col.str.strip(), col)
    if any(v != v.strip() for v in values):
        assert needs_strip(col)
