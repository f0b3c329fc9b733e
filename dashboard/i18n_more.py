"""UI strings for access control, the scheme store, editor cell checks and the kept workflows (merged into
dashboard.i18n.STRINGS). Placeholders that carry a user's text are escaped by the caller (dashboard.safe_text.md)."""

from __future__ import annotations

MORE: dict[str, tuple[str, str]] = {
    # the identifier refusal, worded from its fields (dashboard.identifier_text; the English view uses the
    # library's own sentence, these English forms are for completeness)
    "idf_found": ("{file}：发现直接标识信息——{items}。请删除这些信息，或{hint}以删除这些列。",
                  "{file}: direct identifiers found — {items}. Remove them, or {hint} to drop these columns."),
    "idf_needed": ("{file}：评分所用的列中含有标识信息——{items}。"
                   "请从这些值中删除：评分需要这些列，删除标识列无济于事。",
                   "{file}: identifiers inside column(s) that the scoring uses — {items}. Remove them from these "
                   "values: the scoring needs these columns."),
    "idf_also": ("评分可不用的列中也有直接标识信息——{items}。",
                 " Direct identifiers also in column(s) the scoring can do without — {items}."),
    "idf_col": ("列“{col}”", "column '{col}'"),
    "idf_col_masked": ("第{pos}列（列名不显示）", "column {pos} (header not shown)"),
    "idf_header": ("列名表明含{kind}", "its header names {kind}"),
    "idf_values": ("{n}个值含{kind}", "{n} value(s) contain {kind}"),
    "idf_names": ("多数值看起来像人名", "most values look like personal names"),
    "idf_unused_category": ("列中声明的某个类别含{kind}（没有行使用该类别）",
                            "a category it declares, used by no row, contains {kind}"),
    "idf_rows_excel": ("（Excel 第{rows}行）", " (Excel rows {rows})"),
    "idf_rows_data": ("（数据第{rows}行）", " (data rows {rows})"),
    "idf_kind_name": ("姓名", "personal names"),
    "idf_kind_id_number": ("身份证号", "resident ID numbers"),
    "idf_kind_phone": ("手机或电话号码", "mobile or telephone numbers"),
    "idf_kind_contact": ("联系方式（微信、QQ或电子邮箱）", "contact handles (WeChat, QQ or e-mail)"),
    # access control
    "auth_sign_in_title": ("登录（编辑人员）", "Sign in (editors)"),
    "auth_name": ("用户名", "user name"),
    "auth_password": ("密码", "password"),
    "auth_sign_in": ("登录", "Sign in"),
    "auth_sign_out": ("退出登录", "Sign out"),
    "auth_failed": ("用户名或密码不正确。", "Wrong user name or password."),
    "auth_locked": ("登录失败次数过多，请{minutes}分钟后再试。",
                    "Too many failed sign-ins; try again in {minutes} minutes."),
    "auth_signed_in": ("已登录：{name}（{role}）", "Signed in: {name} ({role})"),
    "auth_role_editor": ("编辑", "editor"),
    "auth_role_viewer": ("只读", "viewer"),
    "auth_required": ("请先登录。", "Please sign in first."),
    "auth_editors_only": ("只有已登录的编辑人员可以上传或保存；本会话中的修改只对您自己可见。",
                          "Only signed-in editors can upload or save; your edits in this session are yours alone."),
    "auth_no_editing": ("权限配置文件无法使用，暂不允许上传或保存。",
                        "The access file cannot be used, so uploading and saving are off."),
    "auth_broken": ("权限配置文件无法使用（{reason}），已关闭上传和保存。",
                    "The access file cannot be used ({reason}); uploading and saving are off."),
    # scheme store
    "save_scheme": ("另存为新方案（草案）", "Save as a new scheme (draft)"),
    "save_title": ("另存为", "Save as"),
    "save_id": ("新方案编号", "new scheme id"),
    "save_version": ("版本号", "version"),
    "save_version_hint": ("必填，例如 2026.1", "required, e.g. 2026.1"),
    "save_new_title": ("标题（可选）", "title (optional)"),
    "save_note": ("保存的方案一律标为“草案”，保存在单独的目录中，不会替换任何内置方案。",
                  "Saved schemes are always marked draft and kept apart; they never replace a shipped scheme."),
    "save_id_bad": ("方案编号须为 1–64 个字母、数字、点、下划线或连字符，且以字母或数字开头。",
                    "A scheme id has 1-64 letters, digits, dots, underscores or hyphens, starting with a letter or "
                    "digit."),
    "save_version_required": ("请填写版本号（必填），例如 2026.1。", "A version is required, e.g. 2026.1."),
    "save_version_bad": ("版本号须为 1–32 个字母、数字、点、下划线或连字符，且以字母或数字开头。",
                         "A version has 1-32 letters, digits, dots, underscores or hyphens, starting with a letter "
                         "or digit."),
    "save_id_shipped": ("“{id}”是内置方案的编号，请另取一个编号。",
                        "“{id}” is a shipped scheme's id; choose another id."),
    "save_exists": ("方案“{id}”版本“{version}”已保存过，请换一个版本号。",
                    "Scheme “{id}” version “{version}” is already saved; choose another version."),
    "save_full": ("已保存的方案已达上限（{n}个）。", "The store of saved schemes is full ({n})."),
    "saved": ("已保存为草案：{name}", "Saved as a draft: {name}"),
    "saved_label": ("已保存", "saved"),
    "upload_draft": ("上传的方案一律按“草案”处理，只在您的会话中使用。",
                     "An uploaded scheme is treated as a draft and used in your session only."),
    "upload_shadow": ("上传方案的编号与内置方案“{id}”相同；它只是您会话中的草案，不会替换内置方案。",
                      "The upload uses the id of the shipped scheme “{id}”; it is a draft in your session only and "
                      "does not replace the shipped scheme."),
    "scheme_too_big": ("方案文件过大（上限 {kb} KB）。", "The scheme file is too large (at most {kb} KB)."),
    "scheme_unreadable": ("无法读取此方案文件。", "This scheme file cannot be read."),
    "scheme_status_official": ("官方", "official"),
    "scheme_status_illustrative": ("示意（非官方数值）", "illustrative (values not official)"),
    "scheme_status_draft": ("草案", "draft"),
    # editor cells
    "cell_not_number": ("“{item}”的“{column}”填写的“{value}”不是数字，未应用。",
                        "{item}, {column}: “{value}” is not a number; not applied."),
    "cell_negative": ("“{item}”的“{column}”不能为负数（填写的是 {value}），未应用。",
                      "{item}, {column}: must be zero or more (got {value}); not applied."),
    "cell_required": ("“{item}”的“{column}”不能为空，未应用。", "{item}, {column}: cannot be empty; not applied."),
    "cell_band_order": ("“{item}”第 {row} 档：下限 {lo} 须小于上限 {hi}，未应用。",
                        "{item}, band {row}: min {lo} must be below max {hi}; not applied."),
    "cell_band_overlap": ("“{item}”的分档相互重叠，未应用。", "{item}: the bands overlap; not applied."),
    "edits_held": ("在更正上面的单元格之前，本页的其他修改（包括落户规则）都不会应用；其余页面继续使用上一版有效方案。",
                   "Until the cell above is corrected, no other edit on this page (the admission rule included) is "
                   "applied; the other pages keep the last valid scheme."),
    "edit_rejected": ("此修改不符合方案规则，未应用（其余页面继续使用上一版有效方案）。",
                      "This edit breaks a rule of the scheme and is not applied (other pages keep the last valid "
                      "scheme)."),
    "edit_detail": ("技术说明", "details"),
    "reset_done": ("已撤销全部改动。", "All edits undone."),
    # uploads kept per session
    "upload_lost": ("您上传的人口数据已不在服务器上（会话已重置），现改用合成人口。请重新上传。",
                    "Your uploaded population is no longer held (the session was reset); the synthetic "
                    "population is shown instead. Please upload it again."),
    # tuning
    "tune_applied": ("已设为当前方案（草案），其余页面使用此方案。",
                     "Now the working scheme (draft); every page uses it."),
    "tune_stale": ("以下结果是对之前的方案计算的。", "This result was computed for an earlier scheme."),
    "error_generic": ("计算未能完成。", "The computation could not be completed."),
    "person_outside_area": ("{pid}不住在杭州市城区，不参加积分落户（通知一(二)）。",
                            "{pid} does not live in the Hangzhou city districts, so the points route is not theirs "
                            "(notice 1(2))."),
    # Streamlit's uploader, in our words (dashboard.view.uploader_css: constant text, no user input)
    "upload_button": ("选择文件", "Upload"),
    "upload_limit": ("可拖放文件到此处；每个文件不超过{mb}MB", "{mb}MB per file"),
    "upload_limit_kb": ("可拖放文件到此处；每个文件不超过{kb} KB", "Drag and drop a file here · {kb} KB per file"),
    "tuning_intro": ("在满足政策要求（居住与社保年限占主要比例、录取人数或分数线在目标范围内）的前提下，"
                     "找出改动最小的分值；并查看各项分值的敏感性和可精简的项目。",
                     "Find the smallest change of weights that meets the policy's targets (residence and insurance "
                     "years dominate; the number admitted or the cut-off within a range); see sensitivities and which "
                     "items can be dropped."),
    "pathways_intro": ("按浙政办发〔2023〕41号通知：积分、居住证转户籍、人才、投靠等途径，旧规则与新规则对比。"
                       "规则数值为假设（示意）。",
                       "Routes under notice 41 of 2023 — points, permit conversion, talent, family joining — old rules "
                       "against new. Rule values are assumptions (illustrative)."),
}

# the status of a scheme's source, as the Method page names it
SOURCE_STATUS: dict[str, tuple[str, str]] = {"CONFIRMED": ("已核实（官方原文）", "confirmed (official text)"),
                 "USABLE": ("可用（官方公报转载）", "usable (reprint of an official bulletin)"),
                 "SECONDARY": ("二手来源（新闻报道等）", "secondary (news reports and the like)"),
                 "ASSUMPTION": ("假设", "assumption")}
