"""What an editor chose for one article: another voice, paragraphs left out of the audio.

A left-out paragraph is remembered by a hash of its text, not its position, so it stays out
of later versions of the page when paragraphs before it come and go."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace

from sqlalchemy import select, update

from pipeline.models import Article
from pipeline.state import schema
from pipeline.state.store import Store


@dataclass
class Options:
    voice: str = ""
    excluded: set[str] = field(default_factory=set)


def paragraph_key(text: str) -> str:
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()[:32]


def get(store: Store, article_id: str) -> Options:
    t = schema.article_options
    with store.engine.connect() as conn:
        r = conn.execute(select(t).where(t.c.article_id == article_id)).first()
    if r is None:
        return Options()
    return Options(voice=r.voice or "", excluded=set(json.loads(r.excluded_json or "[]")))


def put(store: Store, article_id: str, options: Options) -> None:
    t = schema.article_options
    values = {"voice": options.voice, "excluded_json": json.dumps(sorted(options.excluded))}
    with store.engine.begin() as conn:
        done = conn.execute(update(t).where(t.c.article_id == article_id).values(**values)).rowcount
        if not done:
            conn.execute(t.insert().values(article_id=article_id, **values))


def apply(article: Article, options: Options) -> Article:
    """The article as it should be spoken: without the paragraphs left out."""
    if not options.excluded:
        return article
    blocks = [b for b in article.blocks if paragraph_key(b.text) not in options.excluded]
    lead = "" if article.lead and paragraph_key(article.lead) in options.excluded else article.lead
    return replace(article, blocks=blocks, lead=lead)
