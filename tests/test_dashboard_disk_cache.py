"""The dashboard's disk cache: a table comes back exactly as written, only for the same code and data, never when
the cache is off or the file is damaged; the queue model's runs and the synthetic population go through it."""

from __future__ import annotations

import threading
import time

import pandas as pd
import pandas.testing as pdt
import pytest

from dashboard import disk_cache, quota_model
from scoring.population.synthetic import synth
from scoring.scenario.quota_calendar import QuotaYears


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HUKOU_SIM_CACHE", str(tmp_path))
    return tmp_path


def test_population_round_trip_is_exact(cache):
    pop = synth(3_000, 11)
    assert disk_cache.read_frame("synth:3000:11") is None
    disk_cache.write_frame("synth:3000:11", pop)
    back = disk_cache.read_frame("synth:3000:11")
    pdt.assert_frame_equal(back, pop)  # values, dtypes (categories included) and index
    assert disk_cache.read_frame("synth:3000:12") is None


def test_background_write_lands(cache):
    frame = pd.DataFrame({"a": [1, 2, 3]})
    disk_cache.write_frame("bg", frame, background=True)
    for thread in threading.enumerate():
        if thread.name == "disk-cache-write":
            thread.join(timeout=30)
    pdt.assert_frame_equal(disk_cache.read_frame("bg"), frame)


def test_other_code_misses(cache, monkeypatch):
    disk_cache.write_frame("x", pd.DataFrame({"a": [1]}))
    assert disk_cache.read_frame("x") is not None
    monkeypatch.setattr(disk_cache, "fingerprint", lambda: "another-version")
    assert disk_cache.read_frame("x") is None


def test_fingerprint_follows_the_sources(tmp_path, monkeypatch):
    for folder in ("scoring", "data", "scenarios", "dashboard"):
        (tmp_path / folder).mkdir()
    (tmp_path / "scoring" / "a.py").write_text("x = 1\n")
    monkeypatch.setattr(disk_cache, "ROOT", tmp_path)
    disk_cache.fingerprint.cache_clear()
    try:
        first = disk_cache.fingerprint()
        (tmp_path / "scoring" / "a.py").write_text("x = 2\n")
        disk_cache.fingerprint.cache_clear()
        assert disk_cache.fingerprint() != first
    finally:
        disk_cache.fingerprint.cache_clear()


def test_off_and_damaged(cache, monkeypatch):
    disk_cache.write_frame("y", pd.DataFrame({"a": [1]}))
    (path,) = cache.glob("*.arrow")
    path.write_bytes(b"not arrow")
    assert disk_cache.read_frame("y") is None  # a damaged file is a miss
    monkeypatch.setenv("HUKOU_SIM_CACHE", "off")
    assert disk_cache.cache_dir() is None
    disk_cache.write_frame("z", pd.DataFrame({"a": [1]}))
    assert disk_cache.read_frame("z") is None


def test_prune_keeps_a_bounded_number(cache, monkeypatch):
    monkeypatch.setattr(disk_cache, "MAX_FILES", 3)
    for n in range(6):
        disk_cache.write_frame(f"f{n}", pd.DataFrame({"a": [n]}))
    assert len(list(cache.glob("*.arrow"))) == 3
    assert disk_cache.read_frame("f5") is not None


def test_quota_run_comes_back_from_disk(cache):
    table = pd.DataFrame({"variant": ["with", "without"], "year": [2024, 2024], "admitted": [8000.0, 9500.5]})
    curve = pd.DataFrame({"quota": [100, 200], "cutoff": [120.5, 110.0], "admitted": [100, 201]})
    quota_model._to_disk("k", QuotaYears(table, curve, 200.0, 2))
    back = quota_model._from_disk("k")
    pdt.assert_frame_equal(back.table, table)
    pdt.assert_frame_equal(back.curve, curve)
    assert (back.ratio, back.replications) == (200.0, 2)
    assert quota_model._from_disk("other") is None


def test_concurrent_sessions_make_one_run(cache, monkeypatch):
    """Two sessions asking for the same queue-model run at once: the model runs once, both get its result."""
    calls: list[int] = []
    started, release = threading.Event(), threading.Event()
    table = pd.DataFrame({"year": [2024], "variant": ["with"], "admitted": [8000.0]})

    def fake_years(*args, **kwargs) -> QuotaYears:
        calls.append(1)
        started.set()
        release.wait(10)
        return QuotaYears(table, pd.DataFrame({"quota": [1]}), 200.0, 2)

    monkeypatch.setattr(quota_model, "quota_years", fake_years)
    monkeypatch.setattr(quota_model, "scenario_at_ratio", lambda *a, **k: None)
    monkeypatch.setattr(quota_model, "quota_ties", lambda scheme: None)
    key = "concurrent-test-key"
    got: list[QuotaYears] = []
    runs = [threading.Thread(target=lambda: got.append(quota_model.run(key, None, "s.yaml", 1, 1.0, 1, 200, 2)))
            for _ in range(2)]
    runs[0].start()
    assert started.wait(10)
    runs[1].start()
    for _ in range(50):  # give the second session time to reach the model (it would, without the lock)
        if len(calls) > 1:
            break
        time.sleep(0.01)
    release.set()
    for th in runs:
        th.join(10)
    assert len(calls) == 1 and len(got) == 2
    for out in got:
        pdt.assert_frame_equal(out.table, table)
