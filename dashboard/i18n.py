"""UI strings in Chinese (default) and English, and number formatting for people.

Item and group labels come from the scheme (``item.name(lang)``, ``scheme.group_label(g, lang)``); column and value
labels from :mod:`scoring.population.schema`; the dominance measures' names and pass/fail from :mod:`scoring.labels`
(shared with the CLI and the library). Only the dashboard's own words live here.
"""

from __future__ import annotations

import math
from typing import Any

from dashboard.i18n_brief import BRIEF
from dashboard.i18n_more import MORE
from scoring import labels
from scoring.population import schema as population_schema

LANGS = ("zh", "en")
LANG_NAMES = {"zh": "中文", "en": "English"}

STRINGS: dict[str, tuple[str, str]] = {
    # shell
    "app_title": ("杭州积分落户模拟器", "Hangzhou points-settlement simulator"),
    "language": ("语言 / Language", "语言 / Language"),
    "page_overview": ("总览", "Overview"),
    "page_scheme": ("积分方案", "Scheme"),
    "page_distributions": ("分布", "Distributions"),
    "page_quota": ("名额", "Quota"),
    "page_compare": ("情景对比", "Compare"),
    "page_person": ("个人", "Person"),
    "page_data": ("数据", "Data"),
    "page_method": ("方法", "Method"),
    "page_pathways": ("落户途径", "Settlement pathways"),
    "page_tuning": ("调参", "Tuning"),
    "sidebar_scheme": ("积分方案", "Points scheme"),
    "sidebar_population": ("人口", "Population"),
    "pop_synth": ("合成人口", "Synthetic population"),
    "pop_uploaded": ("上传数据", "Uploaded data"),
    "pop_size": ("合成人口规模（人）", "Synthetic population size (people)"),
    "seed": ("随机种子", "Random seed"),
    "edited": ("（已编辑）", " (edited)"),
    "simulation_banner": ("模拟结果，非官方数据", "Simulation — not official figures"),
    "loading": ("正在计算……", "Computing…"),
    # headline
    "eligible": ("符合资格", "eligible"),
    "admitted": ("获准落户", "admitted"),
    "cutoff": ("落户分数线", "cut-off score"),
    "threshold_line": ("分数线（门槛）", "score line (threshold)"),
    "share_res_ins": ("居住+社保分值占比", "residence + insurance share"),
    "help_design": ("设计占比：居住与社保年限可得的最高分，占全部项目可得最高分的比例。",
                    "Design share: the most points residence and insurance years can earn, as a share of the most "
                    "points all items can earn."),
    "help_realised": ("占积分的比例：符合资格者实际获得的正分中，居住与社保年限分所占比例。",
                      "Share of the points: of the positive points the eligible actually hold, the share from "
                      "residence and insurance years."),
    "help_decisive": ("决定性占比：在分数线附近，总分差异中由居住与社保年限解释的比例（协方差/方差）。其他项目与年限"
                      "反向变化时可超过100%，同向时较低。",
                      "Decisive share: near the line, the share of the differences in total score explained by "
                      "residence and insurance years (covariance / variance). It exceeds 100% when other items move "
                      "against the years there, and falls when they move with them."),
    "na": ("无法计算", "n/a"),
    "people": ("人", "people"),
    "points": ("分", "points"),
    "of_eligible": ("占符合资格者", "of the eligible"),
    "summary_threshold": (
        "在{n_pop}人中，{eligible}人符合资格；按{line}分的分数线，{admitted}人（占符合资格者{rate}）可以落户。",
        "Of {n_pop} people, {eligible} are eligible; with a line of {line} points, {admitted} "
        "({rate} of the eligible) may settle.",
    ),
    "summary_quota": (
        "在{n_pop}人中，{eligible}人符合资格；{quota}个名额下分数线为{line}分，"
        "{admitted}人（占符合资格者{rate}）获准落户。",
        "Of {n_pop} people, {eligible} are eligible; {quota} places put the cut-off at {line} points and "
        "admit {admitted} ({rate} of the eligible).",
    ),
    "summary_none": ("没有人获准落户。", "Nobody is admitted."),
    "verdict_pass": ("达到", "meets"),
    "verdict_fail": ("未达到", "does not meet"),
    "verdict_na": ("无法判断是否达到", "cannot be checked against"),
    "requirement": ("要求（{measure}口径）≥ {min_share}", "requirement ({measure}) ≥ {min_share}"),
    "no_admission_rule": ("方案未设定落户规则（名额或分数线）。", "The scheme sets no admission rule (quota or line)."),
    # charts
    "fig_hist_title": ("积分分布（符合资格者）", "Score distribution (eligible)"),
    "fig_hist_x": ("总积分", "total points"),
    "fig_hist_y": ("人数", "people"),
    "not_admitted": ("未获准", "not admitted"),
    "line_label": ("分数线 {line}", "line {line}"),
    "fig_bands_title": ("各分数段的平均项目分值", "Mean item points by score band"),
    "fig_bands_x": ("总积分分段", "total score band"),
    "fig_bands_y": ("平均分值", "mean points"),
    "fig_comp_title": ("按{column}的构成", "By {column}"),
    "share_of": ("占比", "share"),
    "fig_cutoff_title": ("分数线与名额规模", "Cut-off against quota size"),
    "fig_cutoff_x": ("名额（人）", "quota (people)"),
    "fig_cutoff_y": ("分数线", "cut-off score"),
    "current_quota": ("当前名额", "current quota"),
    "gauge_title": ("{measure}占比", "{measure} share"),
    "fig_transitions_title": ("与基准相比的变化（人）", "Transitions against the baseline (people)"),
    "newly_admitted": ("新增获准", "newly admitted"),
    "newly_excluded": ("不再获准", "newly excluded"),
    "stay_admitted": ("仍获准", "still admitted"),
    "fig_person_title": ("个人逐项积分", "Itemised points"),
    "fig_years_title": ("逐年模拟：有名额限制与无名额限制", "Year by year: with and without the quota cap"),
    "age_band": ("年龄段", "age band"),
    # pages
    "overview_intro": ("一分钟看懂当前方案：资格、落户人数、分数线和居住社保年限占比。",
                       "The scheme in a minute: who is eligible, who gets in, the line, "
                       "and the residence/insurance share."),
    "scheme_intro": ("直接修改分值、封顶和分档，结果即时更新。",
                     "Edit points, caps and bands; results update at once."),
    "items_table": ("积分项目", "Points items"),
    "col_id": ("编号", "id"),
    "col_item": ("项目", "item"),
    "col_group": ("分组", "group"),
    "col_kind": ("类型", "kind"),
    "col_ppu": ("每单位分值", "points per unit"),
    "col_unit": ("计量单位（年）", "unit (years)"),
    "col_cap": ("封顶", "cap"),
    "col_points": ("分值", "points"),
    "col_value": ("取值", "value"),
    "col_min": ("下限（含）", "from (incl.)"),
    "col_max": ("上限（不含）", "to (excl.)"),
    "col_default": ("默认分值", "default points"),
    "kind_per_unit": ("按单位计分", "per unit"),
    "kind_category": ("按类别计分", "by category"),
    "kind_bands": ("分档计分", "bands"),
    "kind_flag": ("是否计分", "yes/no"),
    "category_points": ("类别分值：{item}", "Category points: {item}"),
    "band_points": ("分档分值：{item}", "Bands: {item}"),
    "admission_rule": ("落户规则", "Admission rule"),
    "mode": ("方式", "mode"),
    "mode_quota": ("名额", "quota"),
    "mode_threshold": ("分数线", "score line"),
    "mode_both": ("分数线+名额", "line + quota"),
    "quota": ("名额（人）", "quota (people)"),
    "threshold": ("分数线（分）", "score line (points)"),
    "dominance_rule": ("主要比例要求", "Main-share requirement"),
    "min_share": ("最低占比", "minimum share"),
    "measure": ("衡量口径", "measure"),
    "diff_title": ("与原方案相比的改动", "Changes against the loaded scheme"),
    "no_changes": ("尚未改动。", "No changes yet."),
    "scheme_invalid": ("方案有误，未应用此次修改（其余页面继续使用上一版有效方案）：",
                       "The scheme is invalid; this edit is not applied (other pages keep the last valid scheme):"),
    "scheme_upload_invalid": ("上传的方案有误，未载入（继续使用当前方案）：",
                              "The uploaded scheme is invalid and was not loaded (the current scheme stays):"),
    "reset_edits": ("撤销全部改动", "Undo all edits"),
    "upload_scheme": ("上传方案 YAML", "Upload a scheme YAML"),
    "download_scheme": ("下载方案 YAML", "Download the scheme YAML"),
    "scheme_loaded": ("已载入方案：{id}", "Loaded scheme: {id}"),
    "dist_intro": ("积分如何构成、分数线落在哪里、各群体的差异。",
                   "How the score is made up, where the line falls, and how groups differ."),
    "bin_width": ("分组宽度（分）", "bin width (points)"),
    "group_by": ("分组依据", "group by"),
    "among": ("人群", "among"),
    "among_eligible": ("符合资格者", "the eligible"),
    "among_admitted": ("获准落户者", "the admitted"),
    "among_all": ("全部居民", "all residents"),
    "column_missing": ("人口数据中没有“{column}”列。", "The population has no “{column}” column."),
    "quota_intro": ("名额大小如何决定分数线；取消名额限制后逐年的变化。",
                    "How the quota size sets the line; what removing the cap does year by year."),
    "quota_what_if": ("假设名额（人）", "what-if quota (people)"),
    "cutoff_at_quota": ("该名额下的分数线", "cut-off at this quota"),
    "admitted_at_quota": ("该名额下获准人数", "admitted at this quota"),
    "quota_ties_note": (
        "名额为{quota}人，但分数线{cut}分上的同分者全部获准（同分全部录取），所以获准{admitted}人，多于名额。",
        "The quota is {quota}, but everyone tied at the cut-off of {cut} points is admitted (ties admitted), "
        "so {admitted} people are admitted, more than the quota.",
    ),
    "years": ("年数", "years"),
    "sim_sample": ("逐年模拟在{n}人的随机样本上运行（名额按比例缩小），人数按比例放大到{total}人。",
                   "The year-by-year simulation runs on a random sample of {n} people (quota scaled down); counts are "
                   "scaled up to {total}."),
    "annual_quota": ("每年名额（有名额限制时）", "annual quota (with the cap)"),
    "year": ("年份", "year"),
    "backlog": ("积压人数", "backlog"),
    "wait": ("平均等待年数", "mean waiting years"),
    "with_cap": ("有名额限制", "with cap"),
    "without_cap": ("无名额限制", "without cap"),
    "compare_intro": ("选择2–4个方案并排比较，第一个为基准。",
                      "Pick 2–4 schemes side by side; the first is the baseline."),
    "scenarios": ("方案", "schemes"),
    "current_scheme": ("当前（编辑中）方案", "current (edited) scheme"),
    "pick_two": ("请至少选择两个方案。", "Pick at least two schemes."),
    "cmp_static_note": ("本页数字为侧栏人口上的单年静态对比（所有符合资格者都计为申请，不计互认），不是排队模型的"
                        "第一年落户人数；后者见“总览”和“名额”页，因此获准人数和分数线与那里不同。",
                        "The figures on this page are a static one-year comparison on the sidebar population (everyone "
                        "eligible counted as applying, no recognition), not the queue model's first year; that is on "
                        "the Overview and Quota pages, so the admitted counts and cut-offs differ from theirs."),
    "pick_max": ("最多比较四个方案。", "Compare at most four schemes."),
    "rank_agreement": ("排名一致性（Kendall τ，两方案均符合资格者）",
                       "rank agreement (Kendall τ, eligible under both)"),
    "overlap": ("获准名单重合度（Jaccard）", "overlap of admitted (Jaccard)"),
    "composition_shift": ("获准者构成变化", "Composition of the admitted"),
    "headline_table": ("主要指标", "Headline figures"),
    "person_intro": ("查看一个人的逐项积分、与分数线的距离，以及改变结果所需的最小变化。",
                     "One person's itemised points, distance to the line, "
                     "and the smallest change that flips the outcome."),
    "person_pick": ("从人口中选取（人员编号）", "pick from the population (person id)"),
    "person_form": ("手动输入", "type in"),
    "person_source": ("来源", "source"),
    "person_id": ("人员编号", "person id"),
    "person_not_found": ("找不到人员编号“{pid}”。", "No person with id “{pid}”."),
    "random_person": ("随机抽取一人", "random person"),
    "score_person": ("计算", "Score"),
    "total": ("总积分", "total"),
    "outcome": ("结果", "outcome"),
    "distance": ("与分数线的距离", "distance to the line"),
    "status_admitted": ("获准落户", "admitted"),
    "status_not_admitted": ("未获准落户", "not admitted"),
    "status_ineligible": ("不符合资格（未满足：{gate}）", "not eligible (condition not met: {gate})"),
    "flip_title": ("改变结果的最小变化", "Smallest change that flips the outcome"),
    "flip_none": ("在可考虑的变化范围内，没有单项变化能改变结果。",
                  "No single change within the range considered flips the outcome."),
    "flip_months": ("{column}增加{months}个月", "{months} more months of {column}"),
    "flip_months_less": ("{column}减少{months}个月即落线", "{months} fewer months of {column} and out"),
    "flip_both": ("居住和社保年限各增加{months}个月", "{months} more months each of residence and insurance"),
    "flip_set": ("{column}改为“{value}”", "{column} = “{value}”"),
    "flip_new_total": ("新总分", "new total"),
    "flip_change": ("变化", "change"),
    "data_intro": ("上传匿名化的 CSV、Excel 或 Parquet 文件作为人口数据；下载所有表格和图表。",
                   "Upload an anonymised CSV, Excel or Parquet file as the population; "
                   "download every table and chart."),
    "upload_population": ("上传人口数据", "Upload a population"),
    "drop_ids": ("删除身份证号、手机号、姓名等直接标识列",
                 "drop direct-identifier columns (ID numbers, phones, names)"),
    "drop_ids_hint": ("勾选上方“删除身份证号、手机号、姓名等直接标识列”",
                      'tick "drop direct-identifier columns" above'),
    "rows_in": ("读入行数", "rows in"),
    "rows_kept": ("保留行数", "rows kept"),
    "rows_rejected": ("剔除行数", "rows rejected"),
    "rejected_rows": ("被剔除的行及原因", "Rejected rows and reasons"),
    "use_population": ("使用此数据作为人口", "Use this as the population"),
    "use_synth": ("改回合成人口", "Back to the synthetic population"),
    "upload_failed": ("无法读取上传的文件：", "Cannot read the uploaded file:"),
    "now_using": ("当前人口：{name}；代表{n}人", "Population in use: {name}; stands for {n} people"),
    "downloads": ("下载", "Downloads"),
    "table_scores": ("逐人积分表（前{n}行）", "Per-person scores (first {n} rows)"),
    "table_headline": ("主要指标", "headline figures"),
    "table_hist": ("积分分布", "score distribution"),
    "table_bands": ("分数段项目均值", "item means by band"),
    "table_cutoff": ("分数线与名额", "cut-off vs quota"),
    "all_tables": ("全部表格", "all tables"),
    "chart_html": ("图表（HTML）", "chart (HTML)"),
    "method_intro": ("假设、来源、每个数值的状态，以及各项指标的计算方法。",
                     "Assumptions, sources, the status of every value, and how each measure is computed."),
    "sources": ("来源", "Sources"),
    "assumptions": ("假设", "Assumptions"),
    "value_status": ("各项目数值状态", "Status of each item's values"),
    "status_assumed": ("假设值", "assumed"),
    "status_documented": ("有文件依据", "documented"),
    "note": ("说明", "note"),
    "how_computed": ("计算方法", "How each measure is computed"),
    "scheme_status": ("方案状态", "scheme status"),
    "error_population": ("人口数据无法用于此方案：", "The population cannot be used with this scheme:"),
    "empty_selection": ("未选择任何内容。", "Nothing selected."),
}

METHOD_TEXT: dict[str, tuple[str, str]] = {
    "design": ("设计占比 = 居住与社保分组可得的最高分 ÷ 全部项目可得的最高分（无封顶的项目取人口第99百分位）。",
               "Design share = the maximum points attainable from the residence and insurance groups over the maximum "
               "attainable total (an uncapped item counts at the population's 99th percentile)."),
    "realised": ("占积分的比例 = 符合资格者实得的居住与社保分 ÷ 实得的全部正分（另对获准者单独计算）。",
                 "Share of the points = the residence and insurance points the eligible actually hold over all their "
                 "positive points (computed separately for the admitted)."),
    "decisive": ("决定性占比 = 分数线附近（±窗口分）符合资格者中 Cov(居住+社保分, 总分) ÷ Var(总分)："
                 "真正决定谁能落户的分差中"
                 "居住与社保所占的份额；可大于1或为负。",
                 "Decisive share = Cov(residence+insurance points, total) / Var(total) among the eligible within a "
                 "window of the line: the share of the score differences that decide who gets in; it can exceed 1 or "
                 "be negative."),
    "admission": ("名额制：按总分从高到低取满名额，分数线为最低获准分；同分按方案的同分规则处理。"
                  "分数线制：达到分数线者均可落户。",
                  "Quota: the best scores up to the quota are admitted; the cut-off is the lowest admitted score; ties "
                  "follow the scheme's tie rule. Threshold: everyone eligible at or above the line is admitted."),
    "flip": ("最小变化：对该人生成一组候选变体（逐月增加年限、更换学历等），一次性重新计分，取第一个改变结果的变体。",
             "Smallest change: build candidate variants of the person (month by month more years, other education "
             "levels, ...), re-score them in one vectorised call, and take the first that flips the outcome."),
    "population": ("内置人口为按普查校准的合成人口（scoring.population.synthetic），不是真实个人数据。",
                   "The built-in population is synthetic, calibrated to census tables (scoring.population.synthetic); "
                   "no real person."),
}


STRINGS.update(MORE)
STRINGS.update(BRIEF)
STRINGS.update(labels.dashboard_strings())  # the measures' names, pass/fail: scoring.labels, shared with the CLI


def t(key: str, lang: str = "zh", **fmt: Any) -> str:
    """The UI string ``key`` in ``lang``, formatted with ``fmt``; an unknown key is shown as itself."""
    pair = STRINGS.get(key)
    text = key if pair is None else pair[1 if lang == "en" else 0]
    return text.format(**fmt) if fmt else text


def method_text(key: str, lang: str = "zh") -> str:
    """A paragraph of the method page."""
    return METHOD_TEXT[key][1 if lang == "en" else 0]


def fmt_int(value: float | int | None) -> str:
    """A count with thousands separators ("1,234,567"); "—" for None."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{round(value):,}"


def fmt_int_range(lo: float | None, hi: float | None) -> str:
    """An interval of counts ("77,800–82,400"); one number when both ends round to the same count (a quota that
    fills every year has no spread: "80,000", not "80,000–80,000")."""
    a, b = fmt_int(lo), fmt_int(hi)
    return a if a == b else f"{a}–{b}"


def fmt_points(value: float | None) -> str:
    """Points with at most two decimals, trailing zeros dropped ("100", "115.33"); "—" for None."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def fmt_pct(value: float | None, digits: int = 1) -> str:
    """A share as a percentage ("57.6%"); "—" for None."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value * 100:.{digits}f}%"


def col_label(column: str, lang: str = "zh") -> str:
    """A population column's label from the population schema (its name if unknown)."""
    return population_schema.label(column, "en" if lang == "en" else "zh")


def value_label(column: str, value: object, lang: str = "zh") -> str:
    """A column value's label from the population schema."""
    return population_schema.value_label(column, value, "en" if lang == "en" else "zh")


def kind_label(kind: str, lang: str = "zh") -> str:
    """The label of an item kind."""
    return t(f"kind_{kind}", lang)


def measure_label(measure: str, lang: str = "zh") -> str:
    """The short label of a dominance measure."""
    return t(f"measure_{measure}", lang)

from dashboard.i18n_quota import QUOTA  # noqa: E402  (the Quota page, scheme editor and rounding strings)

STRINGS.update(QUOTA)

from dashboard.i18n_reform import REFORM  # noqa: E402  (the reform question from the queue model)

STRINGS.update(REFORM)
