"""Spell a word as German letter names that every voice reads as letters.

"ARD" becomes "Ah-Err-Deh". A bare "A R D" works for espeak but neural voices read single
capitals unpredictably ("A" as the article "a", "D" as nothing); the letter names written as
ordinary German syllables are read the same by all of them. The hyphens keep the spelled
word one word for segmentation and give the short, even rhythm of spelling.
tests/voices/test_speech_espeak.py proves espeak reads each name as the letter's name.
"""

from __future__ import annotations

LETTER_NAMES = {
    "A": "Ah", "B": "Beh", "C": "Zeh", "D": "Deh", "E": "Eh", "F": "Eff", "G": "Geh",
    "H": "Hah", "I": "Ih", "J": "Jott", "K": "Kah", "L": "Ell", "M": "Emm", "N": "Enn",
    "O": "Oh", "P": "Peh", "Q": "Kuh", "R": "Err", "S": "Ess", "T": "Teh", "U": "Uh",
    "V": "Fau", "W": "Weh", "X": "Ix", "Y": "Ypsilon", "Z": "Zett", "Ä": "Äh", "Ö": "Öh",
    "Ü": "Üh",
}


def spell(word: str) -> str:
    """'ARD' -> 'Ah-Err-Deh', 'AfD' -> 'Ah-Eff-Deh'. Letters without a name are skipped."""
    names = [LETTER_NAMES[c] for c in word.upper() if c in LETTER_NAMES]
    return "-".join(names)
