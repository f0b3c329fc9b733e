"""Bilingual labels shared by the library, the CLI and the dashboard: one (Chinese, English) pair per text.

The dominance measures are named here once, in the forms each place needs:

- ``short``: a word for gauges and sentences ("设计" / "design");
- ``name``: the name in a list of measures, with its status ("设计占比（分析）" / "design share (analysis)");
- ``option``: a choice in an editor, with what it measures;
- ``text``: one sentence saying what the measure is (the decisive share is never called a share of the points).

The dashboard's string tables (``dashboard/i18n*.py``) take their ``measure_*`` entries from :func:`dashboard_strings`;
the CLI and :mod:`scoring.dominance` read :data:`MEASURES` and :data:`TEXT` directly.
"""

from __future__ import annotations

from typing import Any, Literal

Lang = Literal["zh", "en"]
Pair = tuple[str, str]

MEASURES: dict[str, dict[str, Pair]] = {
    "design": {
        "short": ("设计", "design"),
        "name": ("设计占比（分析）", "design share (analysis)"),
        "option": ("设计占比：可得最高分中的占比", "design share: of the maximum attainable points"),
        "text": ("设计占比（分析）：两项最多可得的分数占方案最多可得总分的比例，看方案的设计，不看人群。",
                 "Design share (analysis): the most points the two items can earn over the most points the scheme "
                 "can award; a property of the scheme, not of the people."),
    },
    "realised": {
        "short": ("占积分的比例", "share of the points"),
        "name": ("占积分的比例（字面读法，符合资格者）", "share of the points (literal reading, eligible)"),
        "option": ("占积分的比例：符合资格者实得分中的占比", "share of the points: of the points the eligible hold"),
        "text": ("占积分的比例（通知原文的字面读法）：居住年限与社保缴纳年限分数在符合资格者"
                 "（或获准落户者）全部正分中所占的比例，介于0与100%之间。",
                 "Share of the points (the notice read literally): residence- and insurance-year points as a share "
                 "of all positive points of the eligible (or the admitted); always between 0 and 100%."),
    },
    "decisive": {
        "short": ("决定性", "decisive"),
        "name": ("决定性占比（分析，不是占积分的比例）", "decisive share (analysis, not a share of the points)"),
        "option": ("决定性占比：分数线附近分差中的占比", "decisive share: of the score differences near the line"),
        "text": ("决定性占比（分析，不是占积分的比例）：分数线附近总分差异中由两项解释的部分"
                 "（协方差÷方差），可超过100%或为负。",
                 "Decisive share (analysis, not a share of the points): near the line, the part of the differences "
                 "in total score that the two items explain (covariance over variance); it can exceed 100% or be "
                 "negative."),
    },
}

# The Chinese names of a scenario's yearly metrics (the ids are the English names: the CLI's calibration lines and
# the dashboard's Quota page read them here).
METRIC_ZH: dict[str, str] = {"cutoff": "分数线", "applicants": "申请人数", "admitted": "落户人数",
                             "eligible": "符合资格人数", "pool": "非户籍存量", "arrivals": "流入人数",
                             "departures": "流出人数", "backlog": "积压人数", "score_mean": "平均分",
                             "score_median": "中位分", "score_distribution": "分数分布", "share": "占比"}

TEXT: dict[str, Pair] = {
    "status_warning": ("{src}：状态为“{status}”：数值非官方，所有输出标为模拟结果",
                       "{src}: status {status}: values are not official; outputs are marked as simulation"),
    "no_admission_warning": ("{src}：没有录取规则；用 --quota 或 --threshold 指定录取方式",
                             "{src}: admission: no admission rule; give --quota or --threshold to admit"),
    "builtin_population": ("内置杭州合成人口（{n:,}人，种子{seed}）",
                           "built-in synthetic Hangzhou population (n={n:,}, seed={seed})"),
    "file_population": ("{path}（{rows_in:,}行中有效{rows_kept:,}行）",
                        "{path} ({rows_kept:,} valid of {rows_in:,} rows)"),
    "pass": ("达标", "pass"),
    "fail": ("未达标", "fail"),
    "points_share_eligible": ("居住与社保年限分数占积分的比例（符合资格者）",
                              "residence + insurance points as a share of the points (the eligible)"),
    "points_share_admitted": ("占积分的比例（获准落户者）", "share of the points (admitted)"),
    "no_line": ("所有符合资格者均获准落户，没有起决定作用的分数线；决定性占比按符合资格者的中位分计算",
                "every eligible applicant is admitted, so no line decides; the decisive share is measured around "
                "the median eligible score"),
    "measures_disagree": ("三种口径的结论不一致：{passing}达标，{failing}未达标；要求采用{measure}口径。",
                          "The measures disagree: {passing} pass, {failing} fail; the requirement uses the {measure} "
                          "measure."),
}


# Column headers of the pathway tables as printed by the CLI (``python -m scoring pathways``); the --json keys and the
# CSV headers keep the column names.
PATHWAY_COLUMNS: dict[str, Pair] = {
    "pathway": ("途径", "pathway"), "label": ("名称", "label"), "clause": ("条款", "clause"),
    "old": ("旧规则", "old"), "new": ("新规则", "new"), "change": ("变化", "change"),
    "enabled": ("启用", "enabled"), "qualify": ("符合条件", "qualify"), "share": ("占比", "share"),
    "only_this_route": ("仅此途径", "only this route"), "routes": ("途径数", "routes"), "count": ("人数", "count"),
    "newly": ("新增", "newly"), "lost": ("失去", "lost"), "net": ("净变化", "net"),
    "without_lost": ("撤去后失去", "without_lost"), "without_gained": ("撤去后新增", "without_gained"),
    "without_net": ("撤去后净变化", "without_net"),
    "people": ("人数", "people"), "resident": ("居住半年以上", "resident"), "cond_job": ("就业条件", "cond_job"),
    "cond_home": ("住所条件", "cond_home"), "cond_schooling": ("就读条件", "cond_schooling"),
    "eligible": ("符合申领条件", "eligible"), "eligible_share": ("符合比例", "eligible share"),
    "holders": ("已持证", "holders"),
    "reading": ("事项", "reading"), "kind": ("类型", "kind"), "choice": ("选项", "choice"),
    "choice_label": ("说明", "choice label"), "default": ("默认", "default"),
    "alternatives": ("其他选项", "alternatives"),
    "children_6_11": ("6–11岁子女", "children 6-11"), "children_12_14": ("12–14岁子女", "children 12-14"),
    "primary_places": ("小学学位", "primary places"), "junior_places": ("初中学位", "junior places"),
    "housing_applications": ("住房保障申请", "housing applications"),
    "points": ("积分", "points"), "residence": ("住所", "residence"), "conversion": ("转户籍", "conversion"),
    "talent": ("人才", "talent"), "family_parents": ("父母投靠", "family_parents"),
    "family_children": ("子女投靠", "family_children"), "family_intra_city": ("市内投靠", "family_intra_city"),
    "family_hangzhou": ("城区投靠", "family_hangzhou"),
    "origin_group": ("来源地", "origin group"), "age_band": ("年龄段", "age band"),
    "any": ("任一途径", "any route"), "any_share": ("任一途径占比", "any route, share"),
}

# Values of the pathway tables' group columns that the population schema does not label (origin groups).
PATHWAY_VALUES: dict[str, dict[str, Pair]] = {
    "origin_group": {"zhejiang": ("浙江省内", "Zhejiang"), "yrd_other": ("长三角其他省市", "rest of the YRD"),
                     "other": ("长三角以外", "outside the YRD")},
}


def pathway_column(column: str, lang: str = "zh") -> str:
    """The printed header of a pathway-table column (the column's own name when it has no label)."""
    pair = PATHWAY_COLUMNS.get(column)
    return _pick(pair, lang) if pair else column


def _pick(pair: Pair, lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def measure_label(measure: str, form: str = "name", lang: str = "zh") -> str:
    """The label of a dominance measure (``form``: short, name, option or text) in ``lang``."""
    return _pick(MEASURES[measure][form], lang)


def text(key: str, lang: str = "zh", **values: object) -> str:
    """A shared sentence or word in ``lang``, with ``values`` filled in."""
    out = _pick(TEXT[key], lang)
    return out.format(**values) if values else out


def dashboard_strings() -> dict[str, Pair]:
    """The dashboard's string-table entries that come from here: ``measure_<m>`` (short), ``measure_<m>_long``
    (option), ``measure_<m>_text``, ``pass``, ``fail`` and ``measures_disagree``."""
    out: dict[str, Pair] = {}
    for m, forms in MEASURES.items():
        out[f"measure_{m}"] = forms["short"]
        out[f"measure_{m}_long"] = forms["option"]
        out[f"measure_{m}_text"] = forms["text"]
    for key in ("pass", "fail", "measures_disagree"):
        out[key] = TEXT[key]
    return out


def dominance_warnings(d: dict[str, Any], lang: str, *, disagreement: bool = True) -> list[str]:
    """The warnings of a dominance report (``DominanceReport.to_dict()``) in ``lang``: what the command line's
    ``--json`` prints in the report's language (``disagreement``: the measures' disagreement too, which the text
    lines word on a line of their own)."""
    out = []
    for warning in d["warnings"]:
        if warning.startswith("the measures disagree"):
            if not disagreement:
                continue
            judged = {k: v for k, v in d["passed"].items() if v is not None}
            sep = "、" if lang == "zh" else ", "
            names = {k: measure_label(k, "name", lang) for k in judged}
            out.append(text("measures_disagree", lang, measure=measure_label(d["measure"], "short", lang),
                            passing=sep.join(names[k] for k, v in judged.items() if v),
                            failing=sep.join(names[k] for k, v in judged.items() if not v)))
            continue
        out.append(text("no_line", lang) if warning == TEXT["no_line"][1] else warning)  # the report's English words
    return out
