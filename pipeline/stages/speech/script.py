"""Article -> Script: every sentence a Segment with the pause that follows it."""

from __future__ import annotations

from dataclasses import replace

from pipeline.models import Article, Pronunciation, Script, Segment, SegmentKind

from . import marks, segment
from .lexicon import Lexicon, default_lexicon
from .normalize import DEFAULT_MAX_CHARS, paragraphs, speakable, speakable_marked
from .written import align, written_sentences

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
    block: int = 0,
    foreign_spans: bool = True,
) -> list[Segment]:
    """One block (title, lead, heading, paragraph) -> segments; the last gets ``end_ms``.

    Every segment carries the block's number and the written sentence it came from; the
    chunks of one long sentence share it."""
    out: list[Segment] = []
    sentences: list[list[Segment]] = []
    for marked in paragraphs(speakable_marked(text, lexicon, foreign_spans=foreign_spans)):
        para, spans = marks.unwrap(marked)
        located = _locate(para, segment.split(para, max_chars))
        for chunks in located:
            row = []
            for i, (piece, start) in enumerate(chunks):
                last_of_sentence = i == len(chunks) - 1
                pause = sentence_ms if last_of_sentence else min(CLAUSE_PAUSE_MS, sentence_ms)
                said = _pronunciations(piece, start, spans, lexicon)
                row.append(Segment(text=piece, kind=kind, pause_after_ms=pause, pronunciations=said, block=block))
            sentences.append(row)
    if sentences:
        spoken = [" ".join(s.text for s in row) for row in sentences]
        written = align(written_sentences(text), spoken, lambda w: [speakable(w, lexicon, foreign_spans=foreign_spans)])
        for row, sentence in zip(sentences, written, strict=True):
            out += [replace(s, written=sentence) for s in row]
    if out:
        out[-1] = replace(out[-1], pause_after_ms=end_ms)
    return out


def _locate(para: str, sentences: list[list[str]]) -> list[list[tuple[str, int]]]:
    """Each piece with its offset in ``para`` (-1 where it is not a plain slice of it).

    Cutting strips pieces and may capitalise a first letter, so a piece is found by the rest
    of it, searched in order from where the previous one ended.
    """
    cursor = 0
    out: list[list[tuple[str, int]]] = []
    for chunks in sentences:
        row: list[tuple[str, int]] = []
        for piece in chunks:
            at = para.find(piece[1:], cursor + 1) - 1 if piece else -1
            if at < cursor or para[at].upper() != piece[0].upper():
                row.append((piece, -1))  # e.g. a sentence rejoined over a gap: no spans
                continue
            row.append((piece, at))
            cursor = at + len(piece)
        out.append(row)
    return out


def _pronunciations(
    piece: str, start: int, spans: list[tuple[int, int, int | str]], lexicon: Lexicon
) -> tuple[Pronunciation, ...]:
    """The phoneme and language spans lying wholly inside the piece at ``start``, in its offsets.

    A span a cut divides keeps only its text form: half a word's phonemes can't be spoken.
    """
    if start < 0 or not spans:
        return ()
    end = start + len(piece)
    out = []
    for s, e, tag in spans:
        if not (start <= s and e <= end):
            continue
        if isinstance(tag, str):  # a span in another language (foreign.py, a language entry)
            out.append(Pronunciation(s - start, e - start, lang=tag))
        else:
            entry = lexicon.entry_at(tag)
            out.append(Pronunciation(s - start, e - start, espeak=entry.espeak, ipa=entry.ipa))
    return tuple(out)


def to_script(
    article: Article,
    *,
    lexicon: Lexicon | None = None,
    max_chars: int = DEFAULT_MAX_CHARS,
    pause_title_ms: int = 900,
    pause_paragraph_ms: int = 700,
    pause_sentence_ms: int = 250,
    foreign_spans: bool = True,
) -> Script:
    """The spoken form of an article: title, lead, then headings and paragraphs.

    Pauses: after the headline ``pause_title_ms``; after a sentence ``pause_sentence_ms``;
    after the last sentence of the lead, a paragraph or a heading ``pause_paragraph_ms``.
    Brackets, dashes and ellipses inside a sentence are commas in the text (see symbols.py).
    ``lexicon=None`` uses the bundled voices/lexicon/de.toml; pass ``Lexicon()`` for none.
    The Script records the lexicon's version. ``foreign_spans``: mark spans in another
    language (foreign.py) for the voices to speak in it; lexicon language entries always are.
    """
    if lexicon is None:
        lexicon = default_lexicon()
    args = (lexicon, max_chars, pause_sentence_ms)
    segments: list[Segment] = []
    found = foreign_spans
    segments += _block_segments(article.spoken_title, "title", *args, pause_title_ms, block=0, foreign_spans=found)
    number = 1
    if article.lead:
        segments += _block_segments(article.lead, "lead", *args, pause_paragraph_ms, block=number, foreign_spans=found)
        number += 1
    for block in article.blocks:
        segments += _block_segments(
            block.text, block.kind, *args, pause_paragraph_ms, block=number, foreign_spans=found
        )
        number += 1
    return Script(segments=segments, lexicon_version=lexicon.version, language="de")
