"""Look at the words around a regex match: German case and number readings depend on them."""

from __future__ import annotations

import re

# A "word" here is a run of letters, or a number with an optional ordinal dot ("3.").
_WORDS = re.compile(r"[^\W\d_]+|\d+\.?")
_NEXT = re.compile(r"\s*[(„\"»]?([^\W\d_][\w-]*)")
WINDOW = 60


def words_before(text: str, pos: int, n: int = 3) -> list[str]:
    """The last ``n`` words ending before ``pos`` (nearest last), crossing no sentence end."""
    chunk = text[max(0, pos - WINDOW) : pos]
    cut = max(chunk.rfind("\n"), chunk.rfind("! "), chunk.rfind("? "))
    if cut >= 0:
        chunk = chunk[cut + 1 :]
    return _WORDS.findall(chunk)[-n:]


def prev_word(text: str, pos: int) -> str:
    found = words_before(text, pos, 1)
    return found[0] if found else ""


def next_word(text: str, pos: int) -> str:
    """The word starting after ``pos`` (skipping spaces and an opening quote), or ''."""
    m = _NEXT.match(text, pos)
    return m.group(1) if m else ""


def at_line_start(text: str, pos: int) -> bool:
    """True if only whitespace lies between the previous line break (or text start) and pos."""
    start = text.rfind("\n", 0, pos) + 1
    return not text[start:pos].strip()
