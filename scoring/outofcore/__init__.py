"""Out-of-core scoring: plan, stream chunks, accumulate statistics and results (also distributed).

Public names load from their submodules on first use (keeps imports light and cycle-free).
"""

from __future__ import annotations

from scoring.lazy_exports import lazy_exports

_EXPORTS = {
    "Context": "scoring.outofcore.core",
    "FrameWriter": "scoring.outofcore.files",
    "Hist": "scoring.outofcore.stats",
    "OutOfCoreResult": "scoring.outofcore.result",
    "Part": "scoring.outofcore.distributed",
    "Pass2Stats": "scoring.outofcore.stats",
    "Plan": "scoring.outofcore.plan",
    "RejectedWriter": "scoring.outofcore.files",
    "Stats": "scoring.outofcore.stats",
    "admit_ddf": "scoring.outofcore.dask_frames",
    "admit_file_chunked": "scoring.outofcore.chunked",
    "admit_file_dask": "scoring.outofcore.distributed",
    "available_memory": "scoring.outofcore.chunked",
    "band_rows": "scoring.outofcore.plan",
    "choose_engine": "scoring.outofcore.chunked",
    "cluster_client": "scoring.outofcore.distributed",
    "data_columns": "scoring.outofcore.files",
    "design_items": "scoring.outofcore.stats",
    "FactsNeeded": "scoring.outofcore.core",
    "HashSpill": "scoring.outofcore.ids",
    "find_duplicate_ids": "scoring.outofcore.ids",
    "find_facts": "scoring.outofcore.core",
    "finish_plan": "scoring.outofcore.plan",
    "is_parquet": "scoring.outofcore.chunked",
    "iter_raw": "scoring.outofcore.files",
    "iter_written": "scoring.outofcore.files",
    "make_client": "scoring.outofcore.distributed",
    "make_context": "scoring.outofcore.core",
    "make_plan": "scoring.outofcore.plan",
    "parquet_uncompressed_bytes": "scoring.outofcore.chunked",
    "pass1_batch": "scoring.outofcore.core",
    "pass2_batch": "scoring.outofcore.plan",
    "pass2_file": "scoring.outofcore.pass2",
    "plan_partitions": "scoring.outofcore.distributed",
    "public_frame": "scoring.outofcore.core",
    "read_part": "scoring.outofcore.distributed",
    "run_chunked": "scoring.outofcore.chunked",
    "run_dask": "scoring.outofcore.distributed",
    "run_replication": "scoring.outofcore.dask_frames",
    "score_ddf": "scoring.outofcore.dask_frames",
    "score_file_chunked": "scoring.outofcore.chunked",
    "score_file_dask": "scoring.outofcore.distributed",
    "score_frame": "scoring.outofcore.core",
    "simulate_many_dask": "scoring.outofcore.dask_frames",
    "sweep": "scoring.outofcore.dask_frames",
    "validate_batch": "scoring.outofcore.core",
}

__all__, __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
