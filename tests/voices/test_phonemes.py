"""Lexicon phoneme entries: from the lexicon into Segment.pronunciations, and on to the
voices that take phonemes (espeak inline input, IPA for ONNX VITS), the cache and the hash."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from pipeline.config import Settings
from pipeline.models import Article, Block, Pronunciation, Script, Segment
from pipeline.stages.speech import Lexicon, load_lexicon, normalize, to_script
from tests.voices.conftest import tiny_onnx_voice, tiny_vits
from voices import SegmentCache, load_voice, speak
from voices.cache import cache_key
from voices.engines import espeak_ng
from voices.engines.espeak import with_phonemes
from voices.engines.piper import PiperVoice, coqui_ids
from voices.speak import squeeze

CHAMENEI = "[[xa'me:nEI]]"
CHAMENEI_IPA = "xaˈmeːnɛɪ̯"
LEXICON_TOML = f"""
[[entry]]
match = "Chamenei"
type = "phonemes"
espeak = "{CHAMENEI}"
ipa = "{CHAMENEI_IPA}"

[[entry]]
match = "Nuuk"
type = "phonemes"
say = "nuuk"
espeak = "nu:k"

[[entry]]
match = "Bareword"
type = "phonemes"
say = "Bär Wort"

[[entry]]
match = "Schoigu"
say = "Schojgu"
"""


@pytest.fixture
def lexicon(tmp_path: Path) -> Lexicon:
    path = tmp_path / "de.toml"
    path.write_text(LEXICON_TOML, encoding="utf-8")
    return load_lexicon(path)


def spans(segment: Segment) -> list[tuple[str, str, str]]:
    return [(segment.text[p.start : p.end], p.espeak, p.ipa) for p in segment.pronunciations]


def script_of(text: str, lexicon: Lexicon, **kw: int) -> Script:
    return to_script(Article(title="Titel", blocks=[Block("paragraph", text)]), lexicon=lexicon, **kw)


# --- speech stage ---------------------------------------------------------------------------


def test_phoneme_entry_becomes_a_span_of_its_segment(lexicon: Lexicon) -> None:
    script = script_of("Am 3.10.1990 sprach Ali Chamenei. Danach sprach Schoigu mit Chamenei und Chamenei.", lexicon)
    title, first, second = script.segments
    assert title.pronunciations == ()
    assert first.text == "Am dritten Oktober neunzehnhundert neunzig sprach Ali Chamenei."
    start = first.text.index("Chamenei")
    assert first.pronunciations == (Pronunciation(start, start + 8, CHAMENEI, CHAMENEI_IPA),)
    # Offsets are the segment's own, and every occurrence gets its span.
    assert second.text == "Danach sprach Schojgu mit Chamenei und Chamenei."
    assert spans(second) == [("Chamenei", CHAMENEI, CHAMENEI_IPA)] * 2
    assert [p.start for p in second.pronunciations] == [26, 39]


def test_span_survives_the_capital_a_sentence_start_gets(lexicon: Lexicon) -> None:
    (_, seg) = script_of("Nuuk ist klein.", lexicon).segments
    assert seg.text == "Nuuk ist klein."  # "say" is "nuuk"; a sentence start is capitalised
    assert seg.pronunciations == (Pronunciation(0, 4, "nu:k", ""),)


def test_phoneme_entry_without_phonemes_and_other_entries_give_no_span(lexicon: Lexicon) -> None:
    (_, seg) = script_of("Das Bareword und Schoigu.", lexicon).segments
    assert seg.text == "Das Bär Wort und Schojgu."
    assert seg.pronunciations == ()


def test_chunks_carry_the_spans_inside_them_and_drop_a_cut_one(lexicon: Lexicon) -> None:
    text = "Chamenei sprach lange, und danach sprach noch einmal Chamenei, und dann war Schluss."
    segs = script_of(text, lexicon, max_chars=40).segments[1:]
    assert len(segs) > 1
    found = [s for seg in segs for s in spans(seg)]
    assert found == [("Chamenei", CHAMENEI, CHAMENEI_IPA)] * 2
    # Multi-word span cut in the middle: neither piece claims half of it.
    multi = Lexicon([*lexicon.entries, replace(lexicon.entries[0], match="Ali Chamenei Sohn", say="Ali Chamenei Sohn")])
    segs = script_of("Ali Chamenei Sohn", multi, max_chars=10).segments[1:]
    assert [s.text for s in segs] == ["Ali", "Chamenei", "Sohn"]
    assert all(s.pronunciations == () for s in segs)


def test_marks_never_leak_into_text(lexicon: Lexicon) -> None:
    text = "„Chamenei“ (Nuuk) sagte: Chamenei-Anhänger, 3 Chamenei."
    for line in normalize(text, lexicon=lexicon):
        assert all(not 0xE000 <= ord(c) <= 0xF8FF and ord(c) < 0xF0000 for c in line)
    for seg in script_of(text, lexicon).segments:
        assert all(ord(c) < 0xF0000 for c in seg.text)
        assert all(seg.text[p.start : p.end] in {"Chamenei", "nuuk"} for p in seg.pronunciations)
    (_, seg) = script_of(text, lexicon).segments
    assert seg.text == "Chamenei, nuuk, sagte: Chamenei-Anhänger, drei Chamenei."
    assert len(seg.pronunciations) == 4
    # Private-use characters in the input itself are dropped, never read as marks.
    assert normalize("Ein \U000f0000Test\U000ffffd.", lexicon=lexicon) == ["Ein Test."]


def test_script_hash_follows_pronunciations_only_when_there_are_any() -> None:
    plain = Script([Segment("Ali Chamenei.")], lexicon_version="v1")
    legacy = hashlib.sha256(b"v1" + b"\x00" + b"Ali Chamenei.").hexdigest()
    assert plain.text_hash() == legacy  # Scripts without phonemes keep their stored hashes
    a = Script([Segment("Ali Chamenei.", pronunciations=(Pronunciation(4, 12, CHAMENEI),))], lexicon_version="v1")
    b = Script([Segment("Ali Chamenei.", pronunciations=(Pronunciation(4, 12, "[[xa'me:naI]]"),))], "v1")
    c = Script([Segment("Ali Chamenei.", pronunciations=(Pronunciation(4, 12, CHAMENEI, "x"),))], "v1")
    assert len({plain.text_hash(), a.text_hash(), b.text_hash(), c.text_hash()}) == 4


# --- espeak ----------------------------------------------------------------------------------


def test_espeak_phoneme_input_is_normalised() -> None:
    assert espeak_ng.phoneme_input("xa'me:nEI") == CHAMENEI
    assert espeak_ng.phoneme_input(CHAMENEI) == CHAMENEI
    assert espeak_ng.phoneme_input("  ") == ""
    text = "Ali Chamenei sagte [[nichts]]."
    assert with_phonemes(text, [Pronunciation(4, 12, CHAMENEI)]) == (f"Ali {CHAMENEI} sagte [nichts].", True)
    # IPA only: espeak can't take it, the text goes through as is, without phoneme input.
    assert with_phonemes(text, [Pronunciation(4, 12, ipa=CHAMENEI_IPA)]) == (text, False)


def _close(a: np.ndarray, b: np.ndarray, rel: float) -> bool:
    # espeak-ng's output jitters by a few samples from call to call (measured: ~10 of 21 000).
    return abs(len(a) - len(b)) <= rel * max(len(a), len(b))


def test_phoneme_input_changes_what_espeak_says_and_plain_text_is_unaffected() -> None:
    plain = espeak_ng.synthesize("Ali Chamenei sagte nichts.")
    flagged = espeak_ng.synthesize("Ali Chamenei sagte nichts.", phonemes=True)
    assert _close(plain, flagged, 0.005)
    unflagged = espeak_ng.synthesize(f"Ali {CHAMENEI} sagte nichts.")  # brackets read as letters
    direct = espeak_ng.synthesize(f"Ali {CHAMENEI} sagte nichts.", phonemes=True)
    assert not _close(direct, plain, 0.02) and not _close(direct, unflagged, 0.2)
    # espeak says which phonemes it took: the flag is global state, which phonemize (and
    # so the next call) sees too; that is why synthesize passes it every time.
    assert "xam'e:nEI" in espeak_ng.phonemize(f"Ali {CHAMENEI}", ipa=False)
    espeak_ng.synthesize("x")
    assert "xam'e:nEI" not in espeak_ng.phonemize(f"Ali {CHAMENEI}", ipa=False)


def test_espeak_voice_speaks_the_lexicon_phonemes(tmp_path: Path, lexicon: Lexicon) -> None:
    voice = load_voice("espeak-de", Settings(data_dir=tmp_path))
    (_, seg) = script_of("Ali Chamenei sagte nichts.", lexicon).segments
    with_spans = voice.synthesize(seg.text, seg.pronunciations)
    as_text = voice.synthesize(seg.text)
    direct = espeak_ng.synthesize(
        f"Ali {CHAMENEI} sagte nichts.", voice=voice._espeak_voice, rate_wpm=voice._rate, phonemes=True
    )
    assert _close(with_spans, direct, 0.005)
    assert not _close(with_spans, as_text, 0.02)
    # speak() hands the spans on; a Script without them reads the text.
    (pcm,), _ = speak(Script([seg]), voice)
    (text_pcm,), _ = speak(Script([replace(seg, pronunciations=())]), voice)
    assert _close(pcm, direct, 0.005) and _close(text_pcm, as_text, 0.005)


# --- cache -----------------------------------------------------------------------------------


def test_cache_key_covers_pronunciations() -> None:
    assert cache_key("v", "Text") == hashlib.sha256(b"v\x00Text").hexdigest()  # old entries stay valid
    a = Segment("Ali Chamenei.", pronunciations=(Pronunciation(4, 12, CHAMENEI),)).pronunciation_key()
    b = Segment("Ali Chamenei.", pronunciations=(Pronunciation(4, 12, "[[xa'me:naI]]"),)).pronunciation_key()
    keys = {cache_key("v", "Ali Chamenei.", said) for said in ("", a, b)}
    assert len(keys) == 3


def test_phoneme_only_edit_is_spoken_again_not_replayed(tmp_path: Path) -> None:
    voice = load_voice("espeak-de", Settings(data_dir=tmp_path))
    cache = SegmentCache(tmp_path / "cache", max_bytes=50_000_000)
    old = Segment("Ali Chamenei sagte nichts.", pronunciations=(Pronunciation(4, 12, CHAMENEI),))
    new = replace(old, pronunciations=(Pronunciation(4, 12, "[[a]]"),))
    (first,), s1 = speak(Script([old]), voice, cache)
    (second,), s2 = speak(Script([new]), voice, cache)
    (third,), s3 = speak(Script([old]), voice, cache)
    assert (s1.synthesised, s2.synthesised, s3.synthesised, s3.cached) == (1, 1, 0, 1)
    assert not _close(first, second, 0.05) and np.array_equal(first, third)
    # Within one script, same text with different phonemes is not deduplicated either.
    _, both = speak(Script([old, new, old]), voice)
    assert (both.synthesised, both.cached) == (2, 1)


def test_squeeze_moves_spans_with_the_text() -> None:
    seg = Segment("  Ali \n Chamenei   sagte ", pronunciations=(Pronunciation(8, 16, CHAMENEI),))
    text, (p,) = squeeze(seg)
    assert text == "Ali Chamenei sagte" and text[p.start : p.end] == "Chamenei"


# --- piper (ONNX VITS) -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def onnx_voice(tmp_path_factory: pytest.TempPathFactory) -> PiperVoice:
    return tiny_onnx_voice(tiny_vits(tmp_path_factory.mktemp("phonemes-vits")))


def test_piper_splices_the_lexicon_ipa(onnx_voice: PiperVoice) -> None:
    text = "Ali Chamenei, sagte er."
    said = (Pronunciation(4, 12, CHAMENEI, CHAMENEI_IPA),)
    plain = onnx_voice.phonemes(text)
    spliced = onnx_voice.phonemes(text, said)
    assert "ʃˌɑmənˈaɪ" in plain and CHAMENEI_IPA not in plain
    assert spliced == plain.replace("ʃˌɑmənˈaɪ", CHAMENEI_IPA)
    assert onnx_voice.ids(text, said) == coqui_ids(spliced, onnx_voice._tok or {}, onnx_voice._id_map)
    assert onnx_voice.ids(text, said) != onnx_voice.ids(text)
    # espeak phonemes alone mean nothing to an IPA voice: it reads the text.
    assert onnx_voice.ids(text, (Pronunciation(4, 12, CHAMENEI),)) == onnx_voice.ids(text)
    pcm = onnx_voice.synthesize(text, said)
    assert pcm.dtype == np.float32 and len(pcm) > 0 and not np.isnan(pcm).any()
