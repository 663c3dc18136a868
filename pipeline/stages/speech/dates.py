"""Dates, clock times and match scores: "3.10.1990", "am 17. Juni", "8:45 Uhr", "1:1"."""

from __future__ import annotations

import re

from . import grammar
from .calendar import WEEKDAY_NAMES
from .context import prev_word, words_before
from .number_words import cardinal, digits, ordinal, year

_MONTH_WORDS = "|".join(
    sorted([*grammar.MONTHS, *(rf"{a}\." for a in grammar.MONTH_ABBREVIATIONS)], key=len, reverse=True)
)

# Each pattern starts with the digit it consumes and looks behind it (see scan.py).
# "3.10.1990", "03.10.90", "3.10." — day and month as numbers.
_NUMERIC_DATE = re.compile(r"(\d(?<![\w.,]\d)\d?)\.\s?(\d{1,2})\.(?:\s?(\d{4}|\d{2})(?!\d))?(?![\d])")
# "3. Oktober 1990", "17. Juni", "3. Okt. 2024"
_WORD_DATE = re.compile(rf"(\d(?<![\w.,]\d)\d?)\.\s*({_MONTH_WORDS})(?:\s+(\d{{4}})(?!\d))?(?!\w)")
# ISO "2024-03-17"
_ISO_DATE = re.compile(r"(\d(?<![\w.,-]\d)\d{3})-(\d{2})-(\d{2})(?![\w-])")


# After a weekday the date is its apposition and takes its case: "am Freitag, dem
# achtundzwanzigsten", "bis Freitag, den achtundzwanzigsten", "Freitag, der achtundzwanzigste".
_DATIVE = frozenset("am vom zum beim ab seit von nach vor mit an".split())
_ACCUSATIVE = frozenset("bis für auf über gegen um".split())


def _apposition(before: list[str]) -> str:
    if not before or before[-1] not in WEEKDAY_NAMES:
        return ""
    prep = before[-2].lower() if len(before) >= 2 else ""
    if prep in _DATIVE:
        return "dem"
    return "den" if prep in _ACCUSATIVE else "der"


def _day(text: str, pos: int, day: int) -> str:
    # The day is an ordinal before a masculine noun (the month): "am dritten", "der dritte",
    # and with no article "dritter Oktober" (dateline style "Berlin, 3. Oktober").
    before = words_before(text, pos, 4)
    article = _apposition(before)
    if article:
        return f"{article} {ordinal(day, 'e' if article == 'der' else 'en')}"
    return ordinal(day, grammar.ordinal_ending(before, "Monat"))


def _year_words(y: str) -> str:
    n = int(y)
    if len(y) == 2:
        # "03.10.90": a two-digit year is read as written: "neunzig", "null drei" is not said;
        # anchors say "zweitausenddrei" for 03, so expand 00-29 to 20xx and the rest to 19xx.
        n += 2000 if n < 30 else 1900
    return year(n)


def _numeric_date(m: re.Match[str]) -> str:
    d, mo = int(m.group(1)), int(m.group(2))
    if not (1 <= d <= 31 and 1 <= mo <= 12):
        return m.group(0)
    # Read the month by name: "am dritten Oktober" is what anchors say for "3.10.", rather
    # than "am dritten Zehnten", and it is clearer to a listener.
    out = f"{_day(m.string, m.start(), d)} {grammar.MONTH_NAMES[mo]}"
    if m.group(3):
        out += " " + _year_words(m.group(3))
    return out


def _word_date(m: re.Match[str]) -> str:
    d = int(m.group(1))
    if not 1 <= d <= 31:
        return m.group(0)
    month = m.group(2).rstrip(".")
    month = grammar.MONTH_ABBREVIATIONS.get(month, month)
    out = f"{_day(m.string, m.start(), d)} {month}"
    if m.group(3):
        out += " " + year(int(m.group(3)))
    return out


def _iso_date(m: re.Match[str]) -> str:
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if not (1 <= d <= 31 and 1 <= mo <= 12):
        return m.group(0)
    return f"{_day(m.string, m.start(), d)} {grammar.MONTH_NAMES[mo]} {year(y)}"


# "8:45 Uhr", "8.45 Uhr", "20 Uhr", "8 bis 10 Uhr" (the first is read by numerals.py).
_CLOCK = re.compile(r"(\d(?<![\w.,:]\d)\d?)(?:[:.](\d{2}))?\s*(Uhr|h)(?!\w)")


def _hour(h: int) -> str:
    # "1 Uhr" is "ein Uhr", never "eins Uhr".
    return "ein" if h == 1 else cardinal(h)


def _clock(m: re.Match[str]) -> str:
    h = int(m.group(1))
    minutes = m.group(2)
    if h > 24 or (minutes and int(minutes) > 59):
        return m.group(0)
    if m.group(3) == "h" and not minutes:
        return m.group(0)  # "24 h" is a duration, read by the units pass
    # "8:45 Uhr" -> "acht Uhr fünfundvierzig": the news-anchor reading, not "Viertel vor neun".
    out = f"{_hour(h)} Uhr"
    if minutes and int(minutes):
        out += " " + cardinal(int(minutes))
    return out


# "1:1", "2:0", "12:30" — a colon between small numbers.
_COLON = re.compile(r"(\d(?<![\w.,:]\d)\d{0,2}):(\d{1,3})(?![\d:])")
_TIME_CUES = frozenset({"um", "gegen", "ab", "bis", "seit", "zwischen", "von", "vor", "nach"})


def _colon(m: re.Match[str]) -> str:
    a, b = int(m.group(1)), int(m.group(2))
    # After a time preposition "um 12:30" is a clock time; otherwise a colon between two
    # numbers in news is a score or a ratio: "1:1" -> "eins zu eins".
    if prev_word(m.string, m.start()).lower() in _TIME_CUES and a <= 24 and len(m.group(2)) == 2 and b < 60:
        return f"{_hour(a)} Uhr" + (f" {cardinal(b)}" if b else "")
    return f"{cardinal(a)} zu {cardinal(b)}"


# Durations: "2:02:37 Stunden" (a marathon), "1:45,3 Minuten". A time of day never has
# seconds in news copy unless "Uhr" follows, so h:mm:ss without "Uhr" is a duration; m:ss
# only with its unit (alone it is a score).
_HMS = re.compile(
    r"(\d(?<![\w.,:]\d)\d?):([0-5]\d):([0-5]\d)(?:,(\d+))?(?:\s*(?:Stunden|Std\.|h)(?!\w))?(?![\d:,]|\s*Uhr)"
)
_HMS_CLOCK = re.compile(r"(\d(?<![\w.,:]\d)\d?):([0-5]\d):([0-5]\d)\s*Uhr(?!\w)")
# After these prepositions "eine Stunde" is dative: "in einer Stunde und fünf Sekunden".
_DATIVE_DURATION = frozenset("in nach mit von seit binnen vor innerhalb".split())
_MS = re.compile(r"(\d(?<![\w.,:]\d)\d?):([0-5]\d)(?:,(\d+))?\s*(?:Minuten|Min\.|min)(?!\w)")
_DURATION_UNITS = (("Stunde", "Stunden"), ("Minute", "Minuten"), ("Sekunde", "Sekunden"))


def duration_words(hours: int, minutes: int, seconds: int, fraction: str = "", dative: bool = False) -> str:
    """(2, 2, 37) -> 'zwei Stunden, zwei Minuten und siebenunddreißig Sekunden'; parts that
    are zero are not said, and one of a unit is "eine Stunde"."""
    parts = []
    for i, (value, (one, many)) in enumerate(zip((hours, minutes, seconds), _DURATION_UNITS, strict=True)):
        if i == 2 and fraction:
            parts.append(f"{cardinal(value)} Komma {digits(fraction)} {many}")
        elif value:
            one_word = "einer" if dative and not parts else "eine"  # only the first part follows "in"
            parts.append(f"{one_word} {one}" if value == 1 else f"{cardinal(value)} {many}")
    if not parts:
        return "null Sekunden"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " und " + parts[-1]


def read_durations(text: str) -> str:
    if ":" not in text:
        return text
    text = _HMS_CLOCK.sub(
        lambda m: f"{_hour(int(m.group(1)))} Uhr {cardinal(int(m.group(2)))} und "
        + duration_words(0, 0, int(m.group(3))), text
    )
    text = _HMS.sub(lambda m: duration_words(*_hms(m, 3), dative=_after_dative(m)), text)
    return _MS.sub(lambda m: duration_words(0, *_hms(m, 2), dative=_after_dative(m)), text)


def _hms(m: re.Match[str], n: int) -> tuple:
    """The n numbers of a duration match and its fraction of a second."""
    return (*(int(m.group(i)) for i in range(1, n + 1)), m.group(n + 1) or "")


def _after_dative(m: re.Match[str]) -> bool:
    return prev_word(m.string, m.start()).lower() in _DATIVE_DURATION


def read_iso_dates(text: str) -> str:
    return _ISO_DATE.sub(_iso_date, text)


def read_dates(text: str) -> str:
    text = _NUMERIC_DATE.sub(_numeric_date, text)
    return _WORD_DATE.sub(_word_date, text)


def read_times(text: str) -> str:
    text = read_durations(text)
    text = _CLOCK.sub(_clock, text)
    return _COLON.sub(_colon, text)
