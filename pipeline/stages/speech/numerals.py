"""Find numbers in running text and read them: cardinals, decimals, negatives, ranges, years,
decades and ordinals. Dates, times and quantities with units are read before this pass
(dates.py, quantities.py) because they need the whole expression."""

from __future__ import annotations

import re

from . import grammar, phone
from .context import at_line_start, next_word, words_before
from .number_words import cardinal, decimal, digits, ordinal, year
from .scan import NUM, NUM_TAIL, signed_number, split_signed

_NUM_RE = re.compile(NUM)


def parse(token: str) -> tuple[str, str]:
    """'1.234,56' -> ('1234', '56'); '42' -> ('42', '')."""
    whole, _, frac = token.partition(",")
    return whole.replace(".", ""), frac


def number_words(token: str, noun: str = "") -> str:
    """Read one number token as a cardinal; "1" before a noun is "ein"/"eine"."""
    whole, frac = parse(token)
    if frac:
        return decimal(whole, frac)
    if len(whole) > 1 and whole.startswith("0"):
        return digits(whole)  # "007", "0171": codes, read digit by digit
    n = int(whole)
    if n == 1 and noun[:1].isupper():
        return grammar.article_one(noun)
    return cardinal(n)


# --- ranges: "20 bis 25" needs nothing; "20–25" and "20-25" get "bis". -----------------
# (Patterns start with the digit they consume and look behind it: see scan.py.)
_RANGE = re.compile(rf"(\d(?<![\w.,]\d)(?:{NUM_TAIL}))\.?\s?[–—-]\s?(?=\d)")


def _range(m: re.Match[str]) -> str:
    # An ordinal range "17.–19. Juni" keeps its dot so the ordinal pass sees it.
    dotted = m.group(0).rstrip(" –—-").endswith(".") and not m.group(1).endswith(".")
    return m.group(1) + ("." if dotted else "") + " bis "


# --- decades: "80er-Jahre" -> "achtziger Jahre", "die 90er" -> "die Neunziger". --------
_DECADE = re.compile(r"(\d(?<![\w,.]\d)\d{1,3})er(n)?(?:([- ])(Jahre\w*))?(?!\w)")


def _decade(m: re.Match[str]) -> str:
    n = int(m.group(1))
    base = year(n) if n >= 1000 else cardinal(n)
    if m.group(4):
        # Before "Jahre" it is an adjective, written apart and in lower case: "achtziger Jahre".
        return f"{base}er{m.group(2) or ''} {m.group(4)}"
    # Alone it is a noun: "in den Achtzigern", "die Neunziger".
    return f"{base[:1].upper()}{base[1:]}er{m.group(2) or ''}"


# --- ordinals: "17." that is not a sentence end. ----------------------------------------
_ORDINAL = re.compile(r"(\d(?<![\w.,]\d)\d{0,3})\.(?!\d)")
_AFTER_DOT = re.compile(r"[ \t]*(\S?)")
_PAIRED_ORDINAL = re.compile(r"\s+(?:und|oder|sowie|bis)\s+(?:zum\s+)?\d{1,4}\.")


def _ordinal(m: re.Match[str]) -> str:
    text = m.string
    n = int(m.group(1))
    after = _AFTER_DOT.match(text, m.end()).group(1)
    noun = next_word(text, m.end())
    before = words_before(text, m.start(), 4)
    if _is_ordinal(text, m, n, after, noun, before):
        # "die 1. und 2. Plätze": the first ordinal agrees with the noun after the second.
        paired = _PAIRED_ORDINAL.match(text, m.end())
        if paired:
            noun = next_word(text, paired.end())
        return ordinal(n, grammar.ordinal_ending(before, noun))
    # A sentence end: a year or cardinal followed by its full stop. Never an ordinal here
    # (the XTTS habit of "2024." -> "zweitausendvierundzwanzigste").
    # The word after the stop starts a new sentence; it is not this number's noun.
    return _cardinal_or_year(m.group(1), before, "") + "."


def _is_ordinal(text: str, m: re.Match[str], n: int, after: str, noun: str, before: list[str]) -> bool:
    if not after:
        return False  # end of text or line: the dot closes the sentence
    if after.islower() or after.isdigit() or after in ",;:–-)":
        return True  # nothing starts a sentence in lower case: "1. und 2. Klasse"
    if noun in grammar.MONTHS:
        return True
    if not after.isupper() and after not in "„\"(":
        return False
    if before and (before[-1].lower() in _DETERMINERS or before[-1].lower() in grammar.RANGE_WORDS):
        return n < 1000 or not 1100 <= n <= 2099
    # A numbered list item at the start of a line: "1. Die Lage".
    return at_line_start(text, m.start()) and n < 100


_DETERMINERS = frozenset(
    "der die das dem den des am im zum zur vom beim ins ans aufs ein eine einem einen eines "
    "einer sein seine seinem seinen seines seiner ihr ihre ihrem ihren ihres ihrer diese dieser "
    "dieses diesem diesen jede jeder jedes jedem jeden unser unsere unserem unseren unseres "
    "kein keine keinem keinen".split()
)

# --- plain numbers ----------------------------------------------------------------------
_YEAR_CUES = frozenset(
    "jahr jahres jahre im seit bis von vor nach ab anfang ende mitte frühjahr sommer herbst "
    "winter frühling um zwischen und oder".split()
) | {m.lower() for m in grammar.MONTHS}
_PLAIN = re.compile(signed_number("n", r"[\w.,]", "-−+") + r"(?![\d])")


def _cardinal_or_year(token: str, before: list[str], noun: str) -> str:
    whole, frac = parse(token)
    if not frac and "." not in token and len(whole) == 4 and not whole.startswith("0"):
        n = int(whole)
        # A four-digit number is a year unless a noun follows ("1500 Soldaten" is a
        # count; the reading only differs for 1100-1999). Year cues override the noun test.
        cue = bool(before) and before[-1].lower() in _YEAR_CUES
        if 1100 <= n <= 1999 and (cue or not noun[:1].isupper() or noun in grammar.MONTHS):
            return year(n)
    return number_words(token, noun)


# After a label noun the number is a name, not a count: "Artikel 1 Grundgesetz" is
# "Artikel eins", never "Artikel ein Grundgesetz".
_LABELS = frozenset(
    "Artikel Absatz Satz Seite Nummer Paragraf Paragraph Kapitel Band Ziffer Tabelle Abbildung Gleis "
    "Zimmer Punkt Teil Stufe Klasse Kategorie Folge Staffel Spieltag Runde Etappe Linie Kanal".split()
)


def _plain(m: re.Match[str]) -> str:
    text = m.string
    sign, token = split_signed(m, "n")
    before = words_before(text, m.start(), 2)
    noun = "" if before and before[-1] in _LABELS else next_word(text, m.end())
    if not sign and phone.is_service_number(token, text, m.start(), m.end(), noun):
        return phone.service_words(token)
    spoken = _cardinal_or_year(token, before, noun)
    if sign:
        # A sign only counts as one where a word could start: "-5 Grad", "(+3,2 Prozent)".
        start = m.start()
        if start == 0 or not text[start - 1].isalnum():
            return ("plus " if sign == "+" else "minus ") + spoken
        return sign + spoken
    return spoken


def read_ranges(text: str) -> str:
    return _RANGE.sub(_range, text)


def read_decades(text: str) -> str:
    return _DECADE.sub(_decade, text)


def read_ordinals(text: str) -> str:
    return _ORDINAL.sub(_ordinal, text)


def read_numbers(text: str) -> str:
    return _PLAIN.sub(_plain, text)
