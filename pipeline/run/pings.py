"""Telling podcast apps a feed changed, so they fetch it now instead of at their next poll:
WebSub (``hub.mode=publish`` to each configured hub; the feed names its hubs) and Podping
(``reason=update``, with the newsroom's token). Owed when a feed's bytes change, sent apart
from publishing (the web process's sender, a worker after publishing, the end of a run), tried
again with backoff, and only where a fetch may go (pipeline/stages/fetch.py guards)."""

from __future__ import annotations

import logging

import httpx

from pipeline.config import Settings
from pipeline.models import FetchError
from pipeline.run.webhook_delivery import after_attempt
from pipeline.stages.fetch import check_url, guarded_transport
from pipeline.stages.publish.names import feed_url
from pipeline.state import pings
from pipeline.state.schema import now
from pipeline.state.store import Store

log = logging.getLogger("newsaudio.pings")


def targets(settings: Settings) -> list[tuple[str, str]]:
    found = [("websub", hub) for hub in settings.websub_hubs]
    if settings.podping_token and settings.podping_url:
        found.append(("podping", settings.podping_url))
    return found


def feed_changed(settings: Settings, store: Store, feed_name: str) -> int:
    """The feed's bytes changed: owe every hub (and Podping) a ping. Quick: only inserts."""
    wanted = targets(settings)
    return pings.owe(store, feed_name, wanted) if wanted else 0


def _send(settings: Settings, ping: pings.Ping) -> httpx.Response:
    url = feed_url(settings.public_base_url, ping.feed)
    check_url(ping.target, settings)
    with httpx.Client(timeout=settings.webhook_timeout_s, follow_redirects=False, trust_env=False,
                      transport=guarded_transport(settings, settings.webhook_timeout_s * 3),
                      headers={"User-Agent": settings.user_agent}) as client:
        if ping.kind == "podping":
            return client.get(ping.target, params={"url": url, "reason": "update", "medium": "podcast"},
                              headers={"Authorization": settings.podping_token})
        return client.post(ping.target, data={"hub.mode": "publish", "hub.url": url})


def send_due(store: Store, settings: Settings) -> int:
    """Send every ping whose time has come; how many were sent."""
    sent = 0
    for ping in pings.due(store):
        if not pings.claim(store, ping.id, ping.attempts):
            continue
        attempts = ping.attempts + 1
        try:
            code = _send(settings, ping).status_code
            error = "" if 200 <= code < 300 else f"HTTP {code}"
        except (httpx.HTTPError, FetchError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        sent_now = {"status": "sent", "sent_at": now()}
        pings.record(store, ping.id, after_attempt(error, attempts, settings, done=sent_now))
        if not error:
            sent += 1
            continue
        log.warning("%s ping for feed %s to %s, attempt %d: %s", ping.kind, ping.feed, ping.target, attempts, error)
    return sent
