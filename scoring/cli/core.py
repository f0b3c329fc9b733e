"""The core commands: ``check-scheme``, ``score`` and ``admit``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from scoring import labels
from scoring.admission import AdmissionResult
from scoring.cli import QUICK_EXIT, command_help
from scoring.cli.files import check_out, check_rows_fit, write_error, write_frame, write_result
from scoring.cli.help_text import POPULATION_FILE, SCHEME_FILE, help_texts
from scoring.cli.options import POPULATION_EPILOG, parse_ties, plain_float, plain_int
from scoring.cli.outofcore import add_engine_args, run_outofcore
from scoring.cli.output import announce_first_compile, emit
from scoring.cli.summary import TEXT, dominance_lines, say, summary_lines
from scoring.dominance import design_note
from scoring.engine.core import ScoreResult, score, startup_engine
from scoring.errors import PopulationError, SchemeError, ScoringInputError
from scoring.evaluation import evaluate, evaluate_scored
from scoring.reasons import reason_text
from scoring.scheme.load import Scheme, load_scheme, scheme_warnings

if TYPE_CHECKING:
    from tqdm import tqdm

    from scoring.result_table import ResultTable

OUT_FORMATS = {".parquet": "parquet", ".csv": "csv", ".xlsx": "xlsx"}
CHECK_POPULATION = {"n": 100_000, "seed": 0}  # built-in population used by check-scheme without --population


def register(sub: argparse._SubParsersAction) -> None:
    """Add check-scheme, score and admit."""
    t = help_texts(sub)
    p = sub.add_parser("check-scheme", help=command_help("check-scheme", sub), epilog=t(*POPULATION_EPILOG))
    p.add_argument("scheme", help=t(*SCHEME_FILE))
    p.add_argument("--population", help=t("人口数据文件（CSV/XLSX/Parquet）；默认：内置的杭州合成人口",
                                          "population file (CSV/XLSX/Parquet); default: built-in synthetic Hangzhou"))
    common_options(p, out=False)
    p.set_defaults(func=cmd_check_scheme)

    p = _scheme_and_population(sub, "score")
    p.add_argument("--out", required=True,
                   help=t("输出文件（.parquet、.csv 或 .xlsx）", "output file (.parquet, .csv or .xlsx)"))
    common_options(p)
    add_engine_args(p)  # out-of-core engines (scoring/cli/outofcore.py)
    p.set_defaults(func=cmd_score)

    p = _scheme_and_population(sub, "admit")
    p.add_argument("--quota", type=_non_negative_int,
                   help=t("本年名额（取代方案的录取规则）", "places this year (overrides the scheme's rule)"))
    p.add_argument("--threshold", type=_finite_float,
                   help=t("分数线，不设名额上限（取代方案的录取规则）",
                          "score line, no cap (overrides the scheme's rule)"))
    p.add_argument("--ties", help=t(
        "同分规则：admit_all（同分者全部录取），或如 insurance_years:desc,age:asc,lottery:12345 的排序链"
        "（默认：方案中的规则）",
        '"admit_all", or a chain like "insurance_years:desc,age:asc,lottery:12345" (default: the scheme\'s)'))
    p.add_argument("--out", help=t("将每人的积分和录取结果写入此文件（.parquet、.csv 或 .xlsx）",
                                   "write everyone's score and admission to this file (.parquet, .csv or .xlsx)"))
    common_options(p)
    add_engine_args(p)  # out-of-core engines (scoring/cli/outofcore.py)
    p.set_defaults(func=cmd_admit)


def _scheme_and_population(sub: argparse._SubParsersAction, command: str) -> argparse.ArgumentParser:
    """The parser of ``score`` or ``admit`` with the two inputs they share (``--scheme``, ``--population``)."""
    t = help_texts(sub)
    p = sub.add_parser(command, help=command_help(command, sub), epilog=t(*POPULATION_EPILOG))
    p.add_argument("--scheme", required=True, help=t(*SCHEME_FILE))
    p.add_argument("--population", required=True, help=t(*POPULATION_FILE))
    return p


def common_options(p: argparse.ArgumentParser, out: bool = True) -> None:
    t = help_texts(p)
    p.add_argument("--json", action="store_true",
                   help=t("在标准输出打印一个 JSON 对象", "print one JSON object on stdout"))
    p.add_argument("--lang", choices=("zh", "en"), default="zh",
                   help=t("标签语言（默认 zh）", "language of labels (default zh)"))
    if out:
        p.add_argument("--skip-invalid", action="store_true",
                       help=t("只为有效行计分，拒收的行另写在输出文件旁",
                              "score the valid rows; write the rejected beside"))
        p.add_argument("--drop-identifiers", action="store_true",
                       help=t("删除含直接标识信息的列", "drop columns holding direct identifiers"))


def _non_negative_int(text: str) -> int:
    value = plain_int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is negative; a quota is 0 or more places")
    return value


def _finite_float(text: str) -> float:
    value = plain_float(text)
    if not np.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


# ------------------------------------------------------------------------------------------------------------
PROGRESS_TEXT = {"score": ("计分", "score"), "admit": ("录取", "admit"), "whatif": ("假如", "whatif"),  # zh, en
                 "unit": ("步", "step")}


class _NoBar:
    """The steps bar where stderr is not a terminal (tqdm draws none there either): tqdm is not even imported."""

    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, n: int = 1) -> None:
        """Nothing to draw."""


def progress(total: int, desc: str, lang: str = "zh") -> tqdm | _NoBar:
    """The steps bar of a command (``desc``: a key of PROGRESS_TEXT), on stderr, in ``lang``."""
    if not sys.stderr.isatty():
        return _NoBar()
    from tqdm import tqdm

    i = 1 if lang == "en" else 0
    return tqdm(total=total, desc=PROGRESS_TEXT[desc][i], file=sys.stderr, disable=None, leave=False,
                unit=PROGRESS_TEXT["unit"][i])


def needed_columns(scheme: Scheme, args: argparse.Namespace) -> list[str]:
    """The population columns a score or admit run reads: the scheme's and those of ``--ties`` (person_id is always
    kept). Only these are typed and validated; every column is still screened for identifiers."""
    cols = list(scheme.columns())
    ties = parse_ties(getattr(args, "ties", None))
    if isinstance(ties, list):
        cols += [str(key["column"]) for key in ties if "column" in key]
    return cols


def load_inputs(args: argparse.Namespace, bar: tqdm | _NoBar) -> tuple[Scheme, Any, ScoreResult, pd.DataFrame]:
    """Scheme, population load, scores and rejected rows, as ``score`` and ``admit`` (and ``whatif``) read them: only
    the scheme's columns (and --ties'), --skip-invalid and --drop-identifiers as given."""
    from scoring.engine.inputs import population_schema_for, refuse_missing_columns
    from scoring.population.load import read_population

    scheme = load_scheme(args.scheme)
    bar.update(1)
    load = read_population(args.population, skip_invalid=args.skip_invalid, drop_identifiers=args.drop_identifiers,
                           schema=population_schema_for(scheme), columns=needed_columns(scheme, args))
    for note in load.warnings:  # the loud ones: generated ids beside an id-like column, Excel formula cells, ...
        if note.startswith("WARNING:"):
            print(reason_text(note, getattr(args, "lang", "zh")), file=sys.stderr)
    # the scheme's columns (a tie column of --ties missing: the admission's reason, with its near misses)
    refuse_missing_columns(load.frame.columns, scheme.columns(), scheme, str(args.population), load.file_headers)
    out = getattr(args, "out", None)
    if not args.skip_invalid:  # every row is scored or the command fails: an Excel output's rows are known now
        check_rows_fit(len(load.frame), out)
    bar.update(1)
    engine = startup_engine(len(load.frame))
    announce_first_compile(engine, getattr(args, "lang", "zh"))
    res = score(load.frame, scheme, on_invalid="reject" if args.skip_invalid else "raise", engine=engine)
    check_rows_fit(res.n, out)  # before the admission and the report
    bar.update(1)
    rejected = pd.concat([load.rejected, res.rejected], ignore_index=True) if len(res.rejected) else load.rejected
    rejected = rejected.sort_values("row", kind="stable", ignore_index=True)
    return scheme, load, res, load.rejected_table(rejected)  # a CSV or workbook: with the rows as Excel numbers them


def row_counts(load: Any, res: ScoreResult, rejected: pd.DataFrame) -> dict[str, Any]:
    """Rows in, scored and rejected (each input row accounted for), and the identifier columns dropped."""
    n_rejected = int(rejected["row"].nunique()) if len(rejected) else 0
    out = {"rows_in": int(load.rows_in), "scored": int(res.n), "rejected": n_rejected}
    if out["rows_in"] != out["scored"] + out["rejected"]:  # every input row is accounted for
        raise AssertionError(f"row accounting broke: {out}")
    if load.dropped_identifiers:
        out["dropped_identifiers"] = list(load.dropped_identifiers)
    return out


def _scheme_info(scheme: Scheme, lang: str) -> dict[str, Any]:
    return {
        "id": scheme.id,
        "version": scheme.version,
        "status": scheme.status,
        "title": scheme.title.get(lang),
        "stamp": scheme.stamp(lang),
    }


def write_table(frame: pd.DataFrame, path: str | Path, stamp: str) -> None:
    """Write a results table by extension (.parquet, .csv, .xlsx), stamped with the scheme line; atomically, and
    Excel-safe for CSV and XLSX (see :mod:`scoring.cli.files`)."""
    path = Path(path)
    fmt = OUT_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ScoringInputError(f"{path}: unknown output type {path.suffix!r}; use .parquet, .csv or .xlsx")
    write_frame(frame, path, fmt, stamp=stamp)


def check_outputs(args: argparse.Namespace) -> None:
    """Refuse a bad ``--out`` before any work: unknown type, a folder, a missing folder, or an input file."""
    if getattr(args, "out", None) is None:
        return
    inputs = (args.population, args.scheme)
    out = check_out(args.out, inputs)
    if out.suffix.lower() not in OUT_FORMATS:
        raise ScoringInputError(f"--out {out}: unknown output type {out.suffix!r}; use .parquet, .csv or .xlsx")
    check_out(rejected_path(out), inputs, option="--out (rejected rows)")


def rejected_path(out: Path) -> Path:
    """Where the rejected rows of ``--out`` go: beside it, ``NAME.rejected.csv``."""
    return out.parent / f"{out.stem}.rejected.csv"


XLSX_SLOW_ROWS = 200_000  # from this many rows an Excel output takes seconds (200,000: about 1.5 s more than
# Parquet; 1,000,000 rows: the sheet alone 5.5 s): the command says it is writing


def _write_outputs(args: argparse.Namespace, table: ResultTable, rejected: pd.DataFrame) -> dict:
    """Write ``--out`` (the stamped result, straight from its arrays: :class:`scoring.result_table.ResultTable`) and,
    beside it, this run's rejected rows (:func:`rejected_path`) — each atomically, as a pair: a run with no rejected
    rows removes an older ``NAME.rejected.csv``, so the file beside the output is always the output's own. The
    output is written first: if it fails, both files stay as they were."""
    out = check_out(args.out, (args.population, args.scheme))
    fmt = OUT_FORMATS.get(out.suffix.lower())
    if fmt is None:
        raise ScoringInputError(f"{out}: unknown output type {out.suffix!r}; use .parquet, .csv or .xlsx")
    check_rows_fit(table.n, out)  # before saying it is writing
    if fmt == "xlsx" and table.n >= XLSX_SLOW_ROWS:  # a large Excel sheet takes seconds: say so, not a silent wait
        zh = getattr(args, "lang", "zh") != "en"
        print(f"正在写出 Excel 文件（{table.n:,} 行，较慢；Parquet 或 CSV 快得多）：{out}" if zh else
              f"writing the Excel file ({table.n:,} rows, slow; Parquet or CSV is much faster): {out}",
              file=sys.stderr, flush=True)
    write_result(table, out, fmt, lang=getattr(args, "lang", "zh"))
    paths = {"out": str(out)}
    rej_path = rejected_path(out)
    if len(rejected):
        from scoring.reasons import with_reasons_in

        rejected = with_reasons_in(rejected, getattr(args, "lang", "en"))  # the reasons in the report's language
        write_frame(rejected, rej_path, "csv", option="--out (rejected rows)", stamp=table.stamp)
        paths["rejected_out"] = str(rej_path)
    else:
        try:
            rej_path.unlink(missing_ok=True)  # a stale file from an earlier run
        except OSError as exc:
            raise write_error("--out (rejected rows)", rej_path, exc) from None
    return paths


def _score_stats(res: ScoreResult) -> dict[str, Any]:
    if res.n == 0:
        return {}
    total = res.total_cents / 100.0
    q = np.percentile(total, [10, 50, 90])
    return {"mean": round(float(total.mean()), 2), "p10": float(q[0]), "median": float(q[1]), "p90": float(q[2])}


# ------------------------------------------------------------------------------------------------------------
def _warning_text(warning: str, scheme: Scheme, lang: str) -> str:
    """A scheme warning in ``lang``: the status and no-admission warnings from :mod:`scoring.labels`; others as
    written (the --json warnings stay as the library gives them)."""
    src = str(scheme.path or scheme.id)
    for key in ("status_warning", "no_admission_warning"):
        if warning == labels.text(key, "en", src=src, status=scheme.status):
            status = {"official": "官方", "illustrative": "示意", "draft": "草案"}.get(scheme.status, scheme.status)
            return labels.text(key, lang, src=src, status=status if lang == "zh" else scheme.status)
    if lang == "zh":
        from scoring.cli.messages_schemes import scheme_warning

        return scheme_warning(warning) or warning
    return warning


def cmd_check_scheme(args: argparse.Namespace) -> int:
    """Validate a scheme; report warnings and the three dominance measures on a population."""
    try:
        scheme = load_scheme(args.scheme)
    except SchemeError as exc:
        if args.json:
            emit(args, {"valid": False, "errors": exc.errors, "warnings": []}, [])
        raise
    if args.population:
        from scoring.engine.inputs import population_schema_for
        from scoring.population.load import read_population

        load = read_population(args.population, skip_invalid=True, schema=population_schema_for(scheme))
        pop = load.frame
        pop_key, pop_values = "file_population", {"path": args.population, "rows_kept": load.rows_kept,
                                                   "rows_in": load.rows_in}
    else:
        from scoring.population.synthetic import synth

        pop = synth(CHECK_POPULATION["n"], seed=CHECK_POPULATION["seed"])
        pop_key, pop_values = "builtin_population", {"n": CHECK_POPULATION["n"], "seed": CHECK_POPULATION["seed"]}
    lang = args.lang
    pop_note = labels.text(pop_key, lang, **pop_values)
    # The scheme's warnings in the report's language (the text lines and --json alike); the dominance report's own
    # warnings follow its measures in the text lines and are listed, prefixed, in --json.
    warnings = [_warning_text(w, scheme, lang) for w in scheme_warnings(scheme, pop)]
    dom_warnings: list[str] = []
    dom: dict[str, Any] | None = None
    adm_summary = None
    missing = [c for c in scheme.columns() if c not in pop.columns]
    if missing:
        warnings.append(say("not_measured", lang, cols=", ".join(missing)))
    else:
        ev = evaluate(pop, scheme, on_invalid="reject")
        adm, report = ev.adm, ev.dom
        dom = report.to_dict()
        dom_warnings = [say("dominance_warning", lang, text=w) for w in labels.dominance_warnings(dom, lang)]
        if report.ok is False:
            measure = (labels.measure_label(scheme.dominance.measure, "short", lang) if lang == "zh"
                       else scheme.dominance.measure)
            dom_warnings.append(say("requirement_failed", lang, measure=measure,
                                    share=f"{scheme.dominance.min_share:.0%}", pop=pop_note))
        adm_summary = adm.summary() if adm is not None else None
    payload = {
        "valid": True,
        "scheme": _scheme_info(scheme, lang),
        "errors": [],
        "warnings": warnings + dom_warnings,
        "population": pop_note,
        "dominance": dom,
        "admission": adm_summary,
        "design_note": design_note(scheme),  # None unless the design share is approximate for this scheme
    }
    lines = [scheme.stamp(lang), say("valid", lang)] + [say("warning", lang) + w for w in warnings]
    if dom is not None:
        lines.append(say("dominance_on", lang, pop=pop_note))
        lines += dominance_lines(dom, lang)
    if payload["design_note"] is not None:
        lines.append("  ! " + str(design_note(scheme, lang)))
    emit(args, payload, lines)
    return 0


def cmd_score(args: argparse.Namespace) -> int:
    """Score a population file and write everyone's item points, total, eligibility and reason."""
    check_outputs(args)
    if (code := run_outofcore(args, "score")) is not None:  # --engine chunked / --scheduler (out of core)
        return code
    with progress(4, "score", args.lang) as bar:
        scheme, load, res, rejected = load_inputs(args, bar)
        from scoring.result_table import ResultTable

        paths = _write_outputs(args, ResultTable.of(res, stamp=scheme.stamp(args.lang)), rejected)
        bar.update(1)
    dom = evaluate_scored(res, admission=False).dom.to_dict() if res.n else None
    counts = row_counts(load, res, rejected)
    payload = {
        "scheme": _scheme_info(scheme, args.lang),
        **counts,
        "eligible": int(res.eligible_mask.sum()),
        "score": _score_stats(res),
        "dominance": dom,
        **paths,
    }
    emit(args, payload, summary_lines(payload, args.lang, admission=False))
    QUICK_EXIT.add("score")
    return 0


def cmd_admit(args: argparse.Namespace) -> int:
    """Admit under the scheme's rule or the given quota/threshold; report the cut-off and the ties."""
    check_outputs(args)
    if (code := run_outofcore(args, "admit")) is not None:  # --engine chunked / --scheduler (out of core)
        return code
    ties = parse_ties(args.ties)
    with progress(4, "admit", args.lang) as bar:
        scheme, load, res, rejected = load_inputs(args, bar)
        ev = evaluate_scored(res, quota=args.quota, threshold=args.threshold, ties=ties, require_rule=True)
        adm: AdmissionResult = ev.adm  # type: ignore[assignment]  # require_rule: never None
        bar.update(1)
    report = ev.dom
    counts = row_counts(load, res, rejected)
    paths: dict[str, str] = {}
    if args.out:
        from scoring.result_table import ResultTable

        table = ResultTable.of(res, admitted=adm.admitted_mask, stamp=scheme.stamp(args.lang))
        paths = _write_outputs(args, table, rejected)
    payload = {"scheme": _scheme_info(scheme, args.lang), **counts, **adm.summary(), "dominance": report.to_dict()}
    payload.update(paths)
    if len(rejected) and not args.out:
        payload["rejected_rows"] = rejected.head(100).to_dict(orient="records")
        payload["rejected_note"] = "first 100 problems; give --out to write them all beside the output"
    emit(args, payload, summary_lines(payload, args.lang, admission=True))
    QUICK_EXIT.add("admit")
    return 0


__all__ = ["TEXT", "PopulationError", "parse_ties", "register", "say", "write_table"]
