"""POST /events: anonymous listening numbers from the website's player.

The player sends ``{"guid", "version"?, "event", "value"?}`` (JSON, or the same text from
``navigator.sendBeacon``). Each event adds one to a counter per article, episode version, UTC
day and event in the store; that is all that is kept. No cookie is read or set, no identifier
is asked for, no address or user agent is stored, nothing is kept per listener.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from pipeline.config import Settings
from pipeline.state.articles import has_guid
from pipeline.state.listening import count_listen
from pipeline.state.store import open_store
from web.files.http import parse_origins

EVENTS = frozenset({"loaded", "play", "progress25", "progress50", "progress75", "complete", "speed"})
SPEEDS = frozenset({0.75, 1.0, 1.25, 1.5, 1.75, 2.0})
# An event is under 200 bytes; anything much larger is not from our player.
MAX_BODY = 2048
MAX_GUID = 300
KNOWN_GUIDS = 10_000


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


class EventCounter:
    """One app's /events endpoint (``post``): the origins that may post, and the GUIDs known to
    be published, so a popular article costs one store lookup, not one per event (articles.guid
    has no index). Unknown GUIDs are asked again: they may appear."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.origins = allowed_origins(settings)
        self._known: set[str] = set()

    def is_known(self, guid: str) -> bool:
        if guid in self._known:
            return True
        if not has_guid(open_store(self.settings), guid):
            return False
        if len(self._known) >= KNOWN_GUIDS:
            self._known.clear()
        self._known.add(guid)
        return True

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
        # Only published articles are counted: random GUIDs must not grow the table.
        if not await run_in_threadpool(self.is_known, guid):
            return PlainTextResponse("unknown episode\n", status_code=404, headers=cors)
        await run_in_threadpool(count_listen, open_store(self.settings), guid, version, event, value)
        return Response(status_code=204, headers={**cors, "Cache-Control": "no-store"})
