"""Pure dashboard functions: aggregations against slow references, figure builders, the scheme editor, exports."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import plotly.graph_objects as go
import pytest

import scoring
from dashboard import analysis, exports, figures, person, scheme_edit
from dashboard.i18n import STRINGS, fmt_int, fmt_pct, fmt_points, t
from scoring.errors import SchemeError
from scoring.population.synthetic import synth

SCHEMES = Path(__file__).resolve().parent.parent / "scenarios" / "schemes"
MAX_FIG_BYTES = 300_000


@pytest.fixture(scope="module")
def ev():
    pop = synth(30_000, 11)
    return analysis.evaluate(pop, scoring.load_scheme(SCHEMES / "hangzhou-2022-illustrative.yaml"))


@pytest.fixture(scope="module")
def ev23():
    pop = synth(30_000, 11)
    return analysis.evaluate(pop, scoring.load_scheme(SCHEMES / "hangzhou-2023-illustrative.yaml"))


# -- aggregations ---------------------------------------------------------------------------------------------
def test_histogram_matches_a_slow_count(ev):
    res = ev.res
    hist = analysis.score_histogram(res.total_cents, res.eligible_mask, ev.admitted_mask, 5.0)
    assert hist["admitted"].sum() == ev.admitted_mask[res.eligible_mask].sum()
    assert (hist["admitted"] + hist["not_admitted"]).sum() == res.eligible_mask.sum()
    ref: dict[float, int] = {}
    for cents, ok in zip(res.total_cents[:3000], res.eligible_mask[:3000], strict=True):
        if ok:
            left = np.floor(cents / 500) * 5.0
            ref[left] = ref.get(left, 0) + 1
    part = analysis.score_histogram(res.total_cents[:3000], res.eligible_mask[:3000], ev.admitted_mask[:3000], 5.0)
    got = {row.left: row.admitted + row.not_admitted for row in part.itertuples() if row.admitted + row.not_admitted}
    assert got == ref


def test_item_means_by_band_matches_groupby(ev):
    res = ev.res
    mask = res.eligible_mask
    means = analysis.item_means_by_band(res, mask, 10.0)
    frame = res.points[mask].assign(band=np.floor(res.total[mask] / 10.0) * 10.0)
    ref = frame.groupby("band").mean()
    pd.testing.assert_frame_equal(means.drop(columns="count"), ref, check_names=False, check_index_type=False)
    assert means["count"].sum() == mask.sum()


def test_composition_columns_sum_to_one(ev):
    pop = ev.res.population
    masks = {"all": np.ones(len(pop), bool), "eligible": ev.res.eligible_mask, "none": np.zeros(len(pop), bool)}
    comp = analysis.composition(pop["district"], masks, top=5)
    assert np.allclose(comp[["all", "eligible"]].sum(), 1.0)
    assert comp["none"].isna().all()
    assert len(comp) == 6 and comp.index[-1] == "other"
    assert comp.loc["other", "all"] == pytest.approx(1 - comp["all"].iloc[:5].sum())


def test_age_bands():
    bands = analysis.age_band(np.array([16, 17, 18, 24, 25, 34, 35, 59, 60, 90]))
    assert list(bands) == ["<18", "<18", "18-24", "18-24", "25-34", "25-34", "35-44", "55-59", "60+", "60+"]


def test_cutoff_curve_agrees_with_admit(ev):
    res = ev.res
    quotas = np.array([1, 50, 777, 5000, int(res.eligible_mask.sum())])
    curve = analysis.cutoff_table(res, quotas)
    for q, cut, admitted in curve.itertuples(index=False):
        adm = scoring.admit(res, quota=int(q), ties="admit_all")
        assert cut == adm.cutoff and admitted == adm.admitted_count
    default = analysis.cutoff_table(res)
    assert default["quota"].is_monotonic_increasing and default["cutoff"].is_monotonic_decreasing


def test_headline_and_summary(ev23):
    h = analysis.headline(ev23)
    assert h.admitted == ev23.adm.admitted_count and h.line == 100.0 and h.mode == "threshold"
    assert h.share == ev23.dom.required == ev23.dom.realised_eligible  # the shipped scheme: share of the points
    zh, en = analysis.summary_sentence(h, "zh"), analysis.summary_sentence(h, "en")
    assert fmt_int(h.admitted) in zh and fmt_int(h.admitted) in en
    words = analysis.verdict_words(ev23, "en")  # the literal share of the points, in words, with its verdict
    assert fmt_pct(h.points_share["eligible"]) in words[0] and ("meets" in words[0]) == bool(h.literal_ok)


# -- one person ---------------------------------------------------------------------------------------------------
def _rescore(row: pd.DataFrame, scheme, column: str, value) -> float:
    changed = row.copy()
    if isinstance(changed[column].dtype, pd.CategoricalDtype):
        changed[column] = pd.Categorical([value], categories=changed[column].cat.categories)
    else:
        changed[column] = np.asarray([value]).astype(np.float64)
    res = scoring.score(changed, scheme)
    return res.total_cents[0] / 100.0 if res.eligible_mask[0] else float("nan")


def test_flip_is_real_and_minimal(ev23):
    scheme, line = ev23.scheme, ev23.line
    res = ev23.res
    below = np.flatnonzero(res.eligible_mask & (res.total_cents < 9000) & (res.total_cents > 6000))[:5]
    assert below.size
    found = 0
    for pos in below:
        row = res.population.iloc[[int(pos)]]
        flips = person.flip_changes(row, scheme, line)
        months = flips[flips["kind"] == "months"]  # may be empty: a capped item cannot close the gap alone
        found += len(months)
        for col, m in zip(months["column"], months["amount"], strict=True):
            base = float(row[col].iloc[0])
            assert _rescore(row, scheme, col, base + m / 12) >= line
            assert not _rescore(row, scheme, col, base + (m - 1) / 12) >= line
    assert found
    above = int(np.flatnonzero(res.eligible_mask & (res.total_cents >= 11000))[0])
    row = res.population.iloc[[above]]
    assert person.outcome(row, scheme, line).admitted
    out = person.flip_changes(row, scheme, line)
    assert (out["kind"] != "both").all()
    for col, m in zip(out.loc[out["kind"] == "months", "column"], out.loc[out["kind"] == "months", "amount"],
                      strict=True):
        assert _rescore(row, scheme, col, float(row[col].iloc[0]) - m / 12) < line


def test_outcome_for_an_ineligible_person(ev23):
    res = ev23.res
    pos = int(np.flatnonzero(~res.eligible_mask)[0])
    out = person.outcome(res.population.iloc[[pos]], ev23.scheme, ev23.line)
    assert not out.eligible and not out.admitted and out.reason == str(res.reason.iloc[pos])


# -- the scheme editor ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["beijing-2020", "hangzhou-2022-illustrative", "hangzhou-2023-illustrative",
                                  "shanghai-permit"])
def test_unedited_tables_give_back_the_same_scheme(name):
    scheme = scoring.load_scheme(SCHEMES / f"{name}.yaml")
    cats = {i.id: scheme_edit.category_table(scheme, i.id, "zh") for i in scheme.items if i.kind == "category"}
    bands = {i.id: scheme_edit.bands_table(scheme, i.id) for i in scheme.items if i.kind == "bands"}
    again = scheme_edit.apply_edits(scheme, scheme_edit.items_table(scheme, "en"), cats, bands)
    assert again.to_dict() == scheme.to_dict()


def test_edits_apply_and_bad_edits_raise():
    scheme = scoring.load_scheme(SCHEMES / "hangzhou-2022-illustrative.yaml")
    items = scheme_edit.items_table(scheme, "zh")
    first = next(i.id for i in scheme.items if i.kind == "per_unit")
    items.loc[first, "points_per_unit"] = 9.0
    items.loc[first, "cap"] = np.nan
    edited = scheme_edit.apply_edits(scheme, items)
    assert edited.item(first).points_per_unit == 9.0 and edited.item(first).cap is None
    bad = items.copy()
    bad.loc[first, "cap"] = -1.0
    with pytest.raises(SchemeError, match="cap"):
        scheme_edit.apply_edits(scheme, bad)
    band_item = next(i.id for i in scheme.items if i.kind == "bands")
    table = scheme_edit.bands_table(scheme, band_item)
    lo = float(table["min"].dropna().iloc[0])  # the editor's cells are text (typed input is checked, never coerced)
    table.loc[len(table)] = [str(lo), str(lo + 5), "1"]
    with pytest.raises(SchemeError, match="overlap"):
        scheme_edit.apply_edits(scheme, bands={band_item: table})
    cat_item = next(i for i in scheme.items if i.kind == "category")
    cats = scheme_edit.category_table(scheme, cat_item.id, "en")
    cats.loc[cats.index[0], "points"] = 3.5
    edited = scheme_edit.apply_edits(scheme, categories={cat_item.id: cats})
    assert edited.item(cat_item.id).points[cats.index[0]] == 3.5


# -- figures -----------------------------------------------------------------------------------------------------
def _all_figures(ev, lang: str) -> dict[str, go.Figure]:
    res, sch = ev.res, ev.scheme
    stamp = sch.stamp(lang)
    h = analysis.headline(ev)
    masks = {"all": np.ones(res.n, bool), "eligible": res.eligible_mask, "admitted": ev.admitted_mask}
    comp = analysis.composition(res.population["education"], masks)
    years = pd.DataFrame({"year": [1, 2, 1, 2], "scenario": ["with", "with", "without", "without"],
                          "admitted": [5, 6, 9, 2]})
    trans = pd.DataFrame({"newly_admitted": [3], "newly_excluded": [1], "stay_admitted": [7]}, index=["b"])
    return {
        "histogram": figures.histogram(analysis.score_histogram(res.total_cents, res.eligible_mask,
                                                                ev.admitted_mask, 0.5), h.line, lang, stamp),
        "bands": figures.item_bands(analysis.item_means_by_band(res, res.eligible_mask),
                                    {i.id: i.name(lang) for i in sch.items}, lang, stamp),
        "composition": figures.composition(comp, {}, {}, "t", lang, stamp),
        "cutoff": figures.cutoff_curve(analysis.cutoff_table(res), 8000, lang, stamp),
        "gauges": figures.gauges(h.shares, h.min_share, h.measure, lang, stamp),
        "person": figures.person_items({"a": 10.0, "b": -5.0}, {"a": "A"}, 100.0, lang, stamp),
        "transitions": figures.transitions(trans, lang, stamp),
        "years": figures.years(years, "admitted", "x", lang, stamp),
    }


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_figure_is_stamped_small_and_labelled(ev, lang):
    stamp = ev.scheme.stamp(lang)
    for name, fig in _all_figures(ev, lang).items():
        assert isinstance(fig, go.Figure)
        assert fig.layout.title.subtitle.text == stamp, name
        size = len(fig.to_json())
        assert size < MAX_FIG_BYTES, (name, size)
        assert ("模拟" in stamp) == (lang == "zh")
    hist = _all_figures(ev, lang)["histogram"]
    assert hist.layout.xaxis.title.text == t("fig_hist_x", lang)
    assert sum(sum(tr.y) for tr in hist.data) == ev.res.eligible_mask.sum()


def test_gauges_show_the_measures(ev):
    h = analysis.headline(ev)
    fig = figures.gauges(h.shares, h.min_share, h.measure, "en", "s")
    values = [tr.value for tr in fig.data]
    assert values == [None if h.shares[k] is None else round(h.shares[k] * 100, 1)
                      for k in ("design", "realised", "decisive")]
    assert all(tr.gauge.threshold.value == h.min_share * 100 for tr in fig.data)


# -- exports, i18n -------------------------------------------------------------------------------------------------
def test_exports_round_trip_and_carry_the_stamp():
    df = pd.DataFrame({"学历": ["本科", "硕士"], "n": [1, 2]})
    stamp = "x v1 · 示意 · 模拟结果"
    data = exports.csv_bytes(df, stamp + "\n", index=False)  # the stamp is kept on one line
    assert data.startswith(b"\xef\xbb\xbf") and data.decode("utf-8-sig").splitlines()[0] == "学历,n,stamp"
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert back["stamp"].tolist() == [stamp, stamp]  # the last column, on every row
    pd.testing.assert_frame_equal(back.drop(columns="stamp"), df)
    book = openpyxl.load_workbook(io.BytesIO(exports.excel_bytes({"表/1": df}, stamp, index=False)))
    sheet = book.worksheets[0]
    assert sheet["A1"].value == stamp and sheet["A3"].value == "学历" and sheet["B5"].value == 2
    html = exports.figure_html(go.Figure(), stamp).decode()
    assert stamp in html and "plotly" in html


def test_strings_and_formats():
    assert all(len(pair) == 2 and all(pair) for pair in STRINGS.values())
    for key, (zh, en) in STRINGS.items():  # the same placeholders in both languages
        assert sorted(_fields(zh)) == sorted(_fields(en)), key
    assert fmt_int(1234567) == "1,234,567" and fmt_points(115.3300) == "115.33" and fmt_points(100.0) == "100"
    assert fmt_pct(0.5764) == "57.6%" and fmt_int(None) == "—"
    json.dumps(STRINGS, ensure_ascii=False)


def _fields(text: str) -> list[str]:
    import string

    return [f for _, f, _, _ in string.Formatter().parse(text) if f]


def test_reform_bars_keep_long_names_and_stamps_whole():
    """The English names of the two schemes and the two stamps are long: the axis labels wrap (the data keep the
    names) and the stamp gets one line per scheme (the figure's meta keeps it whole, for downloads)."""
    before, after = "Before: " + "x" * 70, "After: " + "y y " * 20
    stamp = "a" * 80 + " | " + "b" * 80
    fig = figures.reform_bars((before, 8000, "r"), (after, 9000, "r"), "en", stamp)
    assert list(fig.data[0].x) == [before, after]
    assert all(max(len(part) for part in text.split("<br>")) <= 40 for text in fig.layout.xaxis.ticktext)
    assert "".join(fig.layout.xaxis.ticktext[0].split("<br>")) == before
    assert fig.layout.title.subtitle.text.split("<br>") == stamp.split(" | ")
    assert fig.layout.meta["stamp"] == stamp


def test_count_ticks_use_wan_in_chinese_and_cover_the_largest_bar():
    """Finding 16: the Pathways count axes read "20万" in the Chinese view (never plotly's "0.2M"), plain thousands
    in English; the ticks start at 0, are evenly spaced and reach past the largest value."""
    import itertools

    from dashboard.figures_pathways import count_ticks

    for top in (851_620, 8_000, 3_270_580, 37):
        vals, zh = count_ticks(top, "zh")
        _, en = count_ticks(top, "en")
        assert vals[0] == 0 and vals[-1] >= top and 3 <= len(vals) <= 12
        steps = {round(b - a, 6) for a, b in itertools.pairwise(vals)}
        assert len(steps) == 1
        assert not any(x.endswith(("M", "k")) for x in zh + en)
        for v, z, e in zip(vals, zh, en, strict=True):
            assert e == f"{v:,.0f}"
            assert z == e if v < 10_000 else float(z.rstrip("万").replace(",", "")) * 10_000 == v
    assert "20万" in count_ticks(851_620, "zh")[1]


def test_overview_short_share_label_fits_the_metric():
    """Finding 16: the English metric label was cut at 26 characters ("residence + insurance shar…")."""
    from dashboard.i18n import t

    assert len(t("main_share_short", "en")) <= 22
