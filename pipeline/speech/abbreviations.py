"""Expand written abbreviations ("z.B.", "bzw.", "Nr.") from the data file."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .context import words_before

DATA = Path(__file__).with_name("data") / "abbreviations.tsv"


@dataclass(frozen=True)
class Abbreviation:
    written: str
    spoken: str
    number_only: bool = False
    may_end_sentence: bool = False


def parse(text: str) -> list[Abbreviation]:
    out = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        flags = set(cols[2].split(",")) if len(cols) > 2 else set()
        out.append(Abbreviation(cols[0].strip(), cols[1].strip(), "number" in flags, "end" in flags))
    return out


@lru_cache(maxsize=1)
def load() -> tuple[Abbreviation, ...]:
    return tuple(parse(DATA.read_text(encoding="utf-8")))


def _pattern(written: str) -> tuple[str, str]:
    """(first character, pattern of the rest): "z. B." matches "z.B.", "z. B." and "z. B."
    with a no-break space."""
    parts = [re.escape(p) for p in written.split()]
    return written[0], r"\s?".join(parts)[len(re.escape(written[0])) :]


class Expander:
    """One regex for all abbreviations; longest first so "u. a. m." wins over "u. a."."""

    def __init__(self, items: tuple[Abbreviation, ...]) -> None:
        self.by_key = {re.sub(r"\s", "", a.written): a for a in items}
        alts = sorted(items, key=lambda a: -len(a.written))
        body = "|".join(f"{re.escape(first)}{rest}" for first, rest in (_pattern(a.written) for a in alts))
        # Not glued to a preceding letter ("Chr." inside "Christ." must not match), and the
        # abbreviation's last dot is followed by a space, punctuation or the end.
        # The pattern consumes the character before the abbreviation (the text gets a
        # leading space so one is always there): re then only stops at spaces and
        # punctuation, not at every letter as a pattern starting with a lookbehind would.
        self.regex = re.compile(rf"[^\w.](?P<abbr>{body})(?=[\s,;:)\]!?]|$)")
        self._after_number = re.compile(r"\s*[-−]?\d")
        self._capital_next = re.compile(r"\s+[„\"(]?[A-ZÄÖÜ]")
        self._line_end = re.compile(r"[ \t]*(?:\n|$)")

    def _replace(self, m: re.Match[str]) -> str:
        text = m.string
        before, written = m.group(0)[0], m.group("abbr")
        abbr = self.by_key[re.sub(r"\s", "", written)]
        if abbr.number_only and not self._after_number.match(text, m.end()):
            return m.group(0)
        spoken = abbr.spoken
        if abbr.written == "sog.":
            spoken = _sogenannt(text, m.start("abbr"))
        # The dot of an abbreviation at the end of a line (or, for "usw."-like ones, before a
        # capital letter) doubled as the sentence's full stop: keep it as one.
        if self._line_end.match(text, m.end()) or (
            abbr.may_end_sentence and self._capital_next.match(text, m.end())
        ):
            spoken += "."
        return before + spoken

    def __call__(self, text: str) -> str:
        return self.regex.sub(self._replace, " " + text)[1:]


def _sogenannt(text: str, pos: int) -> str:
    # "sog." stands for every form of "sogenannt"; after dative/genitive/plural determiners
    # the weak ending is -en, otherwise -e. Plural without article ("sog. Experten") is -e.
    before = words_before(text, pos, 1)
    if before and before[0].lower() in {"den", "dem", "des", "der", "einem", "einen", "eines", "einer"}:
        return "sogenannten"
    return "sogenannte"


@lru_cache(maxsize=1)
def expander() -> Expander:
    return Expander(load())


def expand(text: str) -> str:
    return expander()(text)
