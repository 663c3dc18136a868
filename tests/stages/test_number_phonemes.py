"""Number words the voice says as it says the digits (espeak-ng, the phonemiser of every voice
but XTTS). A sweep with the real espeak-ng: the spaced forms of number_words must sound like
the digits; the glued forms they replaced mostly did not (measured in number_phonemes.py)."""

from __future__ import annotations

import random

import pytest

from pipeline.stages.speech import number_words as nw
from pipeline.stages.speech.number_phonemes import (
    cardinal_reference,
    matches,
    normal,
    ordinal_reference,
    year_reference,
)

espeak_ng = pytest.importorskip("voices.engines.espeak_ng")
phonemize = espeak_ng.phonemize


def _unspelled(said: str) -> str:
    """The spoken form without the "fir-" spelling of "vierz-" (number_words.short_vier)."""
    return said.replace("firz", "vierz").replace("Firz", "Vierz")


def _sweep(kind: str, numbers) -> tuple[float, float, float, list[tuple[int, str]]]:
    """Match rates of the glued word, of the spaced form with "vierz-" as written, and of the
    spoken form (spaced, "firz-"); and the spoken forms that miss."""
    glued = spaced = spoken = 0
    misses = []
    for n in numbers:
        # What the speech text says now, and before it the single glued word num2words writes.
        said = nw.year(n) if kind == "year" else nw.ordinal(n, "en") if kind == "ordinal" else nw.cardinal(n)
        word = _unspelled(said).replace(" ", "")
        if kind == "year":
            ref = year_reference(n, word, phonemize)
        elif kind == "ordinal":
            ref = ordinal_reference(n, word, "en", phonemize)
        else:
            ref = cardinal_reference(n, word, phonemize)
        glued += matches(phonemize(word), ref)
        spaced += matches(phonemize(_unspelled(said)), ref)
        if matches(phonemize(said), ref):
            spoken += 1
        else:
            misses.append((n, said))
    return glued / len(numbers), spaced / len(numbers), spoken / len(numbers), misses


# Measured (espeak-ng from espeakng-loader): glued -> spaced -> spaced with "firz-".
# years 1900-2030 29% -> 91% -> 100%; 1100-1899 32% -> 78% -> 100%; 1-9999 6% -> 89% -> 100%;
# 10000-999999 2% -> 80% -> 100%; ordinals 1-9999 6% -> 88% -> 98.9%.
# Spacing fixed the compound boundaries; what it left was espeak reading the word
# "vierzehn"/"vierzig" with a long [iː] where its digits have the short [ɪ]: spelled "fir-",
# espeak says the digits' sounds. The ordinal misses left are "sechsten" (espeak: [zɛkstən]
# for the word, its reference pieces give [zɛksstən]), not a sound a listener would miss.
SWEEPS = [
    ("year", range(1900, 2031), 1.0),
    ("year", range(1100, 1900), 1.0),
    ("cardinal", range(1, 10000), 1.0),
    ("cardinal", random.Random(7).sample(range(10000, 1_000_000), 3000), 1.0),
    ("ordinal", range(1, 10000), 0.985),
]


@pytest.mark.parametrize(("kind", "numbers", "least"), SWEEPS, ids=lambda v: getattr(v, "__name__", None))
def test_number_words_sound_like_their_digits(kind, numbers, least):
    glued, spaced, spoken, misses = _sweep(kind, numbers)
    assert spoken >= least, (kind, spoken, misses[:10])
    assert glued < 0.35  # the glued forms were the problem; if espeak learns them, revisit
    assert spaced < spoken or spoken == spaced == 1.0  # the "fir-" spelling is what closes the gap
    # No miss is a "vierz-" number any more: the long [iː] is gone wherever it was.
    assert not [m for m in misses if "firz" in m[1].lower()], misses[:10]


def test_vierz_numbers_are_spoken_with_the_short_vowel_of_their_digits():
    for n in (14, 40, 44, 1400, 1944, 40_000, 14_014):
        is_year = 1100 <= n <= 1999
        said = nw.year(n) if is_year else nw.cardinal(n)
        ref = year_reference(n, _unspelled(said).replace(" ", ""), phonemize) if is_year else phonemize(str(n))
        assert matches(phonemize(said), ref), (n, said)
        assert not matches(phonemize(_unspelled(said)), ref), (n, "as written, espeak says [iː]")
    assert nw.cardinal(44) == "vierund firzig"  # "vier" alone is a long [iː]: untouched
    assert nw.short_vier("Vierzigjährige vierzehntägig Vierzeiler") == "Firzigjährige firzehntägig Vierzeiler"


def test_the_years_of_the_issue():
    for n, digits in ((2024, "2024"), (2030, "2030"), (2000, "2000")):
        assert matches(phonemize(nw.year(n)), phonemize(digits)), nw.year(n)
    for n, digits in ((2024, "2024"), (2030, "2030")):
        glued = nw.year(n).replace(" ", "")
        assert not matches(phonemize(glued), phonemize(digits)), glued  # the glued word: wrong
    assert nw.year(2024) == "zweitausend vierund zwanzig"
    assert nw.year(1989) == "neunzehnhundert neunund achtzig"
    assert matches(phonemize(nw.year(1989)), year_reference(1989, "neunzehnhundertneunundachtzig", phonemize))


def test_matching_ignores_stress_and_boundaries_not_sounds():
    assert matches("tsvˈaɪ tˈaʊzənt", "tsvˈaɪtaʊzənt")
    assert matches("fˈiːɾ ʊnt", "fˈiːrʊnt")  # [ɾ]/[r]: where espeak put a word boundary
    assert matches("ˈaxt tˈaʊzənt", "ˈaxtaʊzənt")  # one long [t]
    assert not matches("fˈiːɾtsɪç", "fˈɪɾtsɪç")  # vowel length is heard
    assert not matches("ʊndvˌiːɾ", "ʊnt fˈiːɾ")  # [d]/[t], [v]/[f] are heard
    assert normal("hˈʊndɜt-ˈaɪns") == "hʊndɜtaɪns"


def test_spoken_form_rule():
    assert nw.spoken_form("zweitausendvierundzwanzig") == "zweitausend vierund zwanzig"
    assert nw.spoken_form("achthundertdreißig") == "acht hundert dreißig"
    assert nw.spoken_form("tausendsten") == "tausendsten"  # the ordinal suffix stays on
    assert nw.spoken_form("hundert") == "hundert"
    assert nw.cardinal(301000) == "dreihundert eintausend"  # not num2words' "einstausend"
