"""Sentence cache: hits, misses, LRU eviction, many processes, and one-sentence regeneration."""

from __future__ import annotations

import multiprocessing as mp
import os
import time
from pathlib import Path

import numpy as np

from pipeline.config import Settings
from pipeline.models import Script, Segment
from voices import SegmentCache, load_voice, speak
from voices.cache import cache_key


def _pcm(n: int, value: float = 0.25) -> np.ndarray:
    return np.full(n, value, dtype=np.float32)


def test_hit_and_miss(tmp_path: Path) -> None:
    cache = SegmentCache(tmp_path, max_bytes=10_000_000)
    assert cache.get("v1", "Hallo.") is None
    cache.put("v1", "Hallo.", _pcm(100))
    got = cache.get("v1", "Hallo.")
    assert got is not None and np.array_equal(got, _pcm(100))
    # The key is voice identity AND text: another voice or another text is a miss.
    assert cache.get("v2", "Hallo.") is None
    assert cache.get("v1", "Hallo!") is None
    assert (cache.stats.hits, cache.stats.misses) == (1, 3)


def test_lru_eviction_keeps_recently_used(tmp_path: Path) -> None:
    cache = SegmentCache(tmp_path, max_bytes=3 * 4200)  # room for three 4 kB entries
    for i in range(3):
        cache.put("v", f"s{i}", _pcm(1000))
        t = time.time() - 100 + i
        os.utime(cache._path(cache_key("v", f"s{i}")), (t, t))
    assert cache.get("v", "s0") is not None  # s0 is now the youngest
    cache.put("v", "s3", _pcm(1000))  # over the limit: the oldest (s1) goes
    assert cache.get("v", "s1") is None
    assert cache.get("v", "s0") is not None and cache.get("v", "s3") is not None
    assert cache.size_bytes() <= 3 * 4200


def test_damaged_entry_is_a_miss_and_removed(tmp_path: Path) -> None:
    cache = SegmentCache(tmp_path, max_bytes=1_000_000)
    cache.put("v", "x", _pcm(10))
    path = next(tmp_path.glob("??/*.npy"))
    path.write_bytes(b"not numpy")
    assert cache.get("v", "x") is None and not path.exists()


def _worker(args: tuple[str, int]) -> int:
    folder, seed = args
    cache = SegmentCache(Path(folder), max_bytes=60_000)
    rng = np.random.default_rng(seed)
    bad = 0
    for _ in range(150):
        k = int(rng.integers(0, 40))
        value = k / 100
        got = cache.get("v", f"seg{k}")
        if got is None:
            cache.put("v", f"seg{k}", _pcm(1000, value))
        elif not (len(got) == 1000 and np.all(got == np.float32(value))):
            bad += 1  # a torn or foreign entry
    return bad


def test_many_processes_share_one_cache_safely(tmp_path: Path) -> None:
    ctx = mp.get_context("fork")
    with ctx.Pool(4) as pool:
        bad = pool.map(_worker, [(str(tmp_path), s) for s in range(4)])
    assert sum(bad) == 0
    cache = SegmentCache(tmp_path, max_bytes=60_000)
    cache.evict()
    assert cache.size_bytes() <= 60_000
    assert not list(tmp_path.glob("??/.tmp-*"))  # no temp files left behind


def test_one_sentence_edit_resynthesises_only_that_sentence(tmp_path: Path) -> None:
    voice = load_voice("espeak-de", Settings(data_dir=tmp_path))
    cache = SegmentCache(tmp_path / "cache", max_bytes=50_000_000)
    sentences = [f"Das ist der Satz Nummer {n} in diesem Artikel." for n in range(10)]
    first, stats1 = speak(Script([Segment(s) for s in sentences]), voice, cache)
    assert (stats1.synthesised, stats1.cached) == (10, 0)
    sentences[4] = "Dieser Satz wurde von der Redaktion geändert."
    second, stats2 = speak(Script([Segment(s) for s in sentences]), voice, cache)
    assert (stats2.synthesised, stats2.cached) == (1, 9)
    assert np.array_equal(first[3], second[3]) and not np.array_equal(first[4], second[4])
