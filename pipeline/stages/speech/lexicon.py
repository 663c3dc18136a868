"""The editors' pronunciation lexicon (voices/lexicon/de.toml).

Entries say how one word or phrase is spoken. They apply to the cleaned article text before
any other rule, and their output is final. The lexicon's version is a hash of its entries
(not of the file: a new comment changes nothing a listener hears), and every Script records
the version it was made with, so a changed entry can find the articles to regenerate.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path

from . import languages, marks
from .acronyms import read_as_word
from .letters import spell
from .protect import Vault

DEFAULT_PATH = Path(__file__).resolve().parents[3] / "voices" / "lexicon" / "de.toml"
KINDS = ("substitute", "spell", "word", "phonemes", "language")
# Letters, digits and private-use placeholders continue a word; a hyphen does not, so a
# whole-word "Schoigu" also matches in "Schoigu-Nachfolger".
_WORD_CHAR = r"[\w\ue000-\uf8ff]"
_START = rf"(?<!{_WORD_CHAR})"
_STOP = rf"(?!{_WORD_CHAR})"
# Every character that is not ASCII: the possible first characters of a case-insensitive
# entry include non-ASCII case variants ("K" Kelvin for "k", "ſ" for "s").
_NON_ASCII = "\u0080-\U0010ffff"


class LexiconError(ValueError):
    pass


@dataclass(frozen=True)
class Entry:
    match: str
    kind: str = "substitute"
    say: str = ""
    espeak: str = ""  # espeak phoneme input, e.g. "[[xa'me:nEI]]"
    ipa: str = ""
    case_sensitive: bool = True
    whole_word: bool = True
    # kind "language": the language the match is spoken in ("en"; "de" keeps it German, even
    # where foreign.py would hear another language). One of languages.CODES.
    lang: str = ""
    note: str = field(default="", compare=False)  # an editor's remark; not part of the version

    def __post_init__(self) -> None:
        if not self.match.strip():
            raise LexiconError("an entry needs a non-empty 'match'")
        if self.kind not in KINDS:
            raise LexiconError(f"{self.match!r}: unknown type {self.kind!r} (one of {', '.join(KINDS)})")
        if self.kind == "substitute" and not self.say:
            raise LexiconError(f"{self.match!r}: a substitute entry needs 'say'")
        if self.kind == "language":
            if not self.lang:
                known = ", ".join(languages.CODES)
                raise LexiconError(f"{self.match!r}: a language entry needs 'lang' (one of {known})")
            try:
                object.__setattr__(self, "lang", languages.check(self.lang))
            except ValueError as exc:
                raise LexiconError(f"{self.match!r}: {exc}") from None
        elif self.lang:
            raise LexiconError(f"{self.match!r}: 'lang' belongs to a language entry, not to type {self.kind!r}")

    @property
    def spoken(self) -> str:
        """The text form every voice can read."""
        if self.kind == "spell":
            return spell(self.say or self.match)
        if self.kind == "word":
            return self.say or read_as_word(self.match)
        # substitute, language (the words as written); phonemes fall back to "say" (or the word
        # itself) for text-only voices
        return self.say or self.match

    @property
    def has_phonemes(self) -> bool:
        """A phoneme entry that gives phonemes (one with neither is only its text form)."""
        return self.kind == "phonemes" and bool(self.espeak or self.ipa)

    @property
    def foreign(self) -> bool:
        """A language entry for a language other than German: its span is marked with it."""
        return self.kind == "language" and self.lang != languages.GERMAN

    @cached_property
    def core(self) -> str:
        body = re.escape(self.match)
        return body if self.case_sensitive else f"(?i:{body})"

    def split_core(self) -> tuple[str, str]:
        """``core`` as (its first character, the rest), each with the entry's case rule."""
        first, rest = re.escape(self.match[0]), re.escape(self.match[1:])
        if self.case_sensitive:
            return first, rest
        return f"(?i:{first})", f"(?i:{rest})" if rest else ""

    def first_chars(self) -> str:
        """A character-class body holding every character a match can start with."""
        if self.case_sensitive:
            return re.escape(self.match[0])
        first = re.compile(f"(?i:{re.escape(self.match[0])})")
        ascii_forms = [chr(i) for i in range(128) if first.fullmatch(chr(i))]
        return "".join(re.escape(c) for c in ascii_forms) + _NON_ASCII

    @cached_property
    def pattern(self) -> str:
        return f"{_START}{self.core}{_STOP}" if self.whole_word else self.core

    @cached_property
    def _regex(self) -> re.Pattern[str]:
        return re.compile(self.pattern)

    def matches(self, text: str) -> bool:
        """Does this entry change how ``text`` (cleaned, not yet normalised) is spoken?"""
        return self._regex.search(text) is not None

    def key(self) -> dict[str, object]:
        data = asdict(self)
        data.pop("note")
        if not self.lang:
            data.pop("lang")  # entries of the other kinds keep the key (and version) they had
        return data


class Lexicon:
    def __init__(self, entries: list[Entry] | tuple[Entry, ...] = ()) -> None:
        self.entries = tuple(entries)
        # Longest first: "Institute for the Study of War" wins over "War".
        ordered = sorted(self.entries, key=lambda e: -len(e.match))
        self._by_group = {f"e{i}": e for i, e in enumerate(ordered)}
        # What each entry's match becomes; phoneme entries are wrapped in marks naming the
        # entry (its index in ``entries``) so script.py can find their span later.
        self._output = {f"e{i}": self._output_for(e) for i, e in enumerate(ordered)}
        self._regex = _compile(ordered)

    def _output_for(self, entry: Entry) -> str:
        if entry.foreign:
            return marks.wrap_language(entry.lang, entry.spoken.strip())
        if not entry.has_phonemes:
            return entry.spoken
        # Spaces at the ends would sit outside the words after tidying; keep them out.
        return marks.wrap(self.entries.index(entry), entry.spoken.strip())

    def entry_at(self, index: int) -> Entry:
        """The entry a phoneme mark names."""
        return self.entries[index]

    @cached_property
    def version(self) -> str:
        """A hash of the entries; order and notes do not count."""
        canon = sorted(json.dumps(e.key(), sort_keys=True, ensure_ascii=False) for e in self.entries)
        return hashlib.sha256("\n".join(canon).encode("utf-8")).hexdigest()[:16]

    def changed_entries(self, other: Lexicon) -> list[Entry]:
        """Entries added, removed or changed between ``other`` and this lexicon.

        A changed entry appears in both its old and its new form, so that together their
        ``matches`` find every text whose speech may differ.
        """
        mine = {json.dumps(e.key(), sort_keys=True): e for e in self.entries}
        theirs = {json.dumps(e.key(), sort_keys=True): e for e in other.entries}
        return [mine[k] for k in sorted(mine.keys() - theirs.keys())] + [
            theirs[k] for k in sorted(theirs.keys() - mine.keys())
        ]

    def matching(self, text: str) -> list[Entry]:
        return [e for e in self.entries if e.matches(text)]

    def phonemes(self, word: str) -> Entry | None:
        """The phoneme entry for a word, for voices that take espeak or IPA input."""
        for e in self.entries:
            if e.kind == "phonemes" and e.matches(word):
                return e
        return None

    def apply(self, text: str, vault: Vault) -> str:
        """Replace every match by its spoken form, locked in ``vault`` against later rules.

        A phoneme entry's spoken form comes back between marks (see marks.py); callers that
        want plain text strip them.
        """
        if self._regex is None:
            return text
        return self._regex.sub(lambda m: vault.put(self._output[m.lastgroup]), text)

    def __len__(self) -> int:
        return len(self.entries)

    def __repr__(self) -> str:
        return f"Lexicon({len(self.entries)} entries, version {self.version})"


def _compile(ordered: list[Entry]) -> re.Pattern[str] | None:
    """One regex for all entries; the empty group ``e<i>`` after an entry names it.

    Same matches as ``_START(?:e0|e1|...)_STOP | part0|part1|...`` (whole-word entries
    first, each list longest first), but written to start with a character class of the
    entries' first characters so re skips every other position fast (see scan.py). Each
    branch checks the consumed first character with a lookbehind, then reads the rest.
    """
    if not ordered:
        return None

    def branch(i: int, e: Entry) -> str:
        first, rest = e.split_core()
        return f"(?<={first}){rest}(?P<e{i}>)"

    whole = "|".join(branch(i, e) for i, e in enumerate(ordered) if e.whole_word)
    part = "|".join(branch(i, e) for i, e in enumerate(ordered) if not e.whole_word)
    alts = [f"(?<!{_WORD_CHAR}(?s:.))(?:{whole}){_STOP}"] if whole else []
    alts += [part] if part else []
    firsts = "".join(sorted({e.first_chars() for e in ordered}))
    return re.compile(f"[{firsts}](?:{'|'.join(alts)})")


def parse_lexicon(text: str) -> Lexicon:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LexiconError(f"lexicon is not valid TOML: {exc}") from exc
    entries = []
    for raw in data.get("entry", []):
        raw = dict(raw)
        if "type" in raw:
            raw["kind"] = raw.pop("type")
        unknown = set(raw) - {"match", "kind", "say", "espeak", "ipa", "case_sensitive", "whole_word", "lang", "note"}
        if unknown:
            raise LexiconError(f"{raw.get('match')!r}: unknown keys {sorted(unknown)}")
        entries.append(Entry(**raw))
    return Lexicon(entries)


def load_lexicon(path: Path | str | None = None) -> Lexicon:
    """Load a lexicon file; ``None`` loads the bundled voices/lexicon/de.toml."""
    p = Path(path) if path is not None else DEFAULT_PATH
    return parse_lexicon(p.read_text(encoding="utf-8"))


_default: Lexicon | None = None


def default_lexicon() -> Lexicon:
    """The bundled lexicon, loaded once per process."""
    global _default
    if _default is None:
        _default = load_lexicon()
    return _default
