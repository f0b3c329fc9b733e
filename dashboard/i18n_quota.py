"""UI strings of the Quota page's queue model, the scheme editor's items/gates/ties and tuning's rounding (merged into
dashboard.i18n.STRINGS). Placeholders that carry a user's text are escaped by the caller (dashboard.safe_text.md)."""

from __future__ import annotations

from scoring.labels import METRIC_ZH

QUOTA: dict[str, tuple[str, str]] = {
    # Quota page: the queue model
    "qy_intro": ("取消名额会怎样：在模型人口上逐年模拟有名额与无名额（保留分数线）两种情况，人数均为真实人数。",
                 "What removing the quota does: the model population simulated year by year with the quota and "
                 "without it (the line stays); every count is in real people."),
    "qy_controls": ("模拟设置", "Simulation settings"),
    "qy_quota": ("每年名额（真实人数）", "places a year (real people)"),
    "qy_line": ("取消名额后的落户分数线（分）", "line once the quota goes (points)"),
    "qy_line_own": ("取消名额后沿用方案自身的分数线：{line}分。",
                    "Without the quota the scheme's own line stays: {line} points."),
    "qy_line_stated": ("方案本身没有分数线（只有名额）。取消名额后采用的分数线：{line}分"
                       "（默认为2023年改革的100分线，可修改）；“无名额”不等于“无门槛”。",
                       "The scheme has no line of its own (only a quota). The line used once the quota goes: {line} "
                       "points (by default the 2023 reform's 100-point line; change it here). \"No quota\" does not "
                       "mean \"no line\"."),
    "qy_years": ("模拟年数", "years simulated"),
    "qy_ratio": ("抽样比例（1个模拟人口代表的真实人数）", "sampling ratio (real people per simulated person)"),
    "qy_ratio_fmt": ("1:{r}", "1:{r}"),
    "qy_run": ("运行模拟", "Run the simulation"),
    "qy_running": ("正在模拟：{done}/{total}年", "Simulating: {done} of {total} years"),
    "qy_first_run": ("首次模拟需要几秒钟；结果会缓存，再次查看同一设置无需等待。",
                     "The first run takes a few seconds; results are cached, so the same settings show at once next "
                     "time."),
    "qy_sampling": ("抽样：1:{ratio}（{n}名模拟人口代表{total}名非户籍常住人口），{reps}次蒙特卡洛重复，区间为5%–95%。"
                    "人数均为真实人数（按1:{ratio}放大），人数以{ratio}人为单位变动。",
                    "Sampling: 1:{ratio} ({n} simulated people stand for {total} non-hukou residents), {reps} Monte "
                    "Carlo replications, intervals 5%–95%. Every count is in real people (scaled by 1:{ratio}), so "
                    "counts move in steps of {ratio}."),
    "qy_area": ("范围：只有{area}的居民进入积分排队（data/hz_city_districts.csv）。",
                "Area: only residents of {area} enter the points queue (data/hz_city_districts.csv)."),
    "qy_burn_in": ("起始人群：按改革前规则（2022年方案、每年名额{quota}人）运行{years}年形成的稳态人群；"
                   "每年新来{arrivals}人、有人离开，积分逐年累积。",
                   "Starting pool: the steady state after {years} years under the pre-reform rules (2022 scheme, "
                   "{quota} places a year); {arrivals} newcomers arrive each year, people leave, points accrue."),
    "qy_recognition": ("采用改革的认定规则（长三角社保年限、全市居住年限）。",
                       "With the reform's recognition rules (YRD insurance years, prefecture-wide residence years)."),
    "qy_not_population": ("本页使用模型人口，不使用侧栏所选的人口或上传的数据。",
                          "This page uses the model population, not the population chosen in the sidebar or an "
                          "upload."),
    "qy_calibrated": ("模型校准（校准的是有名额的改革前运行）：以人口普查的{area}非户籍人口存量为目标（{n}项，"
                      "均方根误差{rms}个单位，每单位10万人）：{rows}。名额大小、离开率、申请意愿为假设，未经校准"
                      "（杭州未公布名额与申请人数）。取消名额后，落户的居民离开非户籍人群，非户籍存量因此下降："
                      "这是落户的结果，不是校准失误。",
                      "Model calibration (of the run with the quota, before the reform): fitted to the census "
                      "non-hukou stock of {area}; {n} targets, rms error {rms} units of 100,000 people: {rows}. The "
                      "quota size, departure rates and propensity to apply are assumptions, not calibrated (Hangzhou "
                      "publishes neither the quota nor applicant counts). Without the quota the non-hukou stock falls "
                      "because the people who settle leave the non-hukou pool: a consequence of settling, not a "
                      "failure of the calibration."),
    "qy_fit_row": ("{target}观测{observed}、模型{model}（误差{err}）", "{target} observed {observed}, model {model} "
                   "(error {err})"),
    "qy_target": ("{year}年{measure}", "{year} {measure}"),
    "qy_m_pool": (METRIC_ZH["pool"], "stock"),
    "qy_m_cutoff": (METRIC_ZH["cutoff"], "line"),
    "qy_m_admitted": (METRIC_ZH["admitted"], "settled"),
    "qy_m_applicants": (METRIC_ZH["applicants"], "applicants"),
    "qy_not_calibrated": ("模型未经校准：流动与申请意愿均为假设。",
                          "The model is not calibrated: flows and propensities are assumptions."),
    "qy_total_with": ("{years}年累计·有名额", "{years} years · with quota"),
    "qy_total_without": ("{years}年累计·无名额", "{years} years · no quota"),
    "qy_first_with": ("第一年·有名额", "year 1 · with quota"),
    "qy_first_without": ("第一年·无名额", "year 1 · no quota"),
    "qy_interval": ("区间 {range}", "interval {range}"),
    "qy_variant_with": ("有名额", "With the quota"),
    "qy_variant_without": ("无名额（保留分数线）", "Without the quota (the line stays)"),
    "qy_binds_title": ("每年由什么决定落户人数", "What decides each year"),
    "qy_binds_quota": ("名额（{quota}个名额已满）", "the quota ({quota} places filled)"),
    "qy_binds_ties": ("名额，同分全录（{quota}个名额，录取{admitted}人）",
                      "the quota, ties admitted ({quota} places, {admitted} admitted)"),
    "qy_binds_line": ("分数线（{line}分）", "the line ({line} points)"),
    "qy_binds_none": ("无名额也无分数线", "neither quota nor line"),
    "qy_sum_quota": ("名额决定{n}/{total}年", "the quota decides in {n} of {total} years"),
    "qy_sum_quota_ties": ("名额决定且同分全录（录取多于名额）{n}/{total}年",
                          "the quota decides, with ties admitted beyond its places, in {n} of {total} years"),
    "qy_sum_line": ("分数线决定{n}/{total}年", "the line decides in {n} of {total} years"),
    "qy_sum_none": ("所有申请者获准{n}/{total}年", "every applicant admitted in {n} of {total} years"),
    "qy_view": ("查看", "show"),
    "qy_settled_title": ("落户人数（真实人数）", "Settlements (real people)"),
    "qy_tab_cumulative": ("累计落户", "cumulative settlements"),
    "qy_tab_yearly": ("每年落户", "settlements per year"),
    "qy_tab_cutoff": ("分数线", "cut-off"),
    "qy_tab_pool": ("排队人群", "the pool"),
    "qy_fig_cumulative": ("累计落户人数", "Cumulative settlements"),
    "qy_fig_yearly": ("每年落户人数", "Settlements per year"),
    "qy_fig_cutoff": ("每年的录取分数线", "The cut-off each year"),
    "qy_fig_pool": ("非户籍存量与积压", "Non-hukou stock and backlog"),
    "qy_fig_curve": ("第一年：分数线与名额规模（全部符合资格者申请）",
                     "First year: cut-off against quota size (every eligible resident applying)"),
    "qy_people": ("人数（真实人数）", "people (real)"),
    "qy_points": ("分数", "points"),
    "qy_quota_axis": ("名额（真实人数）", "places (real people)"),
    "qy_pool": ("非户籍存量", "non-hukou stock"),
    "qy_backlog": ("积压（符合资格未落户）", "backlog (eligible, not settled)"),
    "qy_interval_band": ("{name}区间", "{name} interval"),
    "qy_col_variant": ("情形", "variant"),
    "qy_col_year": ("年份", "year"),
    "qy_col_admitted": ("落户", "settled"),
    "qy_col_cumulative": ("累计落户", "cumulative"),
    "qy_col_cutoff": ("分数线", "cut-off"),
    "qy_col_binds": ("决定因素", "what decides"),
    "qy_col_pool": ("存量", "stock"),
    "qy_col_arrivals": ("新来", "arrivals"),
    "qy_col_departures": ("离开", "departures"),
    "qy_col_applicants": ("申请（含未达分数线者）", "applicants (incl. below the line)"),
    "qy_col_applicants_at_line": ("达线申请", "applicants at or above the line"),
    "qy_col_backlog": ("积压：符合资格未落户", "backlog: eligible, not settled"),
    "qy_help_applicants": ("当年提出申请的全部人数，包括分数未达到分数线的申请者。",
                           "Everyone who applies that year, including applicants below the line."),
    "qy_help_applicants_at_line": ("申请者中分数达到分数线的人数（没有分数线时为全部申请者）。无名额时他们全部落户。",
                                   "Applicants at or above the line (all applicants when there is no line). Without "
                                   "the quota they all settle."),
    "qy_help_backlog": ("当年符合资格而未落户的居民：未申请的、分数未达线的，以及有名额时名额外的。",
                        "Residents eligible that year who did not settle: those not applying, those below the line "
                        "and, with a quota, those beyond its places."),
    "qy_col_wait": ("平均等待年数", "mean waiting years"),
    "qy_help_wait": ("落户者从进入排队人群到落户的平均年数。", "Mean years from entering the pool to settling."),
    "qy_no_quota_in_scheme": ("方案没有名额；这里比较的名额为{quota}个。",
                              "The scheme has no quota; the quota compared here is {quota} places."),
    "qy_ties_assumed": ("方案同分全录；名额年份按社保缴纳年限（多者优先）、再抽签的顺序决定同分者"
                        "（假设，同 hangzhou-quota-phaseout 情景），否则粗分数的大量同分会使录取远超名额。",
                        "The scheme admits all ties; in quota years, ties are broken by insurance years (more first),"
                        " then a lottery (an assumption, as in the hangzhou-quota-phaseout scenario); otherwise the"
                        " coarse scores' mass ties would admit many times the places."),
    "qy_file_name": ("名额逐年模拟", "quota-years"),
    # the scheme editor: items added and removed, eligibility conditions, the tie rule
    "se_struct_title": ("添加或删除项目", "Add or remove items"),
    "se_remove_label": ("删除项目", "remove items"),
    "se_choose_items": ("选择要删除的项目", "Choose items"),
    "se_choose_one": ("请选择", "Choose one"),
    "cmp_choose": ("选择要对比的方案（2–4个）", "Choose 2–4 schemes"),
    "se_choose_required": ("请选择{what}。", "Choose the {what}."),
    "se_remove_button": ("删除所选项目", "Remove the selected items"),
    "se_removed": ("已删除：{names}。", "Removed: {names}."),
    "se_add_title": ("添加项目", "Add an item"),
    "se_add_button": ("添加项目", "Add the item"),
    "se_added": ("已添加项目“{name}”。", "Added the item \"{name}\"."),
    "se_f_id": ("编号（小写字母、数字、下划线）", "id (lower-case letters, digits, underscores)"),
    "se_f_name_zh": ("名称（中文）", "name (Chinese)"),
    "se_f_name_en": ("名称（英文）", "name (English)"),
    "se_f_group": ("分组", "group"),
    "se_f_kind": ("计分方式", "how it scores"),
    "se_f_column": ("数据列", "data column"),
    "se_unknown_item": ("没有编号为“{id}”的项目。", "There is no item with id \"{id}\"."),
    "se_remove_all": ("不能删除全部项目：方案至少需要一个项目。",
                      "Cannot remove every item: a scheme needs at least one."),
    "se_remove_dominance": ("不能删除：主要比例所依据的分组（居住、社保）将没有任何项目。",
                            "Cannot remove: the groups the dominance rule judges (residence, insurance) would have no "
                            "items left."),
    "se_id_bad": ("编号“{id}”无效：以小写字母开头，只用小写字母、数字和下划线，最多40个字符。",
                  "The id \"{id}\" is not valid: start with a lower-case letter; use lower-case letters, digits and "
                  "underscores only; at most 40 characters."),
    "se_id_taken": ("编号“{id}”已被其他项目使用。", "The id \"{id}\" is already used by another item."),
    "se_name_required": ("请填写中文和英文名称（各不超过60个字符）。",
                         "Give the name in Chinese and in English (at most 60 "
                         "characters each)."),
    "se_group_bad": ("分组“{group}”无效：以小写字母开头，只用小写字母、数字和下划线。",
                     "The group \"{group}\" is not valid: start with a lower-case letter; use lower-case letters, "
                     "digits and underscores only."),
    "se_kind_bad": ("请选择计分方式。", "Choose how the item scores."),
    "se_column_kind": ("数据列“{column}”不能用于“{kind}”项目。",
                       "The column \"{column}\" cannot be used by a \"{kind}\" "
                       "item."),
    "se_number_required": ("请填写{what}。", "Give the {what}."),
    "se_not_number": ("{what}“{value}”不是数字。", "The {what} \"{value}\" is not a number."),
    "se_negative": ("{what}不能为负数。", "The {what} cannot be negative."),
    "se_true": ("是", "yes"),
    "se_false": ("否", "no"),
    "se_a_number": ("数字", "a number"),
    "gate_title": ("资格条件（不满足者不参加积分排序）", "Eligibility conditions (people who fail one are not ranked)"),
    "gate_help": ("每行一个条件：数据列满足最小值、最大值（均含）或等于某值。可添加或删除行。",
                  "One condition a row: the column is at least the minimum, at most the maximum (both inclusive) or "
                  "equal to a value. Rows can be added and removed."),
    "gate_col_label": ("名称", "label"),
    "gate_col_min": ("最小值（含）", "at least"),
    "gate_col_max": ("最大值（含）", "at most"),
    "gate_col_equals": ("等于", "equals"),
    "gate_id_bad": ("第{row}行条件的编号“{id}”无效：以小写字母开头，只用小写字母、数字和下划线。",
                    "Condition row {row}: the id \"{id}\" is not valid (start with a lower-case letter; lower-case "
                    "letters, digits and underscores only)."),
    "gate_id_dup": ("条件编号“{id}”出现了两次。", "The condition id \"{id}\" appears twice."),
    "gate_column_bad": ("条件“{id}”：请选择数据列。", "Condition \"{id}\": choose a data column."),
    "gate_min_max_numeric": ("条件“{id}”：“{column}”不是数值列，只能用“等于”。",
                             "Condition \"{id}\": \"{column}\" is not a numeric column; use \"equals\"."),
    "gate_min_above_max": ("条件“{id}”：最小值{lo}大于最大值{hi}。",
                           "Condition \"{id}\": the minimum {lo} is above the "
                           "maximum {hi}."),
    "gate_equals_bad": ("条件“{id}”：“{value}”不是“{column}”可取的值。",
                        "Condition \"{id}\": \"{value}\" is not a value of \"{column}\"."),
    "gate_needs_test": ("条件“{id}”：请填写最小值、最大值或等于中的至少一项。",
                        "Condition \"{id}\": give at least one of minimum, maximum or equals."),
    "tie_title": ("同分处理", "Ties at the cut-off"),
    "tie_admit_all": ("同分者全部录取（可能多于名额）", "admit everyone tied (may exceed the quota)"),
    "tie_chain": ("依次比较以下各项，最后抽签", "compare the columns below in turn, then draw lots"),
    "tie_key": ("第{n}比较项", "tie-break {n}"),
    "tie_none": ("（不用）", "(none)"),
    "tie_desc": ("从高到低", "highest first"),
    "tie_asc": ("从低到高", "lowest first"),
    "tie_lottery": ("抽签随机种子（空 = 不抽签）", "lottery seed (empty = no lottery)"),
    "tie_column_bad": ("第{n}比较项不是数值列。", "Tie-break {n} is not a numeric column."),
    "tie_chain_empty": ("请至少选择一个比较项或抽签。", "Choose at least one tie-break column or a lottery."),
    "ov_years_title": ("{years}年累计落户人数（排队模型）", "Settlements over {years} years (queue model)"),
    "ov_years_before": ("改革前·{years}年累计（每年名额{quota}人）",
                        "Before · {years} years (a quota of {quota} places a year)"),
    "ov_years_after": ("改革后·{years}年累计（分数线{line}分，不设名额）",
                       "After · {years} years (the {line}-point line, no quota)"),
    "ov_years_range": ("5%–95%区间：改革前{before}人，改革后{after}人。",
                       "5%–95% intervals: before {before} people, after {after} people."),
    "ov_years_note": ("抽样1:{ratio}（{n}名模拟人口代表{total}人），{reps}次蒙特卡洛重复；{cal}",
                      "Sampling 1:{ratio} ({n} simulated people stand for {total}), {reps} Monte Carlo "
                      "replications; {cal}"),
}
