"""The command line's one-line error reasons in the report's language.

The library raises its reasons in English (``--lang en`` and ``--json`` consumers keep them as written). With
``--lang zh`` (the default) the common ones are worded in Chinese: the refused rows of a population file and the
identifier refusal from their fields, the rest by their fixed wording. A reason not matched here is shown as
written, never hidden.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from scoring.cli.messages_files import FILE_ZH
from scoring.cli.messages_schemes import SCHEME_VALUES_ZH, SCHEME_ZH, UNKNOWN_REASON, value_reason
from scoring.errors import IdentifierError, PopulationError, RowsError, SchemeError, ScoringInputError
from scoring.reasons import NOT_SHOWN_ZH, LazyPattern, masked_in, reason_text, worded

CJK_TEXT = re.compile(r"[\u3400-\u9fff]")  # a header holding Chinese is shown as it is in a Chinese message

_Z = Callable[[re.Match[str]], str]
# --person as whatif names it: quoted, or masked (validate.NOT_SHOWN) when it looks like an identifier
_PERSON = r"(\(value not shown: it looks like a personal identifier\)|'(.+)')"


def _person(m: re.Match[str]) -> str:
    return f"“{m[2]}”" if m[2] is not None else NOT_SHOWN_ZH

ZH: list[tuple[LazyPattern, _Z]] = [
    (LazyPattern(r"^population file not found: (.+)$"),
     lambda m: f"找不到人口数据文件：{m[1]}"),
    (LazyPattern(r"^(.+): (scheme|scenario|targets|rule set|ruleset|cases?) file not found(.*)$"),
     lambda m: f"{m[1]}：找不到{_FILES.get(m[2], '')}文件" + ("（格式见 docs/schemes.md 的 Cases 一节）"
                                                          if "docs/schemes.md" in m[3] else "")),
    (LazyPattern(r"^(--\S+) (.+): is a folder; give a file name inside it$"),
     lambda m: f"{m[1]} {m[2]}：这是一个文件夹，请给出其中的文件名"),
    (LazyPattern(r"^(--\S+) (.+): is the input file (.+); write the output elsewhere$"),
     lambda m: f"{m[1]} {m[2]}：与输入文件 {m[3]} 相同，请写到别处"),
    (LazyPattern(r"^(?:.*: )?argument (\S+): (.+) is negative; a quota is 0 or more places$"),
     lambda m: f"参数 {m[1]}：{m[2]} 是负数；名额须为 0 或更多"),
    (LazyPattern(r"^(?:.*: )?argument (\S+): '(.*)' is not a whole number$"),
     lambda m: f"参数 {m[1]}：“{m[2]}”不是整数"),
    (LazyPattern(r"^(?:.*: )?argument (\S+): '(.*)' is not a finite number$"),
     lambda m: f"参数 {m[1]}：“{m[2]}”不是有限的数字"),
    (LazyPattern(r"^(?:.*: )?argument (\S+): '(.*)' is not a number$"),
     lambda m: f"参数 {m[1]}：“{m[2]}”不是数字"),
    (LazyPattern(r"^(?:.*: )?the following arguments are required: (.+)$"),
     lambda m: f"缺少必需的参数：{m[1]}"),
    (LazyPattern(r"^(?:.*: )?unrecognized arguments: (.+)$"),
     lambda m: f"无法识别的参数：{m[1]}"),
    (LazyPattern(r"^(?:.*: )?argument (\S+): invalid choice: (.+?) \(choose from (.+)\)$"),
     lambda m: f"参数 {m[1]}：无效的选项 {m[2]}（可选：{m[3]}）"),
    (LazyPattern(r"^(?:.*: )?argument (\S+): expected one argument$"),
     lambda m: f"参数 {m[1]}：需要一个值"),
    (LazyPattern(rf"^--person {_PERSON}: its row was rejected, so it is not scored: row (\d+)"
                 r"(?: \(Excel row (\d+)\))?, column (.+?): (.+)$"),
     lambda m: f"--person {_person(m)}：该行未通过校验，未计分：第 {m[3]} 行"
     + (f"（Excel 第 {m[4]} 行）" if m[4] else "") + f"，{m[5]} 列：{m[6]}"),
    (LazyPattern(rf"^--person {_PERSON}: no such person_id in (.+)$"),
     lambda m: f"--person {_person(m)}：{m[3]} 中没有这个人员编号"),
    (LazyPattern(r"^(.+): has no person_id column$"),
     lambda m: f"{m[1]}：没有人员编号（person_id）列"),
    (LazyPattern(r"^admission rule: (?:([\w.]+): )?(.+)$"),
     lambda m: f"录取规则：{f'{m[1]}：' if m[1] else ''}{value_reason(m[2])}"),
    (LazyPattern(r"^item (.+): ([\d,]+) row\(s\) would get more than ±([\d,]+) points from it, the most an item can "
                 r"give \(first: row (\d+)\); check its points_per_unit and unit, and the values of its column\(s\)$"),
     lambda m: f"积分项目 {m[1]}：有 {m[2]} 行的该项分值将超过 ±{m[3]} 分（一项最多给这么多分；第一行：第 {m[4]} 行）；"
               "请检查该项的 points_per_unit 与 unit，以及所读列的数值"),
    (LazyPattern(r"^threshold: value (.+) is beyond ±([\d,]+) points$"),
     lambda m: f"分数线：{m[1]} 超出 ±{m[2]} 分的范围"),
    (LazyPattern(r"^--ties: order of '(.+)' must be asc or desc, got '(.*)'$"),
     lambda m: f"--ties：“{m[1]}”的排序须为 asc（升序）或 desc（降序），填写的是“{m[2]}”"),
    (LazyPattern(r"^--ties: lottery needs a whole-number seed, got '(.*)'$"),
     lambda m: f"--ties：lottery（抽签）需要一个整数种子，填写的是“{m[1]}”"),
    (LazyPattern(r'^--ties: give "admit_all" or a chain like "(.+)"$'),
     lambda m: f"--ties：请填写 admit_all（同分全部录取），或如“{m[1]}”的排序链"),
    (LazyPattern(r"^(--\S+) ([\d,]+): needs about ([\d,.]+) GB of memory, ([\d,.]+) GB is available; at most about "
                 r"([\d,]+) people here$"),
     lambda m: f"{m[1]} {m[2]}：约需 {m[3]} GB 内存，当前可用 {m[4]} GB；本机最多约 {m[5]} 人"),
    (LazyPattern(r"^ties: column '(.+)' is not in the population columns: (.+)$"),
     lambda m: f"同分规则：列“{m[1]}”不在人口数据的列中（现有：{m[2]}）"),
    (LazyPattern(r"^(--\S+): value (.+) must be (\d+) or more people$"),
     lambda m: f"{m[1]}：{m[2]} 须为 {m[3]} 人或更多"),
    (LazyPattern(r"^--target-admitted: under a quota of (\d+) the number admitted is the quota; give --target-cutoff "
                 r"instead, or a threshold$"),
     lambda m: f"--target-admitted：名额为 {m[1]} 时录取人数就是名额；请改用 --target-cutoff，或使用分数线"),
    (LazyPattern(r"^(.+): not a Parquet file \(every Parquet file begins with the bytes PAR1\); a CSV or Excel file is "
                 r"read under its own extension \(\.csv, \.xlsx\)$"),
     lambda m: f"{m[1]}：不是 Parquet 文件（Parquet 文件都以 PAR1 开头）；CSV 或 Excel 文件请使用其本身的扩展名"
               "（.csv、.xlsx）"),
    (LazyPattern(r"^not enough memory for this input; try a smaller input or a machine with more$"),
     lambda m: "内存不足以处理此输入；请减小输入或换用内存更大的机器"),
    # the file and the output refused before any work
    (LazyPattern(r"^(.+): (?:a sheet declares )?([\d,]+) columns; at most (\d+) are accepted(.*)$"),
     lambda m: f"{m[1]}：有 {m[2]} 列，最多接受 {m[3]} 列；人口数据只需几十列，请删除不需要的列"),
    (LazyPattern(r"^(.+): a sheet declares ([\d,]+) rows x (\d+) columns; at most ([\d,]+) cells are read from Excel: "
                 r"save it as CSV or Parquet$"),
     lambda m: f"{m[1]}：工作表声明了 {m[2]} 行 × {m[3]} 列；Excel 文件最多读取 {m[4]} 个单元格，"
               "请另存为 CSV 或 Parquet"),
    (LazyPattern(r"^(.+): a sheet holds more than ([\d,]+) cells; at most ([\d,]+) cells are read from Excel: save it "
                 r"as CSV or Parquet$"),
     lambda m: f"{m[1]}：工作表中的单元格超过 {m[2]} 个；Excel 文件最多读取 {m[3]} 个单元格，请另存为 CSV 或 Parquet"),
    (LazyPattern(r"^(.+): unknown (?:output type|extension) ?(.*?)[;(] ?use \.parquet, \.csv or \.xlsx\)?$"),
     lambda m: f"{m[1]}：未知的输出类型{f' {m[2].strip()}' if m[2].strip() else ''}；请使用 .parquet、.csv 或 .xlsx"),
    (LazyPattern(r"^(.+): exists and is not a plain file \(a device, pipe or socket\)$"),
     lambda m: f"{m[1]}：已存在，且不是普通文件（而是设备、管道或套接字）"),
    (LazyPattern(r"^--out (.+): is a file; --out names the results folder$"),
     lambda m: f"--out {m[1]}：是一个文件；--out 应为结果文件夹"),
    (LazyPattern(r"^--out (.+): is a link, not a results folder; --out names the results folder itself$"),
     lambda m: f"--out {m[1]}：是一个链接，不是结果文件夹；--out 应为结果文件夹本身"),
    (LazyPattern(r"^--out (.+): the folder exists and is not the results of a run \((.+)\); name a new folder, or "
                 r"empty this one$"),
     lambda m: f"--out {m[1]}：文件夹已存在，且不是某次运行的结果"
               f"（{m[2].replace('no summary.json', '没有 summary.json')}）；请另起一个新文件夹，或先清空该文件夹"),
    (LazyPattern(r"^(--\S+) (.+): folder (.+) does not exist$"),
     lambda m: f"{m[1]} {m[2]}：文件夹 {m[3]} 不存在"),
    (LazyPattern(r"^(.+): Excel holds at most (\d+) rows; use \.parquet or \.csv$"),
     lambda m: f"{m[1]}：Excel 最多容纳 {m[2]} 行；请使用 .parquet 或 .csv"),
    (LazyPattern(r"^(.+): ([\d,]+) rows do not fit in an Excel sheet; use \.parquet or \.csv$"),
     lambda m: f"{m[1]}：{m[2]} 行超出 Excel 工作表的容量；请使用 .parquet 或 .csv"),
    # the out-of-core engines (--engine chunked, --scheduler): refusals and progress lines
    (LazyPattern(r"^--out (.+): the (dask|chunked) engine writes \.parquet or \.csv$"),
     lambda m: f"--out {m[1]}：{_ENGINES[m[2]]}计算引擎只写出 .parquet 或 .csv 文件"),
    (LazyPattern(r"^(.+): the (dask|chunked) engine reads Parquet files; convert the file to Parquet first (.*)$"),
     lambda m: f"{m[1]}：{_ENGINES[m[2]]}计算引擎只读取 Parquet 文件；请先转换为 Parquet"
               "（加 --engine memory 可读取 CSV、XLSX）"),
    (LazyPattern(r"^--n must be 1 or more people, got (.+)$"), lambda m: f"--n 须为 1 人或更多，填写的是 {m[1]}"),
    (LazyPattern(r"^--seed must be between 0 and 2\*\*63-1, got (.+)$"),
     lambda m: f"--seed 须在 0 到 2**63-1 之间，填写的是 {m[1]}"),
    (LazyPattern(r"^--chunk-rows: (.+) must be a positive number of rows$"),
     lambda m: f"--chunk-rows：{m[1]} 须为正的行数"),
    (LazyPattern(r"^scored rows ([\d,]+)-([\d,]+) of ([\d,]+)$"),
     lambda m: f"已计分第 {m[1]}–{m[2]} 行（共 {m[3]} 行）"),
    (LazyPattern(r"^pass 2: admitting and measuring near the line$"),
     lambda m: "第二遍：录取，并测算分数线附近的人群"),
    (LazyPattern(r"^reading the whole file once more \(repeated ids, identifiers\), then scoring it again$"),
     lambda m: "再读一遍整个文件（查找重复的人员编号和身份信息），然后重新计分"),
    *FILE_ZH,  # a population file refused before any row is read
    *SCHEME_ZH,  # a scheme (or another YAML input) refused: the file, its structure, the checks across it
]
_ENGINES = {"chunked": "分块", "dask": "分布式"}
_OPTIONS = {"--out (rejected rows)": "--out（拒收行文件）"}  # an option's note, in a reason's first words
_FILES = {"scheme": "方案", "scenario": "情景", "targets": "校准目标", "rule set": "规则集", "ruleset": "规则集",
          "case": "案例", "cases": "案例"}
_ID_KINDS = {"name": "姓名", "id_number": "身份证号", "phone": "手机或电话号码",
             "contact": "联系方式（微信、QQ或电子邮箱）"}


# the library's advice names the option and the Python argument; a command names its option only
_API_ADVICE = {"--skip-invalid / skip_invalid=True": "--skip-invalid",
               "--drop-identifiers (drop_identifiers=True)": "--drop-identifiers"}


def error_line(reason: str, lang: str) -> str:
    """The one line a refused command writes to stderr: "错误：" or "error: " and the reason (already in ``lang``;
    the library's advice given with its command-line option only)."""
    for api, option in _API_ADVICE.items():
        reason = reason.replace(api, option)
    return f"{'错误：' if lang == 'zh' else 'error: '}{reason}\n"


def lang_of(argv: Sequence[str]) -> str:
    """The report's language named on a command line (``--lang en`` / ``--lang=en``); zh by default."""
    args = list(argv)
    for n, a in enumerate(args):
        if a == "--lang" and n + 1 < len(args):
            return "en" if args[n + 1] == "en" else "zh"
        if a.startswith("--lang="):
            return "en" if a.split("=", 1)[1] == "en" else "zh"
    return "zh"


def _rows_zh(exc: Any) -> str | None:
    """The refused rows of a population file (``exc.load``: scoring.population.load.PopulationLoad), in Chinese."""
    load = getattr(exc, "load", None)
    rejected = getattr(load, "rejected", None)
    if load is None or rejected is None or not len(rejected):
        return None
    from scoring.population.load import SHOW_ROWS

    headers = getattr(load, "headers", {}) or {}
    shown = [_row_zh(int(r.row), load.excel_row(r.row), str(r.column), str(r.reason),
                     headers.get(str(r.column), str(r.column)))
             for r in rejected.drop_duplicates("row").head(SHOW_ROWS).itertuples()]
    source = str(exc).split(": row ", 1)[0] if ": row " in str(exc) else str(getattr(load, "source", ""))
    scenario = getattr(exc, "scenario", None)
    if scenario is not None:  # a scenario's population file (scoring.scenario.load): its key, not a flag
        source = source.replace(f"{scenario}: population ", f"{scenario}：人口数据 ", 1)
        advice = "在情景文件中设 population.skip_invalid: true 可保留有效行"
    else:
        advice = "加 --skip-invalid 可保留有效行"
    return f"{source}：{'；'.join(shown)}（{load.rows_in:,} 行中 {load.rows_rejected:,} 行无效；{advice}）"


def _row_zh(row: int, excel: int | None, column: str, reason: str, header: str | None = None) -> str:
    """One refused row: where (data row, Excel row when known, the column's header as the file writes it, as the
    rejected rows' export and the English message name it; a header without Chinese followed by the column's
    Chinese name) and why, in Chinese."""
    from scoring.population.schema import label

    header = column if header is None else header
    name = label(column, "zh")
    shown = header if CJK_TEXT.search(header) or name in (header, column) else f"{header}（{name}）"
    where = f"第 {row} 行{f'（Excel 第 {excel} 行）' if excel is not None else ''}，列“{shown}”"
    return f"{where}：{reason_text(reason, 'zh')}"


def _batch_rows_zh(exc: RowsError) -> str:
    """The refused rows of one batch of an out-of-core run (:class:`scoring.errors.RowsError`), in Chinese."""
    shown = [_row_zh(int(p["row"]), None, str(p["column"]), str(p["reason"]), p.get("header"))
             for p in exc.problems]
    return (f"{exc.file}：{'；'.join(shown)}（第 {exc.first:,}–{exc.last:,} 行中有 {exc.count:,} 行无效；"
            "加 --skip-invalid 可保留有效行）")


def _identifiers_zh(exc: Any) -> str:
    items, others = [], []
    for f in exc.findings:
        col = f"列“{f['column']}”" if f.get("column") is not None else f"第{f.get('position') or '?'}列（列名不显示）"
        kind = _ID_KINDS.get(f.get("kind"), str(f.get("kind")))
        if f.get("from_header"):
            reason = f"列名表明含{kind}"
        elif f.get("kind") == "name":
            reason = "多数值看起来像人名"
        elif f.get("rows_hit"):
            reason = f"{int(f['rows_hit']):,}个值含{kind}"
        else:  # a category the column declares, used by no row
            reason = f"列中声明的某个类别含{kind}（没有行使用该类别）"
        where = ""
        if f.get("rows"):
            rows = "、".join(str(int(r)) for r in f["rows"]) + ("……" if f.get("more") else "")
            where = f"（Excel 第{rows}行）" if f.get("excel") else f"（数据第{rows}行）"
        (others if exc.needed and not f.get("needed", True) else items).append(f"{col}：{reason}{where}")
    head = "评分所用的列中含有标识信息" if exc.needed else "发现直接标识信息"
    scenario = getattr(exc, "scenario", None)
    where = f"{exc.file}" if scenario is None else f"{scenario}：人口数据 {exc.file}"
    if exc.needed:  # the scoring reads these columns: dropping them cannot help
        advice = "请从这些值中删除标识信息：评分需要这些列，删除列无济于事。"
    elif scenario is not None:  # a scenario's population file (scoring.scenario.load): its key, not a flag
        advice = "请删除这些信息，或在情景文件中设 population.drop_identifiers: true 删除这些列。"
    else:
        advice = "请删除这些信息，或加 --drop-identifiers 删除这些列。"
    also = f"评分可不用的列中也有直接标识信息——{'；'.join(others)}。" if others else ""
    return f"{where}：{head}——{'；'.join(items)}。{advice}{also}"


def localized(exc: BaseException | str, lang: str) -> str:
    """The one-line reason of ``exc`` (or a message) in ``lang``: Chinese where known, else as written; a value
    masked as a possible identifier is said in ``lang`` wherever it appears."""
    text = " ".join(str(exc).split("\n")[0].split())
    if lang == "en":
        return text
    return masked_in(_localized_zh(exc, text), lang)


def _localized_zh(exc: BaseException | str, text: str) -> str:
    """:func:`localized` in Chinese, before the masked values are said in Chinese."""
    lang = "zh"
    inner = getattr(exc, "scheme_error", None)
    if isinstance(inner, SchemeError):  # the scheme a scenario's overrides make (scoring.scenario.load)
        return f"{getattr(exc, 'scenario', '')}：应用覆盖项（overrides）后，{localized(inner, lang)}"
    if isinstance(exc, IdentifierError) and exc.findings:
        return _identifiers_zh(exc)
    if isinstance(exc, RowsError) and exc.problems:
        return _batch_rows_zh(exc)
    rows = _rows_zh(exc) if not isinstance(exc, str) else None
    if rows is not None:
        return rows
    for option, zh in _OPTIONS.items():
        text = text.replace(option, zh)
    got = worded(ZH, text)
    if isinstance(exc, SchemeError):
        if got is None:  # a value's problem in a scheme (every form known: tests/test_scheme_messages_zh.py)
            got = worded(SCHEME_VALUES_ZH, text)
    elif got is None and isinstance(exc, ScoringInputError) and not isinstance(exc, PopulationError):
        got = worded(SCHEME_VALUES_ZH, text)  # a scenario's, targets' or rule set's: only where its reason is known
        got = None if got is None or UNKNOWN_REASON in got else got
    if got is not None and isinstance(exc, ScoringInputError):
        got = got.replace("(top level)", "（顶层）")
    return text if got is None else got
