"""The Chinese wording of a population file's refusals before any row is read: missing, empty, undecodable,
malformed, too wide or too large, a header repeated or not found, an unreadable workbook or Parquet file
(:mod:`scoring.population.io`, ``csv_read``, ``table``, ``xlsx`` and ``load`` raise them in English). Merged into
:data:`scoring.cli.messages.ZH`; the command line and the dashboard word a refusal through
:func:`scoring.cli.messages.localized`.

A third party's diagnostic inside a reason (the CSV parser's, pyarrow's, the zip reader's) is worded in Chinese
where its form is known; otherwise only its error class is kept (a code, not a sentence), and the English view
shows it whole.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from scoring.reasons import LazyPattern, worded

_Z = Callable[[re.Match[str]], str]
UNKNOWN_REASON = "详细信息见英文界面（--lang en）"  # a reason whose form is not known here: the English view has it


def quoted(text: str) -> str:
    """``'age'`` (a header as the library quotes it) as “age”; anything else as it is."""
    return f"“{text[1:-1]}”" if len(text) >= 2 and text[0] == text[-1] == "'" else text


_PARSER: list[tuple[LazyPattern, _Z]] = [
    (LazyPattern(r"^Error tokenizing data\. C error: EOF inside string starting at row (\d+)$"),
     lambda m: f"从第 {int(m[1]) + 1} 行开始的引号没有闭合"),
    (LazyPattern(r"^Error tokenizing data\. C error: Expected (\d+) fields in line (\d+), saw (\d+)$"),
     lambda m: f"第 {m[2]} 行有 {m[3]} 个字段，应为 {m[1]} 个"),
    (LazyPattern(r"^field larger than field limit \((\d+)\)$"),
     lambda m: f"有字段超过 {int(m[1]):,} 字节的长度上限"),
    (LazyPattern(r"^line contains NUL$"), lambda m: "含有 NUL 字节"),
    (LazyPattern(r"^(?:new-line character seen in unquoted field|unexpected end of data).*$"),
     lambda m: "引号或换行不成对"),
]


_CLASSES = {"BadZipFile": "不是有效的 zip 压缩包（.xlsx 文件是一个 zip 压缩包）", "ArrowInvalid": "文件结构无效",
            "ArrowIOError": "读取出错", "OSError": "读取出错", "KeyError": "缺少必需的部分",
            "ValueError": "内容无效", "XMLSyntaxError": "内部 XML 有误", "ParseError": "内部 XML 有误"}


def parser_detail(detail: str) -> str:
    """A CSV parser's or reader's diagnostic in Chinese where its form is known (by its wording, else by its error
    class); otherwise a pointer to the English view, which shows it whole."""
    head = detail.split(":", 1)[0].strip()
    return worded(_PARSER, detail.strip()) or _CLASSES.get(head, UNKNOWN_REASON)


READ_ERRORS = {"Permission denied": "没有读取权限", "No such file or directory": "文件不存在",  # the system's reasons
               "Is a directory": "这是一个文件夹", "Input/output error": "输入输出错误"}
WRITE_ERRORS = {"Permission denied": "没有写入权限", "No space left on device": "磁盘空间不足",
                "Read-only file system": "文件系统为只读", "Disk quota exceeded": "超出磁盘配额",
                "File too large": "文件过大", "Input/output error": "输入输出错误"}

def _column(name: str) -> str:
    """A population column as “name（中文名）” (the schema's label; the name alone when it has none)."""
    from scoring.population.schema import label

    zh = label(name, "zh")
    return f"“{name}”" if zh == name else f"“{name}”（{zh}）"


def _listed(names: str) -> str:
    """``a, b and 3 more`` (ids or a file's headers, as the library lists them) as “a”、“b” 等另外 3 个."""
    more = ""
    if " and " in names and names.endswith(" more"):
        names, count = names.rsplit(" and ", 1)
        more = f" 等另外 {count.removesuffix(' more')} 个"
    if names in ("(none)", ""):
        return "（无）" + more
    if names == "a tie-break":
        return "同分排序规则"
    return "、".join(f"“{n}”" for n in names.split(", ")) + more


FILE_ZH: list[tuple[LazyPattern, _Z]] = [
    (LazyPattern(r"^(.+): column '(.+?)' \(used by (.+) of scheme (\S+)\) is not in the file(?: \(and (\d+) more: "
                 r"(.+?)\))?; the file's columns: (.*); python -m scoring columns --scheme (.+) lists the headers each "
                 r"column accepts$"),
     lambda m: f"{m[1]}：文件中没有方案“{m[4]}”所需的列{_column(m[2])}（用于 {_listed(m[3])}）"
               + (f"（另缺 {m[5]} 列：{_listed(m[6].removesuffix(', ...'))}{'……' if m[6].endswith('...') else ''}）"
                  if m[5] else "")
               + f"；文件中的列：{_listed(m[7])}"
               + f"；python -m scoring columns --scheme {m[8]} 列出每一列可用的列名"),
    (LazyPattern(r"^scheme (\S+): column '(.+?)' \(used by (.+)\) is not in the population; its columns: (.*)$"),
     lambda m: f"方案“{m[1]}”：人口数据中没有列{_column(m[2])}（用于 {_listed(m[3])}）；现有的列：{_listed(m[4])}"),
    (LazyPattern(r"^(.+): the file is empty$"), lambda m: f"{m[1]}：文件是空的"),
    (LazyPattern(r"^(.+): the header has no data rows$"), lambda m: f"{m[1]}：只有表头，没有数据行"),
    (LazyPattern(r"^(.+): column header (.+) appears twice \(columns (\d+) and (\d+)\)$"),
     lambda m: f"{m[1]}：列名{quoted(m[2])}出现了两次（第 {m[3]} 列和第 {m[4]} 列）"),
    (LazyPattern(r"^(.+): column header (.+) appears twice$"), lambda m: f"{m[1]}：列名{quoted(m[2])}出现了两次"),
    (LazyPattern(r"^(.+): columns (.+) and (.+) both map to (.+)$"),
     lambda m: f"{m[1]}：列{quoted(m[2])}和列{quoted(m[3])}都对应到{quoted(m[4])}，只能保留其一"),
    (LazyPattern(r"^(.+): no columns left after dropping identifiers$"),
     lambda m: f"{m[1]}：删除含标识信息的列后，没有剩下的列"),
    (LazyPattern(r"^(.+): no columns$"), lambda m: f"{m[1]}：文件中没有列"),
    (LazyPattern(r"^(.+) is a directory, not a population file$"),
     lambda m: f"{m[1]} 是一个文件夹，不是人口数据文件"),
    (LazyPattern(r"^(.+): the file contains NUL bytes: it is binary or in an unsupported encoding$"),
     lambda m: f"{m[1]}：文件含有 NUL 字节：它是二进制文件，或使用了不支持的编码"),
    (LazyPattern(r"^(.+): the file starts with a (UTF-8|UTF-16) byte-order mark but is not valid (?:UTF-8|UTF-16): "
                 r"save it as UTF-8 or GB18030 CSV, XLSX or Parquet$"),
     lambda m: f"{m[1]}：文件以 {m[2]} 字节顺序标记（BOM）开头，但内容不是有效的 {m[2]} 文本；请另存为 UTF-8 或 "
               "GB18030 编码的 CSV，或 XLSX、Parquet 文件"),
    (LazyPattern(r"^(.+): cannot decode the file as UTF-8 or GB18030/GBK: save it as UTF-8 or GB18030 CSV, XLSX or "
                 r"Parquet$"),
     lambda m: f"{m[1]}：无法按 UTF-8 或 GB18030/GBK 编码读取该文件；请另存为 UTF-8 或 GB18030 编码的 CSV，"
               "或 XLSX、Parquet 文件"),
    (LazyPattern(r"^(.+): malformed CSV near the top of the file: (.+)$"),
     lambda m: f"{m[1]}：文件开头附近的 CSV 格式有误：{parser_detail(m[2])}"),
    (LazyPattern(r"^(.+): malformed CSV: (.+)$"), lambda m: f"{m[1]}：CSV 格式有误：{parser_detail(m[2])}"),
    (LazyPattern(r"^(.+): cannot parse the CSV: (.+)$"), lambda m: f"{m[1]}：无法解析该 CSV：{parser_detail(m[2])}"),
    (LazyPattern(r"^(.+): column\(s\) (.+) hold lists or records, not one value per person; flatten them before "
                 r"loading$"),
     lambda m: f"{m[1]}：列 {m[2]} 存放的是列表或记录，而不是每人一个值；请先展开后再载入"),
    (LazyPattern(r"^(.+): no header row found in the first (\d+) rows \(expected column names such as .+\)$"),
     lambda m: f"{m[1]}：前 {m[2]} 行中没有找到表头行（应有“年龄”“性别”“学历”或“age”“sex”“education”这样的列名）"),
    (LazyPattern(r"^(.+) is (.+); loading it as (\w+) needs about (.+) of memory but only (.+) is available: split "
                 r"the file, convert it to Parquet, or use a larger machine$"),
     lambda m: f"{m[1]} 大小为 {m[2]}；按 {m[3].upper()} 载入约需 {m[4]} 内存，但只有 {m[5]} 可用：请拆分文件、"
               "转换为 Parquet，或换用内存更大的机器"),
    (LazyPattern(r"^(.+) holds (.+) of data once decoded; loading it needs about (.+) of memory but only (.+) is "
                 r"available: split the file, or use a larger machine$"),
     lambda m: f"{m[1]} 解压后有 {m[2]} 数据；载入约需 {m[3]} 内存，但只有 {m[4]} 可用："
               "请拆分文件，或换用内存更大的机器"),
    (LazyPattern(r"^(.+): the pandas index \(column\(s\) (.+)\) holds direct identifiers; it is never read: write the "
                 r"file without it \(df\.reset_index\(drop=True\)\.to_parquet\(\.\.\.\)\)$"),
     lambda m: f"{m[1]}：pandas 索引（列 {m[2]}）中含有直接标识信息；索引不会被读取：请去掉索引后再保存"
               "（df.reset_index(drop=True).to_parquet(...)）"),
    (LazyPattern(r"^(.+): the (\d+) line\(s\) above the header hold direct identifiers \(an ID number, a phone number "
                 r"or a contact handle\); remove them before loading$"),
     lambda m: f"{m[1]}：表头上方的 {m[2]} 行含有直接标识信息（身份证号、电话号码或联系方式）；请先删除这些行再载入"),
    (LazyPattern(r"^(.+): not enough memory to read the file$"), lambda m: f"{m[1]}：内存不足，无法读取该文件"),
    (LazyPattern(r"^(.+): the old \.xls format is not supported; save the sheet as \.xlsx or CSV$"),
     lambda m: f"{m[1]}：不支持旧的 .xls 格式；请将工作表另存为 .xlsx 或 CSV"),
    (LazyPattern(r"^(.+): the workbook holds ([\d,]+) files; at most ([\d,]+) are accepted$"),
     lambda m: f"{m[1]}：该工作簿包含 {m[2]} 个内部文件，最多接受 {m[3]} 个"),
    (LazyPattern(r"^(.+): the workbook unpacks to (.+); at most (.+) is accepted: save it as CSV or Parquet$"),
     lambda m: f"{m[1]}：该工作簿解压后为 {m[2]}，最多接受 {m[3]}；请另存为 CSV 或 Parquet"),
    (LazyPattern(r"^(.+): a part of the workbook unpacks to (\d+) times its size \((.+)\), as a zip bomb does: "
                 r"refused$"),
     lambda m: f"{m[1]}：工作簿的某一部分解压后是压缩大小的 {m[2]} 倍（{m[3]}），与“压缩炸弹”相同，已拒绝"),
    (LazyPattern(r"^(.+): cannot read the Excel workbook: (.+)$"),
     lambda m: f"{m[1]}：无法读取该 Excel 工作簿（文件损坏，或并非 .xlsx 格式）：{parser_detail(m[2])}"),
    (LazyPattern(r"^(.+): the workbook has no data \(every sheet is empty\)$"),
     lambda m: f"{m[1]}：该工作簿没有数据（所有工作表都是空的）"),
    (LazyPattern(r"^(.+): the workbook has no data in its visible sheets; hidden sheets are never read: unhide the "
                 r"sheet to read, or save it as a workbook of its own$"),
     lambda m: f"{m[1]}：该工作簿的可见工作表中没有数据；隐藏的工作表从不读取："
               "请取消隐藏要读取的工作表，或将其另存为单独的工作簿"),
    (LazyPattern(r"^(.+): cannot read the Parquet file: (.+)$"),
     lambda m: f"{m[1]}：无法读取该 Parquet 文件（文件损坏、不完整或并非 Parquet 格式）：{parser_detail(m[2])}"),
    (LazyPattern(r"^(--\S+) (.+): cannot write: (.+)$"),
     lambda m: f"{m[1]} {m[2]}：无法写入：{WRITE_ERRORS.get(m[3], parser_detail(m[3]))}"),
    (LazyPattern(r"^cannot read (.+): (.+)$"),
     lambda m: f"无法读取 {m[1]}：{READ_ERRORS.get(m[2], parser_detail(m[2]))}"),
]
