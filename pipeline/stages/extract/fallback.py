"""The sanity check: when the body is suspiciously short next to another reading of the
page (JSON-LD articleBody, or trafilatura tuned for recall), take the longer one and say so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from lxml import html as lxml_html

from pipeline.models import Block

from .generic import HUGE_PAGE, trafilatura_blocks
from .lines import filter_blocks
from .meta import PageMeta, clean_space
from .scoring import tokens

SHORT_BODY = 150  # words; below this a second extraction is worth its cost


@dataclass(frozen=True)
class Fallback:
    extractor: str
    note: str


def _words(lead: str, blocks: list[Block]) -> int:
    return len(tokens(lead)) + sum(len(tokens(b.text)) for b in blocks)


def ld_body_blocks(body: str) -> list[Block]:
    # articleBody is plain text by the spec, but some sites put HTML in it.
    if "<" in body and ">" in body:
        try:
            body = lxml_html.fromstring(body).text_content()
        except (ValueError, lxml_html.etree.ParserError):
            pass
    parts = [clean_space(p) for p in re.split(r"\n\s*\n|\r?\n", body)]
    return [Block("paragraph", p) for p in parts if p]


def _without_lead(blocks: list[Block], lead: str) -> list[Block]:
    """articleBody usually opens with the teaser we already hold as the lead: say it once."""
    if not lead or not blocks:
        return blocks
    first = blocks[0].text
    if first.startswith(lead):
        rest = first[len(lead) :].strip()
        return ([Block("paragraph", rest)] if rest else []) + blocks[1:]
    return blocks


def _much_longer(candidate: int, current: int) -> bool:
    return candidate > max(1.5 * current, current + 80)


def sanity_check(
    html: str, meta: PageMeta, lead: str, blocks: list[Block], drops: Iterable[re.Pattern[str]] = ()
) -> tuple[list[Block], Fallback | None]:
    drops = tuple(drops)
    have = _words(lead, blocks)
    if meta.ld_body:
        ld_blocks = filter_blocks(ld_body_blocks(meta.ld_body), drops).blocks
        ld_blocks = _without_lead(ld_blocks, lead)
        ld_words = _words("", ld_blocks)
        if _much_longer(ld_words, have):
            return ld_blocks, Fallback(
                "fallback:jsonld", f"body had {have} words, JSON-LD articleBody {ld_words}: used articleBody"
            )
    if have < SHORT_BODY and len(html) <= HUGE_PAGE:
        second = filter_blocks(trafilatura_blocks(html, recall=True), drops).blocks
        got = _words("", second)
        if _much_longer(got, have):
            return second, Fallback(
                "fallback:trafilatura-recall",
                f"body had {have} words, a recall-oriented extraction {got}: used that",
            )
    return blocks, None
