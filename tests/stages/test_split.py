"""A long article is split across synth workers only when the voice is slow enough for the
split to pay; with espeak the one mastering task is the bulk and the article stays whole."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pytest

from pipeline.run.article import prepare_article, render_article
from pipeline.run.feed import poll_feed
from pipeline.run.parts import plan_parts, speak_part
from pipeline.stages.split import parts_for
from pipeline.state.articles import get_article
from pipeline.state.episodes import episode_cues, latest_episode
from pipeline.state.store import open_store
from voices import load_voice, real_time_factor


@dataclass
class PacedVoice:
    """espeak's audio at a neural voice's pace: ``factor`` seconds of work per second of speech."""

    inner: object
    factor: float
    identity: str = "paced-test-voice"

    @property
    def sample_rate(self) -> int:
        return self.inner.sample_rate

    def synthesize(self, text: str, pronunciations=()) -> np.ndarray:
        pcm = self.inner.synthesize(text, pronunciations)
        time.sleep(self.factor * len(pcm) / self.inner.sample_rate)
        return pcm


def test_the_voice_speed_decides_not_only_the_length():
    assert parts_for(200, 40, factor=0.5, min_factor=0.1) == 5
    assert parts_for(200, 40, factor=0.02, min_factor=0.1) == 1  # cheap voice: mastering is the bulk
    assert parts_for(30, 40, factor=0.5, min_factor=0.1) == 1  # short article
    assert parts_for(200, 0, factor=0.5, min_factor=0.1) == 1  # splitting turned off
    assert parts_for(200, 40, factor=0.02, min_factor=0.0) == 5  # by length alone


def test_measured_speed_of_a_cheap_and_a_slow_voice(settings):
    espeak = load_voice("espeak-de", settings)
    assert real_time_factor(espeak) < 0.1
    slow = PacedVoice(espeak, 0.2)
    assert 0.15 < real_time_factor(slow) < 0.5


def test_a_long_article_is_not_split_for_espeak_unless_configured(small_sample_settings):
    settings = small_sample_settings
    settings.voice = "espeak-de"
    settings.segments_per_task = 5
    polled = poll_feed(settings.feed("sample"), settings)
    store = open_store(settings)
    (seed,) = [i for i in polled.article_ids if get_article(store, i).guid == "ntv-article24649386"]
    assert prepare_article(seed, settings).status == "prepared"
    assert plan_parts(seed, settings) == 1
    settings.split_min_rtf = 0.0
    assert plan_parts(seed, settings) >= 3


def test_parts_are_cut_only_between_blocks_and_balanced_by_text():
    from pipeline.models import Segment
    from pipeline.stages.split import part_bounds

    segments = [Segment("Titel", "title", 900, block=0)]
    for block in range(1, 9):
        segments += [Segment(f"Satz {block}.{i} " + "x" * 40, "paragraph", 300, block=block) for i in range(3)]
    bounds = part_bounds(segments, 3)
    assert bounds[0] == 0 and bounds[-1] == len(segments) and len(bounds) == 4
    for cut in bounds[1:-1]:
        assert segments[cut].block != segments[cut - 1].block  # a seam is a pause between paragraphs
    sizes = [sum(len(s.text) for s in segments[a:b]) for a, b in zip(bounds, bounds[1:], strict=False)]
    assert all(abs(size - sum(sizes) / 3) <= 150 for size in sizes)  # within one paragraph of a fair share
    assert part_bounds(segments[:4], 3) == [0, 1, 4]  # a title and one paragraph: two parts at most
    assert part_bounds(segments, 1) == [0, len(segments)]


def split_seed(settings):
    settings.voice = "espeak-de"
    settings.segments_per_task = 5
    settings.split_min_rtf = 0.0
    polled = poll_feed(settings.feed("sample"), settings)
    store = open_store(settings)
    (seed,) = [i for i in polled.article_ids if get_article(store, i).guid == "ntv-article24649386"]
    assert prepare_article(seed, settings).status == "prepared"
    return seed, store


def test_parts_spoken_and_mastered_apart_join_into_the_episode_a_listener_expects(small_sample_settings):
    import pyloudnorm

    from pipeline.stages import fragments
    from pipeline.stages.loudness import true_peak_db
    from pipeline.stages.master import decode_mp3

    settings = small_sample_settings
    seed, store = split_seed(settings)
    parts = plan_parts(seed, settings)
    assert parts >= 3
    for part in range(parts):  # as the parallel part tasks do
        speak_part(seed, part, parts, settings)
    assert len(list(fragments.folder(settings).glob(f"{seed}-*.mp3"))) == parts
    joined = render_article(seed, settings)
    assert joined.status == "done" and joined.synthesised == 0 and "join" in joined.timings
    episode = latest_episode(store, seed).episode
    assert list(fragments.folder(settings).glob(f"{seed}-*")) == []  # the parts are gone once it is published
    whole = render_article(seed, settings, force=True)  # one worker: spoken and mastered at once
    whole_episode = latest_episode(store, seed).episode
    assert whole_episode.version == episode.version + 1
    audio, rate = decode_mp3((settings.audio_dir / episode.file_name).read_bytes())
    assert pyloudnorm.Meter(rate).integrated_loudness(audio) == pytest.approx(-16.0, abs=0.5)
    assert true_peak_db(audio) <= -1.0
    assert episode.duration_s == pytest.approx(whole.duration_s, abs=0.5)
    # chapters and read-along times land where the unsplit episode has them
    assert [c.title for c in episode.chapters] == [c.title for c in whole_episode.chapters]
    for a, b in zip(episode.chapters, whole_episode.chapters, strict=True):
        assert abs(a.start_ms - b.start_ms) <= 150
    cues = episode_cues(store, seed, episode.version)
    whole_cues = episode_cues(store, seed, whole_episode.version)
    assert len(cues) == len(whole_cues)
    assert max(abs(a["start_ms"] - b["start_ms"]) for a, b in zip(cues, whole_cues, strict=True)) <= 150


def test_a_missing_part_means_the_render_speaks_and_masters_it_whole(small_sample_settings):
    from pipeline.stages import fragments

    settings = small_sample_settings
    seed, store = split_seed(settings)
    parts = plan_parts(seed, settings)
    for part in range(parts):
        speak_part(seed, part, parts, settings)
    next(fragments.folder(settings).glob(f"{seed}-*-1of*.mp3")).unlink()  # a part task that never ended
    outcome = render_article(seed, settings)
    assert outcome.status == "done" and outcome.synthesised == 0 and outcome.cached > 0  # from the sentence cache
    assert list(fragments.folder(settings).glob(f"{seed}-*")) == []


def test_a_redelivered_part_task_and_one_for_published_audio_do_no_work(small_sample_settings):
    import os

    from pipeline.stages import fragments

    settings = small_sample_settings
    seed, store = split_seed(settings)
    parts = plan_parts(seed, settings)
    speak_part(seed, 0, parts, settings)
    (made,) = fragments.folder(settings).glob(f"{seed}-*.mp3")
    os.utime(made, (1_000_000_000, 1_000_000_000))
    assert speak_part(seed, 0, parts, settings) == 0 and made.stat().st_mtime == 1_000_000_000
    assert render_article(seed, settings).status == "done"  # not all parts there: spoken whole
    assert speak_part(seed, 1, parts, settings) == 0  # its audio is published: nothing to do
    assert plan_parts(seed, settings) == 1  # and no part tasks are planned for it
    assert list(fragments.folder(settings).glob(f"{seed}-*")) == []
    # a part no render joined (the article changed meanwhile) goes after a day
    stale = fragments.folder(settings) / f"{seed}-0123456789abcdef0123-0of2.mp3"
    stale.write_bytes(b"x")
    assert fragments.sweep(settings, stale_tmp_s=3600) == []
    os.utime(stale, (1_000_000_000, 1_000_000_000))
    assert fragments.sweep(settings, stale_tmp_s=3600) == [stale]
