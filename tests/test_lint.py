"""The code base is ruff clean (part of the test suite so CI enforces it)."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_clean() -> None:
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    assert ruff, "ruff is in requirements-dev.txt"
    proc = subprocess.run([ruff, "check", str(ROOT)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_library_never_imports_streamlit() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "scoring").rglob("*.py")
        if "import streamlit" in p.read_text(encoding="utf-8") or "from streamlit" in p.read_text(encoding="utf-8")
    ]
    assert offenders == []


def test_no_references_to_files_outside_the_repository() -> None:
    """Code, errors, data and docs cite the project's docs (docs/schemes.md, data/SOURCES.md, ...) and public
    sources, never a design note or policy folder that is not in the repository."""
    outside = ("DESIGN" + ".md", "shared" + "/policy")  # split so that this file does not match itself
    folders = ("scoring", "dashboard", "tests", "docs", "rulesets", "scenarios", "data", "benchmarks", "notebooks")
    files = [ROOT / "README.md", ROOT / "app.py"]
    kinds = (".py", ".md", ".yaml", ".csv", ".ipynb")
    files += [p for d in folders for p in (ROOT / d).rglob("*") if p.suffix in kinds]
    texts = {p: p.read_bytes().decode("utf-8", "replace") for p in files if p.is_file()}  # one sample is GB18030
    offenders = [f"{p.relative_to(ROOT)}: {s}" for p, text in texts.items() for s in outside if s in text]
    assert offenders == []
