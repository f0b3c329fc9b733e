"""Start ``streamlit run app.py`` on a free loopback port for the browser test and the browser benchmark (one copy
of the start-up code): ``with streamlit_server(n, log) as url: ...``."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"  # the system Chromium (never a downloaded browser)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_server(n: int, log: Path, cache: str | None = None, wait_s: float = 120.0) -> Iterator[str]:
    """``streamlit run app.py`` with ``DASHBOARD_N=n`` (and ``HUKOU_SIM_CACHE=cache`` when given: the dashboard's
    disk cache) on a free 127.0.0.1 port; yields its URL once it answers its health check, stops it afterwards. The
    server's output goes to ``log``, never to an unread pipe (a full pipe would block the server)."""
    port = free_port()
    env = {**os.environ, "DASHBOARD_N": str(n), "PYTHONPATH": str(ROOT)}
    if cache is not None:
        env["HUKOU_SIM_CACHE"] = cache
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            end = time.monotonic() + wait_s
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as r:
                        if r.status == 200:
                            break
                except OSError:
                    if time.monotonic() > end or proc.poll() is not None:
                        raise RuntimeError(f"streamlit did not start (see {log})") from None
                    time.sleep(0.25)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
