"""Sentence cache: hits, misses, LRU eviction, many processes, and one-sentence regeneration."""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import time
from pathlib import Path

import numpy as np
import pytest

from pipeline.config import Settings
from pipeline.models import Script, Segment
from voices import SegmentCache, load_voice, speak
from voices.cache import cache_key, decode, encode


def _pcm(n: int, value: float = 0.25) -> np.ndarray:
    return np.full(n, value, dtype=np.float32)


def _noise(n: int, seed: int) -> np.ndarray:
    """float32 that is not int16-exact and hardly compresses: entries of a predictable size."""
    return (np.random.default_rng(seed).standard_normal(n) * 0.1).astype(np.float32)


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
    size = len(encode(_noise(1000, 0)))
    cache = SegmentCache(tmp_path, max_bytes=3 * size + 100)  # room for three entries
    for i in range(3):
        cache.put("v", f"s{i}", _noise(1000, i))
        t = time.time() - 100 + i
        os.utime(cache._path(cache_key("v", f"s{i}")), (t, t))
    assert cache.get("v", "s0") is not None  # s0 is now the youngest
    cache.put("v", "s3", _noise(1000, 3))  # over the limit: the oldest (s1) goes
    assert cache.get("v", "s1") is None
    assert cache.get("v", "s0") is not None and cache.get("v", "s3") is not None
    assert cache.size_bytes() <= 3 * size + 100


def test_damaged_entry_is_a_miss_and_removed(tmp_path: Path) -> None:
    cache = SegmentCache(tmp_path, max_bytes=1_000_000)
    cache.put("v", "x", _pcm(10))
    path = next(tmp_path.glob("??/*.seg"))
    path.write_bytes(b"not a segment")
    assert cache.get("v", "x") is None and not path.exists()


def _worker(args: tuple[str, int]) -> int:
    folder, seed = args
    cache = SegmentCache(Path(folder), max_bytes=60_000)
    rng = np.random.default_rng(seed)
    bad = 0
    for _ in range(150):
        k = int(rng.integers(0, 40))
        got = cache.get("v", f"seg{k}")
        if got is None:
            cache.put("v", f"seg{k}", _noise(1000, k))
        elif got.tobytes() != _noise(1000, k).tobytes():
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


# --- compact form, age, old entries -------------------------------------------------------------

ARTICLE = [
    "Der Stadtrat hat am Dienstag über den neuen Haushalt beraten.",
    "Die Opposition kritisierte vor allem die geplanten Kürzungen bei den Bibliotheken.",
    "Der Bürgermeister verteidigte den Entwurf als notwendig und ausgewogen.",
    "Eine Entscheidung soll in der kommenden Sitzung im Dezember fallen.",
    "Bis dahin wollen die Fraktionen über mögliche Änderungen verhandeln.",
    "Die Verwaltung rechnet mit einem Defizit von zwölf Millionen Euro.",
]
DAY = 86400.0


def _espeak(tmp_path: Path) -> object:
    return load_voice("espeak-de", Settings(data_dir=tmp_path))


def _script(sentences: list[str]) -> Script:
    return Script([Segment(s) for s in sentences])


def _age(cache: SegmentCache, voice_identity: str, sentences: list[str], days: float) -> None:
    """Make the entries of ``sentences`` look last used ``days`` ago."""
    t = time.time() - days * DAY
    for s in sentences:
        os.utime(cache._path(cache_key(voice_identity, s)), (t, t))


def _form(data: bytes) -> bytes:
    return data[4:5]


def test_compact_form_gives_back_the_same_bits(tmp_path: Path) -> None:
    voice = _espeak(tmp_path)
    speech = voice.synthesize(ARTICLE[1])
    tiny = np.float32(1e-42)  # subnormal
    odd = [
        speech,  # espeak: int16-exact, kept as int16
        speech * np.float32(0.7),  # a neural voice's kind of float32
        np.array([-1.0, 32767 / 32768, -1.0, 0.0, 32767 / 32768, -32767 / 32768], dtype=np.float32),  # delta wraps
        np.array([-0.0, 0.0, tiny, -tiny, np.nan, np.inf, 1.5], dtype=np.float32),  # not int16: kept as float32
        np.zeros(0, dtype=np.float32),
    ]
    assert [_form(encode(p)) for p in odd] == [b"i", b"f", b"i", b"f", b"i"]
    cache = SegmentCache(tmp_path / "cache", max_bytes=50_000_000)
    for i, pcm in enumerate(odd):
        assert decode(encode(pcm)).tobytes() == pcm.tobytes()
        cache.put("v", f"s{i}", pcm)
        got = cache.get("v", f"s{i}")
        assert got is not None and got.dtype == np.float32 and got.tobytes() == pcm.tobytes()
    # Compact: espeak speech takes under a third of its float32 bytes.
    assert len(encode(speech)) < speech.nbytes / 3


def test_render_from_cache_gives_the_same_mp3_as_fresh_speech(tmp_path: Path) -> None:
    from pipeline.stages.master import master

    voice = _espeak(tmp_path)
    script = _script(ARTICLE)
    fresh, _ = speak(script, voice, None)
    cache = SegmentCache(tmp_path / "cache", max_bytes=50_000_000)
    speak(script, voice, cache)
    cached, stats = speak(script, voice, cache)
    assert (stats.synthesised, stats.cached) == (0, len(ARTICLE))
    assert master(script.segments, fresh, voice.sample_rate, None).mp3 == \
        master(script.segments, cached, voice.sample_rate, None).mp3
    # A neural voice's float32 (not int16-exact) goes through the float form: the same bytes too.
    floats = [np.asarray(p, dtype=np.float32) * np.float32(0.7) + np.float32(1e-7) for p in fresh]
    for i, pcm in enumerate(floats):
        cache.put("neural", ARTICLE[i], pcm)
    back = [cache.get("neural", s) for s in ARTICLE]
    assert master(script.segments, floats, voice.sample_rate, None).mp3 == \
        master(script.segments, back, voice.sample_rate, None).mp3


def test_edit_to_a_six_day_old_article_respeaks_one_sentence_under_budget_pressure(tmp_path: Path) -> None:
    voice = _espeak(tmp_path)
    folder = tmp_path / "cache"
    big = SegmentCache(folder, max_bytes=10**9)
    week_old = [f"{s} Aus der Vorwoche." for s in ARTICLE]  # an article last rendered 10 days ago
    newer = [f"{s} Meldung Nummer {n}." for n in range(3) for s in ARTICLE]  # today's articles
    for sentences, days in ((ARTICLE, 6), (week_old, 10)):
        speak(_script(sentences), voice, big)
        _age(big, voice.identity, sentences, days)
    six_days = big.size_bytes()
    # Today's articles push the cache over its budget: the budget holds the six-day-old article
    # and today's, not the ten-day-old one as well.
    sizes = {s: len(encode(voice.synthesize(s))) for s in newer}
    budget = six_days + sum(sizes.values()) - sum(len(encode(voice.synthesize(s))) for s in week_old) // 2
    cache = SegmentCache(folder, max_bytes=budget)
    speak(_script(newer), voice, cache)
    cache.evict()
    assert cache.size_bytes() <= budget
    assert all(cache.get(voice.identity, s) is None for s in week_old)
    # The editor fixes one sentence of the six-day-old article: only that one is spoken again.
    edited = [*ARTICLE[:3], "Der Bürgermeister nannte den Entwurf später einen Kompromiss.", *ARTICLE[4:]]
    _, stats = speak(_script(edited), voice, SegmentCache(folder, max_bytes=budget))
    assert (stats.synthesised, stats.cached) == (1, len(ARTICLE) - 1)


def test_entries_unused_for_keep_days_go_even_under_budget(tmp_path: Path) -> None:
    cache = SegmentCache(tmp_path, max_bytes=10**9, keep_days=7)
    for i in range(4):
        cache.put("v", f"s{i}", _noise(1000, i))
    t = time.time() - 8 * DAY
    os.utime(cache._path(cache_key("v", "s0")), (t, t))
    assert cache.evict() == 1 and cache.stats.expired == 1
    assert cache.get("v", "s0") is None and cache.get("v", "s1") is not None
    forever = SegmentCache(tmp_path, max_bytes=10**9, keep_days=0)  # 0: only the budget evicts
    os.utime(cache._path(cache_key("v", "s1")), (t, t))
    assert forever.evict() == 0 and forever.get("v", "s1") is not None


def test_a_budget_too_small_for_keep_days_says_so(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    size = len(encode(_noise(1000, 0)))
    big = SegmentCache(tmp_path, max_bytes=10**9)
    for i in range(3):
        big.put("v", f"s{i}", _noise(1000, i))
        t = time.time() - (3 - i) * DAY  # three, two and one day ago
        os.utime(big._path(cache_key("v", f"s{i}")), (t, t))
    cache = SegmentCache(tmp_path, max_bytes=2 * size + 100, keep_days=7)  # room for two of the week's three
    with caplog.at_level(logging.WARNING, logger="voices.cache"):
        assert cache.evict() == 1
    assert cache.get("v", "s0") is None and cache.stats.expired == 0
    assert "cache_keep_days (7)" in caplog.text and "only the last 2.00 days" in caplog.text


def _old_path(folder: Path, key: str) -> Path:
    path = folder / key[:2] / f"{key}.npy"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def test_old_npy_entries_are_read_and_rewritten_compact(tmp_path: Path) -> None:
    voice = _espeak(tmp_path)
    speech = voice.synthesize(ARTICLE[0])
    old, broken = (_old_path(tmp_path / "cache", cache_key(voice.identity, s)) for s in ARTICLE[:2])
    np.save(old, speech, allow_pickle=False)  # as the cache wrote entries before the compact form
    broken.write_bytes(b"\x93NUMPY torn")
    cache = SegmentCache(tmp_path / "cache", max_bytes=50_000_000)
    assert cache.size_bytes() == old.stat().st_size + broken.stat().st_size  # old entries count for the budget
    got = cache.get(voice.identity, ARTICLE[0])
    assert got is not None and got.tobytes() == speech.tobytes()
    assert not old.exists() and old.with_suffix(".seg").exists()
    assert cache.get(voice.identity, ARTICLE[1]) is None and not broken.exists()
    _, stats = speak(_script(ARTICLE[:2]), voice, cache)
    assert (stats.synthesised, stats.cached) == (1, 1)
