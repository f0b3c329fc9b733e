"""``python -m scoring pathways``: who qualifies by which settlement route under a rule set (and old vs new)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from scoring.cli import command_help
from scoring.cli.help_text import POPULATION_FILE, help_texts
from scoring.cli.output import print_json
from scoring.cli.units import Units
from scoring.errors import PopulationError, ScoringInputError
from scoring.pathways.tables import GROUPINGS

PERMIT_GROUPS = ("education", "age_band", "origin_group", "district")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``pathways`` command."""
    t = help_texts(subparsers)
    p = subparsers.add_parser("pathways", help=command_help("pathways", subparsers), description=t(
        "按规则集（rulesets/*.yaml）算出每个人符合哪些落户途径；加 --compare 时比较新旧规则，并从两个方向看每项规则改动"
        "（单独施加于旧规则、单独从新规则中撤去）；还给出通知未明确之处的不同读法（--reading）和公共服务需求。"
        "详见 docs/pathways.md。",
        "For every person, which settlement routes they qualify for under a rule set (rulesets/*.yaml); with "
        "--compare, old rules against new and each rule change both ways (added alone to the old rules, taken alone "
        "out of the new); the readings of the points the notice leaves open (--reading) and the public-service "
        "demand. See docs/pathways.md."))
    p.add_argument("--rules", required=True, help=t("规则集 YAML 文件（如 rulesets/notice-2023.yaml）",
                                                    "rule-set YAML file (e.g. rulesets/notice-2023.yaml)"))
    p.add_argument("--compare", metavar="OLD",
                   help=t("用于比较的旧规则集（如 rulesets/before-2023.yaml）",
                          "old rule set to compare against (e.g. rulesets/before-2023.yaml)"))
    src = p.add_mutually_exclusive_group()
    src.add_argument("--population", help=t(*POPULATION_FILE))
    src.add_argument("--synth", type=int, metavar="N",
                     help=t("N 人的杭州合成人口", "synthetic Hangzhou population of N people"))
    p.add_argument("--seed", type=int, default=0, help=t("--synth 和落户途径属性的随机种子（默认 0）",
                                                         "seed for --synth and the pathway attributes (default 0)"))
    p.add_argument("--fill-pathways", action="store_true",
                   help=t("用合成值（属假设）补上 --population 中缺少的落户途径属性",
                          "add missing pathway attributes to --population with synthetic values (assumptions)"))
    p.add_argument("--drop-identifiers", action="store_true",
                   help=t("删除含直接标识信息的列", "drop columns holding direct identifiers"))
    p.add_argument("--group-by", default=",".join(PERMIT_GROUPS),
                   help=t(f"汇总表的分组，以逗号分隔；可选：{'、'.join(GROUPINGS)}",
                          f"groups for the tables, comma-separated; choices: {', '.join(GROUPINGS)}"))
    p.add_argument("--reading", action="append", default=[], metavar="ID=OPTION", help=t(
        "选择通知中未明确之处的读法（可重复），如 dormitory=excluded、yrd_residence=on；"
        "两个规则集都有该事项时同时适用；见读法表",
        "choose how an open point of the notice is read (repeatable), e.g. dormitory=excluded, yrd_residence=on; "
        "applied to both rule sets where they have it; see the readings table"))
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="overrides", help=t(
        "按点分键名设定规则集中的值（可重复；只作用于 --rules 规则集），如 pathways.conversion.phase_in=0.3",
        "set a rule-set value by dotted key (repeatable; to the --rules set only), e.g. "
        "pathways.conversion.phase_in=0.3"))
    p.add_argument("--lang", choices=("zh", "en"), default="zh",
                   help=t("标签语言（默认 zh）", "language of labels (default zh)"))
    p.add_argument("--json", action="store_true",
                   help=t("在标准输出打印一个 JSON 对象", "print one JSON object on stdout"))
    p.add_argument("--out", help=t("将各表（CSV，带 BOM 的 UTF-8，可放心用 Excel 打开）和 summary.json 写入此文件夹",
                                   "write the tables (CSV, UTF-8 with BOM, Excel-safe) and summary.json to this "
                                   "folder"))
    p.set_defaults(func=run)


def _population(args: argparse.Namespace) -> pd.DataFrame:
    from scoring.population.synth_pathways import add_pathway_attributes, pathway_columns

    if args.synth is not None:
        if args.synth < 0:
            raise ScoringInputError(f"--synth must be 0 or more people, got {args.synth}")
        from scoring.cli.synth import check_synth_size

        check_synth_size(args.synth, "--synth")
        from scoring.population.synthetic import synth

        return add_pathway_attributes(synth(args.synth, args.seed), args.seed)
    if args.population is None:
        raise ScoringInputError("give a population: --population FILE or --synth N [--seed S]")
    from scoring.pathways.columns import normalise_pathway_columns
    from scoring.population.load import load_population

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


def _pairs(items: list[str], flag: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ScoringInputError(f"{flag}: value {item!r} must look like KEY=VALUE")
        out[key.strip()] = value.strip()
    return out


def _overrides(items: list[str]) -> dict[str, Any]:
    import yaml

    out: dict[str, Any] = {}
    for key, text in _pairs(items, "--set").items():
        try:
            out[key] = yaml.safe_load(text)
        except yaml.YAMLError:
            raise ScoringInputError(f"--set {key}: value {text!r} is not a plain value") from None
    return out


def _load(path: str, readings: dict[str, str], overrides: dict[str, Any] | None = None) -> Any:
    from scoring.pathways.rules import _read_yaml, load_ruleset

    own = (_read_yaml(Path(path), "rule-set").get("readings") or {}) if readings else {}
    mine = {k: v for k, v in readings.items() if k in own}
    return load_ruleset(path, readings=mine, overrides=overrides)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return json.loads(frame.to_json(orient="records", force_ascii=False))


def _write(out: Path, tables: dict[str, pd.DataFrame], summary: dict[str, Any], stamp: str) -> None:
    """The tables (Excel-safe CSV) and summary.json in folder ``out``, each file written atomically."""
    from scoring.cli.files import write_error, write_frame
    from scoring.safe_output import write_json

    if out.exists() and not out.is_dir():
        raise ScoringInputError(f"--out {out}: is a file; --out names a folder for the tables")
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, frame in tables.items():
            write_frame(frame, out / f"{name}.csv", "csv", stamp=stamp)
        write_json(summary, out / "summary.json", indent=2)
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


def _group_name(group: str, lang: str) -> str:
    """A grouping's name in ``lang`` (the population schema's column label, else the pathway labels)."""
    from scoring.labels import PATHWAY_COLUMNS, pathway_column
    from scoring.population.schema import label

    return pathway_column(group, lang) if group in PATHWAY_COLUMNS else label(group, lang)


def _headed(frame: pd.DataFrame, lang: str, name: str, group: str | None = None) -> pd.DataFrame:
    """A printed table in Chinese: headers from :mod:`scoring.labels`, the group's values labelled (text only; the
    --json keys and the CSV headers keep the column names)."""
    if lang != "zh":
        return frame
    from scoring.labels import PATHWAY_VALUES, pathway_column

    out = frame.copy()
    if group is not None and group in out.columns:
        if group in PATHWAY_VALUES:
            names = {k: v[0] for k, v in PATHWAY_VALUES[group].items()}
            out[group] = out[group].astype(str).map(lambda v: names.get(v, v))
        elif group != "age_band":
            from scoring.population.schema import value_label

            out[group] = out[group].astype(str).map(lambda v: value_label(group, v, "zh"))
    headers = {c: pathway_column(c, lang) for c in out.columns}
    if name == "marginal":
        headers["change"] = "改动"
    if group is not None:
        headers[group] = _group_name(group, lang)
    return out.rename(columns=headers)


def _print_text(tables: dict[str, pd.DataFrame], stamp: str, lang: str, overrides: dict[str, Any],
                notes: list[str]) -> None:
    titles = {"zh": {"by_pathway": "各途径符合条件人数", "combinations": "途径组合（前10）", "compare": "新旧规则对比",
                     "marginal": "单项改动的效果：新增＝在旧规则上单独施加时新增；"
                                 "撤去后失去＝从新规则中单独撤去时失去",
                     "readings": "通知未明确之处：采用的解读与开关（--reading ID=OPTION）",
                     "services": "公共服务需求（期望值；比例均为假设，见 service_assumptions）"},
              "en": {"by_pathway": "qualifying by pathway", "combinations": "combinations of routes (top 10)",
                     "compare": "old against new rules",
                     "marginal": "each change both ways: newly = added alone to the old rules; without_lost = taken "
                                 "alone out of the new rules",
                     "readings": "points the notice leaves open: readings and switches in force (--reading ID=OPTION)",
                     "services": "public-service demand (expected values; every rate is an assumption, see "
                                 "service_assumptions)"}}[lang]
    print(stamp)
    for note in notes:
        print(note)
    if overrides:
        print(("改动的规则数值（--set）：" if lang == "zh" else "rule values set (--set): ")
              + ", ".join(f"{k}={v}" for k, v in overrides.items()))
    # east-Asian widths: a Chinese header or value takes two columns on the screen, so the columns line up
    with pd.option_context("display.width", 160, "display.max_columns", 30, "display.unicode.east_asian_width", True):
        for name, frame in tables.items():
            if name.startswith(("permit_", "groups_")) or name == "service_assumptions":
                continue
            if name == "marginal":
                frame = frame[[c for c in ("change", "label", "newly", "lost", "net", "without_lost",
                                           "without_gained", "without_net") if c in frame.columns]]
            if name == "readings":
                frame = frame[["reading", "kind", "choice", "choice_label", "default", "alternatives"]]
            if name == "services":
                frame = frame.drop(columns="group").round(0).astype({c: "int64" for c in frame.columns
                                                                      if c not in ("group", "label")})
            print(f"\n## {titles.get(name, name)}")
            print(_headed(readable(frame.head(10) if name == "combinations" else frame), lang,
                          name).to_string(index=False))
        for name in [n for n in tables if n.startswith(("groups_", "permit_"))]:
            group = name.partition("_")[2]
            title = (("各组符合条件人数" if lang == "zh" else "qualifying by group") if name.startswith("groups_")
                     else ("居住证申领资格" if lang == "zh" else "residence-permit eligibility"))
            print(f"\n## {title}（{_group_name(group, lang)}）" if lang == "zh" else
                  f"\n## {title} ({_group_name(group, lang)})")
            print(_headed(readable(tables[name]), lang, name, group).to_string(index=False))


_SIDE_COUNTS = ("people", "any", "multiple_routes")
_POINTS_COUNTS = ("quota", "eligible", "candidates", "admitted", "tied_at_cutoff", "decided_by_tiebreak")


def _real_side(side: dict[str, Any], units: Units) -> dict[str, Any]:
    """One rule set's summary with its person counts in real people."""
    out = dict(side)
    for key in _SIDE_COUNTS:
        if key in out:
            out[key] = units.people(out[key])
    for key in ("pathways", "permit"):
        if isinstance(out.get(key), dict):
            out[key] = {k: units.people(v) for k, v in out[key].items()}
    if isinstance(out.get("points"), dict):
        out["points"] = {pid: {k: units.people(v) if k in _POINTS_COUNTS else v for k, v in o.items()}
                         for pid, o in out["points"].items()}
    return out


def _real_summary(summary: dict[str, Any], units: Units, compared: bool) -> dict[str, Any]:
    """The summary with every person count in real people (sample counts times the ratio)."""
    if not compared:
        return _real_side(summary, units)
    out = dict(summary, old=_real_side(summary["old"], units), new=_real_side(summary["new"], units))
    for key in ("newly_qualifying", "no_longer_qualifying", "sum_of_marginal_newly"):
        out[key] = units.people(out[key])
    out["changes"] = [{k: units.people(v) for k, v in row.items()} for row in summary["changes"]]
    return out


def run(args: argparse.Namespace) -> int:
    """Evaluate the rule set(s) and print/write the tables."""
    from scoring.pathways.comparison import compare
    from scoring.pathways.core import evaluate
    from scoring.pathways.services import service_assumptions, service_demand

    readings = _pairs(args.reading, "--reading")
    rules = _load(args.rules, readings, _overrides(args.overrides))
    old = _load(args.compare, readings) if args.compare else None
    unknown = [k for k in readings if k not in rules.readings and (old is None or k not in old.readings)]
    if unknown:
        raise ScoringInputError(f"--reading: {unknown[0]!r} is not a reading of {args.rules}; readings: "
                                f"{', '.join(rules.readings) or '(none)'}")
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
    tables["readings"] = pd.DataFrame(rules.readings_in_force(lang))
    if res.permit is not None and all(c in res.population.columns for c in ("children_6_11", "children_12_14")):
        tables["services"] = service_demand(res, cmp.old if old is not None else None, lang=lang).round(1)
        tables["service_assumptions"] = pd.DataFrame(service_assumptions(lang=lang))
        summary["services"] = _records(tables["services"])
    for g in groups:
        tables[f"groups_{g}"] = cmp.by_group(g) if old is not None else res.by_group(g)
        if res.permit is not None:
            tables[f"permit_{g}"] = res.permit_by_group(g)
    units = Units(len(pop), args.synth is not None)
    if units.synthetic:
        tables = {k: v if k in ("readings", "service_assumptions")
                  else units.frame(v, skip=("routes",) if k == "combinations" else ()) for k, v in tables.items()}
        summary = _real_summary(summary, units, old is not None)
        if "services" in tables:
            summary["services"] = _records(tables["services"])
    summary["units"] = units.to_dict()
    notes = [units.line(lang)]
    if not res.enabled:
        notes.append("此规则集没有落户途径，只评估居住证申领资格。" if lang == "zh"
                     else "This rule set has no settlement route; only residence-permit eligibility is evaluated.")
    summary["stamp_line"] = stamp
    if args.out:
        _write(Path(args.out), tables, summary, stamp)
    if args.json:
        payload = {**summary, "tables": {k: _records(v) for k, v in tables.items()}}
        print_json(payload)
    else:
        _print_text(tables, stamp, lang, dict(rules.overrides), notes)
    return 0
