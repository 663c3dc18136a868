"""Sending the webhooks' deliveries: each body signed with HMAC-SHA256 of the hook's secret in
``X-Newsaudio-Signature: sha256=<hex>``; a failed delivery is tried again with exponential
backoff, and every attempt is recorded in its row (pipeline/state/webhooks.py keeps them)."""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import timedelta

import httpx

from pipeline.config import Settings
from pipeline.state import webhooks
from pipeline.state.schema import now
from pipeline.state.store import Store

log = logging.getLogger("newsaudio.webhooks")


SIGNATURE_HEADER = "X-Newsaudio-Signature"


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str) -> bool:
    """What a receiver does: recompute and compare in constant time."""
    return hmac.compare_digest(sign(secret, body), header or "")


def backoff(attempts: int) -> timedelta:
    """10 s, 20 s, 40 s ... capped at an hour."""
    return timedelta(seconds=min(3600, 10 * 2 ** max(0, attempts - 1)))


def deliver_due(store: Store, settings: Settings, client: httpx.Client | None = None) -> int:
    """Send every pending delivery whose time has come; how many were sent successfully."""
    due = webhooks.due(store)
    if not due:  # the web process asks every 2 s: no client (and TLS context) for nothing
        return 0
    sent = 0
    own = client is None
    client = client or httpx.Client(timeout=settings.webhook_timeout_s, follow_redirects=False)
    try:
        for r in due:
            # Claim it first, so two senders (web process and a worker) do not both send it.
            if not webhooks.claim(store, r.id, r.attempts):
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
                values: dict[str, object] = {"status": "delivered", "delivered_at": now(), "error": ""}
                sent += 1
            elif attempts >= settings.webhook_max_attempts:
                values = {"status": "failed", "error": error}
            else:
                values = {"error": error, "next_at": now() + backoff(attempts)}
            webhooks.record_attempt(store, r.id, code, values)
            if error:
                log.warning("webhook %s (%s) attempt %d: %s", r.url, r.event, attempts, error)
    finally:
        if own:
            client.close()
    return sent
