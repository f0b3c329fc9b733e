"""Dashboard speed with a large population: server-side re-render time per widget change, and figure sizes.

Run from the repository root::

    python benchmarks/bench_dashboard.py            # 1,000,000 people
    python benchmarks/bench_dashboard.py --n 200000

Each page is run under streamlit's AppTest (the real script, the real caches, no browser): a cold first run, then
one widget change per page, timed server-side. Every figure the pages draw is built from the same aggregates and
its JSON size measured (goal: at most 0.5 s per change and 300 KB per figure). Prints one table; asserts nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

import scoring  # noqa: E402
from dashboard import analysis, figures  # noqa: E402
from scoring.population.synthetic import synth  # noqa: E402

SCHEME = ROOT / "scenarios" / "schemes" / "hangzhou-2023-illustrative.yaml"


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_pages(n: int, seed: int) -> list[tuple[str, str, float]]:
    """(page, action, seconds) for a cold first run and one widget change per page."""
    rows: list[tuple[str, str, float]] = []
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.session_state["pop_n"] = n
    at.session_state["pop_seed"] = seed
    rows.append(("overview", "cold start (synth + score + first render)", timed(at.run)))
    assert not at.exception, at.exception
    rows.append(("overview", "rerun", timed(at.run)))
    at.session_state["lang"] = "en"
    rows.append(("overview", "language switch", timed(at.run)))

    def page(name: str) -> None:
        at.switch_page(f"dashboard/pages/{name}.py")

    page("scheme")
    rows.append(("scheme", "open", timed(at.run)))
    thr = next(x for x in at.number_input if x.key and x.key.startswith("adm_thr_"))
    rows.append(("scheme", "threshold 100 -> 105 (re-admit)", timed(lambda: thr.set_value(105.0).run())))
    base = at.session_state["editor_base"]
    key = "items_" + hashlib.sha256(base.encode()).hexdigest()[:10]
    at.session_state[key] = {"edited_rows": {0: {"points_per_unit": 5.0}}, "added_rows": [], "deleted_rows": []}
    rows.append(("scheme", "edit points per unit (re-score 1 scheme)", timed(at.run)))
    at.session_state[key] = {"edited_rows": {1: {"cap": 50.0}}, "added_rows": [], "deleted_rows": []}
    rows.append(("scheme", "edit a cap (re-score)", timed(at.run)))
    assert not at.exception, at.exception
    page("distributions")
    rows.append(("distributions", "open", timed(at.run)))
    rows.append(("distributions", "bin width 2 -> 1",
                 timed(lambda: at.select_slider(key="dist_bin").set_value(1.0).run())))
    rows.append(("distributions", "group by district",
                 timed(lambda: at.selectbox(key="dist_group").set_value("district").run())))
    page("quota")
    rows.append(("quota", "open (incl. year-by-year simulation)", timed(at.run)))
    at.number_input(key="qy_quota_hangzhou-2023-illustrative").set_value(20000)
    rows.append(("quota", "quota 20000, run (queue model, 2 x 2 runs)",
                 timed(lambda: next(b for b in at.button if b.proto.is_form_submitter).click().run())))
    rows.append(("quota", "rerun (cached)", timed(at.run)))
    page("compare")
    rows.append(("compare", "open (2 schemes)", timed(at.run)))
    rows.append(("compare", "add a third scheme",
                 timed(lambda: at.multiselect(key="cmp_pick").select("beijing-2020").run())))
    rows.append(("compare", "group by district",
                 timed(lambda: at.selectbox(key="cmp_column").set_value("district").run())))
    page("person")
    rows.append(("person", "open", timed(at.run)))
    rows.append(("person", "pick another person (+ flip search)",
                 timed(lambda: at.text_input(key="person_pid").set_value("P0000042").run())))
    page("data")
    rows.append(("data", "open", timed(at.run)))
    page("method")
    rows.append(("method", "open", timed(at.run)))
    assert not at.exception, at.exception
    return rows


def figure_sizes(n: int, seed: int) -> list[tuple[str, int]]:
    """JSON bytes of every figure the pages draw, built from the full population's aggregates."""
    pop = synth(n, seed)
    ev = analysis.evaluate(pop, scoring.load_scheme(SCHEME))
    res, sch = ev.res, ev.scheme
    stamp = sch.stamp("zh")
    h = analysis.headline(ev)
    masks = {"all": np.ones(res.n, bool), "eligible": res.eligible_mask, "admitted": ev.admitted_mask}
    labels = {i.id: i.name("zh") for i in sch.items}
    figs = {
        "histogram (bin 0.5)": figures.histogram(
            analysis.score_histogram(res.total_cents, res.eligible_mask, ev.admitted_mask, 0.5), h.line, "zh", stamp),
        "histogram (bin 2)": figures.histogram(
            analysis.score_histogram(res.total_cents, res.eligible_mask, ev.admitted_mask, 2.0), h.line, "zh", stamp),
        "item means by band": figures.item_bands(analysis.item_means_by_band(res, res.eligible_mask), labels, "zh",
                                                 stamp),
        "composition by district": figures.composition(analysis.composition(pop["district"], masks), {}, {}, "d",
                                                       "zh", stamp),
        "cut-off vs quota": figures.cutoff_curve(analysis.cutoff_table(res), 8000,
                                                 "zh", stamp),
        "dominance gauges": figures.gauges(h.shares, h.min_share, h.measure, "zh", stamp),
    }
    return [(name, len(fig.to_json())) for name, fig in figs.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(f"population: {args.n:,} synthetic people (seed {args.seed})")
    print(f"{'page':<14} {'action':<46} {'seconds':>8}")
    for page, action, sec in bench_pages(args.n, args.seed):
        flag = "" if sec <= 0.5 or action.startswith(("cold", "open")) else "  > 0.5 s"
        print(f"{page:<14} {action:<46} {sec:8.3f}{flag}")
    print(f"\n{'figure':<30} {'JSON bytes':>12}")
    for name, size in figure_sizes(args.n, args.seed):
        print(f"{name:<30} {size:12,}{'' if size <= 300_000 else '  > 300 KB'}")


if __name__ == "__main__":
    main()
