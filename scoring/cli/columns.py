"""``columns``: the input columns a population file may have and the headers accepted for each (Chinese or English),
read from the one description, ``scoring/population/population_schema.yaml``; with ``--scheme``, only the columns
that scheme reads (and person_id)."""

from __future__ import annotations

import argparse
from typing import Any

from scoring.cli import command_help
from scoring.cli.help_text import help_texts
from scoring.cli.output import emit, line_in

TEXT: dict[str, tuple[str, str]] = {
    "title": ("可接受的输入列（列名可用中文或英文；不区分大小写，忽略空格、“_”和“-”）",
              "input columns (headers in Chinese or English; case, spaces, '_' and '-' ignored)"),
    "scheme": ("方案 {id} 读取的列", "the columns scheme {id} reads"),
    "column": ("{name}（{label}，{kind}）：{aliases}", "{name} ({label}, {kind}): {aliases}"),
    "own": ("{name}：方案自行定义的输入列，列名须与之相同",
            "{name}: an input the scheme declares itself; use this header"),
    "docs": ("详见 docs/population_input.md", "details: docs/population_input.md"),
}
KINDS = {"string": ("文本", "text"), "int": ("整数", "whole number"), "float": ("数字", "number"),
         "bool": ("是/否", "yes/no"), "category": ("类别", "category")}


def register(sub: argparse._SubParsersAction) -> None:
    """Add the columns command."""
    t = help_texts(sub)
    p = sub.add_parser("columns", help=command_help("columns", sub))
    p.add_argument("--scheme", help=t("只列出该方案 YAML 读取的列（及 person_id）",
                                      "only the columns this scheme YAML reads (and person_id)"))
    p.add_argument("--json", action="store_true",
                   help=t("在标准输出打印一个 JSON 对象", "print one JSON object on stdout"))
    p.add_argument("--lang", choices=("zh", "en"), default="zh",
                   help=t("标签语言（默认 zh）", "language of labels (default zh)"))
    p.set_defaults(func=cmd_columns)


def _say(key: str, lang: str, **values: Any) -> str:
    return line_in(TEXT, key, lang, **values)


def cmd_columns(args: argparse.Namespace) -> int:
    """List the columns (canonical name, label, type) and the headers accepted for each."""
    from scoring.population.schema import load_schema

    schema = load_schema()
    names = list(schema.columns)
    own: list[str] = []
    scheme_id = None
    if args.scheme:
        from scoring.scheme.load import load_scheme

        scheme = load_scheme(args.scheme)
        scheme_id = scheme.id
        wanted = ["person_id", *scheme.columns()]
        own = [c for c in dict.fromkeys(wanted) if c in scheme.inputs or c not in schema.columns]
        names = [c for c in dict.fromkeys(wanted) if c not in own]
    i = 0 if args.lang == "zh" else 1
    columns = [{"name": c, "label": schema.columns[c].label(args.lang), "type": schema.columns[c].type,
                "headers": list(dict.fromkeys([c, *schema.columns[c].aliases]))} for c in names]
    columns += [{"name": c, "label": None, "type": None, "headers": [c]} for c in own]
    payload = {"scheme": scheme_id, "columns": columns}
    lines = [_say("title", args.lang) if scheme_id is None else
             _say("title", args.lang) + " · " + _say("scheme", args.lang, id=scheme_id)]
    sep = "、" if args.lang == "zh" else ", "
    for col in columns:
        if col["label"] is None:
            lines.append("  " + _say("own", args.lang, name=col["name"]))
        else:
            lines.append("  " + _say("column", args.lang, name=col["name"], label=col["label"],
                                     kind=KINDS.get(col["type"], (col["type"], col["type"]))[i],
                                     aliases=sep.join(col["headers"])))
    lines.append(_say("docs", args.lang))
    emit(args, payload, lines)
    return 0
