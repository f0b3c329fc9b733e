"""The text summary of ``score`` and ``admit`` in the report's language: one definition of its labels and lines for
every engine (in memory, chunked, Dask), so the same figure carries the same words whichever engine computed it.

:data:`TEXT` holds each line's wording (zh, en); :func:`summary_lines` builds the summary from the command's JSON
payload (the keys ``--json`` prints), :func:`say` one line of it.
"""

from __future__ import annotations

import re
from typing import Any

from scoring import labels
from scoring.cli.output import line_in

TEXT: dict[str, tuple[str, str]] = {
    "counts": ("输入 {rows_in:,} 行 · 计分 {scored:,} · 拒收 {rejected:,}",
               "rows in {rows_in:,} · scored {scored:,} · rejected {rejected:,}"),
    "eligible": (" · 符合资格 {eligible:,}", " · eligible {eligible:,}"),
    "admitted": ("符合资格 {eligible:,} · 获准落户 {admitted:,} · 最低录取分 {cutoff} · 最低分同分 {tied:,} 人 · "
                 "同分规则决定 {decided:,} 个名额",
                 "eligible {eligible:,} · admitted {admitted:,} · cut-off {cutoff} · tied at cut-off {tied:,} · "
                 "places decided by tie-break {decided:,}"),
    "engine": ("计算引擎：{engine} · ", "engine {engine} · "),
    "written": ("已写入：{out}", "written: {out}"),
    "rejected_out": ("（拒收行及原因：{path}）", " (rejected rows with reasons: {path})"),
    "dropped": ("已删除直接标识列：{columns}", "dropped identifier column(s): {columns}"),
    "masked": ("第 {pos} 列（列名不显示）", "column {pos} (header not shown)"),
    "rejected_inline": ("拒收行未写出：加 --out 可在输出旁写出全部拒收行及原因",
                        "rejected rows not written: give --out to write them all, with reasons, beside the output"),
    "valid": ("方案有效", "OK: the scheme is valid"),
    "warning": ("警告：", "warning: "),
    "dominance_on": ("主导性（人群：{pop}）", "Dominance on {pop}"),
    "not_measured": ("未计算主导性：人群缺少方案所需的列 {cols}",
                     "dominance not measured: the population lacks the scheme's column(s) {cols}"),
    "required": ("  * 要求口径，最低 {req}", "  * the measure the requirement uses, minimum {req}"),
    "dominance_warning": ("主导性：{text}", "dominance: {text}"),
    "requirement_failed": ("主导性：要求（{measure}不低于 {share}）在{pop}上未达到",
                           "dominance: the requirement ({measure} share ≥ {share}) is not met on {pop}"),
}
# The out-of-core engines by name (the payload's "engine"); the in-memory summary names none.
ENGINES: dict[str, tuple[str, str]] = {"chunked": ("分块", "chunked"), "dask": ("分布式", "dask")}


def say(key: str, lang: str, **values: Any) -> str:
    """One line of command output in ``lang``."""
    return line_in(TEXT, key, lang, **values)


def count_line(counts: dict[str, Any], lang: str, eligible: int | None = None) -> str:
    """Rows in, scored and rejected (and the eligible, when given)."""
    line = say("counts", lang, **counts)
    return line + (say("eligible", lang, eligible=eligible) if eligible is not None else "")


def dropped_line(columns: list[str], lang: str) -> str:
    """The identifier columns ``--drop-identifiers`` dropped, by their headers as the file writes them (a header
    that itself holds an identifier by its position only, as the reader names it); never a value."""
    shown = []
    for label in columns:
        masked = re.fullmatch(r"column (\d+) \(header not shown\)", str(label))
        shown.append(say("masked", lang, pos=masked[1]) if masked else str(label))
    return say("dropped", lang, columns=("、" if lang == "zh" else ", ").join(shown))


def written_lines(paths: dict[str, Any], lang: str) -> list[str]:
    """The output written (and the rejected rows beside it), if any."""
    if "out" not in paths:
        return []
    line = say("written", lang, out=paths["out"])
    if "rejected_out" in paths:
        line += say("rejected_out", lang, path=paths["rejected_out"])
    return [line]


def dominance_lines(d: dict[str, Any], lang: str) -> list[str]:
    """The three dominance measures of a report (``DominanceReport.to_dict()``), their verdicts and warnings."""
    def pct(v: float | None) -> str:
        return "—" if v is None else f"{v:.1%}"

    def name(key: str) -> str:
        return labels.measure_label(key, "name", lang)  # scoring.labels: the one source of the measures' names

    verdict = {True: labels.text("pass", lang), False: labels.text("fail", lang), None: "—"}
    values = {"design": d["design"], "realised": d["realised_eligible"], "decisive": d["decisive"]}
    out = []
    zh = lang == "zh"
    for key, value in values.items():
        mark = " *" if key == d["measure"] else ""
        shown = f"{pct(value)}（{verdict[d['passed'][key]]}）" if zh else f"{pct(value)} ({verdict[d['passed'][key]]})"
        out.append(f"  {name(key)}{'：' if zh else ': '}{shown}{mark}")
    if d.get("realised_admitted") is not None:
        out.append(f"  {labels.text('points_share_admitted', lang)}{'：' if lang == 'zh' else ': '}"
                   + pct(d["realised_admitted"]))
    out.append(say("required", lang, req=f"{d['min_share']:.0%}"))
    judged = {k: v for k, v in d["passed"].items() if v is not None}
    if len(set(judged.values())) > 1:
        sep = "、" if lang == "zh" else ", "
        passing = sep.join(name(k) for k, v in judged.items() if v)
        failing = sep.join(name(k) for k, v in judged.items() if not v)
        out.append("  ! " + labels.text("measures_disagree", lang, passing=passing, failing=failing,
                                        measure=labels.measure_label(d["measure"], "short", lang)))
    out += ["  ! " + w for w in labels.dominance_warnings(d, lang, disagreement=False)]
    return out


def summary_lines(payload: dict[str, Any], lang: str, *, admission: bool) -> list[str]:
    """The text summary of a ``score`` (``admission`` False) or ``admit`` payload, as ``--json`` would print it:
    the stamp, the counts (after the engine, when the payload names an out-of-core one), the identifier columns
    dropped (``--drop-identifiers``), the admission figures and the dominance measures (admit), the files
    written."""
    counts = count_line(payload, lang, None if admission else payload["eligible"])
    engine = payload.get("engine")
    if engine is not None:
        counts = say("engine", lang, engine=ENGINES.get(engine, (engine, engine))[0 if lang == "zh" else 1]) + counts
    lines = [payload["scheme"]["stamp"], counts]
    if payload.get("dropped_identifiers"):
        lines.append(dropped_line(payload["dropped_identifiers"], lang))
    if admission:
        cutoff = "—" if payload["cutoff"] is None else f"{payload['cutoff']:,.2f}"
        lines.append(say("admitted", lang, eligible=payload["eligible"], admitted=payload["admitted"], cutoff=cutoff,
                         tied=payload["tied_at_cutoff"], decided=payload["decided_by_tiebreak"]))
        lines += dominance_lines(payload["dominance"], lang)
    lines += written_lines(payload, lang)
    if admission and payload["rejected"] and "out" not in payload:
        lines.append(say("rejected_inline", lang))
    return lines
