"""The low-bandwidth Opus version: made from a real mastered MP3, it is Ogg Opus at the bitrate
asked for, as long as the MP3, and its SRI string is the one a browser's integrity check expects."""

from __future__ import annotations

import base64
import hashlib
import subprocess

import numpy as np
import pytest

from pipeline.models import Segment
from pipeline.stages.master import FFMPEG, Tags, decode_mp3, master
from pipeline.stages.opus import bitrate_bps, encode_opus, sri_sha384


@pytest.fixture(scope="module")
def mastered():
    rate = 22050
    t = np.arange(30 * rate, dtype=np.float32) / rate
    # Speech-like: a gliding voice pitch, syllable-rate loudness, a little breath noise.
    pitch = 180 + 30 * np.sin(2 * np.pi * 0.5 * t)
    voice = np.sin(2 * np.pi * pitch * t) * (0.5 + 0.5 * np.sin(2 * np.pi * 4 * t)) ** 2
    noise = 0.02 * np.random.default_rng(1).standard_normal(t.size)
    pcm = (0.3 * voice + noise).astype(np.float32)
    return master([Segment("Ton")], [pcm], rate, Tags("Titel", "newsaudio", "Test"))


def decoded_seconds(data: bytes) -> float:
    pcm = subprocess.run([FFMPEG, "-v", "error", "-i", "pipe:0", "-f", "s16le", "-ac", "1", "-ar", "48000", "pipe:1"],
                         input=data, capture_output=True, check=True).stdout
    return len(pcm) / 2 / 48000


@pytest.mark.parametrize("kbps", [16, 20, 24])
def test_opus_version_is_ogg_opus_at_the_bitrate_and_length_of_the_mp3(mastered, kbps):
    data = encode_opus(mastered.mp3, kbps)
    assert data[:4] == b"OggS" and b"OpusHead" in data[:200]
    probe = subprocess.run([FFMPEG, "-hide_banner", "-i", "pipe:0"], input=data, capture_output=True).stderr.decode()
    assert "Audio: opus" in probe and "mono" in probe, probe
    seconds = decoded_seconds(data)
    assert seconds == pytest.approx(mastered.duration_s, abs=0.1)
    average = bitrate_bps(len(data), seconds)
    assert 0.8 * kbps * 1000 < average < 1.2 * kbps * 1000, average
    assert len(data) < len(mastered.mp3) / 3  # what it is for: a fraction of the MP3's bytes


def test_the_opus_version_sounds_like_the_mp3(mastered):
    """The same audio, not merely a file of the right length: the loudness envelope over time
    follows the MP3's (correlation of 50 ms RMS frames)."""
    mp3, rate = decode_mp3(mastered.mp3)
    pcm = subprocess.run([FFMPEG, "-v", "error", "-i", "pipe:0", "-f", "s16le", "-ac", "1", "-ar", str(rate), "pipe:1"],
                         input=encode_opus(mastered.mp3, 20), capture_output=True, check=True).stdout
    opus = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768
    frame = rate // 20
    n = min(mp3.size, opus.size) // frame
    env = [np.sqrt((x[: n * frame].reshape(n, frame) ** 2).mean(axis=1)) for x in (mp3, opus)]
    assert np.corrcoef(env[0], env[1])[0, 1] > 0.95


def test_sri_is_sha384_base64():
    data = b"Ogg Opus bytes"
    assert sri_sha384(data) == "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


def test_no_opus_at_zero_kbps(mastered):
    with pytest.raises(ValueError):
        encode_opus(mastered.mp3, 0)
