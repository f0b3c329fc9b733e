"""New-user trial 2 on the Data page's downloads: the column template in the view's language (Chinese headers in
the Chinese view, read back by the loader), the data dictionary's CSV without a misleading stamp, and rejected rows
numbered as Excel shows them."""

from __future__ import annotations

import io
import re

import pandas as pd

from dashboard import data_dictionary, exports
from dashboard.i18n import t
from scoring.population.load import load_population, read_population
from scoring.population.schema import load_schema
from scoring.population.synthetic import synth
from scoring.safe_output import STAMP_COLUMN


def test_chinese_template_has_chinese_headers_the_loader_reads_back(tmp_path):
    schema = load_schema()
    en = data_dictionary.template_frame(lang="en")
    zh = data_dictionary.template_frame(lang="zh")
    assert set(en.columns) == set(schema.columns)
    assert len(zh.columns) == len(en.columns) and not any(re.fullmatch(r"[\x00-\x7f]+", c) for c in zh.columns)
    assert [schema.canonical_header(h) for h in zh.columns] == list(en.columns)  # the same columns, same order
    pop = synth(50, 1)
    rename = dict(zip(en.columns, zh.columns, strict=True))
    path = tmp_path / "zh.csv"
    pop.rename(columns=rename).to_csv(path, index=False, encoding="utf-8-sig")
    back = load_population(path)
    assert set(pop.columns) <= set(back.columns)
    assert (back["age"].to_numpy() == pop["age"].to_numpy()).all()


def test_template_download_is_the_chinese_template_without_a_stamp():
    raw = exports.csv_bytes(data_dictionary.template_frame(lang="zh"), None, index=False)
    frame = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig")
    assert list(frame.columns) == list(data_dictionary.template_frame(lang="zh").columns)
    assert "人员编号" in frame.columns and STAMP_COLUMN not in frame.columns


def test_dictionary_csv_has_no_stamp_column():
    table = data_dictionary.dictionary_frame("zh")
    frame = pd.read_csv(io.BytesIO(exports.csv_bytes(table, None, index=False)), encoding="utf-8-sig")
    assert STAMP_COLUMN not in frame.columns and "数据字典" not in frame.to_string()
    assert list(frame.columns) == list(table.columns)
    stamped = pd.read_csv(io.BytesIO(exports.csv_bytes(table, "x v1", index=False)), encoding="utf-8-sig")
    assert list(stamped[STAMP_COLUMN].unique()) == ["x v1"]  # a stamp, when given, is still written


def test_rejected_rows_are_shown_as_excel_numbers_them(tmp_path):
    pop = synth(6, 2)
    pop["age"] = pop["age"].astype(object)
    pop.loc[3, "age"] = "abc"  # data row 4
    path = tmp_path / "bad.csv"
    path.write_text("人口抽样（示例）\n" + pop.to_csv(index=False), encoding="utf-8-sig")  # title above header
    load = read_population(path, skip_invalid=True)
    for lang in ("zh", "en"):
        table = data_dictionary.rejected_table(load.rejected_table(), lang, {})
        assert list(table.columns[:2]) == [t("rejected_excel_row", lang), t("rejected_row", lang)]
        assert table.iloc[0, :2].tolist() == [6, 4]  # title on row 1, header on row 2: data row 4 is Excel row 6
    assert load.excel_row(4) == 6  # the number the command line gives beside the data row
