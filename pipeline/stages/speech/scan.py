"""Regex shapes that Python's re scans fast.

re only skips ahead quickly (a C loop over the text) when a pattern starts with a literal
or a character class; a pattern starting with a lookbehind, an optional part or `\\s*`
enters the full matcher at every position of the text, 3-20 times slower. The passes run
over every character of every article, so their patterns are written to start with the
first character they consume and to check what lies before it with a lookbehind placed
after that character: `(?<![\\w.,])\\d` becomes `\\d(?<![\\w.,]\\d)`, which matches the same.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# A German number: "3.400" (thousands dots), "7,1" (decimal comma), "1.234,56", "42".
NUM = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?"
# NUM once its first digit is consumed: \d{1,3} is that digit and \d{0,2}, \d+ is that
# digit and \d*, so backtracking tries the same lengths in the same order.
NUM_TAIL = r"\d{0,2}(?:\.\d{3})+(?:,\d+)?|\d*(?:,\d+)?"


def branches(items: Iterable[tuple[str, str]], not_after: str) -> str:
    """`(?<!not_after)(?:a|b|...)` rewritten to start with a class of the first characters.

    ``items`` are (first character, pattern of the rest), in the order they are to be tried.
    The one lookbehind right after the first character rejects most positions (letters
    inside words); only then is the first character told apart, by branches grouped per
    first character (their order kept: items with different first characters never match
    at the same place).
    """
    groups: dict[str, list[str]] = {}
    for first, rest in items:
        groups.setdefault(first, []).append(rest)
    firsts = "[" + "".join(re.escape(c) for c in groups) + "]"
    body = "|".join(f"(?<={re.escape(c)})(?:{'|'.join(rests)})" for c, rests in groups.items())
    return f"{firsts}(?<!{not_after}{firsts})(?:{body})"


def signed_number(lead: str, not_after: str, signs: str) -> str:
    """A number with an optional sign, not preceded by ``not_after``, starting with a class.

    Groups: ``lead`` (the sign or the first digit), then ``lead_tail`` (the rest of the
    number when lead is a digit) or ``lead_num`` (the number after a sign). Read them with
    :func:`split_signed`.
    """
    return (
        rf"(?P<{lead}>[{signs}\d])(?<!{not_after}[{signs}\d])"
        rf"(?:(?<=\d)(?P<{lead}_tail>{NUM_TAIL})|(?<=[{signs}])(?P<{lead}_num>{NUM}))"
    )


def split_signed(m: re.Match[str], lead: str) -> tuple[str, str]:
    """(sign, number token) of a match of :func:`signed_number`."""
    first = m.group(lead)
    if first.isdigit():
        return "", first + m.group(f"{lead}_tail")
    return first, m.group(f"{lead}_num")
