"""Admission rules: a yearly quota with an endogenous cut-off and tie policies, a score line, both, or none.

Mode ``none`` (no cap and no line) admits every eligible candidate; its cut-off is the lowest admitted score (None
when nobody is eligible), so it is what a quota equal to the number of eligible candidates would give.

A quota is a selection (``np.partition`` finds the cut-off), never a full sort; only the band of people tied at
the cut-off is ordered, and only when a tie-break chain must decide between them. Scores are compared as exact
integer cents, so "tied" means equal to the cent.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from scoring.engine.core import ScoreResult
from scoring.errors import ScoringInputError
from scoring.scheme.conditions import MAX_POINTS
from scoring.scheme.load import AdmissionRule, TieKey


@dataclass
class AdmissionResult:
    """Who is admitted and how the line fell."""

    admitted_mask: np.ndarray
    index: pd.Index
    rule: AdmissionRule
    eligible: int
    candidates: int
    cutoff_cents: int | None
    tied_at_cutoff: int
    decided_by_tiebreak: int

    @cached_property
    def admitted(self) -> pd.Series:
        """True for the admitted."""
        return pd.Series(self.admitted_mask, index=self.index, name="admitted")

    @property
    def admitted_count(self) -> int:
        """Number admitted."""
        return int(self.admitted_mask.sum())

    @property
    def cutoff(self) -> float | None:
        """The lowest admitted score (points); None when nobody is admitted."""
        return None if self.cutoff_cents is None else self.cutoff_cents / 100.0

    @property
    def quota(self) -> int | None:
        """The quota applied, if any."""
        return self.rule.quota_in_force

    @property
    def threshold(self) -> float | None:
        """The score line applied, if any."""
        return self.rule.threshold_in_force

    def summary(self) -> dict[str, Any]:
        """The figures every report shows."""
        return {
            "mode": self.rule.mode,
            "quota": self.quota,
            "threshold": self.threshold,
            "ties": self.rule.ties_plain(),
            "eligible": self.eligible,
            "candidates": self.candidates,
            "admitted": self.admitted_count,
            "cutoff": self.cutoff,
            "tied_at_cutoff": self.tied_at_cutoff,
            "decided_by_tiebreak": self.decided_by_tiebreak,
        }


def resolve_rule(
    res: ScoreResult,
    quota: int | None = None,
    threshold: float | None = None,
    ties: str | list[Any] | None = None,
    mode: str | None = None,
) -> AdmissionRule:
    """The rule to apply: explicit arguments replace the scheme's rule; ties default to the scheme's.

    ``mode="none"`` (no cap and no line) takes no quota and no threshold; other modes follow from the arguments.
    """
    base = res.scheme.admission
    if mode is not None and mode != "none":
        raise ScoringInputError(f"admission mode {mode!r}: only 'none' is given by name; give a quota and/or a "
                                "threshold for the others")
    if mode == "none":
        if quota is not None or threshold is not None:
            raise ScoringInputError("admission mode none takes no quota and no threshold")
        data_none: dict[str, Any] = {"mode": "none",
                                     "ties": ties if ties is not None else (base.ties if base else "admit_all")}
        return AdmissionRule.model_validate(_plain_ties(data_none))
    if quota is None and threshold is None:
        if base is None:
            raise ScoringInputError(
                f"scheme {res.scheme.id} has no admission rule; give a quota or a threshold"
            )
        rule = base.model_copy()
        if ties is not None:
            rule = AdmissionRule.model_validate({**_rule_dict(rule), "ties": ties})
        return rule
    if quota is not None and (not isinstance(quota, int | np.integer) or quota < 0):
        raise ScoringInputError(f"quota: value {quota!r} must be a whole number of places, 0 or more")
    if threshold is not None and not np.isfinite(threshold):
        raise ScoringInputError(f"threshold: value {threshold!r} must be a finite number of points")
    if threshold is not None and abs(threshold) > MAX_POINTS:
        raise ScoringInputError(f"threshold: value {threshold:g} is beyond ±{MAX_POINTS:,} points")
    data: dict[str, Any] = {"quota": quota, "threshold": threshold}
    data["ties"] = ties if ties is not None else (base.ties if base is not None else "admit_all")
    try:
        return AdmissionRule.model_validate(_plain_ties(data))
    except ValidationError as exc:  # one line: where, then the reason
        raise ScoringInputError(f"admission rule: {_first_reason(exc)}") from None


def _first_reason(exc: ValidationError) -> str:
    """The first error of a pydantic validation: its place (if any) and its reason, as a validator wrote it."""
    err = exc.errors()[0]
    where = ".".join(str(part) for part in err.get("loc", ()))
    reason = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
    return f"{where}: {reason}" if where else reason


def _plain_ties(data: dict[str, Any]) -> dict[str, Any]:
    if isinstance(data["ties"], list):
        data["ties"] = [k.model_dump(exclude_none=True) if isinstance(k, TieKey) else k for k in data["ties"]]
    return data


def _rule_dict(rule: AdmissionRule) -> dict[str, Any]:
    return rule.model_dump(exclude_none=True)


def admit(
    res: ScoreResult,
    quota: int | None = None,
    threshold: float | None = None,
    ties: str | list[Any] | None = None,
    *,
    candidates: np.ndarray | None = None,
    mode: str | None = None,
) -> AdmissionResult:
    """Admit from the eligible (optionally only ``candidates``, e.g. this year's applicants).

    With a threshold everyone eligible at or above it is admitted; with a quota the best ``quota`` are admitted,
    people tied at the cut-off all admitted (``ties="admit_all"``) or ordered by a tie chain of columns
    (``[{column: insurance_years, order: desc}, {lottery: 12345}]``). With both, the threshold applies first.
    ``mode="none"`` admits every eligible candidate (cut-off: the lowest of their scores, None if there are none).
    """
    rule = resolve_rule(res, quota, threshold, ties, mode)
    if isinstance(rule.ties, list):
        for key in rule.ties:
            if key.column is not None and key.column not in res.population.columns:
                columns = [str(c) for c in res.population.columns]
                close = difflib.get_close_matches(key.column, ["admit_all", *columns], n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise ScoringInputError(
                    f"ties: column {key.column!r} is not in the population{hint} columns: {', '.join(columns[:25])}"
                )
    total = res.total_cents
    pool = res.eligible_mask.copy() if candidates is None else (res.eligible_mask & candidates)
    n_eligible = int(res.eligible_mask.sum())
    if rule.threshold_in_force is not None:
        pool &= total >= int(round(rule.threshold_in_force * 100))
    n_candidates = int(np.count_nonzero(pool))
    admitted = np.zeros(len(total), dtype=bool)
    places = n_candidates if rule.quota_in_force is None else int(rule.quota_in_force)
    if n_candidates == 0 or places == 0:
        return AdmissionResult(admitted, res.index, rule, n_eligible, n_candidates, None, 0, 0)
    idx = _best_candidates(total, pool, n_candidates, places)
    scores = total[idx]
    if n_candidates <= places:
        admitted[idx] = True
        cutoff = int(scores.min())
        return AdmissionResult(
            admitted, res.index, rule, n_eligible, n_candidates, cutoff, int((scores == cutoff).sum()), 0
        )

    cutoff = int(np.partition(scores, len(idx) - places)[len(idx) - places])
    above = scores > cutoff
    tied = scores == cutoff
    n_tied = int(tied.sum())
    left = places - int(above.sum())
    admitted[idx[above]] = True
    tied_pos = idx[tied]
    decided = 0
    if rule.ties == "admit_all" or n_tied <= left:
        admitted[tied_pos] = True
    else:
        chosen = break_ties(res, tied_pos, left, rule.ties)  # type: ignore[arg-type]
        admitted[chosen] = True
        decided = len(chosen)
    return AdmissionResult(admitted, res.index, rule, n_eligible, n_candidates, cutoff, n_tied, decided)


SAMPLE_SCORES = 1 << 16  # scores looked at to place a floor under the best candidates of a small quota


def _best_candidates(total: np.ndarray, pool: np.ndarray, n_candidates: int, places: int) -> np.ndarray:
    """The positions of the candidates (``pool``) that can be among the best ``places``: all of them, or, for a
    quota small beside many candidates, those at or above a floor read off an evenly spaced sample of the scores,
    kept only when at least ``places`` candidates reach it (then the cut-off and everyone tied at it reach it too:
    exact whatever the sample); else all of them."""
    if places * 8 > n_candidates or n_candidates < 4 * SAMPLE_SCORES:
        return np.flatnonzero(pool)
    step = len(total) // SAMPLE_SCORES
    sample = total[::step][pool[::step]]
    k = 2 * (len(sample) * places // n_candidates) + 64  # the sample's best: about twice the share needed
    if k >= len(sample) // 2:  # few candidates sampled (they may sit between the sampled rows): all of them
        return np.flatnonzero(pool)
    floor = np.partition(sample, len(sample) - 1 - k)[len(sample) - 1 - k]
    idx = np.flatnonzero(pool & (total >= floor))
    return idx if len(idx) >= places else np.flatnonzero(pool)


def break_ties(res: ScoreResult, tied_pos: np.ndarray, places: int, chain: list[TieKey]) -> np.ndarray:
    """Order the tied band by the chain and return the positions admitted.

    If the chain has no lottery and still cannot separate the people at the boundary, all of those still tied
    there are admitted (no arbitrary choice is made).
    """
    keys: list[np.ndarray] = []
    for key in chain:
        if key.lottery is not None:
            keys.append(lottery_keys(res.index, tied_pos, key.lottery))
            continue
        values = _key_values(res.population, key.column or "", tied_pos)
        keys.append(-values if key.order == "desc" else values)
    order = np.lexsort(keys[::-1])  # np.lexsort: the last key is the primary one
    ranked = tied_pos[order]
    if chain[-1].lottery is not None:
        return ranked[:places]
    stacked = np.stack([k[order] for k in keys])
    boundary = stacked[:, places - 1]
    same_as_boundary = np.all(stacked == boundary[:, None], axis=0)
    extra = np.flatnonzero(same_as_boundary[places:]) + places
    return np.concatenate([ranked[:places], ranked[extra]])


def _key_values(pop: pd.DataFrame, column: str, pos: np.ndarray) -> np.ndarray:
    if column not in pop.columns:
        raise ScoringInputError(f"ties: column {column!r} is not in the population")
    s = pop[column]
    if isinstance(s.dtype, pd.CategoricalDtype):
        values = np.asarray(s.array.codes)[pos].astype(np.float64)
    elif pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
        values = s.iloc[pos].to_numpy(dtype=np.float64, na_value=np.nan)  # only the tied band is converted
    elif pd.api.types.is_datetime64_any_dtype(s.dtype):
        values = s.to_numpy()[pos].astype("datetime64[ns]").astype(np.int64).astype(np.float64)
    else:
        values = pd.factorize(s.iloc[pos], sort=True)[0].astype(np.float64)
    if np.isnan(values).any():
        raise ScoringInputError(f"ties: column {column!r} has missing values among the tied")
    return values


def lottery_keys(index: pd.Index, pos: np.ndarray, seed: int) -> np.ndarray:
    """A seeded random key per person, fixed by the person's index label (not by position or band).

    The same person gets the same key whatever subset or partition is being ranked, so a lottery gives the same
    answer in memory, in chunks and on a cluster.
    """
    labels = index[pos]
    if pd.api.types.is_integer_dtype(labels.dtype):
        base = np.asarray(labels, dtype=np.int64).view(np.uint64)
    else:
        base = pd.util.hash_array(np.asarray(labels.astype(str), dtype=object)).astype(np.uint64)
    return _splitmix64(base ^ np.uint64(seed & 0xFFFFFFFFFFFFFFFF)).astype(np.float64)


def _splitmix64(x: np.ndarray) -> np.ndarray:
    z = x + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def cutoff_curve(res: ScoreResult, quotas: Sequence[int] | np.ndarray | None = None, *,
                 candidates: np.ndarray | None = None, threshold: float | None = None, points: int = 41
                 ) -> pd.DataFrame:
    """The cut-off and the number admitted (all tied at the cut-off admitted) for each quota size.

    One descending sort of the candidates' scores (the eligible, optionally only ``candidates`` and only those at
    or above ``threshold``) serves every quota: the cut-off for quota q is the q-th best score, and the admitted
    are everyone scoring at least that. Without ``quotas``, ``points`` sizes from 0 to the number of candidates.
    """
    mask = res.eligible_mask if candidates is None else (res.eligible_mask & candidates)
    scores = res.total_cents[mask]
    if threshold is not None:
        scores = scores[scores >= int(round(threshold * 100))]
    desc = np.sort(scores)[::-1]
    asc = desc[::-1]
    n = len(desc)
    q = np.unique(np.linspace(0, n, points).round().astype(np.int64)) if quotas is None else \
        np.asarray(quotas, dtype=np.int64)
    if (q < 0).any():
        raise ValueError("quotas must be 0 or more")
    k = np.minimum(q, n)
    has = k > 0
    cut = np.where(has, desc[np.maximum(k - 1, 0)] if n else 0, 0)
    admitted = np.where(has, n - np.searchsorted(asc, cut, side="left"), 0)
    tied = np.where(has, np.searchsorted(asc, cut, side="right") - np.searchsorted(asc, cut, side="left"), 0)
    return pd.DataFrame({
        "quota": q, "candidates": n, "cutoff": np.where(has, cut / 100.0, np.nan),
        "admitted": admitted.astype(np.int64), "tied_at_cutoff": tied.astype(np.int64),
        "binding": q < n,
    })
