"""All-caps words: spell them ("ARD" -> "Ah-Err-Deh") or read them as a word ("NATO" -> "Nato")."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .letters import spell

DATA = Path(__file__).with_name("data") / "acronyms.toml"
# Up to this many letters an unknown all-caps word is an acronym and spelled ("ISW", "BSW");
# longer ones are words set in capitals ("ACHTUNG", "IMAGO") and read as words.
SPELL_MAX_LETTERS = 4

_CAPS = "A-ZÄÖÜ"


@dataclass(frozen=True)
class AcronymLists:
    spell: frozenset[str]
    word: frozenset[str]


@lru_cache(maxsize=1)
def load() -> AcronymLists:
    data = tomllib.loads(DATA.read_text(encoding="utf-8"))
    return AcronymLists(frozenset(data.get("spell", [])), frozenset(data.get("word", [])))


def read_as_word(word: str) -> str:
    # Title case: "Nato", "Unesco" - how German papers write them, and no voice spells it.
    return word[:1].upper() + word[1:].lower()


class AcronymReader:
    def __init__(self, lists: AcronymLists) -> None:
        self.lists = lists
        listed = sorted(lists.spell | lists.word, key=len, reverse=True)
        listed_alt = "|".join(re.escape(w) for w in listed)
        # A listed word (any case pattern, e.g. "AfD") or an unknown run of 2+ capitals,
        # optionally with a plural "s" ("SUVs"), standing alone or in a hyphen compound.
        self.regex = re.compile(
            rf"(?<![\w\ue000-\uf8ff])(?:(?P<listed>{listed_alt})|(?P<caps>[{_CAPS}]{{2,}}))"
            rf"(?P<plural>s)?(?![\w\ue000-\uf8ff])"
        )

    def speak(self, word: str) -> str:
        if word in self.lists.word:
            return read_as_word(word)
        if word in self.lists.spell:
            return spell(word)
        if len(word) <= SPELL_MAX_LETTERS:
            return spell(word)
        return read_as_word(word)

    def _replace(self, m: re.Match[str]) -> str:
        word = m.group("listed") or m.group("caps")
        spoken = self.speak(word)
        if m.group("plural"):
            spoken += "s"
        return spoken

    def __call__(self, text: str) -> str:
        return self.regex.sub(self._replace, text)


@lru_cache(maxsize=1)
def reader() -> AcronymReader:
    return AcronymReader(load())


def read_acronyms(text: str) -> str:
    return reader()(text)
