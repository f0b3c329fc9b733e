"""Dask benchmark: `admit --out` of a synthetic 10M-person Parquet file (beijing-2020, quota 6,000) by the chunked
engine, by Dask on a LocalCluster of 2 worker processes (`--scheduler local`, as the README row measures) and by Dask
on a LocalCluster of 2 worker threads in the client's process (the other design: no processes, one GIL), each in a
new process, alternating, best of ``--rounds``; the three must admit the same people.

    python benchmarks/bench_dask.py --n 10000000 --dir /tmp/bench [--rounds 2]

Prints one JSON line per run (wall, CPU seconds of the process and its children, peak RSS of the process tree, the
1-minute load average before it), then one line with the best of each and whether the answers agree. CPU seconds
matter on a shared machine: the wall times move with the load.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_datapath import QUOTA, SCHEME, load_average, population_file  # noqa: E402
from bench_outofcore import PeakRSS  # noqa: E402

RUNS: dict[str, list[str]] = {
    "chunked": ["-m", "scoring", "admit", "--engine", "chunked"],
    "dask_2_processes": ["-m", "scoring", "admit", "--scheduler", "local"],
    "dask_2_threads": [str(Path(__file__).resolve()), "--child-threads"],
}
KEYS = ("rows_in", "scored", "rejected", "eligible", "admitted", "cutoff", "tied_at_cutoff")


def _child_threads(population: str, out: str) -> None:
    """The Dask engine on a LocalCluster of 2 threads in this process (``processes=False``); prints the summary."""
    import scoring
    from scoring.outofcore.distributed import run_dask
    from scoring.safe_output import atomic_path

    with atomic_path(out) as tmp:
        res = run_dask(scoring.load_scheme(SCHEME), population, None, quota=QUOTA, out_file=tmp, index=False,
                       processes=False, n_workers=2, threads_per_worker=1)
    print(json.dumps(res.summary(), default=str))


def run_once(name: str, population: Path, out: Path) -> dict[str, Any]:
    """One run in a new process: wall, CPU (user + system of the process and its children), peak RSS, summary."""
    cmd = [sys.executable, *RUNS[name], "--population", str(population), "--out", str(out)]
    if name != "dask_2_threads":
        cmd += ["--scheme", str(SCHEME), "--quota", str(QUOTA), "--json"]
    load = load_average()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    with PeakRSS(interval=0.1) as rss:
        done = subprocess.run(cmd, check=True, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    out.unlink(missing_ok=True)
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    return {"run": name, "load_avg": load, "seconds": round(seconds, 2),
            "cpu_s": round(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, 2),
            "peak_rss_mb": round(rss.peak / 1e6), **{k: summary.get(k) for k in KEYS}}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=10_000_000)
    p.add_argument("--dir", type=Path, default=Path("/tmp/bench"))
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--runs", default=",".join(RUNS), help="comma-separated: " + ", ".join(RUNS))
    p.add_argument("--child-threads", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--population", help=argparse.SUPPRESS)
    p.add_argument("--out", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child_threads:
        _child_threads(args.population, args.out)
        return
    population = population_file(args.n, args.dir)
    names = [r for r in args.runs.split(",") if r]
    best: dict[str, dict[str, Any]] = {}
    for _ in range(args.rounds):
        for name in names:
            got = run_once(name, population, population.with_suffix(f".{name}.parquet"))
            print(json.dumps(got), flush=True)
            if name not in best or got["seconds"] < best[name]["seconds"]:
                best[name] = got
    answers = {json.dumps({k: v[k] for k in KEYS}, sort_keys=True) for v in best.values()}
    print(json.dumps({"best": {k: {m: v[m] for m in ("seconds", "cpu_s", "peak_rss_mb", "load_avg")}
                               for k, v in best.items()}, "identical": len(answers) == 1}))


if __name__ == "__main__":
    main()
