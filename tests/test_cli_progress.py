"""The steps bar of ``score``/``admit``: drawn by tqdm on a terminal, in the user's language; nothing (and tqdm not
imported) where stderr is a file or a pipe."""

from __future__ import annotations

import io
import subprocess
import sys

from scoring.cli import core


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_bar_on_a_terminal_in_the_language(monkeypatch) -> None:
    screen = _Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    with core.progress(4, "admit", "zh") as bar:
        bar.update(1)
    assert type(bar).__name__ == "tqdm"
    assert core.PROGRESS_TEXT["admit"][0] in screen.getvalue()
    with core.progress(4, "admit", "en") as bar:
        bar.update(1)
    assert core.PROGRESS_TEXT["admit"][1] in screen.getvalue()


def test_no_bar_and_no_tqdm_off_a_terminal() -> None:
    code = ("import sys\nfrom scoring.cli import core\nwith core.progress(4, 'admit') as bar:\n    bar.update(1)\n"
            "print(type(bar).__name__, 'tqdm' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["_NoBar", "False"]
    assert out.stderr == ""
