"""A briefing an official can forward: the current view as a Word document (Chinese first), with the headline
figures, the main-share verdict in words, the charts as images (redrawn with matplotlib from the same aggregated
data, dashboard.static_charts), the multi-year quota view when the Quota page's model has run for the scheme
(cumulative and yearly settlements with and without the quota: figures, a table and two charts), the scheme's items,
the scale and the stamp. No streamlit here; tested by reading
the document back with python-docx.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from dashboard import figures as figure_builders
from dashboard import static_charts
from dashboard.i18n import fmt_int, fmt_pct, fmt_points, t
from dashboard.scale import Scale


@dataclass
class YearsView:
    """The Quota page's model for the working scheme: its table (scoring.scenario.quota_calendar.QuotaYears.table,
    real people) and the settings it ran with."""

    table: pd.DataFrame
    years: int
    quota: int
    line: float
    note: str = ""  # the sampling ratio, repetitions and area, in the view's language

    def figures(self, lang: str) -> list[tuple[str, str]]:
        """Settlements in the first year and over all years, with and without the quota."""
        rows = []
        for variant in ("with", "without"):
            part = self.table[self.table["variant"] == variant].sort_values("year")
            if not len(part):
                continue
            rows += [(t(f"qy_first_{variant}", lang), fmt_int(part["admitted"].iloc[0])),
                     (t(f"qy_total_{variant}", lang, years=self.years), fmt_int(part["cumulative"].iloc[-1]))]
        return rows

    def frame(self, lang: str) -> pd.DataFrame:
        """One row per year: settlements that year and so far, with and without the quota (real people)."""
        out = None
        for variant in ("with", "without"):
            part = self.table[self.table["variant"] == variant].sort_values("year")
            name = t(f"qy_variant_{variant}", lang)
            cols = part.set_index("year")[["admitted", "cumulative"]].rename(columns={
                "admitted": f"{name} · {t('qy_col_admitted', lang)}",
                "cumulative": f"{name} · {t('qy_col_cumulative', lang)}"})
            out = cols if out is None else out.join(cols, how="outer")
        assert out is not None
        out = out.map(fmt_int)
        out.index = out.index.map(lambda y: str(int(y)))
        return out.rename_axis(t("qy_col_year", lang)).reset_index()

    def charts(self, lang: str, stamp: str) -> list[go.Figure]:
        """Cumulative and yearly settlements, with and without the quota (the Quota page's charts)."""
        return [figure_builders.quota_years(self.table, metric, t(title, lang), t("qy_people", lang), lang, stamp)
                for metric, title in (("cumulative", "qy_fig_cumulative"), ("admitted", "qy_fig_yearly"))]


@dataclass
class Briefing:
    """Everything the document says, already in the view's language."""

    lang: str
    title: str
    stamp: str
    scale_note: str
    figures: list[tuple[str, str]]  # (label, value)
    sentences: list[str]
    items: pd.DataFrame
    charts: dict[str, go.Figure] = field(default_factory=dict)
    generated: str = ""
    years: YearsView | None = None

    @classmethod
    def from_view(cls, lang: str, ev: Any, h: Any, words: list[str], reform: tuple | None,
                  charts: dict[str, go.Figure], scale: Scale, years: YearsView | None = None) -> Briefing:
        """The briefing of the Overview as shown: the reform figures, the working scheme's headline and verdict, and
        the multi-year quota view when it has run (``years``)."""
        from dashboard import analysis

        rows: list[tuple[str, str]] = []
        sentences: list[str] = []
        if reform is not None:
            from dashboard import reform_model

            hb, ha, evb, eva = reform[:4]
            r = reform[5]
            rules = (reform_model.rule_before(r, lang), reform_model.rule_after(r, lang))
            for key, e, hh, side, rule in (("reform_before", evb, hb, r.before, rules[0]),
                                           ("reform_after", eva, ha, r.after, rules[1])):
                name = t(key, lang, title=e.scheme.title.get(lang))
                rows += [(f"{name} · {t('rf_first', lang, year=side.year)}", fmt_int(side.first)),
                         (f"{name} · {t('rf_total', lang, years=r.years)}", fmt_int(side.total)),
                         (f"{name} · {t('rule_label', lang)}", rule),
                         (f"{name} · {t('main_share_label', lang)}", fmt_pct(hh.points_share.get("eligible")))]
            sentences.append(reform_model.change_text(r, lang))
            if (steps := reform_model.steps_text(r.steps, lang)) is not None:
                sentences.append(steps)
        current = ev.scheme.title.get(lang)
        if reform is not None:  # names the rows it speaks of ("this section" has no heading in the document)
            sentences.append(t("rf_static_note_brief", lang, title=current))
        rows += [(f"{current} · {t('eligible', lang)}", fmt_int(h.eligible)),
                 (f"{current} · {t('admitted', lang)}", fmt_int(h.admitted)),
                 (f"{current} · {t('threshold_line' if h.mode == 'threshold' else 'cutoff', lang)}",
                  fmt_points(h.line)),
                 (f"{current} · {t('main_share_label', lang)}", fmt_pct(h.points_share.get("eligible")))]
        if h.quota is not None:
            rows.append((f"{current} · {t('quota', lang)}", fmt_int(h.quota)))
        sentences += [analysis.summary_sentence(h, lang), *words]
        items = items_frame(ev.scheme, lang)
        stamp = ev.scheme.stamp(lang)
        return cls(lang=lang, title=t("briefing_title", lang), stamp=stamp, scale_note=scale.note(lang), figures=rows,
                   sentences=sentences, items=items, charts=charts,
                   generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), years=years)


def items_frame(scheme: Any, lang: str) -> pd.DataFrame:
    """The scheme's items as a small table in the view's language: item, group, kind and the points."""
    from dashboard.i18n import kind_label

    rows = []
    for item in scheme.items:
        if item.kind == "per_unit":
            ppu = fmt_points(item.points_per_unit)
            rule = f"每单位{ppu}分" if lang != "en" else f"{ppu} per unit"
            if item.cap is not None:
                rule += f"，{t('col_cap', lang)} {fmt_points(item.cap)}" if lang != "en" else \
                    f", {t('col_cap', lang)} {fmt_points(item.cap)}"
        elif item.kind == "flag":
            rule = fmt_points(float(item.points or 0))
        elif item.kind == "category" and isinstance(item.points, dict):
            top = max(item.points.values()) if item.points else item.default
            rule = f"{fmt_points(min([item.default, *item.points.values()]))} – {fmt_points(top)}"
        else:
            values = [b.points for b in item.bands or []] + [item.default]
            rule = f"{fmt_points(min(values))} – {fmt_points(max(values))}"
        rows.append({t("col_item", lang): item.name(lang), t("col_group", lang): scheme.group_label(item.group, lang),
                     t("col_kind", lang): kind_label(item.kind, lang), t("col_points", lang): rule})
    return pd.DataFrame(rows)


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _x(text: object) -> str:
    """``text`` as a Word document can hold it: a character XML 1.0 forbids (a control character in a scheme's
    label) becomes U+FFFD, shown as �, instead of failing the whole briefing."""
    return _NOT_XML.sub("\ufffd", str(text))


def _table(doc: Any, frame: pd.DataFrame) -> None:
    """A small table (headers, then one row per row of ``frame``) in the document's grid style."""
    table = doc.add_table(rows=1, cols=len(frame.columns))
    table.style = "Light Grid Accent 1"
    for cell, name in zip(table.rows[0].cells, frame.columns, strict=True):
        cell.text = _x(name)
    for row in frame.itertuples(index=False):  # a handful of rows (items, years)
        for cell, value in zip(table.add_row().cells, row, strict=True):
            cell.text = _x(value)


def _years_section(doc: Any, years: YearsView, lang: str, stamp: str) -> None:
    """The multi-year quota view: its settings, figures, the year-by-year table and the two charts."""
    from docx.shared import Cm

    doc.add_heading(t("briefing_years", lang, years=years.years), level=1)
    doc.add_paragraph(_x(t("briefing_years_settings", lang, quota=fmt_int(years.quota), line=fmt_points(years.line),
                           years=years.years) + (f" {years.note}" if lang == "en" and years.note else years.note)))
    _table(doc, pd.DataFrame(years.figures(lang), columns=[t("metric", lang), t("value", lang)]))
    doc.add_paragraph()
    _table(doc, years.frame(lang))
    for fig in years.charts(lang, stamp):
        doc.add_picture(io.BytesIO(static_charts.figure_png(fig, width=8.0, height=4.2, dpi=130)), width=Cm(16))


def docx_bytes(brief: Briefing) -> bytes:
    """The briefing as a .docx: title, stamp, scale, headline figures (a table), the verdict in words, the charts
    (PNG), the scheme's items (a table). A machine without a CJK font still gets the document, with a note."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt, RGBColor

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Noto Sans CJK SC"
    style.font.size = Pt(10.5)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "Noto Sans CJK SC")  # Word's font for Chinese characters
    doc.add_heading(_x(brief.title), level=0)
    meta = doc.add_paragraph()
    run = meta.add_run(_x(f"{t('briefing_stamp', brief.lang)}: {brief.stamp}\n"
                          f"{t('briefing_generated', brief.lang)}: {brief.generated}"))
    run.font.size = Pt(9)
    run.font.color.rgb = RGBColor(0x66, 0x66, 0x66)
    doc.add_paragraph(_x(brief.scale_note)).runs[0].font.size = Pt(9)

    doc.add_heading(t("briefing_figures", brief.lang), level=1)
    table = doc.add_table(rows=1, cols=2)
    table.style = "Light Grid Accent 1"
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = t("metric", brief.lang), t("value", brief.lang)
    for label, value in brief.figures:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = _x(label), _x(value)
        cells[1].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for sentence in brief.sentences:
        doc.add_paragraph(_x(sentence))

    if brief.charts:
        doc.add_heading(t("briefing_charts", brief.lang), level=1)
        if static_charts.cjk_font() is None:
            doc.add_paragraph(t("briefing_no_font", brief.lang))
        for fig in brief.charts.values():
            doc.add_picture(io.BytesIO(static_charts.figure_png(fig, width=8.0, height=4.2, dpi=130)), width=Cm(16))
    if brief.years is not None:
        _years_section(doc, brief.years, brief.lang, brief.stamp)

    doc.add_heading(t("briefing_items", brief.lang), level=1)
    _table(doc, brief.items)
    footer = doc.sections[0].footer.paragraphs[0]
    footer.text = _x(brief.stamp)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
