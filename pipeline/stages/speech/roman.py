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
# The case of "der Fünfte" is the case of the name, shown by the word before it (a title such as
# "Papst" or "König" in between is skipped): "bei Papst Leo XIV." -> "dem Vierzehnten",
# "für Karl V." -> "den Fünften", "des Kaisers Karl V." -> "des Fünften". Without such a word
# the name is taken as the subject (nominative), the usual place of a ruler in news copy.
_CASE_WORDS = {
    "gen": "des eines wegen während trotz statt anstatt anstelle infolge seitens zugunsten".split(),
    "dat": "dem einem von vom mit unter bei beim nach zu zum seit aus gegenüber samt nebst vor".split(),
    "acc": "den einen für gegen durch ohne um an auf über wider".split(),
}
_CASE_OF = {w: case for case, words in _CASE_WORDS.items() for w in words}
# Titles in front of a ruler's name, in the forms that show no case of their own.
TITLES = frozenset(
    "papst könig königin kaiser kaiserin zar zarin prinz prinzessin herzog herzogin fürst fürstin "
    "graf gräfin kurfürst kurfürstin pharao sultan großherzog erzherzog kronprinz kronprinzessin "
    "markgraf landgraf kardinal bischof heilige heiligen".split()
)
# Titles in the genitive: "die Rede des Papstes Leo XIV." - the name is genitive too.
_GENITIVE_TITLES = frozenset(
    "papstes königs kaisers zaren prinzen herzogs fürsten grafen kurfürsten pharaos sultans "
    "großherzogs erzherzogs kronprinzen markgrafen landgrafen".split()
)
# Article and ordinal ending per case: masculine and feminine.
_FORMS = {
    "m": {"nom": ("der", "e"), "gen": ("des", "en"), "dat": ("dem", "en"), "acc": ("den", "en")},
    "f": {"nom": ("die", "e"), "gen": ("der", "en"), "dat": ("der", "en"), "acc": ("die", "e")},
}


def regnal_case(before: list[str], gender: str = "m", genitive_name: bool = False) -> str:
    """'nom', 'gen', 'dat' or 'acc' for a ruler's name, from the words before it (nearest last).

    ``genitive_name``: the name itself carries the genitive -s ("die Krönung Karls III.").
    """
    if genitive_name:
        return "gen"
    for word in reversed(before):
        low = word.lower()
        if low in _GENITIVE_TITLES:
            return "gen"
        if low in TITLES:
            continue
        if low == "der":
            # "der König Karl III." is the subject; a woman's "der" is her genitive or dative.
            return "dat" if gender == "f" else "nom"
        return _CASE_OF.get(low, "nom")
    return "nom"


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
    genitive_name = False
    if not known and name.endswith("s") and name[:-1] in names():
        known, genitive_name = names()[name[:-1]], True  # "Karls III.", "Elisabeths II."
    # A listed name takes the numeral with or without dot; any other capitalised word only
    # with the dot and a numeral of two or more letters ("Papst Leo XIV." is listed anyway).
    if not known and not (dot and len(numeral) >= 2):
        return m.group(0)
    value = roman_value(numeral)
    if value is None:
        return m.group(0)
    gender = known or "m"
    case = regnal_case(_words_before_name(m.string, m.start()), gender, genitive_name)
    article, ending = _FORMS[gender][case]
    word = ordinal(value, ending)
    spoken = f"{name}{space}{article} {word[:1].upper()}{word[1:]}"
    # The numeral's dot may also close the sentence: keep one at a line end, and before a
    # word that starts sentences ("Karl V. Dann ..."), so the listener hears the stop.
    if dot and (_LINE_END.match(m.string, m.end()) or _new_sentence(m.string, m.end())):
        spoken += "."
    return spoken


_LINE_END = re.compile(r"[ \t]*(?:\n|$)")
_SENTENCE_STOP = re.compile(r"[.!?:]\s")


def _words_before_name(text: str, pos: int) -> list[str]:
    """Up to three words before ``pos`` in its own sentence (titles are skipped by the caller)."""
    window = text[max(0, pos - 60) : pos]
    stops = [m.end() for m in _SENTENCE_STOP.finditer(window)]
    own = window[stops[-1] if stops else 0 :]
    return words_before(own, len(own), 3)


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
