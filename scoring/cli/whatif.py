"""``whatif``: one person of a population file against the line, and the smallest change that flips the outcome."""

from __future__ import annotations

import argparse
from typing import Any

from scoring.cli import command_help
from scoring.cli.core import common_options
from scoring.cli.help_text import POPULATION_FILE, SCHEME_FILE, help_texts
from scoring.cli.options import POPULATION_EPILOG, plain_float
from scoring.cli.output import emit, line_in
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
    t = help_texts(sub)
    p = sub.add_parser("whatif", help=command_help("whatif", sub), epilog=t(*POPULATION_EPILOG))
    p.add_argument("--scheme", required=True, help=t(*SCHEME_FILE))
    p.add_argument("--population", required=True,
                   help=t(*POPULATION_FILE))
    p.add_argument("--person", required=True, help=t("该人员的 person_id", "the person's person_id"))
    p.add_argument("--line", type=plain_float, help=t("分数线（默认：按方案的录取规则在此人口上得出）",
                                                      "score line (default: the scheme's rule on this population)"))
    common_options(p)  # --json, --lang, and the file read as admit reads it: --skip-invalid, --drop-identifiers
    p.set_defaults(func=cmd_whatif)


def say(key: str, lang: str, **values: Any) -> str:
    """One line of output in ``lang``."""
    return line_in(TEXT, key, lang, **values)


def _rows_of(ids: Any, person: str) -> list[int]:
    """The 1-based data rows whose person_id is ``person`` (``ids``: person_id indexed by 0-based data row)."""
    import numpy as np

    if ids is None or not len(ids):
        return []
    at = np.flatnonzero((ids.astype("string") == person).fillna(False).to_numpy(bool))
    return [int(ids.index[i]) + 1 for i in at]


def _not_found(args: argparse.Namespace, load: Any, rejected: Any) -> str:
    """Why ``--person`` is not among the rows scored: its row was rejected, on reading or on scoring (where, and why,
    in ``--lang``), or it is not in the file. The ids are those the load kept (``PopulationLoad.rejected_ids`` and
    its frame): the file is not read again. The id is shown masked where it could be an identifier."""
    from scoring.population.validate import NOT_SHOWN, show_value
    from scoring.reasons import reason_text

    masked = show_value(args.person) == NOT_SHOWN  # an id number, a phone, a name: never echoed
    person = NOT_SHOWN if masked else repr(args.person)  # an ordinary id as typed
    missing = f"--person {person}: no such person_id in {args.population}"
    frame = load.frame["person_id"] if "person_id" in load.frame.columns else None
    for row in _rows_of(load.rejected_ids, args.person) + _rows_of(frame, args.person):
        why = rejected[rejected["row"] == row]
        if len(why):
            first = why.iloc[0]
            return (f"--person {person}: its row was rejected, so it is not scored: "
                    f"{load.where(row, first['column'])}: {reason_text(str(first['reason']), args.lang)}")
    return missing


def cmd_whatif(args: argparse.Namespace) -> int:
    """Place the person against the line (given, or the scheme's rule on the whole population) and search."""
    import numpy as np

    from scoring.cli.core import load_inputs, progress, row_counts
    from scoring.cli.summary import count_line
    from scoring.evaluation import evaluate_scored
    from scoring.population import schema
    from scoring.whatif import Rivals, flip_changes, standing

    with progress(3, "whatif", args.lang) as bar:  # the file read, typed and scored exactly as admit does
        scheme, load, res, rejected = load_inputs(args, bar)
    pop = res.population
    hits = np.flatnonzero((pop["person_id"].astype("string") == args.person).fillna(False).to_numpy(bool))
    if hits.size == 0:
        raise ScoringInputError(_not_found(args, load, rejected))
    pos = int(hits[0])
    row = pop.iloc[[pos]]
    rivals = None
    if args.line is not None:  # a line given: the person against it (admit --threshold's rule)
        line, strict = float(args.line), False
    else:  # the scheme's rule on this file: the person against the others, admit's verdict (tie rule included)
        ev = evaluate_scored(res, require_rule=True)
        line, strict = ev.line, ev.line_strict
        rivals = Rivals.of(res, ev.adm, pos)  # type: ignore[arg-type]  # require_rule: never None
    now = standing(row, scheme, line, strict, rivals)
    flips = flip_changes(row, scheme, line, strict, rivals)
    rows = row_counts(load, res, rejected)
    payload = {"scheme": {"id": scheme.id, "version": scheme.version, "stamp": scheme.stamp(args.lang)}, **rows,
               "person_id": args.person, "line": line, "strict": strict, "total": now.total,
               "eligible": now.eligible, "reason": now.reason, "admitted": now.admitted, "distance": now.distance,
               "points": now.points, "changes": flips.to_dict(orient="records")}
    gates = {g.id: (g.label.get(args.lang) if g.label else g.id) for g in scheme.eligibility}
    state = say("in" if now.admitted else "out", args.lang) if now.eligible else \
        say("ineligible", args.lang, reason=gates.get(now.reason, now.reason))
    lines = [scheme.stamp(args.lang)] + ([count_line(rows, args.lang)] if rows["rejected"] else []) + [
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
