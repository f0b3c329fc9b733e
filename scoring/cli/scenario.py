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

from scoring.cli import command_help
from scoring.cli.help_text import help_texts
from scoring.cli.output import print_json
from scoring.errors import ScoringInputError
from scoring.safe_output import write_json, write_table
from scoring.scenario.budget import check_work
from scoring.scenario.load import Scenario, load_scenario
from scoring.scenario.run import compare_runs, progress_steps, run_scenario


def register(sub: argparse._SubParsersAction) -> None:
    """Add the run and compare commands."""
    t = help_texts(sub)
    p = sub.add_parser("run", help=command_help("run", sub))
    p.add_argument("scenario", help=t("情景 YAML 文件（scenarios/*.yaml）", "scenario YAML file (scenarios/*.yaml)"))
    _common(p)
    p.set_defaults(func=cmd_run)
    p = sub.add_parser("compare", help=command_help("compare", sub))
    p.add_argument("scenarios", nargs="+",
                   help=t("情景 YAML 文件；第一个为基准", "scenario YAML files; the first is the baseline"))
    _common(p)
    p.set_defaults(func=cmd_compare)


def _common(p: argparse.ArgumentParser) -> None:
    t = help_texts(p)
    p.add_argument("--out", help=t("结果文件夹（默认：out/<情景 id>）；运行成功后整个替换",
                                   "results folder (default: out/<scenario id>); replaced whole when the run succeeds"))
    p.add_argument("--json", action="store_true",
                   help=t("在标准输出打印 JSON 摘要", "print the JSON summary on stdout"))
    p.add_argument("--no-quota-question", action="store_true",
                   help=t("不做有名额与无名额限制的对比运行", "skip the with-cap / no-cap pair of runs"))
    p.add_argument("--no-progress", action="store_true",
                   help=t("不在标准错误输出显示进度条", "no progress bar on stderr"))
    p.add_argument("--lang", choices=("zh", "en"), default="zh",
                   help=t("文字报告的语言（默认 zh）", "language of the text report (default zh)"))


# The compare table's headers in Chinese (--lang zh); the CSV and --json keep the column names.
COLUMNS_ZH = {"scenario": "情景", "scheme": "方案", "recognition": "累计互认", "sampling_ratio": "抽样比",
              "first_year_eligible": "首年符合资格", "first_year_admitted": "首年获准落户",
              "first_year_cutoff": "首年分数线",
              "admitted_total": "累计落户", "admitted_total_p05": "累计落户P05", "admitted_total_p95": "累计落户P95",
              "wait_mean": "平均等待年数", "backlog_final": "期末积压", "pool_final": "期末人口池"}


PROGRESS_TEXT = {"zh": ("模拟年数×重复次数", "年"), "en": ("years x replications", "yr")}  # the bar's label and unit


def _progress(total: int, disable: bool, lang: str = "zh") -> tqdm:
    desc, unit = PROGRESS_TEXT["en" if lang == "en" else "zh"]
    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, disable=disable, leave=False)


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


RESULT_FILES = ("summary.json", "report.html")  # with the tables' .csv and .parquet files: what a run writes


def _replaceable(out: Path) -> None:
    """Refuse (ScoringInputError) an ``out`` that a run may not replace: a link, a file, or a folder that is not
    empty and not the results of a run (only regular files named as a run names them, summary.json among them). A
    run replaces its own earlier results whole, but never a folder of other files (``--out ~/Documents``, or a
    scenario id pointing elsewhere)."""
    if out.is_symlink():  # replaced whole, a link would be; what it points to is not the run's to replace
        raise ScoringInputError(f"--out {out}: is a link, not a results folder; --out names the results folder "
                                "itself")
    if out.exists() and not out.is_dir():
        raise ScoringInputError(f"--out {out}: is a file; --out names the results folder")
    if not out.exists():
        return
    entries = list(out.iterdir())
    other = [e.name for e in entries if e.is_symlink() or not e.is_file()
             or not (e.name in RESULT_FILES or e.suffix in (".csv", ".parquet"))]
    if other or (entries and not (out / "summary.json").is_file()):
        shown = ", ".join(sorted(other)[:3]) + (", ..." if len(other) > 3 else "") if other else "no summary.json"
        raise ScoringInputError(f"--out {out}: the folder exists and is not the results of a run ({shown}); name "
                                "a new folder, or empty this one")


def _write_results(out: Path, tables: dict[str, pd.DataFrame], summary: dict[str, Any],
                   report: Callable[[], str]) -> None:
    _replaceable(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    mask = os.umask(0)
    os.umask(mask)
    tmp.chmod(0o777 & ~mask)  # a folder as mkdir makes it (mkdtemp's is private to its owner)
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


def _load(paths: list[str], quota_question: bool) -> list[Scenario]:
    """Load every scenario, bound the work of running them all (scoring.scenario.budget), then read or draw their
    populations: all before anything runs or is written."""
    scenarios = [load_scenario(p) for p in paths]
    check_work(scenarios, quota_question)
    for sc in scenarios:
        sc.population()
    return scenarios


def cmd_run(args: argparse.Namespace) -> int:
    """Run one scenario."""
    from scoring.scenario.report import run_report

    (sc,) = _load([args.scenario], not args.no_quota_question)
    out = Path(args.out or Path("out") / sc.id)
    _replaceable(out)  # before the run, not after minutes of it
    qq = not args.no_quota_question
    with _progress(progress_steps(sc, qq), args.no_progress, args.lang) as bar:
        run = run_scenario(sc, quota_question=qq, progress=bar.update)
    summary = run.summary()  # summary.json holds no path: the same inputs give the same bytes wherever written
    write_results(out, run.tables(), summary, lambda: run_report(run))
    summary["out"] = str(out)
    if args.json:
        print_json(summary)
    else:  # the summary is the result: stdout (progress alone goes to stderr)
        from scoring.scenario.run import calibration_line

        t, zh = summary["totals"], args.lang == "zh"

        def line(y: dict[str, Any]) -> str:
            cut = "—" if y["cutoff"] is None else format(y["cutoff"], ".2f")
            band = f"{y['admitted_p05']:,.0f}-{y['admitted_p95']:,.0f}"
            return (f"{y['year']}年：分数线 {cut}，落户 {y['admitted']:,.0f}（P05–P95 {band}）" if zh else
                    f"{y['year']}: line {cut}, admitted {y['admitted']:,.0f} (p05-p95 {band})")
        head = (f"{sc.horizon}年累计落户 {t['admitted_total']:,.0f}；期末积压 {t['backlog_final']:,.0f}；"
                f"均为实际人数，抽样比 1:{sc.ratio:g}" if zh else
                f"admitted over {sc.horizon} year(s): {t['admitted_total']:,.0f}; final backlog "
                f"{t['backlog_final']:,.0f}; real people, sampling 1:{sc.ratio:g}")
        sys.stdout.write(f"{sc.stamp(args.lang)}\n{head}\n" + "\n".join(line(y) for y in summary["yearly"])
                         + f"\n{steps_line(summary['first_year_steps'], args.lang)}"
                         + f"\n{calibration_line(sc, args.lang)}\n" + ("结果已写入 " if zh else "results in ")
                         + f"{out}\n")
    return 0


def steps_line(steps: dict, lang: str = "en") -> str:
    """One line: how the static first-year count becomes the model's first year (summary ``first_year_steps``)."""
    rec = ""
    if lang == "zh":
        if steps.get("recognition_adds") is not None:
            rec = f"（不计互认规则为 {steps['without_recognition']:,.0f}，互认增加 {steps['recognition_adds']:,.0f}）"
        return (f"第一年（{steps['year']}年）：若所有符合条件者都申请，可落户 {steps['static_admitted']:,.0f}"
                f"（静态）{rec}；达到分数线并申请的 {steps['applicants_at_line']:,.0f}（申请意愿，属假设），"
                f"落户 {steps['admitted']:,.0f}（模型第一年）")
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

    scenarios = _load(args.scenarios, not args.no_quota_question)
    out = Path(args.out or Path("out") / ("compare-" + "-vs-".join(sc.id for sc in scenarios))[:120])
    _replaceable(out)  # before the runs
    qq = not args.no_quota_question
    total = sum(progress_steps(sc, qq) for sc in scenarios)
    with _progress(total, args.no_progress, args.lang) as bar:
        runs = [run_scenario(sc, quota_question=qq, progress=bar.update) for sc in scenarios]
    cmp = compare_runs(runs)
    summary = cmp.summary()
    tables = cmp.tables()
    for run in runs:
        tables.update({f"{run.scenario.id}__{k}": v for k, v in run.tables().items()})
    write_results(out, tables, summary, lambda: compare_report(cmp))
    summary["out"] = str(out)
    if args.json:
        print_json(summary)
    else:
        from scoring.scenario.run import calibration_line

        zh = args.lang == "zh"
        totals = cmp.totals().drop(columns=["status"])
        totals["recognition"] = [r.scenario.recognition.label(args.lang) for r in runs]
        table = readable(totals)
        if zh:
            table = table.rename(columns=COLUMNS_ZH)
        cal = "\n".join(calibration_line(r.scenario, args.lang) for r in runs)
        sys.stdout.write(table.to_string(index=False) + f"\n{cal}\n" + ("结果已写入 " if zh else "results in ")
                         + f"{out}\n")
    return 0
