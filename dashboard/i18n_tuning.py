"""The Tuning page's own words, in Chinese and English (looked up with :func:`tx`; the page's keys are its own,
apart from dashboard.i18n.STRINGS). Counts in the texts are real people (dashboard.scale)."""

from __future__ import annotations

from typing import Any

TEXT: dict[str, tuple[str, str]] = {
    "tab_tune": ("调参", "Tune"), "tab_sens": ("敏感性", "Sensitivity"), "tab_simplify": ("精简项目", "Simplify"),
    "measure": ("主要比例口径", "dominance measure"), "min_share": ("最低占比", "minimum share"),
    "target": ("目标", "target"), "admitted": ("录取人数", "number admitted"), "cutoff": ("分数线", "cut-off"),
    "lo": ("下限", "low"), "hi": ("上限", "high"), "objective": ("目标函数", "objective"),
    "closest": ("最接近现行分值", "closest to today's weights"),
    "stable-rank": ("排名最稳定（Kendall τ）", "most stable ranking (Kendall tau)"),
    "sample": ("优化所用行数（合成样本）", "rows of the synthetic sample the optimiser uses"), "run": ("运行", "Run"),
    "ok": ("已找到满足全部约束的分值（全体精确校验通过）",
           "Weights found that meet every target (exact check on everyone)"),
    "not_met": ("样本上满足，但全体精确校验未完全满足", "Met on the sample; the exact check on everyone misses"),
    "infeasible": ("在参数范围内无法满足全部约束", "No weights within the bounds meet every target"),
    "changes": ("改动（旧 → 新）", "Changes (old → new)"),
    "download": ("下载新方案 YAML", "Download the new scheme (YAML)"),
    "apply": ("设为当前方案", "Use as the working scheme"), "pct": ("变动幅度 ±%", "change ±%"),
    "applied_now": ("已设为当前方案（草案）：其余页面和“积分方案”页均使用调参后的分值。",
                    "Now the working scheme (draft): every page, including Scheme, uses the tuned weights."),
    "outcome": ("结果指标", "outcome"), "sobol_n": ("Sobol 基础样本数（0 = 不计算）", "Sobol base points (0 = skip)"),
    "hold": ("比较口径", "compare at"), "hold_count": ("录取人数不变", "the same number admitted"),
    "hold_rule": ("规则不变（原分数线/名额）", "the same rule (line or quota)"),
    "changed": ("录取名单变化人数", "admissions changed"), "tau": ("Kendall τ（与现行排名）", "Kendall tau (vs today)"),
    "sample_note": ("优化在合成样本中随机抽取的{s:,}行上进行，最终方案在全部{n:,}行（即上述全部实际人数）上精确校验。",
                    "Optimised on {s:,} rows drawn from the synthetic sample; the final scheme is checked exactly on "
                    "all {n:,} rows (every real person above)."),
    "design": ("设计占比", "design share"), "realised": ("占积分的比例", "share of the points"),
    "decisive": ("决定性占比", "decisive share"),
    "realised_admitted": ("占积分的比例（获准者）", "share of the points (admitted)"),
    "first": ("一阶指数", "first order"), "total": ("总效应指数", "total order"),
    "tornado": ("龙卷风图（单项敏感性）", "Tornado (one at a time)"), "sobol": ("Sobol 指数", "Sobol indices"),
    "change_axis": ("相对现行的变化", "change from today"), "computing": ("正在计算……", "Computing…"),
    "sobol_note": ("±20%，n={n}，共计算{e}次，计算所用行数：{s:,} / {p:,}（合成样本）",
                   "±20%, n={n}, {e} evaluations, on {s:,} of the {p:,} rows of the synthetic sample"),
    "parameter": ("参数", "parameter"), "value": ("现行值", "value"), "low": ("下调后", "low"),
    "high": ("上调后", "high"), "change_low": ("下调的变化", "change (down)"),
    "change_high": ("上调的变化", "change (up)"), "swing": ("摆幅", "swing"),
    "round": ("取整（便于公布的分值）", "rounding (publishable values)"),
    "round_none": ("不取整", "none"), "round_step": ("{s}分", "{s} point(s)"),
    "round_ok": ("取整到{s}分后全部约束仍满足（全体精确校验）。",
                 "After rounding to {s} points every constraint still holds (exact check on everyone)."),
    "round_miss": ("取整到{s}分后部分约束不再满足（全体精确校验），见下表；可改用更细的取整或放宽目标。",
                   "After rounding to {s} points some constraints no longer hold (exact check on everyone); see "
                   "below. Use a finer step or widen the targets."),
    "round_changes": ("取整带来的改动（调参值 → 取整值）", "What rounding changed (tuned → rounded)"),
    "round_changed": ("与未取整方案相比录取名单变化人数：{n:,}",
                      "Admissions changed against the unrounded result: {n:,}"),
    "col_constraint": ("约束", "constraint"), "col_sample": ("样本值", "on the sample"),
    "col_everyone": ("全体精确值", "exact, everyone"), "col_met": ("满足", "met"),
    "eligible": ("符合资格人数", "eligible"), "col_item": ("指标", "measure"), "col_before": ("调参前", "before"),
    "col_after": ("调参后", "after"),
    "bind_alone": ("即使单独考虑（在参数范围内）", "even on its own within the bounds"),
    "bind_joint": ("在满足其他约束的前提下", "while the other constraints hold"),
    "binding": ("约束受限：{c}：{how}最多只能达到 {best}，差距 {gap}",
                "binding: {c}: best reachable {how} is {best}; short by {gap}"),
    "people_note": ("录取人数的目标和结果均为实际人数（按上述比例换算为样本人数后调参）。",
                    "Admitted-count targets and results are in real people (converted to the sample at the ratio "
                    "above for the search)."),
    "col_dropped": ("去掉的项目数", "items dropped"), "col_items": ("去掉的项目", "dropped"),
    "col_changed": ("录取名单变化人数", "admissions changed"), "col_entered": ("新进入录取名单", "newly admitted"),
    "col_left": ("退出录取名单", "no longer admitted"), "col_admitted": ("录取人数", "admitted"),
    "col_changed_share": ("变化占今日录取比例", "changed, share of today's admitted"),
    "simplify_note": ("今日录取{n}人（实际人数）；比较口径：{hold}。表中人数均为实际人数。",
                      "Admitted today: {n} (real people); compared at {hold}. Every count below is in real people."),
    "simplify_best": ("每去掉若干项时变化最小的组合", "The least change for each number of items dropped"),
    "simplify_singles": ("单独去掉每一项", "Each item dropped alone"),
}


def tx(key: str, lang: str, **fmt: Any) -> str:
    """Bilingual text of this page."""
    text = TEXT[key][lang == "en"]
    return text.format(**fmt) if fmt else text
