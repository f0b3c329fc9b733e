"""``python -m scoring synth --n N --seed S --out FILE [--json]``: write a synthetic Hangzhou population."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from scoring.errors import ScoringInputError

FORMATS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".xlsx": "xlsx"}
XLSX_MAX_ROWS = 1_048_575


class SynthOptionError(ScoringInputError):
    """A bad option of the synth command."""


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``synth`` command."""
    p = subparsers.add_parser("synth", help="write a synthetic Hangzhou population (Parquet, CSV or XLSX)",
                              description="Write a synthetic population of Hangzhou's non-hukou residents, "
                                          "calibrated to the tables in data/ (see docs/synthetic_population.md).")
    p.add_argument("--n", type=int, required=True, help="number of people")
    p.add_argument("--seed", type=int, default=0, help="random seed (same seed -> identical population)")
    p.add_argument("--out", required=True, help="output file: .parquet, .csv (UTF-8 with BOM) or .xlsx")
    p.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(func=run)


def _write(frame, out: Path, fmt: str) -> None:  # type: ignore[no-untyped-def]
    if fmt == "parquet":
        frame.to_parquet(out, index=False)
    elif fmt == "csv":
        frame.to_csv(out, index=False, encoding="utf-8-sig")
    else:
        from scoring.safe_output import xlsx_writer

        with xlsx_writer(out) as writer:  # a fixed creation date: the same seed, the same bytes
            frame.to_excel(writer, index=False, sheet_name="population")


def run(args: argparse.Namespace) -> int:
    """Generate and write the population; print a JSON summary with --json."""
    from scoring.synth import synth

    if args.n < 0:
        raise SynthOptionError(f"--n must be >= 0, got {args.n}")
    if not 0 <= args.seed < 2**63:
        raise SynthOptionError(f"--seed must be between 0 and 2**63-1, got {args.seed}")
    out = Path(args.out)
    fmt = FORMATS.get(out.suffix.lower())
    if fmt is None:
        raise SynthOptionError(f"--out {out}: unknown extension '{out.suffix}' (use .parquet, .csv or .xlsx)")
    if fmt == "xlsx" and args.n > XLSX_MAX_ROWS:
        raise SynthOptionError(f"--out {out}: Excel holds at most {XLSX_MAX_ROWS} rows; use .parquet or .csv")
    if out.parent and not out.parent.exists():
        raise SynthOptionError(f"--out {out}: directory {out.parent} does not exist")

    quiet = args.quiet
    started = time.perf_counter()

    def progress(msg: str) -> None:
        if not quiet:
            sys.stderr.write(f"synth: {msg} ({time.perf_counter() - started:.1f} s)\n")
            sys.stderr.flush()

    frame = synth(args.n, args.seed, progress=progress)
    gen_seconds = time.perf_counter() - started
    progress(f"writing {out}")
    try:
        _write(frame, out, fmt)
    except OSError as exc:
        raise SynthOptionError(f"--out {out}: cannot write: {exc.strerror or exc}") from None
    total = time.perf_counter() - started
    progress(f"done: {len(frame)} people")
    if args.json:
        summary = {
            "out": str(out),
            "format": fmt,
            "n": len(frame),
            "seed": int(args.seed),
            "columns": [str(c) for c in frame.columns],
            "bytes_per_person": round(float(frame.memory_usage(deep=True).sum()) / max(len(frame), 1), 1),
            "generate_seconds": round(gen_seconds, 3),
            "total_seconds": round(total, 3),
            "status": "simulation",
        }
        sys.stdout.write(json.dumps(summary, ensure_ascii=False) + "\n")
    return 0
