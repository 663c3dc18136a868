"""Does a number word sound like its digits? The check behind number_words.spoken_form.

espeak-ng (and every Coqui/Piper VITS voice, which phonemise with it) reads the digits
"2024" right but the one long word "zweitausendvierundzwanzig" wrong: it guesses compound
boundaries ("tau-SÄND", "vier" with [v], "-und-" with [d]). Its reading of the digits is the
reference, because there espeak splits the number into the pieces it knows.

A pure function of a ``phonemize`` callable, so this stage needs no voice: the tests and the
run layer pass ``voices.engines.espeak_ng.phonemize``.

"Matches" means the same sounds in the same order: both phoneme strings are compared after

- dropping stress marks: a number word is one or a few prosodic words, the digits are read as
  several; the stress a spaced form gets is the digits' own, and the issue is wrong sounds;
- dropping word boundaries (spaces, hyphens): "tausend vier" is said without a pause;
- reading [ɾ] as [r]: espeak writes the same German /r/ as [ɾ] before a word boundary and [r]
  before a vowel, so "vier und" and "vierund" differ only by where espeak put a space;
- collapsing a doubled consonant: "acht tausend" and "achttausend" are one long [t] in speech.

Vowel length, [f]/[v], [t]/[d] and a lost [h] all count: they are what a listener hears.
"""

from __future__ import annotations

import re
from collections.abc import Callable

Phonemize = Callable[[str], str]

_IGNORED = re.compile(r"[ˈˌ\s\-‿]")
_DOUBLE = re.compile(r"([^aeiouyɛɪɔʊœøæɐəɜɑʏː])\1")


def normal(phonemes: str) -> str:
    """Phonemes reduced to what "matches" compares (see the module docstring)."""
    flat = _IGNORED.sub("", phonemes).replace("ɾ", "r")
    return _DOUBLE.sub(r"\1", flat)


def matches(phonemes: str, reference: str) -> bool:
    return normal(phonemes) == normal(reference)


def _drop_leading_ein(phonemes: str) -> str:
    # espeak reads 1000-1999 as "eintausend ...", anchors (and number_words) say "tausend ...".
    return re.sub(r"^ˈ?aɪn\s*", "", phonemes)


def cardinal_reference(n: int, word: str, phonemize: Phonemize) -> str:
    """The digits' phonemes for ``n`` as ``word`` says it (with or without a leading "ein")."""
    ref = phonemize(str(n))
    return _drop_leading_ein(ref) if word.startswith(("hundert", "tausend")) else ref


def year_reference(n: int, word: str, phonemize: Phonemize) -> str:
    """1100-1999 are read in hundreds ("neunzehnhundert..."); espeak reads the digits as a
    cardinal, so the reference is built from the digits of the pieces: "19", "100", "14"."""
    if 1100 <= n <= 1999:
        hundreds, rest = divmod(n, 100)
        head = phonemize(str(hundreds)) + " " + _drop_leading_ein(phonemize("100"))
        return head + (" " + phonemize(str(rest)) if rest else "")
    return cardinal_reference(n, word, phonemize)


# Ordinals 1-19 that are not the cardinal + "t"; espeak reads these words right.
_IRREGULAR_ORDINALS = {1: "erst", 3: "dritt", 7: "siebt", 8: "acht"}


def _suffix(stem: str, word: str, phonemize: Phonemize) -> str:
    """The phonemes a suffix adds to a word espeak reads right: "zwanzig" -> "zwanzigsten"."""
    whole, base = normal(phonemize(word)), normal(phonemize(stem))
    if not whole.startswith(base):
        raise ValueError(f"{word!r} does not start with the phonemes of {stem!r}")
    return whole[len(base):]


def ordinal_reference(n: int, word: str, ending: str, phonemize: Phonemize) -> str:
    """espeak reads "24." as a cardinal, so an ordinal's reference is the digits of its
    cardinal part plus the suffix ("st" + ending from 20 on). The last 1-19 are ordinals of
    their own: "t" + ending after the digits ("siebzehnten"), or, for the four irregular ones
    ("ersten", "dritten", "siebten", "achten"), the word itself.
    The result is in ``normal`` form."""
    rest = n % 100
    if not 1 <= rest <= 19:
        return normal(cardinal_reference(n, word, phonemize)) + _suffix("zwanzig", "zwanzigst" + ending, phonemize)
    head = normal(cardinal_reference(n - rest, word, phonemize)) if n - rest else ""
    if rest in _IRREGULAR_ORDINALS:
        return head + normal(phonemize(_IRREGULAR_ORDINALS[rest] + ending))
    return head + normal(phonemize(str(rest))) + _suffix("sechzehn", "sechzehnt" + ending, phonemize)
