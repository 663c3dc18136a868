"""Outgoing webhooks: audio.published, audio.failed, audio.withdrawn, to configured URLs.

Each event becomes one delivery row per subscribed hook (quick: only an insert where work
happens); the web process, a console job or a worker then sends what is due. The body is
signed with HMAC-SHA256 of the hook's secret in ``X-Newsaudio-Signature: sha256=<hex>``;
a failed delivery is retried with exponential backoff, every attempt is logged in the row."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import select, update

from pipeline.config import Settings
from pipeline.state import schema
from pipeline.state.store import Store

log = logging.getLogger("newsaudio.webhooks")

EVENTS = ("audio.published", "audio.failed", "audio.withdrawn")
SIGNATURE_HEADER = "X-Newsaudio-Signature"


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


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str) -> bool:
    """What a receiver does: recompute and compare in constant time."""
    return hmac.compare_digest(sign(secret, body), header or "")


def add_hook(store: Store, url: str, events: list[str], secret: str = "") -> Hook:
    if not url.startswith(("http://", "https://")):
        raise ValueError("a webhook URL starts with http:// or https://")
    wrong = [e for e in events if e not in EVENTS]
    if wrong or not events:
        raise ValueError(f"events must be some of {', '.join(EVENTS)}")
    schema.ensure(store)
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
    schema.ensure(store)
    with store.engine.connect() as conn:
        return [_hook(r) for r in conn.execute(select(schema.webhooks).order_by(schema.webhooks.c.id))]


def set_active(store: Store, hook_id: int, active: bool) -> None:
    with store.engine.begin() as conn:
        conn.execute(update(schema.webhooks).where(schema.webhooks.c.id == hook_id).values(active=int(active)))


def announce(store: Store, event: str, payload: dict[str, object]) -> int:
    """Queue one delivery per active hook that wants ``event``; how many were queued."""
    schema.ensure(store)
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
    schema.ensure(store)
    t = schema.deliveries
    with store.engine.connect() as conn:
        return [_delivery(r) for r in conn.execute(select(t).order_by(t.c.id.desc()).limit(limit))]


def backoff(attempts: int) -> timedelta:
    """10 s, 20 s, 40 s ... capped at an hour."""
    return timedelta(seconds=min(3600, 10 * 2 ** max(0, attempts - 1)))


def deliver_due(store: Store, settings: Settings, client: httpx.Client | None = None) -> int:
    """Send every pending delivery whose time has come; how many were sent successfully."""
    schema.ensure(store)
    t = schema.deliveries
    with store.engine.connect() as conn:
        due = conn.execute(
            select(t, schema.webhooks.c.url, schema.webhooks.c.secret)
            .join(schema.webhooks, schema.webhooks.c.id == t.c.webhook_id)
            .where(t.c.status == "pending", t.c.next_at <= schema.now())
            .order_by(t.c.id)
            .limit(50)
        ).all()
    if not due:  # the web process asks every 2 s: no client (and TLS context) for nothing
        return 0
    sent = 0
    own = client is None
    client = client or httpx.Client(timeout=settings.webhook_timeout_s, follow_redirects=False)
    try:
        for r in due:
            # Claim it first, so two senders (web process and a worker) do not both send it.
            with store.engine.begin() as conn:
                claimed = conn.execute(
                    update(t).where(t.c.id == r.id, t.c.status == "pending", t.c.attempts == r.attempts)
                    .values(attempts=r.attempts + 1)
                ).rowcount
            if not claimed:
                continue
            attempts = r.attempts + 1
            body = r.payload.encode("utf-8")
            headers = {
                "Content-Type": "application/json",
                "User-Agent": settings.user_agent,
                "X-Newsaudio-Event": r.event,
                "X-Newsaudio-Delivery": str(r.id),
                SIGNATURE_HEADER: sign(r.secret, body),
            }
            code: int | None = None
            try:
                response = client.post(r.url, content=body, headers=headers)
                code = response.status_code
                error = "" if 200 <= code < 300 else f"HTTP {code}"
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
            if not error:
                values: dict[str, object] = {"status": "delivered", "delivered_at": schema.now(), "error": ""}
                sent += 1
            elif attempts >= settings.webhook_max_attempts:
                values = {"status": "failed", "error": error}
            else:
                values = {"error": error, "next_at": schema.now() + backoff(attempts)}
            with store.engine.begin() as conn:
                conn.execute(update(t).where(t.c.id == r.id).values(response_code=code, **values))
            if error:
                log.warning("webhook %s (%s) attempt %d: %s", r.url, r.event, attempts, error)
    finally:
        if own:
            client.close()
    return sent
