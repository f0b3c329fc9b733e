"""Pure aggregations for the dashboard: millions of people in, small tables out (no streamlit, no plotting).

Everything here is vectorised numpy/pandas over a :class:`scoring.ScoreResult`; what leaves this module is small
enough to send to a browser (a histogram's counts, a table of means by band, a curve of a few hundred points).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from dashboard.scale import Scale
from scoring import evaluation
from scoring.admission import cutoff_curve
from scoring.engine.core import ScoreResult
from scoring.population.schema import age_band  # noqa: F401  the one age-band definition (used as analysis.age_band)
from scoring.scheme.load import Scheme


@dataclass
class Evaluation(evaluation.Evaluation):
    """The library's :class:`scoring.evaluation.Evaluation` with the population's scale (real people per row)."""

    scale: Scale | None = None

    @property
    def ratio(self) -> float:
        """Real people per person of the sample (1 without a scale)."""
        return self.scale.ratio if self.scale is not None else 1.0


def evaluate(pop: pd.DataFrame, scheme: Scheme, scale: Scale | None = None) -> Evaluation:
    """Score, admit (the scheme's own rule) and measure dominance (:func:`scoring.evaluation.evaluate`).

    With a ``scale``, the scheme's quota is a number of real places: the sample admits ``quota / ratio`` people
    (:meth:`Scale.sample_quota`), so every count scaled back to real people matches the quota.
    """
    ev = evaluation.evaluate(pop, scheme, on_invalid="reject", **scaled_rule(scheme, scale))
    out = Evaluation(ev.res, ev.adm, scale=scale)
    out.dom  # noqa: B018 - measured now (under the page's spinner), kept with the cached evaluation
    return out


def scaled_rule(scheme: Scheme, scale: Scale | None) -> dict[str, Any]:
    """The scheme's admission rule with its quota taken as real places (sample places = quota / ratio), as
    arguments of :func:`scoring.evaluation.evaluate`; empty (the scheme's own rule) when nothing is scaled."""
    rule = scheme.admission
    if scale is None or rule is None or rule.mode not in ("quota", "both") or scale.ratio == 1.0:
        return {}
    threshold = rule.threshold if rule.mode == "both" else None
    return {"quota": scale.sample_quota(int(rule.quota or 0)), "threshold": threshold, "ties": rule.ties}


@dataclass
class Headline:
    """The overview's numbers; every count is in real people (the evaluation's scale), ``sample`` is the rows."""

    n_pop: int
    eligible: int
    admitted: int
    mode: str | None
    quota: int | None
    threshold: float | None
    cutoff: float | None
    line: float | None
    measure: str
    share: float | None
    min_share: float
    ok: bool | None
    shares: dict[str, float | None] = field(default_factory=dict)
    sample: int = 0
    points_share: dict[str, float | None] = field(default_factory=dict)
    literal_ok: bool | None = None

    @property
    def rate(self) -> float | None:
        """Admitted over eligible."""
        return self.admitted / self.eligible if self.eligible else None


def headline(ev: Evaluation) -> Headline:
    """Headline figures of one evaluation (all taken from the library's results)."""
    dom = ev.dom
    adm = ev.adm
    rule = ev.scheme.admission
    people = ev.scale.people if ev.scale is not None else (lambda c: None if c is None else int(c))
    return Headline(
        n_pop=people(ev.res.n),
        eligible=people(int(ev.res.eligible_mask.sum())),
        admitted=people(adm.admitted_count) if adm is not None else 0,
        mode=adm.rule.mode if adm is not None else None,
        quota=(rule.quota if rule is not None and adm is not None and adm.rule.mode in ("quota", "both") else None),
        threshold=adm.threshold if adm is not None else None,
        cutoff=adm.cutoff if adm is not None else None,
        line=ev.line,
        measure=dom.measure,
        share=dom.required,
        min_share=dom.min_share,
        ok=dom.ok,
        shares={"design": dom.design, "realised": dom.realised_eligible, "decisive": dom.decisive},
        sample=ev.res.n,
        points_share=dom.points_share,
        literal_ok=dom.literal_ok,
    )


def score_histogram(total_cents: np.ndarray, eligible: np.ndarray, admitted: np.ndarray, width: float = 2.0
                    ) -> pd.DataFrame:
    """Counts of the eligible per score bin of ``width`` points, split admitted / not admitted.

    Columns: ``left``, ``right`` (points), ``admitted``, ``not_admitted``. Bins are [left, right).
    """
    if width <= 0:
        raise ValueError("bin width must be positive")
    wc = int(round(width * 100))
    tot = total_cents[eligible]
    adm = admitted[eligible]
    if tot.size == 0:
        return pd.DataFrame({"left": [], "right": [], "admitted": [], "not_admitted": []})
    lo = int(np.floor(tot.min() / wc))
    bins = (tot // wc - lo).astype(np.int64)
    nb = int(bins.max()) + 1
    n_adm = np.bincount(bins[adm], minlength=nb)
    n_all = np.bincount(bins, minlength=nb)
    left = (np.arange(nb) + lo) * wc / 100.0
    return pd.DataFrame({"left": left, "right": left + width, "admitted": n_adm, "not_admitted": n_all - n_adm})


def item_means_by_band(res: ScoreResult, mask: np.ndarray, band: float = 10.0) -> pd.DataFrame:
    """Mean points of every item among ``mask``, per total-score band of ``band`` points.

    Index: the band's lower edge (points); columns: the item ids, then ``count``. Empty bands are left out.
    """
    bc = int(round(band * 100))
    tot = res.total_cents[mask]
    if tot.size == 0:
        return pd.DataFrame(columns=[*res.item_cents, "count"])
    codes = tot // bc
    lo = int(codes.min())
    codes = (codes - lo).astype(np.int64)
    nb = int(codes.max()) + 1
    count = np.bincount(codes, minlength=nb)
    data: dict[str, np.ndarray] = {}
    keep = count > 0
    for item_id, cents in res.item_cents.items():
        sums = np.bincount(codes, weights=cents[mask].astype(np.float64), minlength=nb)
        data[item_id] = (sums[keep] / count[keep]) / 100.0
    data["count"] = count[keep]
    index = pd.Index(((np.arange(nb) + lo) * band)[keep], name="band")
    return pd.DataFrame(data, index=index)


def composition(values: pd.Series | pd.Categorical, masks: dict[str, np.ndarray], top: int = 12) -> pd.DataFrame:
    """Shares of each category of ``values`` within each masked group (columns = groups, each sums to 1).

    Categories beyond the ``top`` largest (by the first group) are pooled into "other". Empty groups give NaN.
    """
    cat = values if isinstance(values, pd.Categorical) else pd.Categorical(values)
    codes = np.asarray(cat.codes)
    k = len(cat.categories)
    counts = {}
    for name, mask in masks.items():
        c = codes[mask]
        counts[name] = np.bincount(c[c >= 0], minlength=k)
    df = pd.DataFrame(counts, index=pd.Index([str(c) for c in cat.categories], name="value"))
    if len(df) > top:
        first = df.columns[0]
        order = df[first].sort_values(ascending=False).index
        kept, rest = order[:top], order[top:]
        df = pd.concat([df.loc[kept], df.loc[rest].sum().to_frame("other").T])
    totals = df.sum()
    return df / totals.where(totals > 0)


CURVE_COLUMNS = ["quota", "cutoff", "admitted"]


def quota_sizes(n_eligible: int, points: int = 80) -> np.ndarray:
    """The quota sizes the dashboard's cut-off curve shows: ``points`` sizes spaced geometrically from 100 (or
    fewer) up to the number eligible."""
    if n_eligible <= 0:
        return np.zeros(0, dtype=np.int64)
    return np.unique(np.geomspace(min(100, n_eligible), n_eligible, points).round().astype(np.int64))


def cutoff_table(res: ScoreResult, quotas: np.ndarray | None = None, points: int = 80) -> pd.DataFrame:
    """The library's :func:`scoring.admission.cutoff_curve` at the dashboard's sizes (each clipped to 1 … the
    number eligible; default :func:`quota_sizes`): columns ``quota``, ``cutoff`` (points), ``admitted`` (ties)."""
    n = int(res.eligible_mask.sum())
    if n == 0:
        return pd.DataFrame({c: [] for c in CURVE_COLUMNS})
    sizes = quota_sizes(n, points) if quotas is None else np.clip(np.asarray(quotas, dtype=np.int64), 1, n)
    return cutoff_curve(res, sizes)[CURVE_COLUMNS]


def summary_sentence(h: Headline, lang: str) -> str:
    """The overview's one-sentence summary, generated from the headline figures."""
    from dashboard.i18n import fmt_int, fmt_pct, fmt_points, t

    if h.mode is None:
        return t("no_admission_rule", lang)
    verdict = {True: "verdict_pass", False: "verdict_fail", None: "verdict_na"}[h.ok]
    fields = {
        "n_pop": fmt_int(h.n_pop), "eligible": fmt_int(h.eligible), "admitted": fmt_int(h.admitted),
        "line": fmt_points(h.line), "rate": fmt_pct(h.rate), "quota": fmt_int(h.quota),
        "measure": t(f"measure_{h.measure}", lang), "share": fmt_pct(h.share), "verdict": t(verdict, lang),
        "min_share": fmt_pct(h.min_share, 0),
    }
    text = t("summary_threshold" if h.mode == "threshold" else "summary_quota", lang, **fields)
    return text if h.admitted else text + " " + t("summary_none", lang)


def verdict_words(ev: Evaluation, lang: str) -> list[str]:
    """The main-share verdict in words: the literal share of the points first (the default verdict), one sentence
    saying what that measure is, then the scheme's own measure when it is another one (never called a share of
    the points when it is the decisive share)."""
    from dashboard.i18n import fmt_pct, t
    from scoring.dominance import main_share_headline

    head = main_share_headline(ev.dom, lang)
    verdict = {True: "verdict_pass", False: "verdict_fail", None: "verdict_na"}[head["ok"]]
    out = [t("verdict_words", lang, share=fmt_pct(head["share"]), share_admitted=fmt_pct(head["share_admitted"]),
             verdict=t(verdict, lang), min_share=fmt_pct(head["min_share"], 0)), head["text"]]
    measure = ev.dom.measure
    if measure != "realised":
        ok = {True: t("pass", lang), False: t("fail", lang), None: t("na", lang)}[ev.dom.ok]
        out.append(t("verdict_scheme_measure", lang, measure=t(f"measure_{measure}", lang),
                     value=fmt_pct(ev.dom.required), verdict=ok))
    return out


def disagreement(ev: Evaluation, lang: str) -> str | None:
    """The library's "measures disagree" warning in the view's language (None when they agree)."""
    from dashboard.i18n import t

    verdicts = {k: v for k, v in ev.dom.passed.items() if v is not None}
    if len(set(verdicts.values())) < 2:
        return None
    sep = "、" if lang != "en" else ", "
    names = {k: t(f"measure_{k}", lang) for k in verdicts}
    return t("measures_disagree", lang, passing=sep.join(names[k] for k, v in verdicts.items() if v),
             failing=sep.join(names[k] for k, v in verdicts.items() if not v), measure=t(f"measure_{ev.dom.measure}",
                                                                                         lang))
