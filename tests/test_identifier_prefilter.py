"""The identifier screen's prefilters are supersets of the exact screen (issue 14).

The screen runs a cheap test first — the whole column's text at once (:func:`column_may_hold`), then one pattern per
value (``PREFILTER``) — and the detailed patterns only where it hits. The property: the rows the screen reports are
exactly the rows the detailed patterns flag when run on every value with no prefilter at all (the reference below),
on columns built from the identifiers of the hostile-input tests, hidden in text with full-width digits, zero-width
characters, separators and distracting digits, in ASCII id columns of one width, with nulls and slices.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.population.identifiers_arrow import UnreadColumns, screen_unread
from scoring.population.identifiers_embedded import (
    DIGEST,
    EMAIL,
    ID15,
    LABELLED_PHONE,
    MOBILE,
    QQ,
    WECHAT,
    _id18_inside,
    clean_text,
    column_may_hold,
    column_text_hits,
)
from scoring.population.schema import load_schema

FULL_WIDTH = str.maketrans("0123456789:", "０１２３４５６７８９：")
ZERO_WIDTH = ["\u200b", "\u200d", "\u2060", "\ufeff", "\u202a"]


def check_digit(body: str) -> str:
    """GB 11643-1999 check digit (ISO 7064 MOD 11-2), the slow way (as tests/test_hostile_population.py)."""
    return "10X98765432"[sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(body)) % 11]


@st.composite
def identifiers(draw: st.DrawFn) -> str:
    """One identifier as people write it (the kinds of tests/test_hostile_population.py's HIDDEN)."""
    kind = draw(st.sampled_from(["mobile", "id18", "id15", "wechat", "qq", "email", "tel"]))
    digits = st.text(alphabet="0123456789", min_size=1, max_size=1)
    if kind == "mobile":
        rest = "".join(draw(digits) for _ in range(9))
        num = "1" + draw(st.sampled_from("3456789")) + rest
        sep = draw(st.sampled_from(["", " ", "-"]))
        num = num[:3] + sep + num[3:7] + sep + num[7:]
        return draw(st.sampled_from(["", "+86", "+86 ", "86"])) + num
    if kind == "id18":
        body = draw(st.sampled_from(["3301", "1101", "4403"])) + "".join(draw(digits) for _ in range(2)) + \
            str(draw(st.integers(1930, 2010))) + f"{draw(st.integers(1, 12)):02d}{draw(st.integers(1, 28)):02d}" + \
            "".join(draw(digits) for _ in range(3))
        return body + check_digit(body)
    if kind == "id15":
        date = f"{draw(st.integers(0, 99)):02d}{draw(st.integers(1, 12)):02d}{draw(st.integers(1, 28)):02d}"
        return draw(st.sampled_from(["330106", "110105"])) + date + "".join(draw(digits) for _ in range(3))
    if kind == "wechat":
        return draw(st.sampled_from(["微信", "微信号", "wx", "VX", "wechat", "威信"])) + \
            draw(st.sampled_from([":", "：", " ", "="])) + draw(st.from_regex(r"[a-z][-_a-z0-9]{5,12}", fullmatch=True))
    if kind == "qq":
        return draw(st.sampled_from(["QQ", "qq", "扣扣", "企鹅"])) + draw(st.sampled_from([" ", ":", "号"])) + \
            draw(st.from_regex(r"[1-9][0-9]{4,11}", fullmatch=True))
    if kind == "email":
        return draw(st.from_regex(r"[a-z0-9._]{1,8}@[a-z0-9]{1,8}\.(com|cn|org)", fullmatch=True))
    number = draw(st.from_regex(r"\(?0[0-9]{2,3}\)?[ -]?[0-9]{7,8}", fullmatch=True))
    label = draw(st.sampled_from(["电话", "座机", "tel", "phone", "联系方式"]))
    return label + draw(st.sampled_from([": ", "：", " "])) + number


def disguise(draw: st.DrawFn, text: str) -> str:
    """Full-width digits and colons, zero-width characters between characters, as a hostile file has them."""
    if draw(st.booleans()):
        text = text.translate(FULL_WIDTH)
    if draw(st.booleans()):
        cut = draw(st.integers(0, len(text)))
        text = text[:cut] + draw(st.sampled_from(ZERO_WIDTH)) + text[cut:]
    return text


FILLER = st.text(alphabet="备注电话微信号无本科西湖区abcxyzQP0123456789 -:：@._\u3000１２", max_size=12)


@st.composite
def values(draw: st.DrawFn) -> str | None:
    """A cell: empty, filler (digits, labels and "@" that may or may not make an identifier), or an identifier
    inside filler, disguised."""
    pick = draw(st.integers(0, 9))
    if pick == 0:
        return None
    if pick <= 4:
        return draw(FILLER)
    return draw(FILLER) + disguise(draw, draw(identifiers())) + draw(FILLER)


def reference_rows(arr: pa.Array) -> np.ndarray:
    """The rows the detailed patterns flag, run on every value (no prefilter), after the screen's normalisation."""
    text = clean_text(arr)
    if not len(text):
        return np.zeros(0, dtype=np.int64)

    def match(pattern: str) -> np.ndarray:
        return pc.fill_null(pc.match_substring_regex(text, pattern), False).to_numpy(zero_copy_only=False)

    flagged = ~match(DIGEST) & (match(MOBILE) | match(LABELLED_PHONE) | _id18_inside(text) | match(ID15))
    flagged |= match(WECHAT) | match(QQ) | match(EMAIL)
    return np.flatnonzero(flagged)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cells=st.lists(values(), min_size=1, max_size=25), start=st.integers(0, 3), large=st.booleans())
def test_the_prefilters_miss_nothing_the_exact_screen_finds(cells: list[str | None], start: int, large: bool) -> None:
    arr = pa.array(cells, type=pa.large_string() if large else pa.string()).slice(min(start, len(cells) - 1))
    want = reference_rows(arr)
    kinds, got = column_text_hits(arr)
    assert got.tolist() == want.tolist()
    assert bool(kinds) == bool(want.size)
    if want.size:
        assert column_may_hold(arr)


@settings(max_examples=200, deadline=None)
@given(ids=st.lists(st.from_regex(r"[A-Z]{0,2}[0-9]{6,16}", fullmatch=True), min_size=1, max_size=40),
       planted=st.lists(identifiers(), max_size=2))
def test_ascii_id_columns_of_one_width(ids: list[str], planted: list[str]) -> None:
    """Ids of one width (the numpy word path) and any width (the whole-column pass): the same rows as the reference."""
    width = max(len(v) for v in ids + planted)
    cells = [v.rjust(width, "0") for v in ids] + [v.ljust(width, "-") for v in planted if v.isascii()]
    arr = pa.array(cells)
    assert column_text_hits(arr)[1].tolist() == reference_rows(arr).tolist()


@settings(max_examples=60, deadline=None)
@given(blocks=st.lists(st.lists(values(), min_size=1, max_size=8), min_size=1, max_size=4))
def test_unread_columns_block_by_block_find_what_the_whole_column_holds(blocks: list[list[str | None]]) -> None:
    """The unread-column screen, a block (row group) at a time: the same rows, counted and numbered in the file."""
    whole = pa.array([v for b in blocks for v in b], type=pa.string())
    want = reference_rows(whole)
    unread = UnreadColumns(["备注"], lambda: ((len(b), {"备注": pa.array(b, type=pa.string())}) for b in blocks))
    found = screen_unread(unread, load_schema()).get("备注")
    if not want.size:
        assert found is None or found.kind == "name"
        return
    assert found is not None and found.rows_hit == want.size
    assert list(found.positions) == want[:5].tolist()
