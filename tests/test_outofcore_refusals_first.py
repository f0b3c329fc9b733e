"""The chunked engine refuses before it reports work (new-user trial 5): identifiers in a column the run does not
read stop pass 1 before any batch is reported ("scored rows ..."), and a refusal by the header alone comes without
the "reading the whole file once more" line; both with the in-memory engine's message, in Chinese and English."""

from __future__ import annotations

from pathlib import Path

import pytest

from scoring.cli import main
from scoring.population.synthetic import synth

ROOT = Path(__file__).resolve().parent.parent
SCHEME = str(ROOT / "scenarios" / "schemes" / "hangzhou-2023-illustrative.yaml")
N, CHUNK = 2_000, 250


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("refusals_first")
    pop = synth(N, 3)
    unread = pop.assign(备注="ok")
    unread.loc[1_500, "备注"] = "11010519491231002X"  # an ID number in a column the scheme does not read
    header = pop.assign(身份证号="x")  # a column whose header names ID numbers
    paths = {"unread": tmp / "unread.parquet", "header": tmp / "header.parquet", "tmp": tmp}
    unread.to_parquet(paths["unread"], index=False, row_group_size=CHUNK)
    header.to_parquet(paths["header"], index=False, row_group_size=CHUNK)
    return paths


def _admit(capsys: pytest.CaptureFixture[str], path: Path, out: Path, lang: str, *extra: str) -> tuple[int, str]:
    code = main(["admit", "--scheme", SCHEME, "--population", str(path), "--quota", "100", "--out", str(out),
                 "--engine", "chunked", "--chunk-rows", str(CHUNK), "--lang", lang, *extra])
    return code, capsys.readouterr().err


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("kind", ["unread", "header"])
def test_an_identifier_is_refused_before_any_progress(files: dict[str, Path], capsys: pytest.CaptureFixture[str],
                                                      lang: str, kind: str) -> None:
    out = files["tmp"] / f"{kind}_{lang}.csv"
    code, err = _admit(capsys, files[kind], out, lang)
    memory = main(["admit", "--scheme", SCHEME, "--population", str(files[kind]), "--quota", "100", "--lang", lang])
    expected = capsys.readouterr().err.strip().splitlines()[-1]
    assert code == 2 and memory == 2
    lines = err.strip().splitlines()
    assert lines == [expected.replace(str(files[kind]), files[kind].name)] or lines == [expected], err  # one line
    assert not out.exists()


def test_dropped_identifiers_report_batches_once(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    """With --drop-identifiers the run goes on: the batches are reported once, after the file is read again."""
    code, err = _admit(capsys, files["unread"], files["tmp"] / "dropped.csv", "en", "--drop-identifiers")
    assert code == 0
    lines = [line for line in err.splitlines() if line.startswith("scored rows ")]
    assert lines == [f"scored rows {s + 1}-{s + CHUNK} of {N:,}" for s in range(0, N, CHUNK)]
    assert err.splitlines()[0] == "reading the whole file once more (repeated ids, identifiers), then scoring it again"


@pytest.mark.parametrize("kind", ["empty", "directory", "text", "short", "missing"])
def test_a_file_that_is_no_parquet_file_gets_the_readers_reason(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                 kind: str) -> None:
    """Trial finding: the out-of-core engines said "reads Parquet files; convert to Parquet first" where the
    in-memory reader says why (the file is empty, is a directory, is not a Parquet file): the same line from all."""
    path = tmp_path / "pop.parquet"
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "directory":
        path.mkdir()
    elif kind == "text":
        path.write_text("person_id,age\nP1,30\n" * 20, encoding="utf-8")
    elif kind == "short":
        path.write_text("a,b\n", encoding="utf-8")
    lines = {}
    for lang in ("en", "zh"):
        for engine in (["--engine", "memory"], ["--engine", "chunked"], ["--scheduler", "local"]):
            code = main(["admit", "--scheme", SCHEME, "--population", str(path), "--quota", "10", "--lang", lang,
                         *engine])
            assert code == 2
            lines[lang, engine[-1]] = capsys.readouterr().err.strip().splitlines()[-1]
        assert lines[lang, "chunked"] == lines[lang, "memory"] == lines[lang, "local"]
    assert "Parquet first" not in lines["en", "memory"]
    assert ("not a Parquet file (every Parquet file begins with the bytes PAR1)" in lines["en", "memory"]) == (
        kind in ("text", "short"))  # named .parquet, holding something else: said so (not pyarrow's footer error)
    assert ("不是 Parquet 文件" in lines["zh", "memory"]) == (kind in ("text", "short"))
