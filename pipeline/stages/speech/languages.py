"""The languages a span of German news text may be spoken in (issue 21).

Codes are ISO 639-1 (plus "en-gb" for British English); every one is an espeak-ng voice, so
every voice that phonemises with espeak-ng can speak a span in it (voices/engines/espeak_ng.py
maps a code to the espeak voice). Latin-script languages only: German news writes names from
other scripts transliterated, and a German reading of the transliteration is the right one.
"""

from __future__ import annotations

GERMAN = "de"

LANGUAGES: dict[str, str] = {
    "de": "Deutsch",
    "en": "Englisch",
    "en-gb": "Englisch (britisch)",
    "fr": "Französisch",
    "es": "Spanisch",
    "it": "Italienisch",
    "pt": "Portugiesisch",
    "nl": "Niederländisch",
    "pl": "Polnisch",
    "cs": "Tschechisch",
    "sk": "Slowakisch",
    "sl": "Slowenisch",
    "hr": "Kroatisch",
    "sr": "Serbisch",
    "bs": "Bosnisch",
    "hu": "Ungarisch",
    "ro": "Rumänisch",
    "tr": "Türkisch",
    "sv": "Schwedisch",
    "da": "Dänisch",
    "nb": "Norwegisch",
    "fi": "Finnisch",
}
# A fixed order: a language's mark (marks.py) is its place here, so never reorder, only append.
CODES: tuple[str, ...] = tuple(LANGUAGES)


def check(code: str) -> str:
    """``code`` normalised ("EN" -> "en"); ValueError naming the known codes when unknown."""
    norm = code.strip().lower().replace("_", "-")
    if norm not in LANGUAGES:
        raise ValueError(f"unknown language {code!r} (one of {', '.join(CODES)})")
    return norm
