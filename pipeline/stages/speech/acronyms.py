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


_WORD_CHAR = r"[\w\ue000-\uf8ff]"
_ALL_CAPS = re.compile(rf"[{_CAPS}]{{2,}}")


class AcronymReader:
    """Reads a whole word that is a listed word (any case pattern, e.g. "AfD") or an unknown
    run of 2+ capitals, optionally with a plural "s" ("SUVs"), standing alone or in a hyphen
    compound ("ARD-Korrespondent")."""

    def __init__(self, lists: AcronymLists) -> None:
        self.lists = lists
        self.listed = lists.spell | lists.word
        # The regex only finds candidates fast (see scan.py): a whole word starting with two
        # capitals or with the start of a listed mixed-case word ("Af" of "AfD");
        # _base() then decides exactly.
        firsts = {w[0] for w in self.listed if w} | set("ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÜ")
        seconds = sorted({re.escape(w[1:]) for w in self.listed if not _ALL_CAPS.match(w)}, key=len, reverse=True)
        first = "[" + "".join(re.escape(c) for c in sorted(firsts)) + "]"
        rest = "|".join([f"[{_CAPS}]", *seconds])
        self.regex = re.compile(rf"{first}(?<!{_WORD_CHAR}{first})(?:{rest}){_WORD_CHAR}*")

    def _base(self, word: str) -> tuple[str, str] | None:
        """(acronym, plural "s" or "") if the whole word is one, else None."""
        if word in self.listed:
            return word, ""
        stem = word[:-1] if word.endswith("s") else None
        if stem is not None and stem in self.listed:
            return stem, "s"
        if _ALL_CAPS.fullmatch(word):
            return word, ""
        if stem is not None and _ALL_CAPS.fullmatch(stem):
            return stem, "s"
        return None

    def speak(self, word: str) -> str:
        if word in self.lists.word:
            return read_as_word(word)
        if word in self.lists.spell:
            return spell(word)
        if len(word) <= SPELL_MAX_LETTERS:
            return spell(word)
        return read_as_word(word)

    def _replace(self, m: re.Match[str]) -> str:
        found = self._base(m.group(0))
        if found is None:
            return m.group(0)
        return self.speak(found[0]) + found[1]

    def __call__(self, text: str) -> str:
        return self.regex.sub(self._replace, text)


@lru_cache(maxsize=1)
def reader() -> AcronymReader:
    return AcronymReader(load())


def read_acronyms(text: str) -> str:
    return reader()(text)
