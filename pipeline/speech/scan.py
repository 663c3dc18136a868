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
    """`(?<!not_after)(?:a|b|...)` as an alternation whose every branch starts with a literal.

    ``items`` are (first character, pattern of the rest). re turns an alternation of
    literal-first branches into one character-class scan.
    """
    out = []
    for first, rest in items:
        c = re.escape(first)
        out.append(f"{c}(?<!{not_after}{c}){rest}")
    return "|".join(out)


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
