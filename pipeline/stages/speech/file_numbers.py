"""Court and office file numbers: "Az. 1 StR 45/23" -> "Aktenzeichen eins Ess-Teh-Err
fünfundvierzig Strich dreiundzwanzig".

A file number is a name, not a quantity: its numbers are said as plain cardinals ("eins",
never "ein"), its register letters are spelled, and its slash is said "Strich" (as lawyers
and court reporters say it). Without this the fraction pass reads "2 BvR 1/22" as "ein
Zweiundzwanzigstel" and the acronym pass reads "StR" as a word. It runs before them.
"""

from __future__ import annotations

import re

from .letters import spell
from .number_words import cardinal, digits
from .roman import roman_value

# The cue, then tokens (numbers, register letters such as "StR", "BvR", "K", "C") and the
# number/year that closes every file number. Starts with the cue's first letter (scan.py).
_TOKEN = r"(?:\d+|[A-ZÄÖÜ][A-Za-zäöü]{0,4})"
_FILE_NUMBER = re.compile(
    rf"(?P<cue>A(?<![\w]A)(?:z\.|ktenzeichen)|G(?<![\w]G)(?:z\.|eschäftszeichen))(?P<colon>\s*:)?\s*"
    rf"(?P<code>(?:{_TOKEN}[ -]){{0,5}}\d+/\d{{2,4}})(?![\d/])"
)
_PARTS = re.compile(r"\d+|[^\W\d_]+|/")
_CUES = {"Az.": "Aktenzeichen", "Gz.": "Geschäftszeichen"}


def speak_code(code: str) -> str:
    """'1 StR 45/23' -> 'eins Ess-Teh-Err fünfundvierzig Strich dreiundzwanzig'."""
    parts = _PARTS.findall(code)
    out = []
    for i, part in enumerate(parts):
        if part == "/":
            out.append("Strich")
        elif part.isdigit():
            out.append(digits(part) if len(part) > 1 and part.startswith("0") else cardinal(int(part)))
        elif i + 1 < len(parts) and set(part) <= set("IVX") and roman_value(part):
            # The senate's roman number before its register ("VI ZR 12/23"): "sechs".
            out.append(cardinal(roman_value(part) or 0))
        else:
            out.append(spell(part))
    return " ".join(out)


def read_file_numbers(text: str) -> str:
    if "/" not in text or "z" not in text:
        return text
    return _FILE_NUMBER.sub(_replace, text)


def _replace(m: re.Match[str]) -> str:
    cue = _CUES.get(m.group("cue"), m.group("cue"))
    return f"{cue}{m.group('colon') or ''} {speak_code(m.group('code'))}"
