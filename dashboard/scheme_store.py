"""Where schemes come from: the shipped ones (read-only) and a separate store of schemes saved from the dashboard.

No streamlit here (the caching lives in dashboard/state.py), so the rules can be tested directly:

* Shipped schemes live in ``scenarios/schemes/`` and are keyed by id. The dashboard never writes there. If two files
  there claim one id, the file named ``<id>.yaml`` wins, otherwise the first by name: a later file cannot shadow a
  shipped scheme.
* Saved schemes live in their own directory (``HUKOU_SIM_SAVED_SCHEMES``, default ``saved_schemes/`` in the
  checkout), are keyed ``saved:<id>@<version>`` and are always drafts. Saving needs an id that no shipped scheme
  uses and an (id, version) not yet saved; a file is never overwritten.
* Anything uploaded, edited, tuned or saved is a draft: a status of ``official`` (or ``illustrative``) cannot be
  declared by a user; the stamp then says 草案 / draft.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from scoring.errors import SchemeError, ScoringInputError
from scoring.safe_output import create_new
from scoring.scheme.load import Scheme, load_scheme, load_scheme_text, scheme_from_dict
from scoring.yaml_files import comment_line

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_DIR = ROOT / "scenarios" / "schemes"
SAVED_PREFIX = "saved:"
MAX_SCHEME_BYTES = 256 * 1024  # an uploaded or saved scheme file; the shipped ones are under 10 KB
MAX_SAVED = 200  # schemes kept in the store at most
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
VERSION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
DRAFT = "draft"


def saved_dir() -> Path:
    """The directory of saved schemes (``HUKOU_SIM_SAVED_SCHEMES`` or ``saved_schemes/`` in the checkout)."""
    env = os.environ.get("HUKOU_SIM_SAVED_SCHEMES", "").strip()
    return Path(env) if env else ROOT / "saved_schemes"


def as_draft(scheme: Scheme) -> Scheme:
    """``scheme`` with status draft (a user's upload, edit or tuning result is never official)."""
    if scheme.status == DRAFT:
        return scheme
    data = scheme.to_dict()
    data["status"] = DRAFT
    return scheme_from_dict(data, scheme.path or "<scheme>")


def as_edited(scheme: Scheme, origin: Scheme) -> Scheme:
    """``scheme`` as a user's edit of ``origin``: a draft that says in its stamp which scheme the edit started from
    (``edited_from``, kept from ``origin`` when that is itself an edit), so every chart, table and export shows it."""
    data = scheme.to_dict()
    data["status"] = DRAFT
    data["edited_from"] = origin.edited_from or f"{origin.id} v{origin.version}"
    return scheme_from_dict(data, scheme.path or "<scheme>")


def draft_text(text: str, name: str = "<uploaded scheme>") -> str:
    """YAML text of an uploaded scheme, validated (``load_scheme_text``, never evaluated) and made a draft;
    ``name``: the upload's file name, as messages name it."""
    if len(text.encode("utf-8")) > MAX_SCHEME_BYTES:
        raise SchemeError(f"the scheme file is larger than {MAX_SCHEME_BYTES // 1024} KB")
    return as_draft(load_scheme_text(text, name)).to_yaml()


def shipped_texts(directory: Path = SHIPPED_DIR) -> dict[str, str]:
    """Every shipped scheme (``base`` resolved) as YAML text, by id; ``<id>.yaml`` wins over any other file."""
    found: dict[str, tuple[bool, str]] = {}
    for path in sorted(directory.glob("*.yaml")):
        try:
            scheme = load_scheme(path)
        except (ScoringInputError, OSError, RecursionError, MemoryError):
            continue
        own_name = path.stem == scheme.id
        if scheme.id not in found or (own_name and not found[scheme.id][0]):
            found[scheme.id] = (own_name, scheme.to_yaml())
    return {k: v[1] for k, v in found.items()}


def saved_signature(directory: Path | None = None) -> tuple[tuple[str, int, int], ...]:
    """(name, size, mtime) of every saved file: a cache key that changes when another session saves."""
    directory = directory or saved_dir()
    if not directory.is_dir():
        return ()
    out = []
    for path in sorted(directory.glob("*.yaml"))[:MAX_SAVED]:
        try:
            st = path.stat()
        except OSError:
            continue
        out.append((path.name, st.st_size, st.st_mtime_ns))
    return tuple(out)


def saved_texts(directory: Path | None = None, shipped_ids: frozenset[str] = frozenset()) -> dict[str, str]:
    """Saved schemes as draft YAML text keyed ``saved:<id>@<version>``; unreadable or shadowing files are skipped."""
    directory = directory or saved_dir()
    out: dict[str, str] = {}
    for name, size, _ in saved_signature(directory):
        if size > MAX_SCHEME_BYTES:
            continue
        try:
            text = (directory / name).read_text(encoding="utf-8")
            scheme = as_draft(load_scheme_text(text, name))
        except (ScoringInputError, OSError, UnicodeDecodeError, RecursionError, MemoryError):
            continue
        if scheme.id in shipped_ids:
            continue  # never shadow a shipped scheme, even if a file was put there by hand
        out.setdefault(saved_key(scheme), scheme.to_yaml())
    return out


def saved_key(scheme: Scheme) -> str:
    """The key of a saved scheme."""
    return f"{SAVED_PREFIX}{scheme.id}@{scheme.version}"


@dataclass(frozen=True)
class SaveRefused(Exception):
    """Saving refused; ``reason`` is an i18n key, ``fields`` its placeholders."""

    reason: str
    fields: tuple[tuple[str, str], ...] = ()


def save(scheme: Scheme, new_id: str, version: str, title: str | None, shipped_ids: frozenset[str],
         directory: Path | None = None) -> tuple[Path, Scheme]:
    """Save ``scheme`` as a draft under a new id and version in the store; return the file and the saved scheme.

    Raises :class:`SaveRefused` when the id or version is malformed, the id is a shipped scheme's, the
    (id, version) is already saved, or the store is full.
    """
    directory = directory or saved_dir()
    new_id, version = new_id.strip(), version.strip()
    if not ID_RE.match(new_id):
        raise SaveRefused("save_id_bad")
    if not version:
        raise SaveRefused("save_version_required")
    if not VERSION_RE.match(version):
        raise SaveRefused("save_version_bad")
    if new_id in shipped_ids:
        raise SaveRefused("save_id_shipped", (("id", new_id),))
    existing = saved_texts(directory, shipped_ids)
    data = scheme.to_dict()
    data.update(id=new_id, version=version, status=DRAFT)
    if title and title.strip():
        data["title"] = {"zh": title.strip()[:120], "en": title.strip()[:120]}
    saved = scheme_from_dict(data, "<saved scheme>")
    if saved_key(saved) in existing:
        raise SaveRefused("save_exists", (("id", new_id), ("version", version)))
    if len(existing) >= MAX_SAVED:
        raise SaveRefused("save_full", (("n", str(MAX_SAVED)),))
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{new_id}@{version}.yaml"
    head = comment_line(f"{saved.stamp('zh')} / {saved.stamp('en')}")
    if not create_new(target, head + saved.to_yaml()):
        raise SaveRefused("save_exists", (("id", new_id), ("version", version)))
    return target, saved

