"""Spelled acronyms are heard as letter names: espeak-ng reads "Ah-Err-Deh" exactly as it
reads the letters A, R, D one by one, while the bare "ARD" comes out as a word."""

from __future__ import annotations

import re

import pytest

from pipeline.stages.speech import Lexicon, normalize
from pipeline.stages.speech.letters import LETTER_NAMES, spell
from voices.engines.espeak_ng import phonemize

# Stress and length marks and separators vary with position in a word; the sounds do not.
_MARKS = re.compile(r"[ˈˌː\s\-_!']")


def sounds(text: str) -> str:
    return _MARKS.sub("", phonemize(text, "de"))


def letter_sounds(word: str) -> str:
    # espeak reads a lone capital letter as its name.
    return "".join(sounds(c) for c in word)


# "Y": espeak's own letter name is [ʏpsɪlɔn], its word "Ypsilon" [ʏpsiːloːn]; both are
# dictionary readings of the letter's name, so Y is checked separately below.
@pytest.mark.parametrize("letter", sorted(set(LETTER_NAMES) - {"Y"}))
def test_each_letter_name_sounds_like_the_letter(letter: str) -> None:
    assert sounds(LETTER_NAMES[letter]) == letter_sounds(letter)


def test_ypsilon_is_the_letter_name() -> None:
    assert sounds("Ypsilon").startswith("ʏps") and sounds("Y").startswith("ʏps")


@pytest.mark.parametrize("acronym", ["ARD", "ZDF", "FDP", "WHO", "ISW", "BND", "EZB", "BSW", "SPD", "CDU"])
def test_spelled_acronyms_are_read_as_letter_names(acronym: str) -> None:
    spoken = " ".join(normalize(acronym, lexicon=Lexicon()))
    assert spoken == spell(acronym)
    assert sounds(spoken) == letter_sounds(acronym)


@pytest.mark.parametrize("acronym", ["ARD", "WHO", "ISW"])
def test_the_bare_acronym_would_not_be_spelled(acronym: str) -> None:
    # Why the stage spells at all: espeak reads these as words ("ARD" -> [aɾt]).
    assert sounds(acronym) != letter_sounds(acronym)


def test_word_acronyms_are_read_as_words() -> None:
    assert normalize("NATO", lexicon=Lexicon()) == ["Nato"]
    assert sounds("Nato") == sounds("NATO") != letter_sounds("NATO")
