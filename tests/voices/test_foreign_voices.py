"""Spans in another language (issue 21) on their way from the Script into the voices: espeak
switches its language for the span, an IPA voice gets the span in that language's IPA."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from pipeline.config import Settings
from pipeline.models import Article, Pronunciation, Script, Segment
from pipeline.stages.speech import Lexicon, languages, to_script
from tests.voices.conftest import tiny_onnx_voice, tiny_vits
from voices import load_voice, speak
from voices.engines import espeak_ng
from voices.engines.espeak import with_languages
from voices.engines.piper import PiperVoice, splice_ipa
from voices.speak import squeeze

TEXT = "Deutschland landet in der Group of Death."


def _segment(text: str) -> Segment:
    (seg,) = to_script(Article(title=text, blocks=[]), lexicon=Lexicon()).segments
    return seg


def test_every_language_of_the_speech_stage_is_an_espeak_voice() -> None:
    for code in languages.CODES:
        espeak_ng.synthesize("a", voice=espeak_ng.language_voice(code))  # EspeakError if not


def test_espeak_gets_the_span_as_a_voice_switch_and_text_escaped() -> None:
    text = "Die Group of Death & Co <sagen> Nuuk [[x]]."
    at = text.index("Nuuk")
    spans = (Pronunciation(4, 18, lang="en"), Pronunciation(at, at + 4, espeak="nu:k"))
    assert with_languages(text, spans) == (
        'Die <voice xml:lang="en-us">Group of Death</voice> &amp; Co &lt;sagen&gt; [[nu:k]] [x].'
    )


def _close(a: np.ndarray, b: np.ndarray, rel: float) -> bool:
    return abs(len(a) - len(b)) <= rel * max(len(a), len(b))


def test_espeak_voice_speaks_the_span_in_english(tmp_path: Path) -> None:
    voice = load_voice("espeak-de", Settings(data_dir=tmp_path))
    seg = _segment("Group of Death heißt sie.")
    assert seg.pronunciations == (Pronunciation(0, 14, lang="en"),)
    english = voice.synthesize(seg.text, seg.pronunciations)
    german = voice.synthesize(seg.text)
    assert not _close(english, german, 0.02)
    # The span opens the sentence, so the audio opens as English espeak says those words.
    alone = espeak_ng.synthesize("Group of Death", voice="en-us", rate_wpm=voice._rate)
    head = len(alone) // 2
    assert np.array_equal(english[:head], alone[:head])
    assert not np.array_equal(german[:head], alone[:head])
    # speak() hands the language on (squeeze keeps it).
    (pcm,), _ = speak(Script([seg]), voice)
    assert _close(pcm, english, 0.005)


def test_squeeze_keeps_the_language() -> None:
    text = "  Die   Group of Death "
    at = text.index("Group")
    seg = Segment(text, pronunciations=(Pronunciation(at, at + len("Group of Death"), lang="en"),))
    text, (p,) = squeeze(seg)
    assert text == "Die Group of Death" and text[p.start : p.end] == "Group of Death" and p.lang == "en"


def test_ipa_voices_get_the_span_in_its_language() -> None:
    seg = _segment(TEXT)
    german = lambda t: espeak_ng.phonemize_keep_punct(t, "de")  # noqa: E731
    spliced = splice_ipa(seg.text, seg.pronunciations, german)
    english = espeak_ng.phonemize("Group of Death", "en-us")
    assert english in spliced and spliced.startswith(german("Deutschland landet in der").rstrip("."))
    assert "ð" in english or "ɛθ" in english  # an English sound German IPA never has
    assert english not in german(seg.text)


@pytest.fixture(scope="module")
def tiny_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return tiny_vits(tmp_path_factory.mktemp("foreign-vits"))


def test_coqui_voice_phonemizes_the_span_in_its_language(tiny_settings: Settings) -> None:
    from voices.engines.coqui import CoquiVoice, with_language_marks

    voice = load_voice("tiny", tiny_settings)
    assert isinstance(voice, CoquiVoice)
    seg = _segment(TEXT)
    tokenizer = voice.model.tokenizer
    marked = tokenizer.ids_to_text(tokenizer.text_to_ids(with_language_marks(seg.text, seg.pronunciations)))
    plain = tokenizer.ids_to_text(tokenizer.text_to_ids(seg.text))
    english = espeak_ng.phonemize("Group of Death", "en-us")
    assert english in marked.replace("<BLNK>", "") and english not in plain.replace("<BLNK>", "")
    assert not _close(voice.synthesize(seg.text, seg.pronunciations), voice.synthesize(seg.text), 0.0)


@pytest.fixture(scope="module")
def onnx_voice(tiny_settings: Settings) -> PiperVoice:
    return tiny_onnx_voice(tiny_settings)


def test_onnx_voice_speaks_other_ids_for_the_foreign_span(onnx_voice: PiperVoice) -> None:
    seg = _segment(TEXT)
    assert onnx_voice.ids(seg.text, seg.pronunciations) != onnx_voice.ids(seg.text)
    assert onnx_voice.ids(seg.text, (replace(seg.pronunciations[0], lang=""),)) == onnx_voice.ids(seg.text)
    pcm = onnx_voice.synthesize(seg.text, seg.pronunciations)
    assert pcm.dtype == np.float32 and len(pcm) > 0 and not np.isnan(pcm).any()


def test_the_foreign_spans_setting_reaches_the_script(tmp_path: Path) -> None:
    from pipeline.run.steps import script_for

    voice = load_voice("espeak-de", Settings(data_dir=tmp_path))
    article = Article(title=TEXT, blocks=[])
    on = script_for(article, Settings(data_dir=tmp_path), voice, Lexicon())
    off = script_for(article, Settings(data_dir=tmp_path, foreign_spans=False), voice, Lexicon())
    assert [p.lang for s in on.segments for p in s.pronunciations] == ["en"]
    assert [p for s in off.segments for p in s.pronunciations] == []
