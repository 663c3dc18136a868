"""Invisible brackets around the spoken text of a phoneme entry, so its span can be found
in the final segments.

The lexicon wraps a phoneme entry's spoken form as ``OPEN(k) text CLOSE``, where ``k`` names
the entry. The marks ride through the last rules (which do not touch them) and through
sentence cutting; script.py takes them out and keeps their offsets as Pronunciations.
They come from supplementary private-use plane 15: the Vault uses the BMP private-use area,
and input text is cleaned of both (protect.strip_private), so nothing else can look like one.

A span in another language (foreign.py, or a lexicon entry of kind "language") is wrapped the
same way with an open mark from plane 16 that names the language (its place in
languages.CODES); it shares the close mark.
"""

from __future__ import annotations

import re

from .languages import CODES

OPEN_BASE = 0xF0000
CLOSE = "\U000FFFFD"
MAX_ENTRIES = 0xFFFD - 1  # open marks run up to U+FFFFC
LANG_BASE = 0x100000
_LANG_OPENS = f"{chr(LANG_BASE)}-{chr(LANG_BASE + len(CODES) - 1)}"
ANY = re.compile(f"[\U000F0000-\U000FFFFD{_LANG_OPENS}]")
_PAIR = re.compile(
    f"([\U000F0000-\U000FFFFC{_LANG_OPENS}])([^\U000F0000-\U000FFFFD{_LANG_OPENS}]*)\U000FFFFD"
)


def wrap(index: int, text: str) -> str:
    if not 0 <= index < MAX_ENTRIES:
        return text  # more phoneme entries than marks: the text form still works
    return chr(OPEN_BASE + index) + text + CLOSE


def wrap_language(code: str, text: str) -> str:
    """``text`` marked as spoken in the language ``code`` (one of languages.CODES)."""
    return chr(LANG_BASE + CODES.index(code)) + text + CLOSE


def strip(text: str) -> str:
    return ANY.sub("", text)


def unwrap(text: str) -> tuple[str, list[tuple[int, int, int | str]]]:
    """Text without marks, and (start, end, tag) of every well-formed pair in it: the tag is
    the lexicon entry's index for a phoneme entry, the language code for a language span.

    A stray mark (one whose partner a rule or a cut separated) is dropped without a span.
    """
    out: list[str] = []
    spans: list[tuple[int, int, int | str]] = []
    length, pos = 0, 0
    for m in _PAIR.finditer(text):
        before = strip(text[pos : m.start()])
        out.append(before)
        length += len(before)
        out.append(m.group(2))
        spans.append((length, length + len(m.group(2)), _tag(m.group(1))))
        length += len(m.group(2))
        pos = m.end()
    out.append(strip(text[pos:]))
    return "".join(out), spans


def _tag(mark: str) -> int | str:
    code = ord(mark)
    return CODES[code - LANG_BASE] if code >= LANG_BASE else code - OPEN_BASE
