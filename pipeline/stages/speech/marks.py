"""Invisible brackets around the spoken text of a phoneme entry, so its span can be found
in the final segments.

The lexicon wraps a phoneme entry's spoken form as ``OPEN(k) text CLOSE``, where ``k`` names
the entry. The marks ride through the last rules (which do not touch them) and through
sentence cutting; script.py takes them out and keeps their offsets as Pronunciations.
They come from supplementary private-use plane 15: the Vault uses the BMP private-use area,
and input text is cleaned of both (protect.strip_private), so nothing else can look like one.
"""

from __future__ import annotations

import re

OPEN_BASE = 0xF0000
CLOSE = "\U000FFFFD"
MAX_ENTRIES = 0xFFFD - 1  # open marks run up to U+FFFFC
ANY = re.compile("[\U000F0000-\U000FFFFD]")
_PAIR = re.compile("([\U000F0000-\U000FFFFC])([^\U000F0000-\U000FFFFD]*)\U000FFFFD")


def wrap(index: int, text: str) -> str:
    if not 0 <= index < MAX_ENTRIES:
        return text  # more phoneme entries than marks: the text form still works
    return chr(OPEN_BASE + index) + text + CLOSE


def strip(text: str) -> str:
    return ANY.sub("", text)


def unwrap(text: str) -> tuple[str, list[tuple[int, int, int]]]:
    """Text without marks, and (start, end, entry index) of every well-formed pair in it.

    A stray mark (one whose partner a rule or a cut separated) is dropped without a span.
    """
    out: list[str] = []
    spans: list[tuple[int, int, int]] = []
    length, pos = 0, 0
    for m in _PAIR.finditer(text):
        before = strip(text[pos : m.start()])
        out.append(before)
        length += len(before)
        out.append(m.group(2))
        spans.append((length, length + len(m.group(2)), ord(m.group(1)) - OPEN_BASE))
        length += len(m.group(2))
        pos = m.end()
    out.append(strip(text[pos:]))
    return "".join(out), spans
