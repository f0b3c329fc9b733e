"""``python -m scoring calibrate SCENARIO --targets FILE [--out DIR] [--update] [--json]``.

Fits the parameters listed in the targets file to its observed yearly series and writes, to ``--out`` (default
``out/calibrate-<scenario id>``): ``scenario.yaml`` (the scenario with the fitted values and a ``calibration``
block), ``fit_report.json``, ``fit.csv`` and ``parameters.csv``. ``--update`` also rewrites the scenario file in
place (its comments are kept; only its ``dynamics`` and ``calibration`` blocks are replaced). Progress goes to
stderr; bad targets exit 2 with one line.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

import yaml

from scoring.cli import command_help
from scoring.cli.help_text import help_texts
from scoring.cli.output import emit
from scoring.errors import ScenarioError
from scoring.safe_output import atomic_path, write_json, write_table
from scoring.scenario.calibrate_targets import read_targets
from scoring.scenario.calibration import FitResult, calibrate
from scoring.scenario.load import load_scenario
from scoring.scenario.model import deep_merge
from scoring.yaml_files import read_yaml_mapping


def register(sub: argparse._SubParsersAction) -> None:
    """Add the calibrate command."""
    t = help_texts(sub)
    p = sub.add_parser("calibrate", help=command_help("calibrate", sub))
    p.add_argument("scenario", help=t("情景 YAML 文件", "scenario YAML file"))
    p.add_argument("--targets", required=True,
                   help=t("校准目标文件（YAML 或 CSV），含数据来源和待校准的参数",
                          "targets file (YAML or CSV) with sources and the parameters"))
    p.add_argument("--out", help=t("结果文件夹（默认：out/calibrate-<情景 id>）",
                                   "results folder (default: out/calibrate-<scenario id>)"))
    p.add_argument("--update", action="store_true",
                   help=t("同时用校准后的值改写情景文件", "also rewrite the scenario file with the fitted values"))
    p.add_argument("--max-evals", type=int, default=60,
                   help=t("目标函数最多计算的次数（默认 60）", "objective evaluations at most (default 60)"))
    p.add_argument("--replications", type=int, help=t("每次计算的重复次数（默认：情景中的设定）",
                                                      "replications per evaluation (default: the scenario's)"))
    p.add_argument("--ratio", type=float, help=t(
        "校准时的抽样比（默认：情景中的设定）；最终结果表总是按情景自身的抽样比运行",
        "sampling ratio while fitting (default: the scenario's); the final table is always run at the scenario's "
        "ratio"))
    p.add_argument("--json", action="store_true",
                   help=t("在标准输出以 JSON 打印校准报告", "print the fit report as JSON on stdout"))
    p.set_defaults(func=cmd_calibrate)


def replace_blocks(text: str, blocks: dict[str, Any]) -> str:
    """``text`` of a YAML mapping with the top-level keys in ``blocks`` replaced (or appended); comments kept."""
    lines = text.splitlines()
    for key, value in blocks.items():
        dumped = yaml.safe_dump({key: value}, allow_unicode=True, sort_keys=False, width=118).rstrip("\n")
        starts = [i for i, line in enumerate(lines) if re.match(rf"^{re.escape(key)}\s*:", line)]
        if not starts:
            lines += dumped.splitlines()
            continue
        i = starts[0]
        j = i + 1
        while j < len(lines) and (not lines[j].strip() or lines[j][:1] in (" ", "\t")):
            j += 1
        lines[i:j] = dumped.splitlines()
    return "\n".join(lines) + "\n"


def fitted_text(path: Path, result: FitResult, targets_path: str) -> str:
    """The scenario file's text with the fitted dynamics and the calibration block."""
    raw = read_yaml_mapping(path, "scenario", ScenarioError, "id, scheme, population, ...")
    values: dict[str, Any] = {}
    for dotted, v in {**result.targets.fixed, **result.fitted}.items():  # the fixed values too: the run used them
        node = values
        parts = dotted.split(".")
        for k in parts[:-1]:
            node = node.setdefault(k, {})
        node[parts[-1]] = round(v) if abs(v) >= 1000 else round(v, 6)
    blocks: dict[str, Any] = {"dynamics": deep_merge(raw.get("dynamics") or {}, values.get("dynamics", {}))}
    if "burn_in" in values:
        blocks["burn_in"] = deep_merge(raw.get("burn_in") or {}, values["burn_in"])
    blocks["calibration"] = result.calibration_block(targets_path)
    return replace_blocks(path.read_text(encoding="utf-8"), blocks)


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Run the calibration and write its results."""
    if args.max_evals < 1 or (args.replications is not None and args.replications < 1) or (
            args.ratio is not None and not args.ratio > 0):
        raise ScenarioError("--max-evals and --replications must be >= 1 and --ratio > 0")
    sc = load_scenario(args.scenario)
    targets = read_targets(args.targets)
    sc.population()
    result = calibrate(sc, targets, max_evals=args.max_evals, replications=args.replications, ratio=args.ratio,
                       log=lambda m: sys.stderr.write(m + "\n"))
    out = Path(args.out or Path("out") / f"calibrate-{sc.id}")
    out.mkdir(parents=True, exist_ok=True)
    text = fitted_text(Path(args.scenario), result, str(args.targets))
    report = result.report()
    report["out"] = str(out)
    with atomic_path(out / "scenario.yaml") as tmp:
        tmp.write_text(text, encoding="utf-8")
    write_json(report, out / "fit_report.json", indent=1)
    for name, frame in (("fit.csv", result.table), ("parameters.csv", result.parameter_table())):
        write_table(frame, out / name, stamp=sc.stamp("en"))
    if args.update:
        with atomic_path(args.scenario) as tmp:
            tmp.write_text(text, encoding="utf-8")
    lines = [f"{sc.id}: objective {result.objective:.4g} after {result.evaluations} evaluations "
             f"({result.seconds:.0f} s); sampling 1:{sc.ratio:g}"]
    for r in result.parameter_table().itertuples():
        lines.append(f"  {r.path} = {r.value:.6g}  [{r.low:g}, {r.high:g}]" + (f"  at {r.at_bound} bound"
                                                                              if r.at_bound else ""))
    for r in result.table.itertuples():
        sim = "—" if r.simulated is None or r.simulated != r.simulated else f"{r.simulated:,.2f}"
        obs = "—" if r.observed is None or r.observed != r.observed else f"{r.observed:,.2f}"
        tag = " (held out)" if r.held_out else ""
        lines.append(f"  {r.target}{tag}: observed {obs}, model {sim}, error {r.error_units:+.2f} units")
    lines.append(f"results in {out}" + (f"; {args.scenario} updated" if args.update else ""))
    emit(args, report, lines)
    return 0
