"""Dask beyond a file: a typed population already in a ``dask.dataframe``, replications and parameter sweeps.

* :func:`score_ddf` / :func:`admit_ddf`: a typed population in a ``dask.dataframe`` (unique index labels):
  ``map_partitions`` calls :func:`scoring.score` on each partition; admission uses the same exact global cut-off as
  the file engine (:mod:`scoring.outofcore.distributed`).
* :func:`sweep` and :func:`simulate_many_dask`: replications and parameter sweeps spread with ``client.map``; the
  results equal the single-machine loops for the same seeds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dask
import numpy as np
import pandas as pd
from dask.distributed import Client

from scoring.admission import admit
from scoring.dominance import dominance
from scoring.engine.core import score
from scoring.outofcore.core import ADMIT_COLUMNS, Context, make_context, public_frame, score_frame
from scoring.outofcore.dask_cluster import cluster_client
from scoring.outofcore.plan import Plan, band_rows, finish_plan, make_plan, pass2_batch
from scoring.outofcore.result import OutOfCoreResult
from scoring.outofcore.stats import Pass2Stats, Stats
from scoring.scheme.load import Scheme, merge_scheme_dicts, scheme_from_dict


# ------------------------------------------------------------------------------------------------------------
# dask.dataframe
# ------------------------------------------------------------------------------------------------------------
def _score_partition(part: pd.DataFrame, scheme: Scheme) -> pd.DataFrame:
    return score(part, scheme).to_frame()


def score_ddf(ddf: Any, scheme: Scheme) -> Any:
    """Per-row scores of a typed dask DataFrame: ``map_partitions`` calls :func:`scoring.score` on each."""
    meta = _score_partition(ddf._meta_nonempty, scheme).iloc[:0]
    return ddf.map_partitions(_score_partition, scheme, meta=meta)


def _frame_context(scheme: Scheme, quota: int | None, threshold: float | None, ties: Any) -> Context:
    return make_context(scheme, n_total=0, source="dask dataframe", skip_invalid=False, drop_identifiers=False,
                        admission=True, quota=quota, threshold=threshold, ties=ties, id_batches=lambda cols: [],
                        columns=[])


def _with_admitted(scored: pd.DataFrame, plan: Plan, scheme: Scheme) -> pd.DataFrame:
    admitted, _ = pass2_batch(scored, plan, [i.id for i in scheme.items])
    out = public_frame(scored, scheme)
    out[ADMIT_COLUMNS[0]] = admitted
    return out


def admit_ddf(ddf: Any, scheme: Scheme, *, quota: int | None = None, threshold: float | None = None,
              ties: Any = None) -> tuple[OutOfCoreResult, Any]:
    """Admit from a typed dask DataFrame with the exact global cut-off: (report, per-row dask DataFrame).

    The index labels must be unique across partitions (lottery keys depend on them). Scored partitions are
    persisted on the cluster; only histograms, counts and the tied band come back to the client.
    """
    ctx = _frame_context(scheme, quota, threshold, ties)
    scored = [dask.delayed(score_frame, nout=3)(p, ctx) for p in ddf.to_delayed()]
    scored = dask.persist(*scored)
    stats = Stats.empty(scheme)
    for s in dask.compute(*[s[1] for s in scored]):
        stats = stats.merge(s)
    plan = make_plan(ctx, stats)
    if plan.needs_band:
        bands = dask.compute(*[dask.delayed(band_rows)(s[0], plan) for s in scored])
        plan = finish_plan(plan, pd.concat(bands), stats)
    p2 = Pass2Stats.empty(scheme)
    for _, s in dask.compute(*[dask.delayed(pass2_batch, nout=2)(s[0], plan, [i.id for i in scheme.items])
                               for s in scored]):
        p2 = p2.merge(s)
    import dask.dataframe as dd

    meta = _score_partition(ddf._meta_nonempty, scheme).iloc[:0].assign(admitted=np.zeros(0, dtype=bool))
    per_row = dd.from_delayed([dask.delayed(_with_admitted)(s[0], plan, scheme) for s in scored], meta=meta)
    return OutOfCoreResult.build(ctx, stats, plan, p2), per_row


# ------------------------------------------------------------------------------------------------------------
# Replications and parameter sweeps
# ------------------------------------------------------------------------------------------------------------
def run_replication(scheme: dict[str, Any], overrides: dict[str, Any], seed: int, n: int,
                    quota: int | None = None, threshold: float | None = None) -> dict[str, Any]:
    """One sweep point: scheme dict + overrides, a synthetic population of ``n`` for ``seed``, score + admit."""
    from scoring.population.synthetic import synth

    sch = scheme_from_dict(merge_scheme_dicts(scheme, overrides))
    res = score(synth(n, seed), sch)
    adm = admit(res, quota=quota, threshold=threshold)
    dom = dominance(res, sch, admitted=adm)
    return {"seed": seed, "overrides": overrides, **res.summary(), **adm.summary(),
            "dominance": {k: dom.to_dict()[k] for k in ("design", "realised_eligible", "realised_admitted",
                                                        "decisive", "ok")}}


def sweep(scheme: dict[str, Any], points: Sequence[tuple[dict[str, Any], int]], n: int, *,
          quota: int | None = None, threshold: float | None = None, client: Client | None = None,
          scheduler_address: str | None = None, **cluster_kw: Any) -> list[dict[str, Any]]:
    """:func:`run_replication` for each (overrides, seed) point, spread over the cluster; results in input order."""
    with cluster_client(client, scheduler_address, **cluster_kw) as c:
        futures = c.map(run_replication, [scheme] * len(points), [o for o, _ in points], [s for _, s in points],
                        n=n, quota=quota, threshold=threshold, pure=False)
        return c.gather(futures)


def simulate_many_dask(pop: pd.DataFrame, scheme: Scheme, rules: Sequence[Any], params: Any = None, *,
                       replications: int = 1, seed: int = 0, client: Client | None = None,
                       scheduler_address: str | None = None, cluster_kw: dict[str, Any] | None = None,
                       **kwargs: Any) -> Any:
    """:func:`scoring.dynamics.core.simulate_many` with the replications spread over the cluster (same results)."""
    from scoring.dynamics.core import MonteCarlo, simulate

    with cluster_client(client, scheduler_address, **(cluster_kw or {})) as c:
        [pop_f] = c.scatter([pop], broadcast=True)
        futures = [c.submit(simulate, pop_f, scheme, list(rules), params, seed=seed, replication=r, pure=False,
                            **kwargs) for r in range(replications)]
        sims = c.gather(futures)

    def cat(name: str) -> pd.DataFrame:
        return pd.concat([getattr(s, name).assign(rep=r) for r, s in enumerate(sims)], ignore_index=True)

    return MonteCarlo(cat("yearly"), cat("composition"), cat("waiting"), replications, list(rules),
                      float(kwargs.get("ratio", 1.0)))
