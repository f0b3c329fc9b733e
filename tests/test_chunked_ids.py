"""Person ids repeated across a file, found by the chunked engine without hashing ids that are in ascending order:
:class:`scoring.outofcore.ids.AscendingSpill` finds the same repeats as hashing every id (the reference,
:class:`scoring.outofcore.ids.HashSpill`), and the engine rejects the same rows with the same reasons as the
in-memory reader whatever the order of the ids."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scoring
from scoring.outofcore import chunked
from scoring.outofcore.ids import AscendingSpill, HashSpill, normalised_ids
from scoring.population.synthetic import synth
from scoring.population.text import STR_DTYPE

SCHEMES = Path(__file__).resolve().parent.parent / "scenarios" / "schemes"
N, GROUP, CHUNK = 9_000, 1_500, 3_000  # 3 batches of 2 row groups


def _batches(ids: list[str | None], size: int) -> list[pd.Series]:
    return [pd.Series(ids[i:i + size], dtype=STR_DTYPE) for i in range(0, len(ids), size)]


def _spilled(spill: HashSpill, batches: list[pd.Series]) -> set[int]:
    for col in batches:
        spill.add_ids(*normalised_ids(col))
    return {int(h) for h in spill.repeated()}


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.integers(0, 40), min_size=1, max_size=60), size=st.integers(1, 9),
       order=st.sampled_from(["ascending", "strict", "as drawn"]), gaps=st.booleans())
def test_ascending_spill_finds_the_repeats_hashing_finds(tmp_path_factory: pytest.TempPathFactory, values: list[int],
                                                        size: int, order: str, gaps: bool) -> None:
    """Ids in ascending order (repeats possible), strictly ascending (none), or in any order; some missing."""
    if order == "ascending":
        values = sorted(values)
    elif order == "strict":
        values = sorted(set(values))
    ids: list[str | None] = [f"A{v:03d}" for v in values]
    if gaps:
        ids[::4] = [None] * len(ids[::4])
    batches = _batches(ids, size)
    reference = _spilled(HashSpill(tmp_path_factory.mktemp("hash")), batches)
    offered: list[int] = []

    def earlier():  # the file read again from its first row, as the engine does
        offered.append(1)
        return iter(batches)

    spill = AscendingSpill(tmp_path_factory.mktemp("asc"), earlier)
    assert _spilled(spill, batches) == reference
    present = [i for i in ids if i is not None]
    if order == "strict":  # all distinct and in order: nothing hashed, nothing read again
        assert spill.ascending and not offered and not reference
    if len(set(present)) < len(present):  # a repeat always breaks the strict order
        assert reference and not spill.ascending


def test_a_repeat_at_a_batch_boundary_is_found(tmp_path: Path) -> None:
    """Each batch ascending on its own; the next batch starts with the previous batch's last id."""
    batches = _batches(["A1", "A2", "A3", "A3", "A4", "A5"], 3)
    spill = AscendingSpill(tmp_path, lambda: iter(batches))
    assert len(_spilled(spill, batches)) == 1 and not spill.ascending


@pytest.mark.parametrize("shuffle", [False, True])
def test_repeats_in_any_order_are_rejected_as_in_memory(tmp_path: Path, shuffle: bool) -> None:
    """The ids in file order (the first batches in order, a repeat breaking it later) or shuffled: the same rows
    rejected with the same reasons, the same admitted rows and cut-off as reading the whole file."""
    raw = synth(N, 31)
    if shuffle:
        raw = raw.sample(frac=1.0, random_state=3).reset_index(drop=True)
    raw.loc[7_000, "person_id"] = raw.loc[200, "person_id"]  # a repeat two batches later
    raw.loc[3_000, "person_id"] = raw.loc[2_999, "person_id"]  # and one across the first boundary
    path = tmp_path / "ids.parquet"
    raw.to_parquet(path, row_group_size=GROUP)
    scheme = scoring.load_scheme(SCHEMES / "hangzhou-2022-illustrative.yaml")
    load = scoring.read_population(path, skip_invalid=True, columns=scheme.columns())
    res = scoring.score(load.frame, scheme, on_invalid="reject")
    adm = scoring.admit(res, quota=700)
    rej = tmp_path / "rej.csv"
    got = chunked.admit_file_chunked(scheme, path, tmp_path / "o.parquet", chunk_rows=CHUNK, skip_invalid=True,
                                     rejected_path=rej, quota=700).summary()
    assert got["rows_in"] == N == got["scored"] + got["rejected"]
    assert got["rejected"] == load.rows_rejected == 4
    assert got["admitted"] == adm.admitted_count and got["cutoff"] == adm.cutoff
    pd.testing.assert_frame_equal(pd.read_csv(rej), load.rejected.reset_index(drop=True), check_dtype=False)
    written = pd.read_parquet(tmp_path / "o.parquet")
    assert np.array_equal(written["admitted"].to_numpy(), adm.admitted_mask)


def test_colliding_hashes_of_shuffled_ids_are_confirmed_on_the_text(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Ids out of order are hashed; equal hashes of distinct ids are compared on the text and cost no second
    pass 1 (the file-wide scan is not run)."""
    import scoring.outofcore.ids as ids

    scans: list[int] = []
    find_facts = chunked.find_facts
    monkeypatch.setattr(chunked, "find_facts", lambda *a, **k: scans.append(1) or find_facts(*a, **k))
    monkeypatch.setattr(ids, "text_hash", lambda s: np.zeros(len(s), dtype=np.uint64))  # every hash collides
    path = tmp_path / "shuffled.parquet"
    synth(N, 32).sample(frac=1.0, random_state=4).to_parquet(path, row_group_size=GROUP, index=False)
    scheme = scoring.load_scheme(SCHEMES / "hangzhou-2022-illustrative.yaml")
    adm = scoring.admit(scoring.score(scoring.read_population(path, columns=scheme.columns()).frame, scheme),
                        quota=500)
    got = chunked.admit_file_chunked(scheme, path, chunk_rows=CHUNK, quota=500).summary()
    assert not scans and got["rejected"] == 0 and got["rows_in"] == N
    assert got["admitted"] == adm.admitted_count and got["cutoff"] == adm.cutoff


def test_scratch_text_is_narrowed_in_slices_that_fit() -> None:
    """The scratch keeps text with 32-bit offsets; a batch with more text than they address is written in row
    slices that each fit (limit lowered here), and reads back as the same rows."""
    import pyarrow as pa

    from scoring.outofcore.files import narrowed

    words = [f"id-{i:05d}" * (1 + i % 3) for i in range(101)]
    table = pa.table({"person_id": pa.array(words, pa.large_string()), "n": np.arange(101)})
    parts = list(narrowed(table, limit=300))
    assert all(p.schema.field("person_id").type == pa.string() for p in parts)
    assert all(sum(len(w.encode()) for w in p.column("person_id").to_pylist()) <= 300 for p in parts)
    assert len(parts) > 1 and pa.concat_tables(parts).cast(table.schema).equals(table)
    assert [len(p) for p in narrowed(table)] == [101]  # the usual case: one slice
