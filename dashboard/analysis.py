"""Pure aggregations for the dashboard: millions of people in, small tables out (no streamlit, no plotting).

Everything here is vectorised numpy/pandas over a :class:`scoring.ScoreResult`; what leaves this module is small
enough to send to a browser (a histogram's counts, a table of means by band, a curve of a few hundred points).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

import scoring
from scoring.admission import AdmissionResult
from scoring.dominance import DominanceReport
from scoring.engine import ScoreResult
from scoring.scheme import Scheme

AGE_EDGES = (0, 25, 30, 35, 40, 45, 50, 55, 60, 200)


@dataclass
class Evaluation:
    """One scheme on one population: scores, admission and dominance."""

    scheme: Scheme
    res: ScoreResult
    adm: AdmissionResult | None
    dom: DominanceReport

    @property
    def admitted_mask(self) -> np.ndarray:
        """Who is admitted (all False without an admission rule)."""
        return self.adm.admitted_mask if self.adm is not None else np.zeros(self.res.n, dtype=bool)

    @property
    def line(self) -> float | None:
        """The score line that decides: the threshold in threshold mode, else the cut-off."""
        if self.adm is None:
            return None
        if self.adm.rule.mode == "threshold":
            return self.adm.threshold
        return self.adm.cutoff


def evaluate(pop: pd.DataFrame, scheme: Scheme) -> Evaluation:
    """Score, admit (the scheme's own rule) and measure dominance."""
    res = scoring.score(pop, scheme, on_invalid="reject")
    adm = scoring.admit(res) if scheme.admission is not None else None
    dom = scoring.dominance(res, scheme, admitted=adm)
    return Evaluation(scheme, res, adm, dom)


@dataclass
class Headline:
    """The overview's numbers."""

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

    @property
    def rate(self) -> float | None:
        """Admitted over eligible."""
        return self.admitted / self.eligible if self.eligible else None


def headline(ev: Evaluation) -> Headline:
    """Headline figures of one evaluation (all taken from the library's results)."""
    dom = ev.dom
    adm = ev.adm
    return Headline(
        n_pop=ev.res.n,
        eligible=int(ev.res.eligible_mask.sum()),
        admitted=adm.admitted_count if adm is not None else 0,
        mode=adm.rule.mode if adm is not None else None,
        quota=adm.quota if adm is not None else None,
        threshold=adm.threshold if adm is not None else None,
        cutoff=adm.cutoff if adm is not None else None,
        line=ev.line,
        measure=dom.measure,
        share=dom.required,
        min_share=dom.min_share,
        ok=dom.ok,
        shares={"design": dom.design, "realised": dom.realised_eligible, "decisive": dom.decisive},
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


def age_band(age: pd.Series | np.ndarray) -> pd.Categorical:
    """Age bands "<25", "25–29", ..., "60+"."""
    labels = ["<25"] + [f"{a}–{b - 1}" for a, b in itertools.pairwise(AGE_EDGES[1:-1])] + ["60+"]
    codes = np.searchsorted(np.asarray(AGE_EDGES[1:-1]), np.asarray(age, dtype=np.float64), side="right")
    return pd.Categorical.from_codes(codes, categories=labels)


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


def cutoff_curve(total_cents: np.ndarray, eligible: np.ndarray, quotas: np.ndarray | None = None,
                 points: int = 80) -> pd.DataFrame:
    """The cut-off at each quota size, from one sort of the eligible totals (ties at the cut-off all admitted).

    Columns: ``quota``, ``cutoff`` (points), ``admitted`` (with ties). Default quotas: ``points`` sizes spaced
    geometrically from 100 up to the number eligible.
    """
    tot = np.sort(total_cents[eligible])[::-1]
    n = tot.size
    if n == 0:
        return pd.DataFrame({"quota": [], "cutoff": [], "admitted": []})
    if quotas is None:
        quotas = np.unique(np.geomspace(min(100, n), n, points).round().astype(np.int64))
    quotas = np.clip(np.asarray(quotas, dtype=np.int64), 1, n)
    cut = tot[quotas - 1]
    admitted = np.searchsorted(-tot, -cut, side="right")
    return pd.DataFrame({"quota": quotas, "cutoff": cut / 100.0, "admitted": admitted})


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
