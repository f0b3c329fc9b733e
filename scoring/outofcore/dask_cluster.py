"""The Dask clusters of the out-of-core engine (:mod:`scoring.outofcore.distributed`): a client of an existing cluster,
or a LocalCluster started for one run and set up to cost little beside the work (workers forked from a forkserver
that imported the engine once, slow housekeeping timers, no profiler)."""

from __future__ import annotations

import contextlib
import importlib.util
import multiprocessing
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from scoring.errors import PopulationError

if TYPE_CHECKING:
    from dask.distributed import Client

# What the forkserver imports before it forks a worker: Dask's own list (see distributed.utils.get_mp_context) and
# the engine's modules. Not numba: loading it and its cached kernel took the server 0.6 s more (the start of the
# cluster waits for the server), and below STARTUP_NUMBA_ROWS the workers score with numpy (run_dask).
DASK_PRELOAD = ("distributed", "dask", "msgpack", "cloudpickle", "tornado", "toolz", "numpy", "pandas", "lz4")
PRELOAD = ("pyarrow.parquet", "scoring.outofcore.distributed")


def start_method() -> str:
    """How a LocalCluster's worker processes start: ``forkserver`` where the platform has it (Linux), else Dask's
    setting (a start method set in Dask's configuration, other than its default ``spawn``, wins).

    A spawned worker imports pandas, pyarrow, Dask and the scoring kernel itself (measured on 10M rows: ~1.3 CPU-s
    a worker, and the cluster took 1-3 s to start and 1-2 s to close). A forkserver imports them once
    (:data:`PRELOAD`, see :func:`start_forkserver`) and forks each worker from its single thread. Forking the
    client itself would be cheaper still but is not safe: the client has threads (Dask's event loop among them), and
    a worker forked while one of them held a lock (seen: stderr's) waits for it forever.
    """
    import dask.config

    configured = dask.config.get("distributed.worker.multiprocessing-method", "spawn")
    if configured != "spawn" or sys.platform != "linux" or "forkserver" not in multiprocessing.get_all_start_methods():
        return configured
    return "forkserver"


def preload_modules() -> list[str]:
    """The forkserver's preload list: Dask's (the packages of :data:`DASK_PRELOAD` that are installed, found without
    importing them, as ``distributed.utils.get_mp_context`` lists them) and then :data:`PRELOAD`."""
    found = [m for m in dict.fromkeys(DASK_PRELOAD) if importlib.util.find_spec(m) is not None]
    return [*found, *(m for m in PRELOAD if m not in found)]


def start_forkserver(*, configured: bool = True) -> bool:
    """Start the forkserver now (its imports run beside the client's work until the first worker is needed), with
    :func:`preload_modules`; True if this call started it. No-op unless :func:`start_method` is ``forkserver``
    (``configured=False``: unless the platform has no forkserver; Dask's configuration is not read, which takes
    0.1 s); the list only counts if no forkserver of this process has started yet. Imports neither Dask nor pandas
    (the command line calls it before its own imports: :func:`prestart`)."""
    if sys.platform != "linux" or "forkserver" not in multiprocessing.get_all_start_methods():
        return False
    if configured and start_method() != "forkserver":
        return False
    from multiprocessing import forkserver

    server = forkserver._forkserver
    if getattr(server, "_forkserver_pid", None) is not None:
        return False
    forkserver.set_forkserver_preload(preload_modules())
    forkserver.ensure_running()
    return True


_prestarted = False  # the forkserver was started by prestart() and is the next own_forkserver()'s to stop


def prestart() -> None:
    """Start the forkserver of a LocalCluster that this process is about to run (``--scheduler local``) before the
    command's own imports and reading: the server's imports (Dask, pandas, pyarrow, the engine: about 1.1 CPU-s)
    run on the other core meanwhile, and the cluster waits less for its workers. Dask's configuration is read
    later (a start method other than the forkserver configured there leaves this server unused). The next
    :func:`own_forkserver` stops it."""
    global _prestarted
    if start_forkserver(configured=False):
        _prestarted = True


def discard_prestarted() -> None:
    """Stop a forkserver that :func:`prestart` started and no run used (the command ended before its cluster)."""
    global _prestarted
    if _prestarted:
        _prestarted = False
        stop_forkserver()


def stop_forkserver() -> None:
    """Stop this process's forkserver and reap it, at once: its workers have ended (and were reaped by it, so their
    CPU counts as this process's children's); the server itself holds nothing to save, and a normal exit spent
    0.5-0.7 s unloading its modules (pandas, pyarrow, Dask)."""
    from multiprocessing import forkserver

    server = forkserver._forkserver
    pid = getattr(server, "_forkserver_pid", None)
    if pid is None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)  # the forkserver leaves SIGTERM at its default: the process ends here
    with contextlib.suppress(Exception):  # private in the standard library (used by its own tests)
        server._stop()  # closes the alive pipe, waits for the process, removes the socket


@contextmanager
def own_forkserver(start: bool = True) -> Iterator[None]:
    """With ``start``, a forkserver for one run: started now (:func:`start_forkserver`, or already by
    :func:`prestart`) and, if so, stopped and waited for afterwards (:func:`stop_forkserver`), so its imports and
    its workers count as this process's children (CPU accounting) and no server outlives the run."""
    global _prestarted
    started = start and (start_forkserver() or _prestarted)
    if start:
        _prestarted = False
    try:
        yield
    finally:
        if started:
            stop_forkserver()


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
    from dask.distributed import Client

    if scheduler_address:
        try:
            return Client(scheduler_address, timeout="20s")
        except (OSError, TimeoutError) as exc:
            raise PopulationError(f"--scheduler: cannot reach the Dask scheduler at {scheduler_address}: "
                                  f"{type(exc).__name__}") from None
    import dask.config
    from dask.distributed import LocalCluster

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


class BackgroundClose:
    """Close ``stack`` (a run's cluster and its forkserver) on a second thread while this one goes on (pass 2);
    :meth:`wait` for it before leaving the stack's ``with`` block (closing it again is then a no-op)."""

    def __init__(self, stack: contextlib.ExitStack) -> None:
        import threading

        self._failed: list[BaseException] = []
        self._thread = threading.Thread(target=self._close, args=(stack,), name="scoring-cluster-close")
        self._thread.start()

    def _close(self, stack: contextlib.ExitStack) -> None:
        try:
            stack.close()
        except BaseException as exc:
            self._failed.append(exc)

    def wait(self, quiet: bool = False) -> None:
        """Wait for the close; raise what it raised unless ``quiet`` (the work meanwhile failed: its error wins)."""
        self._thread.join()
        if self._failed and not quiet:
            raise self._failed[0]
