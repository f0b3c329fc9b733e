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

from typing import Literal

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
        "short": ("实际", "realised"),
        "name": ("占积分的比例（字面读法，符合资格者）", "share of the points (literal reading, eligible)"),
        "option": ("实际占比：符合资格者实得分中的占比", "realised share: of the points the eligible hold"),
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

TEXT: dict[str, Pair] = {
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
