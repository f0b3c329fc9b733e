"""Identifiers written with separators, headers that name contact handles, short hex pseudonyms and hidden sheets
(a report-only probe of 2026-12-03 found each passing, or refused wrongly).

The references are independent: ID numbers are built with the slow check-digit reference and mobile numbers from
their definition, then written with separators the way people write them; the property is that every such value
is found, that the whole-column shortcuts (the byte-position proof of one-width columns, the ASCII digit count) never
call a column clean that holds one, and that ordinary text with numbers in it (dates, times, decimals, amounts,
versions) is not taken for one.
"""

from __future__ import annotations

import hashlib
import itertools
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_identifiers import base_frame, reference_check_digit

from scoring.errors import PopulationError
from scoring.population.identifiers_embedded import MOBILE, ascii_may_hold, one_width_clean, text_kinds
from scoring.population.load import read_population

ROOT = Path(__file__).resolve().parent.parent
SEPARATORS = [" ", "  ", "-", ".", "/", "_", "\u2013", "\u2014", "\u00b7", "\uff0d"]  # \uff0d: full-width hyphen


def _grouped(digits: str, cuts: list[int], separator: str) -> str:
    bounds = [0, *sorted(set(c for c in cuts if 0 < c < len(digits))), len(digits)]
    return separator.join(digits[a:b] for a, b in itertools.pairwise(bounds))


id_bodies = st.tuples(st.sampled_from(["110105", "330106", "440305", "510107"]),
                      st.integers(1950, 2005), st.integers(1, 12), st.integers(1, 28), st.integers(0, 999))
mobiles = st.tuples(st.sampled_from("3456789"), st.integers(0, 999_999_999)).map(lambda t: f"1{t[0]}{t[1]:09d}")
cuts = st.lists(st.integers(1, 17), min_size=1, max_size=8)


@settings(max_examples=300, deadline=None)
@given(id_bodies, cuts, st.sampled_from(SEPARATORS), st.sampled_from(["", "证件：", "ID ", "备注 "]))
def test_an_id_number_with_separators_is_found(body: tuple, where: list[int], separator: str, label: str) -> None:
    area, year, month, day, seq = body
    digits = f"{area}{year:04d}{month:02d}{day:02d}{seq:03d}"
    number = digits + reference_check_digit(digits)
    value = label + _grouped(number, where, separator)
    assert text_kinds(pa.array([value]))["id_number"][0], value


@settings(max_examples=300, deadline=None)
@given(mobiles, st.lists(st.integers(1, 10), min_size=1, max_size=5), st.sampled_from(SEPARATORS),
       st.sampled_from(["", "电话 ", "联系：", "tel ", "+86 "]))
def test_a_mobile_number_with_separators_is_found(number: str, where: list[int], separator: str, label: str) -> None:
    value = label + _grouped(number, where, separator)
    assert text_kinds(pa.array([value]))["phone"][0], value


@settings(max_examples=200, deadline=None)
@given(mobiles, st.lists(st.integers(1, 10), min_size=1, max_size=3), st.sampled_from([" ", "-", ".", "/", "_"]),
       st.integers(0, 5))
def test_the_whole_column_shortcuts_never_call_a_column_with_one_clean(number: str, where: list[int], separator: str,
                                                                        position: int) -> None:
    """A one-width ASCII column holding one separated mobile number among plain codes: neither the byte-position
    proof nor the digit count may answer "clean" (they must stay supersets of what the patterns find)."""
    value = _grouped(number, where, separator)
    filler = "A" * len(value)
    values = [filler] * 6
    values[position] = value
    arr = pa.array(values, pa.large_string())
    assert text_kinds(arr)["phone"][position]
    assert not one_width_clean(arr)
    may = ascii_may_hold(arr)
    assert may is None or may[position]


BENIGN = ["2023-01-15", "2023-01-15 13:45:12.123", "2019.12.31", "12.5/13.0/14.5", "13.5 14.2 15.6 17.8",
          "1,380,000,000", "v2.10.3-build.20231105", "P000000001", "订单 2023 1234 5678 9", "0571-8888666",
          "第 3 期 2 年",
          "1.5 2.5 3.5 4.5 5.5 6.5", "2020 2021 2022 2023", "100-200-300-400", "SN 2023/06/01 08:00"]


def test_ordinary_numbers_in_text_are_not_identifiers() -> None:
    masks = text_kinds(pa.array(BENIGN, pa.large_string()))
    hits = [v for i, v in enumerate(BENIGN) if any(m[i] for m in masks.values())]
    assert hits == []


def test_the_probes_files_are_refused_and_not_echoed(tmp_path: Path) -> None:
    """person_id written "330106 19900101 0018" was scored and written out; "电话 139.1234.5678" in a note column
    loaded. Both are refused now, in a file's load, without the value in the message."""
    number = "33010619900101001"
    number += reference_check_digit(number)
    spaced = f"{number[:6]} {number[6:14]} {number[14:]}"
    frame = base_frame()
    frame["人员编号"] = [f"P{i:04d}" for i in range(30)]
    frame.loc[3, "人员编号"] = spaced
    path = tmp_path / "ids.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(PopulationError) as refused:
        read_population(path)
    assert "ID numbers" in str(refused.value) and spaced not in str(refused.value) and number not in str(refused.value)
    frame = base_frame()
    frame["备注"] = "无"
    frame.loc[7, "备注"] = "电话 139.1234.5678"
    path = tmp_path / "note.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(PopulationError) as refused:
        read_population(path)
    assert "mobile or telephone numbers" in str(refused.value) and "1234.5678" not in str(refused.value)


@pytest.mark.parametrize("header", ["QQ号", "QQ", "微信", "wechat_id", "邮箱", "E-mail", "紧急联系人电话", "家庭电话",
                                    "座机"])
def test_headers_that_name_contact_handles_or_phones_are_refused(header: str) -> None:
    frame = base_frame()
    frame[header] = [f"v{i:03d}" for i in range(30)]  # values that hold nothing: the header alone tells
    with pytest.raises(PopulationError, match=f"column '{header}'"):
        read_population(frame)


def test_truncated_hex_digests_are_pseudonyms_not_phones() -> None:
    """sha256(...)[:16] ids: about 7 in 10,000 hold an 11-digit run shaped like a mobile number by chance; 20,000
    of them were refused as phone numbers. 16+ hex digits with a letter are pseudonyms; shorter values and values
    that are not one hex token are still screened."""
    ids = [hashlib.sha256(f"person-{i}".encode()).hexdigest()[:16] for i in range(20_000)]
    chance = pc.match_substring_regex(pa.array(ids), MOBILE).to_numpy(zero_copy_only=False)
    assert 5 <= chance.sum() <= 40  # mobile-shaped runs by chance (14 here): the exemption is what lets them pass
    masks = text_kinds(pa.array(ids, pa.large_string()))
    assert not any(m.any() for m in masks.values())
    still = ["13812345678", "a13812345678", "p13812345678xyzw", "13812345678 abcde"]  # short, not hex, not one token
    masks = text_kinds(pa.array(still, pa.large_string()))
    assert masks["phone"].tolist() == [True, True, True, True]
    # the price of the exemption: a mobile number written inside 16+ hex digits on purpose is taken for a pseudonym
    assert not text_kinds(pa.array(["abcd13812345678e"]))["phone"][0]


def _workbook(path: Path, sheets: list[tuple[str, pd.DataFrame, str]]) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, frame, state in sheets:
        sheet = book.create_sheet(name)
        sheet.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            sheet.append([v.item() if isinstance(v, np.generic) else v for v in row])
        sheet.sheet_state = state
    book.active = next(i for i, (_, _, state) in enumerate(sheets) if state == "visible") if any(
        state == "visible" for _, _, state in sheets) else 0
    book.save(path)
    return path


def test_a_hidden_sheet_is_never_read(tmp_path: Path) -> None:
    from popgen import make_population

    visible, old = make_population(30, seed=3), make_population(5, seed=4)
    path = _workbook(tmp_path / "hidden.xlsx", [("old_hidden", old, "hidden"), ("people", visible, "visible")])
    load = read_population(path)
    assert load.rows_in == 30
    assert any(w.startswith("WARNING: read sheet 'people', the first visible sheet with data, of 2 (1 hidden, never "
                            "read)") for w in load.warnings)
    only_hidden = _workbook(tmp_path / "only.xlsx", [("empty", visible.head(0).iloc[:, :0], "visible"),
                                                     ("data", visible, "hidden")])
    with pytest.raises(PopulationError, match="hidden sheets are never read"):
        read_population(only_hidden)


def test_the_command_line_says_which_sheet_it_read_in_chinese(tmp_path: Path) -> None:
    from popgen import make_population

    path = _workbook(tmp_path / "hidden.xlsx", [("old_hidden", make_population(5, seed=4), "hidden"),
                                                ("people", make_population(30, seed=3), "visible")])
    scheme = ROOT / "scenarios" / "schemes" / "beijing-2020.yaml"
    done = subprocess.run([sys.executable, "-m", "scoring", "score", "--scheme", str(scheme), "--population",
                           str(path), "--out", str(tmp_path / "out.csv")], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert ("注意：2 个工作表中读取了“people”（第一个有数据的可见工作表），其中 1 个隐藏工作表从不读取；"
            "其他工作表未读取") in done.stderr
    assert "WARNING" not in done.stderr and "sheet" not in done.stderr


def test_a_workbook_header_finding_is_listed_once(tmp_path: Path) -> None:
    """A workbook is read whole, so a column a run does not check was screened with the others; it was then screened
    again as an unread column, and the refusal named it twice."""
    from popgen import make_population

    frame = make_population(30, seed=3)
    frame["手机号"] = "无"
    path = _workbook(tmp_path / "phone.xlsx", [("people", frame, "visible")])
    with pytest.raises(PopulationError) as refused:
        read_population(path, columns=["age", "insurance_years"])
    assert str(refused.value).count("'手机号'") == 1
    load = read_population(path, columns=["age", "insurance_years"], drop_identifiers=True)
    assert load.dropped_identifiers == ["手机号"]
