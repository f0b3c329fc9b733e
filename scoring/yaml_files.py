"""Reading the project's YAML files (schemes, scenarios, rule sets) with one-line errors naming the file, and the
one ``base:`` chain reader and merge that schemes and scenarios share (:func:`read_with_bases`,
:func:`merge_mappings`).

Every file and every uploaded text is hostile until read: only plain files are opened (never a pipe or a device),
the text is at most :data:`MAX_YAML_BYTES`, nesting is at most :data:`MAX_YAML_DEPTH` levels and the document,
with every alias expanded, has at most :data:`MAX_YAML_NODES` nodes (a "billion laughs" file of nested aliases is
refused after reading its few hundred bytes). Nothing is evaluated as code (a safe loader), and a plain number
written with underscores (``1_0``, which YAML 1.1 reads as 10) is refused rather than guessed. A ``base:`` chain
is at most :data:`MAX_BASE_CHAIN` files long, may not loop, and every file in it is read by the same bounded reader
(a base that is a pipe or a device is refused before it is opened).
"""

from __future__ import annotations

import copy
import os
import reprlib
import stat
import unicodedata
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

import yaml
from yaml.events import CollectionEndEvent, CollectionStartEvent, NodeEvent

from scoring.errors import ScoringInputError

MAX_YAML_BYTES = 1_000_000  # the shipped files are under 20 kB
MAX_YAML_DEPTH = 40  # levels of nested mappings/lists, aliases expanded (the shipped files use 6)
MAX_YAML_NODES = 200_000  # scalars, mappings and lists, aliases expanded (a 500-item scheme is about 10,000)
MAX_BASE_CHAIN = 16  # files in one base: chain, the file itself included (the shipped files use at most 3)
MAX_NAME_CHARS = 4096  # characters of a file name written in a file (base:, scheme:, population.file)

_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxdict, _SHORT.maxlist, _SHORT.maxtuple, _SHORT.maxset = 2, 4, 4, 4, 4
_SHORT.maxstring, _SHORT.maxother, _SHORT.maxlong = 50, 50, 40


def short_repr(value: Any, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters without ever building the whole repr (bounded work)."""
    text = _SHORT.repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


_SafeBase: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when present: ten times faster


class _Loader(_SafeBase):  # type: ignore[misc, valid-type]
    """The safe loader, refusing plain numbers written with underscores."""


MAX_NUMBER_CHARS = 100  # a number written with more characters is no value of any input (Python's int() stops at 4,300)


# Unicode categories that break a line, hide text or are no character at all: control, format (bidi, zero-width),
# line and paragraph separators, unassigned code points and non-characters (U+FFFE, U+FFFF) and lone surrogates,
# some of which YAML refuses to read anywhere, comments included
NOT_ONE_LINE = ("Cc", "Cf", "Cn", "Cs", "Zl", "Zp")


def comment_line(text: str) -> str:
    """``text`` as one YAML comment line ("# ..." and a newline): every run of whitespace, line breaks included
    (``\n``, ``\r``, NEL, U+2028/9), and every other control character become one space, so nothing after it can
    be read as YAML (a scheme's stamp heads its downloads and saved files); so do the characters YAML refuses to
    read anywhere (U+FFFE, U+FFFF, lone surrogates: a comment holding one made the whole file unreadable)."""
    flat = "".join(" " if unicodedata.category(ch) in NOT_ONE_LINE else ch for ch in text)
    return "# " + " ".join(flat.split()) + "\n"


def _no_underscore(construct: Any) -> Any:
    def build(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
        if "_" in str(node.value):
            raise yaml.constructor.ConstructorError(
                None, None, f"number {short_repr(node.value)} is written with '_'; write the digits alone, or quote "
                            "it if it is text", node.start_mark)
        if len(str(node.value)) > MAX_NUMBER_CHARS:
            raise yaml.constructor.ConstructorError(
                None, None, f"a number written with {len(str(node.value)):,} characters; at most "
                            f"{MAX_NUMBER_CHARS} are read (quote it if it is text)", node.start_mark)
        return construct(loader, node)

    return build


_Loader.add_constructor("tag:yaml.org,2002:int", _no_underscore(yaml.SafeLoader.construct_yaml_int))
_Loader.add_constructor("tag:yaml.org,2002:float", _no_underscore(yaml.SafeLoader.construct_yaml_float))


def read_yaml_mapping(path: Path, what: str, error: type[ScoringInputError], keys: str) -> dict[str, Any]:
    """The YAML mapping in ``path`` (safe_load: nothing is evaluated as code; bounded in size, depth and aliases).

    ``what`` names the kind of file ("scheme", "scenario", "rule-set"), ``keys`` the keys it should have; every
    problem raises ``error`` with a one-line reason that names the file.
    """
    data = parse_yaml_text(read_yaml_text(path, what, error), str(path), error)
    if not isinstance(data, dict):
        raise error(f"{path}: a {what} file must be a YAML mapping ({keys})")
    return data


def read_yaml_text(path: Path, what: str, error: type[ScoringInputError]) -> str:
    """The text of a plain file of at most :data:`MAX_YAML_BYTES`; a pipe, device or folder is refused unopened."""
    path = Path(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise error(f"{path}: {what} file not found") from None
    except ValueError:  # a NUL character in the name
        raise error(f"{short_repr(str(path))}: cannot read the {what} file: the name is not a file name") from None
    except OSError as exc:
        raise error(f"{path}: cannot read the {what} file ({exc.strerror or exc.__class__.__name__})") from None
    if not stat.S_ISREG(st.st_mode):
        kind = "a folder" if stat.S_ISDIR(st.st_mode) else "not a plain file (a pipe, device or socket)"
        raise error(f"{path}: cannot read the {what} file: it is {kind}")
    try:  # O_NONBLOCK: should the path be swapped for a pipe after the check, opening still does not wait
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                raise error(f"{path}: cannot read the {what} file: it is not a plain file")
            data = fh.read(MAX_YAML_BYTES + 1)
    except OSError as exc:
        raise error(f"{path}: cannot read the {what} file ({exc.strerror or exc.__class__.__name__})") from None
    if len(data) > MAX_YAML_BYTES:
        raise error(f"{path}: the {what} file is larger than {MAX_YAML_BYTES:,} bytes; that is not a {what}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise error(f"{path}: cannot read the {what} file as UTF-8 text (UnicodeDecodeError)") from None


def parse_yaml_text(text: str, source: str, error: type[ScoringInputError]) -> Any:
    """The YAML document in ``text``, checked for size, nesting and alias expansion before it is built.

    Raises ``error`` with a one-line reason naming ``source``.
    """
    if len(text) > MAX_YAML_BYTES:
        raise error(f"{source}: the YAML text is longer than {MAX_YAML_BYTES:,} characters")
    try:
        _check_events(text, source, error)  # the parser is iterative; the composer below recurses per level
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            _check_expanded(node, source, error)
            return loader.construct_document(node)
        finally:
            loader.dispose()
    except UnicodeError:  # text that is not Unicode (a lone surrogate from a library caller): libyaml cannot take it
        raise error(f"{source}: not valid YAML: the text is not valid Unicode") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise error(f"{source}: not valid YAML{where}: {' '.join(str(problem).split())}") from None


def _check_events(text: str, source: str, error: type[ScoringInputError]) -> None:
    """Nesting and the number of values as written, from the parser's events (no tree is built yet)."""
    depth = values = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, NodeEvent):
            values += 1
            if values > MAX_YAML_NODES:
                raise error(f"{source}: the YAML has more than {MAX_YAML_NODES:,} values")
        if isinstance(event, CollectionStartEvent):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                line = event.start_mark.line + 1 if event.start_mark else "?"
                raise error(f"{source}: YAML nested deeper than {MAX_YAML_DEPTH} levels (at line {line})")
        elif isinstance(event, CollectionEndEvent):
            depth -= 1


def _check_expanded(root: yaml.Node, source: str, error: type[ScoringInputError]) -> None:
    """Count nodes and levels as if every alias were expanded, visiting each shared node once (no expansion)."""
    done: dict[int, tuple[int, int]] = {}  # id(node) -> (nodes, depth) of its expansion
    active: set[int] = set()

    def visit(node: yaml.Node, level: int) -> tuple[int, int]:
        key = id(node)
        if key in done:
            return done[key]
        if level > MAX_YAML_DEPTH + 1:  # checked on the way down: a chain of aliases must not exhaust the stack
            raise error(f"{source}: YAML nested deeper than {MAX_YAML_DEPTH} levels once aliases are expanded")
        if key in active:
            raise error(f"{source}: a YAML alias refers to a mapping or list that contains it (a loop)")
        active.add(key)
        nodes, depth = 1, 1
        if isinstance(node, yaml.SequenceNode):
            children: list[yaml.Node] = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        else:
            children = []
        for child in children:
            n, d = visit(child, level + 1)
            nodes, depth = nodes + n, max(depth, d + 1)
            if nodes > MAX_YAML_NODES:
                raise error(f"{source}: the YAML has more than {MAX_YAML_NODES:,} values once aliases are expanded")
            if depth > MAX_YAML_DEPTH + 1:  # + 1: the scalars inside the deepest level
                raise error(f"{source}: YAML nested deeper than {MAX_YAML_DEPTH} levels once aliases are expanded")
        active.discard(key)
        done[key] = (nodes, depth)
        return nodes, depth

    visit(root, 1)


# ------------------------------------------------------------------------------------------------------------
# base: chains and their merge
# ------------------------------------------------------------------------------------------------------------
def resolve_relative(owner: Path, name: str) -> Path:
    """A file named inside ``owner``: absolute as given; else next to ``owner``, or in its ``schemes/`` folder, or
    in the working folder, whichever exists first (next to ``owner`` when none does)."""
    candidate = Path(name)
    if candidate.is_absolute():
        return candidate
    here = owner.parent / candidate
    if here.exists():
        return here
    for extra in (owner.parent / "schemes" / candidate, Path.cwd() / candidate):
        if extra.exists():
            return extra
    return here


def _file_name(value: Any, owner: Path, what: str, error: type[ScoringInputError]) -> str:
    """``value`` of ``owner``'s ``base:`` key if it can name a file (text, no NUL, not absurdly long)."""
    if not isinstance(value, str) or not value or "\x00" in value or len(value) > MAX_NAME_CHARS:
        raise error(f"{owner}: base: value {short_repr(value)} must be a {what} file name")
    return value


def read_with_bases(path: str | Path, what: str, error: type[ScoringInputError], keys: str, *,
                    merge: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]],
                    prepare: Callable[[dict[str, Any], Path, tuple[Path, ...]], None] | None = None
                    ) -> dict[str, Any]:
    """The mapping in ``path`` with its ``base:`` chain resolved into one mapping (``base`` removed).

    Each file of the chain is read by :func:`read_yaml_mapping` (bounded; a pipe or device is refused unopened),
    then ``prepare(data, file, files_before)`` checks or adjusts it (``files_before``: the resolved paths of the files
    that named it, the first file first). A ``base:`` name is found by :func:`resolve_relative`. The chain is merged
    from its most basic file up: ``merge(base, file)``. A loop, or a chain longer than :data:`MAX_BASE_CHAIN` files,
    raises ``error``.
    """
    current = Path(path)
    seen: list[Path] = []
    files: list[dict[str, Any]] = []
    while True:
        if "\x00" in str(current):
            raise error(f"{short_repr(str(current))}: cannot read the {what} file: the name is not a file name")
        resolved = current.resolve()
        if resolved in seen:
            chain = " -> ".join(p.name for p in (*seen, resolved))
            raise error(f"{current}: base: the base chain loops ({chain})")
        if len(seen) >= MAX_BASE_CHAIN:
            raise error(f"{seen[-1]}: base: the base chain is longer than {MAX_BASE_CHAIN} files")
        data = read_yaml_mapping(current, what, error, keys)
        if prepare is not None:
            prepare(data, current, tuple(seen))
        seen.append(resolved)
        base = data.pop("base", None)
        files.append(data)
        if base is None:
            break
        current = resolve_relative(current, _file_name(base, current, what, error))
    out = files.pop()
    while files:
        out = merge(out, files.pop())
    return out


def merge_mappings(base: dict[str, Any], over: dict[str, Any], *, by_id: Collection[str] = (),
                   whole: Collection[str] = ()) -> dict[str, Any]:
    """``over`` applied on top of ``base`` (a new mapping; neither input is modified).

    Mappings merge key by key, except under a key in ``whole`` (replaced whole); a list under a key in ``by_id``
    merges entry by entry on ``id`` (an entry with ``remove: true`` drops the base entry, an entry with another
    ``kind`` replaces it whole, a new id is appended); any other value replaces the base value.
    """
    out = copy.deepcopy(base)
    _merge_into(out, over, frozenset(by_id), frozenset(whole))
    return out


def _merge_into(out: dict[str, Any], over: dict[str, Any], by_id: frozenset[str], whole: frozenset[str]) -> None:
    for key, value in over.items():
        current = out.get(key)
        if key in by_id and isinstance(value, list) and isinstance(current, list):
            out[key] = _merge_by_id(current, value, by_id, whole)
        elif isinstance(value, dict) and isinstance(current, dict) and key not in whole:
            _merge_into(current, value, by_id, whole)
        else:
            out[key] = copy.deepcopy(value)


def _entry_id(entry: Any) -> str | int | None:
    """The ``id`` of a list entry when it can key a merge (text or a whole number), else None."""
    ident = entry.get("id") if isinstance(entry, dict) else None
    return ident if isinstance(ident, str | int) and not isinstance(ident, bool) else None


def _merge_by_id(merged: list[Any], over: list[Any], by_id: frozenset[str], whole: frozenset[str]) -> list[Any]:
    """``over``'s entries merged into ``merged`` (the caller's own copy) by id."""
    index = {ident: n for n, e in enumerate(merged) if (ident := _entry_id(e)) is not None}
    for entry in over:
        ident = _entry_id(entry)
        if ident in index:
            if entry.get("remove"):
                merged[index[ident]] = None
                continue
            target = merged[index[ident]]
            if not isinstance(target, dict) or ("kind" in entry and entry["kind"] != target.get("kind")):
                target = {"id": ident}  # a new kind (or an entry removed above) is replaced whole
            merged[index[ident]] = target
            _merge_into(target, entry, by_id, whole)
        elif not (isinstance(entry, dict) and entry.get("remove")):
            merged.append(copy.deepcopy(entry))
    return [e for e in merged if e is not None]
