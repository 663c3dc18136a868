"""A single capital letter with a dot: an initial ("John F. Kennedy") or a sentence end
("in Gruppe C. Diese Teams ...", "Vitamin D. Das ist ...").

Both are said as the letter's name (letters.py), so every voice reads a letter; the
difference is the full stop. An initial loses it (a stop inside a name would put a sentence
pause and melody there); a sentence end keeps it, or the listener hears "Gruppe Zeh Diese
Teams" as one phrase. A capitalised word after the dot cannot tell them apart in German
(nouns are capitalised), so the words around the letter decide: a label noun before the
letter means the letter is a label, and a label takes no dot of its own; a closed-class word
after it (an article, a pronoun, a conjunction) never continues a name.
"""

from __future__ import annotations

import re

from .grammar import SENTENCE_STARTERS
from .letters import LETTER_NAMES

# Nouns that name a thing by a letter ("Gruppe C", "Vitamin D", "Plan B"). Checked in lower
# case, so a sentence-initial "Plan" counts too.
LABEL_NOUNS = frozenset(
    "gruppe gruppen vitamin vitamins typ typs plan plans klasse kategorie note stufe block halle "
    "gleis terminal variante modell szenario option teil abschnitt buchstabe liga staffel tribüne "
    "sektor zone kurve säule anlage hepatitis besoldungsgruppe tarifgruppe pool rang trakt "
    "bauabschnitt version schiene spur straße haus".split()
)

# The letter after a word and a space, its dot, then a space and a capitalised word
# (initial or sentence end), or the end of the line (a sentence end in any case).
# Starts with the capital it consumes and looks behind it (see scan.py).
_LETTER = re.compile(r"([A-ZÄÖÜ])(?<=[\wäöüß] [A-ZÄÖÜ])\.(?=( [„\"»(]?[A-ZÄÖÜ][a-zäöüß])|[ \t]*(?:\n|$))")
_PREV = re.compile(r"([^\W\d_]+) $")
_NEXT = re.compile(r" [„\"»(]?([^\W\d_]+)")


def ends_sentence(before: str, after: str) -> bool:
    """Whether a capital letter with a dot, between the word ``before`` and the capitalised
    word ``after`` ("" at a line end), closes its sentence."""
    if not after:
        return True
    return before.lower() in LABEL_NOUNS or after.lower() in SENTENCE_STARTERS


def read_single_letters(text: str) -> str:
    """'Gruppe C. Diese' -> 'Gruppe Zeh. Diese'; 'John F. Kennedy' -> 'John Eff Kennedy'."""
    if "." not in text:
        return text
    return _LETTER.sub(_replace, text)


def _replace(m: re.Match[str]) -> str:
    name = LETTER_NAMES[m.group(1)]
    text = m.string
    prev = _PREV.search(text, max(0, m.start() - 40), m.start())
    nxt = _NEXT.match(text, m.end()) if m.group(2) else None
    if ends_sentence(prev.group(1) if prev else "", nxt.group(1) if nxt else ""):
        return name + "."
    return name
