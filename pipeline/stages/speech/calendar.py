"""Weekday and month abbreviations: "am Fr., 28.11." -> "am Freitag, 28.11.", "Okt." ->
"Oktober", "Mo.–Fr." -> "Montag bis Freitag".

Both families are short and some collide with other words ("So." opens a sentence, "Jan."
and "Aug." end one after a name, "Fr." is also "Frau"), so an abbreviation is only expanded
where the text around it says it is a day or a month: a date or year next to it, a word
that introduces a day or month ("am", "ab", "Anfang", "Ende"), or another day or month it is
paired with. Abbreviations that are nothing else ("Okt.", "Dez.") need no such cue.
Runs before the date pass, so "am Fr., 28.11." becomes a weekday with a date apposition
(dates.py then gives the date its case: "am Freitag, dem achtundzwanzigsten November").
"""

from __future__ import annotations

import re

from . import grammar
from .context import words_before

WEEKDAYS = {
    "Mo": "Montag", "Di": "Dienstag", "Mi": "Mittwoch", "Do": "Donnerstag", "Fr": "Freitag",
    "Sa": "Samstag", "So": "Sonntag",
}
WEEKDAY_NAMES = frozenset(WEEKDAYS.values())
# Abbreviations that stand for nothing but the month.
_MONTH_ONLY = frozenset("Febr Okt Nov Dez Sept".split())

_DAY_CUES = frozenset(
    "am ab bis vom von seit jeden jedem kommenden nächsten diesen letzten vergangenen und oder sowie "
    "zum".split()
)
_MONTH_CUES = frozenset(
    "im anfang ende mitte seit bis ab vom von zum per monat des nach vor und oder sowie "
    "zwischen".split()
)

# Patterns start with a class, the lookbehind after it (see scan.py: re then skips fast).
_DAY = re.compile(r"([MDFS](?<![\w.][MDFS])(?:o|i|r|a))\.(?![\w.])")
_MONTH_ABBR = "|".join(sorted(grammar.MONTH_ABBREVIATIONS, key=len, reverse=True))
_MONTH = re.compile(r"([JFMASOND](?<![\w.][JFMASOND])\w{2,3})\.(?![\w.])")
# What may follow a day that is a day: a comma and a date or clock time (also with its
# article, "Mi., den 4. Juni"), a digit, or the
# other end of a range or pair ("Mo.–Fr.", "Sa./So.", "Sa. und So.").
_DAY_AFTER = re.compile(r"\s*(?:,\s*)?(?:(?:den|dem|der)\s+)?\d|\s*(?:[–/-]|bis|und|oder)\s*(?:Mo|Di|Mi|Do|Fr|Sa|So)\.")
_DAY_BEFORE = re.compile(r"(?:Mo|Di|Mi|Do|Fr|Sa|So|tag)\.?\s*(?:[–/-]|bis|und|oder)\s*$")
_MONTH_AFTER = re.compile(rf"\s*(?:,\s*)?\d|\s*(?:[–/-]|bis|und)\s*(?:{_MONTH_ABBR})\.")
_MONTH_BEFORE = re.compile(rf"(?:\d\.|(?:{_MONTH_ABBR})\.)\s*(?:[–/-]|bis|und)?\s*$")
_NEXT = re.compile(r"[ \t]*(\n|$|[„\"(]?([A-ZÄÖÜ][\wäöüß]*))")


def _full_stop(text: str, end: int) -> str:
    """The abbreviation's dot is also a sentence's full stop at the end of a line or before
    a word that starts sentences ("... im Okt. Danach ...")."""
    m = _NEXT.match(text, end)
    if m is None:
        return ""
    if m.group(1) in ("\n", ""):
        return "."
    word = m.group(2)
    return "." if word and word.lower() in grammar.SENTENCE_STARTERS else ""


def _cued(text: str, start: int, end: int, cues: frozenset[str], after: re.Pattern[str],
          before: re.Pattern[str]) -> bool:
    if after.match(text, end):
        return True
    if before.search(text[max(0, start - 30) : start]):
        return True
    prev = words_before(text, start, 1)
    return bool(prev) and prev[0].lower() in cues


_NAME_NEXT = re.compile(r"\s+(?:Dr\.\s+|Prof\.\s+)?[A-ZÄÖÜ][a-zäöüß]")


def _day(m: re.Match[str]) -> str:
    text = m.string
    if m.group(1) not in WEEKDAYS:
        return m.group(0)
    if not _cued(text, m.start(), m.end(), _DAY_CUES, _DAY_AFTER, _DAY_BEFORE):
        # "Fr. Müller" with no day around it is the other "Fr.": Frau.
        return "Frau" if m.group(1) == "Fr" and _NAME_NEXT.match(text, m.end()) else m.group(0)
    return WEEKDAYS[m.group(1)] + _full_stop(text, m.end())


def _month(m: re.Match[str]) -> str:
    text, abbr = m.string, m.group(1)
    if abbr not in grammar.MONTH_ABBREVIATIONS:
        return m.group(0)
    if abbr not in _MONTH_ONLY and not _cued(text, m.start(), m.end(), _MONTH_CUES, _MONTH_AFTER,
                                             _MONTH_BEFORE):
        return m.group(0)
    return grammar.MONTH_ABBREVIATIONS[abbr] + _full_stop(text, m.end())


_DAY_WORDS = "|".join(sorted(WEEKDAY_NAMES))
_MONTH_WORDS = "|".join(grammar.MONTH_NAMES[1:])
# "Montag–Freitag", "Samstag/Sonntag" once expanded: a dash is said "bis", a slash "und".
_PAIR = re.compile(rf"\b({_DAY_WORDS}|{_MONTH_WORDS})\s*([–/-])\s*(?=(?:{_DAY_WORDS}|{_MONTH_WORDS})\b)")


# "Beschl. v. 16.12.2024": "v." before a date is "vom" (the date then reads "vom sechzehnten").
_VOM = re.compile(r"v(?<![\w.]v)\.(?=\s?\d{1,2}\.)")


def read_calendar_abbreviations(text: str) -> str:
    if "." not in text:
        return text
    if "v." in text:
        text = _VOM.sub("vom", text)
    expanded = _MONTH.sub(_month, _DAY.sub(_day, text))
    if expanded == text:
        return text
    return _PAIR.sub(lambda m: m.group(1) + (" und " if m.group(2) == "/" else " bis "), expanded)
