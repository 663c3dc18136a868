"""German number words: cardinals, ordinals, years, decimals, digit strings.

num2words does the counting; this module fixes the few readings a news anchor would not
use and adds the inflected ordinal endings num2words does not know.
"""

from __future__ import annotations

import re
from functools import lru_cache

from num2words import num2words

DIGIT_WORDS = ("null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun")

# Anything this long is an id, a phone number or an account, not a quantity: read digit by
# digit, which is what an anchor does and keeps every word short for segmentation.
MAX_CARDINAL_DIGITS = 12


# Where a long number word gets a space, so espeak-ng (and the VITS voices that phonemise
# with it) says it as it says the digits. Measured against espeak's reading of the digits
# (number_phonemes.py; tests/stages/test_number_phonemes.py sweeps the ranges): glued,
# "zweitausendvierundzwanzig" comes out "tau-SÄND ... [v]ierund", and only 5% of 1-9999 match.
#  - after "hundert"/"tausend" when more of the number follows (not the ordinal "st"):
#    espeak then reads each piece as the word it knows ("zweitausend vierundzwanzig");
#  - after the "und" that joins a unit to its ten ("vierund zwanzig"): glued, espeak voices
#    it as [d] and the ten after it ("[v]ierzig", "[d]reißig" merged into "und");
#  - between "acht" and "hundert": glued, espeak reads "th" as [t] and loses the [h].
_AFTER_MAGNITUDE = re.compile(r"(hundert|tausend)(?!st)(?=[a-zäöüß])")
_AFTER_UND = re.compile(r"(ein|zwei|drei|vier|fünf|sechs|sieben|acht|neun)und(?=[a-zäöüß])")
_ACHT_HUNDERT = re.compile(r"achthundert")
# espeak-ng reads the word "vierzehn"/"vierzig" (and every word built on it: "vierzigsten",
# "Vierzigjährige", "vierzehnhundert") with a long [iː], where its reading of the digits "14"
# and "40" has the short [ɪ] a speaker says. No spacing fixes that inside a word; spelled
# "fir-", espeak says exactly the digits' sounds, and so do the VITS voices that phonemise with
# it (tests/stages/test_number_phonemes.py). "Vierzeiler" (a long [iː]) is not touched.
_VIERZ = re.compile(r"([Vv])ier(?=z(?:ehn|ig))")


def short_vier(text: str) -> str:
    """'vierzig' -> 'firzig', 'Vierzehnten' -> 'Firzehnten': the spelling the voices say with
    the short [ɪ] of the digits (see _VIERZ). Only the spoken text: transcripts keep the
    written words."""
    return _VIERZ.sub(lambda m: "Fir" if m.group(1) == "V" else "fir", text)


def spoken_form(words: str) -> str:
    """A number word spaced as the voices say it right: 'zweitausendvierundzwanzig' ->
    'zweitausend vierund zwanzig' (see the rules above). Only the spoken text: transcripts
    keep the written digits. cardinal, year and ordinal give this form (the measured gain:
    tests/stages/test_number_phonemes.py)."""
    words = _ACHT_HUNDERT.sub("acht hundert", words)
    words = _AFTER_MAGNITUDE.sub(r"\1 ", words)
    return short_vier(_AFTER_UND.sub(r"\1und ", words))


def _anchor_style(words: str) -> str:
    # num2words writes "einhundert", "eintausendeinhundert". Anchors say "hundert",
    # "tausendeinhundert": the leading "ein" is dropped, as in everyday spoken German.
    # It also writes 301000 as "dreihunderteinstausend": the German is "dreihunderteintausend".
    words = words.replace("einstausend", "eintausend")
    for head in ("einhundert", "eintausend"):
        if words.startswith(head):
            return spoken_form(words[3:])
    return spoken_form(words)


@lru_cache(maxsize=4096)
def cardinal(n: int) -> str:
    """'3400' -> 'dreitausendvierhundert'; negative numbers get 'minus'."""
    if n < 0:
        return "minus " + cardinal(-n)
    if len(str(n)) > MAX_CARDINAL_DIGITS:
        return digits(str(n))
    return _anchor_style(num2words(n, lang="de"))


def digits(s: str) -> str:
    """Read a digit string one digit at a time: '0171' -> 'null eins sieben eins'."""
    return " ".join(DIGIT_WORDS[int(c)] for c in s if c.isdigit())


@lru_cache(maxsize=4096)
def year(n: int) -> str:
    """Years 1100-1999 are read in hundreds ('neunzehnhundertneunundachtzig'); from 2000 on
    they are plain cardinals ('zweitausenddreißig'), as every German newsreader says them."""
    if 1100 <= n <= 1999:
        hundreds, rest = divmod(n, 100)
        glued = cardinal(hundreds).replace(" ", "") + "hundert" + (cardinal(rest).replace(" ", "") if rest else "")
        return spoken_form(glued)
    return cardinal(n)


@lru_cache(maxsize=4096)
def ordinal_stem(n: int) -> str:
    """The ordinal without its case ending: 3 -> 'dritt', 17 -> 'siebzehnt', 100 -> 'hundertst'."""
    if len(str(n)) > MAX_CARDINAL_DIGITS:
        return digits(str(n)) + " t"
    word = _anchor_style(num2words(n, lang="de", to="ordinal"))
    # num2words gives the nominative after a definite article ("dritte"); strip the -e.
    return word[:-1] if word.endswith("e") else word


def ordinal(n: int, ending: str = "e") -> str:
    """'dritt' + ending: 'e' (der dritte), 'en' (am dritten), 'er' (dritter Platz), 'es'."""
    return ordinal_stem(n) + ending


def decimal(int_part: str, frac_part: str) -> str:
    """'7,1' -> 'sieben Komma eins', '5,25' -> 'fünf Komma zwei fünf'.

    Digits after the comma are read one by one ("Komma zwei fünf"), the standard reading
    for statistics; "Komma fünfundzwanzig" also exists but is sloppier on air.
    """
    head = cardinal(int(int_part)) if int_part else "null"
    return f"{head} Komma {digits(frac_part)}"


def half(int_part: int) -> str:
    """'1,5 Millionen' -> 'eineinhalb', '2,5' -> 'zweieinhalb' — how anchors say halves of a
    magnitude (rather than 'eins Komma fünf')."""
    if int_part == 1:
        return "eineinhalb"
    return cardinal(int_part) + "einhalb"
