"""The Dask clusters of the out-of-core engine (:mod:`scoring.outofcore.distributed`): a client of an existing cluster,
or a LocalCluster started for one run and set up to cost little beside the work (workers forked from a forkserver
that imported the engine once, slow housekeeping timers, no profiler)."""

from __future__ import annotations

import contextlib
import multiprocessing
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import dask
from dask.distributed import Client, LocalCluster

from scoring.errors import PopulationError

PRELOAD = ("pyarrow.parquet", "scoring.outofcore.distributed", "scoring.engine.numba_kernel")


def start_method() -> str:
    """How a LocalCluster's worker processes start: ``forkserver`` where the platform has it (Linux), else Dask's
    setting (a start method set in Dask's configuration, other than its default ``spawn``, wins).

    A spawned worker imports pandas, pyarrow, Dask and the scoring kernel itself (measured on 10M rows: ~1.3 CPU-s
    a worker, and the cluster took 1-3 s to start and 1-2 s to close). A forkserver imports them once
    (:data:`PRELOAD`, see :func:`start_forkserver`) and forks each worker from its single thread. Forking the
    client itself would be cheaper still but is not safe: the client has threads (Dask's event loop among them), and
    a worker forked while one of them held a lock (seen: stderr's) waits for it forever.
    """
    configured = dask.config.get("distributed.worker.multiprocessing-method", "spawn")
    if configured != "spawn" or sys.platform != "linux" or "forkserver" not in multiprocessing.get_all_start_methods():
        return configured
    return "forkserver"


def start_forkserver() -> bool:
    """Start the forkserver now (its imports run beside the client's work until the first worker is needed), with
    Dask's own preload list and :data:`PRELOAD`; True if this call started it. No-op unless :func:`start_method` is
    ``forkserver``; the list only counts if no forkserver of this process has started yet."""
    if start_method() != "forkserver":
        return False
    from multiprocessing import forkserver

    from distributed.utils import get_mp_context

    server = forkserver._forkserver
    if getattr(server, "_forkserver_pid", None) is not None:
        return False
    with dask.config.set({"distributed.worker.multiprocessing-method": "forkserver"}):
        get_mp_context()  # Dask sets its preload list once, here, and not again after ours
    dask_list = list(getattr(server, "_preload_modules", []))
    forkserver.set_forkserver_preload([*dask_list, *(m for m in PRELOAD if m not in dask_list)])
    forkserver.ensure_running()
    return True


@contextmanager
def own_forkserver(start: bool = True) -> Iterator[None]:
    """With ``start``, a forkserver for one run: started now (:func:`start_forkserver`) and, if this started it,
    stopped and waited for afterwards, so its imports and its workers count as this process's children (CPU
    accounting) and no server outlives the run."""
    started = start and start_forkserver()
    try:
        yield
    finally:
        if started:
            from multiprocessing import forkserver

            with contextlib.suppress(Exception):  # private in the standard library (used by its own tests)
                forkserver._forkserver._stop()


# A LocalCluster's settings beyond Dask's defaults. The housekeeping timers are slowed: measured idle, Dask's defaults
# (a 20 ms event-loop tick in every server, a system monitor every 0.5 s, a memory check every 0.1 s) cost the
# client ~0.045 and each worker ~0.022 CPU-s per second of the run; these settings, ~0.01 and ~0.005.
QUIET_CLUSTER: dict[str, Any] = {
    "distributed.worker.daemon": False,
    "distributed.worker.profile.enabled": False,  # the statistical profiler only feeds the dashboard
    "distributed.admin.tick.interval": "1s",  # only warns of a blocked event loop (after 3 s)
    "distributed.admin.system-monitor.interval": "2s",  # CPU/network figures for the dashboard
    "distributed.worker.memory.monitor-interval": "500ms",  # spill / pause / terminate checks
}


# The scheduler serves HTTP (health, metrics) even without a dashboard, by default on port 8787, and warns on stderr
# ("Port 8787 is already in use") when another cluster holds it: a free local port instead, so a run prints nothing.
SCHEDULER_HTTP: dict[str, Any] = {"dashboard_address": "127.0.0.1:0"}


def make_client(scheduler_address: str | None = None, *, n_workers: int = 2, threads_per_worker: int = 1,
                processes: bool = True, memory_limit: str | int = "auto") -> Client:
    """A client of the cluster at ``scheduler_address``, or of a new LocalCluster (no dashboard, free ports; worker
    processes started by :func:`start_method`; :data:`QUIET_CLUSTER`)."""
    if scheduler_address:
        try:
            return Client(scheduler_address, timeout="20s")
        except (OSError, TimeoutError) as exc:
            raise PopulationError(f"--scheduler: cannot reach the Dask scheduler at {scheduler_address}: "
                                  f"{type(exc).__name__}") from None
    if processes:
        start_forkserver()
    with dask.config.set({**QUIET_CLUSTER, "distributed.worker.multiprocessing-method": start_method()}):
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=threads_per_worker, processes=processes,
                               dashboard_address=None, scheduler_port=0, memory_limit=memory_limit,
                               scheduler_kwargs=SCHEDULER_HTTP)
    return Client(cluster)


@contextmanager
def cluster_client(client: Client | None = None, scheduler_address: str | None = None, **kw: Any
                   ) -> Iterator[Client]:
    """Use ``client`` as given, or make one (and close it and its LocalCluster afterwards)."""
    if client is not None:
        yield client
        return
    made = make_client(scheduler_address, **kw)
    try:
        yield made
    finally:
        local = made.cluster if scheduler_address is None else None
        made.close()
        if local is not None:
            local.close()
