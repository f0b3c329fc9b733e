"""Notebooks run top to bottom (nbclient) with no error; one test per notebook."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent


def _execute(name: str) -> list[dict]:
    nb = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    errors = [o for o in outputs if o.get("output_type") == "error"]
    assert not errors, errors[0].get("evalue") if errors else ""
    return outputs


def test_quota_removal_notebook() -> None:
    outputs = _execute("quota_removal.ipynb")
    text = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    assert "模拟结果" in text and "simulation" in text and "admitted over 6 years" in text


def test_calibration_notebook() -> None:
    outputs = _execute("calibration.ipynb")
    text = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    assert "the line rises under a fixed quota" in text and "杭州市城区" in text and "admitted over 10 years" in text
