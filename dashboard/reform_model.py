"""The reform question's figures, read from the Quota page's queue-model runs (one source for the Overview, the
Quota page and the briefing): settlements in the first year and over N years before the reform (the old scheme with
its quota) and after it (the new scheme with its line), and the named steps from the static count to the model's
first year. Pure functions of :class:`scoring.scenario.quota_calendar.QuotaYears`; no streamlit here."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from dashboard.i18n import fmt_int, fmt_points, t


@dataclass(frozen=True)
class Side:
    """One variant of one run: the first year and the total over the run's years, with 5–95 % intervals."""

    year: int
    first: float
    first_lo: float
    first_hi: float
    total: float
    total_lo: float
    total_hi: float
    cutoff: float | None
    quota: float | None
    line: float | None


def side(table: pd.DataFrame, variant: str) -> Side:
    """The first year and the cumulative total of ``variant`` ("with" / "without") in a quota_years table: the same
    rows the Quota page's cards read."""
    part = table[table["variant"] == variant].sort_values("year")
    first, last = part.iloc[0], part.iloc[-1]

    def num(v: object) -> float | None:
        return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)

    return Side(int(first["year"]), float(first["admitted"]), float(first["admitted_p05"]),
                float(first["admitted_p95"]), float(last["cumulative"]), float(last["cumulative_p05"]),
                float(last["cumulative_p95"]), num(first["cutoff"]), num(first.get("quota")), num(first.get("line")))


@dataclass(frozen=True)
class Reform:
    """Before (old scheme, its quota: the "with" variant) and after (new scheme, its line: "without")."""

    before: Side
    after: Side
    years: int
    steps: dict | None  # the after run's first-year steps (QuotaYears.steps, one row), None when absent


def reform(before_table: pd.DataFrame, after_table: pd.DataFrame, after_steps: pd.DataFrame | None,
           years: int) -> Reform:
    """The reform figures from the two runs the Quota page makes for the shipped schemes at its defaults."""
    steps = None if after_steps is None or not len(after_steps) else after_steps.iloc[0].to_dict()
    return Reform(side(before_table, "with"), side(after_table, "without"), int(years), steps)


def change_text(r: Reform, lang: str) -> str:
    """One sentence: the first year and the N-year totals after against before."""
    diff = r.after.first - r.before.first
    if diff > 0:
        ratio = f"{r.after.first / r.before.first:,.0f}" if r.before.first else "∞"
        change = t("change_more", lang, diff=fmt_int(diff), ratio=ratio)
    elif diff < 0:
        change = t("change_less", lang, diff=fmt_int(-diff))
    else:
        change = t("change_same", lang)
    return t("rf_change", lang, year=r.after.year, after=fmt_int(r.after.first), before=fmt_int(r.before.first),
             change=change, years=r.years, after_total=fmt_int(r.after.total), before_total=fmt_int(r.before.total))


def rule_before(r: Reform, lang: str) -> str:
    """The old rule in words: its places and the model's first-year cut-off."""
    cut = "–" if r.before.cutoff is None else fmt_points(r.before.cutoff)
    return t("rf_rule_before", lang, quota=fmt_int(r.before.quota), cut=cut)


def rule_after(r: Reform, lang: str) -> str:
    """The new rule in words: its line, no quota."""
    return t("rule_line", lang, line=fmt_points(r.after.line)) if r.after.line is not None else t("qy_binds_none",
                                                                                                    lang)


def steps_text(steps: dict | None, lang: str) -> str | None:
    """From the static count to the model's first year without the quota, each step named (None without steps):
    eligible at or above the line (static: everyone counted, no recognition), what recognition adds, how many of
    them apply in the first year (the propensity to apply, an assumption) and settle."""
    if steps is None:
        return None
    line = steps.get("line")
    at_line = (t("rf_at_line", lang, n=fmt_int(steps["at_line"]), line=fmt_points(line))
               if line is not None and not (isinstance(line, float) and math.isnan(line))
               else t("rf_all_eligible", lang, n=fmt_int(steps["at_line"])))
    rec = ""
    if steps.get("recognition_adds"):
        rec = t("rf_recognition", lang, n=fmt_int(steps["recognition_adds"]),
                total=fmt_int(steps["at_line_recognised"]))
    return t("rf_steps", lang, year=int(steps["year"]), at_line=at_line, rec=rec,
             applicants=fmt_int(steps["applicants"]), admitted=fmt_int(steps["admitted"]))
