"""Streaming mastering keeps its promises on a long article, and its parts agree with the
whole-signal references they replace."""

from __future__ import annotations

import numpy as np
import pyloudnorm
import pytest
from scipy.signal import lfilter, resample_poly

from pipeline.models import Segment
from pipeline.stages.loudness import LoudnessMeter, peak_envelope, true_peak_db
from pipeline.stages.master import Tags, decode_mp3, limiter_gain, master

SR = 22050


def voice(seconds: float, seed: int, level: float) -> np.ndarray:
    """A buzzy voice: glottal pulses at a wandering pitch through two formant resonators,
    shaped into syllables. Peaky like synthetic speech (true peak 18 dB over loudness; espeak 20)."""
    rng = np.random.default_rng(seed)
    n = int(SR * seconds)
    pitch = 110 + 30 * np.sin(np.cumsum(rng.normal(0, 0.002, n)))
    pulses = (np.diff(np.floor(np.cumsum(pitch / SR)), prepend=0) > 0).astype(np.float64)
    x = pulses + rng.normal(0, 0.2, n)
    for freq, width in ((700, 0.99), (1800, 0.98)):
        w = 2 * np.pi * freq / SR
        x = lfilter([1 - width], [1, -2 * width * np.cos(w), width**2], x)
    t = np.arange(n) / SR
    syllables = np.clip(np.sin(2 * np.pi * (3.5 + rng.random()) * t + rng.random() * 6), 0, None) ** 1.5
    x = x * syllables
    return (level * x / np.abs(x).max()).astype(np.float32)


@pytest.fixture(scope="module")
def long_article():
    # Three and a half minutes in 60 segments whose levels differ by up to 20 dB, as sentences
    # from different synthesis calls do; pauses as the script makes them.
    rng = np.random.default_rng(3)
    segments, pcm = [], []
    for i in range(60):
        kind = "title" if i == 0 else ("heading" if i % 20 == 0 else "paragraph")
        segments.append(Segment(f"Satz {i}.", kind, [250, 700][i % 2], block=i // 3))
        pcm.append(voice(2.5 + 1.5 * rng.random(), i, float(10 ** (rng.uniform(-20, 0) / 20))))
    return segments, pcm


def test_a_long_article_meets_loudness_and_true_peak_on_the_final_mp3(long_article):
    segments, pcm = long_article
    result = master(segments, pcm, SR, Tags("t", "a", "b"))
    audio, rate = decode_mp3(result.mp3)
    assert result.duration_s > 200
    assert pyloudnorm.Meter(rate).integrated_loudness(audio) == pytest.approx(-16.0, abs=0.5)
    assert true_peak_db(audio) <= -1.0
    assert result.loudness_lufs == pytest.approx(-16.0, abs=0.5)
    assert len(result.spans) == 60 and [c.title for c in result.chapters] == ["Satz 0.", "Satz 20.", "Satz 40."]


def test_streaming_loudness_equals_the_whole_signal_reference():
    x = np.concatenate([voice(8, 1, 0.5), np.zeros(SR * 2, np.float32), voice(5, 2, 0.05)])
    meter = LoudnessMeter(SR)
    for lo in range(0, x.size, 7777):  # pieces that fit no block boundary
        meter.add(x[lo : lo + 7777])
    assert meter.integrated() == pytest.approx(pyloudnorm.Meter(SR).integrated_loudness(x), abs=0.02)


def test_true_peak_envelope_finds_peaks_between_samples():
    t = np.arange(2000)
    # A quarter-rate sine sampled 45 degrees off its crests: every sample is 3 dB under the peak.
    x = np.sin(np.pi / 2 * t + np.pi / 4).astype(np.float32)
    assert np.abs(x).max() == pytest.approx(0.707, abs=0.01)
    assert peak_envelope(x)[100:-100].max() == pytest.approx(1.0, abs=0.02)
    y = voice(3, 5, 0.9)
    assert true_peak_db(y) == pytest.approx(20 * np.log10(np.abs(resample_poly(y, 4, 1)).max()), abs=0.1)


def test_limiter_turns_down_only_around_peaks_over_the_ceiling_and_ramps_smoothly():
    x = voice(4, 7, 0.3)
    x[SR * 2] = 0.95  # one click over the ceiling
    env = peak_envelope(x)
    ceiling = 0.5
    g = limiter_gain(env, ceiling, SR)
    assert np.all(env * g <= ceiling * 1.0001)  # every peak is under the ceiling
    turned = np.flatnonzero(g < 0.999)
    # 5 ms attack and 50 ms hold, plus the gain's 0.7 ms steps
    assert turned.size and turned.min() >= SR * 2 - int(0.008 * SR) and turned.max() <= SR * 2 + int(0.062 * SR)
    assert np.abs(np.diff(g)).max() < 0.02  # no jumps: the gain ramps over milliseconds


def test_the_envelope_with_a_floor_is_exact_wherever_it_could_reach_the_ceiling():
    x = voice(6, 7, 0.9)
    full = peak_envelope(x)
    floor = 0.4
    fast = peak_envelope(x, floor)
    ceiling = floor * 10 ** (3 / 20)  # inter-sample peaks stay within 3 dB of the samples near them
    loud = full >= ceiling
    assert loud.sum() > 100
    np.testing.assert_allclose(fast[loud], full[loud], rtol=1e-6)
    assert np.all(fast <= full + 1e-6) and np.all(fast >= np.abs(x))
    assert (fast < full - 1e-6).any()  # and it did skip the quiet parts
