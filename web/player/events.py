"""POST /events: anonymous listening numbers from the website's player.

The player sends ``{"guid", "version"?, "event", "value"?}`` (JSON, or the same text from
``navigator.sendBeacon``). Each event adds one to a counter per article, episode version, UTC
day and event in the store; that is all that is kept. No cookie is read or set, no identifier
is asked for, no address or user agent is stored, nothing is kept per listener.

Only published episodes are counted (a GUID with an episode of that version; version 0 when
the page did not say which), and each listener has a budget (Budget) kept in this process's
memory for minutes, under a salted hash of address and user agent whose salt is made at start
and never written anywhere: the same listener's play of the same episode counts once per
events_play_interval_s (so do its page loads, progress marks and completions), and at most
events_per_client_per_minute events a minute count at all; the rest are answered 204 as well.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
from collections.abc import Sequence

from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from pipeline.config import Settings
from pipeline.state.listening import count_listen
from pipeline.state.schema import articles, episodes
from pipeline.state.store import Store, open_store
from web.files.http import parse_origins
from web.limits import RateLimit

EVENTS = frozenset({"loaded", "play", "progress25", "progress50", "progress75", "complete", "speed"})
# The speeds the player offers (web/static/player/newsaudio-player.js SPEEDS).
SPEEDS = frozenset({0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0})
# An event is under 200 bytes; anything much larger is not from our player.
MAX_BODY = 2048
MAX_GUID = 300
KNOWN_GUIDS = 10_000
# Known GUIDs' versions are asked again after this long (a new version may be out).
KNOWN_FOR_S = 300.0
# Events counted once per listener, episode and interval (a reload, a replay, a bot's loop);
# "speed" (a listener trying speeds) is bounded by the per-minute budget only.
ONCE_PER_INTERVAL = frozenset({"loaded", "play", "progress25", "progress50", "progress75", "complete"})
# Listeners remembered at most (memory stays bounded under a flood of addresses).
MAX_CLIENTS = 100_000


class BadEvent(ValueError):
    pass


def allowed_origins(settings: Settings) -> tuple[str, ...]:
    """The website origins that may post events: ``settings.cors_origins`` (shared with the
    static files' CORS, read by the same web.files.http.parse_origins), else any origin."""
    return parse_origins(settings.cors_origins or "*")


def cors_headers(origin: str | None, origins: Sequence[str]) -> dict[str, str]:
    if "*" in origins:
        return {"Access-Control-Allow-Origin": "*"}
    if origin and origin in origins:
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
    return {"Vary": "Origin"}


def parse_event(body: bytes) -> tuple[str, int, str, str]:
    """(guid, version, event, value) of a valid event body; BadEvent otherwise."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadEvent("body is not JSON") from exc
    if not isinstance(data, dict):
        raise BadEvent("body is not a JSON object")
    guid, event, version = data.get("guid"), data.get("event"), data.get("version", 0)
    if not isinstance(guid, str) or not guid or len(guid) > MAX_GUID:
        raise BadEvent("guid missing or too long")
    if event not in EVENTS:
        raise BadEvent("unknown event")
    if version is None:
        version = 0
    if isinstance(version, bool) or not isinstance(version, int) or not 0 <= version < 1_000_000:
        raise BadEvent("version is not a small whole number")
    value = ""
    if event == "speed":
        speed = data.get("value")
        if isinstance(speed, bool) or not isinstance(speed, int | float) or float(speed) not in SPEEDS:
            raise BadEvent("speed is not one the player offers")
        value = f"{float(speed):g}"
    return guid, version, event, value


async def _read_body(request: Request, limit: int) -> bytes | None:
    """The body, or None when it is larger than ``limit`` (read no further than that)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def published_versions(store: Store, guid: str) -> frozenset[int]:
    """The versions of the GUID's article that have an episode (empty: none, or unknown)."""
    query = (
        select(episodes.c.version)
        .join(articles, episodes.c.article_id == articles.c.id)
        .where(articles.c.guid == guid, articles.c.status != "withdrawn")
    )
    with store.engine.connect() as conn:
        return frozenset(row.version for row in conn.execute(query))


class Budget:
    """What one listener may add: one count per (episode, milestone event) per ``interval_s``,
    and ``per_minute`` events a minute. Listeners are keyed by a keyed BLAKE2 hash of address
    and user agent; the key is random per process and never stored, so the keys mean nothing
    outside this process's memory, and nothing is kept longer than ``interval_s``."""

    def __init__(self, interval_s: float, per_minute: int) -> None:
        self.interval_s = interval_s
        self.per_minute = per_minute
        self._salt = secrets.token_bytes(32)
        self._minute = RateLimit(per_minute, MAX_CLIENTS)
        self._once: dict[tuple[bytes, str, str], float] = {}
        self._lock = threading.Lock()

    def client(self, address: str, user_agent: str) -> bytes:
        return hashlib.blake2b(f"{address}\0{user_agent}".encode(), key=self._salt, digest_size=16).digest()

    def take_minute(self, client: bytes) -> bool:
        """Count one event against the client's minute; False when it is spent."""
        return self._minute.hit(client)

    def take_once(self, client: bytes, guid: str, event: str) -> bool:
        """True the first time in the interval the client sends this event for this episode."""
        if event not in ONCE_PER_INTERVAL:
            return True
        now = time.monotonic()
        key = (client, guid, event)
        with self._lock:
            if len(self._once) >= MAX_CLIENTS * 4:
                self._forget(now)
            last = self._once.get(key)
            if last is not None and now - last < self.interval_s:
                return False
            self._once[key] = now
            return True

    def _forget(self, now: float) -> None:
        """Drop what has expired; under a flood of new clients, everything (a flood must not
        grow memory; it costs a few uncounted duplicates at worst)."""
        self._once = {k: t for k, t in self._once.items() if now - t < self.interval_s}
        if len(self._once) >= MAX_CLIENTS * 2:
            self._once.clear()


class EventCounter:
    """One app's /events endpoint (``post``): the origins that may post, the published versions
    of recently seen GUIDs, so a popular article costs one store lookup every few minutes, not
    one per event (articles.guid has no index), and the listeners' budget. Unknown GUIDs and
    versions are asked again: they may appear."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.origins = allowed_origins(settings)
        self.budget = Budget(settings.events_play_interval_s, settings.events_per_client_per_minute)
        self._known: dict[str, tuple[frozenset[int], float]] = {}

    def is_published(self, guid: str, version: int) -> bool:
        """Whether the GUID has an episode of ``version`` (any, for 0: the page did not say)."""
        cached = self._known.get(guid)
        now = time.monotonic()
        if cached is None or now - cached[1] > KNOWN_FOR_S or (version and version not in cached[0]):
            versions = published_versions(open_store(self.settings), guid)
            if not versions:
                self._known.pop(guid, None)
                return False
            if len(self._known) >= KNOWN_GUIDS:
                self._known.clear()
            cached = self._known[guid] = (versions, now)
        return version == 0 or version in cached[0]

    async def post(self, request: Request) -> Response:
        cors = cors_headers(request.headers.get("origin"), self.origins)
        if request.method == "OPTIONS":
            return Response(status_code=204, headers={
                **cors, "Access-Control-Allow-Methods": "POST", "Access-Control-Allow-Headers": "Content-Type",
                "Access-Control-Max-Age": "86400",
            })
        body = await _read_body(request, MAX_BODY)
        if body is None:
            return PlainTextResponse("event too large\n", status_code=413, headers=cors)
        try:
            guid, version, event, value = parse_event(body)
        except BadEvent as exc:
            return PlainTextResponse(f"{exc}\n", status_code=400, headers=cors)
        # The budget first: a client sending random GUIDs spends it before the store is asked.
        address = request.client.host if request.client else ""
        client = self.budget.client(address, request.headers.get("user-agent", ""))
        # Over it, the answer is the same as for a counted event: a page's player never shows an
        # error for it, and a script learns nothing about where the limit lies.
        if not self.budget.take_minute(client):
            return Response(status_code=204, headers={**cors, "Cache-Control": "no-store"})
        # Only published episodes are counted: random GUIDs must not grow the table.
        if not await run_in_threadpool(self.is_published, guid, version):
            return PlainTextResponse("unknown episode\n", status_code=404, headers=cors)
        # A replay (or a loop) within the interval is answered as counted, and is not.
        if self.budget.take_once(client, guid, event):
            await run_in_threadpool(count_listen, open_store(self.settings), guid, version, event, value)
        return Response(status_code=204, headers={**cors, "Cache-Control": "no-store"})
