"""One scheme on one population: score, admit under the scheme's rule (or the one given), measure dominance.

Every caller that needs the three together (the CLI's ``check-scheme``/``score``/``admit``, a scenario's first year,
:mod:`scoring.scenario.impact`, the dashboard) goes through :func:`evaluate`::

    ev = evaluate(pop, scheme)                       # the scheme's own admission rule
    ev = evaluate(pop, scheme, quota=6000, ties="admit_all")
    ev = evaluate(pop, scheme, mode="none")          # no cap and no line: every eligible candidate admitted
    ev.res, ev.adm, ev.dom, ev.line, ev.admitted_mask   # line: the score needed to be admitted

The dominance report is measured on first use (``ev.dom``) and kept, so callers that never look at it pay nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from scoring.admission import AdmissionResult, admit
from scoring.dominance import DominanceReport, dominance
from scoring.engine.core import ScoreResult, score
from scoring.scheme.load import Scheme
from scoring.whatif import is_strict


@dataclass
class Evaluation:
    """Scores, admission (None when no rule was asked for and the scheme has none) and dominance of one scheme."""

    res: ScoreResult
    adm: AdmissionResult | None
    label: str = ""
    candidates: np.ndarray | None = field(default=None, repr=False)

    @property
    def scheme(self) -> Scheme:
        """The scheme scored under."""
        return self.res.scheme

    @cached_property
    def dom(self) -> DominanceReport:
        """The three dominance measures, the realised share among the admitted and the line that decides."""
        return dominance(self.res, self.scheme, admitted=self.adm)

    @property
    def name(self) -> str:
        """The label, else the scheme id."""
        return self.label or self.res.scheme.id

    @property
    def admitted_mask(self) -> np.ndarray:
        """Who is admitted (all False without an admission)."""
        return self.adm.admitted_mask if self.adm is not None else np.zeros(self.res.n, dtype=bool)

    @property
    def line(self) -> float | None:
        """The line: the score a newcomer needs to be admitted (:func:`admission_line`); None without an admission."""
        return admission_line(self.adm)

    @property
    def line_strict(self) -> bool:
        """True when a person exactly at :attr:`line` is not sure to be in: the line is the cut-off of a quota whose
        ties a chain breaks (:func:`scoring.whatif.is_strict`), not a threshold."""
        if self.adm is None or not is_strict(self.adm.rule):
            return False
        return self.adm.rule.mode != "both" or quota_full(self.adm)  # both, with room: the line is the threshold


def quota_full(adm: AdmissionResult) -> bool:
    """True when a quota applies and is full: at least as many candidates (at or above any threshold) as places."""
    return adm.quota is not None and adm.candidates >= adm.quota


def admission_line(adm: AdmissionResult | None) -> float | None:
    """The one meaning of "the line": the score a newcomer needs to be admitted (a tie at the line admitted).

    - mode ``threshold``: the threshold;
    - a full quota (:func:`quota_full`): the cut-off, the lowest admitted score (None for a quota of 0); in mode
      ``both`` that is max(threshold, cut-off), since every candidate is at or above the threshold;
    - mode ``both`` with room in the quota: the threshold;
    - no line decides (mode ``quota`` with room, mode ``none``: every eligible candidate is in): the lowest
      admitted score, as a reference (None when nobody is admitted).

    None without an admission. Shown as "the line" by the dashboard, the CLI's ``whatif`` and
    :func:`scoring.scenario.impact.counts`.
    """
    if adm is None:
        return None
    if adm.rule.mode == "threshold" or (adm.rule.mode == "both" and not quota_full(adm)):
        return adm.threshold
    return adm.cutoff


def evaluate(
    pop: pd.DataFrame,
    scheme: Scheme,
    *,
    quota: int | None = None,
    threshold: float | None = None,
    ties: str | list[Any] | None = None,
    mode: str | None = None,
    candidates: np.ndarray | None = None,
    admission: bool = True,
    require_rule: bool = False,
    on_invalid: str = "raise",
    label: str = "",
) -> Evaluation:
    """Score ``pop`` under ``scheme``, admit, and (on first use of ``.dom``) measure dominance.

    The admission is :func:`scoring.admission.admit` with the given ``quota``/``threshold``/``ties``/``mode`` and
    ``candidates``; without a quota, threshold or mode it is the scheme's own rule, and when the scheme has none the
    admission is None (``require_rule=True`` raises the library's one-line error instead). ``admission=False``
    scores and measures only.
    """
    res = score(pop, scheme, on_invalid=on_invalid)
    return evaluate_scored(res, quota=quota, threshold=threshold, ties=ties, mode=mode, candidates=candidates,
                           admission=admission, require_rule=require_rule, label=label)


def evaluate_scored(
    res: ScoreResult,
    *,
    quota: int | None = None,
    threshold: float | None = None,
    ties: str | list[Any] | None = None,
    mode: str | None = None,
    candidates: np.ndarray | None = None,
    admission: bool = True,
    require_rule: bool = False,
    label: str = "",
) -> Evaluation:
    """:func:`evaluate` for a population already scored (``res``)."""
    adm = None
    explicit = quota is not None or threshold is not None or mode is not None
    if admission and (explicit or require_rule or res.scheme.admission is not None):
        adm = admit(res, quota=quota, threshold=threshold, ties=ties, candidates=candidates, mode=mode)
    return Evaluation(res, adm, label, candidates)
