"""Just enough German grammar to inflect ordinals and "ein": determiners and noun gender.

German ordinals are adjectives and take the ending the determiner in front of them demands:
"der dritte Platz", "am dritten Tag", "ein dritter Platz", "dritte Liga". We do not parse;
we read the nearest determiner and guess the noun's gender from its ending, which gets
the news cases (dates, places, anniversaries, centuries) right.
"""

from __future__ import annotations

import re

MONTHS = {
    "Januar": 1, "Jänner": 1, "Februar": 2, "März": 3, "April": 4, "Mai": 5, "Juni": 6,
    "Juli": 7, "August": 8, "September": 9, "Oktober": 10, "November": 11, "Dezember": 12,
}
MONTH_NAMES = [""] + [m for m in MONTHS if m != "Jänner"]
MONTH_ABBREVIATIONS = {
    "Jan": "Januar", "Feb": "Februar", "Febr": "Februar", "Mär": "März", "Apr": "April",
    "Jun": "Juni", "Jul": "Juli", "Aug": "August", "Sep": "September", "Sept": "September",
    "Okt": "Oktober", "Nov": "November", "Dez": "Dezember",
}

# Weak endings: after a determiner that already shows the case, the ordinal ends in -e
# (nominative/accusative singular) or -en (everything else).
_WEAK_E = frozenset(
    "der die das diese dieses jene jenes jede jeder jedes eine seine ihre meine deine unsere "
    "eure keine welche ins ans aufs fürs übers ums".split()
)
_WEAK_EN = frozenset(
    "dem den des am im zum zur vom beim einem einen eines einer seinem seinen seines seiner "
    "ihrem ihren ihres ihrer meinem meinen meines meiner unserem unseren unseres unserer "
    "diesem diesen dieser jedem jeden keinem keinen keiner".split()
)
# Mixed declension: "ein", "sein", "kein" show no ending, so the ordinal shows the gender.
_MIXED = frozenset("ein sein ihr mein dein unser euer kein".split())
# "vom 3. bis 5. Mai": the second ordinal takes the case of the first.
RANGE_WORDS = frozenset("bis und oder sowie".split())

PREPOSITIONS = frozenset(
    "in an auf aus bei mit nach von zu vor unter über hinter neben zwischen seit während wegen "
    "trotz gegenüber".split()
)

_FEMININE_SUFFIXES = (
    "ung", "heit", "keit", "schaft", "ion", "tät", "ik", "ei", "ie", "in", "ur", "liga", "e",
)
_FEMININE_WORDS = ("liga", "saison", "zeit", "nacht", "hand", "welt", "stadt", "wahl", "bank")
_NEUTER_WORDS = (
    "mal", "jahr", "jahrhundert", "jahrtausend", "jahrzehnt", "quartal", "halbjahr", "spiel",
    "rennen", "kind", "mitglied", "land", "gesetz", "treffen", "turnier", "finale", "semester",
    "prozent", "kilogramm", "gramm", "programm", "paket", "amt", "tor", "buch", "album",
)
_MASCULINE_E = ("käse", "name", "gedanke", "glaube", "wille", "friede", "junge", "experte")


# Masculine nouns that often follow an ordinal; with _NEUTER_WORDS they let us see a plural
# by its ending ("Plätze" is "Platz" + umlaut + e, "Länder" is "Land" + umlaut + er).
_MASCULINE_WORDS = (
    "platz", "rang", "tag", "sieg", "versuch", "schritt", "punkt", "lauf", "durchgang",
    "teil", "preis", "titel", "wahlgang", "anlauf", "stock", "monat",
)
_DE_UMLAUT = str.maketrans("äöü", "aou")
# Determiners after which a plural noun takes the weak ending -en: "die dritten Plätze".
_PLURAL_WEAK = frozenset(
    "die diese jene welche keine meine deine seine ihre unsere eure alle beide".split()
)


def is_plural(noun: str) -> bool:
    """A guess whether ``noun`` is a plural form, for the nouns that follow ordinals.

    An ending in -en or -ern is plural ("Runden", "Ländern": no feminine singular ends so);
    -e or -er is plural where the rest, umlaut undone, is a known masculine or neuter noun
    ("Plätze", "Tore", "Länder"), since feminine singulars in -e ("Runde", "Hälfte") and
    -er ("Kammer") are common.
    """
    low = noun.lower()
    if len(low) > 3 and low.endswith("en"):
        return True
    for suffix in ("er", "e"):
        if low.endswith(suffix):
            stem = low[: -len(suffix)].translate(_DE_UMLAUT)
            return stem.endswith(_MASCULINE_WORDS + _NEUTER_WORDS)
    return False


def gender(noun: str) -> str:
    """'f', 'n' or 'm' (the default) for a German noun, guessed from its last part."""
    low = noun.lower()
    if low.endswith(_MASCULINE_E):
        return "m"
    if low.endswith(_NEUTER_WORDS):
        return "n"
    if low.endswith(_FEMININE_WORDS) or low.endswith(_FEMININE_SUFFIXES):
        return "f"
    return "m"


def strong_ending(noun: str) -> str:
    """Ordinal ending with no determiner ("dritter Platz", "dritte Liga", "drittes Mal")."""
    return {"f": "e", "n": "es"}.get(gender(noun), "er")


_ORDINAL_WORD = re.compile(r"t(e|en|er|es|em)$")


def ordinal_ending(before: list[str], noun: str) -> str:
    """The ending for an ordinal given the words before it (nearest last) and the noun after.

    ``before`` holds raw tokens, so an earlier ordinal may still be "3." or already "dritten".
    """
    if not before:
        return strong_ending(noun)
    word = before[-1]
    low = word.lower()
    if low in RANGE_WORDS and len(before) >= 2:
        first = before[-2]
        if first[:1].isdigit():
            return ordinal_ending(before[:-2], noun)
        m = _ORDINAL_WORD.search(first)
        if m:
            return m.group(1)
    if low in _WEAK_EN:
        return "en"
    # "der" before a feminine noun cannot be nominative ("in der zweiten Liga", "Ende der
    # zweiten Halbzeit"), nor after a preposition ("mit der dritten").
    if low == "der" and (gender(noun) == "f" or (len(before) >= 2 and before[-2].lower() in PREPOSITIONS)):
        return "en"
    if low in _PLURAL_WEAK and noun[:1].isupper() and is_plural(noun):
        return "en"  # "die dritten Plätze", "seine ersten Tore"
    if low in _WEAK_E:
        return "e"
    if low in _MIXED:
        return strong_ending(noun)
    return strong_ending(noun)


def article_one(noun: str) -> str:
    """'1' before a noun: 'ein Euro', 'eine Million', 'ein Jahr'."""
    return "eine" if gender(noun) == "f" else "ein"


# Words that, capitalised after a full stop, start a new sentence: closed-class words
# (articles, pronouns, conjunctions, sentence adverbs). A capitalised noun after "Karl V."
# may be an apposition; these words may not.
SENTENCE_STARTERS = frozenset(
    "der die das den dem des ein eine einer einen einem er sie es wir ihr ich man dies diese "
    "dieser dieses damit dann danach daher dabei darauf davor doch denn aber und auch als "
    "auf aus bei bis mit nach nun noch so schon seit sein seine ihre im in am an zum zur vom "
    "von vor für gegen unter über trotz wegen während wie wo was wer wann warum heute "
    "später zuvor zudem jedoch allerdings deshalb später außerdem erst zwar kein keine "
    "nicht nur sogar ebenfalls inzwischen bereits".split()
)
