"""notebooks/weight_tuning.ipynb runs top to bottom (nbclient) and its asserts hold."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent


def test_weight_tuning_notebook_executes() -> None:
    nb = nbformat.read(ROOT / "notebooks" / "weight_tuning.ipynb", as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    assert "ok" in text and "infeasible" in text and "模拟" in text and "Kendall tau" in text
