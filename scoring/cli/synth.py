"""``python -m scoring synth --n N --seed S --out FILE [--json]``: write a synthetic Hangzhou population."""

from __future__ import annotations

import argparse
import sys
import time

from scoring.cli import command_help
from scoring.cli.files import TABLE_FORMATS, XLSX_MAX_ROWS, check_out, write_frame
from scoring.cli.help_text import help_texts
from scoring.cli.output import print_json
from scoring.errors import ScoringInputError

FORMATS = TABLE_FORMATS
PEAK_BYTES_PER_PERSON = 400  # measured peak of synth(): about 300 bytes a person (60 in the finished table)


class SynthOptionError(ScoringInputError):
    """A bad option of the synth command."""


# the generator's steps (scoring.population.synthetic.synth names them in English) in Chinese
STEPS_ZH = {"age and sex": "年龄和性别", "education": "学历", "district and origin": "区县和户籍来源",
            "residence": "居住年限", "employment and insurance": "就业和社保", "housing": "住房",
            "residence permit": "居住证", "marital status": "婚姻状况", "scheme extras": "方案所需的其他列",
            "assemble": "组装"}


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``synth`` command."""
    t = help_texts(subparsers)
    p = subparsers.add_parser("synth", help=command_help("synth", subparsers),
                              description=t("生成杭州非户籍常住人口的合成人口，按 data/ 中的统计表校准"
                                            "（见 docs/synthetic_population.md）。",
                                            "Write a synthetic population of Hangzhou's non-hukou residents, "
                                            "calibrated to the tables in data/ (see docs/synthetic_population.md)."))
    p.add_argument("--n", type=int, required=True, help=t("人数", "number of people"))
    p.add_argument("--seed", type=int, default=0,
                   help=t("随机种子（种子相同，生成的人口完全相同）",
                          "random seed (same seed -> identical population)"))
    p.add_argument("--out", required=True, help=t("输出文件：.parquet、.csv（带 BOM 的 UTF-8）或 .xlsx",
                                                  "output file: .parquet, .csv (UTF-8 with BOM) or .xlsx"))
    p.add_argument("--json", action="store_true", help=t("在标准输出打印 JSON 摘要", "print a JSON summary on stdout"))
    p.add_argument("--quiet", action="store_true", help=t("不在标准错误输出进度", "no progress on stderr"))
    p.add_argument("--lang", choices=("zh", "en"), default="zh",
                   help=t("进度信息和错误信息的语言（默认 zh）",
                          "language of the progress lines and error messages (default zh)"))
    p.set_defaults(func=run)


def check_synth_size(n: int, option: str = "--n") -> None:
    """Refuse a population that would not fit in the memory available now, before any is drawn."""
    from scoring.outofcore.engine_choice import available_memory

    need, have = n * PEAK_BYTES_PER_PERSON, available_memory()
    if need > have:
        raise SynthOptionError(f"{option} {n:,}: needs about {need / 1e9:,.1f} GB of memory, {have / 1e9:,.1f} GB "
                               f"is available; at most about {have // PEAK_BYTES_PER_PERSON:,} people here")


def run(args: argparse.Namespace) -> int:
    """Generate and write the population; print a JSON summary with --json."""
    from scoring.population.synthetic import synth

    if args.n < 1:  # a file of no people: every later command refuses it (a header without data rows)
        raise SynthOptionError(f"--n must be 1 or more people, got {args.n}")
    if not 0 <= args.seed < 2**63:
        raise SynthOptionError(f"--seed must be between 0 and 2**63-1, got {args.seed}")
    out = check_out(args.out)
    fmt = FORMATS.get(out.suffix.lower())
    if fmt is None:
        raise SynthOptionError(f"--out {out}: unknown extension '{out.suffix}' (use .parquet, .csv or .xlsx)")
    if fmt == "xlsx" and args.n > XLSX_MAX_ROWS:
        raise SynthOptionError(f"--out {out}: Excel holds at most {XLSX_MAX_ROWS} rows; use .parquet or .csv")
    check_synth_size(args.n)

    quiet = args.quiet
    started = time.perf_counter()

    zh = args.lang == "zh"

    def progress(msg: str) -> None:
        if not quiet:
            step = STEPS_ZH.get(msg, msg) if zh else msg
            sys.stderr.write(f"synth：{step}（{time.perf_counter() - started:.1f} 秒）\n" if zh else
                             f"synth: {step} ({time.perf_counter() - started:.1f} s)\n")
            sys.stderr.flush()

    frame = synth(args.n, args.seed, progress=progress)
    gen_seconds = time.perf_counter() - started
    progress(f"写出 {out}" if zh else f"writing {out}")
    write_frame(frame, out, fmt, sheet_name="population")  # atomic; a failed write raises a one-line error
    total = time.perf_counter() - started
    progress(f"完成：{len(frame):,} 人" if zh else f"done: {len(frame):,} people")
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
        print_json(summary)
    return 0
