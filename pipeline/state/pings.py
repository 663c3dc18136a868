"""Pings owed to podcast apps' infrastructure when a feed changed: one row per WebSub hub (and
Podping), pending until sent; pipeline/run/pings.py sends them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from pipeline.state.schema import feed_pings, now, utc
from pipeline.state.store import Store, claim_attempt


@dataclass
class Ping:
    id: int
    feed: str
    kind: str
    target: str
    status: str
    attempts: int
    error: str
    next_at: datetime | None
    sent_at: datetime | None


def _ping(r: Any) -> Ping:
    return Ping(r.id, r.feed, r.kind, r.target, r.status, r.attempts, r.error, utc(r.next_at), utc(r.sent_at))


def owe(store: Store, feed_name: str, targets: list[tuple[str, str]]) -> int:
    """A feed changed: one pending ping per (kind, target), unless one is pending already (apps
    fetch the newest feed either way: one ping per change is enough). How many were added."""
    added = 0
    with store.engine.begin() as conn:
        pending = {(r.kind, r.target) for r in conn.execute(
            select(feed_pings.c.kind, feed_pings.c.target)
            .where(feed_pings.c.feed == feed_name, feed_pings.c.status == "pending"))}
        for kind, target in targets:
            if (kind, target) in pending:
                continue
            conn.execute(feed_pings.insert().values(feed=feed_name, kind=kind, target=target, status="pending",
                                                    attempts=0, next_at=now(), error="", created_at=now()))
            added += 1
    return added


def due(store: Store, limit: int = 50) -> list[Ping]:
    query = (select(feed_pings).where(feed_pings.c.status == "pending", feed_pings.c.next_at <= now())
             .order_by(feed_pings.c.id).limit(limit))
    with store.engine.connect() as conn:
        return [_ping(r) for r in conn.execute(query)]


def claim(store: Store, ping_id: int, attempts: int) -> bool:
    """Count one more attempt, unless another sender claimed the ping first."""
    return claim_attempt(store, feed_pings, ping_id, attempts)


def record(store: Store, ping_id: int, values: dict[str, Any]) -> None:
    with store.engine.begin() as conn:
        conn.execute(update(feed_pings).where(feed_pings.c.id == ping_id).values(**values))


def recent(store: Store, feed_name: str | None = None, limit: int = 50) -> list[Ping]:
    query = select(feed_pings).order_by(feed_pings.c.id.desc()).limit(limit)
    if feed_name:
        query = query.where(feed_pings.c.feed == feed_name)
    with store.engine.connect() as conn:
        return [_ping(r) for r in conn.execute(query)]
