"""An editor's pronunciation entry is checked with espeak-ng itself before it is saved: what the
voice cannot speak, or what is plainly not phonemes of the word, is refused with a message that
names the entry and says what to do."""

from __future__ import annotations

import pytest

from pipeline.run.lexicon_check import check_entry, likeness
from pipeline.stages.speech.lexicon import Entry, LexiconError


def _phonemes(match: str, espeak: str = "", ipa: str = "", say: str = "") -> Entry:
    return Entry(match, kind="phonemes", espeak=espeak, ipa=ipa, say=say)


@pytest.mark.parametrize(("match", "espeak", "say"), [
    ("Chamenei", "[[xa'me:nEI]]", ""),
    ("Kreml", "kre:m@l", ""),
    ("Jokić", "j'o:kitS", ""),
    ("Leavitt", "l'EvIt", ""),
    ("Macron", "makr'O~", ""),
    ("Worcester", "wUst3", ""),
    ("Nguyen", "wIn", ""),
])
def test_real_fixes_of_a_word_are_accepted(match, espeak, say):
    check_entry(_phonemes(match, espeak=espeak, say=say))


def test_a_word_typed_into_the_phonemes_field_is_refused_naming_the_entry():
    with pytest.raises(LexiconError) as refused:
        check_entry(_phonemes("Kreml", espeak="nonsense"))
    message = str(refused.value)
    assert "'Kreml'" in message and "'nonsense'" in message and "Gesprochen als" in message


def test_an_entry_that_sounds_unlike_its_spelling_passes_when_it_says_how_it_sounds():
    with pytest.raises(LexiconError):
        check_entry(_phonemes("Bareword", espeak="nonsense"))
    check_entry(_phonemes("Bareword", espeak="nonsense", say="Nonsense"))


@pytest.mark.parametrize("espeak", ["###", "   ", "[[]]"])
def test_phonemes_the_engine_cannot_read_are_refused(espeak):
    with pytest.raises(LexiconError, match="Kreml"):
        check_entry(_phonemes("Kreml", espeak=espeak))


def test_an_entry_with_no_phonemes_at_all_is_refused():
    with pytest.raises(LexiconError, match="Lautschrift fehlt"):
        check_entry(_phonemes("Kreml"))


def test_ipa_with_letters_that_are_not_ipa_is_refused():
    with pytest.raises(LexiconError, match="kein IPA"):
        check_entry(_phonemes("Kreml", ipa="KRE#ML"))
    check_entry(_phonemes("Kreml", ipa="kreːml̩"))


def test_likeness_is_high_for_a_fix_and_low_for_something_else():
    assert likeness("kre:m@l", "Kreml") > 0.7
    assert likeness("nonsense", "Kreml") < 0.25
