"""The one ASGI app of ``newsaudio serve`` (and the Procfile's ``web``): every room of the web side
mounted, the edge every request passes first (who is asking, from where, how much it may send,
which headers the answer carries), the state its handlers share, and the background work that
runs while it does.

The console and the API are imported on their first request, not with the app: they pull in the
pipeline (speech, mastering, extraction), which a process that only serves files and counts
plays never needs (see README "Serving": the app's memory)."""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
import re
import secrets
import threading
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from urllib.parse import urlsplit

import anyio
from jinja2 import pass_context
from jinja2.ext import Extension
from jinja2.runtime import Context
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route, Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pipeline.config import ConfigError, Settings
from web.console.auth import LoginLimits
from web.console.pages import TEMPLATES, make_templates
from web.downloads import counter_for
from web.files.static import OutputFiles
from web.health import healthz
from web.lazy_store import lazy_store
from web.player.routes import routes as player_routes
from web.webhook_sender import WebhookSender

if TYPE_CHECKING:
    from pipeline.run.requests import Dispatch

# The parts of the site that carry logins, sessions and tokens (the rest is public).
PRIVATE_PREFIXES = ("/console", "/api/", "/metrics")
REFUSED = (
    "the console and the API answer only on this machine or over https (through a proxy named in "
    "trusted_proxies that sends X-Forwarded-Proto: https); console_over_plain_http_unsafe = true "
    "lets them answer over plain http"
)
HSTS = "max-age=31536000"

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
T = TypeVar("T")


def create_app(settings: Settings) -> Starlette:
    """The app for ``settings``; its handlers read what they share from ``request.app.state``.

    The output files come last: whatever no route claims is looked up in output/ (or is a 404).
    The dynamic paths above them are the ones deploy/nginx.conf proxies to this app (keep its
    list in step). Background work starts with the app's lifespan, never by building it.
    """
    # Downloads of the audio this app sends (count_downloads), recorded off the request path.
    downloads = counter_for(settings)
    routes: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET", "HEAD"]),
        Route("/metrics", LazyEndpoint(_metrics), methods=["GET"]),  # exposed like the console
        *player_routes(settings),  # /player/..., /events, /sample/...
        Mount("/console", app=LazyRoutes(_console_routes)),
        Mount("/api/v1", app=LazyRoutes(_api_routes)),
        Mount("/", app=OutputFiles(settings.output_dir, settings.cors_origins,
                                   on_audio=downloads.served if downloads else None)),
    ]
    app = Starlette(routes=routes, lifespan=lifespan, middleware=[Middleware(Edge, settings=settings)])
    app.state.settings = settings
    app.state.downloads = downloads
    app.state.dispatch = LazyDispatch(settings)
    app.state.store = lazy_store(settings)
    app.state.templates = make_templates()
    # Every <script>/<style> of the templates gets this page's CSP nonce (NonceTags); a
    # template may also write nonce="{{ csp_nonce() }}" itself.
    app.state.templates.env.globals["csp_nonce"] = _csp_nonce
    app.state.templates.env.add_extension(NonceTags)
    app.state.login_limits = LoginLimits(settings.login_attempts_per_minute)
    return app


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    """While the app serves: due webhooks are sent from this process too, and the downloads of
    the audio it sends are recorded (what is queued at shutdown is recorded before it ends)."""
    sender = WebhookSender(app.state.settings)
    sender.start()
    downloads = app.state.downloads
    if downloads is not None:
        downloads.start()
    try:
        yield
    finally:
        await anyio.to_thread.run_sync(sender.stop)
        if downloads is not None:
            await anyio.to_thread.run_sync(downloads.stop)


def job_dispatcher(settings: Settings) -> Dispatch:
    """Where editors' and the CMS's jobs run: the Celery workers, or this process's pool."""
    if settings.jobs_backend == "celery":
        from workers.client import job_dispatcher as celery_dispatcher

        return celery_dispatcher(settings)
    from pipeline.run import requests

    return requests.in_process(settings)


class Once(Generic[T]):
    """What ``load()`` returns, loaded on first use and kept (the imports behind it take seconds)."""

    def __init__(self, load: Callable[[], T]) -> None:
        self._load = load
        self._value: T | None = None
        self._lock = threading.Lock()

    def __call__(self) -> T:
        with self._lock:
            if self._value is None:
                self._value = self._load()
        return self._value

    async def in_thread(self) -> T:
        """The same, loaded in a thread: the event loop keeps serving files meanwhile."""
        return self._value if self._value is not None else await anyio.to_thread.run_sync(self)


class LazyDispatch:
    """``job_dispatcher(settings)``, built on the first job: building it imports the pipeline."""

    def __init__(self, settings: Settings) -> None:
        self._dispatch = Once(lambda: job_dispatcher(settings))

    def __call__(self, job_id: str) -> object:
        return self._dispatch()(job_id)


def _metrics() -> Callable[..., Any]:
    from web.metrics import metrics

    return metrics


class LazyEndpoint:
    """An endpoint imported on its first request (prometheus-client and the store queries are
    not a file server's business)."""

    def __init__(self, load: Callable[[], Callable[..., Any]]) -> None:
        self._endpoint = Once(load)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = await self._endpoint.in_thread()
        response: Response = await endpoint(Request(scope, receive))
        await response(scope, receive, send)


def _console_routes() -> list[BaseRoute]:
    from web.console.routes import routes

    return routes


def _api_routes() -> list[BaseRoute]:
    from web.api.routes import routes

    return routes


class LazyRoutes:
    """A mounted route table imported on its first request, or when someone lists it."""

    def __init__(self, load: Callable[[], list[BaseRoute]]) -> None:
        self._router = Once(lambda: Router(routes=load()))

    @property
    def routes(self) -> list[BaseRoute]:
        return self._router().routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        router = await self._router.in_thread()
        await router(scope, receive, send)


# -- the edge: proxies, exposure, body limits, security headers ------------------------------


class BodyTooLarge(Exception):
    pass


class BodyTimeout(Exception):
    pass


def networks(entries: Iterable[str]) -> list[Network]:
    """The trusted_proxies setting as networks; a wrong entry stops the app from starting."""
    found = []
    for entry in entries:
        try:
            found.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError as exc:
            raise ConfigError(f"trusted_proxies: {entry!r} is not an address or CIDR") from exc
    return found


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        ip = ipaddress.ip_address(host.strip().strip("[]"))
    except ValueError:
        return None
    # An IPv4 client on a dual-stack socket arrives as ::ffff:a.b.c.d.
    mapped = getattr(ip, "ipv4_mapped", None)
    return mapped or ip


def is_private_path(path: str) -> bool:
    return path == "/console" or path.startswith(PRIVATE_PREFIXES)


def body_limit(path: str, settings: Settings) -> int:
    if path.startswith("/api/v1/lexicon"):
        return settings.max_lexicon_body_bytes
    if path.startswith("/api/"):
        return settings.max_api_body_bytes
    return settings.max_form_body_bytes  # console forms, /events, and files, which take none


class NonceTags(Extension):
    """Every ``<script>`` and ``<style>`` tag written in a template carries the page's CSP nonce.
    Added to the template source when it is compiled, so only what the templates themselves
    contain runs: text from data is never template source (and autoescaping makes it
    ``&lt;script&gt;`` anyway)."""

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        return re.sub(r"<(script|style)(?=[\s>])(?![^>]*\bnonce=)", r'<\1 nonce="{{ csp_nonce() }}"', source)


def style_attribute_hashes(folder: Path) -> list[str]:
    """CSP hashes of the templates' fixed style attributes (``style="display:inline"``), which
    a nonce cannot cover; allowed with 'unsafe-hashes', only these exact values apply."""
    found: set[str] = set()
    for page in sorted(folder.rglob("*.html")):
        for value in re.findall(r'\sstyle="([^"{}]*)"', page.read_text(encoding="utf-8")):
            found.add("'sha256-" + base64.b64encode(hashlib.sha256(value.encode()).digest()).decode() + "'")
    return sorted(found)


def content_security_policy(settings: Settings, attributes: list[str]) -> str:
    """The console's policy; ``{nonce}`` is filled in per request. Audio plays from 'self', the
    public files' origin (the article page's episodes) and data: (the pronunciation preview)."""
    parts = urlsplit(settings.public_base_url)
    audio = [f"{parts.scheme}://{parts.netloc}"] if parts.scheme in ("http", "https") and parts.netloc else []
    style_attrs = ["'unsafe-hashes'", *attributes] if attributes else []
    directives = [
        ["default-src", "'none'"],
        ["script-src", "'self'", "'nonce-{nonce}'"],
        ["style-src", "'self'", "'nonce-{nonce}'", *style_attrs],
        ["img-src", "'self'", "data:"],
        ["media-src", "'self'", "data:", *audio],
        ["connect-src", "'self'"],
        ["form-action", "'self'"],
        ["frame-ancestors", "'none'"],
        ["base-uri", "'none'"],
    ]
    return "; ".join(" ".join(d) for d in directives)


@pass_context
def _csp_nonce(context: Context) -> str:
    request = context.get("request")
    return getattr(request.state, "csp_nonce", "") if request is not None else ""


class Edge:
    """What every request meets before any handler (a plain ASGI middleware, so it works under
    any ASGI server that runs ``create_app``):

    1. Proxies: a peer in ``trusted_proxies`` is believed about the client (the rightmost
       address in X-Forwarded-For that is not a trusted proxy: nginx appends the one it saw,
       so what a client puts there itself is to its left) and the scheme (X-Forwarded-Proto).
       The scope's client and scheme are rewritten, so handlers (login limits, Secure cookies,
       /events' budget) see the real ones. Others' forwarding headers are ignored.
    2. Exposure: /console and /api/ answer a loopback client that came through no unknown
       proxy, or https; others get 403 with one line (see REFUSED).
    3. Body limits, before any handler (and so before a login or token is checked): a declared
       Content-Length over the route's limit is 413 at once; a body without one is counted as
       it arrives and cut at the limit; a body that pauses longer than serve_body_timeout_s is
       408. These answers close the connection, so the rest of the body is never read.
    4. Headers: console and API answers are not stored by caches and browsers (no-store:
       token secrets, setup links), not framed, not sniffed, send no referrer off the site, and
       the console's pages carry a strict CSP; everything over https carries HSTS.
    """

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.trusted = networks(settings.trusted_proxies)
        self.csp = content_security_policy(settings, style_attribute_hashes(TEMPLATES))

    def is_trusted(self, host: str) -> bool:
        ip = _ip(host)
        return ip is not None and any(ip in net for net in self.trusted)

    def resolve(self, scope: Scope) -> bool:
        """Rewrite the scope's client and scheme from a trusted proxy's headers. True when the
        request names a proxy we do not trust (its client is then unknown)."""
        peer = scope["client"][0] if scope.get("client") else ""
        forwarded_for: list[str] = []
        proto = ""
        named_proxy = False
        for name, value in scope["headers"]:
            if name == b"x-forwarded-for":
                forwarded_for += [h.strip() for h in value.decode("latin-1").split(",") if h.strip()]
            elif name == b"x-forwarded-proto":
                proto = value.decode("latin-1").split(",")[-1].strip().lower()
            elif name in (b"forwarded", b"x-real-ip"):
                named_proxy = True
        if not self.is_trusted(peer):
            return bool(forwarded_for or proto or named_proxy)
        client = peer
        for hop in reversed(forwarded_for):
            client = hop
            if not self.is_trusted(hop):
                break
        if client != peer:
            scope["client"] = (client, 0)
        if proto in ("http", "https"):
            scope["scheme"] = proto
        return False

    def exposure_refused(self, scope: Scope, unknown_proxy: bool) -> bool:
        if self.settings.console_over_plain_http_unsafe or scope.get("scheme") == "https":
            return False
        ip = _ip(scope["client"][0]) if scope.get("client") else None
        return unknown_proxy or ip is None or not ip.is_loopback

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        private = is_private_path(path)
        unknown_proxy = self.resolve(scope)
        has_body = any(n in (b"content-length", b"transfer-encoding") for n, v in scope["headers"] if v != b"0")
        if private and self.exposure_refused(scope, unknown_proxy):
            await _answer(send, 403, REFUSED, json_body=path.startswith("/api/"), close=has_body)
            return
        limit = body_limit(path, self.settings)
        declared = next((v for n, v in scope["headers"] if n == b"content-length"), b"")
        if declared.isdigit() and int(declared) > limit:
            await _answer(send, 413, f"request body over {limit} bytes", json_body=path.startswith("/api/"),
                          close=True)
            return
        extra = self.headers_for(scope, private)
        received = 0
        body_done = not has_body
        started = False

        async def limited_receive() -> Message:
            nonlocal received, body_done
            if body_done:
                return await receive()
            try:
                with anyio.fail_after(self.settings.serve_body_timeout_s):
                    message = await receive()
            except TimeoutError:
                raise BodyTimeout from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
                body_done = not message.get("more_body", False)
            else:
                body_done = True
            return message

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if extra:
                    drop = {name for name, _ in extra}
                    headers = [(n, v) for n, v in message.get("headers", []) if n.lower() not in drop]
                    message = {**message, "headers": headers + extra}
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except (BodyTooLarge, BodyTimeout) as exc:
            if started:  # an answer is under way: nothing to say, the connection just ends
                raise
            if isinstance(exc, BodyTooLarge):
                await _answer(send, 413, f"request body over {limit} bytes", json_body=path.startswith("/api/"),
                              close=True)
            else:
                await _answer(send, 408, "request body too slow", json_body=path.startswith("/api/"), close=True)

    def headers_for(self, scope: Scope, private: bool) -> list[tuple[bytes, bytes]]:
        headers: list[tuple[bytes, bytes]] = []
        if scope.get("scheme") == "https":
            headers.append((b"strict-transport-security", HSTS.encode()))
        if not private:
            return headers
        nonce = secrets.token_urlsafe(18)
        scope.setdefault("state", {})["csp_nonce"] = nonce
        headers += [
            (b"content-security-policy", self.csp.replace("{nonce}", nonce).encode()),
            (b"x-frame-options", b"DENY"),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
            (b"cache-control", b"no-store"),
        ]
        return headers


async def _answer(send: Send, status: int, reason: str, *, json_body: bool, close: bool) -> None:
    """A one-line refusal; ``close`` ends the connection after it (a body may still be coming,
    and reading it to reach the next request is what the refusal is there to avoid)."""
    if json_body:
        body, kind = json.dumps({"error": reason}).encode(), b"application/json"
    else:
        body, kind = (reason + "\n").encode(), b"text/plain; charset=utf-8"
    headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode()),
               (b"cache-control", b"no-store"), (b"x-content-type-options", b"nosniff")]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
