"""The lead (teaser): the paragraph that matters most and the one generic extractors drop.

When the body opens with the teaser we move it into ``lead``; when the body lacks it we take
the best candidate the page offers (a visible declared teaser, a lead element in the DOM,
then og:description / JSON-LD description). A partial repeat is left alone: in the seed, the
lead's first sentence opens a body paragraph again on purpose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.models import Block

from .scoring import token_overlap, tokens

LONG_HEADING = 12  # words
_TRUNCATED = re.compile(r"\s*(\.\.\.|…|\[…\]|\(…\))$")
_SENTENCE_END = re.compile(r"[.!?\"“”»«]\s")


@dataclass(frozen=True)
class Candidate:
    text: str
    source: str  # says in the notes where a lead came from


def complete_sentences(text: str) -> str:
    """Cut a teaser truncated with "…" back to its last whole sentence ("" if none)."""
    text = text.strip()
    if not _TRUNCATED.search(text):
        return text
    body = _TRUNCATED.sub("", text)
    ends = [m.end() for m in _SENTENCE_END.finditer(body + " ")]
    return body[: ends[-1]].strip() if ends else ""


def same_text(a: str, b: str, threshold: float = 0.9) -> bool:
    return token_overlap(a, b).f1 >= threshold


def contained(needle: str, blocks: list[Block], threshold: float = 0.85) -> bool:
    """Whether most of ``needle``'s words appear in the first few blocks."""
    head = " ".join(b.text for b in blocks[:4])
    return token_overlap(head, needle).recall >= threshold


def settle_lead(lead: str, blocks: list[Block], candidates: list[Candidate]) -> tuple[str, list[Block], str]:
    """(lead, blocks, note). Never returns the lead also as the first block."""
    if lead:
        if blocks and same_text(blocks[0].text, lead):
            return lead, blocks[1:], ""
        return lead, blocks, ""
    usable = [Candidate(complete_sentences(c.text), c.source) for c in candidates]
    usable = [c for c in usable if len(tokens(c.text)) >= 8]
    for cand in usable:
        # A teaser set as <h2> under the headline comes back from the extractor as a heading:
        # it is the lead when only headings stand above it.
        at = next((i for i, b in enumerate(blocks[:5])
                   if (b.kind == "paragraph" or all(x.kind == "heading" for x in blocks[: i + 1]))
                   and same_text(b.text, cand.text)), None)
        if at is not None:
            # What an extractor kept above the lead is header debris ("FAQ", a repeated
            # title, a media label); real paragraphs do not precede the teaser, but an
            # opening quote box does ("„Wir haben lange gewartet.“ Anna Beispiel").
            before = [b for b in blocks[:at] if len(b.text.split()) > 15 or _opening_quote(b)]
            return blocks[at].text, before + blocks[at + 1 :], ""
        if contained(cand.text, blocks):
            return _heading_lead(blocks)  # the body already says it, merged into a block
        return cand.text, blocks, f"lead taken from {cand.source}"
    return _heading_lead(blocks)


_QUOTE = re.compile(r"^[„“\"»«‚‘']\s*\w.{8,}?[.!?…]\s*[“”\"«»‘']")


def _opening_quote(block: Block) -> bool:
    """A quotation of a whole sentence or more: a pull quote at the article's top."""
    return block.kind == "paragraph" and _QUOTE.match(block.text) is not None


def _heading_lead(blocks: list[Block]) -> tuple[str, list[Block], str]:
    if blocks and blocks[0].kind == "heading" and len(blocks[0].text.split()) >= LONG_HEADING:
        # No subheading runs this long before any paragraph: it is a teaser set as <h2>.
        return blocks[0].text, blocks[1:], "a long opening heading taken as the lead"
    return "", blocks, ""


LABEL_WORDS = 4  # "Darum geht's", "In Kürze:", "Das Wichtigste in Kürze"


def drop_summary_blocks(blocks: list[Block], items: list[str], window: int = 12) -> tuple[list[Block], int | None]:
    """The blocks without the summary box's points (an extractor may read them as body
    text) and without the box's label just above them; and where the box stood (None when
    the extractor had left it out)."""
    wanted = {_key(i) for i in items}
    out: list[Block] = []
    at = None
    for i, block in enumerate(blocks):
        if i < window and _key(block.text) in wanted:
            if out and len(out[-1].text.split()) <= LABEL_WORDS and (
                    out[-1].kind == "heading" or out[-1].text.rstrip().endswith(":")):
                out.pop()
            at = len(out) if at is None else at
            continue
        out.append(block)
    return out, at


def fold_summary(lead: str, blocks: list[Block], items: list[str], body_before: list[Block],
                 at: int | None) -> tuple[str, list[Block]]:
    """Lead = the page's teaser (if any) followed by the summary points. A teaser taken from
    a body paragraph that stood after the box (og:description often repeats the body's first
    paragraph) goes back to the body."""
    points = " ".join(items)
    if not lead or same_text(lead, points) or any(same_text(lead, i) for i in items):
        return points, blocks
    found = next((i for i, b in enumerate(body_before[:5]) if b.kind == "paragraph" and same_text(b.text, lead)), None)
    if found is not None and (at is None or found >= at):
        return points, [Block("paragraph", lead), *blocks]
    return f"{lead} {points}", blocks


def _key(text: str) -> str:
    return " ".join(tokens(text))
