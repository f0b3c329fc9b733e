"""``--help`` in the command line's language: Chinese by default, English with ``--lang en`` (anywhere on the line).

Each text is written once as a (Chinese, English) pair where it is used: a command's ``register(subparsers)`` takes
``t = help_texts(subparsers)`` and writes ``help=t("中文", "English")``. The language travels with the parsers
(``scoring.cli._Parser.lang``, given to each command's parser by its subparsers action); :class:`ZhHelpFormatter`
wraps Chinese by its width on screen and words argparse's own "usage:" as "用法：". Only the standard library is
imported here: ``--help`` stays quick.
"""

from __future__ import annotations

import argparse
import re
import unicodedata
from collections.abc import Callable, Iterable

Texts = Callable[[str, str], str]

USAGE_ZH = "用法："
# Help texts several commands share, as (Chinese, English) pairs: ``t(*SCHEME_FILE)``.
SCHEME_FILE = ("方案 YAML 文件", "scheme YAML file")
POPULATION_FILE = ("人口数据文件（CSV/XLSX/Parquet）", "population file (CSV/XLSX/Parquet)")


def tr(lang: str, zh: str, en: str) -> str:
    """``en`` with ``--lang en``, else ``zh``: one help text in the command line's language."""
    return en if lang == "en" else zh


def help_texts(where: object) -> Texts:
    """``t(zh, en)``: the help text in the language of ``where`` (a parser or a subparsers action carrying ``lang``;
    Chinese when it carries none)."""
    lang = str(getattr(where, "lang", "zh"))
    return lambda zh, en: tr(lang, zh, en)


def display_width(text: str) -> int:
    """Columns ``text`` takes on a terminal: a Chinese character (or full-width punctuation) takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


# one unit of a line: a `quoted command` kept whole, a run of other text up to a space, or a single wide character
_TOKEN = re.compile(r"`[^`]*`\S*\s*|[^\s\u2e80-\u9fff\uff00-\uffef\u3000-\u303f]+\s*|\S\s*")
_NO_LINE_START = set("，。、；：？！）》」』”’")  # closing punctuation stays at the end of the line before
_NO_LINE_END = set("（《「『“‘")  # opening punctuation goes with what follows


def wrap_wide(text: str, width: int) -> list[str]:
    """``text`` (whitespace collapsed, as argparse does) in lines of at most ``width`` columns on screen, breaking
    between Chinese characters or at spaces. Closing punctuation never begins a line (the character before it goes
    down with it), opening punctuation never ends one, and a run wider than a whole line is cut, as argparse cuts
    a long word."""
    tokens: list[str] = []
    for token in _TOKEN.findall(" ".join(text.split())):
        while display_width(token.rstrip()) > width > 0 and len(token) > 1:
            tokens.append(token[:width])
            token = token[width:]
        tokens.append(token)
    lines: list[str] = []
    line: list[str] = []
    used = 0
    for token in tokens:
        if line and used + display_width(token.rstrip()) > width:
            cut = len(line)
            if token[0] in _NO_LINE_START:
                cut -= 1
                while cut > 0 and line[cut][0] in _NO_LINE_START:
                    cut -= 1
            while cut > 0 and line[cut - 1].rstrip()[-1:] in _NO_LINE_END:
                cut -= 1
            if cut > 0:  # else nothing may move down: the line stays whole, a little too long
                lines.append("".join(line[:cut]).rstrip())
                line = line[cut:]
                used = display_width("".join(line))
        line.append(token)
        used += display_width(token)
    if line:
        lines.append("".join(line).rstrip())
    return lines


_HEADING = re.compile(r"^( *)(\S[^\n]*[\u4e00-\u9fff]):$", re.MULTILINE)  # a section title argparse ends with ":"


class ZhHelpFormatter(argparse.HelpFormatter):
    """argparse's help in Chinese: lines wrapped by their width on screen, "用法：" for "usage: " (the usage's
    continuation lines still lined up under the command's first argument) and the section titles ending in "："."""

    def format_help(self) -> str:
        return _HEADING.sub(r"\1\2：", super().format_help())

    def _split_lines(self, text: str, width: int) -> list[str]:
        return wrap_wide(text, width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "\n".join(indent + line for line in wrap_wide(text, width - len(indent)))

    def _format_usage(self, usage: str | None, actions: Iterable[argparse.Action],
                      groups: Iterable[argparse._MutuallyExclusiveGroup], prefix: str | None) -> str:
        text = super()._format_usage(usage, actions, groups, prefix)
        english = "usage: "
        if prefix is not None or not text.startswith(english):
            return text
        # "usage: " takes 7 columns and "用法：" 6: the continuation lines move one column left with it
        shift = len(english) - display_width(USAGE_ZH)
        head, _, rest = text.partition("\n")
        rest = "\n".join(line[shift:] if line.startswith(" " * shift) else line for line in rest.split("\n"))
        return USAGE_ZH + head[len(english):] + "\n" + rest
