"""Outgoing webhooks' records: the hooks (audio.published, audio.failed, audio.withdrawn, to
configured URLs) and their deliveries.

Each event becomes one delivery row per subscribed hook (quick: only an insert where work
happens); the web process, a console job or a worker then sends what is due
(pipeline/run/webhook_delivery.py), claiming each row first and recording every attempt."""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from pipeline.state import schema
from pipeline.state.store import Store, claim_attempt

log = logging.getLogger("newsaudio.webhooks")

EVENTS = ("audio.published", "audio.failed", "audio.withdrawn")


@dataclass
class Hook:
    id: int
    url: str
    secret: str
    events: list[str]
    active: bool


@dataclass
class Delivery:
    id: int
    webhook_id: int
    event: str
    payload: str
    status: str
    attempts: int
    response_code: int | None
    error: str
    next_at: datetime | None
    created_at: datetime | None
    delivered_at: datetime | None


def add_hook(store: Store, url: str, events: list[str], secret: str = "") -> Hook:
    if not url.startswith(("http://", "https://")):
        raise ValueError("a webhook URL starts with http:// or https://")
    wrong = [e for e in events if e not in EVENTS]
    if wrong or not events:
        raise ValueError(f"events must be some of {', '.join(EVENTS)}")
    secret = secret or secrets.token_urlsafe(32)
    with store.engine.begin() as conn:
        new_id = conn.execute(
            schema.webhooks.insert().values(
                url=url, secret=secret, events=",".join(events), active=1, created_at=schema.now()
            )
        ).inserted_primary_key[0]
    return Hook(int(new_id), url, secret, events, True)


def _hook(r: object) -> Hook:
    return Hook(r.id, r.url, r.secret, r.events.split(","), bool(r.active))  # type: ignore[attr-defined]


def hooks(store: Store) -> list[Hook]:
    with store.engine.connect() as conn:
        return [_hook(r) for r in conn.execute(select(schema.webhooks).order_by(schema.webhooks.c.id))]


def set_active(store: Store, hook_id: int, active: bool) -> None:
    with store.engine.begin() as conn:
        conn.execute(update(schema.webhooks).where(schema.webhooks.c.id == hook_id).values(active=int(active)))


def announce(store: Store, event: str, payload: dict[str, object]) -> int:
    """Queue one delivery per active hook that wants ``event``; how many were queued."""
    wanted = [h for h in hooks(store) if h.active and event in h.events]
    if not wanted:
        return 0
    body = json.dumps({"event": event, **payload}, ensure_ascii=False, sort_keys=True)
    with store.engine.begin() as conn:
        for h in wanted:
            conn.execute(
                schema.deliveries.insert().values(
                    webhook_id=h.id, event=event, payload=body, status="pending", attempts=0, error="",
                    next_at=schema.now(), created_at=schema.now(),
                )
            )
    return len(wanted)


def _delivery(r: object) -> Delivery:
    return Delivery(
        r.id, r.webhook_id, r.event, r.payload, r.status, r.attempts, r.response_code,  # type: ignore[attr-defined]
        r.error, schema.utc(r.next_at), schema.utc(r.created_at), schema.utc(r.delivered_at),  # type: ignore[attr-defined]
    )


def deliveries(store: Store, limit: int = 200) -> list[Delivery]:
    t = schema.deliveries
    with store.engine.connect() as conn:
        return [_delivery(r) for r in conn.execute(select(t).order_by(t.c.id.desc()).limit(limit))]


def due(store: Store, limit: int = 50) -> list[Any]:
    """Pending deliveries whose time has come, with their hook's URL and secret."""
    t = schema.deliveries
    with store.engine.connect() as conn:
        return list(conn.execute(
            select(t, schema.webhooks.c.url, schema.webhooks.c.secret)
            .join(schema.webhooks, schema.webhooks.c.id == t.c.webhook_id)
            .where(t.c.status == "pending", t.c.next_at <= schema.now())
            .order_by(t.c.id)
            .limit(limit)
        ).all())


def claim(store: Store, delivery_id: int, attempts: int) -> bool:
    """Count one more attempt, unless another sender claimed the delivery first."""
    return claim_attempt(store, schema.deliveries, delivery_id, attempts)


def record_attempt(store: Store, delivery_id: int, code: int | None, values: dict[str, Any]) -> None:
    with store.engine.begin() as conn:
        conn.execute(update(schema.deliveries).where(schema.deliveries.c.id == delivery_id)
                     .values(response_code=code, **values))
