"""A long article is split across synth workers only when the voice is slow enough for the
split to pay; with espeak the one mastering task is the bulk and the article stays whole."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from pipeline import jobs
from pipeline.split import parts_for, real_time_factor
from voices import load_voice


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
    polled = jobs.poll_feed(settings.feed("sample"), settings)
    store = jobs.open_store(settings)
    (seed,) = [i for i in polled.article_ids if store.get_article(i).guid == "ntv-article24649386"]
    assert jobs.prepare_article(seed, settings).status == "prepared"
    assert jobs.plan_parts(seed, settings) == 1
    settings.split_min_rtf = 0.0
    assert jobs.plan_parts(seed, settings) >= 3
