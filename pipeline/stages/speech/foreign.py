"""Spans of German news text in another language: "Institute for the Study of War", "Les
Bleus", "Nikola Jokić". A German voice reads them with German spelling rules; marked with
their language (marks.wrap_language), they reach the voices as Pronunciations with ``lang``,
and every voice that phonemises with espeak-ng speaks them with that language's rules.

Two steps, because a language identifier alone hears English in "Team" and Polish in "Handy":

1. Candidates, by shape only: runs of capitalised words (names, titles), with the function
   words of English, French, Spanish, Italian or Portuguese inside ("of the", "de", "del");
   quoted phrases; and any capitalised word written with letters German does not use (ć, š,
   é, ñ ...). A word that looks German (ä ö ü ß, "sch", -ung, a German function word) ends a
   run, so sentence starts ("Am Montag"), names of German things ("Deutsche Bahn") and single
   anglicisms ("Handy", "Team", "Manager") are never candidates.
2. Language, by lingua on the candidate (restricted to de/en/fr/es/it, or, for letters German
   does not use, to the languages that write them). A candidate stays German unless the
   identifier is sure enough (MIN_CONFIDENCE).

Pure text in, spans out: no voice, no espeak. lingua's models load once per process, when a
text first has a candidate (measured: about 5 s and 180 MB for the five high-accuracy ones
on this 2-core machine under load; py3langid took 3 s and 120 MB but found 16 of 35 titles
where lingua finds 27, see MIN_CONFIDENCE).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from . import abbreviations, languages, marks
from .protect import Vault

# How sure lingua must be (its confidences sum to 1 over the allowed languages). Measured on
# 35 foreign names and titles and 47 German ones (tests/stages/test_speech_foreign.py holds
# some): among de/en/fr/es/it with lingua's high-accuracy models, 0.5 finds 27 of the 35 and
# none of the German (0.4: 31, but "Nancy Faeser" and "Team Manager" turn English); py3langid
# found 16 at best without a German one. Personal names ("Donald Trump") are beyond any
# identifier: the lexicon's language entries are for them.
MIN_CONFIDENCE = 0.5
# A run with a foreign function word in it ("Group of Death", "Tour de France") is already half
# the evidence; one written with letters only a few languages use picks among those.
MIN_CONFIDENCE_WITH_CONNECTOR = 0.4
MIN_CONFIDENCE_LETTERS = 0.4  # weak letters only; a strong one is evidence enough
# A run's first word is dropped when it alone is this surely German ("Partei" 0.87, "Berliner"
# 0.70, "Sprecherin" 0.84; foreign heads stay under it: "Nikola" 0.25, "White" en).
MIN_CONFIDENCE_GERMAN_HEAD = 0.45
# The languages a run of plain Latin letters is identified among: the ones German news quotes.
DETECTED = ("de", "en", "fr", "es", "it")
# Runs longer than this are cut: a headline in title case is not one name.
MAX_RUN_WORDS = 8

# Function words that join the capitalised words of a foreign name, per language; not the
# ones that are German words too ("des", "das", "in": "Das Handy des Managers").
CONNECTORS: dict[str, frozenset[str]] = {
    "en": frozenset({"of", "the", "for", "and", "on", "at", "to", "from", "with"}),
    "fr": frozenset({"de", "du", "la", "le", "les", "et", "d", "l", "sur", "aux"}),
    "es": frozenset({"de", "del", "la", "el", "los", "las", "y"}),
    "it": frozenset({"di", "del", "della", "delle", "degli", "da", "dei"}),
    "pt": frozenset({"do", "da", "dos", "de"}),
}
_ALL_CONNECTORS = frozenset().union(*CONNECTORS.values())

# Letters German does not write, and the languages (of languages.CODES) that write them.
# Strong ones name a few languages: a single name with one is a candidate ("Jokić"). Weak ones
# (é, à, ç ...) are common in names Germans say the German way ("René", "Café"): only a run of
# two or more words with one is.
_STRONG: dict[str, frozenset[str]] = {}
_WEAK: dict[str, frozenset[str]] = {}


def _letters(table: dict[str, frozenset[str]], chars: str, *codes: str) -> None:
    for ch in chars:
        table[ch] = table.get(ch, frozenset()) | frozenset(codes)


_letters(_STRONG, "ćđ", "hr", "sr", "bs")
_letters(_STRONG, "ć", "pl")
_letters(_STRONG, "čšž", "hr", "sr", "bs", "cs", "sk", "sl")
_letters(_STRONG, "řěů", "cs")
_letters(_STRONG, "ťďň", "cs", "sk")
_letters(_STRONG, "ľĺŕ", "sk")
_letters(_STRONG, "łńśźżąę", "pl")
_letters(_STRONG, "ñ", "es")
_letters(_STRONG, "őű", "hu")
_letters(_STRONG, "ășțşţ", "ro")
_letters(_STRONG, "ğış", "tr")
_letters(_STRONG, "æø", "da", "nb")
_letters(_STRONG, "å", "da", "nb", "sv", "fi")
_letters(_STRONG, "ãõ", "pt")
_letters(_WEAK, "éèêëàâîïôûùçœ", "fr")
_letters(_WEAK, "éáíóú", "es", "pt")
_letters(_WEAK, "àèéìòù", "it")
_letters(_WEAK, "âêôàç", "pt")
_letters(_WEAK, "âî", "ro")
_letters(_WEAK, "ç", "tr")
# Serbian, Croatian and Bosnian are one language to espeak-ng's ears; one name for all three.
_SERBO_CROATIAN = frozenset({"hr", "sr", "bs"})

# German function words and sentence openers: they end a run (and are never in one).
GERMAN_WORDS = frozenset(
    """
    der die das den dem des ein eine einen einem einer eines und oder aber doch im am an auf aus
    bei bis durch für gegen in mit nach ohne seit über um unter von vor zu zum zur als wie wenn
    weil dass ob auch noch nur schon sehr so es er sie wir ihr ich man sich nicht kein keine laut
    dieser diese dieses jener jede jeder jedes alle beim vom ins ist sind war waren wird werden hat
    haben sagte sagt heißt hieß neue neuen neuer neues erste ersten zweite dritte letzte letzten
    deutsche deutschen deutscher bundes bund herr frau präsident präsidentin minister ministerin
    kanzler kanzlerin chef chefin trainer trainerin montag dienstag mittwoch donnerstag freitag
    samstag sonntag januar februar märz april mai juni juli august september oktober november
    dezember heute gestern morgen dann damit dazu danach zudem
    """.split()
)
# Letters and endings of German words; "-erin", "-orin", "-istin": women's titles
# ("Sprecherin", "Projektkoordinatorin", "Protagonistin") in front of a name.
_GERMAN_SHAPE = re.compile(
    r"[äöüß]|sch|(?:ung|heit|keit|schaft|lich|chen|ismus|isch|ierung)s?$|\w{3,}(?:erin|orin|istin)(?:nen)?$",
    re.IGNORECASE,
)

# A word: letters, with inner apostrophes or hyphens ("O'Brien", "Saint-Germain", "d'Italia").
_WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
# What may stand between two words of one run: one space (no punctuation, no placeholder).
_GAP = re.compile(r"[ \u00a0]")
_QUOTED = re.compile(r"[„“\"»«‚‘]([^„“”\"»«‚‘’\n]{3,120})[“”\"«»‘’]")


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    lang: str


@dataclass(frozen=True)
class Letters:
    """The languages that write every non-German letter of some words (None: no such letter)."""

    langs: frozenset[str] | None
    strong: bool  # one of them is a strong letter (see _STRONG)


def letters(words: list[str]) -> Letters:
    langs: frozenset[str] | None = None
    strong = False
    for ch in "".join(words).lower():
        found = _STRONG.get(ch)
        strong = strong or found is not None
        found = found or _WEAK.get(ch)
        if found is not None:
            # Letters of two languages in one run ("Jokić" beside "Pérez"): keep what overlaps,
            # or the first language's when nothing does.
            langs = found if langs is None else (langs & found) or langs
    return Letters(langs, strong)


def _is_capitalised(word: str) -> bool:
    # "Jokić", "McDonald", "O'Brien"; not an acronym ("ISW": the acronym rules spell it).
    return word[0].isupper() and not (len(word) > 1 and word.isupper())


def _german_shaped(word: str) -> bool:
    return _GERMAN_SHAPE.search(word) is not None


@lru_cache(maxsize=1)
def _abbreviations() -> frozenset[str]:
    return frozenset(a.written for a in abbreviations.load() if " " not in a.written)


def _abbreviation(text: str, m: re.Match[str]) -> bool:
    """A German abbreviation ("Nr.", "Dr.", "St."): the German rules read it, it ends a run."""
    return text.startswith(".", m.end()) and m.group(0) + "." in _abbreviations()


def _is_connector(word: str) -> bool:
    return word.lower() in _ALL_CONNECTORS and not word[0].isupper()


@dataclass(frozen=True)
class Candidate:
    words: tuple[tuple[int, int, str], ...]  # (start, end, word) in the text
    quoted: bool = False

    @property
    def start(self) -> int:
        return self.words[0][0]

    @property
    def end(self) -> int:
        return self.words[-1][1]

    def text(self, source: str) -> str:
        return source[self.start : self.end]

    @property
    def connector(self) -> bool:
        return any(_is_connector(w) for _, _, w in self.words)

    @property
    def letters(self) -> Letters:
        return letters([w for _, _, w in self.words])


def _runs(text: str) -> Iterator[list[re.Match[str]]]:
    """Runs of capitalised words that do not look German, joined by single spaces and by
    foreign function words. A German function word may not start a run ("Die", "Am" at a
    sentence start), but inside one a capitalised "War" is English."""
    run: list[re.Match[str]] = []
    for m in _WORD.finditer(text):
        word = m.group(0)
        if run and (_GAP.fullmatch(text[run[-1].end() : m.start()]) is None or len(run) >= MAX_RUN_WORDS):
            yield run
            run = []
        if _is_connector(word):
            if run:
                run.append(m)  # dropped again at the end of a run
            continue
        german = _german_shaped(word) or _abbreviation(text, m) or (not run and word.lower() in GERMAN_WORDS)
        # A single letter is an initial or a numeral ("Ducati V"): the German rules read it.
        if _is_capitalised(word) and not german and len(word) > 1:
            run.append(m)
            continue
        if run:
            yield run
            run = []
    if run:
        yield run


def candidates(text: str) -> list[Candidate]:
    """Where ``text`` may be in another language (by shape only; see the module docstring)."""
    out: list[Candidate] = []
    for run in _runs(text):
        while run and _is_connector(run[-1].group(0)):
            run.pop()
        words = tuple((m.start(), m.end(), m.group(0)) for m in run)
        if not words:
            continue
        found = Candidate(words)
        if len(words) == 1 and not found.letters.strong:
            continue  # one capitalised word: an anglicism Germans say in German, or a name
        out.append(found)
    for m in _QUOTED.finditer(text):
        words = tuple((m.start(1) + w.start(), m.start(1) + w.end(), w.group(0)) for w in _WORD.finditer(m.group(1)))
        if len(words) < 2 or any(_german_shaped(w) or w.lower() in GERMAN_WORDS for _, _, w in words):
            continue
        out.append(Candidate(words, quoted=True))
    return _without_overlaps(out)


def _without_overlaps(found: list[Candidate]) -> list[Candidate]:
    # Of two that overlap the one starting first wins, the longer at the same start: a quoted
    # phrase over the name run inside it.
    out: list[Candidate] = []
    for c in sorted(found, key=lambda c: (c.start, -c.end)):
        if not out or c.start >= out[-1].end:
            out.append(c)
    return out


_LOCK = threading.Lock()


@lru_cache(maxsize=64)
def _detector(langs: frozenset[str], high_accuracy: bool):
    """A lingua detector for these languages, made once. Each language's model loads with the
    first text it is asked about; a few languages' trigram models (low accuracy) are small."""
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    chosen = [Language.from_iso_code_639_1(IsoCode639_1.from_str(c)) for c in sorted(langs)]
    builder = LanguageDetectorBuilder.from_languages(*chosen)
    return (builder if high_accuracy else builder.with_low_accuracy_mode()).build()


# Answers given before, by the process that prepared the article (its I/O worker): a synth
# worker that has them for every candidate never loads lingua's models (~150 MB), so its memory
# is the voice's alone. Bounded: a long-running worker forgets them all past the bound.
_KNOWN: dict[str, tuple[str, float]] = {}
_KNOWN_MAX = 50_000
_RECORDING: ContextVar[dict[str, list[Any]] | None] = ContextVar("foreign_recording", default=None)


def _key(text: str, langs: frozenset[str]) -> str:
    return ",".join(sorted(langs)) + "|" + text


def known(guesses: Mapping[str, Sequence[Any]]) -> None:
    """Take answers recorded elsewhere (``recording``) as identify's, without asking lingua."""
    if len(_KNOWN) + len(guesses) > _KNOWN_MAX:
        _KNOWN.clear()
    for key, value in guesses.items():
        if isinstance(value, Sequence) and len(value) == 2:
            _KNOWN[str(key)] = (str(value[0]), float(value[1]))


@contextmanager
def recording() -> Iterator[dict[str, list[Any]]]:
    """Every answer identify gives inside the block, by key, for ``known`` in another process."""
    answers: dict[str, list[Any]] = {}
    token = _RECORDING.set(answers)
    try:
        yield answers
    finally:
        _RECORDING.reset(token)


def identify(text: str, allowed: frozenset[str] | tuple[str, ...]) -> tuple[str, float]:
    """(language code of languages.CODES, confidence) for ``text`` among ``allowed``.

    Among DETECTED with lingua's high-accuracy models (n-grams up to five letters: names and
    titles are short); among the few languages of a letter set with its low-accuracy ones."""
    langs = frozenset(c for c in allowed if c != "en-gb")
    key = _key(text, langs)
    answer = _KNOWN.get(key) or _identified(text, langs)
    answers = _RECORDING.get()
    if answers is not None:
        answers[key] = list(answer)
    return answer


@lru_cache(maxsize=8192)
def _identified(text: str, langs: frozenset[str]) -> tuple[str, float]:
    with _LOCK:  # one detector per set, built once
        detector = _detector(langs, langs == frozenset(DETECTED))
    values = detector.compute_language_confidence_values(text)
    if not values or values[0].value <= 0:
        return languages.GERMAN, 0.0
    best = values[0]
    return best.language.iso_code_639_1.name.lower(), float(best.value)


def _language(text: str, found: Letters, connector: bool) -> str | None:
    if found.langs is not None:
        if found.langs <= _SERBO_CROATIAN:
            return "hr"
        if len(found.langs) == 1:
            return next(iter(found.langs))
        lang, confidence = identify(text, found.langs)
        if confidence < MIN_CONFIDENCE_LETTERS and not found.strong:
            return None
        return "hr" if lang in _SERBO_CROATIAN else lang
    lang, confidence = identify(text, DETECTED)
    least = MIN_CONFIDENCE_WITH_CONNECTOR if connector else MIN_CONFIDENCE
    return None if lang == languages.GERMAN or confidence < least else lang


def language_span(candidate: Candidate, source: str) -> Span | None:
    """The candidate's foreign part with its language, or None when it is (or may be) German.

    A run that is not foreign as a whole may be after a German word that does not look German
    ("Partei Rassemblement National", "Sprecherin ..."): its shorter tails are tried too."""
    words = candidate.words
    # A leading German noun ("Partei", "Sprecherin") would be read in the other language too.
    # "Nikola Jokić" is one name; "Berliner Charité" is not.
    keep_whole = candidate.quoted or (candidate.letters.strong and not _german_shaped(words[0][2]))
    while len(words) > 1 and not keep_whole and _is_german_word(words[0][2]):
        words = words[1:]
    for i in range(len(words)):
        tail = Candidate(words[i:], candidate.quoted)
        if len(tail.words) < 2 and not tail.letters.strong:
            break  # one word is never foreign by its sound alone (see candidates)
        lang = _language(tail.text(source), tail.letters, tail.connector)
        if lang is not None:
            return Span(tail.start, tail.end, lang)
        if candidate.quoted:
            break  # a quotation is one phrase
    return None


def _is_german_word(word: str) -> bool:
    lang, confidence = identify(word, DETECTED)
    return lang == languages.GERMAN and confidence >= MIN_CONFIDENCE_GERMAN_HEAD


def find_spans(text: str) -> list[Span]:
    """The spans of ``text`` in another language, in order."""
    return [s for c in candidates(text) if (s := language_span(c, text)) is not None]


def mark_spans(text: str, vault: Vault) -> str:
    """``text`` with each foreign span marked with its language and locked in ``vault``: the
    German rules (abbreviations, acronyms, numbers) must not respell "Group of Death"."""
    for s in reversed(find_spans(text)):
        text = text[: s.start] + vault.put(marks.wrap_language(s.lang, text[s.start : s.end])) + text[s.end :]
    return text
