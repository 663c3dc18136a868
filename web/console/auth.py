"""Who is asking: a console session (cookie) or a CMS token (Bearer), CSRF, login rate limit.

Sessions: a random secret in an HttpOnly, SameSite=Lax cookie (Secure when the request came
over https, also behind a proxy that says so in X-Forwarded-Proto); the store keeps its hash
and the session's CSRF token, which every state-changing form and fetch sends back."""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from functools import wraps
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response

from pipeline.config import Settings
from pipeline.state import accounts
from pipeline.state.store import open_store

COOKIE = "newsaudio_session"
PRELOGIN_COOKIE = "newsaudio_login_csrf"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

Handler = Callable[[Request], Awaitable[Response]]


def is_https(request: Request) -> bool:
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


def set_cookie(response: Response, request: Request, name: str, value: str, max_age: int | None) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path="/", httponly=True, samesite="lax", secure=is_https(request)
    )


class RateLimit:
    """At most ``per_minute`` attempts per key in any 60 s window (one process)."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._seen: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def hit(self, key: str) -> bool:
        """Count one attempt; False when over the limit."""
        now = time.monotonic()
        with self._lock:
            seen = self._seen[key]
            while seen and now - seen[0] > 60:
                seen.popleft()
            if len(seen) >= self.per_minute:
                return False
            seen.append(now)
            return True


def session_of(request: Request, settings: Settings) -> accounts.Session | None:
    return accounts.session_for(open_store(settings), request.cookies.get(COOKIE, ""))


async def read_body(request: Request) -> None:
    """Read a form or JSON body into request.state (handlers then run off the event loop)."""
    request.state.form = {}
    request.state.json = None
    if request.method in SAFE_METHODS:
        return
    kind = request.headers.get("content-type", "")
    if kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        request.state.form = {k: str(v) for k, v in form.multi_items()}
    elif kind.startswith("application/json"):
        try:
            request.state.json = json.loads(await request.body() or b"null")
        except ValueError:
            request.state.json = ...  # marks an unreadable body


def csrf_ok(request: Request, expected: str) -> bool:
    sent = request.headers.get("x-csrf-token", "") or request.state.form.get("csrf", "")
    return bool(expected) and secrets.compare_digest(sent.encode(), expected.encode())


SyncHandler = Callable[[Request], Response]


def threaded(handler: SyncHandler) -> Handler:
    """The async endpoint of a plain handler: read the body, then run it in the thread pool
    (the store and the voices block)."""

    @wraps(handler)
    async def endpoint(request: Request) -> Response:
        await read_body(request)
        return await run_in_threadpool(handler, request)

    return endpoint


def console_page(settings: Settings, *, admin: bool = False) -> Callable[[SyncHandler], Handler]:
    """A console endpoint: logged-in users only (others go to the login page), CSRF checked on
    every state-changing request, admins only where ``admin``. The handler is a plain function
    run in the thread pool (the store and the voices block)."""

    def wrap(handler: SyncHandler) -> Handler:
        def guarded(request: Request) -> Response:
            session = session_of(request, settings)
            if session is None:
                if request.method in SAFE_METHODS and "application/json" not in request.headers.get("accept", ""):
                    return RedirectResponse(f"/console/login?next={quote(request.url.path)}", status_code=303)
                return PlainTextResponse("login required", status_code=401)
            if request.method not in SAFE_METHODS and not csrf_ok(request, session.csrf):
                return PlainTextResponse("missing or wrong CSRF token: reload the page", status_code=403)
            if admin and not session.user.is_admin:
                return PlainTextResponse("admins only", status_code=403)
            request.state.session = session
            request.state.actor = f"user:{session.user.name}"
            return handler(request)

        return wraps(handler)(threaded(guarded))

    return wrap


def api_endpoint(settings: Settings, scope: str) -> Callable[[SyncHandler], Handler]:
    """An API endpoint: a Bearer token with ``scope`` (401 without a valid token, 403 without
    the scope). Tokens are not cookies, so no CSRF is possible or checked."""

    def wrap(handler: SyncHandler) -> Handler:
        def guarded(request: Request) -> Response:
            header = request.headers.get("authorization", "")
            secret = header[7:].strip() if header.lower().startswith("bearer ") else ""
            token = accounts.token_for(open_store(settings), secret)
            if token is None:
                return JSONResponse(
                    {"error": "a valid API token is required (Authorization: Bearer ...)"},
                    status_code=401, headers={"WWW-Authenticate": "Bearer"},
                )
            if scope not in token.scopes:
                return JSONResponse({"error": f"this token lacks the scope {scope!r}"}, status_code=403)
            if request.state.json is ...:
                return JSONResponse({"error": "the body is not valid JSON"}, status_code=400)
            request.state.token = token
            request.state.actor = f"token:{token.name}"
            return handler(request)

        return wraps(handler)(threaded(guarded))

    return wrap
