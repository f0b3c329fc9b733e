"""Speed in the browser: the system Chromium (Playwright, headless) against a local ``streamlit run app.py``.

Measures, from the user's action to the page being idle and drawn:

- first load on a cold server (a fresh server process: nothing cached in memory; the disk cache of the population
  and the queue model's runs as a restarted deployment has it, or empty with ``--fresh-cache``);
- page navigation (a click in the sidebar), each page twice (the second visit with warm caches);
- a widget change to updated output (Scheme page: the line; Distributions: the group; Quota: a new quota run).

"Idle" is measured in the page: a MutationObserver records the time of the last DOM change; the action counts as
done when Streamlit shows no running indicator, no stale or skeleton element, and the DOM has not changed for
``--quiet`` ms; the figure reported is the last change's time minus the action's time (what a person sees).

    python benchmarks/bench_browser.py [--n 1000000] [--reps 2] [--quiet 600] [--fresh-cache]

Goals (issue 16): a widget change ≤ 0.5 s and a page change ≤ 1 s at 1M people, first load ≤ 10 s. Timings are
never asserted in tests; this script prints a table and the machine's load average.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run"]
NAV = ["overview", "scheme", "distributions", "quota", "compare", "person", "data", "method", "pathways", "tuning"]
GOALS = {"first load": 10.0, "page": 1.0, "widget": 0.5}
OBSERVER = """() => {
  window.__last = performance.now();
  new MutationObserver(() => { window.__last = performance.now(); })
    .observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
}"""
BUSY = """() => !!(document.querySelector('[data-testid="stStatusWidget"]')
    || document.querySelector('[data-testid="stSkeleton"]') || document.querySelector('[data-stale="true"]'))"""


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(n: int, log: Path, cache: str | None = None) -> tuple[subprocess.Popen, str]:
    """``streamlit run app.py`` on a free loopback port with ``DASHBOARD_N=n`` (and ``HUKOU_SIM_CACHE=cache`` when
    given: the dashboard's disk cache); returns (process, url)."""
    port = free_port()
    env = {**os.environ, "DASHBOARD_N": str(n), "PYTHONPATH": str(ROOT)}
    if cache is not None:
        env["HUKOU_SIM_CACHE"] = cache
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.25)
    proc.terminate()
    raise SystemExit("streamlit did not start (see the server log)")


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


def now(page) -> float:
    """The page's clock (ms)."""
    return page.evaluate("() => performance.now()")


def first_load(browser, url: str, quiet: float) -> tuple[float, object]:
    """A first visit on the cold server: navigation start to idle (the page's own clock starts at navigation)."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(url, wait_until="domcontentloaded", timeout=180_000)
    page.evaluate(OBSERVER)
    page.wait_for_selector('[data-testid="stSidebar"]', timeout=180_000)
    secs = idle_after(page, 0.0, quiet)  # performance.now() counts from the navigation's start
    return secs, page


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
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT))
    from dashboard.i18n import t

    rows: list[tuple[str, str, list[float]]] = []
    load0 = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        cache = str(Path(tmp) / "cache") if args.fresh_cache else None
        proc, url = start_server(args.n, Path(tmp) / "server.log", cache)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
                secs, page = first_load(browser, url, args.quiet)
                what = "overview (cold, no disk cache)" if args.fresh_cache else "overview (cold server)"
                rows.append(("first load", what, [secs]))
                for slug in ("scheme", "distributions", "overview", "person", "quota", "overview"):
                    times = [navigate(page, slug, args.quiet)]
                    for _ in range(args.reps - 1):
                        navigate(page, "method", args.quiet)
                        times.append(navigate(page, slug, args.quiet))
                    rows.append(("page", slug, times))
                navigate(page, "scheme", args.quiet)
                box = page.get_by_label(t("threshold", "zh")).first
                if box.count():
                    times = []
                    for k in range(args.reps):
                        value = str(100 + 2 * (k + 1))
                        times.append(widget(page, lambda pg, v=value: (box.fill(v), box.press("Enter")),
                                            args.quiet))
                    rows.append(("widget", "scheme: the line", times))
                navigate(page, "distributions", args.quiet)
                times = []
                for _ in range(args.reps):
                    box = page.get_by_label(t("group_by", "zh")).first
                    times.append(widget(page, lambda pg, b=box: (b.click(), pg.keyboard.press("ArrowDown"),
                                                                 pg.keyboard.press("Enter")), args.quiet))
                rows.append(("widget", "distributions: the group", times))
                browser.close()
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
    load1 = os.getloadavg()
    print(f"bench_browser: n={args.n:,}, reps={args.reps}, idle = no running indicator and {args.quiet:g} ms "
          f"without DOM changes; load average {load0[0]:.1f} before, {load1[0]:.1f} after ({os.cpu_count()} cores)")
    print(f"{'kind':<11}{'what':<32}{'median s':>9}{'max s':>8}{'goal s':>8}  met")
    for kind, what, times in rows:
        med, worst = statistics.median(times), max(times)
        goal = GOALS[kind]
        print(f"{kind:<11}{what:<32}{med:>9.2f}{worst:>8.2f}{goal:>8.1f}  {'yes' if med <= goal else 'no'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
