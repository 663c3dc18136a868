"""Roman regnal numbers after names: "Karl V." -> "Karl der Fünfte"."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from .context import next_word, words_before
from .grammar import SENTENCE_STARTERS
from .number_words import ordinal

DATA = Path(__file__).with_name("data") / "regnal_names.txt"
_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50}
# Only I, V, X, L: regnal numbers stay small, and "C", "D", "M" after a name are initials
# far more often ("Gerhard M. Schmidt").
# It starts with the capital it consumes and looks behind it (see scan.py).
_ROMAN = re.compile(r"([A-ZÄÖÜ](?<![\w\ue000-\uf8ff][A-ZÄÖÜ])[a-zäöüß]+)(\s+)([IVXL]{1,6})(\.)?(?!\w)")
# Dative prepositions before the name: "unter Ludwig XIV." -> "unter Ludwig dem Vierzehnten".
_DATIVE = frozenset("von vom mit unter bei nach zu seit aus gegenüber".split())


@lru_cache(maxsize=1)
def names() -> dict[str, str]:
    """Name -> 'm' or 'f'."""
    out = {}
    for line in DATA.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("f "):
            out[line[2:].strip()] = "f"
        else:
            out[line] = "m"
    return out


def roman_value(s: str) -> int | None:
    total = 0
    for i, c in enumerate(s):
        v = _VALUES[c]
        if i + 1 < len(s) and _VALUES[s[i + 1]] > v:
            total -= v
        else:
            total += v
    # Reject non-canonical forms like "IIII" or "VX" by writing the value back.
    return total if 0 < total < 90 and to_roman(total) == s else None


def to_roman(n: int) -> str:
    out = ""
    for value, sym in ((50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out += sym
            n -= value
    return out


def _replace(m: re.Match[str]) -> str:
    name, space, numeral, dot = m.groups()
    known = names().get(name)
    # A listed name takes the numeral with or without dot; any other capitalised word only
    # with the dot and a numeral of two or more letters ("Papst Leo XIV." is listed anyway).
    if not known and not (dot and len(numeral) >= 2):
        return m.group(0)
    value = roman_value(numeral)
    if value is None:
        return m.group(0)
    before = words_before(m.string, m.start(), 1)
    dative = bool(before) and before[0].lower() in _DATIVE
    if known == "f":
        article, ending = ("der", "en") if dative else ("die", "e")
    else:
        article, ending = ("dem", "en") if dative else ("der", "e")
    word = ordinal(value, ending)
    spoken = f"{name}{space}{article} {word[:1].upper()}{word[1:]}"
    # The numeral's dot may also close the sentence: keep one at a line end, and before a
    # word that starts sentences ("Karl V. Dann ..."), so the listener hears the stop.
    if dot and (_LINE_END.match(m.string, m.end()) or _new_sentence(m.string, m.end())):
        spoken += "."
    return spoken


_LINE_END = re.compile(r"[ \t]*(?:\n|$)")


def _new_sentence(text: str, pos: int) -> bool:
    word = next_word(text, pos)
    return word[:1].isupper() and word.lower() in SENTENCE_STARTERS


# A whole word of roman digits after a space: without one _ROMAN cannot match, and this
# scan (for four rare capitals) is far cheaper than _ROMAN's (for every capital).
_NUMERAL_HINT = re.compile(r"[IVXL](?<=\s[IVXL])[IVXL]{0,5}(?!\w)")


def read_regnal(text: str) -> str:
    if not _NUMERAL_HINT.search(text):
        return text
    return _ROMAN.sub(_replace, text)
