"""``whatif``: one person of a population file against the line, and the smallest change that flips the outcome."""

from __future__ import annotations

import argparse
from typing import Any

from scoring.cli.options import POPULATION_EPILOG, plain_float
from scoring.cli.output import emit
from scoring.errors import ScoringInputError

TEXT: dict[str, tuple[str, str]] = {
    "standing": ("人员 {pid}：总积分 {total} · 分数线 {line} · 差距 {distance} · {state}",
                 "person {pid}: total {total} · line {line} · distance {distance} · {state}"),
    "in": ("达到分数线", "in"), "out": ("未达分数线", "out"),
    "ineligible": ("不符合资格（{reason}）", "not eligible ({reason})"),
    "change": ("  {column}：{amount} → 总积分 {new_total}", "  {column}: {amount} → total {new_total}"),
    "more": ("多 {n} 个月（{old} → {new} 年）", "{n} months more ({old} → {new} years)"),
    "fewer": ("少 {n} 个月（{old} → {new} 年）", "{n} months fewer ({old} → {new} years)"),
    "more_both": ("各多 {n} 个月", "{n} months more each"),
    "set": ("改为“{value}”", "set to {value}"),
    "yes": ("是", "yes"), "no": ("否", "no"),
    "nothing": ("  没有单项改变能改变结果", "  no single change flips the outcome"),
}


def register(sub: argparse._SubParsersAction) -> None:
    """Add the whatif command."""
    p = sub.add_parser("whatif", help="one person against the line: what would flip the outcome",
                      epilog=POPULATION_EPILOG)
    p.add_argument("--scheme", required=True, help="scheme YAML file")
    p.add_argument("--population", required=True, help="population file (CSV/XLSX/Parquet)")
    p.add_argument("--person", required=True, help="the person's person_id")
    p.add_argument("--line", type=plain_float, help="score line (default: the scheme's rule on this population)")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of labels (default zh)")
    p.set_defaults(func=cmd_whatif)


def say(key: str, lang: str, **values: Any) -> str:
    """One line of output in ``lang``."""
    return TEXT[key][0 if lang == "zh" else 1].format(**values)


def _not_found(args: argparse.Namespace, load: Any) -> str:
    """Why ``--person`` is not among the rows scored: its row was rejected (where, and why, in ``--lang``), or it is
    not in the file. The ids of the rejected rows are those the load kept (``PopulationLoad.rejected_ids``): the
    file is not read again."""
    import numpy as np

    from scoring.reasons import reason_text

    missing = f"--person {args.person!r}: no such person_id in {args.population}"
    ids = load.rejected_ids
    if not load.rows_rejected or ids is None:
        return missing
    at = np.flatnonzero((ids.astype("string") == args.person).fillna(False).to_numpy(bool))
    if at.size == 0:
        return missing
    row = int(ids.index[at[0]]) + 1  # the data row (1-based)
    why = load.rejected[load.rejected["row"] == row]
    if not len(why):
        return missing
    first = why.iloc[0]
    return (f"--person {args.person!r}: its row was rejected, so it is not scored: {load.where(row, first['column'])}"
            f": {reason_text(str(first['reason']), getattr(args, 'lang', 'zh'))}")


def cmd_whatif(args: argparse.Namespace) -> int:
    """Place the person against the line (given, or the scheme's rule on the whole population) and search."""
    import numpy as np

    from scoring.engine.inputs import population_schema_for
    from scoring.evaluation import evaluate
    from scoring.population import schema
    from scoring.population.load import read_population
    from scoring.scheme.load import load_scheme
    from scoring.whatif import Rivals, flip_changes, standing

    scheme = load_scheme(args.scheme)
    schema_used = population_schema_for(scheme)
    load = read_population(args.population, skip_invalid=True, schema=schema_used)
    pop = load.frame
    if "person_id" not in pop.columns:
        raise ScoringInputError(f"{args.population}: has no person_id column")
    hits = np.flatnonzero((pop["person_id"].astype("string") == args.person).fillna(False).to_numpy(bool))
    if hits.size == 0:
        raise ScoringInputError(_not_found(args, load))
    pos = int(hits[0])
    row = pop.iloc[[pos]]
    rivals = None
    if args.line is not None:  # a line given: the person against it (admit --threshold's rule)
        line, strict = float(args.line), False
    else:  # the scheme's rule on this file: the person against the others, admit's verdict (tie rule included)
        ev = evaluate(pop, scheme, on_invalid="reject", require_rule=True)
        line, strict = ev.line, ev.line_strict
        at = ev.res.index.get_loc(pop.index[pos])  # its place among the rows scored
        rivals = Rivals.of(ev.res, ev.adm, at)  # type: ignore[arg-type]  # require_rule: never None
    now = standing(row, scheme, line, strict, rivals)
    flips = flip_changes(row, scheme, line, strict, rivals)
    payload = {"scheme": {"id": scheme.id, "version": scheme.version, "stamp": scheme.stamp(args.lang)},
               "person_id": args.person, "line": line, "strict": strict, "total": now.total,
               "eligible": now.eligible, "reason": now.reason, "admitted": now.admitted, "distance": now.distance,
               "points": now.points, "changes": flips.to_dict(orient="records")}
    gates = {g.id: (g.label.get(args.lang) if g.label else g.id) for g in scheme.eligibility}
    state = say("in" if now.admitted else "out", args.lang) if now.eligible else \
        say("ineligible", args.lang, reason=gates.get(now.reason, now.reason))
    lines = [scheme.stamp(args.lang),
             say("standing", args.lang, pid=args.person, total=f"{now.total:,.2f}",
                 line="—" if line is None else f"{line:,.2f}",
                 distance="—" if now.distance is None else f"{now.distance:+,.2f}", state=state)]
    fewer = bool(now.admitted)  # an admitted person's outcome flips with fewer months, anyone else's with more
    for change in flips.itertuples(index=False):
        amount = change.amount
        if change.kind == "months":
            old = float(row[change.column].iloc[0])
            new = old + (-1 if fewer else 1) * int(amount) / 12.0
            amount = say("fewer" if fewer else "more", args.lang, n=amount, old=f"{old:.2f}", new=f"{new:.2f}")
        elif change.kind == "both":
            amount = say("more_both", args.lang, n=amount)
        elif isinstance(amount, bool | np.bool_):
            amount = say("set", args.lang, value=say("yes" if amount else "no", args.lang))
        else:
            amount = say("set", args.lang, value=schema.value_label(change.column, amount, args.lang))
        column = "+".join(schema.label(c, args.lang) for c in str(change.column).split("+"))
        lines.append(say("change", args.lang, column=column, amount=amount,
                         new_total=f"{change.new_total:,.2f}"))
    if flips.empty:
        lines.append(say("nothing", args.lang))
    emit(args, payload, lines)
    return 0
