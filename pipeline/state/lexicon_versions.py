"""The pronunciation lexicon's versions in the store: every save is a new version (TOML text,
its entries hash, author, message, time), so every worker machine and the console read the
same one. Saving (validated first) and the first version from the shipped file are
pipeline.run.lexicon's: this module only keeps the records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from pipeline.state import schema
from pipeline.state.store import Store


@dataclass
class LexiconVersion:
    id: int
    version: str
    toml: str
    author: str
    message: str
    created_at: datetime | None


def _row(r: object) -> LexiconVersion:
    return LexiconVersion(r.id, r.version, r.toml, r.author, r.message, schema.utc(r.created_at))  # type: ignore[attr-defined]


def current(store: Store) -> LexiconVersion | None:
    t = schema.lexicon_versions
    with store.engine.connect() as conn:
        r = conn.execute(select(t).order_by(t.c.id.desc()).limit(1)).first()
    return _row(r) if r else None


def by_version(store: Store, version: str) -> LexiconVersion | None:
    """Any saved text with this entries hash (several saves may share one: a note edit)."""
    t = schema.lexicon_versions
    with store.engine.connect() as conn:
        r = conn.execute(select(t).where(t.c.version == version).order_by(t.c.id.desc()).limit(1)).first()
    return _row(r) if r else None


def by_id(store: Store, version_id: int) -> LexiconVersion | None:
    t = schema.lexicon_versions
    with store.engine.connect() as conn:
        r = conn.execute(select(t).where(t.c.id == version_id)).first()
    return _row(r) if r else None


def history(store: Store, limit: int = 200) -> list[LexiconVersion]:
    t = schema.lexicon_versions
    with store.engine.connect() as conn:
        return [_row(r) for r in conn.execute(select(t).order_by(t.c.id.desc()).limit(limit))]


def record(store: Store, version: str, text: str, *, author: str, message: str) -> LexiconVersion:
    """Store ``text`` (already validated; ``version`` is its entries hash) as the newest version."""
    with store.engine.begin() as conn:
        conn.execute(
            schema.lexicon_versions.insert().values(
                version=version, toml=text, author=author, message=message, created_at=schema.now()
            )
        )
    latest = current(store)
    assert latest is not None
    return latest
