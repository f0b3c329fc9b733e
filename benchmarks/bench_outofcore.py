"""Out-of-core benchmark: generate N synthetic people to Parquet in chunks, score + admit them with the chunked
engine under a peak-memory budget, and compare throughput with the in-memory path on a size that fits.

    python benchmarks/bench_outofcore.py generate --n 100000000 --out /work/bench/pop100m.parquet
    python benchmarks/bench_outofcore.py chunked --population /work/bench/pop100m.parquet
    python benchmarks/bench_outofcore.py memory --population /work/bench/pop5m.parquet
    python benchmarks/bench_outofcore.py all --n 100000000 --memory-n 5000000 --dir /work/bench [--keep]
    python benchmarks/bench_outofcore.py stages --population /tmp/bench/pop10000000.parquet [--groups 4]

Each run prints one JSON line: rows, seconds, rows/s, peak RSS of the whole process tree (sampled from /proc) and
ru_maxrss. ``all`` runs each step in a child process (so peaks are per step) and deletes the files unless --keep.
``stages`` prints the CPU seconds per million rows of each stage of the chunked engine (beijing-2020, quota 6,000),
the stages run one after the other on the first row groups of the file: where the CPU goes.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SCHEME = ROOT / "scenarios" / "schemes" / "hangzhou-2022-illustrative.yaml"
QUOTA = 8_000


class PeakRSS:
    """Samples the resident memory of this process and all its descendants (bytes) and keeps the peak (``peak``:
    RSS, pages shared between processes counted in each); ``peak_pss``: the peak of the descendants' proportional
    set size (each shared page split between the processes sharing it; this process left out), the fairer figure
    for a process tree such as a Dask cluster's forkserver and workers."""

    def __init__(self, interval: float = 0.2) -> None:
        self.peak = 0
        self.peak_pss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(interval,), daemon=True)

    @staticmethod
    def descendants(root: int) -> list[int]:
        """The processes below ``root`` now."""
        children: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                        ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
                    children.setdefault(ppid, []).append(int(entry))
                except (OSError, ValueError, IndexError):
                    continue
        out, stack = [], list(children.get(root, []))
        while stack:
            pid = stack.pop()
            out.append(pid)
            stack.extend(children.get(pid, []))
        return out

    @staticmethod
    def pss(pids: list[int]) -> int:
        """The summed proportional set size of ``pids`` (bytes; /proc/PID/smaps_rollup)."""
        total = 0
        for pid in pids:
            try:
                with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as fh:
                    for line in fh:
                        if line.startswith("Pss:"):
                            total += int(line.split()[1]) * 1024
                            break
            except (OSError, ValueError):
                continue
        return total

    @classmethod
    def tree_rss(cls, root: int) -> int:
        """The summed resident set size of ``root`` and its descendants (bytes)."""
        total = 0
        for pid in [root, *cls.descendants(root)]:
            try:
                with open(f"/proc/{pid}/statm", encoding="ascii") as fh:
                    total += int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            except (OSError, ValueError):
                continue
        return total

    def _run(self, interval: float) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.tree_rss(os.getpid()))
            self.peak_pss = max(self.peak_pss, self.pss(self.descendants(os.getpid())))
            self._stop.wait(interval)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.tree_rss(os.getpid()))


def _maxrss() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _report(what: str, rows: int, seconds: float, peak: int, **extra: object) -> None:
    print(json.dumps({"step": what, "rows": rows, "seconds": round(seconds, 1),
                      "rows_per_s": round(rows / seconds) if seconds else None,
                      "peak_rss_gb": round(peak / 1024**3, 2), "ru_maxrss_gb": round(_maxrss() / 1024**3, 2),
                      **extra}, ensure_ascii=False), flush=True)


def generate(n: int, out: Path, chunk: int, seed: int) -> None:
    """N people from scoring.population.synthetic.synth(chunk, seed + k), ids made unique across chunks."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from scoring.population.load import person_ids
    from scoring.population.synthetic import synth

    t0 = time.perf_counter()
    writer = None
    with PeakRSS() as rss:
        for k, start in enumerate(range(0, n, chunk)):
            frame = synth(min(chunk, n - start), seed + k)
            ids = person_ids(start + frame.index.to_numpy(), width=max(7, len(str(n))))
            frame["person_id"] = pd_series(ids)
            table = pa.Table.from_pandas(frame, preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(out, table.schema, compression="zstd")
            writer.write_table(table, row_group_size=chunk)
        if writer is not None:
            writer.close()
    _report("generate", n, time.perf_counter() - t0, rss.peak, file_gb=round(out.stat().st_size / 1024**3, 2))


def pd_series(ids: object) -> object:
    import pandas as pd

    return pd.Series(ids.array)  # type: ignore[attr-defined]


def run_chunked(population: Path, chunk_rows: int, out: Path) -> None:
    import scoring
    from scoring.outofcore.chunked import admit_file_chunked
    from scoring.outofcore.engine_choice import parquet_uncompressed_bytes

    scheme = scoring.load_scheme(SCHEME)
    t0 = time.perf_counter()
    with PeakRSS() as rss:
        res = admit_file_chunked(scheme, population, out, quota=QUOTA, chunk_rows=chunk_rows, workdir=out.parent)
    s = res.summary()
    _report("chunked", s["rows_in"], time.perf_counter() - t0, rss.peak, chunk_rows=chunk_rows,
            uncompressed_gb=round(parquet_uncompressed_bytes(population) / 1024**3, 2),
            admitted=s["admitted"], cutoff=s["cutoff"], tied=s["tied_at_cutoff"],
            decided=s["decided_by_tiebreak"], decisive=s["dominance"]["decisive"])


def run_memory(population: Path, out: Path) -> None:
    import scoring

    scheme = scoring.load_scheme(SCHEME)
    t0 = time.perf_counter()
    with PeakRSS() as rss:
        pop = scoring.load_population(population)
        res = scoring.score(pop, scheme)
        adm = scoring.admit(res, quota=QUOTA)
        dom = scoring.dominance(res, scheme, admitted=adm)
        frame = res.to_frame()
        frame["admitted"] = adm.admitted_mask
        frame.to_parquet(out)
    s = adm.summary()
    _report("memory", len(pop), time.perf_counter() - t0, rss.peak, admitted=s["admitted"], cutoff=s["cutoff"],
            tied=s["tied_at_cutoff"], decided=s["decided_by_tiebreak"], decisive=dom.decisive)


def stages(population: Path, groups: int) -> None:
    """CPU seconds per million rows of each stage of the chunked engine, run one after the other."""
    import dataclasses
    import tempfile

    import numpy as np
    import pyarrow.parquet as pq

    import scoring
    from scoring.outofcore import core, files, pass2, plan
    from scoring.population.identifiers_arrow import parquet_blocks
    from scoring.population.io import compact_arrow_pool

    compact_arrow_pool()
    scheme = scoring.load_scheme(ROOT / "scenarios" / "schemes" / "beijing-2020.yaml")
    pf = pq.ParquetFile(population)
    ctx = core.make_context(scheme, n_total=pf.metadata.num_rows, source=str(population), skip_invalid=False,
                            drop_identifiers=False, admission=True, quota=6000, threshold=None, ties=None,
                            id_batches=lambda cols: [], columns=files.data_columns(pf), prescan=False)
    ctx = dataclasses.replace(ctx, facts_known=True)
    cpu: dict[str, float] = {}

    def timed(label: str, fn, *a, **k):  # the process's CPU: Arrow's own threads count too
        c0 = time.process_time()
        out = fn(*a, **k)
        cpu[label] = cpu.get(label, 0.0) + time.process_time() - c0
        return out

    groups = min(groups, pf.metadata.num_row_groups)
    rows = sum(pf.metadata.row_group(g).num_rows for g in range(groups))
    blocks = parquet_blocks(str(population), ctx.unread)
    core.pass1_batch(pf.read_row_groups([0], columns=list(ctx.read)).to_pandas(), 0, ctx, compact=True)  # warm-up
    with tempfile.TemporaryDirectory(dir=population.parent) as tmp:
        scratch = files.FrameWriter(Path(tmp) / f"s{files.SCRATCH_SUFFIX}")
        start = 0
        for g in range(groups):
            table = timed("pass 1: decode the columns read", pf.read_row_groups, [g], columns=list(ctx.read),
                          use_threads=False)
            timed("pass 1: decode the columns screened", next, blocks)
            raw = timed("pass 1: Arrow to pandas", table.to_pandas)
            frame, rejected, warnings, _ = timed("pass 1: validate (read_population + ids)", core.validate_batch,
                                                 raw, start, ctx)
            scored, _, _ = timed("pass 1: score + aggregates", core.score_frame, frame, ctx, rows_in=len(raw),
                                 rejected=rejected, warnings=warnings, compact=True)
            timed("pass 1: scratch write (LZ4)", scratch.write, scored.drop(columns=[core.TOTAL, core.GROUP]))
            start += len(raw)
        scratch.close()
        the_plan = plan.Plan(admission=True, rule=ctx.rule, n_eligible=1, cutoff=15325, line=153.25,
                             line_cents=15325, window_cents=500)
        out = files.FrameWriter(Path(tmp) / "out.parquet", index=False)
        public = pass2._Public(scheme, None, "stamp", True)
        schema = None
        for batch in timed("pass 2: scratch read (LZ4)", lambda: list(pass2.iter_scratch(scratch.path))):
            batch = timed("pass 2: totals + points", lambda b=batch: pass2.expanded(pass2.with_totals(b, scheme),
                                                                                      scheme))
            admitted, _ = timed("pass 2: admit", plan.pass2_arrays, lambda c, b=batch: b.column(c).to_numpy(
                zero_copy_only=False), np.arange(len(batch)), the_plan, [i.id for i in scheme.items])
            if schema is None:
                table, out.options = public.fixed(out.arrow(public.frame(batch, admitted)))
                schema = table.schema
            else:
                table = timed("pass 2: output table", public.table, batch, admitted, schema)
            timed("pass 2: Parquet output (zstd)", out.write, table)
        out.close()
    total = sum(cpu.values())
    for label, seconds in cpu.items():
        print(f"{label:44s} {seconds / rows * 1e6:6.3f} CPU-s per 1M rows  {100 * seconds / total:5.1f}%")
    print(f"{'all stages':44s} {total / rows * 1e6:6.3f} CPU-s per 1M rows ({rows:,} rows)")


def _child(*args: str) -> None:
    subprocess.run([sys.executable, __file__, *args], check=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate")
    g.add_argument("--n", type=int, required=True)
    g.add_argument("--out", type=Path, required=True)
    g.add_argument("--chunk", type=int, default=1_000_000)
    g.add_argument("--seed", type=int, default=2024)
    c = sub.add_parser("chunked")
    c.add_argument("--population", type=Path, required=True)
    c.add_argument("--chunk-rows", type=int, default=1 << 20)
    c.add_argument("--out", type=Path)
    m = sub.add_parser("memory")
    m.add_argument("--population", type=Path, required=True)
    m.add_argument("--out", type=Path)
    st_ = sub.add_parser("stages")
    st_.add_argument("--population", type=Path, required=True)
    st_.add_argument("--groups", type=int, default=4)
    a = sub.add_parser("all")
    a.add_argument("--n", type=int, default=100_000_000)
    a.add_argument("--memory-n", type=int, default=5_000_000)
    a.add_argument("--dir", type=Path, default=Path("/work/bench"))
    a.add_argument("--keep", action="store_true")
    args = p.parse_args()
    if args.cmd == "generate":
        generate(args.n, args.out, args.chunk, args.seed)
    elif args.cmd == "chunked":
        run_chunked(args.population, args.chunk_rows, args.out or args.population.with_suffix(".scored.parquet"))
    elif args.cmd == "stages":
        stages(args.population, args.groups)
    elif args.cmd == "memory":
        run_memory(args.population, args.out or args.population.with_suffix(".scored-mem.parquet"))
    else:
        args.dir.mkdir(parents=True, exist_ok=True)
        print(shutil.disk_usage(args.dir), flush=True)
        small, big = args.dir / "pop_small.parquet", args.dir / "pop_big.parquet"
        try:
            _child("generate", "--n", str(args.memory_n), "--out", str(small))
            _child("memory", "--population", str(small))
            _child("chunked", "--population", str(small))
            _child("generate", "--n", str(args.n), "--out", str(big))
            _child("chunked", "--population", str(big))
        finally:
            if not args.keep:
                for f in args.dir.glob("pop_*"):
                    f.unlink()


if __name__ == "__main__":
    main()
