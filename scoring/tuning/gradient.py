"""Analytic gradients of the tuning quantities, so SLSQP needs one population pass per step, not one per parameter.

The derivative of a person's total score with respect to a parameter is read off the unit scores: ``U`` for an
item's weight where its cap does not bind, ``sign(points)`` for the cap where it binds; group rules zero the
derivatives they override (an item that is not its group's best, a group at its cap). Cent rounding is ignored
(it moves a score by at most half a cent). Rank scores and the cut-off take the gradient of the person holding
them; shares take the quotient rule over the people they sum. The design share, which needs no population pass,
is differentiated numerically.
"""

from __future__ import annotations

import numpy as np

from scoring.tuning.problem import RANK_NORM, Bound, Problem

BAND_CENTS = 50.0  # half a point either side of a rank score


def derivative_rows(prob: Problem, theta: np.ndarray, P: np.ndarray) -> np.ndarray:
    """d(item points)/d(parameter) per person (points): parameters x people; row p touches only p's item."""
    ev = prob.ev
    w, c = ev.weights(theta)
    D = np.zeros((len(ev.params), ev.n), dtype=np.float32)
    item_of = np.array([ev.ids.index(p.item) for p in ev.params])
    raw = ev.U * w.astype(ev.U.dtype)[:, None]
    live = np.ones_like(P, dtype=bool)  # item points still move with the item (not overridden by a group rule)
    for items, best_only, cap in ev.rules:  # the engine's group rules, as the model applies them (caps in cents)
        idx = list(items)
        if best_only and len(idx) > 1:
            best = np.argmax(P[idx], axis=0)
            live[idx] &= np.arange(len(idx))[:, None] == best[None, :]
        if cap is not None:
            at_cap = np.clip(raw[idx], -c[idx, None], c[idx, None]).sum(axis=0) * 100.0 >= cap
            live[idx] &= ~at_cap[None, :]
    for n, p in enumerate(ev.params):
        m = item_of[n]
        clipped = np.abs(raw[m]) >= c[m] if np.isfinite(c[m]) else np.zeros(ev.n, dtype=bool)
        if p.key == "cap":
            D[n] = np.where(clipped & live[m], np.sign(raw[m]), 0.0)
        else:
            D[n] = np.where(~clipped & live[m], ev.U[m], 0.0)
    return D


def _share_grad(prob: Problem, theta: np.ndarray, P: np.ndarray, total: np.ndarray, cut: float | None,
                D: np.ndarray) -> np.ndarray | None:
    ev, measure = prob.ev, prob.c.measure
    item_of = np.array([ev.ids.index(p.item) for p in ev.params])
    in_group = ev.group_mask()[item_of]
    if measure == "design":
        base = ev.design_share(theta)
        if base is None:
            return None
        g = np.zeros(len(theta))
        for n in range(len(theta)):
            step = 1e-4 * max(abs(theta[n]), 1.0)
            t2 = theta.copy()
            t2[n] += step
            g[n] = ((ev.design_share(t2) or 0.0) - base) / step
        return g
    if measure == "realised":
        pos = np.einsum("kn,n->k", np.maximum(P, 0), ev.eligible.astype(P.dtype)) / 100.0
        num, den = float(pos[ev.group_mask()].sum()), float(pos.sum())
        if den == 0:
            return None
        positive = (P[item_of] > 0) & ev.eligible[None, :]
        dpos = np.einsum("pn,pn->p", D, positive.astype(D.dtype))
        return (dpos * in_group * den - num * dpos) / den**2
    if cut is None:
        return None
    near = _near(ev, total, cut)
    if int(near.sum()) < 2:
        return None
    t = total[near] / 100.0
    grp = P[ev.group_mask()].sum(axis=0, dtype=np.float64)[near] / 100.0
    t, grp = t - t.mean(), grp - grp.mean()
    var, cov = float((t * t).sum()), float((grp * t).sum())
    if var == 0:
        return None
    dt = D[:, near].astype(np.float64)
    dt -= dt.mean(axis=1, keepdims=True)
    dt_t = np.einsum("pn,n->p", dt, t)  # numpy loops, not BLAS threads
    dcov = np.einsum("pn,n->p", dt, grp) * in_group + dt_t
    dvar = 2.0 * dt_t
    return (dcov * var - cov * dvar) / var**2


def _near(ev, total: np.ndarray, cut: float) -> np.ndarray:  # type: ignore[no-untyped-def]
    dist = np.abs(total - cut)
    near = ev.eligible & (dist <= round(ev.window * 100))
    from scoring.dominance import MIN_NEAR

    if int(near.sum()) < min(MIN_NEAR, int(ev.eligible.sum())):
        idx = np.flatnonzero(ev.eligible)
        k = min(MIN_NEAR, len(idx))
        near = np.zeros_like(ev.eligible)
        near[idx[np.argpartition(dist[idx], k - 1)[:k]]] = True
    return near


def gradients(prob: Problem, z: np.ndarray) -> dict[str, np.ndarray | None]:
    """Gradients (w.r.t. the full parameter vector) of share, rank scores, cut-off and the smoothed tau."""
    key = prob.key(z)
    if prob.last_grad is not None and prob.last_grad[0] == key:
        return prob.last_grad[1]
    if prob.last is None or prob.last[0] != key:
        prob._cache.pop(key, None)
        prob.evaluations -= 1  # a re-evaluation for the state, not a new point
        prob.quantities(z)
    _, theta, P, total, _adm, cut, who = prob.last  # type: ignore[misc]
    D = derivative_rows(prob, theta, P)
    out: dict[str, np.ndarray | None] = {}
    elig = prob.ev.eligible
    for name, person in who.items():  # average over the eligible within a band around that score: rank scores
        band = elig & (np.abs(total - total[person]) <= BAND_CENTS)  # are piecewise linear with dense kinks
        out[name] = np.einsum("pn,n->p", D, band.astype(D.dtype), dtype=np.float64) / max(1, int(band.sum()))
    out["share"] = _share_grad(prob, theta, P, total, cut, D)
    if prob._pairs is not None and prob.want_tau:
        i, j, sign = prob._pairs
        d = total[i] - total[j]
        s = 0.05 * (float(np.std(d)) or 1.0)
        weight = (1.0 - np.tanh(d / s) ** 2) / s * sign * 100.0 / len(d)
        out["tau"] = np.einsum("pn,n->p", (D[:, i] - D[:, j]).astype(np.float64), weight)
    prob.last_grad = (key, out)
    return out


def slack_grad(prob: Problem, b: Bound, z: np.ndarray) -> np.ndarray:
    """Gradient of one bound's optimiser slack w.r.t. the free normalised parameters."""
    g = gradients(prob, z)
    if b.rank is not None:
        quota = prob.ev.sample_quota
        if quota is not None and quota < b.rank:
            return np.zeros(prob.dim)
        vec, norm = g.get(f"rank:{b.rank}"), RANK_NORM
    else:
        vec, norm = g.get(b.quantity if b.quantity != "share" else "share"), b.norm
    if vec is None:
        return np.zeros(prob.dim)
    return (b.sense * vec / norm * prob.scale)[prob.free]


def tau_grad(prob: Problem, z: np.ndarray) -> np.ndarray:
    """Gradient of the smoothed Kendall tau w.r.t. the free normalised parameters."""
    vec = gradients(prob, z).get("tau")
    return np.zeros(prob.dim) if vec is None else (vec * prob.scale)[prob.free]


def violation_grad(prob: Problem, z: np.ndarray) -> np.ndarray:
    """Gradient of the sum of squared optimiser violations."""
    s = prob.slacks(z)
    out = np.zeros(prob.dim)
    for b, v in zip(prob.bounds, s, strict=True):
        if v < 0:
            out += 2.0 * v * slack_grad(prob, b, z)
    return out
