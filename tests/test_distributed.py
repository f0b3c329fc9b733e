"""The Dask engine on a two-worker LocalCluster gives exactly the in-memory answers."""

from __future__ import annotations

from pathlib import Path

import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
import yaml

import scoring
from scoring.errors import PopulationError
from scoring.outofcore.dask_frames import admit_ddf, run_replication, score_ddf, simulate_many_dask, sweep
from scoring.outofcore.distributed import IdOrder, admit_file_dask, ids_in_order, plan_partitions, score_file_dask
from scoring.population.synthetic import synth

SCHEMES = Path(__file__).resolve().parent.parent / "scenarios" / "schemes"
N = 20_000


@pytest.fixture(scope="module")
def pop_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("dask") / "pop.parquet"
    synth(N, 21).to_parquet(path, row_group_size=2_500)
    return path


def _same(expected: dict, got: dict) -> None:
    for key, value in expected.items():
        if key in ("decisive", "required_share") and value is not None:
            assert got[key] == pytest.approx(value, rel=1e-9), key
        else:
            assert got[key] == value, key


@pytest.mark.parametrize(("scheme_file", "kw"), [
    ("hangzhou-2022-illustrative.yaml", {"quota": 1_500, "ties": [{"column": "education"}, {"lottery": 7}]}),
    ("beijing-2020.yaml", {"quota": 900}),
])
def test_admit_file_matches_in_memory(client: object, pop_file: Path, tmp_path: Path, scheme_file: str,
                                      kw: dict) -> None:
    scheme = scoring.load_scheme(SCHEMES / scheme_file)
    res = scoring.score(scoring.load_population(pop_file), scheme)
    adm = scoring.admit(res, **kw)
    got = admit_file_dask(scheme, pop_file, tmp_path / "out", client=client, rows_per_partition=5_000, **kw)
    assert len(plan_partitions(pop_file, 5_000)) == 4
    summary = got.summary()
    for key, value in {**res.summary(), **adm.summary()}.items():
        assert summary[key] == value, key
    _same(scoring.dominance(res, scheme, admitted=adm).to_dict(), summary["dominance"])
    frame = pd.read_parquet(tmp_path / "out").sort_index()
    expected = res.to_frame()
    expected["admitted"] = adm.admitted_mask
    pd.testing.assert_frame_equal(frame, expected, check_dtype=False, check_index_type=False,
                                  check_categorical=False)


def test_score_file_and_rejections(client: object, tmp_path: Path) -> None:
    raw = synth(6_000, 8)
    raw.loc[[3, 5_000], "insurance_years"] = -1.0
    raw.loc[[7, 5_001], "age"] = 250  # a column the scheme does not read: not validated, the rows are scored
    raw.loc[5_500, "person_id"] = raw.loc[2, "person_id"]
    path = tmp_path / "bad.parquet"
    raw.to_parquet(path, row_group_size=1_000)
    scheme = scoring.load_scheme(SCHEMES / "hangzhou-2023-illustrative.yaml")
    assert "age" not in scheme.columns()
    load = scoring.read_population(path, skip_invalid=True, columns=scheme.columns())
    res = scoring.score(load.frame, scheme)
    got = score_file_dask(scheme, path, None, client=client, rows_per_partition=2_000, skip_invalid=True,
                          rejected_path=tmp_path / "rej.csv").summary()
    assert (got["rows_in"], got["scored"], got["rejected"]) == (6_000, res.n, 4) == (load.rows_in, 5_996, 4)
    assert got["eligible"] == res.summary()["eligible"]
    _same(scoring.dominance(res, scheme).to_dict(), got["dominance"])
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "rej.csv"), load.rejected.reset_index(drop=True),
                                  check_dtype=False)
    assert (tmp_path / "rej.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # written by the one table writer
    with pytest.raises(PopulationError, match="row 4, column insurance_years"):
        score_file_dask(scheme, path, None, client=client, rows_per_partition=2_000)


def test_ids_ascending_in_each_partition_repeated_across(client: object, tmp_path: Path) -> None:
    """Each partition's ids ascend (nothing spilled by pass 1) but their ranges overlap and one id repeats in
    another partition: the hashes are spilled afterwards and the repeat rejected as in memory."""
    raw = synth(6_000, 9)
    raw.loc[4_500, "person_id"] = raw.loc[1_200, "person_id"]
    pop = pd.concat([raw.iloc[i:i + 2_000].sort_values("person_id") for i in range(0, 6_000, 2_000)],
                    ignore_index=True)
    path = tmp_path / "blocks.parquet"
    pop.to_parquet(path, row_group_size=1_000)
    scheme = scoring.load_scheme(SCHEMES / "beijing-2020.yaml")
    load = scoring.read_population(path, skip_invalid=True, columns=scheme.columns())
    adm = scoring.admit(scoring.score(load.frame, scheme), quota=300)
    got = admit_file_dask(scheme, path, None, client=client, rows_per_partition=2_000, skip_invalid=True, quota=300,
                          rejected_path=tmp_path / "rej.csv")
    assert got.summary()["rejected"] == 2 and got.summary()["admitted"] == adm.summary()["admitted"]
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "rej.csv"), load.rejected.reset_index(drop=True),
                                  check_dtype=False)


def test_ids_in_order() -> None:
    assert ids_in_order([IdOrder(False, "a", "c"), IdOrder(False), IdOrder(False, "d", "f")])
    assert not ids_in_order([IdOrder(False, "a", "c"), IdOrder(False, "c", "f")])  # "c" twice
    assert not ids_in_order([IdOrder(False, "a", "c"), IdOrder(True)])  # spilled
    assert not ids_in_order([IdOrder(False, "a", "c"), None])  # not checked
    assert ids_in_order([])


def test_dask_dataframe_partitions(client: object) -> None:
    pop = scoring.load_population(synth(8_000, 3))
    scheme = scoring.load_scheme(SCHEMES / "hangzhou-2022-illustrative.yaml")
    res = scoring.score(pop, scheme)
    adm = scoring.admit(res, quota=600)
    ddf = dd.from_pandas(pop, npartitions=5)
    pd.testing.assert_frame_equal(score_ddf(ddf, scheme).compute(), res.to_frame(), check_categorical=False)
    report, per_row = admit_ddf(ddf, scheme, quota=600)
    for key, value in adm.summary().items():
        assert report.summary()[key] == value, key
    assert report.summary()["decided_by_tiebreak"] == adm.decided_by_tiebreak
    np.testing.assert_array_equal(per_row.compute()["admitted"].to_numpy(), adm.admitted_mask)


def test_sweep_equals_serial_loop(client: object) -> None:
    base = yaml.safe_load((SCHEMES / "hangzhou-2022-illustrative.yaml").read_text(encoding="utf-8"))
    points = [({}, 1), ({}, 2), ({"items": [{"id": "residence", "points_per_unit": 9}]}, 1)]
    got = sweep(base, points, 3_000, quota=200, client=client)
    assert got == [run_replication(base, o, s, 3_000, quota=200) for o, s in points]
    assert got[0]["admitted"] == 200 or got[0]["tied_at_cutoff"] > 0


def test_monte_carlo_equals_simulate_many(client: object) -> None:
    from scoring.dynamics.core import YearRule, simulate_many

    pop = synth(2_000, 4)
    scheme = scoring.load_scheme(SCHEMES / "hangzhou-2023-illustrative.yaml")
    rules = [YearRule(threshold=100.0)] * 2
    local = simulate_many(pop, scheme, rules, replications=3, seed=5)
    spread = simulate_many_dask(pop, scheme, rules, replications=3, seed=5, client=client)
    pd.testing.assert_frame_equal(spread.yearly, local.yearly)
    pd.testing.assert_frame_equal(spread.waiting, local.waiting)


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_cli_scheduler_writes_the_in_memory_file(client: object, pop_file: Path, tmp_path: Path, suffix: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """``admit --scheduler ADDRESS --out F``: one file (written by the client in pass 2), the in-memory one."""
    import json

    from scoring.cli import main

    common = ["admit", "--scheme", str(SCHEMES / "beijing-2020.yaml"), "--population", str(pop_file), "--quota",
              "700", "--json"]
    assert main([*common, "--out", str(tmp_path / f"mem{suffix}"), "--engine", "memory"]) == 0
    mem = json.loads(capsys.readouterr().out)
    address = client.scheduler.address  # type: ignore[attr-defined]
    assert main([*common, "--out", str(tmp_path / f"dask{suffix}"), "--scheduler", address, "--chunk-rows",
                 "5000"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["engine"] == "dask"
    for key in ("rows_in", "scored", "rejected", "eligible", "admitted", "cutoff", "tied_at_cutoff"):
        assert got[key] == mem[key], key
    read = pd.read_parquet if suffix == ".parquet" else pd.read_csv
    pd.testing.assert_frame_equal(read(tmp_path / f"dask{suffix}"), read(tmp_path / f"mem{suffix}"),
                                  check_dtype=False, check_categorical=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([f"mem{suffix}", f"dask{suffix}"])
