"""Fractions: "2/3" -> "zwei Drittel", "¾" -> "drei Viertel", "½ Million" -> "eine halbe
Million", "1 1/2 Stunden" -> "eineinhalb Stunden".

Dropping or garbling a number is the worst error a news reader can make, so a slash between
numbers is only read as a fraction when it cannot be anything else: a proper fraction with a
denominator people say as a word (halves to twentieths, hundredths, thousandths). Seasons
("2023/24", "19/20"), dates and codes ("28/11", "24/7") are left for the number pass, which
reads every digit as written.
"""

from __future__ import annotations

import re
import unicodedata
from fractions import Fraction

from . import grammar
from .context import next_word, words_before
from .number_words import cardinal, half, ordinal_stem

# Denominators a newsreader says as a fraction word.
_WORD_DENOMINATORS = frozenset([*range(2, 21), 100, 1000])
# Words before which "1/4" is a date or a list position, not a quarter.
_DATE_CUES = frozenset("am vom zum bis ab seit".split())

# Every Unicode character that is a fraction by itself ("½", "⅔", "⅞"); computed, not listed.
VULGAR = "".join(
    c for c in map(chr, range(0x00A0, 0x2190))
    if unicodedata.category(c) == "No" and "FRACTION" in unicodedata.name(c, "")
)
_FRACTION_SLASH = "\u2044"  # "1⁄2": the typographic slash means the same as "/"

# "1 1/2", "1½", "2 ½", "2/3", "½". The whole part is optional; a slash fraction must not sit
# inside a longer number chain ("1/2/2024", "3.1/2", "A1/2").
_SLASH = re.compile(r"(?:(\d(?<![\w.,/]\d)\d{0,3})\s)?(\d(?<![\w.,/]\d)\d{0,3})/(\d{1,4})(?![\d/]|[.,]\d)")
_GLYPH = re.compile(rf"(?:(\d(?<![\w.,/]\d)\d{{0,3}})\s?)?([{VULGAR}])")
# Cheap pre-checks: most paragraphs hold neither, and the patterns above start with an
# optional part, which re tries at every position (see scan.py).
_HAS_SLASH_FRACTION = re.compile(r"\d/\d")
_HAS_GLYPH = re.compile(f"[{VULGAR}]")


def denominator_word(den: int, plural: bool) -> str:
    """3 -> "Drittel", 4 -> "Viertel", 100 -> "Hundertstel"; 2 -> "Hälfte"/"Hälften"."""
    if den == 2:
        return "Hälften" if plural else "Hälfte"
    stem = ordinal_stem(den)
    return stem[:1].upper() + stem[1:] + "el"


def fraction_words(num: int, den: int) -> str:
    """A proper fraction said alone: "zwei Drittel", "ein Viertel", "ein halb"."""
    if den == 2 and num == 1:
        return "ein halb"
    head = "ein" if num == 1 else cardinal(num)
    return f"{head} {denominator_word(den, num > 1)}"


_DATIVE = frozenset("seit mit nach von aus bei zu vor in binnen".split())
_ACCUSATIVE = frozenset("für um durch gegen ohne".split())


def _half_before(noun: str, prep: str) -> str:
    # "½ Million" -> "eine halbe Million", "seit ½ Jahr" -> "seit einem halben Jahr".
    gender = grammar.gender(noun)
    if prep in _DATIVE:
        return "einer halben" if gender == "f" else "einem halben"
    if prep in _ACCUSATIVE and gender == "m":
        return "einen halben"
    return {"f": "eine halbe", "n": "ein halbes"}.get(gender, "ein halber")


def mixed_words(whole: int, num: int, den: int) -> str:
    """"1 1/2" -> "eineinhalb", "2 3/4" -> "zweidreiviertel", "1 2/3" -> "eins und zwei Drittel"."""
    if den == 2:
        return half(whole)
    if den == 4:
        head = "ein" if whole == 1 else cardinal(whole)
        return head + ("ein" if num == 1 else cardinal(num)) + "viertel"
    return f"{cardinal(whole)} und {fraction_words(num, den)}"


def _speak(whole: str | None, num: int, den: int, text: str, start: int, end: int) -> str:
    if whole is not None:
        return mixed_words(int(whole), num, den)
    if text.startswith("-", end):
        # "2/3-Mehrheit" is one compound: "Zweidrittel-Mehrheit".
        words = fraction_words(num, den).replace(" ", "").lower()
        return words[:1].upper() + words[1:]
    noun = next_word(text, end)
    if num == 1 and den == 2 and noun[:1].isupper():
        before = words_before(text, start, 1)
        return _half_before(noun, before[0].lower() if before else "")
    return fraction_words(num, den)


def _is_fraction(num: int, den: int) -> bool:
    return 0 < num < den and den in _WORD_DENOMINATORS


def _slash(m: re.Match[str]) -> str:
    whole, a, b = m.group(1), m.group(2), m.group(3)
    if a.startswith("0") or b.startswith("0"):
        return m.group(0)
    num, den = int(a), int(b)
    before = words_before(m.string, m.start(), 1)
    # "19/20" is a season or school year (consecutive numbers), "am 1/4" a date.
    if (not _is_fraction(num, den) or (num >= 10 and den == num + 1)
            or (before and before[-1].lower() in _DATE_CUES and whole is None)):
        return m.group(0)
    return _speak(whole, num, den, m.string, m.start(), m.end())


def glyph_value(c: str) -> Fraction:
    return Fraction(unicodedata.numeric(c)).limit_denominator(1000)


def glyph_words(c: str) -> str:
    """A fraction character read alone ("⅔" -> "zwei Drittel"), for the last-resort pass."""
    value = glyph_value(c)
    if value.numerator == 0:
        return "null"
    whole, rest = divmod(value.numerator, value.denominator)
    if not rest:
        return cardinal(whole)
    if whole:
        return mixed_words(whole, rest, value.denominator)
    return fraction_words(rest, value.denominator)


def _glyph(m: re.Match[str]) -> str:
    whole, c = m.group(1), m.group(2)
    value = glyph_value(c)
    num, den = value.numerator, value.denominator
    if 0 < num < den:
        return mixed_words(int(whole), num, den) if whole else _speak(None, num, den, m.string, m.start(), m.end())
    # "↉" (0/3) and the like: said as their value, the number before them kept apart.
    return (whole + " " if whole else "") + glyph_words(c)


def read_fractions(text: str) -> str:
    if _FRACTION_SLASH in text:
        text = text.replace(_FRACTION_SLASH, "/")
    if "/" in text and _HAS_SLASH_FRACTION.search(text):
        text = _SLASH.sub(_slash, text)
    if _HAS_GLYPH.search(text):
        text = _GLYPH.sub(_glyph, text)
    return text
