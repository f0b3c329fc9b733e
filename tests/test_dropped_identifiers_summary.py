"""New-user trial: with ``--drop-identifiers`` the text summary of ``score``/``admit`` did not say which columns were
dropped (only ``--json`` did, and only in memory). Every engine now names them — by their headers as the file
writes them, a header that itself holds an identifier by its position — in the report's language, never a value."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scoring.cli import main
from scoring.population.synthetic import synth

ROOT = Path(__file__).resolve().parent.parent
SCHEME = str(ROOT / "scenarios" / "schemes" / "hangzhou-2023-illustrative.yaml")
PHONE = "13912345678"


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pop = synth(1_500, 9)
    pop["手机号"] = "x"  # an identifier header
    pop["备注"] = ""
    pop.loc[1_200, "备注"] = f"联系电话 {PHONE}"  # an identifier inside one value of a column not read
    pop[PHONE] = "a"  # a header that is itself an identifier: named by its position only
    path = tmp_path_factory.mktemp("dropped") / "pop.parquet"
    pop.to_parquet(path, index=False, row_group_size=500)
    return path


def _engine(engine: str, client: object) -> list[str]:
    if engine == "dask":
        return ["--scheduler", client.scheduler.address, "--chunk-rows", "500"]  # type: ignore[attr-defined]
    return ["--engine", engine] + (["--chunk-rows", "500"] if engine == "chunked" else [])


@pytest.mark.parametrize("command", ["admit", "score"])
def test_the_summary_names_the_dropped_columns_in_every_engine(population: Path, client: object, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str],
                                                               command: str) -> None:
    position = len(synth(3, 9).columns) + 3  # the last column
    want = {"zh": f"已删除直接标识列：手机号、备注、第 {position} 列（列名不显示）",
            "en": f"dropped identifier column(s): 手机号, 备注, column {position} (header not shown)"}
    for engine in ("memory", "chunked", "dask"):
        argv = [command, "--scheme", SCHEME, "--population", str(population), "--drop-identifiers",
                "--out", str(tmp_path / f"{engine}.csv"), *_engine(engine, client)]
        for lang in ("zh", "en"):
            assert main([*argv, "--lang", lang]) == 0
            out = capsys.readouterr().out
            assert want[lang] in out.splitlines(), (engine, lang, out)
            assert PHONE not in out
        assert main([*argv, "--json"]) == 0
        payload = json.loads(capsys.readouterr().out)
        assert payload["dropped_identifiers"] == ["手机号", "备注", f"column {position} (header not shown)"], engine
