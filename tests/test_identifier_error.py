"""The identifier refusal carries its facts as fields (IdentifierError), so a front end can word it in its own
language; the fields never hold a value."""

from __future__ import annotations

import pandas as pd
import pytest

from scoring.errors import IdentifierError, PopulationError
from scoring.population.load import read_population
from scoring.population.synthetic import synth


def test_identifier_error_fields(tmp_path):
    frame = synth(20, 1)
    frame["备注"] = "无"
    frame.loc[5, "备注"] = "联系电话13812345678"
    path = tmp_path / "remark.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(IdentifierError) as got:
        read_population(path)
    exc = got.value
    assert isinstance(exc, PopulationError) and not exc.needed and exc.file.endswith("remark.csv")
    (f,) = exc.findings
    assert f["column"] == "备注" and f["position"] == len(frame.columns) and f["kind"] == "phone"
    assert f["rows"] == [7] and f["rows_hit"] == 1 and f["excel"] and not f["from_header"] and not f["more"]
    assert "13812345678" not in repr(exc.findings)
    assert "Excel row 7" in str(exc)  # the library's English sentence is unchanged


@pytest.mark.parametrize("unread", [False, True])
def test_an_unused_category_holding_an_identifier_is_named_as_such(tmp_path, unread):
    """A category that no row uses but the file declares (a pandas category, a Parquet dictionary entry) still
    carries the identifier: refused, and the reason says that no row uses it (not "0 value(s)", and not "looks
    like names" in Chinese), in the library, the command line's Chinese and the dashboard, in both languages."""
    from dashboard.identifier_text import identifier_message
    from scoring.cli.messages import localized
    from scoring.population.schema import load_schema

    frame = synth(300, 1)
    frame["note"] = pd.Categorical(["a"] * len(frame), categories=["a", "13812345678"])
    path = tmp_path / "unused.parquet"
    frame.to_parquet(path, row_group_size=100)
    columns = ["age", "insurance_years"] if unread else None  # the note column then is screened, not read
    if unread:
        assert "note" not in load_schema().columns
    with pytest.raises(IdentifierError) as got:
        read_population(path, columns=columns)
    exc = got.value
    (f,) = exc.findings
    assert f["column"] == "note" and f["kind"] == "phone" and f["rows_hit"] == 0 and f["rows"] == []
    assert "used by no row" in str(exc) and "0 value(s)" not in str(exc) and "13812345678" not in str(exc)
    zh = localized(exc, "zh")
    assert "没有行使用该类别" in zh and "手机" in zh and "人名" not in zh and "13812345678" not in zh
    assert "没有行使用该类别" in identifier_message(exc, "unused.parquet", "zh")
    assert "used by no row" in identifier_message(exc, "unused.parquet", "en")
    assert read_population(path, columns=columns, drop_identifiers=True).dropped_identifiers == ["note"]


def test_identifiers_in_a_column_the_scoring_reads_never_suggest_dropping_columns(tmp_path):
    """Without --drop-identifiers, an identifier inside a column the scoring reads is refused with the advice to
    remove it from the values (dropping the column cannot help): the refusal used to suggest --drop-identifiers,
    which the next run then refused (a new user's trial). A droppable column found beside it is listed after it."""
    from scoring.cli.messages import localized

    frame = synth(50, 1)
    frame["district"] = frame["district"].astype(object)
    frame.loc[3, "district"] = "联系电话13812345678"
    frame["备注"] = "无"
    frame.loc[4, "备注"] = "手机13912345678"
    path = tmp_path / "needed.csv"
    frame.to_csv(path, index=False)
    for drop in (False, True):
        with pytest.raises(IdentifierError) as got:
            read_population(path, drop_identifiers=drop)
        exc = got.value
        assert exc.needed and exc.findings[0]["column"] == "district"
        assert [f["column"] for f in exc.findings] == (["district"] if drop else ["district", "备注"])
        for lang in ("en", "zh"):
            text = localized(exc, lang)
            assert "--drop-identifiers" not in text and "drop_identifiers" not in text, text
        assert "删除列无济于事" in localized(exc, "zh")


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_schema_column_the_run_does_not_read_is_not_called_needed(tmp_path, suffix):
    """Reading only some columns (a scheme's), an identifier in a schema column the run does not read is a column the
    scoring can do without: named after the needed one, apart from it, in the library's English, the command
    line's Chinese and the dashboard (hypothesis found the refusal calling it a column the scoring uses)."""
    from dashboard.identifier_text import identifier_message
    from scoring.cli.messages import localized

    frame = synth(50, 1)
    for col, row, text in (("owned_home_years", 5, "11010519491231002X"), ("rented_home_years", 4, "13812345678")):
        frame[col] = frame[col].astype(str)
        frame.loc[row, col] = text
    path = tmp_path / f"pop{suffix}"
    frame.to_csv(path, index=False) if suffix == ".csv" else frame.to_parquet(path)
    with pytest.raises(IdentifierError) as got:
        read_population(path, columns=["owned_home_years", "age"])
    exc = got.value
    assert exc.needed and [(f["column"], f["needed"]) for f in exc.findings] == \
        [("owned_home_years", True), ("rented_home_years", False)]
    used, _, rest = str(exc).partition("the scoring needs these")
    assert "owned_home_years" in used and "rented_home_years" not in used
    assert "can do without — column 'rented_home_years'" in rest
    zh = localized(exc, "zh")
    needed = "评分所用的列中含有标识信息——列“owned_home_years”"
    also = "评分可不用的列中也有直接标识信息——列“rented_home_years”"
    assert zh.index(needed) < zh.index(also) and also in identifier_message(exc, "pop", "zh")
    assert "13812345678" not in str(exc) + zh and "11010519491231002X" not in str(exc) + zh
    with pytest.raises(IdentifierError) as got:  # with --drop-identifiers the unread column would be dropped
        read_population(path, columns=["owned_home_years", "age"], drop_identifiers=True)
    assert [f["column"] for f in got.value.findings] == ["owned_home_years"]
    with pytest.raises(IdentifierError) as got:  # every column read: both are needed
        read_population(path)
    assert [f["needed"] for f in got.value.findings] == [True, True]
