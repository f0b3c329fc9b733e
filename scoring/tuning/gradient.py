"""Analytic gradients of the tuning quantities, so SLSQP needs one population pass per step, not one per parameter.

The derivative of a person's total score with respect to a parameter is read off the unit scores: ``U`` for an
item's weight where its cap does not bind, ``sign(points)`` for the cap where it binds; group rules zero the
derivatives they override (an item that is not its group's best, a group at its cap). Cent rounding is ignored
(it moves a score by at most half a cent). Rank scores and the cut-off take the gradient of the person holding
them; shares take the quotient rule over the people they sum (the decisive share's people within the window held
fixed: :func:`decisive_grad` says why). The design share, which needs no population pass, is differentiated
numerically. tests/test_tuning_gradient.py compares them with central finite differences.
"""

from __future__ import annotations

import numpy as np

from scoring.tuning.problem import RANK_NORM, Bound, Problem

BAND_CENTS = 50.0  # half a point either side of a rank score
CROSSING = False  # the optimiser's decisive gradient: interior term only (see decisive_grad)
EDGE = 1.0  # points either side of the decisive window's edges (and of the line) that estimate the crossing rate


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
    if CROSSING:  # the full derivative, around the line the share is measured around
        line = ev.line_cents(total, cut)
        return None if line is None else decisive_grad(ev, P, total, line, D, in_group)
    near = _near(ev, total, cut)  # the optimiser's: the people near the cut-off held fixed (interior term)
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


def decisive_grad(ev, P: np.ndarray, total: np.ndarray, line: float, D: np.ndarray,  # type: ignore[no-untyped-def]
                  in_group: np.ndarray) -> np.ndarray | None:
    """d(decisive share)/d(parameter): Cov(g, t) / Var(t) over the eligible within the window around the line.

    Two parts: the people inside the window move (their scores' derivatives, the interior term), and people cross
    the window's edges as scores and the line move (the boundary term: the edge density, from the eligible within
    EDGE points of an edge, times the speed of the score relative to the line).

    This full derivative matches central differences where the share is smooth in the weights
    (hangzhou-2022 at its quota's cut-off, within 10%); the interior term alone is off there by more than 100%, with
    the wrong sign for some weights (tests/test_tuning_gradient.py). The optimiser still uses the interior term
    (:data:`CROSSING` False): where the share is not smooth (hangzhou-2023, a threshold with a block of capped scores
    above it: central differences at 1%, 2% and 5% steps disagree by 2.6-7 relative) the edge density from lattice
    scores is noise, and SLSQP with it misses targets it meets with the interior term (a decisive share of 1.0 on
    20,000 people, tests/test_tuning_cli.py). The exact check on everyone is the arbiter either way."""
    near = _near(ev, total, line)
    n = int(near.sum())
    if n < 2:
        return None
    t_all = total / 100.0
    g_all = P[ev.group_mask()].sum(axis=0, dtype=np.float64) / 100.0
    t, g = t_all[near], g_all[near]
    st, sg = float(t.sum()), float(g.sum())
    cov = float((g * t).sum()) - sg * st / n
    var = float((t * t).sum()) - st * st / n
    if var <= 0:
        return None
    dn = D[:, near].astype(np.float64)
    dgn = dn * in_group[:, None]
    dst, dsg = dn.sum(axis=1), dgn.sum(axis=1)
    dcov = np.einsum("pn,n->p", dgn, t) + np.einsum("pn,n->p", dn, g) - (dsg * st + sg * dst) / n
    dvar = 2.0 * np.einsum("pn,n->p", dn, t) - 2.0 * st * dst / n
    L, w = line / 100.0, float(ev.window)
    hard = bool((near == (ev.eligible & (np.abs(total - line) <= round(w * 100)))).all())
    if hard:  # a fixed window (not the nearest-MIN_NEAR fallback): people cross its edges
        elig = ev.eligible
        dl = np.zeros(len(D))
        if ev.threshold is None or ev.sample_quota is not None:  # the line moves with the scores (cut-off, median)
            at = elig & (np.abs(t_all - L) <= EDGE)
            if at.any():
                dl = D[:, at].astype(np.float64).mean(axis=1)
        edge = elig & (np.abs(np.abs(t_all - L) - w) <= EDGE)
        if edge.any():
            side = np.sign(t_all[edge] - L)
            da = -(D[:, edge].astype(np.float64) - dl[:, None]) * side[None, :] / (2.0 * EDGE)
            te, ge = t_all[edge], g_all[edge]
            da_n, da_t, da_g = da.sum(axis=1), np.einsum("pn,n->p", da, te), np.einsum("pn,n->p", da, ge)
            dcov += np.einsum("pn,n->p", da, ge * te) - (da_g * st + sg * da_t) / n + sg * st * da_n / n**2
            dvar += np.einsum("pn,n->p", da, te * te) - 2.0 * st * da_t / n + st * st * da_n / n**2
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
