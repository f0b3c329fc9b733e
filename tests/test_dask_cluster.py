"""The Dask engine's own LocalCluster (workers from a forkserver, scratch uncompressed while it fits in memory) gives
the in-memory answers and leaves no server behind; both scratch forms hold the same rows."""

from __future__ import annotations

import dataclasses
from multiprocessing import forkserver
from pathlib import Path

import pandas as pd
import pytest

import scoring
from scoring.outofcore.core import make_context
from scoring.outofcore.dask_cluster import start_method
from scoring.outofcore.distributed import (
    SCRATCH_BYTES_PER_ROW,
    _pass1_task,
    _scored_path,
    admit_file_dask,
    plan_partitions,
    scratch_compression,
)
from scoring.outofcore.files import data_columns, iter_written
from scoring.population.synthetic import synth

BEIJING = Path(__file__).resolve().parent.parent / "scenarios" / "schemes" / "beijing-2020.yaml"


@pytest.fixture(scope="module")
def pop_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("dask_cluster") / "pop.parquet"
    synth(12_000, 17).to_parquet(path, row_group_size=3_000)
    return path


def test_scratch_compression_by_memory() -> None:
    rows = 1_000_000
    need = rows * SCRATCH_BYTES_PER_ROW
    assert scratch_compression(rows, available=4 * need) is None
    assert scratch_compression(rows, available=4 * need - 4) == "lz4"


def test_both_scratch_forms_hold_the_same_rows(pop_file: Path, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    scheme = scoring.load_scheme(BEIJING)
    ctx = make_context(scheme, n_total=12_000, source=str(pop_file), skip_invalid=False, drop_identifiers=False,
                       admission=True, quota=500, threshold=None, ties=None, id_batches=lambda cols: [],
                       columns=data_columns(pq.ParquetFile(pop_file)), prescan=False)
    ctx = dataclasses.replace(ctx, facts_known=True)
    part = plan_partitions(pop_file, 3_000)[1]
    frames = {}
    for name, compression in (("lz4", "lz4"), ("plain", None)):
        (tmp_path / name).mkdir()
        stats, _, _ = _pass1_task(part, ctx, str(tmp_path / name), compression)
        assert stats.scored == 3_000
        frames[name] = pd.concat(iter_written(_scored_path(str(tmp_path / name), part), 1 << 20))
    assert frames["plain"].index[0] == 3_000  # global row labels kept
    pd.testing.assert_frame_equal(frames["plain"], frames["lz4"])
    sizes = {n: Path(_scored_path(str(tmp_path / n), part)).stat().st_size for n in frames}
    assert sizes["lz4"] < sizes["plain"]  # the compressed form is the compressed one


def test_own_local_cluster_matches_in_memory(pop_file: Path, tmp_path: Path) -> None:
    scheme = scoring.load_scheme(BEIJING)
    res = scoring.score(scoring.load_population(pop_file), scheme)
    adm = scoring.admit(res, quota=500)
    running_before = getattr(forkserver._forkserver, "_forkserver_pid", None) is not None
    got = admit_file_dask(scheme, pop_file, None, quota=500, rows_per_partition=3_000, out_file=tmp_path / "o.parquet",
                          index=False)
    summary = got.summary()
    for key, value in {**res.summary(), **adm.summary()}.items():
        assert summary[key] == value, key
    written = pd.read_parquet(tmp_path / "o.parquet")
    assert len(written) == 12_000 and int(written["admitted"].sum()) == adm.summary()["admitted"]
    assert written["admitted"].to_numpy().tolist() == adm.admitted_mask.tolist()
    if start_method() == "forkserver" and not running_before:  # the run's server was stopped and reaped
        assert getattr(forkserver._forkserver, "_forkserver_pid", None) is None


def test_a_prestarted_forkserver_ends_with_a_command_that_ends_first(pop_file: Path, tmp_path: Path) -> None:
    """``--scheduler local`` starts the workers' forkserver before the command's own work; a command refused before
    its cluster starts stops it (one this process ran already is left running)."""
    from scoring.cli import main
    from scoring.outofcore import dask_cluster

    before = getattr(forkserver._forkserver, "_forkserver_pid", None)
    code = main(["admit", "--scheme", str(BEIJING), "--population", str(pop_file), "--quota", "10", "--scheduler",
                 "local", "--out", str(tmp_path / "x.txt")])
    assert code == 2 and not dask_cluster._prestarted
    assert getattr(forkserver._forkserver, "_forkserver_pid", None) == before
