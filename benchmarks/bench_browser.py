"""Speed in the browser: the system Chromium (Playwright, headless) against a local ``streamlit run app.py``.

Measures, from the user's action to the page being idle and drawn:

- first load on a cold server (a fresh server process: nothing cached in memory; the disk cache of the population
  and the queue model's runs as a restarted deployment has it, or empty with ``--fresh-cache``);
- the Overview in a new browser session on the then warm server, in Chinese and in English (nothing to redo);
- page navigation (a click in the sidebar), each page twice (the second visit with warm caches);
- a widget change to updated output (Scheme page: the line; Distributions: the group; Quota: a new quota run).

"Idle" is measured in the page: a MutationObserver records the time of the last DOM change; the action counts as
done when Streamlit shows no running indicator, no stale or skeleton element, and the DOM has not changed for
``--quiet`` ms; the figure reported is the last change's time minus the action's time (what a person sees).
Beside it, the renderer's main thread busy during the action (a Chrome trace over CDP: the union of its tasks),
which says how much of the time is Chromium's own work (scripts, style, layout, paint) rather than the server's;
its tasks are timed by the wall clock, so a loaded machine inflates it too. The Scheme line is
measured on the first edit (a run of the app: the sidebar says "edited") and on later edits (a fragment run).
The server is started by ``tests/streamlit_server.py`` (shared with the browser test).

    python benchmarks/bench_browser.py [--n 1000000] [--reps 2] [--quiet 600] [--fresh-cache]

Goals (issue 16): a widget change ≤ 0.5 s and a page change ≤ 1 s at 1M people, first load ≤ 10 s. Timings are
never asserted in tests; this script prints a table and the machine's load average.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from streamlit_server import CHROMIUM, CHROMIUM_ARGS, streamlit_server  # noqa: E402  (shared with the test)

ARGS = CHROMIUM_ARGS

NAV = ["overview", "scheme", "distributions", "quota", "compare", "person", "data", "method", "pathways", "tuning"]
GOALS = {"first load": 10.0, "page": 1.0, "widget": 0.5}
OBSERVER = """() => {
  window.__last = performance.now();
  new MutationObserver(() => { window.__last = performance.now(); })
    .observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
}"""
BUSY = """() => !!(document.querySelector('[data-testid="stStatusWidget"]')
    || document.querySelector('[data-testid="stSkeleton"]') || document.querySelector('[data-stale="true"]'))"""


def idle_after(page, t0: float, quiet_ms: float, timeout_s: float = 180.0, react_s: float = 10.0) -> float:
    """Seconds from ``t0`` (page clock, ms) to the last DOM change once the page is idle and quiet. The page must
    first react (a DOM change after ``t0``): a slow server is not taken for an idle page (which would report 0 s and
    let the next action start while this one is still running); nothing at all within ``react_s`` counts as 0 s."""
    end = time.monotonic() + timeout_s
    page.wait_for_timeout(50)
    while time.monotonic() < end:
        busy, last, now = page.evaluate(f"() => [({BUSY})(), window.__last, performance.now()]")
        reacted = last > t0
        if not busy and reacted and now - last >= quiet_ms:
            return (last - t0) / 1000.0
        if not busy and not reacted and now - t0 >= react_s * 1000:
            return 0.0
        page.wait_for_timeout(40)
    raise TimeoutError("the page did not become idle")


class MainThread:
    """The renderer's main-thread busy time during an action (a Chrome trace over CDP: the union of the top-level
    slices of CrRendererMain), less sensitive to the machine's load than the wall time."""

    def __init__(self, page) -> None:
        self.page, self.cdp = page, page.context.new_cdp_session(page)

    def timed(self, action) -> tuple[float, float]:
        """(the action's result: wall seconds, the main thread's busy seconds)."""
        events: list[dict] = []

        def collect(data: dict) -> None:
            events.extend(data["value"])

        self.cdp.on("Tracing.dataCollected", collect)
        self.cdp.send("Tracing.start", {"categories": "devtools.timeline", "transferMode": "ReportEvents"})
        wall = action()
        done: list[int] = []
        self.cdp.once("Tracing.tracingComplete", lambda _: done.append(1))
        self.cdp.send("Tracing.end")
        while not done:
            self.page.wait_for_timeout(30)
        self.cdp.remove_listener("Tracing.dataCollected", collect)
        return wall, busy_seconds(events)


def busy_seconds(events: list[dict]) -> float:
    """Seconds the renderer's main thread was busy: the union of its complete ("X") slices."""
    main = {(e["pid"], e["tid"]) for e in events
            if e.get("name") == "thread_name" and e.get("args", {}).get("name") == "CrRendererMain"}
    spans = sorted((e["ts"], e["ts"] + e["dur"]) for e in events
                   if e.get("ph") == "X" and "dur" in e and (e.get("pid"), e.get("tid")) in main)
    total, end = 0.0, float("-inf")
    for start, stop in spans:
        if stop > end:
            total += stop - max(start, end)
            end = stop
    return total / 1e6


def now(page) -> float:
    """The page's clock (ms)."""
    return page.evaluate("() => performance.now()")


def first_load(browser, url: str, quiet: float) -> tuple[tuple[float, float], object]:
    """A first visit on the cold server: navigation start to idle (the page's own clock starts at navigation);
    returns ((wall s, main-thread busy s), the page)."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    tracer = MainThread(page)

    def load() -> float:
        page.goto(url, wait_until="domcontentloaded", timeout=180_000)
        page.evaluate(OBSERVER)
        page.wait_for_selector('[data-testid="stSidebar"]', timeout=180_000)
        return idle_after(page, 0.0, quiet)  # performance.now() counts from the navigation's start

    return tracer.timed(load), page


def navigate(page, slug: str, quiet: float) -> float:
    """Click the sidebar link of a page; seconds to idle."""
    link = page.locator('[data-testid="stSidebarNav"] a').nth(NAV.index(slug))
    t0 = now(page)
    link.click()
    return idle_after(page, t0, quiet)


def widget(page, action, quiet: float) -> float:
    """Run ``action(page)``; seconds to idle."""
    t0 = now(page)
    action(page)
    return idle_after(page, t0, quiet)


def main(argv: list[str] | None = None) -> int:
    """Run the measurements and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="synthetic population size (DASHBOARD_N)")
    ap.add_argument("--reps", type=int, default=2, help="repetitions of each navigation and widget change")
    ap.add_argument("--quiet", type=float, default=600.0, help="ms without DOM changes that count as idle")
    ap.add_argument("--fresh-cache", action="store_true",
                    help="start with an empty disk cache (dashboard/disk_cache.py): a server's very first start; "
                         "by default the server uses the deployment's cache, as on a restart")
    ap.add_argument("--timings", action="store_true",
                    help="log the server's phase timings (HUKOU_SIM_TIMINGS=1, dashboard/timing.py) and print them")
    args = ap.parse_args(argv)
    if args.timings:
        os.environ["HUKOU_SIM_TIMINGS"] = "1"
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT))
    from dashboard.i18n import t

    rows: list[tuple[str, str, list[tuple[float, float]]]] = []
    load0 = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        cache = str(Path(tmp) / "cache") if args.fresh_cache else None
        server = streamlit_server(args.n, Path(tmp) / "server.log", cache, wait_s=180.0)
        with server as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            first, page = first_load(browser, url, args.quiet)
            what = "overview (cold, no disk cache)" if args.fresh_cache else "overview (cold server)"
            rows.append(("first load", what, [first]))
            for lg in ("zh", "en"):  # a new browser session on the now warm server: must not redo the work
                again, other = first_load(browser, url if lg == "zh" else f"{url}/?lang=en", args.quiet)
                rows.append(("first load", f"overview, new session ({lg})", [again]))
                other.context.close()
            tracer = MainThread(page)

            def nav(slug: str) -> tuple[float, float]:
                return tracer.timed(lambda: navigate(page, slug, args.quiet))

            for slug in ("scheme", "distributions", "overview", "person", "quota", "overview"):
                times = [nav(slug)]
                for _ in range(args.reps - 1):
                    navigate(page, "method", args.quiet)
                    times.append(nav(slug))
                if slug == "quota":  # its first visit on its own row (it runs or reads the queue model)
                    rows.append(("page", "quota (first visit)", times[:1]))
                    times = times[1:]
                if times:
                    rows.append(("page", slug, times))
            navigate(page, "scheme", args.quiet)
            box = page.get_by_label(t("threshold", "zh")).first
            if box.count():
                times = []
                for k in range(args.reps + 1):  # the first edit runs the app; later edits run a fragment
                    value = str(100 + 2 * (k + 1))
                    times.append(tracer.timed(lambda v=value: widget(
                        page, lambda pg: (box.fill(v), box.press("Enter")), args.quiet)))
                rows.append(("widget", "scheme: the line, first edit", times[:1]))
                rows.append(("widget", "scheme: the line, later edits", times[1:]))
            navigate(page, "distributions", args.quiet)
            times = []
            for _ in range(args.reps):
                box = page.get_by_label(t("group_by", "zh")).first
                times.append(tracer.timed(lambda b=box: widget(
                    page, lambda pg: (b.click(), pg.keyboard.press("ArrowDown"), pg.keyboard.press("Enter")),
                    args.quiet)))
            rows.append(("widget", "distributions: the group", times))
            browser.close()
        if args.timings:
            log = (Path(tmp) / "server.log").read_text(encoding="utf-8", errors="replace")
            print("\n".join(line for line in log.splitlines() if line.startswith("[timing]")))
    load1 = os.getloadavg()
    print(f"bench_browser: n={args.n:,}, reps={args.reps}, idle = no running indicator and {args.quiet:g} ms "
          f"without DOM changes; load average {load0[0]:.1f} before, {load1[0]:.1f} after ({os.cpu_count()} cores)")
    print("  (main thread: the renderer main thread busy during the action, from a Chrome trace; its tasks are timed "
          "by the wall clock, so a loaded machine inflates it too)")
    print(f"{'kind':<11}{'what':<34}{'median s':>9}{'max s':>8}{'goal s':>8}  met{'main thread s':>15}")
    for kind, what, times in rows:
        walls = [w for w, _ in times]
        med, worst = statistics.median(walls), max(walls)
        cpu = statistics.median(b for _, b in times)
        goal = GOALS[kind]
        print(f"{kind:<11}{what:<34}{med:>9.2f}{worst:>8.2f}{goal:>8.1f}  {'yes' if med <= goal else 'no ':<3}"
              f"{cpu:>15.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
