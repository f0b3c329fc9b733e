"""The Chinese wording of a scheme's (and the other YAML inputs') refusals and warnings: the file itself (missing,
unreadable, too large, not YAML, too deep, alias loops, base chains), its structure (a key missing or unknown, too
many entries), each value's problem (the validators' and pydantic's reasons) and the warnings of ``check-scheme``
(:mod:`scoring.yaml_files`, :mod:`scoring.scheme.load`, :mod:`scoring.scheme.model` raise or return them in
English). Merged into :data:`scoring.cli.messages.ZH`; :func:`scheme_warning` words a warning.

Names from the file (keys, ids, columns, values) stay as written, quoted; only the sentence is translated.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from scoring.cli.messages_files import READ_ERRORS, UNKNOWN_REASON, parser_detail
from scoring.reasons import LazyPattern, worded

_Z = Callable[[re.Match[str]], str]
_WHAT = {"scheme": "方案", "scenario": "情景", "targets": "校准目标", "rule set": "规则集", "ruleset": "规则集",
         "cases": "案例", "case": "案例", "scenarios": "情景"}
_KINDS = {"a folder": "文件夹", "a directory": "文件夹", "a device": "设备", "a pipe": "管道", "a socket": "套接字"}


def _what(name: str) -> str:
    return _WHAT.get(name, name)


def _more(text: str | None) -> str:
    return f"（另有 {text} 处问题）" if text else ""


# the reason of one value (pydantic's, or a validator's), after "where: [value V:]"
VALUE_ZH: list[tuple[LazyPattern, _Z]] = [
    # a scenario's tie rule (scoring.scenario.load): its reason, then the forms it may take
    (LazyPattern(r"^(.+); valid: admit_all or a list of \{column: NAME, order: asc\|desc\} / \{lottery: SEED\}$"),
     lambda m: f"{value_reason(m[1])}；可用：admit_all（同分全部录取），或由 {{column: 列名, order: asc|desc}} / "
               "{lottery: 种子} 组成的列表"),
    (LazyPattern(r"^Input should be a valid number(?:, unable to parse string as a number)?$"), lambda m: "应为数字"),
    (LazyPattern(r"^Input should be a finite number$"), lambda m: "应为有限的数字"),
    (LazyPattern(r"^Input should be a valid integer(?:, .*)?$"), lambda m: "应为整数"),
    (LazyPattern(r"^Input should be a valid boolean(?:, .*)?$"), lambda m: "应为 true 或 false"),
    (LazyPattern(r"^Input should be a valid string$"), lambda m: "应为文字"),
    (LazyPattern(r"^Input should be a valid list$"), lambda m: "应为列表"),
    (LazyPattern(r"^Input should be a valid dictionary(?: or instance of .*)?$"), lambda m: "应为映射（键: 值）"),
    (LazyPattern(r"^Input should be (greater|less) than( or equal to)? (.+)$"),
     lambda m: f"应{'大' if m[1] == 'greater' else '小'}于{'或等于' if m[2] else ''} {m[3]}"),
    (LazyPattern(r"^Input should be (.+)$"), lambda m: f"应为 {m[1].replace(' or ', ' 或 ')} 之一"),
    (LazyPattern(r"^String should have at (least|most) (\d+) characters?$"),
     lambda m: f"{'至少' if m[1] == 'least' else '至多'}应有 {m[2]} 个字符"),
    (LazyPattern(r"^(List|Dictionary) should have at (least|most) (\d+) items? after validation, not (\d+)$"),
     lambda m: f"{'至少' if m[2] == 'least' else '至多'}应有 {m[3]} 项，实有 {m[4]} 项"),
    (LazyPattern(r"^Field required$"), lambda m: "缺少必需的键"),
    (LazyPattern(r"^must be one line of text, without control, format, line-break or non-characters$"),
     lambda m: "须为一行文字，不得含控制字符、格式字符、换行或非字符"),
    (LazyPattern(r"^not a name: use letters, digits, _, - and \. \(starting with a letter or digit, at most 80 "
                 r"characters\); it names the results folder and its files$"),
     lambda m: "不是名称：请只用字母（可为汉字）、数字、_、- 和 .，以字母或数字开头，至多 80 个字符；"
               "它用作结果文件夹和文件的名称"),
    (LazyPattern(r"^must be zero or more$"), lambda m: "须为 0 或更大"),
    (LazyPattern(r"^must be positive$"), lambda m: "须为正数"),
    (LazyPattern(r"^needs exactly one of min_of or max_of \(.*\)$"),
     lambda m: "min_of 与 max_of 须有且只有一个（一列列名，或嵌套的 min_of/max_of）"),
    (LazyPattern(r"^min_of/max_of needs at least one column$"), lambda m: "min_of/max_of 至少需要一列"),
    (LazyPattern(r"^a condition is a mapping \(.*\); text such as (.+) is never evaluated \(see docs/schemes\.md\)$"),
     lambda m: f"条件须为映射（column 加 equals、in、min、max、above、below，或 all_of、any_of、not）；"
               f"{m[1]} 这样的文字永远不会被当作代码执行（见 docs/schemes.md）"),
    (LazyPattern(r"^needs exactly one of column, min_of, max_of, all_of, any_of, not \(.*\)$"),
     lambda m: "column、min_of、max_of、all_of、any_of、not 须有且只有一个"),
    (LazyPattern(r"^equals/in/min/max/above/below belong on a column inside all_of/any_of/not$"),
     lambda m: "equals/in/min/max/above/below 应写在 all_of/any_of/not 内的某一列上"),
    (LazyPattern(r"^all_of/any_of needs at least one condition$"), lambda m: "all_of/any_of 至少需要一个条件"),
    (LazyPattern(r"^needs at least one of equals, in, min, max, above, below$"),
     lambda m: "至少需要 equals、in、min、max、above、below 中的一个"),
    (LazyPattern(r"^min_of/max_of are numbers; equals/in with text needs a single column$"),
     lambda m: "min_of/max_of 得出的是数字；用文字的 equals/in 只能对单独一列"),
    (LazyPattern(r"^(\w+) (\S+) and (\w+) (\S+) leave no value between them; nobody can meet it$"),
     lambda m: f"{m[1]} {m[2]} 与 {m[3]} {m[4]} 之间没有可取的值；没有人能满足"),
    (LazyPattern(r"^type category needs categories: \[value, \.\.\.\]$"),
     lambda m: "类型 category 需要 categories: [取值, ...]"),
    (LazyPattern(r"^categories apply to type category, not (\w+)$"),
     lambda m: f"categories 只用于类型 category，不用于 {m[1]}"),
    (LazyPattern(r"^min/max apply to type int or float$"), lambda m: "min/max 只用于类型 int 或 float"),
    (LazyPattern(r"^min (\S+) is greater than max (\S+)$"), lambda m: f"min {m[1]} 大于 max {m[2]}"),
    (LazyPattern(r"^band min (\S+) must be below max (\S+)$"), lambda m: f"分档的 min {m[1]} 须小于 max {m[2]}"),
    (LazyPattern(r"^key (.+) does not apply to kind (.+?); allowed: (.+?)(?:; (.+?))? \(see docs/schemes\.md\)$"),
     lambda m: f"键 {m[1]} 不适用于 kind {m[2]}；可用的键：{m[3]}（见 docs/schemes.md）"),
    (LazyPattern(r"^an item's cap is a number; a cap that depends on another column is a group rule: .*$"),
     lambda m: "项目的 cap 是一个数字；随其他列而变的上限是分组规则：groups: {名称: {caps: [{when: ..., cap: N}], "
               "cap: N}}（见 docs/schemes.md）"),
    (LazyPattern(r"^per_unit needs exactly one of column, columns, min_of, max_of$"),
     lambda m: "per_unit 须有且只有 column、columns、min_of、max_of 之一"),
    (LazyPattern(r"^columns must name at least one column$"), lambda m: "columns 至少要列出一列"),
    (LazyPattern(r"^per_unit needs points_per_unit$"), lambda m: "per_unit 需要 points_per_unit"),
    (LazyPattern(r"^category needs column \(.*\)$"),
     lambda m: "category 需要 column（一列取值；min_of/max_of 得出的是数字）"),
    (LazyPattern(r"^(\w+) needs exactly one of column, min_of, max_of$"),
     lambda m: f"{m[1]} 须有且只有 column、min_of、max_of 之一"),
    (LazyPattern(r"^category needs points as a mapping \{value: points\}$"),
     lambda m: "category 的 points 须为映射 {取值: 分值}"),
    (LazyPattern(r"^flag needs points as a number$"), lambda m: "flag 的 points 须为一个数字"),
    (LazyPattern(r"^bands needs a non-empty list of bands$"), lambda m: "bands 需要一个非空的分档列表"),
    (LazyPattern(r"^bands overlap: (.+) and (.+)$"), lambda m: f"分档重叠：{m[1]} 与 {m[2]}"),
    (LazyPattern(r"^cap is a number; caps that depend on a column go under caps: .*$"),
     lambda m: "cap 是一个数字；随某列而变的上限写在 caps: [{when: ..., cap: N}] 下"),
    (LazyPattern(r"^a tie key needs exactly one of column or lottery$"),
     lambda m: "同分排序键须有且只有 column 或 lottery 之一"),
    (LazyPattern(r"^mode (\w+) needs (quota|threshold)$"),
     lambda m: f"模式 {m[1]} 需要{'名额（quota）' if m[2] == 'quota' else '分数线（threshold）'}"),
    (LazyPattern(r"^mode none takes no quota and no threshold \(.*\)$"),
     lambda m: "模式 none 不设名额和分数线（所有符合条件的申请人都被录取）"),
    (LazyPattern(r"^ties must be admit_all or a non-empty list of tie keys$"),
     lambda m: "ties 须为 admit_all，或一个非空的同分排序键列表"),
    (LazyPattern(r"^a lottery can only be the last tie key$"), lambda m: "抽签只能是最后一个同分排序键"),
    (LazyPattern(r"^(\w+): id (.+) appears twice; ids must be unique$"),
     lambda m: f"{m[1]}：id {m[2]} 出现了两次；id 须唯一"),
    (LazyPattern(r"^items: a scheme needs at least one item$"), lambda m: "items：方案至少需要一个项目"),
    (LazyPattern(r"^must name a column$"), lambda m: "须指明一列"),
    # the other YAML inputs' reasons (scenarios, targets, rule sets)
    (LazyPattern(r"^give exactly one of synth: \{n, seed\} or file: PATH$"),
     lambda m: "synth: {n, seed} 与 file: 路径 须有且只有一个"),
    (LazyPattern(r"^give at most one of represents, ratio, weights$"),
     lambda m: "represents、ratio、weights 至多给一个"),
    (LazyPattern(r"^weights: only a population file has per-row weights$"),
     lambda m: "weights：只有人口数据文件才有逐行权重"),
    (LazyPattern(r"^path (.+) cannot be fitted; valid: (.+)$"), lambda m: f"路径 {m[1]} 不能拟合；可拟合的：{m[2]}"),
    (LazyPattern(r"^low (\S+) must be below high (\S+)$"), lambda m: f"low {m[1]} 须小于 high {m[2]}"),
    (LazyPattern(r"^start (\S+) must lie within \[(.+), (.+)\]$"),
     lambda m: f"start {m[1]} 须在 [{m[2]}, {m[3]}] 之内"),
    (LazyPattern(r"^fixed: path (.+) cannot be set; valid: .*$"),
     lambda m: f"fixed：路径 {m[1]} 不能设定；只能设定可拟合的 dynamics.* 路径"),
    (LazyPattern(r"^fixed: (.+) is also a parameter to fit$"), lambda m: f"fixed：{m[1]} 同时也是要拟合的参数"),
    (LazyPattern(r"^parameters: path (.+) is listed twice; give each parameter once$"),
     lambda m: f"parameters：路径 {m[1]} 出现了两次；每个参数只写一次"),
    (LazyPattern(r"^calibration\.(\w+) must be a list of mappings .*$"),
     lambda m: f"calibration.{m[1]} 须为映射的列表（target、observed、model、error_units），与 calibrate 写出的一致"),
    (LazyPattern(r"^calibration\.(\w+): error_units must be a finite number, not (.+)$"),
     lambda m: f"calibration.{m[1]}：error_units 须为有限的数字，不能是 {m[2]}"),
    (LazyPattern(r"^must be a mapping of name to definition$"), lambda m: "须为“名称: 定义”的映射"),
    (LazyPattern(r"^value (.+): a term is a criterion .*$"),
     lambda m: f"值 {m[1]}：术语须为一个条件（如 {{column: ..., min: ...}} 的映射）"),
    (LazyPattern(r"^value (.+) is not a term; terms: (.+)$"), lambda m: f"值 {m[1]} 不是已定义的术语；术语：{m[2]}"),
    (LazyPattern(r"^no such key (.+) in the rule set$"), lambda m: f"规则集中没有键 {m[1]}"),
    (LazyPattern(r"^(.+) not found$"), lambda m: f"找不到 {m[1]}"),
    (LazyPattern(r"^mode (\w+) needs a quota \(or schedule\.quota\)$"),
     lambda m: f"模式 {m[1]} 需要名额（或 schedule.quota）"),
    (LazyPattern(r"^mode (\w+) needs a threshold$"), lambda m: f"模式 {m[1]} 需要分数线"),
    (LazyPattern(r"^unknown key; valid: (.+)$"), lambda m: f"未知的键；可用的键：{m[1]}"),
    (LazyPattern(r"^arrivals of ([\d,]+) a year reach (.+) a year in year (-?\d+); at most ([\d,]+) a year$"),
     lambda m: f"每年新到 {m[1]} 人按此增长，到 {m[3]} 年将达每年 {m[2]} 人；每年至多 {m[4]} 人"),
    (LazyPattern(r"^(\d+) value\(s\) for a horizon of (\d+) year\(s\); give exactly one per year \(null = none that "
                 r"year\)$"),
     lambda m: f"给了 {m[1]} 个值，模拟期为 {m[2]} 年；每年须恰好给一个值（null 表示该年没有）"),
    (LazyPattern(r"^the year must be within the simulated years (-?\d+)-(-?\d+)$"),
     lambda m: f"年份须在模拟的年份 {m[1]}–{m[2]} 之内"),
    (LazyPattern(r"^must be a whole number from 0 to ([\d,]+) or null$"),
     lambda m: f"须为 0 到 {m[1]} 之间的整数，或 null"),
    (LazyPattern(r"^must be between (-?[\d,]+) and ([\d,]+) points or null$"),
     lambda m: f"须在 {m[1]} 到 {m[2]} 分之间，或为 null"),
    (LazyPattern(r"^the scenario has no quota; give the quota to compare against .*$"),
     lambda m: "情景没有名额；请给出用来比较的名额（例如 quota_question: {quota: 8000}）"),
]


def value_reason(text: str) -> str:
    """A value's reason in Chinese where its form is known; otherwise a pointer to the English view."""
    return worded(VALUE_ZH, text.strip()) or UNKNOWN_REASON


def _split_at_reason(text: str) -> tuple[str, str]:
    """("what", its reason in Chinese) of "what: reason" where what may hold ": " itself (a value shown, an id
    that is a mapping): split where a known reason begins, else at the last ": "."""
    start = 0
    while (at := text.find(": ", start)) >= 0:
        known = worded(VALUE_ZH, text[at + 2:].strip())
        if known is not None:
            return text[:at], known
        start = at + 2
    what, _, reason = text.rpartition(": ")
    return what, value_reason(reason)


def _value_and_reason(text: str) -> str:
    """"V: reason" as 值 V：原因."""
    value, reason = _split_at_reason(text)
    return f"值 {value}：{reason}"


def _where_and_reason(text: str) -> str:
    """"where: reason" as where：原因."""
    where, reason = _split_at_reason(text)
    return f"{where}：{reason}" if where else reason


_AND_MORE = r"(?: \(and (\d+) more\))?"

SCHEME_ZH: list[tuple[LazyPattern, _Z]] = [
    # a scenario given where a scheme is expected, or the reverse
    (LazyPattern(r"^(.+): this is a points scheme, not a scenario; use it with check-scheme, score or admit, or "
                 r"write a scenario with `scheme: (.+)` \(see docs/scenarios\.md\)$"),
     lambda m: f"{m[1]}：这是积分方案，不是情景；请用 check-scheme、score 或 admit 处理它，或写一个含 `scheme: {m[2]}` "
               "的情景（见 docs/scenarios.md）"),
    (LazyPattern(r"^(.+): targets file not found$"), lambda m: f"{m[1]}：找不到校准目标文件"),
    (LazyPattern(r"^(.+): missing column\(s\) (.+); need year, metric, value$"),
     lambda m: f"{m[1]}：缺少列 {m[2]}；需要 year、metric、value"),
    (LazyPattern(r"^(.+): parameters: give at least one parameter to fit \(path, low, high\)$"),
     lambda m: f"{m[1]}：parameters：至少给出一个要拟合的参数（path、low、high）"),
    (LazyPattern(r"^(.+): every target is held out; nothing to fit$"),
     lambda m: f"{m[1]}：所有目标都被留出；没有可拟合的"),
    # a scenario's work, bounded before it runs (scoring.scenario.budget)
    (LazyPattern(r"^(.+): the run would hold up to ([\d,]+) simulated people \(the starting people and every "
                 r"arrival\); at most ([\d,]+); lower .*$"),
     lambda m: f"{m[1]}：运行时人口池最多可达 {m[2]} 名模拟人员（起始人员加上每一位新到者）；至多 {m[3]} 名；"
               "请减少人口的 n、新到人数或模拟年数，或提高抽样比"),
    (LazyPattern(r"^(.+): the run would simulate about ([\d,]+) person-years in ([\d,]+) simulated years \((\d+) years "
                 r"x (\d+) replication\(s\) x (\d+) run\(s\), up to ([\d,]+) simulated people\): about ([\d,]+) "
                 r"minutes(?: \(all (\d+) scenarios: about ([\d,]+) minutes\))?; at most (\d+) minutes \(([\d,]+) "
                 r"person-years\); lower .*$"),
     lambda m: f"{m[1]}：运行需模拟约 {m[2]} 人年，共 {m[3]} 个模拟年（{m[4]} 年 × {m[5]} 次重复 × {m[6]} 组运行，"
               f"最多 {m[7]} 名模拟人员）：约需 {m[8]} 分钟"
               + (f"（{m[9]} 个情景合计约 {m[10]} 分钟）" if m[9] else "")
               + f"；至多 {m[11]} 分钟（{m[12]} 人年）；"
               "请减少 replications、horizon、burn_in.years、人口的 n 或新到人数"),
    # a scenario's overrides (scoring.scenario.overrides)
    (LazyPattern(r"^(.+?): overrides: with them the scheme would have ([\d,]+) (items|eligibility) entries; a scheme "
                 r"allows at most ([\d,]+) \(see docs/schemes\.md\)$"),
     lambda m: f"{m[1]}：overrides：应用这些覆盖项后，方案的 {m[3]} 将有 {m[2]} 项；方案最多允许 {m[4]} 项"
               "（见 docs/schemes.md）"),
    (LazyPattern(r"^(.+?): overrides\.(.+?): no (item|gate) with id (.+?)(?:; valid: (.+))?$"),
     lambda m: f"{m[1]}：overrides.{m[2]}：没有 id 为 {m[4]} 的{'项目' if m[3] == 'item' else '资格条件'}"
               + (f"；现有的 id：{m[5]}" if m[5] else "")),
    (LazyPattern(r"^(.+?): overrides\.(.+?): unknown key (.+?) at (.+?)(?:; valid: (.+))?$"),
     lambda m: f"{m[1]}：overrides.{m[2]}：{'顶层' if m[4] == 'the top level' else m[4] + ' '}下没有键 {m[3]}"
               + (f"；可用的键：{m[5]}" if m[5] else "")),
    (LazyPattern(r"^(.+?): overrides\.(.+?): value (.+) must be true$"),
     lambda m: f"{m[1]}：overrides.{m[2]}：值 {m[3]} 须为 true"),
    (LazyPattern(r"^(.+?): overrides\.(.+?): value (.+) must be a mapping of keys, or use (\S+)$"),
     lambda m: f"{m[1]}：overrides.{m[2]}：值 {m[3]} 须为“键: 值”的映射，或改用 {m[4]}"),
    (LazyPattern(r"^(.+?): overrides\.(.+?): index (\d+) is out of range \(list of (\d+)\)$"),
     lambda m: f"{m[1]}：overrides.{m[2]}：序号 {m[3]} 超出范围（列表共 {m[4]} 项）"),
    (LazyPattern(r"^(.+?): overrides\.(.+?): (.+) is a value \((.+)\), not a mapping$"),
     lambda m: f"{m[1]}：overrides.{m[2]}：{m[3]} 是一个值（{m[4]}），不是映射"),
    # the file
    (LazyPattern(r"^(.+): a ([\w ]+?) file must be a YAML mapping \((.+)\)$"),
     lambda m: f"{m[1]}：{_what(m[2])}文件须为 YAML 映射（{m[3]}）"),
    (LazyPattern(r"^(.+): a scheme must be a YAML mapping \((.+)\)$"),
     lambda m: f"{m[1]}：方案须为 YAML 映射（{m[2]}）"),
    (LazyPattern(r"^(.+): cannot read the ([\w ]+?) file: the name is not a file name$"),
     lambda m: f"{m[1]}：无法读取{_what(m[2])}文件：这不是一个文件名"),
    (LazyPattern(r"^(.+): cannot read the ([\w ]+?) file: it is not a plain file$"),
     lambda m: f"{m[1]}：无法读取{_what(m[2])}文件：它不是普通文件"),
    (LazyPattern(r"^(.+): cannot read the ([\w ]+?) file: it is (.+)$"),
     lambda m: f"{m[1]}：无法读取{_what(m[2])}文件：它是{_KINDS.get(m[3], m[3])}"),
    (LazyPattern(r"^(.+): cannot read the ([\w ]+?) file as UTF-8 text \(UnicodeDecodeError\)$"),
     lambda m: f"{m[1]}：无法按 UTF-8 文本读取{_what(m[2])}文件"),
    (LazyPattern(r"^(.+): cannot read the ([\w ]+?) file \((.+)\)$"),
     lambda m: f"{m[1]}：无法读取{_what(m[2])}文件（{READ_ERRORS.get(m[3], parser_detail(m[3]))}）"),
    (LazyPattern(r"^(.+): the ([\w ]+?) file is larger than ([\d,]+) bytes; that is not a [\w ]+$"),
     lambda m: f"{m[1]}：{_what(m[2])}文件大于 {m[3]} 字节，不会是{_what(m[2])}文件"),
    (LazyPattern(r"^(.+): the YAML text is longer than ([\d,]+) characters$"),
     lambda m: f"{m[1]}：YAML 文本超过 {m[2]} 个字符"),
    (LazyPattern(r"^(.+): not valid YAML(?: at line (\d+), column (\d+))?: (.+)$"),
     lambda m: f"{m[1]}：不是有效的 YAML" + (f"（第 {m[2]} 行第 {m[3]} 列）" if m[2] else "")
     + f"：{yaml_detail(m[4])}"),
    (LazyPattern(r"^(.+): the YAML has more than ([\d,]+) values( once aliases are expanded)?$"),
     lambda m: f"{m[1]}：YAML 中的值超过 {m[2]} 个" + ("（展开别名后）" if m[3] else "")),
    (LazyPattern(r"^(.+): YAML nested deeper than (\d+) levels \(at line (\d+)\)$"),
     lambda m: f"{m[1]}：YAML 嵌套超过 {m[2]} 层（第 {m[3]} 行）"),
    (LazyPattern(r"^(.+): YAML nested deeper than (\d+) levels once aliases are expanded$"),
     lambda m: f"{m[1]}：展开别名后 YAML 嵌套超过 {m[2]} 层"),
    (LazyPattern(r"^(.+): a YAML alias refers to a mapping or list that contains it \(a loop\)$"),
     lambda m: f"{m[1]}：YAML 别名引用了包含它自身的映射或列表（循环）"),
    (LazyPattern(r"^(.+): base: value (.+) must be a ([\w ]+?) file name$"),
     lambda m: f"{m[1]}：base：值 {m[2]} 须为{_what(m[3])}文件名"),
    (LazyPattern(r"^(.+): base: the base chain loops \((.+)\)$"), lambda m: f"{m[1]}：base：base 链形成循环（{m[2]}）"),
    (LazyPattern(r"^(.+): base: the base chain is longer than (\d+) files$"),
     lambda m: f"{m[1]}：base：base 链超过 {m[2]} 个文件"),
    (LazyPattern(r"^(.+): base: not allowed in uploaded text; upload the resolved scheme$"),
     lambda m: f"{m[1]}：上传的文本中不允许 base；请上传完整的方案"),
    # its structure
    (LazyPattern(rf"^(.+?)(?: \(the base of (.+)\))?: (.+): unknown key of a scheme{_AND_MORE}; check the spelling "
                 r"against docs/schemes\.md$"),
     lambda m: f"{m[1]}" + (f"（{m[2]} 的基础文件）" if m[2] else "") + f"：{m[3]}：方案中没有这个键"
               + (f"（另有 {m[4]} 个未知的键）" if m[4] else "") + "；请对照 docs/schemes.md 检查拼写"),
    (LazyPattern(r"^(.+?): (.+): ([\d,]+) entries; a scheme allows at most ([\d,]+) here \(see docs/schemes\.md\)$"),
     lambda m: f"{m[1]}：{m[2]}：有 {m[3]} 项；方案在此处最多允许 {m[4]} 项（见 docs/schemes.md）"),
    (LazyPattern(rf"^(.+?): (.+): required key is missing{_AND_MORE}$"),
     lambda m: f"{m[1]}：{m[2]}：缺少必需的键{_more(m[3])}"),
    (LazyPattern(rf"^(.+?): (.+): unknown key; check the spelling against docs/schemes\.md(?:; .*?)?{_AND_MORE}$"),
     lambda m: f"{m[1]}：{m[2]}：未知的键；请对照 docs/schemes.md 检查拼写{_more(m[3])}"),
    # the checks across the scheme
    (LazyPattern(rf"^(.+?): groups\.(.+?): no item has group (.+) \(nor a group within it\); groups in use: (.+?)"
                 rf"{_AND_MORE}$"),
     lambda m: f"{m[1]}：groups.{m[2]}：没有项目属于分组 {m[3]}（也没有其下的分组）；在用的分组：{m[4]}{_more(m[5])}"),
    (LazyPattern(rf"^(.+?): groups\.(.+?)\.within: (.+) is not a group under groups:; declare the section, .*?"
                 rf"{_AND_MORE}$"),
     lambda m: f"{m[1]}：groups.{m[2]}.within：{m[3]} 不是 groups: 下的分组；请先声明该部分（见 docs/schemes.md）"
               f"{_more(m[4])}"),
    (LazyPattern(rf"^(.+?): groups\.(.+?)\.within: sections loop \((.+)\){_AND_MORE}$"),
     lambda m: f"{m[1]}：groups.{m[2]}.within：各部分形成循环（{m[3]}）{_more(m[4])}"),
    (LazyPattern(rf"^(.+?): groups\.(.+?)\.caps\[(\d+)\]: an entry without when applies to everyone, .*?{_AND_MORE}$"),
     lambda m: f"{m[1]}：groups.{m[2]}.caps[{m[3]}]：没有 when 的条目适用于所有人，其后的条目永远不会生效；"
               f"请把它放在最后，或用 cap: N 作为兜底{_more(m[4])}"),
    (LazyPattern(rf"^(.+?): groups\.(.+?): caps ends with an entry without when and cap is also given; keep one "
                 rf"fallback{_AND_MORE}$"),
     lambda m: f"{m[1]}：groups.{m[2]}：caps 以没有 when 的条目结尾，同时又给了 cap；只保留一个兜底{_more(m[3])}"),
]

# a value's problem, "source: where: value V: reason" or "source: where: reason": for a SchemeError only (these
# forms would match any message)
SCHEME_VALUES_ZH: list[tuple[LazyPattern, _Z]] = [
    (LazyPattern(rf"^(.+?): ([^:]+): value (.+?){_AND_MORE}$"),
     lambda m: f"{m[1]}：{m[2]}：{_value_and_reason(m[3])}{_more(m[4])}"),
    (LazyPattern(rf"^(.+?): (.+?){_AND_MORE}$"), lambda m: f"{m[1]}：{_where_and_reason(m[2])}{_more(m[3])}"),
]

_YAML = {
    "did not find expected ',' or ']'": "方括号没有闭合，或缺少逗号",
    "did not find expected ',' or '}'": "花括号没有闭合，或缺少逗号",
    "found a tab character": "缩进中有制表符（请用空格缩进）",
    "did not find expected '-' indicator": "找不到应有的“-”（列表的缩进有误？）",
    "block sequence entries are not allowed": "此处不能出现列表项（“-”的缩进有误？）",
    "did not find expected <document start>": "文档的开头有误",
    "did not find expected comment or line break": "此处应为注释或换行",
    "found unexpected ':'": "出现了多余的冒号",
    "found unknown escape character": "出现了未知的转义字符（反斜杠后的字符）",
    "control characters are not allowed": "含有不允许的控制字符",
    "expected <block end>, but found": "缩进有误（上一块没有正确结束）",
    "expected a single document in the stream": "文件中只能有一个文档（请去掉多余的 ---）",
    "but found another document": "文件中只能有一个文档（请去掉多余的 ---）",
    "found undefined tag handle": "出现了未定义的标签前缀",
    "mapping values are not allowed here": "此处不能出现映射的值（冒号位置有误？）",
    "mapping values are not allowed in this context": "此处不能出现映射的值（冒号位置有误？）",
    "could not find expected ':'": "找不到应有的冒号",
    "found undefined alias": "引用了未定义的别名",
    "did not find expected key": "找不到应有的键（缩进有误？）",
    "did not find expected node content": "找不到应有的内容",
    "found character that cannot start any token": "出现了不能作为开头的字符（例如制表符）",
    "expected <document start>, but found": "文档的开头有误",
    "found unexpected end of stream": "文件意外结束（引号或括号没有闭合？）",
    "found unhashable key": "出现了不能作键的值",
    "could not determine a constructor for the tag": "出现了不支持的标签（!!python 之类的标签不会被执行）",
    "found duplicate anchor": "出现了重复的锚点",
    "while parsing a flow": "方括号或花括号没有闭合",
    "while scanning a quoted scalar": "引号没有闭合",
    "while scanning a simple key": "缺少冒号",
    "a number written with": "数字过长（最多读取 100 个字符；若是文字请加引号）",
    "is written with '_'": "数字中含有“_”；请只写数字，若是文字请加引号",
    "exceeded maximum nesting depth": "嵌套层数超过上限（括号或缩进嵌套过深）",
}


def yaml_detail(detail: str) -> str:
    """The YAML parser's reason in Chinese where its words are known; otherwise a pointer to the English view."""
    for words, zh in _YAML.items():
        if words in detail:
            return zh
    return UNKNOWN_REASON


WARNING_ZH: list[tuple[LazyPattern, _Z]] = [
    (LazyPattern(r"^(.+?): (items|eligibility) \(id=(.+?)\): column '(.+)' is not in the population$"),
     lambda m: f"{m[1]}：{m[2]}（id={m[3]}）：人口数据中没有列“{m[4]}”"),
    (LazyPattern(r"^(.+?): dominance\.groups: no item has group (.+); its share will be 0$"),
     lambda m: f"{m[1]}：dominance.groups：没有项目属于分组 {m[2]}；其占比将为 0"),
    (LazyPattern(r"^(.+?): columns: the scheme reads (.+) but does not declare (?:it|them)(.*)$"),
     lambda m: f"{m[1]}：columns：方案读取了 {m[2]}，但没有声明"),
    (LazyPattern(r"^(.+?): (.+): value (.+) is not a value of column '(.+)' \(nobody has it"
                 r"(?:; did you mean (.+)\?)?\); values: (.+)$"),
     lambda m: f"{m[1]}：{m[2]}：值 {m[3]} 不是列“{m[4]}”的取值（没有人有这个值"
               + (f"；是否想写 {m[5]}？" if m[5] else "") + f"）；可用的取值：{m[6]}"),
    (LazyPattern(r"^(.+?): ([\d,]+) value\(s\) not among the declared categories \((.+)\)(.*)$"),
     lambda m: f"{m[1]}：{m[2]} 个值不在声明的类别中（{m[3]}）"),
    (LazyPattern(r"^(.+?): ([\d,]+) value\(s\) are not true/false \((.+)\)$"),
     lambda m: f"{m[1]}：{m[2]} 个值不是 true/false（{m[3]}）"),
    (LazyPattern(r"^(.+?): ([\d,]+) value\(s\) are not numbers \((.+)\)$"),
     lambda m: f"{m[1]}：{m[2]} 个值不是数字（{m[3]}）"),
    (LazyPattern(r"^(.+?): ([\d,]+) value\(s\) are not whole numbers \((.+)\)$"),
     lambda m: f"{m[1]}：{m[2]} 个值不是整数（{m[3]}）"),
    (LazyPattern(r"^(.+?): ([\d,]+) value\(s\) outside \[(.+), (.+)\](.*)$"),
     lambda m: f"{m[1]}：{m[2]} 个值在 [{m[3]}, {m[4]}] 之外{m[5]}"),
]


def scheme_warning(text: str) -> str | None:
    """A scheme warning (``check-scheme``) in Chinese, or None when its form is not known."""
    return worded(WARNING_ZH, text)
