"""UI strings of the Quota page's queue model, the scheme editor's items/gates/ties and tuning's rounding (merged into
dashboard.i18n.STRINGS). Placeholders that carry a user's text are escaped by the caller (dashboard.safe_text.md)."""

from __future__ import annotations

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
    "qy_first_run": ("首次模拟需要先生成起始人群（约半分钟）；结果会缓存，再次查看同一设置无需等待。",
                     "The first run builds the starting pool (about half a minute); results are cached, so the same "
                     "settings show at once next time."),
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
    "qy_calibrated": ("模型校准：以人口普查的{area}非户籍人口存量为目标（{n}项，均方根误差{rms}个单位，"
                      "每单位10万人）：{rows}。名额大小、离开率、申请意愿为假设，未经校准（杭州未公布名额与申请人数）。",
                      "Model calibration: fitted to the census non-hukou stock of {area}; {n} targets, rms error "
                      "{rms} units of 100,000 people: {rows}. The quota size, departure rates and propensity to apply "
                      "are assumptions, not calibrated (Hangzhou publishes neither the quota nor applicant counts)."),
    "qy_fit_row": ("{target}观测{observed}、模型{model}（误差{err}）", "{target} observed {observed}, model {model} "
                   "(error {err})"),
    "qy_target": ("{year}年{measure}", "{year} {measure}"),
    "qy_m_pool": ("非户籍存量", "stock"),
    "qy_m_cutoff": ("分数线", "line"),
    "qy_m_admitted": ("落户人数", "settled"),
    "qy_m_applicants": ("申请人数", "applicants"),
    "qy_not_calibrated": ("模型未经校准：流动与申请意愿均为假设。",
                          "The model is not calibrated: flows and propensities are assumptions."),
    "qy_total_with": ("{years}年累计落户（有名额）", "settled over {years} years (with the quota)"),
    "qy_total_without": ("{years}年累计落户（无名额）", "settled over {years} years (without the quota)"),
    "qy_first_with": ("第一年落户（有名额）", "settled in the first year (with the quota)"),
    "qy_first_without": ("第一年落户（无名额）", "settled in the first year (without the quota)"),
    "qy_interval": ("区间 {lo}–{hi}", "interval {lo}–{hi}"),
    "qy_variant_with": ("有名额", "With the quota"),
    "qy_variant_without": ("无名额（保留分数线）", "Without the quota (the line stays)"),
    "qy_binds_title": ("每年由什么决定落户人数", "What decides each year"),
    "qy_binds_quota": ("名额（{quota}个名额已满）", "the quota ({quota} places filled)"),
    "qy_binds_ties": ("名额，同分全录（{quota}个名额，录取{admitted}人）",
                      "the quota, ties admitted ({quota} places, {admitted} admitted)"),
    "qy_binds_line": ("分数线（{line}分）", "the line ({line} points)"),
    "qy_binds_none": ("无名额也无分数线", "neither quota nor line"),
    "qy_sum_quota": ("名额决定{n}年", "the quota decides in {n} years"),
    "qy_sum_quota_ties": ("名额决定且同分全录{n}年", "the quota decides, with ties admitted beyond it, in {n} years"),
    "qy_sum_line": ("分数线决定{n}年", "the line decides in {n} years"),
    "qy_sum_none": ("所有申请者获准{n}年", "every applicant admitted in {n} years"),
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
    "qy_curve_note": ("第一年若{quota}个名额：分数线{cut}分，录取{admitted}人{ties}。",
                      "First year with {quota} places: cut-off {cut} points, {admitted} admitted{ties}."),
    "qy_curve_ties": ("（同分全录，多于名额）", " (ties admitted, more than the places)"),
    "qy_col_variant": ("情形", "variant"),
    "qy_col_year": ("年份", "year"),
    "qy_col_admitted": ("落户", "settled"),
    "qy_col_cumulative": ("累计落户", "cumulative"),
    "qy_col_cutoff": ("分数线", "cut-off"),
    "qy_col_binds": ("决定因素", "what decides"),
    "qy_col_pool": ("存量", "stock"),
    "qy_col_arrivals": ("新来", "arrivals"),
    "qy_col_departures": ("离开", "departures"),
    "qy_col_applicants": ("申请", "applicants"),
    "qy_col_backlog": ("积压", "backlog"),
    "qy_col_wait": ("平均等待年数", "mean waiting years"),
    "qy_no_quota_in_scheme": ("方案没有名额；这里比较的名额为{quota}个。",
                              "The scheme has no quota; the quota compared here is {quota} places."),
    "qy_file_name": ("名额逐年模拟", "quota-years"),
}
