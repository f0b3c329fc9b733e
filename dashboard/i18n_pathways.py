"""The Pathways page's own words: title, intro, notes, table headers and group names, in Chinese and English
(looked up with :func:`tx`; the page's keys are its own, apart from dashboard.i18n.STRINGS)."""

from __future__ import annotations

BANNERS = {"zh": "示意 · 模拟", "en": "illustrative · simulation"}
TEXT: dict[str, tuple[str, str]] = {
    "new_rules": ("新规则", "new rules"), "old_rules": ("旧规则", "old rules"),
    "any_old": ("旧规则下可落户", "may settle, old rules"), "any_new": ("新规则下可落户", "may settle, new rules"),
    "newly": ("新增可落户", "newly able to settle"), "permit": ("可申领居住证", "may apply for a residence permit"),
    "by_pathway": ("各途径符合条件人数", "People qualifying by each route"),
    "marginal": ("每项改动的效果（双向）", "Effect of each change, both ways"),
    "added": ("在旧规则上单独施加：新增可落户", "added alone to the old rules: newly able to settle"),
    "removed": ("从新规则中单独撤去：失去资格", "taken alone out of the new rules: no longer able to settle"),
    "marginal_help": ("“单独施加”回答：这项改动单独会给旧制度带来什么？（旧规则积分落户有固定名额，提高分数只会改变"
                      "谁占用名额，所以年限互认在这里几乎为零。）“单独撤去”回答：在新制度里，这项改动贡献了多少人？",
                      "“Added to the old rules” answers: what would this change alone have done to the old system? "
                      "(The old points route has a fixed quota, so raising scores only changes who takes the places: "
                      "recognition of years shows almost nothing there.) “Taken out of the new rules” answers: how "
                      "many people does this change account for in the new system?"),
    "readings": ("通知未明确之处：解读与开关", "Points the notice leaves open: readings and switches"),
    "readings_help": ("每一项都是解读（或鼓励性表述、参数），不是通知的原文规定；默认项标有“默认”。"
                      "所选解读同时用于新旧规则。",
                      "Each is a reading (or an encouragement, or a parameter), not the notice's own rule; the default "
                      "is marked. The chosen readings apply to both rule sets."),
    "default_mark": ("（默认）", " (default)"),
    "services": ("公共服务需求（期望值）", "Public-service demand (expected values)"),
    "services_help": ("通知一(三)：提高居住证持有人义务教育、住房保障等服务的实际享有水平。"
                      "新落户者与新领居住证者带来的学位和住房保障申请需求；子女数与各项比例均为假设（示意），见下表。",
                      "Notice 1(3): compulsory education and housing security for permit holders. Demand from the "
                      "newly settled and new permit holders; children per person and every rate are assumptions "
                      "(illustrative), listed below."),
    "assumptions": ("所用假设", "Assumptions used"),
    "overlaps": ("途径重叠（符合多个途径的人）", "Overlaps (people qualifying by several routes)"),
    "by_group": ("分组：可落户比例", "By group: share able to settle"), "group": ("分组", "group by"),
    "permit_table": ("居住证申领资格（居住半年以上＋就业/住所/就读之一）",
                     "Residence-permit eligibility (half a year + job, home or schooling)"),
    "people": ("人数", "people"), "share": ("比例", "share"), "count": ("人数", "people"),
    "rules_text": ("规则文件与假设", "Rule files and assumptions"),
    "filled": ("所用人口缺少途径属性，已按假设合成补充（见 docs/pathways.md）。",
               "The population lacks pathway attributes; synthetic values were added (see docs/pathways.md)."),
    "error": ("无法计算：", "Cannot compute: "),
    "area_note": ("积分落户途径与其他各页一样只计杭州市城区居民（见上），其他途径按各自适用的地区计算；名额为实际名额"
                  "（旧规则8,000个名额即8,000人）。新规则还按通知互认长三角社保和市内其他地区的居住年限，所以新规则下"
                  "积分途径的人数可以高于“总览”“情景对比”按方案本身（不含互认）算出的人数。",
                  "The points route counts residents of the Hangzhou city districts only, as on every page (above); "
                  "the other routes count the areas they apply to. Quotas are real places (the old rules' 8,000 "
                  "places are 8,000 people). The new rules also recognise insurance years from the Yangtze River "
                  "Delta and residence elsewhere in the city, as the notice does, so the new points route can count "
                  "more people than Overview and Compare, which apply the scheme alone (without recognition)."),
    "change": ("改动", "change"), "routes": ("途径数", "routes"),
}
COLUMN_NAMES: dict[str, tuple[str, str]] = {
    "label": ("途径", "route"), "clause": ("通知条款", "clause"), "old": ("旧规则（人）", "old rules (people)"),
    "new": ("新规则（人）", "new rules (people)"), "change": ("变化（人）", "change (people)"),
    "newly": ("新增可落户（人）", "newly able to settle (people)"),
    "lost": ("失去资格（人）", "no longer able (people)"),
    "net": ("净变化（人）", "net change (people)"),
    "without_lost": ("撤去后失去资格（人）", "lost when taken out (people)"),
    "without_gained": ("撤去后新增（人）",
                       "gained when taken out (people)"),
    "without_net": ("撤去后净变化（人）", "net when taken out (people)"),
    "routes": ("途径数", "routes"), "count": ("人数", "people"), "share": ("比例", "share"),
    "people": ("人数", "people"), "resident": ("居住半年以上（人）", "resident half a year (people)"),
    "cond_job": ("有合法稳定就业（人）", "with a job (people)"),
    "cond_home": ("有合法稳定住所（人）", "with a home (people)"),
    "cond_schooling": ("连续就读（人）", "in schooling (people)"), "eligible": ("可申领（人）", "eligible (people)"),
    "eligible_share": ("可申领比例", "eligible share"),
    "holders": ("持证人数（人）", "holders (people)"),
    "permit_newly": ("新增可领居住证（人）", "newly eligible for a permit (people)"),
    "permit_lost": ("不再可领居住证（人）", "no longer eligible for a permit (people)"),
}
GROUP_NAMES = {"education": ("学历", "education"), "age_band": ("年龄段", "age band"),
               "origin_group": ("户籍来源", "origin"), "district": ("区县", "district"),
               "urban_area": ("地区类型", "area type")}


def tx(key: str, lang: str) -> str:
    """The page's own string ``key`` in ``lang``."""
    pair = TEXT[key]
    return pair[1] if lang == "en" else pair[0]


def banner(lang: str) -> str:
    """"illustrative · simulation" in the view's language."""
    return BANNERS["en" if lang == "en" else "zh"]
