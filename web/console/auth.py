"""Who is at the console: sessions in a cookie, CSRF tokens, and the login rate limit.

Sessions: a random secret in an HttpOnly, SameSite=Lax cookie (Secure when the request came
over https, also behind a proxy in trusted_proxies that says so in X-Forwarded-Proto: web.app's
Edge puts that into the request's scheme); the store keeps its hash and the session's CSRF
token, which every state-changing form and fetch sends back."""

from __future__ import annotations

import secrets
from functools import wraps
from typing import TYPE_CHECKING
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from pipeline.state.store import Store
from web.console import locale
from web.limits import RateLimit
from web.sync_handlers import SAFE_METHODS, Handler, SyncHandler, threaded

if TYPE_CHECKING:
    from pipeline.state.accounts import Session

COOKIE = "newsaudio_session"
PRELOGIN_COOKIE = "newsaudio_login_csrf"


def is_https(request: Request) -> bool:
    """Whether the client's request came over https. X-Forwarded-Proto is not read here: anyone
    can send it; web.app's Edge believes it from trusted proxies only and sets the scheme."""
    return request.url.scheme == "https"


def set_cookie(response: Response, request: Request, name: str, value: str, max_age: int | None) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path="/", httponly=True, samesite="lax", secure=is_https(request)
    )


class LoginLimits:
    """One app's login attempts: per address and name, and per address alone with more room,
    since a whole newsroom may share one address."""

    def __init__(self, per_minute: int) -> None:
        self.per_name = RateLimit(per_minute)
        self.per_address = RateLimit(per_minute * 4)

    def allow(self, address: str, name: str) -> bool:
        """Count one attempt; False when either limit is reached."""
        return self.per_name.hit(f"{address}|{name.lower()}") and self.per_address.hit(address)


def session_of(request: Request) -> Session | None:
    # Imported here, not with the app: accounts hashes a dummy password with argon2 at import
    # (a second of CPU), which a process that only serves files should not pay.
    from pipeline.state import accounts

    store: Store = request.app.state.store
    return accounts.session_for(store, request.cookies.get(COOKIE, ""))


def csrf_ok(request: Request, expected: str) -> bool:
    sent = request.headers.get("x-csrf-token", "") or request.state.form.get("csrf", "")
    return bool(expected) and secrets.compare_digest(sent.encode(), expected.encode())


def prelogin_csrf_ok(request: Request) -> bool:
    """The login and setup forms' token: no session yet, so it is checked against its own cookie."""
    sent, expected = request.state.form.get("csrf", ""), request.cookies.get(PRELOGIN_COOKIE, "")
    return bool(expected) and secrets.compare_digest(sent.encode(), expected.encode())


def _guarded(handler: SyncHandler, *, admin: bool) -> Handler:
    def guarded(request: Request) -> Response:
        session = session_of(request)
        if session is None:
            if request.method in SAFE_METHODS and "application/json" not in request.headers.get("accept", ""):
                return RedirectResponse(f"/console/login?next={quote(request.url.path)}", status_code=303)
            return PlainTextResponse(locale.for_request(request)("Anmeldung nötig"), status_code=401)
        if request.method not in SAFE_METHODS and not csrf_ok(request, session.csrf):
            _ = locale.for_request(request)
            return PlainTextResponse(_("CSRF-Token fehlt oder ist falsch: Seite bitte neu laden"), status_code=403)
        if admin and not session.user.is_admin:
            return PlainTextResponse(locale.for_request(request)("Nur für Administratoren"), status_code=403)
        request.state.session = session
        request.state.actor = f"user:{session.user.name}"
        return handler(request)

    return wraps(handler)(threaded(guarded))


def console_page(handler: SyncHandler) -> Handler:
    """A console endpoint: logged-in users only (others go to the login page), CSRF checked on
    every state-changing request. The handler is a plain function run in the thread pool."""
    return _guarded(handler, admin=False)


def admin_page(handler: SyncHandler) -> Handler:
    """A console endpoint as ``console_page``, for admins only."""
    return _guarded(handler, admin=True)
