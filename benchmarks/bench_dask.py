"""Dask benchmark: score + admit a synthetic Parquet population on a LocalCluster with 1 worker and with 2 workers
(one thread each), and compare with the chunked single-process engine; the answers must be identical.

    python benchmarks/bench_dask.py --n 10000000 --dir /work/bench [--keep]

Prints one JSON line per run: rows, seconds, rows/s, peak RSS of the process tree (client + scheduler + workers),
admitted, cut-off and ties; then whether the three runs agree.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_outofcore import QUOTA, SCHEME, PeakRSS, generate  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=10_000_000)
    p.add_argument("--dir", type=Path, default=Path("/work/bench"))
    p.add_argument("--partition-rows", type=int, default=1 << 20)
    p.add_argument("--keep", action="store_true")
    args = p.parse_args()

    import scoring
    from scoring.outofcore.chunked import admit_file_chunked
    from scoring.outofcore.distributed import admit_file_dask, make_client

    args.dir.mkdir(parents=True, exist_ok=True)
    path = args.dir / f"pop_dask_{args.n}.parquet"
    if not path.exists():
        generate(args.n, path, 1_000_000, 2025)
    scheme = scoring.load_scheme(SCHEME)
    results = {}
    try:
        for label in ("chunked", "dask-1-worker", "dask-2-workers"):
            t0 = time.perf_counter()
            with PeakRSS() as rss:
                if label == "chunked":
                    res = admit_file_chunked(scheme, path, None, quota=QUOTA, chunk_rows=args.partition_rows,
                                             workdir=args.dir)
                else:
                    workers = 1 if label == "dask-1-worker" else 2
                    client = make_client(n_workers=workers, threads_per_worker=1, processes=True)
                    try:
                        res = admit_file_dask(scheme, path, None, quota=QUOTA, client=client, workdir=args.dir,
                                              rows_per_partition=args.partition_rows)
                    finally:
                        cluster = client.cluster
                        client.close()
                        cluster.close()
            seconds = time.perf_counter() - t0
            s = res.summary()
            results[label] = {k: s[k] for k in ("rows_in", "admitted", "cutoff", "tied_at_cutoff",
                                                "decided_by_tiebreak")}
            print(json.dumps({"run": label, "rows": s["rows_in"], "seconds": round(seconds, 1),
                              "rows_per_s": round(s["rows_in"] / seconds), "peak_rss_gb": round(rss.peak / 1024**3, 2),
                              **results[label]}), flush=True)
    finally:
        if not args.keep:
            path.unlink(missing_ok=True)
    print(json.dumps({"identical": len({json.dumps(v, sort_keys=True) for v in results.values()}) == 1}))


if __name__ == "__main__":
    main()
