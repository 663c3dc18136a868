"""Written German -> speakable German: the order in which the rules run.

The order matters: each rule runs on what earlier ones left. Whole expressions go before
their parts (a date before its ordinal, "5 Mio. €" before "5"), and anything that consumes
a full stop runs before sentences are cut.
"""

from __future__ import annotations

import re

from . import (
    abbreviations,
    acronyms,
    agencies,
    calendar,
    dates,
    file_numbers,
    foreign,
    fractions,
    initials,
    marks,
    number_words,
    numerals,
    quantities,
    roman,
    segment,
    symbols,
)
from .lexicon import Lexicon, default_lexicon
from .protect import Vault, strip_private

DEFAULT_MAX_CHARS = 300
_DIGIT = re.compile(r"\d")


def speakable(text: str, lexicon: Lexicon | None = None, *, foreign_spans: bool = True) -> str:
    """Normalise ``text`` without cutting it: line breaks are kept as written."""
    return marks.strip(speakable_marked(text, lexicon, foreign_spans=foreign_spans))


def speakable_marked(text: str, lexicon: Lexicon | None = None, *, foreign_spans: bool = True) -> str:
    """:func:`speakable`, with each phoneme entry's spoken text and each span in another
    language (foreign.py; ``foreign_spans=False`` finds none) between marks (marks.py)."""
    text = symbols.clean_whitespace(strip_private(text))
    text = symbols.read_addresses(text)
    # Before the lexicon and the acronyms: "(dpa)" is dropped, not spelled.
    text = agencies.drop_agency_codes(text)
    vault = Vault()
    if lexicon is not None:
        text = lexicon.apply(text, vault)
    # After the lexicon (its language entries decide first, "de" ones keep words German) and
    # before every German rule, which must not respell "Group of Death" or "Les Bleus".
    if foreign_spans:
        text = foreign.mark_spans(text, vault)
    text = symbols.drop_quotes_and_emoji(text)
    text = roman.read_regnal(text)
    text = calendar.read_calendar_abbreviations(text)
    # Before the fractions: "Az. 2 BvR 1/22" is a name, not "ein Zweiundzwanzigstel".
    text = file_numbers.read_file_numbers(text)
    # Before every number pass: "1 1/2" must not be read as "eins" and "eins zwei".
    text = fractions.read_fractions(text)
    # Most paragraphs hold no digit at all; the number rules are then skipped (speed only).
    has_digits = _DIGIT.search(text) is not None
    if has_digits:
        text = dates.read_iso_dates(text)
        text = numerals.read_ranges(text)
        text = dates.read_dates(text)
        text = dates.read_times(text)
        text = quantities.read_quantities(text)
        text = numerals.read_decades(text)
    text = abbreviations.expand(text)
    if has_digits:
        text = symbols.split_letters_and_digits(text)
        text = numerals.read_ordinals(text)
        text = numerals.read_numbers(text)
    text = initials.read_single_letters(text)
    text = acronyms.read_acronyms(text)
    text = symbols.pauses(text)
    text = symbols.read_signs(text)
    # Written "vierzig" as well as the number words: the voices' long [iː] (number_words.py).
    text = number_words.short_vier(text)
    # The lexicon's output is final for every rule but the last resort: not even an editor's
    # entry may hand a voice a bare digit or sign.
    text = vault.restore(text)
    text = symbols.leftovers(text)
    return symbols.tidy(text)


def paragraphs(text: str) -> list[str]:
    """Blank lines separate paragraphs; a single line break does too (extractors emit both)."""
    return [p.strip() for p in text.splitlines() if p.strip()]


def normalize(
    text: str, *, lexicon: Lexicon | None = None, max_chars: int = DEFAULT_MAX_CHARS, foreign_spans: bool = True
) -> list[str]:
    """German text -> speakable segments (one sentence or clause chunk each).

    ``lexicon=None`` uses the bundled lexicon; pass ``Lexicon()`` for none.
    """
    if max_chars < 1:
        raise ValueError("max_chars must be positive")
    if lexicon is None:
        lexicon = default_lexicon()
    out: list[str] = []
    for para in paragraphs(speakable(text, lexicon, foreign_spans=foreign_spans)):
        for chunks in segment.split(para, max_chars):
            out.extend(chunks)
    return out
