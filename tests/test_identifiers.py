"""Identifier screening: ID numbers (GB 11643 check digit), mobile numbers, names; refuse or drop."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.errors import PopulationError
from scoring.population.identifiers import id15_like, id18_valid, mobile_like, name_like, screen_identifiers
from scoring.population.load import read_population


def reference_check_digit(body: str) -> str:
    """Slow reference for the GB 11643-1999 check digit (ISO 7064 MOD 11-2)."""
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(body))
    return "10X98765432"[total % 11]


def base_frame(n: int = 30) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    return pd.DataFrame({"年龄": rng.integers(20, 60, n), "性别": rng.choice(["男", "女"], n),
                         "学历": rng.choice(["本科", "大专", "高中", "硕士"], n)})


NAMES = [
    "张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "黄敏", "赵强", "周杰", "吴婷",
    "徐明", "孙丽", "马超", "朱琳", "胡军", "郭涛", "何平", "林峰", "罗兰", "高翔",
    "郑爽", "梁宇", "谢娜", "宋佳", "唐毅", "许晴", "韩雪", "冯刚", "邓超", "曹颖",
]


def test_known_id_numbers() -> None:
    assert id18_valid(["11010519491231002X", "11010519491231002x"]).tolist() == [True, True]
    assert id18_valid(["110105194912310021", "1101051949123100", "abc"]).tolist() == [False, False, False]
    assert id15_like(["110105491231002", "123"]).tolist() == [True, False]
    assert mobile_like(["13812345678", "+86 138-1234-5678", "12812345678", "1381234567"]).tolist() == [
        True, True, False, False]
    assert name_like(["张伟", "欧阳娜娜", "本科", "hello", "张"]).tolist() == [True, True, False, False, False]


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="0123456789", min_size=17, max_size=17), st.sampled_from("0123456789X"))
def test_check_digit_matches_reference(body: str, check: str) -> None:
    body = body[:10] + "0615" + body[14:]  # a valid month and day
    expected = check == reference_check_digit(body)
    assert bool(id18_valid([body + check])[0]) == expected


@pytest.mark.parametrize("header", ["姓名", "身份证号", "手机号码", "name", "Phone", "联系电话"])
def test_identifier_headers_refused(header: str) -> None:
    frame = base_frame()
    frame[header] = "x"
    with pytest.raises(PopulationError, match=f"column '{header}'"):
        read_population(frame)


def test_values_screened_whatever_the_header() -> None:
    frame = base_frame()
    bodies = [f"33010619900{(i % 9) + 1}15{i:03d}" for i in range(30)]
    frame["编码"] = [b + reference_check_digit(b) for b in bodies]
    frame["联系"] = [f"139{i:08d}" for i in range(30)]
    frame["申请人员"] = NAMES
    with pytest.raises(PopulationError) as info:
        read_population(frame)
    msg = str(info.value)
    assert "'编码'" in msg and "ID numbers" in msg
    assert "'联系'" in msg and "mobile" in msg
    assert "'申请人员'" in msg and "names" in msg
    for value in (frame["编码"][0], frame["联系"][0], "张伟"):
        assert value not in msg


def test_numeric_phone_column_from_frame() -> None:
    frame = base_frame()
    frame["tel_no"] = np.arange(13900000000, 13900000030, dtype=np.int64)
    findings = screen_identifiers(frame)
    assert [f.column for f in findings] == ["tel_no"]


def test_single_stray_id_number_flags_the_column() -> None:
    frame = base_frame()
    notes = ["无"] * 30
    notes[7] = "11010519491231002X"
    frame["备注"] = notes
    with pytest.raises(PopulationError, match="备注"):
        read_population(frame)


def test_drop_identifiers_drops_and_reports() -> None:
    frame = base_frame()
    frame["姓名"] = NAMES
    frame["person_id"] = [f"1390000{i:04d}" for i in range(30)]
    load = read_population(frame, drop_identifiers=True)
    assert sorted(load.dropped_identifiers) == ["person_id", "姓名"]
    assert load.summary()["dropped_identifiers"] == load.dropped_identifiers
    out = load.frame.astype(str).to_string()
    assert "张伟" not in out and "13900000001" not in out
    assert load.frame["person_id"].iloc[0] == "P0000001"


def test_name_in_a_category_column_is_not_echoed() -> None:
    frame = base_frame()
    frame.loc[3, "学历"] = "张伟"
    load = read_population(frame, skip_invalid=True)
    assert load.rows_rejected == 1
    assert "张伟" not in " ".join(load.rejected["reason"])
    assert "not shown" in load.rejected["reason"].iloc[0]


def test_chinese_category_values_are_not_names() -> None:
    frame = base_frame()
    frame["住所类型"] = ["租赁"] * 15 + ["自有住房"] * 15
    frame["户籍地"] = ["安徽", "河南", "贵州"] * 10
    frame["居住区县"] = ["上城区", "萧山区", "滨江区"] * 10
    frame["婚姻状况"] = ["已婚", "未婚", "离婚"] * 10
    assert screen_identifiers(frame) == []
    assert read_population(frame).rows_rejected == 0
