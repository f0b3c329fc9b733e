"""``python -m scoring run SCENARIO.yaml`` and ``python -m scoring compare S1.yaml S2.yaml ...``.

Each writes a results folder: the tables (CSV and Parquet), ``summary.json`` and a self-contained ``report.html``,
all stamped with the scheme versions and statuses. Everything is written to a temporary folder beside the target
and renamed into place at the end, so an error never leaves a half-written results folder.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from scoring.cli.output import print_json
from scoring.errors import ScoringInputError
from scoring.safe_output import write_json, write_table
from scoring.scenario.load import Scenario, load_scenario
from scoring.scenario.run import compare_runs, progress_steps, run_scenario


def register(sub: argparse._SubParsersAction) -> None:
    """Add the run and compare commands."""
    p = sub.add_parser("run", help="run a scenario over its horizon (with the quota question) and write the results")
    p.add_argument("scenario", help="scenario YAML file (scenarios/*.yaml)")
    _common(p)
    p.set_defaults(func=cmd_run)
    p = sub.add_parser("compare", help="run several scenarios and compare them against the first")
    p.add_argument("scenarios", nargs="+", help="scenario YAML files; the first is the baseline")
    _common(p)
    p.set_defaults(func=cmd_compare)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", help="results folder (default: out/<scenario id>); replaced whole when the run succeeds")
    p.add_argument("--json", action="store_true", help="print the JSON summary on stdout")
    p.add_argument("--no-quota-question", action="store_true", help="skip the with-cap / no-cap pair of runs")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")


def _progress(total: int, disable: bool) -> tqdm:
    return tqdm(total=total, desc="years x replications", unit="yr", file=sys.stderr, disable=disable, leave=False)


def write_results(out: Path, tables: dict[str, pd.DataFrame], summary: dict[str, Any],
                  report: Callable[[], str]) -> None:
    """Write tables (CSV + Parquet), summary.json and report.html to a temp folder, then rename it to ``out``.

    The CSV tables are Excel-safe (no cell becomes a live formula); a failed write (read-only folder, full disk)
    raises a one-line error and leaves the previous folder as it was.
    """
    try:
        _write_results(out, tables, summary, report)
    except OSError as exc:
        from scoring.cli.files import write_error

        raise write_error("--out", out, exc) from None


def _write_results(out: Path, tables: dict[str, pd.DataFrame], summary: dict[str, Any],
                   report: Callable[[], str]) -> None:
    if out.exists() and not out.is_dir():
        raise ScoringInputError(f"--out {out}: is a file; --out names the results folder")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    try:
        for name, df in tables.items():  # each already carries its stamp column (ScenarioRun.tables)
            write_table(df, tmp / f"{name}.csv")  # UTF-8 with BOM, no live formulas
            write_table(df, tmp / f"{name}.parquet")
        write_json(summary, tmp / "summary.json", indent=2)
        (tmp / "report.html").write_text(report(), encoding="utf-8")
        old = None
        if out.exists():
            old = out.with_name(f".{out.name}.old-{os.getpid()}")
            out.rename(old)
        tmp.rename(out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _load(paths: list[str]) -> list[Scenario]:
    """Load every scenario and its population before anything runs or is written."""
    scenarios = [load_scenario(p) for p in paths]
    for sc in scenarios:
        sc.population()
    return scenarios


def cmd_run(args: argparse.Namespace) -> int:
    """Run one scenario."""
    from scoring.scenario.report import run_report

    (sc,) = _load([args.scenario])
    qq = not args.no_quota_question
    with _progress(progress_steps(sc, qq), args.no_progress) as bar:
        run = run_scenario(sc, quota_question=qq, progress=bar.update)
    out = Path(args.out or Path("out") / sc.id)
    summary = run.summary()  # summary.json holds no path: the same inputs give the same bytes wherever written
    write_results(out, run.tables(), summary, lambda: run_report(run))
    summary["out"] = str(out)
    if args.json:
        print_json(summary)
    else:  # the summary is the result: stdout (progress alone goes to stderr)
        t = summary["totals"]
        lines = [f"{y['year']}: line {'—' if y['cutoff'] is None else format(y['cutoff'], '.2f')}, admitted "
                 f"{y['admitted']:,.0f} (p05-p95 {y['admitted_p05']:,.0f}-{y['admitted_p95']:,.0f})"
                 for y in summary["yearly"]]
        sys.stdout.write(f"{sc.stamp('en')}\nadmitted over {sc.horizon} year(s): {t['admitted_total']:,.0f}; "
                         f"final backlog {t['backlog_final']:,.0f}; real people, sampling 1:{sc.ratio:g}\n"
                         + "\n".join(lines) + f"\n{steps_line(summary['first_year_steps'])}\n{run.notes[-1]}"
                         f"\nresults in {out}\n")
    return 0


def steps_line(steps: dict) -> str:
    """One line: how the static first-year count becomes the model's first year (summary ``first_year_steps``)."""
    rec = ""
    if steps.get("recognition_adds") is not None:
        rec = (f" ({steps['without_recognition']:,.0f} without the recognition rules, which add "
               f"{steps['recognition_adds']:,.0f})")
    return (f"first year {steps['year']}: {steps['static_admitted']:,.0f} would be admitted if every eligible "
            f"resident applied (first_year, static){rec}; {steps['applicants_at_line']:,.0f} apply at or above the "
            f"line (application propensity, an assumption) and {steps['admitted']:,.0f} are admitted (yearly[0])")


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    """Numbers for people: counts as whole numbers with thousands separators (means over replications are
    rounded), cut-offs to the cent, waiting years to one decimal."""
    out = frame.copy()
    for col in out.columns:
        values = out[col]
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            continue
        fmt = "{:,.2f}" if "cutoff" in col else "{:,.1f}" if col.startswith("wait") else "{:,.0f}"
        out[col] = [("—" if pd.isna(v) else fmt.format(v)) for v in values]
    return out


def cmd_compare(args: argparse.Namespace) -> int:
    """Run several scenarios and compare them."""
    from scoring.scenario.report import compare_report

    scenarios = _load(args.scenarios)
    qq = not args.no_quota_question
    total = sum(progress_steps(sc, qq) for sc in scenarios)
    with _progress(total, args.no_progress) as bar:
        runs = [run_scenario(sc, quota_question=qq, progress=bar.update) for sc in scenarios]
    cmp = compare_runs(runs)
    out = Path(args.out or Path("out") / ("compare-" + "-vs-".join(sc.id for sc in scenarios))[:120])
    summary = cmp.summary()
    tables = cmp.tables()
    for run in runs:
        tables.update({f"{run.scenario.id}__{k}": v for k, v in run.tables().items()})
    write_results(out, tables, summary, lambda: compare_report(cmp))
    summary["out"] = str(out)
    if args.json:
        print_json(summary)
    else:
        table = readable(cmp.totals().drop(columns=["status"]))
        cal = "\n".join(r.notes[-1] for r in runs)
        sys.stdout.write(table.to_string(index=False) + f"\n{cal}\nresults in {out}\n")
    return 0
