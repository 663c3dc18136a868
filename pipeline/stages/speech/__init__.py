"""The speech stage: German article text -> speakable segments (a Script).

    script = to_script(article, lexicon=load_lexicon())
    segments = normalize("Am 3.10.1990 ...", lexicon=load_lexicon())

Modules, one job each: numbers (number words), numerals (numbers in text), dates, quantities
(money, percent, units, §), roman, abbreviations, acronyms, letters (spelling), symbols,
lexicon, segment (sentences and chunks), normalize (rule order), script (Article -> Script).
"""

from .lexicon import Entry, Lexicon, LexiconError, load_lexicon, parse_lexicon
from .normalize import normalize, speakable
from .script import to_script

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
