"""Pages without an article: say why, so the orchestrator records a reason, never an empty
episode. Checked after extraction, so a short body is the trigger and the page explains it.
"""

from __future__ import annotations

import re
from typing import Any

from pipeline.models import Block

from .meta import PageMeta
from .scoring import tokens

MIN_WORDS = 40        # fewer words than this is no article a listener would want
STUB_WORDS = 150      # a paywall or index page may show this much teaser text
INDEX_TEASERS = 8     # linked headlines that make a page an overview

_PAYWALL = re.compile(
    r"(jetzt|weiter)\s*(weiter)?lesen mit|nur für abonnenten|exklusiv für abonnenten|"
    r"abo abschließen|jetzt abonnieren|um diesen artikel (weiter )?zu lesen|plus-artikel|paywall",
    re.IGNORECASE,
)


def _visible_text(tree: Any) -> str:
    parts = tree.xpath(
        "//body//text()[not(ancestor::script) and not(ancestor::style) and not(ancestor::noscript)"
        " and not(ancestor::template)]"
    )
    return " ".join(p.strip() for p in parts if p.strip())


def _teaser_links(tree: Any) -> int:
    return len(tree.xpath("//body//a[.//h2 or .//h3] | //body//h2[a] | //body//h3[a]"))


def no_article_reason(tree: Any, meta: PageMeta, lead: str, blocks: list[Block]) -> str:
    """A reason the page holds no article, or "" when it does."""
    words = len(tokens(lead)) + sum(len(tokens(b.text)) for b in blocks)
    if words >= STUB_WORDS:
        return ""
    if len(_visible_text(tree)) < 20:
        return "the page shows no text: it is all script or markup"
    if meta.paywalled or (words < STUB_WORDS and _PAYWALL.search(_visible_text(tree))):
        return f"paywall stub: only {words} words are readable without a subscription"
    if not meta.ld_is_article and meta.og_type != "article" and _teaser_links(tree) >= INDEX_TEASERS:
        return f"index page: {_teaser_links(tree)} linked headlines and no article ({words} words)"
    if words == 0:
        return "no article text found on the page"
    if words < MIN_WORDS:
        return f"only {words} words of text: too short to be an article"
    return ""
