"""Pages without an article: say why, so the orchestrator records a reason, never an empty
episode. Checked after extraction, so a short body is the trigger and the page explains it.
"""

from __future__ import annotations

import re
from typing import Any

from pipeline.models import Block

from .dom import squash
from .meta import PageMeta
from .scoring import tokens

MIN_WORDS = 40        # fewer words than this is no article a listener would want
STUB_WORDS = 150      # a paywall or index page may show this much teaser text
INDEX_TEASERS = 8     # linked headlines that make a page an overview
INDEX_WORDS = 800     # an index page's teasers rarely add up to more than this
INDEX_SHARE = 0.3     # share of the extracted words that are linked headlines on an index page

_PAYWALL = re.compile(
    r"(jetzt|weiter)\s*(weiter)?lesen mit|nur für abonnenten|exklusiv für abonnenten|"
    r"abo abschließen|jetzt abonnieren|um diesen artikel (weiter )?zu lesen|plus-artikel|paywall",
    re.IGNORECASE,
)


def _teaser_texts(tree: Any) -> set[str]:
    found = tree.xpath("//body//a[.//h2 or .//h3] | //body//h2[a] | //body//h3[a]")
    return {squash(el.text_content()) for el in found} - {""}


def _linked_share(blocks: list[Block], teasers: set[str]) -> float:
    """How much of the extracted text is itself the text of linked headlines."""
    total = sum(len(b.text.split()) for b in blocks) or 1
    linked = sum(len(b.text.split()) for b in blocks if squash(b.text) in teasers)
    return linked / total


def no_article_reason(tree: Any, meta: PageMeta, lead: str, blocks: list[Block], visible: str) -> str:
    """A reason the page holds no article, or "" when it does."""
    words = len(tokens(lead)) + sum(len(tokens(b.text)) for b in blocks)
    # An overview page can yield plenty of words (its teasers), so it is checked by shape:
    # no article declared, many linked headlines.
    if words < INDEX_WORDS and not meta.ld_is_article and meta.og_type != "article":
        teasers = _teaser_texts(tree)
        if len(teasers) >= INDEX_TEASERS and _linked_share(blocks, teasers) >= INDEX_SHARE:
            return f"index page: {len(teasers)} linked headlines make up the text, no article"
    if words >= STUB_WORDS:
        return ""
    if len(visible) < 20:
        return "the page shows no text: it is all script or markup"
    marker = _PAYWALL.search(visible)
    if meta.paywalled or (words < STUB_WORDS and marker):
        why = f'the page says "{_around(visible, marker)}"' if marker else "JSON-LD marks it not free to read"
        return f"paywall stub: only {words} words are readable without a subscription ({why})"
    if words == 0:
        return "no article text found on the page"
    if words < MIN_WORDS:
        return f"only {words} words of text: too short to be an article (at least {MIN_WORDS} needed)"
    return ""


def _around(text: str, match: re.Match[str], width: int = 30) -> str:
    """The paywall marker with a few words around it, as the page shows it."""
    start = text.rfind(" ", 0, max(0, match.start() - width)) + 1
    end = text.find(" ", match.end() + width)
    # Brackets and quotes go: the reason is printed to terminals and logs that read markup.
    return re.sub(r"[\[\]\"<>]", "", text[start : end if end != -1 else len(text)]).strip()
