"""The tuner's analytic gradients (scoring.tuning.gradient) against central finite differences of the same quantity.

The step is 2% of each parameter (at least 0.02 points on a weight of 1, times units of years: well above the cent
rounding of item points), and vectors are compared with each component scaled by its parameter's size (a relative
change of every parameter), so a parameter in points and a scale factor weigh alike.

Measured on 100,000 synthetic people (seeds 1-3): the realised share agrees within 0.5% on both schemes (the
remaining differences are kinks: a cap or weight where some people sit exactly at the cap has different left and
right derivatives, and the analytic gradient takes one side). The decisive share of hangzhou-2022 (a quota: the line
is the cut-off and moves) agrees within 8-10% with the full derivative, which also counts the people crossing the
window's edges (scoring.tuning.gradient.decisive_grad); the optimiser's gradient holds the people near the line
fixed and is off there by more than 100%, with the wrong sign for education and residence. It stays the optimiser's
on purpose: where the share is not smooth (hangzhou-2023; beijing-2020 at its cut-off, which jumps between tied
score blocks: central differences at 1%, 2% and 5% steps disagree with one another by 0.7-7 relative) no gradient
has a reference, and SLSQP meets targets with the interior term that it misses with the noisy edge term
(docs/tuning.md). The tuner's exact check on everyone is what holds the result.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import scoring
from scoring.population.synthetic import synth
from scoring.tuning.core import scheme_params
from scoring.tuning.gradient import gradients
from scoring.tuning.model import Evaluator
from scoring.tuning.problem import Constraints, Problem

ROOT = Path(__file__).resolve().parents[1]
STEP = 0.02  # of each parameter's value


def _share(ev: Evaluator, measure: str, theta: np.ndarray) -> float:
    P = ev.item_cents(theta)
    total = ev.total_cents(theta, P)
    _, cut = ev.cutoff_cents(total)
    if measure == "realised":
        return float(ev.realised_share(P, ev.eligible))
    return float(ev.decisive_share(P, total, ev.line_cents(total, cut)))


def _relative_error(scheme_name: str, measure: str, seed: int = 1) -> float:
    """||analytic - central|| / ||central|| of the share's gradient, components scaled by their parameters."""
    scheme = scoring.load_scheme(ROOT / "scenarios/schemes" / f"{scheme_name}.yaml")
    ev = Evaluator(scheme, synth(100_000, seed), scheme_params(scheme))
    prob = Problem(ev, Constraints(measure=measure).resolved(ev))
    analytic = gradients(prob, np.zeros(prob.dim))["share"]
    theta0 = ev.theta0
    size = np.maximum(np.abs(theta0), 1e-3)
    central = np.zeros(len(theta0))
    for k, p in enumerate(ev.params):
        if p.fixed:
            continue
        h = STEP * size[k]
        up, down = theta0.copy(), theta0.copy()
        up[k] += h
        down[k] -= h
        central[k] = (_share(ev, measure, up) - _share(ev, measure, down)) / (2 * h)
    free = ~np.array([p.fixed for p in ev.params])
    assert np.linalg.norm(central[free]) > 0
    return float(np.linalg.norm(((analytic - central) * size)[free]) / np.linalg.norm((central * size)[free]))


@pytest.mark.parametrize("scheme_name", ["beijing-2020", "hangzhou-2022-illustrative"])
def test_realised_share_gradient_matches_central_differences(scheme_name: str) -> None:
    assert _relative_error(scheme_name, "realised") < 0.05  # measured below 0.005


def test_decisive_share_full_derivative_matches_central_differences(monkeypatch: pytest.MonkeyPatch) -> None:
    """hangzhou-2022 (a quota: the line is the cut-off and moves with the weights): the full derivative within 0.3
    (measured 0.08-0.10 on seeds 1-3); the optimiser's interior term is not the derivative there (measured above
    1), which is why docs/tuning.md calls it a surrogate."""
    from scoring.tuning import gradient

    interior = _relative_error("hangzhou-2022-illustrative", "decisive")
    monkeypatch.setattr(gradient, "CROSSING", True)
    full = _relative_error("hangzhou-2022-illustrative", "decisive")
    assert full < 0.3 < 0.6 < interior, (full, interior)
