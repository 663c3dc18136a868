"""espeak engine, profiles, loading and fallback: the path the pipeline integrates against."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from pipeline.config import Settings
from pipeline.models import Script, Segment
from voices import list_profiles, load_voice, speak
from voices.base import Voice
from voices.engines import espeak_ng
from voices.errors import VoiceError


def test_phonemes_of_german_words_are_german() -> None:
    # German reading: "ß" is s, "St" at the start is ʃt, "ei" is aɪ, final "-en" reduced.
    assert "ʃtɾ" in espeak_ng.phonemize("Straße") and "s" in espeak_ng.phonemize("Straße")
    assert espeak_ng.phonemize("Straße", lang="de") != espeak_ng.phonemize("Straße", lang="en-us")
    assert "aɪ" in espeak_ng.phonemize("Zeit") or "aɪ" in espeak_ng.phonemize("Zeit").replace("ˈ", "")
    assert "ç" in espeak_ng.phonemize("ich")


def test_phonemize_keeps_punctuation() -> None:
    out = espeak_ng.phonemize_keep_punct("Hallo, Welt. Das ist »toll«!")
    assert out.count(",") == 1 and out.endswith("!") and " »" in out


def test_espeak_audio_is_german_non_silent_and_scales_with_text() -> None:
    short = espeak_ng.synthesize("Guten Morgen.")
    long = espeak_ng.synthesize("Guten Morgen. " * 4 + "Die Straße ist heute gesperrt.")
    assert espeak_ng.sample_rate() == 22050
    assert short.dtype == np.float32 and np.abs(short).max() <= 1.0
    assert np.sqrt(np.mean(short**2)) > 0.01  # not silence
    assert len(long) > 3.5 * len(short)
    assert not np.isnan(long).any()


def test_espeak_speed_changes_duration(tmp_path: Path) -> None:
    (tmp_path / "fast.toml").write_text('name = "fast"\nengine = "espeak"\nspeed = 1.5\nfallback = ""\n')
    settings = Settings(voices_dir=tmp_path, data_dir=tmp_path)
    normal = load_voice("espeak-de", settings).synthesize("Das ist ein längerer Satz über das Wetter.")
    fast = load_voice("fast", settings).synthesize("Das ist ein längerer Satz über das Wetter.")
    assert len(fast) < 0.85 * len(normal)


def test_espeak_profile_loads_once_per_process(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    a = load_voice("espeak-de", settings)
    b = load_voice("espeak-de", settings)
    assert a is b
    assert isinstance(a, Voice)
    assert a.engine == "espeak" and a.identity.startswith("espeak-de+espeak+") and not a.is_fallback
    assert a.profile.pauses.paragraph_ms == settings.pause_paragraph_ms


def test_default_falls_back_to_espeak_loudly_when_thorsten_is_absent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("TTS_HOME", str(tmp_path / "empty-tts-home"))
    with caplog.at_level(logging.WARNING):
        voice = load_voice("default", Settings(data_dir=tmp_path))
    assert voice.is_fallback
    assert voice.engine == "espeak" and "+espeak+" in voice.identity
    assert voice.identity.startswith("default+")
    assert "tts_models--de--thorsten--vits" in voice.fallback_reason
    assert any("VOICE FALLBACK" in r.message and r.levelno == logging.WARNING for r in caplog.records)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert load_voice("default", Settings(data_dir=tmp_path)) is voice
    assert not caplog.records  # once per process, not once per article
    pcm = voice.synthesize("Hallo.")
    assert len(pcm) > 1000


def test_list_profiles_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TTS_HOME", str(tmp_path / "empty-tts-home"))
    status = {p.name: p for p in list_profiles(Settings(data_dir=tmp_path))}
    assert status["espeak-de"].ready and status["espeak-de"].reason == ""
    assert not status["default"].ready
    assert "newsaudio voices fetch default" in status["default"].reason
    xtts = status["xtts-v2"]
    assert not xtts.commercial_use and "NON-COMMERCIAL" in xtts.licence


def test_unknown_profile_and_bad_profile_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(VoiceError, match="no voice profile named 'nope'"):
        load_voice("nope", Settings(data_dir=tmp_path))
    (tmp_path / "bad.toml").write_text('name = "bad"\nengine = "festival"\n')
    with pytest.raises(VoiceError, match="engine 'festival'"):
        load_voice("bad", Settings(voices_dir=tmp_path, data_dir=tmp_path))


def test_speak_returns_one_array_per_segment(tmp_path: Path) -> None:
    voice = load_voice("espeak-de", Settings(data_dir=tmp_path))
    script = Script([Segment("Erster Satz.", "title"), Segment("", "paragraph"), Segment("Zweiter Satz.")])
    pcm, stats = speak(script, voice, None)
    assert len(pcm) == 3 and len(pcm[1]) == 0 and len(pcm[0]) > 0
    assert stats.synthesised == 2 and stats.cached == 0 and stats.seconds > 0
