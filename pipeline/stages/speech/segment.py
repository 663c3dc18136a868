"""Cut speakable text into sentences, and sentences into chunks an engine accepts.

Runs on normalised text: abbreviations and ordinals are already words, so a full stop that
is left is a sentence end. Long sentences are cut at the best clause boundary that fits.
"""

from __future__ import annotations

import re

# A sentence ends at . ! ? (with closing quotes/brackets) before a space and a character
# that can start a sentence; a lower-case letter never does ("Hr. müller" stays together).
# The cut (group 1) follows the stop; the pattern starts at the rare stop character, not
# at every space, for re's fast scan (see scan.py).
_CLOSING = "\"'»«”)\\]"
_SENTENCE_END = re.compile(rf"[.!?]([{_CLOSING}]*\s+)(?=[^\s\da-zäöüß])")


def _cut_sentences(paragraph: str) -> list[str]:
    out, start = [], 0
    for m in _SENTENCE_END.finditer(paragraph):
        out.append(paragraph[start : m.start(1)])
        start = m.end(1)
    out.append(paragraph[start:])
    return out

# Where a long sentence may be cut, best first. The cut comes after the match.
_CLAUSE_CUTS = (
    re.compile(r"[;:]\s"),
    re.compile(r",\s"),
    re.compile(r"\s(?=(?:und|oder|aber|denn|sondern|doch|weil|dass|wenn|als|während|nachdem|"
               r"obwohl|damit|sodass|bevor|die|der|das|den|dem|wie|wo|um)\s)"),
    re.compile(r"\s"),
)
# A cut earlier than this share of the limit makes a choppy fragment; try a weaker boundary.
MIN_FILL = 0.4


# A dotted word no rule knew that is surely no sentence end: up to five letters with no
# vowel ("Hrn.", "Bd.", "Jh.", "Mr."), or one capital letter (an initial, "A. Merkel").
# German words have vowels; the abbreviation list expanded every known abbreviation before.
_UNKNOWN_ABBREVIATION = re.compile(
    r"(?:^|(?<=[\s(\-]))(?:[b-df-hj-np-tv-xzßB-DF-HJ-NP-TV-XZ]{1,5}|[A-ZÄÖÜ])\.$"
)


def sentences(paragraph: str) -> list[str]:
    parts = [p.strip() for p in _cut_sentences(paragraph.strip())]
    # Rejoin a split made at an unknown abbreviation's dot ("aus der Abt. Verkauf" is not
    # known, but "mit Hrn. Müller" is caught): a wrong cut puts a sentence-end pause and
    # melody inside a phrase, a missed one only a short pause the voice makes at the dot.
    joined: list[str] = []
    for p in parts:
        # The word and the character before it fit in the last 7: no need to scan it all.
        if p and joined and _UNKNOWN_ABBREVIATION.search(joined[-1][-7:]):
            joined[-1] += " " + p
        elif p:
            joined.append(p)
    # A sentence that now starts with a number word ("1989 fiel ..." -> "neunzehnhundert...")
    # gets its capital back: some voices take a lower-case start for a continuation.
    return [_capital(p) for p in joined]


def _capital(s: str) -> str:
    first = s[:1].upper()
    # "ß".upper() is "SS": a word never starts with ß anyway, so leave such a start alone.
    return first + s[1:] if len(first) == 1 else s


def chunk(sentence: str, max_chars: int) -> list[str]:
    """Cut ``sentence`` into pieces of at most ``max_chars`` characters, never inside a word.

    The pieces are balanced: a sentence that needs k pieces is cut near every k-th of its
    length, at the strongest clause boundary there, rather than filled greedily up to the
    limit (which leaves a short, choppy last piece). Only a single word longer than the
    limit (which no German word is at the default 300) is cut hard, at a hyphen if it has one.
    """
    out: list[str] = []
    rest = sentence.strip()
    while len(rest) > max_chars:
        cut = _balanced_cut(rest, max_chars) or _best_cut(rest, max_chars)
        head, rest = rest[:cut].strip(), rest[cut:].strip()
        if head:
            out.append(head)
    if rest:
        out.append(rest)
    return out


def _balanced_cut(text: str, max_chars: int) -> int:
    """The clause boundary nearest to an even share of ``text``, strongest kind first, such
    that the rest still fits in the remaining pieces; 0 if there is none."""
    pieces = -(-len(text) // max_chars)
    target = len(text) / pieces
    # Cut no earlier than the rest allows, nor much before the even share.
    low = max(len(text) - (pieces - 1) * max_chars, int(target * MIN_FILL * 1.5), 1)
    window = text[: max_chars + 1]
    for regex in _CLAUSE_CUTS[:-1]:  # a plain space is left to the greedy fallback
        ends = [
            m.end() for m in regex.finditer(window)
            if low <= m.end() and len(text[: m.end()].rstrip()) <= max_chars
        ]
        if ends:
            return min(ends, key=lambda e: abs(e - target))
    return 0


def _best_cut(text: str, max_chars: int) -> int:
    window = text[: max_chars + 1]
    floor = int(max_chars * MIN_FILL)
    fallback = 0
    for regex in _CLAUSE_CUTS:
        ends = [m.end() for m in regex.finditer(window) if m.end() - 1 <= max_chars]
        # The last boundary that fits (a trailing space may sit just past the limit).
        ends = [e for e in ends if len(text[:e].rstrip()) <= max_chars and e > 0]
        if ends:
            if ends[-1] >= floor:
                return ends[-1]
            fallback = fallback or ends[-1]
    if fallback:
        return fallback
    # One word longer than the limit: cut at its last hyphen that fits, else hard.
    hyphen = window.rfind("-", 1, max_chars)
    return hyphen + 1 if hyphen > 0 else max_chars


def split(paragraph: str, max_chars: int) -> list[list[str]]:
    """A paragraph -> sentences -> chunks."""
    return [chunk(s, max_chars) for s in sentences(paragraph)]
