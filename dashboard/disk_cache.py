"""A small disk cache so a cold server does not recompute what an earlier process already computed: the synthetic
population (and its points-route people) and the queue model's runs the Overview and Quota pages show.

Files are Arrow IPC tables (uncompressed: a population of 1M people reads in a tenth of a second) and JSON (never
pickle: reading one runs no code), written atomically under ``HUKOU_SIM_CACHE`` (default ``.cache/dashboard`` in the
checkout, not tracked by git; ``off`` turns the cache off). Every name carries a fingerprint of the code and data
that produce the tables (the sources under ``scoring/`` and ``dashboard/``, the files under ``data/`` and
``scenarios/``), so changed code or data is never served stale results: it misses, recomputes and writes anew. At
most :data:`MAX_FILES` files and :data:`MAX_BYTES` bytes are kept (the oldest go first). Any error reading or
writing is a miss (the caller computes as if there were no cache). No streamlit here.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather

from scoring.safe_output import atomic_path

ROOT = Path(__file__).resolve().parent.parent
MAX_FILES = 64
MAX_BYTES = 2_000_000_000  # about 30 populations of 1M people
_SOURCES = (("scoring", ("*.py", "*.yaml", "*.yml", "*.csv", "*.json")), ("data", ("*",)),
            ("scenarios", ("*.yaml", "*.yml")), ("dashboard", ("*.py",)))  # the dashboard: how it calls the library


def cache_dir() -> Path | None:
    """The cache directory (None when the cache is off: ``HUKOU_SIM_CACHE=off``)."""
    value = os.environ.get("HUKOU_SIM_CACHE", "").strip()
    if value.lower() in ("off", "0", "none", "false"):
        return None
    return Path(value) if value else ROOT / ".cache" / "dashboard"


@functools.lru_cache(maxsize=1)
def fingerprint() -> str:
    """A hash of the code and data the cached tables come from (file names and contents)."""
    digest = hashlib.sha256()
    for folder, patterns in _SOURCES:
        base = ROOT / folder
        files = sorted({p for pat in patterns for p in base.rglob(pat) if p.is_file() and "__pycache__" not in p.parts})
        for path in files:
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def _path(name: str, suffix: str = ".arrow") -> Path | None:
    folder = cache_dir()
    if folder is None:
        return None
    key = hashlib.sha256(f"{fingerprint()}|{name}".encode()).hexdigest()[:32]
    return folder / f"{key}{suffix}"


def read_frame(name: str) -> pd.DataFrame | None:
    """The table stored under ``name`` for the current code and data, or None (a miss)."""
    path = _path(name)
    if path is None or not path.is_file():
        return None
    try:
        return feather.read_table(path, memory_map=False).to_pandas()
    except Exception:  # a damaged or foreign file is a miss; it is replaced on the next write
        return None


def write_frame(name: str, frame: pd.DataFrame, background: bool = False) -> None:
    """Store ``frame`` under ``name`` (atomically; errors are ignored: the cache is an optimisation only). With
    ``background`` the file is written by a thread, so the caller does not wait (``frame`` must not change)."""
    path = _path(name)
    if path is None:
        return
    if background:
        threading.Thread(target=_write, args=(path, frame), name="disk-cache-write", daemon=True).start()
    else:
        _write(path, frame)


def _write(path: Path, frame: pd.DataFrame) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            feather.write_feather(pa.Table.from_pandas(frame), tmp, compression="uncompressed")
        _prune(path.parent)
    except Exception:  # a read-only or full disk: run without the cache
        return


def read_json(name: str) -> Any:
    """The JSON value stored under ``name`` for the current code and data, or None (a miss)."""
    path = _path(name, ".json")
    if path is None or not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except Exception:  # a damaged file is a miss
        return None


def write_json(name: str, value: Any) -> None:
    """Store a JSON-able ``value`` under ``name`` (atomically; errors are ignored)."""
    path = _path(name, ".json")
    if path is None:
        return
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            tmp.write_text(text, encoding="utf-8")
        _prune(path.parent)
    except Exception:  # not JSON-able, or a read-only or full disk: run without the cache
        return


def _prune(folder: Path) -> None:
    """Keep the newest :data:`MAX_FILES` files and at most :data:`MAX_BYTES` (the newest file always stays)."""
    files = sorted([*folder.glob("*.arrow"), *folder.glob("*.json")], key=lambda p: p.stat().st_mtime, reverse=True)
    total = 0
    for n, path in enumerate(files):
        with contextlib.suppress(OSError):
            total += path.stat().st_size
            if n and (n >= MAX_FILES or total > MAX_BYTES):
                path.unlink()
