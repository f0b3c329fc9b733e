"""The population loader's reasons and notes in Chinese, by their fixed wording: one table shared by the dashboard
(the Data page's rejected rows) and the command line (``admit``/``score`` errors and ``*.rejected.csv`` with
``--lang zh``). The loader (scoring.population.load) writes its reasons in English; a reason not matched here is
returned as written, never hidden."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported by the callers; not here, so the CLI's start-up stays light
    import pandas as pd


class LazyPattern:
    """A regular expression compiled when it is first matched: the message tables hold about two hundred, and a
    command that words no message (a successful run) compiles none of them."""

    __slots__ = ("_compiled", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._compiled: re.Pattern[str] | None = None

    def match(self, value: str) -> re.Match[str] | None:
        """``re.match`` of the pattern at the start of ``value``."""
        if self._compiled is None:
            self._compiled = re.compile(self.text)
        return self._compiled.match(value)


def _rows_zh(rows: str) -> str:
    """"4, 1001, ..." (a repeated id's rows) in Chinese: "4、1001 等行"."""
    more = rows.endswith(", ...")
    return rows.removesuffix(", ...").replace(", ", "、") + (" 等行" if more else " 行")


ZH: list[tuple[LazyPattern, Callable[[re.Match[str]], str]]] = [
    (LazyPattern(r"^missing value$"), lambda m: "缺少数值"),
    (LazyPattern(r"^not a number: (.*)$"), lambda m: f"不是数字：{m[1]}"),
    (LazyPattern(r"^not a finite number$"), lambda m: "不是有限的数字"),
    (LazyPattern(r"^must be a whole number, got (.*)$"), lambda m: f"须为整数，填写的是 {m[1]}"),
    (LazyPattern(r"^must be between (.*) and (.*), got (.*)$"),
     lambda m: f"须在 {m[1]} 到 {m[2]} 之间，填写的是 {m[3]}"),
    (LazyPattern(r"^expected 是/否 \(yes/no\), got (.*)$"), lambda m: f"应为“是”或“否”，填写的是 {m[1]}"),
    (LazyPattern(r"^unknown value (.*) \(allowed: (.*)\)$"), lambda m: f"未知取值 {m[1]}（可选：{_labels(m[2])}）"),
    (LazyPattern(r"^the column holds numbers but this value is text: (.*)$"),
     lambda m: f"该列为数字，但此值为文字：{m[1]}"),
    (LazyPattern(r"^person_id (.*) is not unique \(rows (.*)\)$"),
     lambda m: f"人员编号 {m[1]} 重复（第 {_rows_zh(m[2])}）"),
    (LazyPattern(r"^(\S+|“[^”]+”) exceed the (?:age|“[^”]+”)$"), lambda m: f"{_columns(m[1])}超过年龄"),
    (LazyPattern(r"^(\S+|“[^”]+”) > 0 but (\S+|“[^”]+”) is 否 \(no\)$"),
     lambda m: f"{_columns(m[1])}大于 0，但" + ("未持有居住证" if m[2] == "has_residence_permit" else
                                                f"{_columns(m[2])}为“否”")),
    (LazyPattern(r"^(.*) \((.*)\) exceed the (?:age|“[^”]+”) \((.*)\)$"),
     lambda m: f"{_columns(m[1])}（{m[2]}）超过年龄（{m[3]}）"),
    (LazyPattern(r"^(.*) \(([^()]*)\) exceed (?:age|“[^”]+”) - (\d+) \(([^()]*)\)(: nobody is insured before \d+)?$"),
     lambda m: f"{_columns(m[1])}（{m[2]}）超过年龄减 {m[3]}（{m[4]}）"
     + (f"：{m[3]} 岁以前不参加社保" if m[5] else "")),
    (LazyPattern(r"^(.*) \(([^()]*)\) exceed the years of residence in the city \(([^()]*)\)$"),
     lambda m: f"{_columns(m[1])}（{m[2]}）超过在本市居住的年限（{m[3]}）"),
    (LazyPattern(r"^(.*) \((.*)\) exceed (.*)$"), lambda m: f"{_columns(m[1])}（{m[2]}）超过 {m[3]}"),
    (LazyPattern(r"^dropped identifier column\(s\): (.*)$"), lambda m: f"已删除直接标识列：{m[1]}"),
    (LazyPattern(r"^header found on line (\d+); (\d+) line\(s\) above it were skipped$"),
     lambda m: f"在第 {m[1]} 行找到列名，其上 {m[2]} 行已跳过"),
    (LazyPattern(r"^WARNING: read sheet '(.*)', the first visible sheet with data, of (\d+)(?: \((\d+) hidden, never "
                 r"read\))?; the other sheets were not read$"),
     lambda m: f"注意：{m[2]} 个工作表中读取了“{m[1]}”（第一个有数据的可见工作表）"
               + (f"，其中 {m[3]} 个隐藏工作表从不读取" if m[3] else "") + "；其他工作表未读取"),
    (LazyPattern(r"^header found on row (\d+) of sheet '(.*?)'(.*)$"),
     lambda m: f"在工作表“{m[2]}”的第 {m[1]} 行找到列名"),
    (LazyPattern(r"^(\w+): (\d+) value\(s\) not in the schema kept as they are: (.*)$"),
     lambda m: f"{m[1]}：{m[2]} 个取值不在数据字典中，按原样保留：{m[3]}"),
    # the warnings of a load (``PopulationLoad.warnings``; the command line prints those starting "WARNING:")
    (LazyPattern(r"^WARNING: no person_id column, so ids (\S+)\.\.\. were generated; but column\(s\) (.*) look like "
                 r"an id column \(a distinct value in every row\): rename it to person_id / 人员编号 to keep its ids$"),
     lambda m: f"注意：没有人员编号（person_id）列，已生成编号 {m[1]}…；但列 {m[2]} 看似编号列（每行取值都不同）："
               "请将其改名为 person_id 或“人员编号”以保留原编号"),
    (LazyPattern(r"^WARNING: (.+) keeps column\(s\) (.*) as its pandas index, which is not read: write (?:it|them) as "
                 r"(?:a column|columns) \(df\.reset_index\(\)\.to_parquet\(\.\.\.\)\)$"),
     lambda m: f"注意：{m[1]} 把列 {m[2]} 存为 pandas 索引，索引不会被读取：请把它存为普通列"
               "（df.reset_index().to_parquet(...)）"),
    (LazyPattern(r"^(.+) is an Excel workbook \(whatever its name says\): read as \.xlsx$"),
     lambda m: f"{m[1]} 实为 Excel 工作簿（不论文件名如何）：已按 .xlsx 读取"),
    (LazyPattern(r"^WARNING: formula cells in column\(s\) (.*): the values read are the results Excel saved when the "
                 r"file was last calculated, stale if it was edited by a program that does not recalculate; paste them "
                 r"as values to be sure$"),
     lambda m: f"注意：列 {_cells(m[1])} 含公式：读取的是 Excel 上次计算时保存的结果，"
               "如文件曾被不重新计算的程序编辑则可能过时；请粘贴为数值以确保无误"),
    (LazyPattern(r"^WARNING: formula cells in column\(s\) (.*) were never calculated \(the workbook asks to be "
                 r"calculated when opened: a program wrote it\), so they are read as missing; open and save it in "
                 r"Excel, or paste the cells as values$"),
     lambda m: f"注意：列 {_cells(m[1])}的公式从未计算过（工作簿要求打开时再计算：它由程序生成），按缺失值读取；"
               "请在 Excel 中打开并保存，或将这些单元格粘贴为数值"),
    (LazyPattern(r"^WARNING: sheet '(.*)' holds formula cells: their values are the results Excel saved when the file "
                 r"was last calculated; paste them as values to be sure$"),
     lambda m: f"注意：工作表“{m[1]}”含公式单元格：其值为 Excel 上次计算时保存的结果；请粘贴为数值以确保无误"),
]



def _columns(text: str) -> str:
    """``residence_years + residence_years_other_districts`` -> their Chinese names joined by " + " (the schema's
    labels; a name the schema does not know is kept)."""
    from scoring.population.schema import label

    return " + ".join(label(c.strip(), "zh") for c in text.split(" + "))


def _cells(listed: str) -> str:
    """``'年龄' (3 cell(s)), '户籍' (1 cell(s))`` -> ``'年龄'（3 个单元格）、'户籍'（1 个单元格）``."""
    return listed.replace(" cell(s))", " 个单元格）").replace(" (", "（").replace("）, ", "）、")


def _labels(allowed: str) -> str:
    """``none/未上过学, primary/小学`` -> ``未上过学、小学``: the Chinese names of the allowed values (the file may
    hold either the code or a name; the Chinese view names them, never the English codes)."""
    return "、".join(part.split("/", 1)[1] if "/" in part else part for part in allowed.split(", "))


def worded(table: list[tuple[LazyPattern, Callable[[re.Match[str]], str]]], text: str) -> str | None:
    """The first rule of ``table`` whose pattern matches ``text``, applied; None when none does."""
    for pattern, make in table:
        m = pattern.match(text)
        if m:
            return make(m)
    return None


NOT_SHOWN_ZH = "（看似个人身份信息，不予显示）"  # scoring.population.validate.NOT_SHOWN in Chinese


def masked_in(text: str, lang: str = "zh") -> str:
    """``text`` with every value masked as a possible identifier (``validate.NOT_SHOWN``, wherever a reason or a
    message puts it) said in ``lang``."""
    if lang == "en" or "value not shown" not in text:  # the validator (pandas and all) imported only when needed
        return text
    from scoring.population.validate import NOT_SHOWN

    return re.sub(rf" ?{re.escape(NOT_SHOWN)} ?", NOT_SHOWN_ZH, text)  # full-width brackets: no spaces around


def reason_text(text: str, lang: str = "zh") -> str:
    """A loader reason or note in ``lang`` (Chinese by the table above, a masked value too; English, or an unknown
    reason, as written)."""
    out = str(text)
    if lang == "en":
        return out
    got = worded(ZH, out)
    return masked_in(out if got is None else got, lang)


def with_reasons_in(rejected: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The rejected rows (row, column, reason) with their reasons in ``lang``: each distinct reason worded once
    (a file with many bad rows repeats a few reasons), the frame itself left as it was."""
    if lang == "en" or not len(rejected):
        return rejected
    reasons = rejected["reason"].astype(str)
    return rejected.assign(reason=reasons.map({r: reason_text(r, lang) for r in reasons.unique()}))
