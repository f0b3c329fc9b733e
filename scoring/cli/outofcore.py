"""``--engine auto|memory|chunked`` and ``--scheduler ADDRESS`` for ``score`` and ``admit``.

:func:`add_engine_args` adds the options to a parser; :func:`run_outofcore` runs the command with the chunked or
the Dask engine and prints the same payload as the in-memory path, or returns None when the in-memory path should
run (engine "memory", or "auto" on a file that fits).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from scoring.cli.help_text import help_texts
from scoring.cli.options import parse_ties
from scoring.cli.output import emit
from scoring.cli.summary import summary_lines
from scoring.errors import ScoringInputError
from scoring.scheme.load import load_scheme


def add_engine_args(p: argparse.ArgumentParser) -> None:
    """The engine options."""
    t = help_texts(p)
    p.add_argument("--engine", choices=("auto", "memory", "chunked"), default="auto",
                   help=t("auto（默认）：Parquet 文件在内存中放不下时用 chunked（分块计算）",
                          "auto (default): chunked when the Parquet file will not fit in memory"))
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help=t("在 ADDRESS 处的 Dask 集群上运行（tcp://host:8786）；填 local 则在本机启动一个 LocalCluster",
                          "run on the Dask cluster at ADDRESS (tcp://host:8786); 'local' starts a LocalCluster"))
    p.add_argument("--chunk-rows", type=int, default=1 << 20,
                   help=t("每批（每个分区）的行数（默认 1048576）", "rows per batch / partition (default 1048576)"))


def run_outofcore(args: argparse.Namespace, command: str) -> int | None:
    """Run ``score``/``admit`` out of core if the options or the file size ask for it; else None."""
    from scoring.outofcore.engine_choice import choose_engine

    scheduler = getattr(args, "scheduler", None)
    engine = getattr(args, "engine", "auto")
    if scheduler is None and choose_engine(args.population, engine) == "memory":
        return None
    if args.chunk_rows < 1:
        raise ScoringInputError(f"--chunk-rows: {args.chunk_rows} must be a positive number of rows")
    out = getattr(args, "out", None)
    if out is not None:
        out_path = Path(out)
        if out_path.suffix.lower() not in (".parquet", ".csv"):
            raise ScoringInputError(f"--out {out}: the {'dask' if scheduler else 'chunked'} engine writes .parquet "
                                    "or .csv")
        if not out_path.parent.exists():
            raise ScoringInputError(f"--out {out}: folder {out_path.parent} does not exist")
    scheme = load_scheme(args.scheme)
    stamp = scheme.stamp(args.lang)
    rejected = None if out is None else Path(out).parent / f"{Path(out).stem}.rejected.csv"
    # the rejected rows beside --out, as the in-memory engine pairs them (a run without any removes an older file)
    kw: dict[str, Any] = {"skip_invalid": args.skip_invalid, "drop_identifiers": args.drop_identifiers,
                          "rejected_path": rejected, "reasons_lang": args.lang}
    if command == "admit":
        kw.update(quota=args.quota, threshold=args.threshold, ties=parse_ties(args.ties))
    if scheduler is not None:
        from scoring.outofcore.precheck import refuse_early

        # a file the header alone refuses is refused before a cluster is started or reached (the chunked reason)
        refuse_early(scheme, args.population, admission=command == "admit", drop_identifiers=args.drop_identifiers,
                     **{k: kw[k] for k in ("quota", "threshold", "ties") if k in kw})
        res = _run_dask(scheme, args, command, out, stamp, kw)
    else:
        from scoring.cli.output import announce_first_compile
        from scoring.outofcore.chunked import run_chunked

        announce_first_compile(None, args.lang)
        res = run_chunked(scheme, args.population, out, admission=command == "admit", chunk_rows=args.chunk_rows,
                          stamp=stamp, index=False, progress=lambda m: _progress(m, args.lang), **kw)
    _loud_warnings(args.population, res.warnings, args.lang)
    payload: dict[str, Any] = {**res.summary(), "engine": "dask" if scheduler else "chunked",
                               "scheme": {"id": scheme.id, "version": scheme.version, "status": scheme.status,
                                          "title": scheme.title.get(args.lang), "stamp": stamp}}
    if out is not None:
        payload["out"] = str(out)
        if rejected is not None and rejected.exists():
            payload["rejected_out"] = str(rejected)
    emit(args, payload, summary_lines(payload, args.lang, admission=command == "admit"))
    return 0


def _loud_warnings(path: str, warnings: list[str], lang: str) -> None:
    """The loud warnings of the run's loads (generated ids beside an id-like column, ids kept as the file's pandas
    index) on stderr, once each, in ``lang``: what the in-memory engine prints."""
    import pyarrow.parquet as pq

    from scoring.population.io import index_warnings
    from scoring.reasons import reason_text

    notes = index_warnings(Path(path).name, pq.read_schema(path)) + list(warnings)
    for note in dict.fromkeys(n for n in notes if n.startswith("WARNING:")):
        sys.stderr.write(reason_text(note, lang) + "\n")


def _progress(line: str, lang: str) -> None:
    """A progress line of the chunked engine on stderr, in the report's language (scoring.cli.messages)."""
    from scoring.cli.messages import localized

    sys.stderr.write(localized(line, lang) + "\n")


def _run_dask(scheme: Any, args: argparse.Namespace, command: str, out: str | None, stamp: str,
              kw: dict[str, Any]) -> Any:
    from scoring.outofcore.distributed import run_dask

    address = None if args.scheduler == "local" else args.scheduler
    common = dict(admission=command == "admit", scheduler_address=address, rows_per_partition=args.chunk_rows,
                  lang=None, **kw)
    if out is None:
        return run_dask(scheme, args.population, None, **common)
    # one file, as the other engines write; atomically, then the rejected rows beside it
    return run_dask(scheme, args.population, None, out_file=out, stamp=stamp, index=False, **common)
