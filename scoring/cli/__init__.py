"""Command line: ``python -m scoring COMMAND ...``.

Each command group lives in its own module with a ``register(subparsers)`` function; this module only wires
them and turns a user's mistake (:class:`scoring.errors.ScoringInputError`) into exit status 2 with one line on
stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import itertools
import os
import sys
from collections.abc import Sequence

from scoring.errors import ScoringInputError

# Every command: the module that registers it (its ``register(subparsers)``) and its one-line help (Chinese,
# English; :func:`command_help`). A command imports only its own module (its handlers import what they need); the
# top-level help lists this table without importing any (tests/test_cli_commands.py checks it against the modules'
# own registrations).
COMMANDS: tuple[tuple[str, str, str, str], ...] = (
    ("check-scheme", "scoring.cli.core", "检查方案是否有效，并报告三种主导性口径",
     "validate a scheme and report the three dominance measures"),
    ("score", "scoring.cli.core", "按方案为人口计分", "score a population under a scheme"),
    ("admit", "scoring.cli.core", "按名额和（或）分数线录取", "admit under a quota and/or a score line"),
    ("synth", "scoring.cli.synth", "生成杭州合成人口（Parquet、CSV 或 XLSX）",
     "write a synthetic Hangzhou population (Parquet, CSV or XLSX)"),
    ("run", "scoring.cli.scenario", "按情景逐年模拟整个模拟期（含有无名额限制的对比）并写出结果",
     "run a scenario over its horizon (with the quota question) and write the results"),
    ("compare", "scoring.cli.scenario", "运行多个情景，并与第一个情景比较",
     "run several scenarios and compare them against the first"),
    ("pathways", "scoring.cli.pathways", "规则集下的各落户途径（积分、转户籍、人才、投靠、居住证）",
     "settlement pathways under a rule set (points, conversion, talent, family, permit)"),
    ("tune", "scoring.cli.tune", "寻找满足政策目标且最接近现行分值的权重",
     "find the weights closest to today's that meet the policy's targets"),
    ("sensitivity", "scoring.cli.tune", "结果指标对权重的敏感性：龙卷风图与 Sobol 指数",
     "tornado and Sobol indices of the outcomes w.r.t. the weights"),
    ("simplify", "scoring.cli.tune", "找出去掉后录取名单变化最小的积分项目",
     "which items can be dropped while changing least who gets in"),
    ("calibrate", "scoring.cli.calibrate", "用观测的逐年序列（校准目标文件）校准情景的人口流动",
     "fit a scenario's flows to observed yearly series (targets file)"),
    ("test", "scoring.cli.cases", "用手工算好的人员案例检验方案",
     "check a scheme against its hand-worked person cases"),
    ("whatif", "scoring.cli.whatif", "单个人员对照分数线：改变哪一项能改变结果",
     "one person against the line: what would flip the outcome"),
    ("columns", "scoring.cli.columns", "输入列及每列可接受的列名（中文或英文）",
     "the input columns and the headers accepted for each (Chinese or English)"),
)
# Modules that contribute commands; each defines register(subparsers).
COMMAND_MODULES = tuple(dict.fromkeys(module for _, module, _, _ in COMMANDS))


def command_help(command: str, where: object) -> str:
    """The one-line help of ``command`` (its row of :data:`COMMANDS`) in the help language of ``where`` (the
    subparsers action a module's ``register`` receives; see :func:`scoring.cli.help_text.help_texts`)."""
    from scoring.cli.help_text import help_texts

    zh, en = next((zh, en) for name, _, zh, en in COMMANDS if name == command)
    return help_texts(where)(zh, en)


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors exit 2 with a single line, whose numbers refuse '_' (``1_0``), and whose
    help is in ``lang`` (Chinese by default, argparse's own words included; :mod:`scoring.cli.help_text`)."""

    def __init__(self, *args: object, lang: str = "zh", **kwargs: object) -> None:
        from scoring.cli.help_text import ZhHelpFormatter, tr

        self.lang = lang
        if lang != "en":
            kwargs.setdefault("formatter_class", ZhHelpFormatter)
        add_help = kwargs.pop("add_help", True)
        super().__init__(*args, add_help=False, **kwargs)  # type: ignore[arg-type]
        self._positionals.title = tr(lang, "位置参数", "positional arguments")
        self._optionals.title = tr(lang, "选项", "options")
        if add_help:  # argparse's own -h, in ``lang``
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                              help=tr(lang, "显示此帮助信息并退出", "show this help message and exit"))
        from scoring.cli.options import register_plain_numbers

        register_plain_numbers(self)

    def add_subparsers(self, **kwargs: object) -> argparse._SubParsersAction:  # type: ignore[override]
        kwargs.setdefault("action", _Commands)
        kwargs.setdefault("lang", self.lang)
        return super().add_subparsers(**kwargs)  # type: ignore[arg-type]

    def error(self, message: str) -> None:  # type: ignore[override]
        from scoring.cli.messages import error_line, lang_of, localized

        lang = lang_of(sys.argv[1:] if _ARGV is None else _ARGV)
        sys.stderr.write(error_line(f"{self.prog}: {localized(message, lang)}", lang))
        raise SystemExit(2)


class _Commands(argparse._SubParsersAction):
    """The commands of a :class:`_Parser`: each command's parser has the help language of the top-level one."""

    def __init__(self, *args: object, lang: str = "zh", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lang = lang

    def add_parser(self, name: str, **kwargs: object) -> argparse.ArgumentParser:  # type: ignore[override]
        kwargs.setdefault("lang", self.lang)
        return super().add_parser(name, **kwargs)  # type: ignore[arg-type]


def _command_of(argv: Sequence[str]) -> str | None:
    """The command named on the command line (the first argument that is neither an option nor the value of a
    ``--lang`` before it), if any."""
    args = list(argv)
    return next((a for n, a in enumerate(args) if not a.startswith("-") and (n == 0 or args[n - 1] != "--lang")),
                None)


def build_parser(argv: Sequence[str] | None = None, *, every: bool = False) -> argparse.ArgumentParser:
    """The top-level parser. A known command in ``argv`` (default: ``sys.argv``) registers only its module; else
    (``--help``, no or an unknown command) every command is listed from :data:`COMMANDS` without importing the
    modules. ``every``: register every module (their full parsers). The help is in the language ``--lang`` names
    on the line (Chinese by default)."""
    from scoring.cli.help_text import tr
    from scoring.cli.messages import lang_of

    argv = sys.argv[1:] if argv is None else argv
    lang = lang_of(argv)  # the help's language, as the errors': Chinese unless --lang en
    prog = "hukou-sim" if os.path.basename(sys.argv[0]) == "hukou-sim" else "python -m scoring"  # the console script
    parser = _Parser(prog=prog, description=tr(lang, "杭州积分落户模拟器", "Hangzhou points-settlement simulator"),
                     lang=lang)
    parser.add_argument("--lang", choices=("zh", "en"), default=argparse.SUPPRESS,
                        help=tr(lang, "帮助和报告的语言（默认 zh）",
                                "language of the help and the reports (default zh)"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    chosen = _command_of(argv)
    modules = COMMAND_MODULES if every else [m for c, m, _, _ in COMMANDS if c == chosen]
    for name in modules:
        importlib.import_module(name).register(sub)
    if not modules:
        for command, _, zh, en in COMMANDS:
            sub.add_parser(command, help=tr(lang, zh, en), add_help=False)
    return parser


_ARGV: list[str] | None = None  # the command line main() parses (None: sys.argv), for a usage error's language


QUICK_EXIT: set[str] = set()  # the command of the last main() call, if it ended in memory with nothing left to
# clean up (see run); cleared at the start of each call


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return the exit status (0 ok, 1 a check failed, 2 bad input). The one-line reason of a
    user's mistake is in the command's ``--lang`` (scoring.cli.messages; Chinese by default)."""
    global _ARGV
    _ARGV = None if argv is None else list(argv)
    QUICK_EXIT.clear()  # set again by this command only (in-process calls: tests, notebooks)
    prestarted = _prestart(sys.argv[1:] if argv is None else argv)
    try:
        return _run(argv)
    finally:
        if prestarted:  # unused when the command ended before its cluster
            from scoring.outofcore.dask_cluster import discard_prestarted

            discard_prestarted()


def run() -> None:
    """The command line's entry point (``python -m scoring``, ``hukou-sim``): :func:`main`, then exit with its status.
    After a command that held a population in memory and has written everything (``score`` and ``admit`` on the
    in-memory engine, when they succeed, mark it in :data:`QUICK_EXIT`), the process ends as soon as its output is
    flushed: the interpreter's teardown freed a 10M-person frame object by object for ~0.2 s. Every other command
    (out of core, Dask, a refusal, anything with files or clusters to close) ends as usual."""
    code = main()
    if QUICK_EXIT:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except OSError:  # a reader that went away: end as usual, with the interpreter's own handling
            sys.exit(code)
        os._exit(code)
    sys.exit(code)


def _prestart(argv: Sequence[str]) -> bool:
    """``score``/``admit`` with ``--scheduler local`` start their cluster's forkserver before anything else (see
    :func:`scoring.outofcore.dask_cluster.prestart`): True if asked."""
    args = list(argv)
    local = "--scheduler=local" in args or any(a == "--scheduler" and b == "local" for a, b in itertools.pairwise(args))
    if not local or _command_of(args) not in ("score", "admit"):
        return False
    from scoring.outofcore.dask_cluster import prestart

    prestart()
    return True


def _run(argv: Sequence[str] | None) -> int:
    from scoring.cli.messages import error_line, lang_of, localized

    parser = build_parser(argv)
    args = parser.parse_args(argv)
    lang = lang_of(sys.argv[1:] if argv is None else argv)  # --lang before the command counts as well
    if hasattr(args, "lang"):
        args.lang = lang
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe is reported here, inside the try, not at interpreter exit
        return code
    except ScoringInputError as exc:
        sys.stderr.write(error_line(localized(exc, lang), lang))
        return 2
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        sys.stderr.write(error_line(localized(f"cannot read {exc.filename}: {exc.strerror}", lang), lang))
        return 2
    except MemoryError:  # a last resort: the commands bound their work, but the machine may be busy
        reason = "not enough memory for this input; try a smaller input or a machine with more"
        sys.stderr.write(error_line(localized(reason, lang), lang))
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("已中断\n" if lang == "zh" else "interrupted\n")
        return 130
    except BrokenPipeError:  # output piped into a command that stopped reading (``| head``): no traceback
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # Python's final flush of stdout must not fail again
        return 1
