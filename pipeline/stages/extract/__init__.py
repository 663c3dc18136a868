"""The extract stage: page HTML -> Article.

    from pipeline.stages.extract import extract, render_text, is_german
    article = extract(html_or_bytes, url)          # raises NoArticleText with a reason
    print(render_text(article))
    if not is_german(article): ...                 # the orchestrator skips it
"""

from __future__ import annotations

from pipeline.models import Article

from .core import RefusedPage, extract
from .rules import RuleError, load_rules


def render_text(article: Article) -> str:
    """Spoken title, lead, then each block, separated by blank lines."""
    return article.text()


def is_german(article: Article) -> bool:
    return article.language.lower().startswith("de")


__all__ = ["extract", "render_text", "is_german", "load_rules", "RuleError", "RefusedPage"]
