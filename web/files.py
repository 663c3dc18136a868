"""Serve the published output folder: feeds, audio, transcripts, chapters, per-article data, cover.

Starlette's FileResponse streams a file but parses Range on its own terms (a malformed header is
a 400, a 416 carries none of our headers) and never answers 304, so the decisions are made here
(web.http) and only the byte streaming is ours too: one small loop, HEAD without a body.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

import anyio
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from web import http

CHUNK = 64 * 1024


@dataclass(frozen=True)
class Found:
    path: str
    st: os.stat_result | None  # None: not served (404) ...
    gone: bool = False  # ... or withdrawn (410)


def _find(root: str, rel: str) -> Found:
    path = os.path.join(root, rel)
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        gone = os.path.isfile(os.path.join(root, http.TOMBSTONES, rel))
        return Found(path, None, gone)
    except OSError:
        return Found(path, None)
    if not stat.S_ISREG(st.st_mode):
        return Found(path, None)
    # A symlink inside output/ must not lead outside it.
    real = os.path.realpath(path)
    if not real.startswith(os.path.realpath(root) + os.sep):
        return Found(path, None)
    return Found(path, st)


class OutputFiles:
    """An ASGI app for output/. Mounted last in web.app: whatever no route claims is a file or 404."""

    def __init__(self, root: Path, cors_origins: str = "*") -> None:
        self.root = str(root)
        self.origins = http.parse_origins(cors_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request_headers = Headers(scope=scope)
        rel = http.safe_relative_path(scope.get("raw_path") or scope["path"].encode())
        method = scope["method"]
        if rel is None:
            await _plain(404, "not found")(scope, receive, send)
            return
        extra: dict[str, str] = {}
        if http.wants_cors(rel):
            extra = http.cors_headers(self.origins, request_headers.get("origin"))
        if method == "OPTIONS":
            # CORS preflight (a fetch with Range or conditional headers asks first).
            allow = {"allow": "GET, HEAD, OPTIONS"}
            if "access-control-allow-origin" in extra:
                allow |= {
                    "access-control-allow-methods": "GET, HEAD, OPTIONS",
                    "access-control-allow-headers": http.CORS_ALLOW_HEADERS,
                    "access-control-max-age": "86400",
                }
            await Response(status_code=204, headers=extra | allow)(scope, receive, send)
            return
        if method not in ("GET", "HEAD"):
            await _plain(405, "method not allowed", {"allow": "GET, HEAD, OPTIONS"})(scope, receive, send)
            return

        found = await anyio.to_thread.run_sync(_find, self.root, rel)
        if found.st is None:
            if found.gone:
                await _plain(410, "gone: this episode was withdrawn", extra | {"cache-control": http.CACHE_REVALIDATE})(
                    scope, receive, send
                )
            else:
                await _plain(404, "not found")(scope, receive, send)
            return

        st = found.st
        v = http.validators(st)
        headers = extra | {
            "content-type": http.content_type(rel),
            "cache-control": http.cache_control(rel),
            "etag": v.etag,
            "last-modified": v.last_modified,
            "accept-ranges": "bytes",
            "x-content-type-options": "nosniff",
        }
        if http.not_modified(v, request_headers.get("if-none-match"), request_headers.get("if-modified-since")):
            del headers["content-type"]
            await Response(status_code=304, headers=headers)(scope, receive, send)
            return

        size = st.st_size
        span: tuple[int, int] | None = None
        if http.if_range_allows(v, request_headers.get("if-range")):
            try:
                span = http.byte_range(request_headers.get("range"), size)
            except http.Unsatisfiable:
                await _plain(416, "range not satisfiable", extra | {"content-range": f"bytes */{size}"})(
                    scope, receive, send
                )
                return
        if span is None:
            status, start, end = 200, 0, size
        else:
            status, (start, end) = 206, span
            headers["content-range"] = f"bytes {start}-{end - 1}/{size}"
        headers["content-length"] = str(end - start)
        await send({"type": "http.response.start", "status": status, "headers": _raw(headers)})
        if method == "HEAD" or start == end:
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        await _stream(found.path, start, end, send)


async def _stream(path: str, start: int, end: int, send: Send) -> None:
    async with await anyio.open_file(path, "rb") as fh:
        await fh.seek(start)
        left = end - start
        while left > 0:
            chunk = await fh.read(min(CHUNK, left))
            if not chunk:  # the file shrank under us: end the body rather than hang
                break
            left -= len(chunk)
            await send({"type": "http.response.body", "body": chunk, "more_body": left > 0})
        if left > 0:
            await send({"type": "http.response.body", "body": b"", "more_body": False})


def _raw(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]


def _plain(status: int, text: str, headers: dict[str, str] | None = None) -> Response:
    return Response(text + "\n", status_code=status, headers=headers, media_type="text/plain; charset=utf-8")
