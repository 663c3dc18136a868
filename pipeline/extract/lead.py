"""The lead (teaser): the paragraph that matters most and the one generic extractors drop.

When the body opens with the teaser we move it into ``lead``; when the body lacks it we take
the page's declared teaser (og:description / JSON-LD description). A partial repeat is left
alone: in the seed, the lead's first sentence opens a body paragraph again on purpose.
"""

from __future__ import annotations

import re

from pipeline.models import Block

from .scoring import token_overlap, tokens

_SENTENCE_END = re.compile(r"[.!?\"“”»«]\s")


def complete_sentences(text: str) -> str:
    """Cut a teaser truncated with "…" back to its last whole sentence ("" if none)."""
    text = text.strip()
    if not re.search(r"(\.\.\.|…|\[…\])$", text):
        return text
    body = re.sub(r"(\.\.\.|…|\[…\])$", "", text).rstrip()
    ends = [m.end() for m in _SENTENCE_END.finditer(body + " ")]
    return body[: ends[-1]].strip() if ends else ""


def same_text(a: str, b: str, threshold: float = 0.9) -> bool:
    return token_overlap(a, b).f1 >= threshold


def contained(needle: str, blocks: list[Block], threshold: float = 0.85) -> bool:
    """Whether most of ``needle``'s words appear in the first few blocks."""
    if not needle:
        return True
    head = " ".join(b.text for b in blocks[:4])
    return token_overlap(head, needle).recall >= threshold


def settle_lead(lead: str, blocks: list[Block], teaser: str) -> tuple[str, list[Block], str]:
    """(lead, blocks, note). Never returns the lead also as the first block."""
    teaser = complete_sentences(teaser)
    if lead:
        if blocks and same_text(blocks[0].text, lead):
            return lead, blocks[1:], ""
        return lead, blocks, ""
    first = next((i for i, b in enumerate(blocks[:3]) if b.kind == "paragraph"), None)
    if teaser and first is not None and same_text(blocks[first].text, teaser):
        return blocks[first].text, blocks[:first] + blocks[first + 1:], ""
    if teaser and len(tokens(teaser)) >= 8 and not contained(teaser, blocks):
        return teaser, blocks, "lead taken from the page's declared teaser (og:description/JSON-LD)"
    return "", blocks, ""
