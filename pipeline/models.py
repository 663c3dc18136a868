"""Typed records that flow between the stages.

Data flows one way: FeedEntry -> Article -> Script -> (segment audio) -> Episode.
Nothing here imports anything else of ours.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

BlockKind = Literal["paragraph", "heading"]
SegmentKind = Literal["title", "lead", "paragraph", "heading"]


class StageError(Exception):
    """A reason why one article could not go further. ``reason`` is a short machine word."""

    reason = "error"

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        if reason is not None:
            self.reason = reason


class FetchError(StageError):
    reason = "fetch"
    # Seconds a 429 or 503 asked us to wait (Retry-After); None when the server said nothing.
    retry_after: float | None = None


class FeedError(StageError):
    reason = "feed"


class NoArticleText(StageError):
    """The page holds no article a listener could hear (index page, paywall stub, empty)."""

    reason = "no-article-text"


class NotGerman(StageError):
    reason = "not-german"


@dataclass(frozen=True)
class FeedEntry:
    guid: str
    url: str
    title: str
    published: datetime | None = None
    summary: str = ""
    # The item's own updated date when it has one: a change there means the page changed.
    updated: datetime | None = None


@dataclass(frozen=True)
class Block:
    kind: BlockKind
    text: str


@dataclass
class Article:
    """What a listener should hear of one page, plus the metadata around it."""

    title: str
    blocks: list[Block]
    lead: str = ""
    kicker: str = ""
    url: str = ""
    canonical_url: str = ""
    author: str = ""
    published: datetime | None = None
    image: str = ""
    language: str = ""
    site_name: str = ""
    # Which path produced the text ("site:ntv", "trafilatura", "fallback:jsonld", ...) and
    # anything the extractor wants an editor to know about (fallbacks taken, lines dropped).
    extractor: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def spoken_title(self) -> str:
        """The headline as a listener hears it: the kicker leads into the title."""
        if not self.kicker:
            return self.title
        kicker = self.kicker.strip()
        joiner = " " if kicker[-1:] in "?!.:" else ": "
        return f"{kicker}{joiner}{self.title}"

    @property
    def paragraphs(self) -> list[str]:
        return [b.text for b in self.blocks if b.kind == "paragraph"]

    def text(self) -> str:
        """The full cleaned text: spoken title, lead, then every block, blank-line separated."""
        parts = [self.spoken_title, self.lead, *(b.text for b in self.blocks)]
        return "\n\n".join(p for p in parts if p)

    def text_hash(self) -> str:
        return hashlib.sha256(self.text().encode("utf-8")).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["published"] = self.published.isoformat() if self.published else None
        data["spoken_title"] = self.spoken_title
        return data


@dataclass(frozen=True)
class Pronunciation:
    """How one span of Segment.text sounds, for voices that take phonemes.

    The span's text is what text-only voices read; a voice that takes phonemes speaks
    ``espeak`` (espeak-ng phoneme input) or ``ipa`` in its place, or, for a span in another
    language (``lang``, e.g. "en": "Institute for the Study of War"), the span's text as
    espeak-ng phonemises that language.
    """

    start: int  # character offsets into Segment.text, end exclusive
    end: int
    espeak: str = ""  # espeak-ng phoneme input, e.g. "[[xa'me:nEI]]"
    ipa: str = ""
    lang: str = ""  # a language code of pipeline/stages/speech/languages.py; "" = the script's

    def key(self) -> str:
        """A stable string for hashes and cache keys (a span without ``lang`` keeps its old one)."""
        said = f"{self.start}:{self.end}:{self.espeak}\x1f{self.ipa}"
        return f"{said}\x1f{self.lang}" if self.lang else said


@dataclass(frozen=True)
class Segment:
    """One speakable unit. ``text`` is already normalised: digits, symbols and abbreviations
    are spelled out so any voice can read it as is. ``pronunciations`` (from the lexicon's
    phoneme entries) say how spans of it sound, for voices that take phonemes."""

    text: str
    kind: SegmentKind = "paragraph"
    pause_after_ms: int = 0
    pronunciations: tuple[Pronunciation, ...] = ()
    # Where the segment came from, for transcripts, chapters and read-along: ``block`` numbers
    # the article's spoken parts in order (title 0, lead 1 when there is one, then each block);
    # ``written`` is the sentence as the article writes it ("" when unknown: use ``text``).
    block: int = 0
    written: str = ""

    def pronunciation_key(self) -> str:
        """The pronunciations as one string; "" when there are none."""
        return "\x1e".join(p.key() for p in self.pronunciations)


@dataclass
class Script:
    segments: list[Segment]
    lexicon_version: str = ""
    language: str = "de"

    def text(self) -> str:
        return "\n".join(s.text for s in self.segments)

    def text_hash(self) -> str:
        h = hashlib.sha256()
        h.update(self.lexicon_version.encode())
        for s in self.segments:
            h.update(b"\x00" + s.text.encode("utf-8"))
            # Only segments with phonemes add bytes, so every other Script keeps its old hash
            # (and is not listed for regeneration just because this field exists).
            if s.pronunciations:
                h.update(b"\x01" + s.pronunciation_key().encode("utf-8"))
        return h.hexdigest()


@dataclass(frozen=True)
class Chapter:
    title: str
    start_ms: int


@dataclass(frozen=True)
class Span:
    """Where one segment is heard in the mastered audio (its pause after it excluded)."""

    start_ms: int
    end_ms: int


@dataclass
class Episode:
    """One published rendering of one article. ``guid`` never changes across versions."""

    guid: str
    episode_id: str
    version: int
    title: str
    description: str
    link: str
    published: datetime | None
    voice: str
    text_hash: str
    file_name: str
    bytes: int
    duration_s: float
    chapters: list[Chapter] = field(default_factory=list)
    created: datetime | None = None  # when this version was published
    image: str = ""  # the article's image URL, if it has one
    timed: bool = False  # timed transcripts and chapters files exist for this version
    # The low-bandwidth Opus version beside the MP3 (names.opus_file_name): its size and
    # Subresource Integrity (sha384-...); 0 and "" when this version has none.
    opus_bytes: int = 0
    opus_integrity: str = ""
