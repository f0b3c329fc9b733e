"""Benchmark: score 1M and 10M people under beijing-2020 and print the figures (never asserted anywhere).

    /work/venv/bin/python benchmarks/bench_engine.py                       # 1M and 10M, 7 repeats, with the peer
    /work/venv/bin/python benchmarks/bench_engine.py --sizes 1000000 --no-peer
    /work/venv/bin/python benchmarks/bench_engine.py --sizes 1000000 --engines numpy --no-compile

Prints the numba kernel's compile time (a fresh cache in a new process, then a warm cache), then, for each size
and each engine (numba: the fused kernel; numpy: whole-column numpy in row blocks): people per second (best and
median of the repeats; the machine is shared, so the best is
the fairer figure for the code and the median for the day); the ratio to the memory floor (numpy reading each input
column once and writing one float32 column per item, threaded over the same blocks as the engine, and
single-threaded); the ratio to OpenFisca-Core computing the same scheme on the same data (run in /work/venv-bench
via benchmarks/openfisca_peer.py, its totals checked against ours); quota selection time (quota 6000); and peak
working memory per person beyond the input (tracemalloc: numpy reports its buffers to it).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scoring import admit, load_scheme, score  # noqa: E402
from scoring.engine.core import _THREADS, BLOCK_ROWS, ENGINES  # noqa: E402

SCHEME = ROOT / "scenarios/schemes/beijing-2020.yaml"
PEER_PYTHON = Path(os.environ.get("BENCH_PEER_PYTHON", "/work/venv-bench/bin/python"))


def population(n: int, seed: int = 7) -> pd.DataFrame:
    """scoring.population.synthetic if it is there, else plain numpy columns of the same types."""
    try:
        from scoring.population.synthetic import synth
    except ImportError:
        synth = None
    if synth is not None:
        return synth(n, seed)
    rng = np.random.default_rng(seed)
    edu = ["none", "junior_secondary", "senior_secondary", "associate", "bachelor", "master", "doctor"]
    age = rng.integers(18, 66, n).astype(np.uint8)
    ins = (np.floor(rng.uniform(0, 1, n) * (age - 16) * 12) / 12).astype(np.float32)
    return pd.DataFrame({
        "age": age, "education": pd.Categorical.from_codes(rng.integers(0, len(edu), n), edu),
        "insurance_years": ins, "has_residence_permit": rng.uniform(0, 1, n) < 0.8,
        "owned_home_years": (ins * (rng.uniform(0, 1, n) < 0.3)).astype(np.float32),
        "rented_home_years": (ins * rng.uniform(0, 1, n)).astype(np.float32),
        "outside_core_years": np.floor(rng.uniform(0, 8, n)).astype(np.float32),
        "innovation_points": (rng.integers(0, 15, n) * (rng.uniform(0, 1, n) < 0.1)).astype(np.uint8),
        "tax_years_high": (rng.integers(0, 4, n) * (rng.uniform(0, 1, n) < 0.2)).astype(np.uint8),
        "has_honour": rng.uniform(0, 1, n) < 0.02, "detentions": (rng.uniform(0, 1, n) < 0.01).astype(np.uint8),
    })


CPU_BEST: dict[str, float] = {}


def timed(fn: Callable[[], object], repeats: int, label: str = "") -> tuple[float, float]:
    """Best and median wall time of ``repeats`` calls (the best CPU time, all threads, goes to CPU_BEST[label])."""
    times, cpu = [], []
    for _ in range(repeats):
        gc.collect()
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    CPU_BEST[label] = min(cpu)
    return min(times), statistics.median(times)


def input_arrays(pop: pd.DataFrame, columns: list[str]) -> list[np.ndarray]:
    """The scheme's input columns as numpy arrays (category codes for categoricals), without copying."""
    out = []
    for c in columns:
        s = pop[c]
        out.append(np.asarray(s.array.codes) if isinstance(s.dtype, pd.CategoricalDtype) else s.to_numpy())
    return out


FLOOR_BLOCK = 1 << 18


def memory_floor(arrays: list[np.ndarray], n_items: int, threads: int) -> None:
    """Read each input column once and write one fresh float32 column per item, over row blocks."""
    outs = [np.empty(len(arrays[0]), dtype=np.float32) for _ in range(n_items)]

    def block(start: int) -> None:
        sl = slice(start, start + FLOOR_BLOCK)
        for k, arr in enumerate(arrays):
            outs[k % n_items][sl] = arr[sl]  # read once (cast to float32 on the way)
        for k in range(len(arrays), n_items):
            outs[k][sl] = 0.0

    starts = range(0, len(arrays[0]), FLOOR_BLOCK)
    if threads > 1:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(block, starts))
    else:
        for s in starts:
            block(s)


def run_peer(arrays: dict[str, np.ndarray], categories: list[str], repeats: int) -> tuple[dict | None, np.ndarray]:
    """Run OpenFisca in its own venv on the same columns; return its timings and its (total cents, eligible)."""
    if not PEER_PYTHON.exists():
        return None, np.empty(0)
    with tempfile.TemporaryDirectory() as tmp:
        data, out = Path(tmp) / "cols.npz", Path(tmp) / "peer.npy"
        np.savez(data, education_categories=np.array(categories), **arrays)
        proc = subprocess.run([str(PEER_PYTHON), str(ROOT / "benchmarks/openfisca_peer.py"), "--data", str(data),
                               "--out", str(out), "--repeats", str(repeats)], capture_output=True, text=True)
        if proc.returncode != 0:
            print(f"  OpenFisca peer failed: {proc.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
            return None, np.empty(0)
        return json.loads(proc.stdout.strip().splitlines()[-1]), np.load(out)


def peer_inputs(pop: pd.DataFrame) -> tuple[dict[str, np.ndarray], list[str]]:
    cols = {c: pop[c].to_numpy(dtype=np.float32) for c in (
        "age", "insurance_years", "owned_home_years", "rented_home_years", "outside_core_years",
        "innovation_points", "tax_years_high", "detentions")}
    cols["has_residence_permit"] = pop["has_residence_permit"].to_numpy(dtype=bool)
    cols["has_honour"] = pop["has_honour"].to_numpy(dtype=bool)
    edu = pop["education"].astype("category")
    cols["education_code"] = np.asarray(edu.cat.codes, dtype=np.int32)
    return cols, [str(c) for c in edu.cat.categories]


def compile_times() -> None:
    """First score() in a new process: with an empty numba cache (compiles), then with the cache just written."""
    code = ("import time; t0 = time.perf_counter(); import scoring; from scoring.population.synthetic import synth; "
            f"t1 = time.perf_counter(); pop = synth(1000, 1); sch = scoring.load_scheme({str(SCHEME)!r}); "
            "t2 = time.perf_counter(); scoring.score(pop, sch, engine='numba'); t3 = time.perf_counter(); "
            "print(f'{t1 - t0:.2f} {t3 - t2:.2f}')")
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache, "PYTHONPATH": str(ROOT)}
        for label in ("fresh cache (compiles)", "warm cache (loads)"):
            proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
            if proc.returncode != 0:
                print(f"compile time: failed: {proc.stderr.strip().splitlines()[-1:]}")
                return
            imp, first = proc.stdout.split()
            print(f"numba first score() in a new process, {label}: {float(first):.2f} s (import scoring {imp} s)")


def bench(n: int, repeats: int, peer: bool, peer_repeats: int, engines: list[str]) -> None:
    scheme = load_scheme(SCHEME)
    t0 = time.perf_counter()
    pop = population(n)
    columns = scheme.columns()
    pop = pop[columns].copy()
    arrays = input_arrays(pop, columns)
    in_bytes = sum(a.nbytes for a in arrays)
    print(f"\n== {n:,} people, scheme {scheme.id} ({len(scheme.items)} items, {len(columns)} input columns, "
          f"{in_bytes / n:.0f} bytes/person of input; built in {time.perf_counter() - t0:.1f} s; "
          f"{_THREADS} threads, blocks of {BLOCK_ROWS:,} rows)")

    fl_best, fl_med = timed(lambda: memory_floor(arrays, len(scheme.items), _THREADS), repeats)
    f1_best, f1_med = timed(lambda: memory_floor(arrays, len(scheme.items), 1), repeats, "floor1")
    floor, floor_med = min(fl_best, f1_best), min(fl_med, f1_med)
    print(f"  memory floor: best {floor:.3f} s ({_THREADS} threads {fl_best:.3f} s, median {fl_med:.3f}; 1 thread "
          f"{f1_best:.3f} s, median {f1_med:.3f}; CPU time 1 thread {CPU_BEST['floor1']:.3f} s)")

    timings: dict[str, tuple[float, float]] = {}
    kept = None
    for engine in engines:
        score(pop, scheme, engine=engine)  # warm up (and compile, if the cache is cold)
        best, med = timed(lambda e=engine: score(pop, scheme, engine=e), repeats, engine)
        timings[engine] = (best, med)
        print(f"  score [{engine}]: best {best:.3f} s ({n / best / 1e6:.1f} M people/s), median {med:.3f} s; "
              f"CPU (all threads) best {CPU_BEST[engine]:.3f} s (CPU/wall {CPU_BEST[engine] / best:.2f}: below 1.5 "
              f"means the other core was busy) -> engine/floor {best / floor:.2f}x best/best, "
              f"{med / floor_med:.2f}x median/median; CPU time engine/1-thread floor "
              f"{CPU_BEST[engine] / CPU_BEST['floor1']:.2f}x")
        gc.collect()
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        kept = score(pop, scheme, engine=engine)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        out_bytes = sum(v.nbytes for v in kept.item_cents.values()) + kept.total_cents.nbytes + \
            kept.eligible_mask.nbytes + kept.reason_codes.nbytes
        print(f"    working memory beyond the input: peak {(peak - base) / n:.1f} bytes/person "
              f"(of which the result {out_bytes / n:.1f}; transient {(peak - base - out_bytes) / n:.1f})")
    if len(engines) == 2:
        print(f"  numpy/numba: {timings['numpy'][0] / timings['numba'][0]:.2f}x best/best, "
              f"{timings['numpy'][1] / timings['numba'][1]:.2f}x median/median")
    assert kept is not None

    adm_best, adm_med = timed(lambda: admit(kept, quota=6000), repeats)
    adm = admit(kept, quota=6000)
    print(f"  admit quota 6000: best {adm_best * 1000:.1f} ms, median {adm_med * 1000:.1f} ms "
          f"({kept.eligible_mask.sum():,} eligible, {adm.admitted_count:,} admitted, cut-off {adm.cutoff})")

    if peer:
        cols, cats = peer_inputs(pop)
        info, peer_out = run_peer(cols, cats, peer_repeats)
        if info is None:
            print("  OpenFisca: not run (create /work/venv-bench: see requirements-bench.txt)")
            return
        same_total = np.array_equal(peer_out[0], kept.total_cents)
        same_elig = np.array_equal(peer_out[1].astype(bool), kept.eligible_mask)
        print(f"  OpenFisca-Core: best {info['best_s']:.3f} s, median {info['median_s']:.3f} s, CPU best "
              f"{info['cpu_best_s']:.3f} s; same totals: {same_total}, same eligibility: {same_elig}")
        for engine, (best, med) in timings.items():
            print(f"    [{engine}] is {info['best_s'] / best:.1f}x faster best/best, {info['median_s'] / med:.1f}x "
                  f"median/median, {info['cpu_best_s'] / CPU_BEST[engine]:.1f}x in CPU time")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--peer-repeats", type=int, default=3)
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--engines", nargs="+", choices=ENGINES, default=list(ENGINES))
    parser.add_argument("--no-compile", action="store_true", help="skip the compile-time measurement")
    args = parser.parse_args()
    try:
        import numba
        nb = f"numba {numba.__version__} ({numba.config.NUMBA_NUM_THREADS} threads)"
    except ImportError:
        nb = "numba not installed"
        args.engines = [e for e in args.engines if e != "numba"]
    print(f"numpy {np.__version__}, pandas {pd.__version__}, {nb}, {os.cpu_count()} CPUs; load "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if "numba" in args.engines and not args.no_compile:
        compile_times()
    for n in args.sizes:
        bench(n, args.repeats, not args.no_peer, args.peer_repeats, args.engines)


if __name__ == "__main__":
    main()
