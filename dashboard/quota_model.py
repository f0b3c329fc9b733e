"""The Quota page's model: which shipped scenario supplies the flows, the cached runs, and the texts that say what
binds and what the model is calibrated to (pure functions, tested directly; no streamlit at import time except the
cache store)."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import disk_cache
from dashboard.i18n import fmt_int, fmt_points, t
from dashboard.scheme_edit import HANGZHOU_QUOTA
from scoring.errors import ScenarioError
from scoring.scenario.quota_calendar import QuotaYears, quota_years, scenario_at_ratio, scheme_line
from scoring.yaml_files import read_yaml_mapping

ROOT = Path(__file__).resolve().parent.parent
SCENARIO_DIR = ROOT / "scenarios"
BASE_SCENARIO = "hangzhou-before-reform.yaml"  # flows, area, burn-in and starting pool (shared by every Hangzhou run)
RECOGNITION_SCENARIO = {"hangzhou-2023-illustrative": "hangzhou-2023-reform.yaml"}  # the reform's recognition rules
RATIOS = (400, 200, 100, 40)
DEFAULT_RATIO = 200
DEFAULT_REPLICATIONS = 2
FALLBACK_LINE = 100.0  # the 2023 reform's line, used when a scheme has none of its own (stated on the page)
CACHE_ENTRIES = 24
OVERVIEW_YEARS = 10  # the Overview's N-year figure: the Quota page's default number of years (so the same cached run)
OVERVIEW_SCHEMES = ("hangzhou-2022-illustrative", "hangzhou-2023-illustrative")  # the Overview's before / after
TIES_SCENARIO = "hangzhou-quota-phaseout.yaml"  # the tie chain of its quota years: used for a quota-less scheme


def quota_ties(scheme: Any) -> list[dict[str, Any]] | None:
    """The quota variant's tie chain: None (the scheme's own rule) unless the scheme has no quota of its own and
    admits all ties, then the chain the CLI scenario ``hangzhou-quota-phaseout`` uses for its quota years (an
    assumption, stated on the page: a real quota regime breaks ties, else coarse scores admit many times the places).
    """
    adm = scheme.admission
    own_quota = adm is not None and adm.quota is not None and adm.mode in ("quota", "both")
    if own_quota or (adm is not None and not isinstance(adm.ties, str)):
        return None
    return _phaseout_ties()


def _phaseout_ties() -> list[dict[str, Any]]:
    """``admission.ties`` of the phase-out scenario (one source: that file)."""
    data = read_yaml_mapping(SCENARIO_DIR / TIES_SCENARIO, "scenario", ScenarioError, "admission")
    ties = (data.get("admission") or {}).get("ties")
    if not isinstance(ties, list) or not ties:
        raise ScenarioError(f"{TIES_SCENARIO}: admission.ties must be a list of tie keys")
    return [dict(k) for k in ties]


def ties_note(scheme: Any, lang: str) -> str | None:
    """The sentence that states the assumed tie chain, or None when the scheme's own rule is used."""
    return None if quota_ties(scheme) is None else t("qy_ties_assumed", lang)


def scenario_file(scheme_id: str) -> str:
    """The shipped scenario whose flows and rules frame the scheme: the reform's (with its recognition rules) for
    the 2023 scheme, else the before-reform one. Both share the same burn-in, so the same starting pool."""
    return RECOGNITION_SCENARIO.get(scheme_id, BASE_SCENARIO)


def default_line(scheme: Any) -> tuple[float, bool]:
    """The line used when the quota goes: the scheme's own (True) or the reform's 100 points (False: stated)."""
    own = scheme_line(scheme)
    return (own, True) if own is not None else (FALLBACK_LINE, False)


@st.cache_resource(show_spinner=False)
def _store() -> tuple[OrderedDict, threading.Lock]:
    """A bounded LRU of finished runs shared by every session (st.cache_data cannot drive a progress bar created
    outside the cached function, so the runs are kept here, keyed on the scheme text's hash and the parameters)."""
    return OrderedDict(), threading.Lock()


@st.cache_resource(show_spinner=False)
def _running() -> tuple[dict[str, threading.Lock], threading.Lock]:
    """One lock per run being made, shared by every session: a second session asking for the same run waits for the
    first one's result instead of running the model again (the work is done once per server)."""
    return {}, threading.Lock()


def _key_lock(key: str) -> threading.Lock:
    locks, guard = _running()
    with guard:
        if len(locks) > 4 * CACHE_ENTRIES:  # bounded: forget the locks of runs not in progress
            for k in [k for k, lk in locks.items() if not lk.locked()]:
                del locks[k]
        return locks.setdefault(key, threading.Lock())


def run_key(text: str, scenario: str, quota: int, line: float, years: int, ratio: int, replications: int) -> str:
    """The cache key: the scheme text's SHA-256 and every parameter."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return f"{digest}|{scenario}|{quota}|{line:g}|{years}|{ratio}|{replications}"


def cached_run(key: str) -> QuotaYears | None:
    """A finished run (copied), or None."""
    store, lock = _store()
    with lock:
        got = store.get(key)
        if got is not None:
            store.move_to_end(key)
    if got is None:
        return None
    steps = None if got.steps is None else got.steps.copy()
    return QuotaYears(got.table.copy(), got.curve.copy(), got.ratio, got.replications, steps)


def run(key: str, scheme: Any, scenario: str, quota: int, line: float, years: int, ratio: int, replications: int,
        progress: Callable[[int], None] | None = None) -> QuotaYears:
    """Run (or fetch) the two variants; ``progress`` receives one tick per simulated year and replication."""
    hit = cached_run(key)
    if hit is not None:
        return hit
    with _key_lock(key):  # another session making the same run: wait for it, then take its result
        hit = cached_run(key)
        if hit is not None:
            return hit
        out = _from_disk(key)
        if out is None:
            sc = scenario_at_ratio(SCENARIO_DIR / scenario, ratio)
            out = quota_years(sc, scheme, quota=quota, line=line, years=years, replications=replications,
                              progress=progress, ties=quota_ties(scheme))
            _to_disk(key, out)
        return _remember(key, out)


def _remember(key: str, out: QuotaYears) -> QuotaYears:
    """Keep a finished run in the in-memory LRU; return a copy."""
    store, lock = _store()
    with lock:
        store[key] = out
        while len(store) > CACHE_ENTRIES:
            store.popitem(last=False)
    return cached_run(key) or out


def _from_disk(key: str) -> QuotaYears | None:
    """A run an earlier server process of the same code made (:mod:`dashboard.disk_cache`), or None."""
    parts = [disk_cache.read_frame(f"quota-run:{part}:{key}") for part in ("table", "curve", "meta", "steps")]
    table, curve, meta, steps = parts
    if table is None or curve is None or meta is None or steps is None or len(meta) != 1:
        return None
    return QuotaYears(table, curve, float(meta["ratio"].iloc[0]), int(meta["replications"].iloc[0]),
                      steps if len(steps) else None)


def _to_disk(key: str, out: QuotaYears) -> None:
    meta = pd.DataFrame({"ratio": [float(out.ratio)], "replications": [int(out.replications)]})
    steps = out.steps if out.steps is not None else pd.DataFrame()
    for part, frame in (("table", out.table), ("curve", out.curve), ("meta", meta), ("steps", steps)):
        disk_cache.write_frame(f"quota-run:{part}:{key}", frame)


def shown_run(scheme: Any, text: str, scenario: str, quota: int, line: float, years: int, ratio: int,
              lang: str) -> QuotaYears:
    """:func:`run` with a progress bar on a first (uncached) run; the cached result at once otherwise."""
    reps = DEFAULT_REPLICATIONS
    key = run_key(text, scenario, quota, line, years, ratio, reps)
    hit = cached_run(key)
    if hit is None:
        disk = _from_disk(key)
        hit = None if disk is None else _remember(key, disk)
    if hit is not None:
        return hit
    total = steps(years, reps)
    note = st.caption(t("qy_first_run", lang))
    bar = st.progress(0.0, text=t("qy_running", lang, done=0, total=total))
    done = [0]

    def tick(n: int) -> None:
        done[0] += n
        bar.progress(min(done[0] / total, 1.0), text=t("qy_running", lang, done=done[0], total=total))

    out = run(key, scheme, scenario, quota, line, years, ratio, reps, progress=tick)
    bar.empty()
    note.empty()
    return out


def start_note(scheme: Any, out: QuotaYears, lang: str, on_overview: bool = False) -> str:
    """The model's first year of the scheme's own-rule variant (``on_overview``: said to be the Overview's figure,
    the same cached run) and, for the variant without the quota, the named steps from the static count to it
    (:func:`dashboard.reform_model.steps_text`)."""
    from dashboard.reform_model import steps_text

    variant = "with" if default_quota(scheme)[1] else "without"
    part = out.table[out.table["variant"] == variant].sort_values("year")
    first = fmt_int(part["admitted"].iloc[0]) if len(part) else "–"
    name = t(f"qy_variant_{variant}", lang)
    name = name[:1].lower() + name[1:] if lang == "en" else name
    note = t("qy_first_model" if on_overview else "qy_first_model_plain", lang, variant=name, first=first)
    steps = None if out.steps is None or not len(out.steps) else out.steps.iloc[0].to_dict()
    more = steps_text(steps, lang) if variant == "without" else None
    return note if more is None else note + (" " if lang == "en" else "") + more


def curve_note(out: QuotaYears, quota: int, lang: str) -> str | None:
    """Finding 18: the cut-off curve (everyone eligible applying, all ties counted) against the run's first year
    with the quota (applicants only, ties by the rule), both stated; None when the curve does not reach ``quota``."""
    curve = out.curve
    at = curve[curve["quota"] >= quota].head(1) if len(curve) else curve
    part = out.table[out.table["variant"] == "with"].sort_values("year")
    if not len(at) or not len(part):
        return None
    r, first = at.iloc[0], part.iloc[0]
    return t("qy_curve_note2", lang, quota=fmt_int(quota), cut=fmt_points(r["cutoff"]),
             admitted=fmt_int(r["admitted"]), run_cut=fmt_points(first["cutoff"]),
             run_admitted=fmt_int(first["admitted"]))


def pool_text(facts: dict[str, Any], lang: str) -> str:
    """Where the model's people start: the census-calibrated cross-section, or a burn-in (a scenario that has one)."""
    if not facts.get("burn_in_years"):
        return t("qy_start_pool", lang, arrivals=fmt_int(facts["arrivals"]))
    return t("qy_burn_in", lang, years=facts["burn_in_years"], quota=fmt_int(facts["burn_in_quota"]),
             arrivals=fmt_int(facts["arrivals"]))


def on_overview(text: str, scheme: Any, quota: int, line: float, years: int, ratio: int) -> bool:
    """Whether this run is one the Overview's before/after shows: a shipped before/after scheme, unedited, at the
    Quota page's defaults."""
    from dashboard import state

    shipped = state.shipped_scheme_texts()
    if scheme.id not in OVERVIEW_SCHEMES or shipped.get(scheme.id) != text:
        return False
    _, quota0, line0 = defaults(scheme)
    return (quota, line, years, ratio) == (quota0, line0, OVERVIEW_YEARS, DEFAULT_RATIO)


def defaults(scheme: Any) -> tuple[str, int, float]:
    """The scenario, quota and line the Quota page starts from for a scheme (its own where it has them)."""
    return scenario_file(scheme.id), default_quota(scheme)[0], default_line(scheme)[0]


def final_cumulative(table: pd.DataFrame, variant: str) -> tuple[float, float, float]:
    """Cumulative settlements of one variant at the last year, with its 5 %–95 % Monte Carlo interval."""
    row = table[table["variant"] == variant].sort_values("year").iloc[-1]
    return float(row["cumulative"]), float(row["cumulative_p05"]), float(row["cumulative_p95"])


def steps(years: int, replications: int) -> int:
    """Progress ticks of one run: two variants x replications x reported years (the burn-in does not tick)."""
    return 2 * replications * years


def binds_text(row: pd.Series, lang: str) -> str:
    """What decides who settles in one year of one variant, precisely labelled (a quota that admits more than its
    places because of ties is not called a cap)."""
    kind = row["binds"]
    if kind == "quota":
        return t("qy_binds_quota", lang, quota=fmt_int(row["quota"]))
    if kind == "quota_ties":
        return t("qy_binds_ties", lang, quota=fmt_int(row["quota"]), admitted=fmt_int(row["admitted"]))
    if kind == "line":
        return t("qy_binds_line", lang, line=fmt_points(row["line"]))
    return t("qy_binds_none", lang)


def binds_summary(table: pd.DataFrame, variant: str, lang: str) -> str:
    """One sentence per variant: in how many years each rule decided."""
    part = table[table["variant"] == variant]
    counts = part["binds"].value_counts()
    bits = [t(f"qy_sum_{k}", lang, n=int(counts[k]), total=len(part)) for k in ("quota", "quota_ties", "line", "none")
            if k in counts]
    sep = "；" if lang == "zh" else "; "
    return t(f"qy_variant_{variant}", lang) + ("：" if lang == "zh" else ": ") + sep.join(bits)


MEASURES = {"pool": ("qy_m_pool", "qy_m_pool"), "cutoff": ("qy_m_cutoff", "qy_m_cutoff"),
            "admitted": ("qy_m_admitted", "qy_m_admitted"), "applicants": ("qy_m_applicants", "qy_m_applicants")}


def _target_text(target: str, lang: str) -> str:
    """"2024 pool" -> "2024年非户籍存量" (known measures translated; anything else kept as data, not markup)."""
    year, _, measure = str(target).partition(" ")
    key = MEASURES.get(measure)
    if key is None or not year.isdigit():
        return str(target)
    return t("qy_target", lang, year=year, measure=t(key[0], lang))


def calibration_text(note: dict[str, Any], area: str, lang: str) -> str:
    """What the scenario is calibrated to and how well it fits, in ``lang`` (from scenario_run.calibration_note)."""
    if not note.get("calibrated"):
        return t("qy_not_calibrated", lang)
    fit = note.get("fit") or []
    rows = "；".join if lang == "zh" else "; ".join
    parts = rows(t("qy_fit_row", lang, target=_target_text(r.get("target", ""), lang),
                   observed=fmt_int(r.get("observed")), model=fmt_int(r.get("model")),
                   err=f"{float(r.get('error_units') or 0):+.2f}") for r in fit if r.get("observed") is not None)
    return t("qy_calibrated", lang, n=len(fit), rms=f"{float(note.get('rms_error_units') or 0):.2f}", rows=parts,
             area=area)


def info(scenario: str) -> dict[str, Any]:
    """What the page states about a shipped scenario: represents, burn-in years/quota, arrivals, area, calibration."""
    return _info(scenario)


@st.cache_resource(max_entries=4, show_spinner=False)
def _info(scenario: str) -> dict[str, Any]:
    """The facts, from the disk cache when an earlier process of the same code read them (a cold Overview then does
    not import the scenario runner and scipy: :func:`dashboard.state.warm_up` does, in the background)."""
    name = f"quota-info:{scenario}"
    cached = disk_cache.read_json(name)
    if cached is not None:
        return cached
    out = _read_info(scenario)
    disk_cache.write_json(name, out)
    return out


def _read_info(scenario: str) -> dict[str, Any]:
    from scoring.scenario.run import calibration_note

    sc = scenario_at_ratio(SCENARIO_DIR / scenario, DEFAULT_RATIO)
    b = sc.spec.burn_in
    rule = b.rule if not isinstance(b.rule, str) else None
    return {"represents": float(sc.spec.population.represents or 0), "burn_in_years": int(b.years),
            "burn_in_quota": None if rule is None else rule.quota,
            "arrivals": float(sc.spec.dynamics.arrivals.per_year),
            "area": {lg: sc.area_label(lg) for lg in ("zh", "en")}, "recognition": bool(sc.recognition.any),
            "calibration": calibration_note(sc)}


def default_quota(scheme: Any) -> tuple[int, bool]:
    """The places a year to compare: the scheme's quota (True) or 8,000 (False: the shipped scenarios' assumption)."""
    adm = scheme.admission
    if adm is not None and adm.quota is not None and adm.mode in ("quota", "both"):
        return int(adm.quota), True
    return HANGZHOU_QUOTA, False
