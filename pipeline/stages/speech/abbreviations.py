"""Expand written abbreviations ("z.B.", "bzw.", "Nr.") from the data file."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from . import grammar
from .context import next_word, words_before

DATA = Path(__file__).with_name("data") / "abbreviations.tsv"


@dataclass(frozen=True)
class Abbreviation:
    written: str
    spoken: str
    number_only: bool = False
    may_end_sentence: bool = False
    # An adjective ("sog.", "ehem.", "dt."): ``spoken`` is its stem, the ending comes from
    # the determiner in front ("der ehemalige", "des ehemaligen", "ein ehemaliger").
    adjective: bool = False
    # Said the same when capitalised at a sentence's start ("Lt. Polizei" = "Laut Polizei");
    # off where the capitalised form is something else ("Max." is a name).
    capitalised: bool = True


def parse(text: str) -> list[Abbreviation]:
    out = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        flags = set(cols[2].split(",")) if len(cols) > 2 else set()
        written, spoken = cols[0].strip(), cols[1].strip()
        out.append(Abbreviation(written, spoken, "number" in flags, "end" in flags, "adj" in flags,
                                "nocap" not in flags))
    return _with_capitals(out)


def _with_capitals(items: list[Abbreviation]) -> list[Abbreviation]:
    """Add the capitalised form of lower-case abbreviations (a sentence may open with one)
    unless the table already says what that form means. Single letters stay out: "S." and
    "V." are initials and numerals."""
    known = {a.written for a in items}
    extra = []
    for a in items:
        if not a.capitalised or not a.written[0].islower() or len(re.sub(r"[\s.]", "", a.written)) < 2:
            continue
        written = a.written[0].upper() + a.written[1:]
        if written not in known:
            extra.append(Abbreviation(written, a.spoken[0].upper() + a.spoken[1:], a.number_only,
                                      a.may_end_sentence, a.adjective))
    return items + extra


@lru_cache(maxsize=1)
def load() -> tuple[Abbreviation, ...]:
    return tuple(parse(DATA.read_text(encoding="utf-8")))


def _atoms(written: str) -> list[str]:
    """Regex atoms of one abbreviation: "z. B." matches "z.B.", "z. B." and "z. B." with a
    no-break space, so a space becomes an optional space."""
    return [r"\s?" if c == " " else re.escape(c) for c in written]


def _trie_pattern(items: list[str]) -> str:
    """One pattern for all abbreviations, factored into a trie: re tries a handful of first
    letters at each position instead of every abbreviation, and the longest wins ("u. a. m."
    over "u. a.") because each continuation is tried before the shorter ending."""
    trie: dict = {}
    for written in items:
        node = trie
        for atom in _atoms(written):
            node = node.setdefault(atom, {})
        node[""] = {}

    def build(node: dict) -> str:
        alts = [atom + build(child) for atom, child in node.items() if atom]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(trie)


class Expander:
    """One regex for all abbreviations; the longest match wins."""

    def __init__(self, items: tuple[Abbreviation, ...]) -> None:
        self.by_key = {re.sub(r"\s", "", a.written): a for a in items}
        body = _trie_pattern([a.written for a in items])
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
        if abbr.adjective:
            spoken += _adjective_ending(text, m.start("abbr"), m.end())
        elif abbr.written == "S." and _in_citation(text, m.start("abbr")):
            spoken = "Satz"  # "Art. 2 Abs. 2 S. 1 GG": in a citation of law "S." is a sentence
        # The dot of an abbreviation at the end of a line (or, for "usw."-like ones, before a
        # capital letter) doubled as the sentence's full stop: keep it as one.
        if self._line_end.match(text, m.end()) or (
            abbr.may_end_sentence and self._capital_next.match(text, m.end())
        ):
            spoken += "."
        return before + spoken

    def __call__(self, text: str) -> str:
        return self.regex.sub(self._replace, " " + text)[1:]


_CITATION = re.compile(r"(?:Abs\.|Absatz|Art\.|Artikel|§|Paragraf)\s*\d+\w?\s*$")


def _in_citation(text: str, pos: int) -> bool:
    return _CITATION.search(text, max(0, pos - 30), pos) is not None


_EN_AFTER = frozenset("den dem des einem einen eines einer".split())
_MIXED = frozenset("ein kein sein mein dein unser euer".split())


def _adjective_ending(text: str, pos: int, end: int) -> str:
    # An abbreviated adjective stands for every form; after dative/genitive determiners the
    # weak ending is -en, after "ein" the noun's gender shows ("ein ehemaliger Minister"),
    # otherwise -e (also the plural without article: "sog. Experten").
    before = words_before(text, pos, 1)
    low = before[0].lower() if before else ""
    if low in _EN_AFTER:
        return "en"
    if low == "der":
        # "der ehemalige Minister", but "in der sogenannten Zone" (dative feminine).
        noun = next_word(text, end)
        return "en" if grammar.gender(noun) == "f" or grammar.is_plural(noun) else "e"
    if low in _MIXED:
        return grammar.strong_ending(next_word(text, end))
    return "e"


@lru_cache(maxsize=1)
def expander() -> Expander:
    return Expander(load())


def expand(text: str) -> str:
    return expander()(text)
