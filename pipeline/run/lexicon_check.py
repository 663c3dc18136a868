"""Does the voice understand a pronunciation entry? The text rules (pipeline/stages/speech/
lexicon_toml.py) check the TOML's shape; this checks what only the engine can tell: that an
entry's phonemes are ones it can speak. Every voice speaks ``espeak`` phonemes through espeak-ng
(neural voices turn them into IPA with it, and espeak is the fallback), so espeak-ng itself reads
the value; ``ipa`` is given to neural voices as it is, so it must be IPA and nothing else.

Called for the entries an edit adds or changes (not the whole lexicon: an old entry never blocks
an unrelated edit). Raises LexiconError naming the entry, in German (the console shows it)."""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

from pipeline.stages.speech.lexicon import Entry, LexiconError

# Stress, length-independent and boundary marks espeak may move or drop when it reads phoneme
# input ("xa'me:nEI" comes back as "xam'e:nEI"): the phonemes themselves must come back.
_MARKS = re.compile(r"[\s'`,%=_|\-]")

# IPA as neural voices take it: lowercase Latin letters, the IPA Extensions and Spacing
# Modifier Letters blocks, combining diacritics (tie bars, nasal, syllabic ...), the few IPA
# letters outside those blocks, and the marks of stress, length, syllable and pause.
_IPA_EXTRA = set("æçðøħŋœɶβθχɸεᵻᵿⁿʷ‖|.‿ ")

# How alike (difflib's ratio, 0..1) an entry's phonemes and espeak's reading of the word (or of
# its spoken text form) must at least be. A real fix changes some sounds of a word, not all:
# "Worcester" as wUst3 is 0.46 from its German reading, "Nguyen" as wIn 0.31, while a word typed
# into the phonemes field ("nonsense" for "Kreml") is 0.15. An entry that really sounds nothing
# like its spelling gives its text form in "say", which it is then compared with.
LEAST_LIKE = 0.25


def _is_ipa(ch: str) -> bool:
    code = ord(ch)
    return ("a" <= ch <= "z" or 0x0250 <= code <= 0x02FF or 0x0300 <= code <= 0x036F or 0x1D00 <= code <= 0x1D7F
            or ch in _IPA_EXTRA)


def _name(ch: str) -> str:
    return f"{ch!r} ({unicodedata.name(ch, f'U+{ord(ch):04X}')})"


def check_ipa(entry: Entry) -> None:
    wrong = sorted({ch for ch in entry.ipa if not _is_ipa(ch)})
    if wrong:
        shown = ", ".join(_name(ch) for ch in wrong[:5])
        raise LexiconError(f"Eintrag {entry.match!r}: die IPA-Lautschrift enthält Zeichen, die kein IPA sind: {shown}")


def espeak_reading(phonemes: str, lang: str = "de") -> str:
    """How espeak-ng reads ``phonemes`` as phoneme input, in its own notation ("" when it reads nothing).

    espeak_TextToPhonemes obeys the phoneme-input flag of the last synthesis (voices.engines.
    espeak_ng.synthesize's docstring): a tiny synthesis of the input with the flag on, then the
    reading, then one without it, so later text is read as text again."""
    from voices.engines import espeak_ng

    wrapped = espeak_ng.phoneme_input(phonemes)
    if not wrapped:
        return ""
    try:
        espeak_ng.synthesize(wrapped, lang, phonemes=True)
        return espeak_ng.phonemize(wrapped, lang, ipa=False).strip()
    finally:
        espeak_ng.synthesize(" ", lang, phonemes=False)


def likeness(phonemes: str, text: str, lang: str = "de") -> float:
    """How alike the sounds of ``phonemes`` (espeak notation) and of ``text`` read by espeak are."""
    from voices.engines import espeak_ng

    said = _MARKS.sub("", espeak_reading(phonemes, lang)).lower()
    written = _MARKS.sub("", espeak_ng.phonemize(text, lang, ipa=False)).lower()
    return SequenceMatcher(None, said, written).ratio()


def check_espeak(entry: Entry, lang: str = "de") -> None:
    reading = espeak_reading(entry.espeak, lang)
    if not _MARKS.sub("", reading):
        raise LexiconError(f"Eintrag {entry.match!r}: espeak-ng kann die Lautschrift {entry.espeak!r} nicht lesen "
                           "(keine bekannten Laute)")
    typed = _MARKS.sub("", entry.espeak.replace("[[", "").replace("]]", ""))
    if len(_MARKS.sub("", reading)) < len(typed):
        # Phonemes espeak does not know are dropped: the voice would say less than the editor
        # wrote. (One read as its equivalent, "r" as "R" in German, is fine.)
        raise LexiconError(f"Eintrag {entry.match!r}: espeak-ng liest {entry.espeak!r} als {reading!r}; "
                           "unbekannte Laute bitte in espeak-Schreibweise angeben")
    heard = entry.say.strip() or entry.match
    if likeness(entry.espeak, heard, lang) < LEAST_LIKE:
        raise LexiconError(
            f"Eintrag {entry.match!r}: die Lautschrift {entry.espeak!r} klingt nicht nach {heard!r} "
            "(kaum ein Laut gemeinsam). Ist das Lautschrift in espeak-Schreibweise (z. B. kre:m@l)? "
            "Klingt das Wort wirklich ganz anders, als es geschrieben wird, im Feld 'Gesprochen als' "
            "angeben, wie es klingt."
        )


def check_entry(entry: Entry, lang: str = "de") -> None:
    """LexiconError naming the entry when the voice cannot speak what it gives."""
    if entry.kind != "phonemes":
        return
    if not (entry.espeak.strip() or entry.ipa.strip()):
        raise LexiconError(f"Eintrag {entry.match!r}: Lautschrift fehlt (espeak oder IPA angeben)")
    if entry.ipa.strip():
        check_ipa(entry)
    if entry.espeak.strip():
        check_espeak(entry, lang)


def check_entries(entries: list[Entry], lang: str = "de") -> None:
    for entry in entries:
        check_entry(entry, lang)
