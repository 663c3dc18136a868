"""The espeak engine: robotic but always there, and the fallback when a model is missing."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from pipeline.config import Settings
from pipeline.models import Pronunciation
from voices.base import ModelFiles, file_digest, make_identity, split_spans
from voices.engines import espeak_ng
from voices.profile import VoiceProfile


def espeak_digest(language: str) -> str:
    """Hash of what decides espeak's sound: the library and the language's dictionary."""
    import espeakng_loader

    data = Path(espeakng_loader.get_data_path())
    lang = language.split("-")[0]
    files = [Path(espeakng_loader.get_library_path()), data / "phondata"]
    if (data / f"{lang}_dict").exists():
        files.append(data / f"{lang}_dict")
    return file_digest(*files)


class EspeakVoice:
    engine = "espeak"

    def __init__(self, profile: VoiceProfile, *, fallback_reason: str = "") -> None:
        self.profile = profile
        self.name = profile.name
        # Fallback voices speak the profile's language even when the profile names a model.
        self.language = profile.language or "de"
        self._espeak_voice = profile.speaker or self.language
        self.sample_rate = espeak_ng.sample_rate()
        self.is_fallback = bool(fallback_reason)
        self.fallback_reason = fallback_reason
        self.identity = make_identity(profile.name, self.engine, espeak_digest(self.language))
        self._rate = max(80, min(450, round(espeak_ng.DEFAULT_RATE_WPM * profile.speed)))

    def synthesize(self, text: str, pronunciations: Sequence[Pronunciation] = ()) -> np.ndarray:
        if any(p.lang for p in pronunciations):
            spoken = with_languages(text, pronunciations)
            return espeak_ng.synthesize(spoken, voice=self._espeak_voice, rate_wpm=self._rate, phonemes=True, ssml=True)
        spoken, phonemes = with_phonemes(text, pronunciations)
        return espeak_ng.synthesize(spoken, voice=self._espeak_voice, rate_wpm=self._rate, phonemes=phonemes)


def with_phonemes(text: str, pronunciations: Sequence[Pronunciation]) -> tuple[str, bool]:
    """The text espeak should get, each span with espeak phonemes replaced by "[[...]]", and
    whether phoneme input is needed at all (without spans the text goes through untouched)."""
    pieces = split_spans(text, pronunciations, lambda p: espeak_ng.phoneme_input(p.espeak))
    if all(said is None for _, said in pieces):
        return text, False
    return "".join(espeak_ng.plain_text(piece) if said is None else said for piece, said in pieces), True


def with_languages(text: str, pronunciations: Sequence[Pronunciation]) -> str:
    """SSML for ``text`` (to synthesise with ``ssml=True, phonemes=True``): each span in another
    language a <voice xml:lang> element, each span with espeak phonemes "[[...]]".

    The language switch rather than that language's phonemes as "[[...]]": the German voice's
    phoneme table lacks English [ʌ], [ɒ], [ð]... ("Study of" came out "st" and nothing)."""

    def said(p: Pronunciation) -> str:
        if p.lang:
            return espeak_ng.language_span(text[p.start : p.end], p.lang)
        return espeak_ng.phoneme_input(p.espeak)

    pieces = split_spans(text, pronunciations, said)
    return "".join(espeak_ng.xml_text(espeak_ng.plain_text(piece)) if out is None else out for piece, out in pieces)


def resolve(profile: VoiceProfile, settings: Settings) -> ModelFiles:
    """espeak-ng's data ships inside the espeakng-loader wheel: nothing to find."""
    return ModelFiles()


def load(profile: VoiceProfile, files: ModelFiles) -> EspeakVoice:
    return EspeakVoice(profile)
