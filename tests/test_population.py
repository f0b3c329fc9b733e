"""Population loading and validation: formats, Chinese aliases, validation report, bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scoring.errors import PopulationError
from scoring.population.io import check_memory, read_table
from scoring.population.load import CANONICAL_COLUMNS, load_population, read_population, validate_population
from scoring.population.schema import label, load_schema, value_label

DATA = Path(__file__).resolve().parent.parent / "data"

ROWS = [
    # columns as in HEADER below
    ["30", "男", "本科", "5", "4", "是", "3", "租赁", "已婚", "上城区", "安徽"],
    ["41", "女", "硕士研究生", "10.5", "9", "否", "0", "自有住房", "未婚", "萧山", "河南省"],
    ["25", "女", "大专", "2", "1", "是", "1.5", "单位宿舍", "离异", "滨江区", "浙江"],
    ["52", "男", "高中", "20", "18", "是", "8", "无固定住所", "丧偶", "西湖区", "四川"],
]
HEADER = ["年龄", "性别", "学历", "居住年限", "社保缴纳年限", "是否持有居住证", "持有居住证年限", "住所类型",
          "婚姻状况", "居住区县", "户籍所在省份"]


def chinese_frame() -> pd.DataFrame:
    return pd.DataFrame(ROWS, columns=HEADER)


def write_csv(path: Path, frame: pd.DataFrame, encoding: str) -> Path:
    frame.to_csv(path, index=False, encoding=encoding)
    return path


def test_canonical_columns_match_design() -> None:
    assert CANONICAL_COLUMNS == (
        "person_id", "age", "sex", "education", "residence_years", "residence_years_other_districts",
        "insurance_years", "insurance_years_yrd", "pension_transferred", "has_residence_permit", "permit_years",
        "housing", "employed", "district", "origin_province", "marital_status",
    )


def test_schema_labels_and_values() -> None:
    schema = load_schema()
    assert label("age") == "年龄" and label("age", "en") == "age"
    assert value_label("education", "master") == "硕士研究生"
    assert value_label("education", "硕士", "en") == "master"
    assert value_label("has_residence_permit", True) == "是"
    assert value_label("district", "shangcheng") == "上城区"
    assert schema.canonical_header("社会保险缴纳年限") == "insurance_years"
    assert schema.canonical_header("ＡＧＥ") == "age"  # full-width
    for col in CANONICAL_COLUMNS:
        spec = schema.column(col)
        assert spec.label_zh and spec.label_en
        if spec.type == "category":
            assert spec.values


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_csv_encodings_and_chinese_aliases(tmp_path: Path, encoding: str) -> None:
    path = write_csv(tmp_path / "pop.csv", chinese_frame(), encoding)
    load = read_population(path)
    df = load.frame
    assert load.rows_in == 4 and load.rows_rejected == 0
    assert list(df["education"]) == ["bachelor", "master", "associate", "senior_secondary"]
    assert list(df["sex"]) == ["M", "F", "F", "M"]
    assert list(df["housing"]) == ["rented", "owned", "employer", "none"]
    assert list(df["marital_status"]) == ["married", "single", "divorced", "widowed"]
    assert list(df["district"]) == ["shangcheng", "xiaoshan", "binjiang", "xihu"]
    assert list(df["origin_province"]) == ["anhui", "henan", "zhejiang", "sichuan"]
    assert df["has_residence_permit"].tolist() == [True, False, True, True]
    assert df["age"].dtype == np.uint8
    assert df["residence_years"].dtype == np.float32
    assert df["has_residence_permit"].dtype == bool
    assert isinstance(df["education"].dtype, pd.CategoricalDtype)
    assert list(df["education"].cat.categories) == list(load_schema().column("education").categories)
    assert df["person_id"].tolist() == ["P0000001", "P0000002", "P0000003", "P0000004"]


def test_xlsx_and_parquet_and_frame_agree(tmp_path: Path) -> None:
    frame = chinese_frame()
    frame.to_excel(tmp_path / "pop.xlsx", index=False)
    parquet = load_population(frame)
    parquet.to_parquet(tmp_path / "pop.parquet")
    a = load_population(tmp_path / "pop.xlsx")
    b = load_population(tmp_path / "pop.parquet")
    c = load_population(write_csv(tmp_path / "pop.csv", frame, "gb18030"))
    for other in (b, c):
        pd.testing.assert_frame_equal(a, other, check_categorical=False)


def test_shipped_samples_are_valid() -> None:
    csv = read_population(DATA / "sample_extract_gb18030.csv")
    xlsx = read_population(DATA / "sample_extract.xlsx")
    assert csv.rows_in == 200 and csv.rows_rejected == 0
    assert xlsx.rows_in == 200 and xlsx.rows_rejected == 0
    assert any("header found on row 3" in w for w in xlsx.warnings)
    pd.testing.assert_frame_equal(csv.frame, xlsx.frame, check_categorical=False)


def test_sample_invalid_reports_every_bad_row() -> None:
    load = read_population(DATA / "sample_invalid.csv", skip_invalid=True)
    assert load.rows_in == 12 and load.rows_rejected == 8 and len(load.frame) == 4
    assert set(load.rejected["row"]) == set(range(1, 9))
    assert list(load.frame.index) == [8, 9, 10, 11]
    with pytest.raises(PopulationError) as info:
        read_population(DATA / "sample_invalid.csv")
    first = str(info.value).splitlines()[0]
    assert "row 1 (Excel row 2), column 年龄: not a number" in first  # the header as written; data row k: row k + 1
    assert "row 2 (Excel row 3), column 性别" in first
    assert "row 3 (Excel row 4), column 学历: missing value" in first
    assert "row 4 (" not in first


def test_extra_columns_kept_and_typed() -> None:
    frame = chinese_frame()
    frame["owned_home_years"] = ["1", "2", "0", "3"]
    frame["是否获得荣誉表彰"] = ["是", "否", "否", "是"]
    frame["备注"] = ["a", "b", "c", "d"]
    frame["加分"] = ["1", "2.5", "3", "4"]
    frame["党员"] = ["是", "否", "", "是"]
    df = load_population(frame)
    assert df["owned_home_years"].dtype == np.float32
    assert df["has_honour"].tolist() == [True, False, False, True]
    assert df["备注"].tolist() == ["a", "b", "c", "d"]
    assert df["加分"].dtype.kind == "f" and df["加分"].tolist() == [1.0, 2.5, 3.0, 4.0]
    assert df["党员"].dtype == "boolean"


def test_value_normalisation() -> None:
    frame = pd.DataFrame({"年龄": ["３０岁", "40"], "性别": [" 男 ", "F"], "居住年限": ["5年", "１０"],
                          "学历": ["ＰｈＤ", "Bachelor"]})
    df = load_population(frame)
    assert df["age"].tolist() == [30, 40]
    assert df["residence_years"].tolist() == [5.0, 10.0]
    assert df["education"].tolist() == ["doctor", "bachelor"]


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("年龄", "abc", "not a number"),
        ("居住年限", "1,0", "not a number"),  # a decimal comma, not a thousands separator: never 10
        ("年龄", "30.5", "whole number"),
        ("年龄", "-1", "between 0 and 110"),
        ("性别", "X", "unknown value"),
        ("学历", "", "missing value"),
        ("居住年限", "NaN", "missing value"),
        ("是否持有居住证", "也许", "expected 是/否"),
        ("居住年限", "inf", "not a finite number"),
    ],
)
def test_invalid_values_are_reported(column: str, value: str, reason: str) -> None:
    frame = chinese_frame()
    frame.loc[1, column] = value
    load = read_population(frame, skip_invalid=True)
    assert load.rows_rejected == 1 and load.rows_in == 4
    bad = load.rejected[load.rejected["row"] == 2]
    assert reason in " ".join(bad["reason"])
    assert 1 not in load.frame.index and len(load.frame) == 3


@pytest.mark.parametrize(
    ("changes", "column"),
    [
        ({"年龄": "20", "居住年限": "25"}, "residence_years"),
        ({"年龄": "18", "社保缴纳年限": "5"}, "insurance_years"),
        ({"持有居住证年限": "12", "居住年限": "10"}, "permit_years"),
        ({"是否持有居住证": "否", "持有居住证年限": "2"}, "permit_years"),
    ],
)
def test_logical_checks(changes: dict[str, str], column: str) -> None:
    frame = chinese_frame()
    for k, v in changes.items():
        frame.loc[0, k] = v
    load = read_population(frame, skip_invalid=True)
    assert load.rows_rejected == 1
    assert load.rejected.iloc[0]["column"] == column and load.rejected.iloc[0]["row"] == 1


def test_yrd_insurance_counts_against_working_life() -> None:
    frame = chinese_frame()
    frame["长三角社保缴纳年限"] = ["12", "0", "0", "0"]  # 30-year-old: 4 + 12 > 14 + 1
    load = read_population(frame, skip_invalid=True)
    assert load.rejected["column"].tolist() == ["insurance_years_yrd"]


def test_duplicate_person_ids() -> None:
    frame = chinese_frame()
    frame.insert(0, "人员编号", ["A1", "A2", "A1", "A3"])
    load = read_population(frame, skip_invalid=True)
    assert sorted(load.rejected["row"]) == [1, 3]
    assert "not unique" in load.rejected["reason"].iloc[0]
    assert load.frame["person_id"].tolist() == ["A2", "A3"]


def test_partition_and_summary() -> None:
    frame = chinese_frame()
    frame.loc[0, "年龄"] = "x"
    frame.loc[0, "性别"] = "?"  # two problems, one row
    load = read_population(frame, skip_invalid=True)
    assert len(load.rejected) == 2 and load.rows_rejected == 1
    assert load.rows_in == len(load.frame) + load.rows_rejected
    s = load.summary()
    assert s["rows_in"] == 4 and s["kept"] == 3 and s["scored"] == 3 and s["rejected"] == 1
    assert list(load.rejected.columns) == ["row", "column", "reason"]


def test_validate_population_on_frame() -> None:
    load = validate_population(chinese_frame())
    assert load.rows_rejected == 0


def test_open_category_keeps_unknown_district_with_warning() -> None:
    frame = chinese_frame()
    frame.loc[0, "居住区县"] = "朝阳区"
    load = read_population(frame)
    assert load.frame["district"].iloc[0] == "朝阳区"
    assert any("district" in w for w in load.warnings)


def test_two_headers_for_one_column(tmp_path: Path) -> None:
    frame = chinese_frame()
    frame["age"] = frame["年龄"]
    with pytest.raises(PopulationError, match="both map to 'age'"):
        read_population(frame)


# ---- bad input ---------------------------------------------------------------------------------------------------

def test_empty_file(tmp_path: Path) -> None:
    p = tmp_path / "empty.csv"
    p.write_bytes(b"")
    with pytest.raises(PopulationError, match="empty"):
        read_population(p)
    p.write_text("\n\n  \n")
    with pytest.raises(PopulationError, match="empty"):
        read_population(p)


def test_header_without_rows(tmp_path: Path) -> None:
    p = tmp_path / "header.csv"
    p.write_text("年龄,性别,学历\n", encoding="utf-8")
    with pytest.raises(PopulationError, match="no data rows"):
        read_population(p)


def test_undecodable(tmp_path: Path) -> None:
    p = tmp_path / "bad.csv"
    p.write_bytes(b"\xff\xfa\x80\x81age,sex\n\x80\x80,\xff\n")
    with pytest.raises(PopulationError, match="cannot decode"):
        read_population(p)


def test_header_not_on_first_row(tmp_path: Path) -> None:
    p = tmp_path / "title.csv"
    p.write_text("杭州市抽样数据\n导出日期 2024-01-01\n年龄,性别,学历\n30,男,本科\n", encoding="gb18030")
    load = read_population(p)
    assert load.frame["age"].tolist() == [30]
    assert any("header found on line 3" in w for w in load.warnings)


def test_no_header_found(tmp_path: Path) -> None:
    p = tmp_path / "noheader.csv"
    p.write_text("1,2,3\n4,5,6\n")
    with pytest.raises(PopulationError, match="no header row"):
        read_population(p)


def test_too_large_for_memory(tmp_path: Path) -> None:
    p = write_csv(tmp_path / "big.csv", chinese_frame(), "utf-8")
    with pytest.raises(PopulationError, match="memory"):
        check_memory(p, "csv", available=10)
    with pytest.raises(PopulationError, match="memory"):
        read_table(p, available=10)


def test_mixed_types_in_canonical_and_extra_columns() -> None:
    frame = chinese_frame()
    frame["居住年限"] = pd.Series([5, "十年", 2.0, 20], dtype=object)
    with pytest.raises(PopulationError, match="row 2, column 居住年限: not a number"):
        read_population(frame)
    frame = chinese_frame()
    frame["加分"] = pd.Series([1, 2, "abc", 4], dtype=object)
    with pytest.raises(PopulationError, match="row 3, column 加分: the column holds numbers"):
        read_population(frame)


def test_not_a_population_source() -> None:
    with pytest.raises(PopulationError):
        read_population(42)  # type: ignore[arg-type]
    with pytest.raises(PopulationError, match="not found"):
        read_population("/nonexistent/pop.csv")


def test_xls_refused(tmp_path: Path) -> None:
    p = tmp_path / "old.xls"
    p.write_bytes(b"\xd0\xcf\x11\xe0 not really")
    with pytest.raises(PopulationError, match="xls"):
        read_population(p)


def test_broken_xlsx_and_parquet(tmp_path: Path) -> None:
    for name in ("x.xlsx", "x.parquet"):
        p = tmp_path / name
        p.write_bytes(b"PK\x03\x04garbage" if name.endswith("xlsx") else b"PAR1garbage")
        with pytest.raises(PopulationError, match="cannot read"):
            read_population(p)


def test_missing_optional_columns_are_fine() -> None:
    df = load_population(pd.DataFrame({"age": [30], "sex": ["M"]}))
    assert set(df.columns) == {"person_id", "age", "sex"}
