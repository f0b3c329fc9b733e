"""``python -m scoring pathways``: who qualifies by which settlement route under a rule set (and old vs new)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from scoring.errors import PopulationError, ScoringInputError
from scoring.pathways_tables import GROUPINGS

PERMIT_GROUPS = ("education", "age_band", "origin_group", "district")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``pathways`` command."""
    p = subparsers.add_parser(
        "pathways", help="settlement pathways under a rule set (points, conversion, talent, family, permit)",
        description="For every person, which settlement routes they qualify for under a rule set "
                    "(rulesets/*.yaml); with --compare, old rules against new and the marginal effect of each "
                    "rule change made alone. See docs/pathways.md.")
    p.add_argument("--rules", required=True, help="rule-set YAML file (e.g. rulesets/notice-2023.yaml)")
    p.add_argument("--compare", metavar="OLD",
                   help="old rule set to compare against (e.g. rulesets/before-2023.yaml)")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--population", help="population file (CSV/XLSX/Parquet)")
    src.add_argument("--synth", type=int, metavar="N", help="synthetic Hangzhou population of N people")
    p.add_argument("--seed", type=int, default=0, help="seed for --synth and the pathway attributes (default 0)")
    p.add_argument("--fill-pathways", action="store_true",
                   help="add missing pathway attributes to --population with synthetic values (assumptions)")
    p.add_argument("--drop-identifiers", action="store_true", help="drop columns holding direct identifiers")
    p.add_argument("--group-by", default=",".join(PERMIT_GROUPS),
                   help=f"groups for the tables, comma-separated; choices: {', '.join(GROUPINGS)}")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of labels (default zh)")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("--out", help="write the tables (CSV, UTF-8 with BOM) and summary.json to this folder")
    p.set_defaults(func=run)


def _population(args: argparse.Namespace) -> pd.DataFrame:
    from scoring.synth_pathways import add_pathway_attributes, pathway_columns

    if args.synth is not None:
        if args.synth < 0:
            raise ScoringInputError(f"--synth must be 0 or more people, got {args.synth}")
        from scoring.cli.synth import check_synth_size

        check_synth_size(args.synth, "--synth")
        from scoring.synth import synth

        return add_pathway_attributes(synth(args.synth, args.seed), args.seed)
    if args.population is None:
        raise ScoringInputError("give a population: --population FILE or --synth N [--seed S]")
    from scoring.pathways_columns import normalise_pathway_columns
    from scoring.population import load_population

    pop = normalise_pathway_columns(load_population(args.population, drop_identifiers=args.drop_identifiers),
                                    args.population)
    if args.fill_pathways:
        return add_pathway_attributes(pop, args.seed)
    missing = [c for c in pathway_columns() if c not in pop.columns]
    if missing:
        sys.stderr.write(f"note: {args.population} lacks pathway attribute(s) {', '.join(missing)}; routes that "
                         "read them will fail (use --fill-pathways for synthetic values)\n")
    return pop


def _groups(text: str) -> list[str]:
    groups = [g.strip() for g in text.split(",") if g.strip()]
    for g in groups:
        if g not in GROUPINGS:
            raise PopulationError(f"--group-by: value {g!r} is not a grouping; choices: {', '.join(GROUPINGS)}")
    return groups


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return json.loads(frame.to_json(orient="records", force_ascii=False))


def _write(out: Path, tables: dict[str, pd.DataFrame], summary: dict[str, Any], stamp: str) -> None:
    """The tables (Excel-safe CSV) and summary.json in folder ``out``, each file written atomically."""
    from scoring.cli.files import write_error, write_frame
    from scoring.safe_output import atomic_path

    if out.exists() and not out.is_dir():
        raise ScoringInputError(f"--out {out}: is a file; --out names a folder for the tables")
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, frame in tables.items():
            write_frame(frame.assign(stamp=stamp), out / f"{name}.csv", "csv")
        with atomic_path(out / "summary.json") as tmp:
            tmp.write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    except OSError as exc:
        raise write_error("--out", out, exc) from None


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    """A table for people: shares as percentages, counts with thousands separators, yes/no as ✓ or blank."""
    out = frame.copy()
    for col in out.columns:
        values = out[col]
        if pd.api.types.is_bool_dtype(values.dtype):
            out[col] = values.map({True: "✓", False: ""})
        elif "share" in str(col) and pd.api.types.is_float_dtype(values.dtype):
            out[col] = values.map(lambda v: "" if pd.isna(v) else f"{v:.1%}")
        elif pd.api.types.is_integer_dtype(values.dtype):
            out[col] = values.map(lambda v: f"{v:,}")
    return out


def _print_text(tables: dict[str, pd.DataFrame], stamp: str, lang: str) -> None:
    titles = {"zh": {"by_pathway": "各途径符合条件人数", "combinations": "途径组合（前10）", "compare": "新旧规则对比",
                     "marginal": "单项改动的边际效果（在旧规则上单独施加）"},
              "en": {"by_pathway": "qualifying by pathway", "combinations": "combinations of routes (top 10)",
                     "compare": "old against new rules",
                     "marginal": "marginal effect of each change made alone on top of the old rules"}}[lang]
    print(stamp)
    with pd.option_context("display.width", 160, "display.max_columns", 30):
        for name, frame in tables.items():
            if name.startswith(("permit_", "groups_")):
                continue
            print(f"\n## {titles.get(name, name)}")
            print(readable(frame.head(10) if name == "combinations" else frame).to_string(index=False))
        permits = [n for n in tables if n.startswith("permit_")]
        for name in permits[:1]:
            print(f"\n## {'居住证申领资格' if lang == 'zh' else 'residence-permit eligibility'} ({name[7:]})")
            print(readable(tables[name]).to_string(index=False))


def run(args: argparse.Namespace) -> int:
    """Evaluate the rule set(s) and print/write the tables."""
    from scoring.pathways import evaluate
    from scoring.pathways_compare import compare
    from scoring.pathways_rules import load_ruleset

    rules = load_ruleset(args.rules)
    old = load_ruleset(args.compare) if args.compare else None
    groups = _groups(args.group_by)
    pop = _population(args)
    lang = args.lang
    tables: dict[str, pd.DataFrame] = {}
    if old is not None:
        cmp = compare(pop, old, rules)
        res = cmp.new
        stamp = cmp.stamp(lang)
        summary: dict[str, Any] = cmp.summary()
        tables["compare"] = cmp.table(lang)
        marginal = cmp.marginal.copy()
        if lang == "en":
            marginal["label"] = marginal["label_en"]
        tables["marginal"] = marginal.drop(columns=["label_en"])
    else:
        res = evaluate(pop, rules)
        stamp = res.stamp(lang)
        summary = res.summary()
    tables["by_pathway"] = res.by_pathway(lang)
    tables["combinations"] = res.combinations()
    for g in groups:
        tables[f"groups_{g}"] = cmp.by_group(g) if old is not None else res.by_group(g)
        if res.permit is not None:
            tables[f"permit_{g}"] = res.permit_by_group(g)
    summary["stamp_line"] = stamp
    if args.out:
        _write(Path(args.out), tables, summary, stamp)
    if args.json:
        payload = {**summary, "tables": {k: _records(v) for k, v in tables.items()}}
        print(json.dumps(payload, ensure_ascii=False))
    else:
        _print_text(tables, stamp, lang)
    return 0
