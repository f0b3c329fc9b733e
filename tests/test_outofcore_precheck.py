"""New-user trial: ``--scheduler local`` started a Dask cluster (seconds, several processes) before refusing a file
whose header alone refuses it (1,000+ columns, an identifier in a header, a column the scheme needs missing, not a
Parquet file). The header checks now run before any cluster (scoring/outofcore/precheck.py, called by the command
line): exit 2 with the chunked engine's one-line reason, and no cluster started."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scoring.cli import main
from scoring.population.synthetic import synth

ROOT = Path(__file__).resolve().parent.parent
SCHEME = ROOT / "scenarios" / "schemes" / "hangzhou-2023-illustrative.yaml"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("precheck")
    pop = synth(60, 3)
    out = {}
    wide = pd.concat([pop, pd.DataFrame(np.zeros((len(pop), 1_000)), columns=[f"x{i}" for i in range(1_000)])],
                     axis=1)
    frames = {"wide": wide, "header": pop.assign(姓名="x", 备注="").astype({"备注": object}),
              "missing": pop.drop(columns=["insurance_years"])}
    frames["header"].loc[40, "备注"] = "联系电话 13912345678"  # named too, as the chunked engine names it
    for name, frame in frames.items():
        out[name] = tmp / f"{name}.parquet"
        frame.to_parquet(out[name], index=False)
    out["csv"] = tmp / "pop.csv"
    pop.to_csv(out["csv"], index=False)
    out["absent"] = tmp / "absent.parquet"
    return out


def _error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    english = "--lang" in argv and argv[argv.index("--lang") + 1] == "en"
    assert err.startswith("error: " if english else "错误："), err
    return err


@pytest.mark.parametrize("case", ["wide", "header", "missing", "csv", "absent"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_header_refusals_come_before_any_cluster(files, capsys, monkeypatch, case: str, lang: str) -> None:
    import scoring.outofcore.distributed as distributed

    def no_cluster(*args: object, **kwargs: object) -> None:
        raise AssertionError("a Dask cluster was started for a file the header refuses")

    monkeypatch.setattr(distributed, "run_dask", no_cluster)
    monkeypatch.setattr(distributed, "cluster_client", no_cluster)
    argv = ["admit", "--scheme", str(SCHEME), "--population", str(files[case]), "--quota", "10", "--lang", lang]
    dask = _error(capsys, [*argv, "--scheduler", "local"])
    chunked = _error(capsys, [*argv, "--engine", "chunked"])
    if case == "csv":  # the engine's name differs, the reason does not
        chunked = chunked.replace("chunked", "dask").replace("分块", "分布式")
    assert dask == chunked, (dask, chunked)
    assert "13912345678" not in dask
