"""The speech stage: German article text -> speakable segments (a Script).

    script = to_script(article, lexicon=load_lexicon())
    segments = normalize("Am 3.10.1990 ...", lexicon=load_lexicon())

Modules, one job each: numbers (number words), numerals (numbers in text), dates, quantities
(money, percent, units, §), roman, abbreviations, acronyms, letters (spelling), symbols,
lexicon, segment (sentences and chunks), normalize (rule order), script (Article -> Script).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.lazy import lazy_exports

from .lexicon import Entry, Lexicon, LexiconError, load_lexicon, parse_lexicon

if TYPE_CHECKING:
    from .normalize import normalize, speakable
    from .script import to_script

# The rules (number words of every language num2words has, dates, units ...) load with their
# first use: the web process reads the lexicon on every console page but speaks text only on
# an article's page.
lazy_exports(__name__, {"normalize": "normalize", "speakable": "normalize", "to_script": "script"})

__all__ = [
    "Entry",
    "Lexicon",
    "LexiconError",
    "load_lexicon",
    "normalize",
    "parse_lexicon",
    "speakable",
    "to_script",
]
