"""Telephone numbers: "0800 111 0 111" and the emergency and service numbers 110, 112, 116 117.

A phone number is dialled, not counted: a newsreader says it digit by digit, group by group
with a short pause ("null acht null null, eins eins eins, ..."), and the emergency numbers as
"eins eins null" and "eins eins zwei". Read as quantities they become "hundertzehn" or, once
the DIN 5008 grouping pass has joined "123 456", "hundertdreiundzwanzigtausend...".
"""

from __future__ import annotations

import re

from .number_words import digits

# A number that starts with 0 (an area or service code) and has further groups after spaces,
# slashes or hyphens. Starts with the 0 it consumes and looks behind it (see scan.py).
_GROUPED = re.compile(r"0(?<![\w.,]0)\d{2,5}(?:(?:[ \u00a0]?[/-][ \u00a0]?|[ \u00a0])\d{1,8})+(?![\d,])")
_GROUP = re.compile(r"\d+")

# Emergency and service numbers said digit by digit where the sentence is about calling.
SERVICE_NUMBERS = frozenset({"110", "112", "115", "116116", "116117", "19222"})
_CALL_CUES = re.compile(
    r"notruf|polizei|feuerwehr|rettung|notarzt|rufnummer|nummer|hotline|telefon|wähl|anruf|anzuruf|"
    r"rufen|ruft|erreichbar|bereitschaftsdienst|ärztlich",
    re.IGNORECASE,
)
WINDOW = 80


def group_words(number: str) -> str:
    """'0800 123 456' -> 'null acht null null, eins zwei drei, vier fünf sechs'."""
    return ", ".join(digits(g) for g in _GROUP.findall(number))


def read_phone_numbers(text: str) -> str:
    """Grouped numbers with a leading 0; run before the digit-grouping pass joins them."""
    if "0" not in text:
        return text
    return _GROUPED.sub(lambda m: group_words(m.group(0)), text)


def is_service_number(token: str, text: str, start: int, end: int, noun: str) -> bool:
    """``token`` (at text[start:end]) is an emergency or service number to be dialled: one of
    the known numbers, not counting a noun ("110 Menschen"), in a sentence about calling."""
    if token not in SERVICE_NUMBERS or noun[:1].isupper():
        return False
    return _CALL_CUES.search(text, max(0, start - WINDOW), min(len(text), end + WINDOW)) is not None


def service_words(token: str) -> str:
    """'110' -> 'eins eins null'; '116117' -> 'eins eins sechs, eins eins sieben'."""
    if len(token) == 6:
        return f"{digits(token[:3])}, {digits(token[3:])}"
    return digits(token)
