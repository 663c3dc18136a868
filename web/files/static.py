"""Serve the published output folder: feeds, audio, transcripts, chapters, per-article data, cover.

Starlette's FileResponse streams a file but parses Range on its own terms (a malformed header is
a 400 where RFC 9110 says ignore it, a 416 carries none of our headers, several ranges make a
multipart body) and never answers 304 (only StaticFiles does, and it has no CORS or cache
policy), so the decisions are web.files.http's and the sending is here: one worker-thread call per
request finds, checks and (for small bodies) reads the file.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import anyio
from starlette.datastructures import Headers
from starlette.types import Receive, Scope, Send

from web.files import http

CHUNK = 64 * 1024
# Bodies up to this size are read in the same worker-thread call that finds the file: one thread
# hop per request for feeds, data files and the ranges players ask for.
SMALL = 256 * 1024
AUDIO_PREFIX = "audio/"

# Told of every GET of a file under audio/ answered 200 or 206, once its body is sent or the
# client went away: (scope, path under output/, status, bytes of body actually sent). It runs
# on the event loop after the answer, so it must only hand the facts on (web/downloads.py
# queues them), never wait.
Served = Callable[[Scope, str, int, int], None]


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes = b""
    fd: int | None = None  # a large body: stream [start, end) from this open file, then close it
    start: int = 0
    end: int = 0


def _open(root: str, rel: str) -> tuple[int, os.stat_result] | None:
    """The open file and its stat, or None when it may not be served. Validators come from the
    open file (fstat), so they describe the bytes sent even if a new version is renamed in."""
    path = os.path.join(root, rel)
    # A symlink inside output/ must not lead outside it.
    if not os.path.realpath(path).startswith(os.path.realpath(root) + os.sep):
        return None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        return None
    return fd, st


def answer(root: str, rel: str, head: bool, req: Headers, extra: dict[str, str]) -> Answer:
    """Everything about a GET or HEAD of output/<rel> except sending it (runs in a worker thread)."""
    opened = _open(root, rel)
    if opened is None:
        if os.path.isfile(os.path.join(root, http.TOMBSTONES, rel)):
            return _text(410, "gone: this episode was withdrawn", extra | {"cache-control": http.CACHE_REVALIDATE})
        return _text(404, "not found")
    fd, st = opened
    keep_open = False
    try:
        v = http.validators(st)
        headers = extra | {
            "content-type": http.content_type(rel),
            "cache-control": http.cache_control(rel),
            "etag": v.etag,
            "last-modified": v.last_modified,
            "accept-ranges": "bytes",
            "x-content-type-options": "nosniff",
        }
        if http.not_modified(v, req.get("if-none-match"), req.get("if-modified-since")):
            del headers["content-type"]
            return Answer(304, headers)
        size = st.st_size
        span: tuple[int, int] | None = None
        if http.if_range_allows(v, req.get("if-range")):
            try:
                span = http.byte_range(req.get("range"), size)
            except http.Unsatisfiable:
                return _text(416, "range not satisfiable", extra | {"content-range": f"bytes */{size}"})
        status, (start, end) = (200, (0, size)) if span is None else (206, span)
        if span is not None:
            headers["content-range"] = f"bytes {start}-{end - 1}/{size}"
        headers["content-length"] = str(end - start)
        if head:
            return Answer(status, headers)
        if end - start <= SMALL:
            return Answer(status, headers, _pread_all(fd, start, end))
        keep_open = True
        return Answer(status, headers, fd=fd, start=start, end=end)
    finally:
        if not keep_open:
            os.close(fd)


def _pread_all(fd: int, start: int, end: int) -> bytes:
    parts = []
    while start < end:
        chunk = os.pread(fd, end - start, start)
        if not chunk:
            break
        parts.append(chunk)
        start += len(chunk)
    return b"".join(parts)


def _text(status: int, text: str, headers: dict[str, str] | None = None) -> Answer:
    body = (text + "\n").encode()
    plain = {"content-type": "text/plain; charset=utf-8", "content-length": str(len(body))}
    return Answer(status, (headers or {}) | plain, body)


class OutputFiles:
    """An ASGI app for output/. Mounted last in web.app: whatever no route claims is a file or 404."""

    def __init__(self, root: Path, cors_origins: str = "*", on_audio: Served | None = None) -> None:
        self.root = str(root)
        self.origins = http.parse_origins(cors_origins)
        self.on_audio = on_audio

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        req = Headers(scope=scope)
        rel = http.safe_relative_path(scope.get("raw_path") or scope["path"].encode())
        method = scope["method"]
        if rel is None:
            await _send(send, _text(404, "not found"), method)
            return
        extra: dict[str, str] = {}
        if http.wants_cors(rel):
            extra = http.cors_headers(self.origins, req.get("origin"))
        if method == "OPTIONS":
            # CORS preflight (a fetch with Range or conditional headers asks first).
            allow = {"allow": "GET, HEAD, OPTIONS"}
            if "access-control-allow-origin" in extra:
                allow |= {
                    "access-control-allow-methods": "GET, HEAD, OPTIONS",
                    "access-control-allow-headers": http.CORS_ALLOW_HEADERS,
                    "access-control-max-age": "86400",
                }
            await _send(send, Answer(204, extra | allow), method)
            return
        if method not in ("GET", "HEAD"):
            await _send(send, _text(405, "method not allowed", {"allow": "GET, HEAD, OPTIONS"}), method)
            return
        ans = await anyio.to_thread.run_sync(answer, self.root, rel, method == "HEAD", req, extra)
        sent = [0]
        try:
            if ans.fd is None:
                await _send(send, ans, method)
                sent[0] = len(ans.body) if method == "GET" else 0
                return
            try:
                await send({"type": "http.response.start", "status": ans.status, "headers": _raw(ans.headers)})
                await _stream(ans.fd, ans.start, ans.end, send, receive, sent)
            finally:
                os.close(ans.fd)
        finally:
            # Also when the client dropped the connection mid-body: what it got, it got.
            if (self.on_audio is not None and method == "GET" and ans.status in (200, 206)
                    and rel.startswith(AUDIO_PREFIX)):
                self.on_audio(scope, rel, ans.status, sent[0])


async def _send(send: Send, ans: Answer, method: str) -> None:
    await send({"type": "http.response.start", "status": ans.status, "headers": _raw(ans.headers)})
    body = b"" if method == "HEAD" else ans.body
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def _stream(fd: int, start: int, end: int, send: Send, receive: Receive, sent: list[int]) -> None:
    """Send [start, end) in chunks; stop reading when the client goes away (a player that seeks
    drops its connection mid-file). ``sent[0]`` counts the body bytes handed to the server."""

    async def pump() -> None:
        pos = start
        while pos < end:
            chunk = await anyio.to_thread.run_sync(os.pread, fd, min(CHUNK, end - pos), pos)
            if not chunk:  # the file shrank under us: end the body rather than hang
                break
            pos += len(chunk)
            await send({"type": "http.response.body", "body": chunk, "more_body": pos < end})
            sent[0] += len(chunk)
        if pos < end:
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        tg.cancel_scope.cancel()

    async with anyio.create_task_group() as tg:
        tg.start_soon(pump)
        while (await receive())["type"] != "http.disconnect":
            pass
        tg.cancel_scope.cancel()


def _raw(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
