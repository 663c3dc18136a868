"""Article -> Script: every sentence a Segment with the pause that follows it."""

from __future__ import annotations

from pipeline.models import Article, Script, Segment, SegmentKind

from . import segment
from .lexicon import Lexicon, default_lexicon
from .normalize import DEFAULT_MAX_CHARS, paragraphs, speakable

# Between chunks of one long sentence (cut at a comma or clause): about the pause a
# speaker makes at a comma, so the cut is not heard as a sentence end.
CLAUSE_PAUSE_MS = 150


def _block_segments(
    text: str,
    kind: SegmentKind,
    lexicon: Lexicon,
    max_chars: int,
    sentence_ms: int,
    end_ms: int,
) -> list[Segment]:
    """One block (title, lead, heading, paragraph) -> segments; the last gets ``end_ms``."""
    out: list[Segment] = []
    for para in paragraphs(speakable(text, lexicon)):
        for chunks in segment.split(para, max_chars):
            for i, piece in enumerate(chunks):
                last_of_sentence = i == len(chunks) - 1
                pause = sentence_ms if last_of_sentence else min(CLAUSE_PAUSE_MS, sentence_ms)
                out.append(Segment(text=piece, kind=kind, pause_after_ms=pause))
    if out:
        out[-1] = Segment(text=out[-1].text, kind=kind, pause_after_ms=end_ms)
    return out


def to_script(
    article: Article,
    *,
    lexicon: Lexicon | None = None,
    max_chars: int = DEFAULT_MAX_CHARS,
    pause_title_ms: int = 900,
    pause_paragraph_ms: int = 700,
    pause_sentence_ms: int = 250,
) -> Script:
    """The spoken form of an article: title, lead, then headings and paragraphs.

    Pauses: after the headline ``pause_title_ms``; after a sentence ``pause_sentence_ms``;
    after the last sentence of the lead, a paragraph or a heading ``pause_paragraph_ms``.
    Brackets, dashes and ellipses inside a sentence are commas in the text (see symbols.py).
    ``lexicon=None`` uses the bundled voices/lexicon/de.toml; pass ``Lexicon()`` for none.
    The Script records the lexicon's version.
    """
    if lexicon is None:
        lexicon = default_lexicon()
    args = (lexicon, max_chars, pause_sentence_ms)
    segments: list[Segment] = []
    segments += _block_segments(article.spoken_title, "title", *args, pause_title_ms)
    if article.lead:
        segments += _block_segments(article.lead, "lead", *args, pause_paragraph_ms)
    for block in article.blocks:
        segments += _block_segments(block.text, block.kind, *args, pause_paragraph_ms)
    return Script(segments=segments, lexicon_version=lexicon.version, language="de")
