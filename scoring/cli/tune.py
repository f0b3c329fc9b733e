"""``python -m scoring tune|sensitivity|simplify SCHEME.yaml ...``: weight tuning, sensitivity and simplification.

Progress goes to stderr (tqdm); ``--json`` prints one JSON object on stdout. A bad option or file exits 2 with one
line on stderr (raised as :class:`scoring.errors.ScoringInputError`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from scoring.cli import command_help
from scoring.cli.files import check_out, write_error
from scoring.cli.help_text import POPULATION_FILE, SCHEME_FILE, help_texts
from scoring.cli.options import plain_float
from scoring.cli.output import emit
from scoring.cli.units import Units
from scoring.errors import ScoringInputError
from scoring.scheme.load import Scheme, load_scheme, save_scheme


class TuneOptionError(ScoringInputError):
    """A bad option of the tune / sensitivity / simplify commands."""


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``tune``, ``sensitivity`` and ``simplify`` commands."""
    t = help_texts(subparsers)
    p = subparsers.add_parser("tune", help=command_help("tune", subparsers))
    _inputs(p)
    p.add_argument("--min-share", type=float,
                   help=t("要求的主导性占比（默认：方案中的设定）", "dominance share required (default: the scheme's)"))
    p.add_argument("--measure", choices=("design", "realised", "decisive"), help=t("主导性口径", "dominance measure"))
    p.add_argument("--target-admitted", metavar="LO:HI", help=t(
        "录取人数的目标区间 LO..HI（任一端可留空），按实际人数计：即文件的行数；用 --synth N 时为样本所代表的 "
        "4,000,000 人（名额同样按实际人数计；输出会注明比例）",
        "number admitted within LO..HI (either may be empty), in real people: rows of the file, or with --synth N "
        "the 4,000,000 people the sample stands for (the quota's places likewise; the output states the ratio)"))
    p.add_argument("--target-cutoff", metavar="LO:HI",
                   help=t("名额制下最低录取分的目标区间 LO..HI", "cut-off score within LO..HI under a quota"))
    p.add_argument("--objective", choices=("closest", "stable-rank"), default="closest")
    p.add_argument("--bound", action="append", default=[], metavar="PARAM=LO:HI",
                   help=t("单个参数的取值范围，如 residence.points_per_unit=4:8（可重复）",
                          "bounds of one parameter, e.g. residence.points_per_unit=4:8 (repeatable)"))
    p.add_argument("--no-caps", action="store_true", help=t("所有上限保持不变", "keep every cap as it is"))
    p.add_argument("--sample", type=int, default=200_000,
                   help=t("优化所用样本的人数（0 = 全部）", "people in the optimiser's sample (0 = everyone)"))
    p.add_argument("--decimals", type=int, default=2,
                   help=t("新分值保留的小数位数", "round the new values to this many decimals"))
    p.add_argument("--round", type=float, metavar="STEP", dest="round_step", help=t(
        "便于公布的分值：把调参结果取整为 STEP 的倍数（0.5 或 1），并对全部约束重新精确校验；"
        "此时 --out 写出取整后的方案",
        "publishable values: round the tuned values to multiples of STEP (0.5 or 1) and re-check every constraint "
        "exactly; --out then writes the rounded scheme"))
    p.add_argument("--out", help=t("将新方案写入此文件（YAML）", "write the new scheme here (YAML)"))
    p.set_defaults(func=cmd_tune)

    p = subparsers.add_parser("sensitivity", help=command_help("sensitivity", subparsers))
    _inputs(p)
    p.add_argument("--pct", type=float, default=10.0,
                   help=t("龙卷风图：每个值分别取 -PCT%% 和 +PCT%%（默认 10）",
                          "tornado: each value at -PCT%% and +PCT%% (default 10)"))
    p.add_argument("--sobol", type=int, default=0, metavar="N",
                   help=t("另算 Sobol 指数，基础样本点数为 N（2 的幂；0 = 不计算）",
                          "also Sobol indices with N base points (a power of two; 0 = skip)"))
    p.add_argument("--sobol-pct", type=float, default=20.0,
                   help=t("Sobol：各值在 ±PCT%% 内均匀取值（默认 20）",
                          "Sobol: values uniform within +-PCT%% (default 20)"))
    p.add_argument("--sample", type=int, default=0,
                   help=t("抽样人数（0 = 全部；Sobol 默认 100000）",
                          "people sampled (0 = everyone; Sobol default 100000)"))
    p.set_defaults(func=cmd_sensitivity)

    p = subparsers.add_parser("simplify", help=command_help("simplify", subparsers))
    _inputs(p)
    p.add_argument("--keep", help=t("始终保留的积分项目，以逗号分隔（默认：主导性分组中的项目）",
                                    "comma-separated items never dropped (default: the dominance groups' items)"))
    p.add_argument("--hold", choices=("count", "rule"), default="count",
                   help=t("count：保持录取人数不变；rule：沿用方案自身的分数线或名额",
                          "count: admit as many as today; rule: the scheme's own line or quota"))
    p.add_argument("--method", choices=("exhaustive", "greedy"),
                   help=t("默认：不超过 12 项时用 exhaustive（穷举）", "default: exhaustive up to 12 items"))
    p.set_defaults(func=cmd_simplify)


def _inputs(p: argparse.ArgumentParser) -> None:
    t = help_texts(p)
    p.add_argument("scheme", help=t(*SCHEME_FILE))
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--population", help=t(*POPULATION_FILE))
    src.add_argument("--synth", type=int, metavar="N",
                     help=t("使用 N 人的合成人口", "use a synthetic population of N people"))
    p.add_argument("--seed", type=int, default=0,
                   help=t("合成人口和抽样的随机种子", "seed of the synthetic population and of the samples"))
    p.add_argument("--skip-invalid", action="store_true",
                   help=t("只使用人口数据文件中的有效行", "use the valid rows of the population file"))
    p.add_argument("--drop-identifiers", action="store_true",
                   help=t("删除含直接标识信息的列", "drop columns holding direct identifiers"))
    p.add_argument("--json", action="store_true",
                   help=t("在标准输出打印一个 JSON 对象", "print one JSON object on stdout"))
    p.add_argument("--lang", choices=("zh", "en"), default="zh",
                   help=t("报告语言（默认 zh）", "language of the report (default zh)"))


def _load(args: argparse.Namespace) -> tuple[Scheme, pd.DataFrame, dict[str, Any]]:
    """The scheme as written (its quota in real places), the population and where it came from; with --synth,
    ``info["ratio"]`` is the real people a row stands for (scoring.sampling: run the scheme with for_sample)."""
    scheme = load_scheme(args.scheme)
    if args.synth is not None:
        if args.synth < 1:
            raise TuneOptionError(f"--synth: value {args.synth} must be 1 or more people")
        from scoring.cli.synth import check_synth_size

        check_synth_size(args.synth, "--synth")
        from scoring.population.synthetic import synth
        from scoring.sampling import synth_ratio

        return scheme, synth(args.synth, args.seed), {"source": f"synth(n={args.synth}, seed={args.seed})",
                                                      "ratio": synth_ratio(args.synth)}
    from scoring.population.load import read_population

    load = read_population(args.population, skip_invalid=args.skip_invalid, drop_identifiers=args.drop_identifiers)
    info = {"source": args.population, "rows_in": load.rows_in, "rejected": load.rows_rejected, "ratio": 1.0}
    return scheme, load.frame, info


def _real_admitted_check(scheme: Scheme, admitted: tuple[float | None, float | None] | None) -> None:
    """Under a quota alone the number admitted is the quota: refuse an admitted target it cannot meet, naming the
    quota in real places (the library would name the sample's)."""
    adm = scheme.admission
    if admitted is None or adm is None or adm.mode != "quota" or adm.quota is None:
        return
    lo, hi = admitted
    if (lo is not None and lo > adm.quota) or (hi is not None and hi < adm.quota):
        raise TuneOptionError(f"--target-admitted: under a quota of {adm.quota} the number admitted is the quota; "
                              "give --target-cutoff instead, or a threshold")


def _real_checks(checks: list[dict[str, Any]], ratio: float) -> list[dict[str, Any]]:
    """Checks as JSON with the admitted counts in real people (``ratio`` real people per row)."""
    out = []
    for c in checks:
        c = dict(c)
        if c.get("quantity") == "admitted":
            for k in ("target", "sample_value", "value", "gap"):
                if c.get(k) is not None:
                    c[k] = float(c[k]) * ratio
        out.append(c)
    return out


def parse_range(text: str | None, option: str) -> tuple[float | None, float | None] | None:
    """``LO:HI`` with either end optional -> (lo, hi)."""
    if text is None:
        return None
    lo, sep, hi = text.partition(":")
    if not sep:
        raise TuneOptionError(f"{option}: value {text!r} must be LO:HI (either may be empty, e.g. 5000:)")
    try:
        out = (plain_float(lo) if lo.strip() else None, plain_float(hi) if hi.strip() else None)
    except argparse.ArgumentTypeError:
        raise TuneOptionError(f"{option}: value {text!r} must be numbers LO:HI") from None
    if out == (None, None) or any(v is not None and not np.isfinite(v) for v in out):
        raise TuneOptionError(f"{option}: value {text!r} needs at least one finite end")
    return out


def _bounds(items: list[str]) -> dict[str, tuple[float, float]]:
    out: dict[str, tuple[float, float]] = {}
    for text in items:
        name, sep, rng = text.partition("=")
        parsed = parse_range(rng, f"--bound {name}") if sep else None
        if parsed is None or None in parsed:
            raise TuneOptionError(f"--bound: value {text!r} must be PARAM=LO:HI, e.g. residence.points_per_unit=4:8")
        out[name.strip()] = (float(parsed[0]), float(parsed[1]))  # type: ignore[arg-type]
    return out


def _bar(desc: str, total: int | None = None) -> tqdm:
    return tqdm(total=total, desc=desc, file=sys.stderr, disable=None, leave=False)


# ------------------------------------------------------------------------------------------------------------
def cmd_tune(args: argparse.Namespace) -> int:
    """Tune the weights; write the new scheme with --out; exit 0 when met, 1 when no weights meet the targets."""
    from scoring.tuning.core import tune
    from scoring.tuning.problem import Constraints

    if args.sample < 0:
        raise TuneOptionError(f"--sample: value {args.sample} must be 0 (everyone) or more")
    if args.min_share is not None and not 0 <= args.min_share <= 1:
        raise TuneOptionError(f"--min-share: value {args.min_share} must be between 0 and 1")
    if args.round_step is not None and args.round_step not in (0.5, 1.0):
        raise TuneOptionError(f"--round: value {args.round_step:g}; choose 0.5 or 1")
    if args.out:
        check_out(args.out, (args.scheme, args.population))
    from scoring.sampling import for_sample, real_quota

    admitted = parse_range(args.target_admitted, "--target-admitted")  # real people
    cutoff = parse_range(args.target_cutoff, "--target-cutoff")
    bounds = _bounds(args.bound)
    scheme, pop, info = _load(args)
    _real_admitted_check(scheme, admitted)
    units = Units(len(pop), args.synth is not None)
    ratio = units.ratio  # the library counts rows of the sample: targets and places are divided by the ratio
    sample_admitted = None if admitted is None else tuple(None if v is None else v / ratio for v in admitted)
    cons = Constraints(args.min_share, args.measure, sample_admitted, cutoff)  # type: ignore[arg-type]
    with _bar("tune") as bar:
        def progress(msg: str) -> None:
            bar.set_postfix_str(msg)
            bar.update(1)

        out = tune(for_sample(scheme, ratio), pop, cons, args.objective, bounds=bounds or None,
                   caps=not args.no_caps, sample=args.sample or None, seed=args.seed, decimals=args.decimals,
                   progress=progress)
    payload = out.to_dict(args.lang)
    payload["population_source"] = info
    payload["units"] = units.to_dict()
    if units.synthetic:  # the targets and the quota are real people too
        more = {"zh": "--target-admitted 与方案名额亦按实际人数；优化在样本上进行。",
                "en": " --target-admitted and the scheme's quota are real people too; the optimiser runs on the "
                      "sample."}
        payload["units"]["line"] = {lang: line + more[lang] for lang, line in payload["units"]["line"].items()}
    payload["constraints"]["admitted"] = admitted
    payload["checks"] = _real_checks(payload["checks"], ratio)
    for side in ("before", "after"):
        for key in ("eligible", "admitted"):
            if payload[side].get(key) is not None:
                payload[side][key] = units.people(payload[side][key])
    rounded = None
    if args.round_step is not None and out.new_scheme is not None:
        from scoring.tuning.rounding import round_result

        rounded = round_result(out, pop, args.round_step)
        payload["rounded"] = rounded.to_dict(args.lang)
        payload["rounded"]["checks"] = _real_checks(payload["rounded"]["checks"], ratio)
    if args.out and out.new_scheme is not None:
        try:  # the file carries the scheme's own quota (real places), never the sample's
            save_scheme(real_quota(rounded.scheme if rounded is not None else out.new_scheme, scheme), args.out)
        except OSError as exc:
            raise write_error("--out", Path(args.out), exc) from None
        payload["written"] = args.out
    lines = _tune_lines(out, payload, args.lang) + _round_lines(rounded, args.lang, units.ratio)
    if "written" in payload:  # last, naming the version written (the rounded one with --round)
        zh = args.lang != "en"
        written = rounded.scheme if rounded is not None else out.new_scheme
        lines.append((f"新方案（版本 {written.version}）已写入 " if zh
                      else f"new scheme (version {written.version}) written to ") + payload["written"])
    emit(args, payload, lines)
    return 0 if out.new_scheme is not None else 1


def _round_lines(rounded: Any, lang: str, ratio: float = 1.0) -> list[str]:
    """The rounding step's report: each constraint re-checked exactly after rounding."""
    if rounded is None:
        return []
    zh = lang != "en"
    points = "point" if rounded.step == 1 else "points"
    head = (f"取整到{rounded.step:g}分后" if zh else f"After rounding to {rounded.step:g} {points}") + (
        ("：全部约束仍满足" if zh else ": every constraint still holds") if rounded.ok else
        ("：部分约束不再满足" if zh else ": some constraints no longer hold"))
    lines = [head]
    lines += ["  " + check_line(c, lang, ratio) for c in rounded.checks]
    lines += ["  " + d for d in rounded.diff(lang)]
    return lines


def _tune_lines(out: Any, payload: dict[str, Any], lang: str) -> list[str]:
    zh = lang != "en"
    lines = [out.scheme.stamp(lang), payload["units"]["line"][lang]]
    ratio = payload["units"]["ratio"]
    status = {"ok": ("已找到满足全部约束的权重", "weights found that meet every constraint"),
              "not_met": ("在样本上满足，但全体精确校验未完全满足",
                          "met on the sample, but the exact check on everyone misses"),
              "infeasible": ("在参数范围内无法同时满足约束", "no weights within the bounds meet the constraints")}
    lines.append(status[out.status][0 if zh else 1])  # what misses: the lines below (the JSON keeps the message)
    for b in out.binding:
        lines.append("  " + b.text(lang, ratio))
    lines += ["  " + check_line(c, lang, ratio) for c in out.checks]
    if out.new_scheme is not None:
        lines.append("改动（旧 → 新）：" if zh else "Changes (old → new):")
        lines += ["  " + d for d in out.diff(lang)]
        lines.append(f"  Kendall tau = {out.kendall_tau:.4f}; " + (
            f"录取名单变化 {out.changed_admissions * ratio:,.0f} 人" if zh
            else f"admissions changed: {out.changed_admissions * ratio:,.0f}"))
    lines.append(_NOTES.get(payload["note"], (payload["note"],) * 2)[0 if zh else 1])
    return lines


_NOTES = {"optimised on a seeded sample, checked exactly on the whole population; simulation":
          ("在带种子的抽样上优化，在全体人群上精确校验；模拟结果",
           "optimised on a seeded sample, checked exactly on the whole population; simulation"),
          "optimised and checked on the whole population; simulation":
          ("在全体人群上优化并校验；模拟结果", "optimised and checked on the whole population; simulation")}


def check_line(c: Any, lang: str, ratio: float = 1.0) -> str:
    """One constraint checked: ``✓ 决定性占比 ≥ 60.0%：114.7%`` (the number formatted, the label in ``lang``); an
    admitted count of a sample (``ratio`` real people per row) in real people, like its target."""
    from scoring.tuning.text import constraint_name, quantity_text

    name = constraint_name(c.constraint, c.quantity, lang)
    target, value = quantity_text(c.quantity, c.target, ratio), quantity_text(c.quantity, c.value, ratio)
    sep = "：" if lang != "en" else ": "
    return f"{'✓' if c.met else '✗'} {name} {'≥' if c.sense > 0 else '≤'} {target}{sep}{value}"


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """Tornado of every parameter (and Sobol indices with --sobol N)."""
    from scoring.tuning.sensitivity import sobol, tornado

    if not 0 < args.pct < 100 or not 0 < args.sobol_pct < 100:
        raise TuneOptionError("--pct and --sobol-pct must be between 0 and 100 (per cent)")
    if args.sobol and (args.sobol < 2 or args.sobol & (args.sobol - 1)):
        raise TuneOptionError(f"--sobol: value {args.sobol} must be a power of two (e.g. 64, 128, 256)")
    if args.sample < 0:
        raise TuneOptionError(f"--sample: value {args.sample} must be 0 (everyone) or more")
    from scoring.sampling import for_sample

    scheme, pop, info = _load(args)
    units = Units(len(pop), args.synth is not None)
    scheme = for_sample(scheme, units.ratio)  # the quota's real places as the sample's
    with _bar("tornado") as bar:
        tor = tornado(scheme, pop, args.pct, sample=args.sample or None, seed=args.seed,
                      progress=lambda k, n: (setattr(bar, "total", n), bar.update(1)))
    payload: dict[str, Any] = {"scheme": {"id": scheme.id, "version": scheme.version, "stamp": scheme.stamp(args.lang)},
                               "population_source": info, "tornado": tor.to_dict(args.lang)}
    outcome = "cutoff" if scheme.admission is not None and scheme.admission.mode == "quota" else "admitted"
    label = {"cutoff": ("分数线", "cut-off"), "admitted": ("录取人数", "admitted")}[outcome][args.lang == "en"]
    zh = args.lang != "en"
    lines = [scheme.stamp(args.lang), units.line(args.lang),
             f"{'龙卷风图' if zh else 'tornado'} ±{args.pct:g}% — {label}"]
    frame = tor.frame(outcome)[["parameter", "low_value", "high_value", "change_low", "change_high"]]
    if outcome == "admitted":
        frame = units.frame(frame, skip=("parameter", "low_value", "high_value"))
    if zh:
        frame = frame.rename(columns={"parameter": "参数", "low_value": "低值", "high_value": "高值",
                                      "change_low": "低值时的变化", "change_high": "高值时的变化"})
    lines += ["  " + line for line in frame.to_string(index=False).splitlines()]
    if args.sobol:
        with _bar("sobol") as bar:
            res = sobol(scheme, pop, args.sobol_pct, n=args.sobol, sample=args.sample or 100_000, seed=args.seed,
                        progress=lambda k, n: (setattr(bar, "total", n), bar.update(k - bar.n)))
        payload["sobol"] = res.to_dict(args.lang)
        lines.append(f"Sobol (±{args.sobol_pct:g}%, n={args.sobol}): total-order indices")
        lines += ["  " + line for line in res.total_order.T.round(3).to_string().splitlines()]
    lines.append("模拟结果" if zh else "simulation")
    emit(args, payload, lines)
    return 0


_ZH_WORDS = {"exhaustive": "穷举", "greedy": "逐步删减", "count": "保持录取人数不变",
             "rule": "按方案自身的分数线或名额"}


def cmd_simplify(args: argparse.Namespace) -> int:
    """Ranked list of item removals and the admissions each changes."""
    from scoring.sampling import for_sample
    from scoring.tuning.simplification import simplify

    keep = [k.strip() for k in args.keep.split(",") if k.strip()] if args.keep is not None else None
    scheme, pop, info = _load(args)
    units = Units(len(pop), args.synth is not None)
    scheme = for_sample(scheme, units.ratio)  # the quota's real places as the sample's
    with _bar("simplify") as bar:
        res = simplify(scheme, pop, keep=keep, hold=args.hold, method=args.method, seed=args.seed,
                       progress=lambda k, n: (setattr(bar, "total", n), bar.update(k - bar.n)))
    payload = {"scheme": {"id": scheme.id, "version": scheme.version, "stamp": scheme.stamp(args.lang)},
               "population_source": info, **res.to_dict(args.lang)}
    zh = args.lang != "en"
    today = f"{units.people(res.admitted):,}"
    lines = [scheme.stamp(args.lang), units.line(args.lang),
             (f"方法：{_ZH_WORDS.get(res.method, res.method)}，{_ZH_WORDS.get(res.hold, res.hold)}，现行录取 {today} 人"
              if zh else
              f"{res.method}, hold={res.hold}, admitted today: {today}")]
    frame = units.frame(res.frame(), skip=("dropped", "changed_share"))
    names = {i.id: i.name(args.lang) for i in scheme.items}
    frame["items"] = [("、" if zh else ", ").join(names.get(x, x) for x in str(v).split(", ")) for v in frame["items"]]
    if zh:
        frame = frame.rename(columns={"dropped": "删除项数", "items": "删除的项目", "changed": "名单变化",
                                      "entered": "新进", "left": "退出", "admitted": "录取",
                                      "changed_share": "变化占现行录取"})
    lines += ["  " + line for line in frame.to_string(index=False).splitlines()]
    emit(args, payload, lines)
    return 0
