"""UI strings of the reform question read from the queue model (dashboard.reform_model) and of the Quota page's
starting pool, first-year steps and cut-off curve (merged into dashboard.i18n.STRINGS)."""

from __future__ import annotations

REFORM: dict[str, tuple[str, str]] = {
    "rf_first": ("第一年（{year}年）落户", "settle in year 1 ({year})"),
    "rf_total": ("{years}年累计落户", "settle over {years} years"),
    "rf_rule_before": ("每年名额{quota}人（第一年分数线{cut}分）",
                       "a quota of {quota} places a year (year-1 cut-off {cut} points)"),
    "rf_change": ("第一年（{year}年）改革后落户{after}人，改革前{before}人：{change}。"
                  "{years}年累计：改革后{after_total}人，改革前{before_total}人。",
                  "In year 1 ({year}) {after} people settle after the reform, {before} before it: {change}. Over "
                  "{years} years: {after_total} after, {before_total} before."),
    "rf_at_line": ("模型人口中符合资格且达到{line}分的有{n}人（静态计数：人人都申请，不计互认）",
                   "in the model population {n} eligible residents reach {line} points (a static count: everyone "
                   "applying, no recognition)"),
    "rf_all_eligible": ("模型人口中符合资格的有{n}人（静态计数：人人都申请，不计互认）",
                        "in the model population {n} residents are eligible (a static count: everyone applying, no "
                        "recognition)"),
    "rf_recognition": ("；认定长三角社保年限和全市居住年限后增加{n}人，共{total}人",
                       "; recognising YRD insurance years and prefecture-wide residence years adds {n}, {total} in "
                       "all"),
    "rf_steps": ("改革后第一年（{year}年）的人数如何得出：{at_line}{rec}；其中第一年提出申请的{applicants}人"
                 "（即“名额”页表中的“达线申请”）全部落户：{admitted}人。第一年的人数是已符合资格、"
                 "此前受名额所限的存量居民集中落户，不是每年的常态（户籍人口各途径合计每年约增加20万人），"
                 "且申请意愿为未经校准的假设。",
                 "How year 1 after the reform ({year}) is counted: {at_line}{rec}; of them {applicants} apply in the "
                 "first year (the Quota table's \"applicants at or above the line\") and all settle: {admitted}. "
                 "The first year is the backlog of residents already eligible and held back by the quota settling "
                 "at once, not a yearly rate (the registered population grows by about 0.2 million a year from all "
                 "routes), and the propensity to apply is an uncalibrated assumption."),
    "rf_static_note": ("本节人数为侧栏人口上的静态计数（所有符合资格者都申请，不计互认，单年）；"
                       "改革前后每年和多年的落户人数来自上方的排队模型，两者之差见上方的计算步骤。",
                       "The counts in this section are static counts on the sidebar population (everyone eligible "
                       "applying, no recognition, one year); settlements per year and over several years before and "
                       "after the reform come from the queue model above, and the steps above give the difference."),
    "rf_static_note_brief": ("“{title}”各行（符合资格、获准落户等）为侧栏人口上的静态计数（所有符合资格者都申请，"
                             "不计互认，单年）；改革前后每年和多年的落户人数来自排队模型，两者之差见上述计算步骤。",
                             "The \"{title}\" rows (eligible, admitted and so on) are static counts on the sidebar "
                             "population (everyone eligible applying, no recognition, one year); settlements per year "
                             "and over several years before and after the reform come from the queue model, and the "
                             "steps above give the difference."),
    "rf_static_same": ("同一方案在排队模型人口上的静态计数为{model}人，与本节的{here}人之差来自两份不同的合成样本"
                       "（抽样误差）。",
                       "The same static count on the queue model's population is {model}; the difference from "
                       "{here} here comes from two different synthetic samples (sampling error)."),
    "rf_model_note": ("排队模型与“名额”页相同：同一人口（按人口普查校准的非户籍常住人口截面）、同一规则、"
                      "同一缓存结果。",
                      "The queue model is the Quota page's: the same population (the census-calibrated cross-section "
                      "of non-hukou residents), the same rules, the same cached run."),
    "qy_start_pool": ("起始人群：按人口普查校准的非户籍常住人口截面（年龄、性别、学历、来源地、区县；居住与社保年限为"
                      "假设），与总览页相同，不经预热；每年新来{arrivals}人、有人离开，积分逐年累积。",
                      "Starting pool: the census-calibrated cross-section of non-hukou residents (age, sex, education, "
                      "origin, district; residence and insurance years are assumptions), as on the Overview, no "
                      "burn-in; {arrivals} newcomers arrive each year, people leave, points accrue."),
    "qy_first_model": ("第一年·{variant}：{first}人，即总览页“改革前后”的数字（同一模型、同一缓存结果）。",
                       "Year 1, {variant}: {first}, the figure on the Overview's before/after (the same model, the "
                       "same cached run)."),
    "qy_first_model_plain": ("第一年·{variant}：{first}人。", "Year 1, {variant}: {first}."),
    "qy_curve_note2": ("曲线按所有符合资格者都申请、同分者全部计入：第一年若{quota}个名额，分数线{cut}分，该分及以上"
                       "{admitted}人。模拟中只有申请者参加排序、同分按规则处理，"
                       "第一年分数线{run_cut}分、录取{run_admitted}人。",
                       "The curve counts every eligible resident as applying and everyone tied at the cut-off: with "
                       "{quota} places in the first year the cut-off is {cut} points, {admitted} at or above it. "
                       "In the "
                       "simulation only applicants are ranked and ties follow the rule: year-1 cut-off {run_cut} "
                       "points, {run_admitted} admitted."),
}
