"""Reading the project's YAML files (schemes, scenarios, rule sets) with one-line errors naming the file.

Every file and every uploaded text is hostile until read: only plain files are opened (never a pipe or a device),
the text is at most :data:`MAX_YAML_BYTES`, nesting is at most :data:`MAX_YAML_DEPTH` levels and the document,
with every alias expanded, has at most :data:`MAX_YAML_NODES` nodes (a "billion laughs" file of nested aliases is
refused after reading its few hundred bytes). Nothing is evaluated as code (a safe loader), and a plain number
written with underscores (``1_0``, which YAML 1.1 reads as 10) is refused rather than guessed.
"""

from __future__ import annotations

import os
import reprlib
import stat
from pathlib import Path
from typing import Any

import yaml
from yaml.events import CollectionEndEvent, CollectionStartEvent, NodeEvent

from scoring.errors import ScoringInputError

MAX_YAML_BYTES = 1_000_000  # the shipped files are under 20 kB
MAX_YAML_DEPTH = 40  # levels of nested mappings/lists, aliases expanded (the shipped files use 6)
MAX_YAML_NODES = 200_000  # scalars, mappings and lists, aliases expanded (a 500-item scheme is about 10,000)

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


def _no_underscore(construct: Any) -> Any:
    def build(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
        if "_" in str(node.value):
            raise yaml.constructor.ConstructorError(
                None, None, f"number {short_repr(node.value)} is written with '_'; write the digits alone, or quote "
                            "it if it is text", node.start_mark)
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
