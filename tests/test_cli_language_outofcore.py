"""The out-of-core engines speak the report's language (new-user trial 3, finding 4): ``admit``/``score`` with
``--engine chunked`` or ``--scheduler`` print their summary with the in-memory summary's own lines (one
definition: scoring/cli/summary.py), their progress lines, refused rows and identifier refusals in Chinese by
default and in English with ``--lang en``; so do the refusals of a 1,000-column file and of an unknown output
type."""

from __future__ import annotations

import pickle
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_cli_language import CJK, english_words

from scoring.cli import main
from scoring.errors import IdentifierError, RowsError
from scoring.population.synthetic import synth

ROOT = Path(__file__).resolve().parent.parent
SCHEME = ROOT / "scenarios" / "schemes" / "hangzhou-2023-illustrative.yaml"
N, CHUNK = 3_000, 1_000


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("ooc_lang")
    pop = synth(N, 5)
    good = tmp / "good.parquet"
    pop.to_parquet(good, row_group_size=CHUNK)
    bad = pop.astype({"insurance_years": str})  # text, as an extract often holds numbers
    bad.loc[[1_203, 1_500], "insurance_years"] = "abc"  # in the second batch: rows 1204 and 1501
    bad_path = tmp / "bad.parquet"
    bad.to_parquet(bad_path, row_group_size=CHUNK)
    ids = pop.astype({"education": object}).copy()
    ids.loc[2_100, "education"] = "本科 13812345678"  # a phone number in a column the scheme reads
    id_path = tmp / "phone.parquet"
    ids.to_parquet(id_path, row_group_size=CHUNK)
    wide = tmp / "wide.csv"
    wide.write_text(",".join(f"c{i}" for i in range(1_000)) + "\n" + ",".join("1" * 1_000) + "\n", encoding="utf-8")
    return {"good": good, "bad": bad_path, "phone": id_path, "wide": wide, "tmp": tmp}


def _run(capsys: pytest.CaptureFixture[str], argv: list[str], code: int = 0) -> tuple[list[str], str]:
    try:
        got = main(argv)
    except SystemExit as exc:
        got = exc.code
    assert got == code
    cap = capsys.readouterr()
    err = cap.err.strip()
    if code:  # the one-line reason ends stderr (the chunked engine's progress lines may come before it)
        err = err.splitlines()[-1]
        english = "--lang" in argv and argv[argv.index("--lang") + 1] == "en"
        assert err.startswith("error: " if english else "错误："), err
    return cap.out.strip().splitlines(), err


def _words(text: str, tmp: Path) -> list[str]:
    """English words of ``text``, beyond paths, ids, numbers and file types (``.parquet``: a name, not a word)."""
    return english_words(re.sub(r"[\w-]*\.(?:parquet|csv|xlsx|txt)\b", " ", text.replace(str(tmp), " ")))


def _admit(files: dict[str, Path], *extra: str) -> list[str]:
    return ["admit", "--scheme", str(SCHEME), "--population", str(files["good"]), "--quota", "200", *extra]


def test_chunked_summary_is_the_in_memory_summary_in_each_language(files, capsys) -> None:
    """The chunked summary's lines are the in-memory engine's (same labels for the same figures), after the engine's
    name; no English label in the Chinese one, none of Chinese in the English one."""
    tmp = files["tmp"]
    for lang, engine in (("zh", "计算引擎：分块 · "), ("en", "engine chunked · ")):
        mem, _ = _run(capsys, _admit(files, "--engine", "memory", "--out", str(tmp / f"m_{lang}.csv"), "--lang", lang))
        ooc, progress = _run(capsys, _admit(files, "--engine", "chunked", "--chunk-rows", str(CHUNK), "--out",
                                            str(tmp / f"c_{lang}.csv"), "--lang", lang))
        assert ooc[0] == mem[0]  # the stamp
        assert ooc[1] == engine + mem[1]  # rows in, scored, rejected
        assert ooc[2] == mem[2]  # eligible, admitted, cut-off, ties: the figures agree, so do the lines
        assert mem[-1] == ("已写入：" if lang == "zh" else "written: ") + str(tmp / f"m_{lang}.csv")
        assert ooc[-1] == ("已写入：" if lang == "zh" else "written: ") + str(tmp / f"c_{lang}.csv")
        summary = "\n".join(ooc[1:3] + ooc[-1:])  # the stamp and the dominance lines come from scoring.labels
        progress_lines = progress.splitlines()
        assert len(progress_lines) >= N // CHUNK, progress  # a line per batch, and pass 2
        if lang == "zh":
            assert "获准落户" in summary and "已写入" in summary
            assert not _words(summary, tmp), _words(summary, tmp)
            assert "已计分第 1–1000 行（共 3,000 行）" in progress_lines and not _words(progress, tmp), progress
        else:
            assert "admitted" in summary and "written: " in summary and not CJK.search(summary), summary
            assert "scored rows 1-1000 of 3,000" in progress_lines and not CJK.search(progress), progress


def test_chunked_score_summary(files, capsys) -> None:
    tmp = files["tmp"]
    for lang in ("zh", "en"):
        argv = ["score", "--scheme", str(SCHEME), "--population", str(files["good"]), "--lang", lang]
        mem, _ = _run(capsys, [*argv, "--out", str(tmp / "sm.parquet"), "--engine", "memory"])
        ooc, _ = _run(capsys, [*argv, "--out", str(tmp / "sc.parquet"), "--engine", "chunked", "--chunk-rows",
                               str(CHUNK)])
        assert ooc[1].endswith(mem[1]) and ooc[1] != mem[1]  # the in-memory counts line, after the engine's name
        assert (not _words(ooc[1], tmp)) if lang == "zh" else not CJK.search(ooc[1]), ooc[1]


def test_chunked_refusals_in_the_reports_language(files, capsys) -> None:
    bad = _admit(files, "--engine", "chunked", "--chunk-rows", str(CHUNK))
    bad[bad.index(str(files["good"]))] = str(files["bad"])
    _, zh = _run(capsys, bad, 2)
    assert "第 1204 行，列“insurance_years（社保缴纳年限）”：不是数字：'abc'" in zh, zh  # its header, its Chinese name
    assert "第 1,001–2,000 行中有 2 行无效" in zh, zh
    assert not _words(zh.removeprefix("错误："), files["tmp"]), zh
    _, en = _run(capsys, [*bad, "--lang", "en"], 2)
    assert "row 1204, column insurance_years: not a number: 'abc'" in en
    assert "2 invalid row(s) among rows 1,001-2,000" in en, en

    phone = [str(files["phone"]) if a == str(files["bad"]) else a for a in bad]
    _, zh = _run(capsys, phone, 2)  # the file's header (education) is quoted as the file has it
    assert "列“education”" in zh and "手机或电话号码" in zh and "数据第2101行" in zh, zh
    assert "13812345678" not in zh and not _words(zh.removeprefix("错误："), files["tmp"]), zh
    _, en = _run(capsys, [*phone, "--lang", "en"], 2)
    assert "identifiers" in en and "2101" in en and not CJK.search(en), en


@pytest.mark.parametrize("case", ["wide", "txt", "xlsx_chunked"])
def test_one_line_refusals_in_the_reports_language(files, capsys, case: str) -> None:
    tmp = files["tmp"]
    argv = {"wide": [*_admit(files), "--population", str(files["wide"])],
            "txt": _admit(files, "--out", str(tmp / "x.txt")),
            "xlsx_chunked": _admit(files, "--engine", "chunked", "--out", str(tmp / "x.xlsx"))}[case]
    needle = {"wide": ("最多接受 500 列", "1,000 columns; at most 500 are accepted"),
              "txt": ("未知的输出类型", "unknown output type"),
              "xlsx_chunked": ("分块计算引擎只写出 .parquet 或 .csv",
                               "the chunked engine writes .parquet or .csv")}[case]
    _, zh = _run(capsys, argv, 2)
    assert needle[0] in zh and not _words(zh.removeprefix("错误："), tmp), zh
    _, en = _run(capsys, [*argv, "--lang", "en"], 2)
    assert needle[1] in en and not CJK.search(en), en


def test_synth_takes_lang(tmp_path, capsys) -> None:
    argv = ["synth", "--n", "10", "--out", str(tmp_path / "p.txt"), "--quiet"]
    _, zh = _run(capsys, argv, 2)
    assert "未知的输出类型 '.txt'" in zh, zh
    _, en = _run(capsys, [*argv, "--lang", "en"], 2)
    assert "unknown extension '.txt'" in en


def test_the_fielded_errors_survive_pickling() -> None:
    """A Dask worker's error reaches the client pickled: the fields the command line words it from come along."""
    rows = RowsError("f: row 3, column age: missing value", file="f", first=1, last=9,
                     problems=[{"row": 3, "column": "age", "reason": "missing value"}])
    ids = IdentifierError("f: direct identifiers found", file="f", needed=True, findings=[{"column": "x"}])
    for exc in (rows, ids):
        back = pickle.loads(pickle.dumps(exc))
        assert type(back) is type(exc) and str(back) == str(exc) and vars(back) == vars(exc)


@pytest.fixture(scope="module")
def dask_address() -> Iterator[str]:
    from scoring.outofcore.distributed import make_client

    c = make_client(n_workers=1, threads_per_worker=1, processes=True, memory_limit="1GiB")
    try:
        yield c.scheduler.address  # type: ignore[attr-defined]
    finally:
        cluster = c.cluster
        c.close()
        cluster.close()


def test_dask_summary_and_refusals_in_the_reports_language(files, capsys, dask_address) -> None:
    tmp = files["tmp"]
    argv = _admit(files, "--scheduler", dask_address, "--chunk-rows", str(CHUNK))
    for lang, engine in (("zh", "计算引擎：分布式 · "), ("en", "engine dask · ")):
        mem, _ = _run(capsys, _admit(files, "--engine", "memory", "--lang", lang))
        got, _ = _run(capsys, [*argv, "--lang", lang])
        assert got[1] == engine + mem[1] and got[2] == mem[2], (got, mem)
    bad = [str(files["bad"]) if a == str(files["good"]) else a for a in argv]
    _, zh = _run(capsys, bad, 2)  # RowsError, raised on a worker
    assert "列“insurance_years（社保缴纳年限）”：不是数字" in zh and not _words(zh.removeprefix("错误："), tmp), zh
    _, en = _run(capsys, [*bad, "--lang", "en"], 2)
    assert "column insurance_years: not a number" in en


def test_run_names_the_scenario_keys_not_flags_it_does_not_take(files, capsys) -> None:
    """Trial 3, finding 5: a scenario's population file refused for bad rows or identifiers names the scenario's
    keys (``run`` takes neither --skip-invalid nor --drop-identifiers), in the report's language; the key named
    works."""
    import yaml

    tmp = files["tmp"]

    def scenario(name: str, population: Path, **keys: bool) -> Path:
        data = {"id": name, "scheme": str(ROOT / "scenarios/schemes/hangzhou-2022-illustrative.yaml"),
                "population": {"file": str(population), **keys}, "horizon": 1,
                "admission": {"mode": "quota", "quota": 40}, "dynamics": {"arrivals": {"per_year": 100}}}
        path = tmp / f"{name}.yaml"
        path.write_text(yaml.safe_dump(data), encoding="utf-8")
        return path

    def keyless(text: str) -> list[str]:
        return _words(re.sub(r"population\.\w+: true", " ", text), tmp)

    notes = synth(500, 6).assign(备注="")
    notes.loc[7, "备注"] = "电话 13812345678"  # a phone number in a column no scheme reads
    notes.to_parquet(tmp / "notes.parquet")
    cases = ((files["bad"], "skip_invalid", "第 1204 行"),
             (tmp / "notes.parquet", "drop_identifiers", "手机或电话号码"))
    for pop, key, zh_needle in cases:
        sc = scenario(f"sc_{key}", pop)
        argv = ["run", str(sc), "--out", str(tmp / f"run_{key}"), "--no-quota-question", "--no-progress"]
        _, zh = _run(capsys, argv, 2)
        assert f"population.{key}: true" in zh and "人口数据" in zh and zh_needle in zh, zh
        assert "--skip-invalid" not in zh and "--drop-identifiers" not in zh, zh
        assert not keyless(zh.removeprefix("错误：")), zh
        _, en = _run(capsys, [*argv, "--lang", "en"], 2)
        assert f"population.{key}: true in the scenario" in en and "--skip-invalid" not in en, en
        assert "--drop-identifiers" not in en and not CJK.search(en.replace("备注", "")), en
        fixed = scenario(f"sc_{key}_fixed", pop, **{key: True})
        _run(capsys, ["run", str(fixed), "--out", str(tmp / f"run_{key}_fixed"), "--no-quota-question",
                      "--no-progress"])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_first_compile_is_announced(files, capsys, monkeypatch, lang: str) -> None:
    """A fresh machine's first run with the numba kernel compiles it (~15 s): the command says so on stderr, in its
    language, instead of a silent wait (a new user's trial), with the chunked engine and the in-memory one alike;
    once cached, nothing is said. After a numba score the cache holds the kernel (where numba can write it)."""
    import scoring.engine.core as engine_core

    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.delenv("SCORING_ENGINE", raising=False)
    import os

    engine_core.score(synth(50, 1), __import__("scoring").load_scheme(SCHEME), engine="numba")
    cache = Path(engine_core.__file__).parent / "__pycache__"
    if os.access(cache, os.W_OK):  # numba caches beside the module when it can write there
        assert engine_core.kernel_compiled()
    monkeypatch.setattr(engine_core, "kernel_compiled", lambda: True)
    for engine in ("chunked", "memory"):  # the in-memory engine with numba (loaded here) too
        argv = [*_admit(files, "--engine", engine), "--lang", lang]
        assert main(argv) == 0
        err = capsys.readouterr().err
        assert "编译" not in err and "compil" not in err
        monkeypatch.setattr(engine_core, "kernel_compiled", lambda: False)
        assert main(argv) == 0
        err = capsys.readouterr().err
        assert ("正在编译计分内核" in err) == (lang == "zh")
        assert ("compiling the scoring kernel" in err) == (lang == "en")
        monkeypatch.setattr(engine_core, "kernel_compiled", lambda: True)
