"""Sending the webhooks' deliveries: each signed with HMAC-SHA256 of the hook's secret over the
time of sending and the body, ``X-Newsaudio-Signature: t=<unix seconds>,v1=<hex>`` (the hex of
HMAC(secret, "<t>." + body)), so a receiver can refuse a captured delivery replayed later.
Deliveries go only where a fetch may go (no private or loopback address unless allowed_hosts
names it, the address pinned at connect); a failed delivery is tried again with exponential
backoff, and every attempt is recorded in its row (pipeline/state/webhooks.py keeps them)."""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from datetime import timedelta

import httpx

from pipeline.config import Settings
from pipeline.models import FetchError
from pipeline.stages.fetch import check_url, guarded_transport
from pipeline.state import webhooks
from pipeline.state.schema import now
from pipeline.state.store import Store

log = logging.getLogger("newsaudio.webhooks")


SIGNATURE_HEADER = "X-Newsaudio-Signature"


# A receiver refuses a signature older (or newer) than this: a replayed delivery fails.
TOLERANCE_S = 300


def sign(secret: str, body: bytes, at: int | None = None) -> str:
    at = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode("utf-8"), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={mac}"


def verify(secret: str, body: bytes, header: str, *, tolerance_s: float = TOLERANCE_S,
           now: float | None = None) -> bool:
    """What a receiver does: read the time, refuse it when it is more than ``tolerance_s`` away
    from now (a replay), recompute the signature over time and body, compare in constant time."""
    fields = dict(part.split("=", 1) for part in (header or "").split(",") if "=" in part)
    stamp = fields.get("t", "")
    if not stamp.isdigit() or "v1" not in fields:
        return False
    if abs((time.time() if now is None else now) - int(stamp)) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, body, int(stamp)), f"t={stamp},v1={fields['v1']}")


def check_hook_url(url: str, settings: Settings) -> None:
    """Refuse a webhook URL that a fetch would refuse (FetchError saying why): checked when a
    hook is added and again at every delivery (an address can change)."""
    check_url(url, settings)


def backoff(attempts: int) -> timedelta:
    """10 s, 20 s, 40 s ... capped at an hour."""
    return timedelta(seconds=min(3600, 10 * 2 ** max(0, attempts - 1)))


def after_attempt(error: str, attempts: int, settings: Settings, *, done: dict[str, object]) -> dict[str, object]:
    """What one attempt to send (a delivery, a ping) leaves in its row: ``done`` when it went
    through, given up after ``webhook_max_attempts``, else due again after a backoff."""
    if not error:
        return {**done, "error": ""}
    if attempts >= settings.webhook_max_attempts:
        return {"status": "failed", "error": error}
    return {"error": error, "next_at": now() + backoff(attempts)}


def deliver_due(store: Store, settings: Settings, client: httpx.Client | None = None) -> int:
    """Send every pending delivery whose time has come; how many were sent successfully."""
    due = webhooks.due(store)
    if not due:  # the web process asks every 2 s: nothing to set up for nothing
        return 0
    sent = 0
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
            check_hook_url(r.url, settings)
            response = _post(client, settings, r.url, body, headers)
            code = response.status_code
            error = "" if 200 <= code < 300 else f"HTTP {code}"
        except (httpx.HTTPError, FetchError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        values = after_attempt(error, attempts, settings, done={"status": "delivered", "delivered_at": now()})
        sent += not error
        webhooks.record_attempt(store, r.id, code, values)
        if error:
            log.warning("webhook %s (%s) attempt %d: %s", r.url, r.event, attempts, error)
    return sent


def _post(client: httpx.Client | None, settings: Settings, url: str, body: bytes,
          headers: dict[str, str]) -> httpx.Response:
    if client is not None:
        return client.post(url, content=body, headers=headers)
    # One client per delivery: its address is checked and pinned at connect, and its deadline
    # (three times the timeout: connect, send, answer) is its own.
    with httpx.Client(timeout=settings.webhook_timeout_s, follow_redirects=False, trust_env=False,
                      transport=guarded_transport(settings, settings.webhook_timeout_s * 3)) as own:
        return own.post(url, content=body, headers=headers)
