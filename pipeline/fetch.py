"""Fetch one URL with guards: scheme, address, timeout, size cap and content type.

A feed names URLs we did not choose, so every hop (redirects included) is checked before a
byte is sent: only http(s), and no loopback/private/link-local address unless the settings
allow it. Bodies are streamed and cut off at ``max_response_bytes``.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx

from pipeline.charset import decode_html
from pipeline.config import Settings
from pipeline.models import FetchError

HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass
class Page:
    url: str
    status: int
    body: bytes
    content_type: str = ""
    charset: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return decode_html(self.body, self.charset)


@lru_cache(maxsize=1)
def _tls() -> ssl.SSLContext:
    """One TLS context per process: loading the CA bundle costs ~140 ms, more than a whole
    304 poll should."""
    return httpx.create_ssl_context(trust_env=False)


def _check_address(host: str, settings: Settings) -> None:
    if settings.allow_private_addresses:
        return
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise FetchError(f"cannot resolve host {host!r}: {exc}", reason="dns") from exc
    for info in infos:
        addr = ipaddress.ip_address(info[4][0])
        if not addr.is_global:
            raise FetchError(
                f"{host} resolves to {addr}, a private or loopback address; "
                "set allow_private_addresses = true in newsaudio.toml if this source is trusted",
                reason="blocked-address",
            )


def _check_url(url: str, settings: Settings) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchError(f"refusing {parts.scheme or 'schemeless'} URL {url}: only http(s)", reason="bad-scheme")
    if not parts.hostname:
        raise FetchError(f"URL {url} has no host", reason="bad-url")
    _check_address(parts.hostname, settings)


def _media_type(value: str) -> tuple[str, str | None]:
    main, _, params = value.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, val = param.partition("=")
        if key.strip().lower() == "charset":
            charset = val.strip().strip("\"'") or None
    return main.strip().lower(), charset


def _read_local(url: str, settings: Settings) -> Page:
    if not settings.allow_local_files:
        raise FetchError(
            f"refusing local file {url}: set allow_local_files = true in newsaudio.toml to read from disk",
            reason="bad-scheme",
        )
    path = Path(unquote(urlsplit(url).path))
    try:
        size = path.stat().st_size
        if size > settings.max_response_bytes:
            raise FetchError(f"{path} is {size} bytes, over the {settings.max_response_bytes} cap", reason="too-large")
        body = path.read_bytes()
    except OSError as exc:
        raise FetchError(f"cannot read {path}: {exc.strerror}", reason="not-found") from exc
    ctype = "text/html" if path.suffix in (".html", ".htm") else "application/xml"
    return Page(url=url, status=200, body=body, content_type=ctype)


def fetch(
    url: str,
    settings: Settings,
    *,
    headers: dict[str, str] | None = None,
    accept: tuple[str, ...] = HTML_TYPES,
    kind: str = "page",
    client: httpx.Client | None = None,
) -> Page:
    """GET ``url``; raise FetchError with a reason word on anything a listener should not get."""
    if url.startswith("file:"):
        return _read_local(url, settings)
    _check_url(url, settings)

    def on_request(request: httpx.Request) -> None:
        if str(request.url) != url:  # a redirect hop: check it like the first
            _check_url(str(request.url), settings)

    own = client is None
    timeout = httpx.Timeout(settings.timeout_s, connect=min(10.0, settings.timeout_s))
    client = client or httpx.Client(
        timeout=timeout,
        follow_redirects=True,
        max_redirects=5,
        headers={"User-Agent": settings.user_agent},
        event_hooks={"request": [on_request]},
        trust_env=False,
        verify=_tls(),
    )
    try:
        with client.stream("GET", url, headers=headers or {}) as resp:
            if resp.status_code == 304:
                return Page(url=str(resp.url), status=304, body=b"", headers=dict(resp.headers))
            if resp.status_code >= 400:
                raise FetchError(f"{kind} {url} answered HTTP {resp.status_code}", reason=f"http-{resp.status_code}")
            ctype, charset = _media_type(resp.headers.get("content-type", ""))
            if ctype and not any(ctype == a for a in accept):
                raise FetchError(
                    f"{kind} {url} is {ctype}, not {' or '.join(accept[:2])}", reason="wrong-content-type"
                )
            declared = int(resp.headers.get("content-length") or 0)
            cap = settings.max_response_bytes
            if declared > cap:
                raise FetchError(f"{kind} {url} is {declared} bytes, over the {cap}-byte cap", reason="too-large")
            chunks: list[bytes] = []
            size = 0
            for chunk in resp.iter_bytes():
                size += len(chunk)
                if size > cap:
                    raise FetchError(f"{kind} {url} is over the {cap}-byte cap", reason="too-large")
                chunks.append(chunk)
            return Page(
                url=str(resp.url),
                status=resp.status_code,
                body=b"".join(chunks),
                content_type=ctype,
                charset=charset,
                headers=dict(resp.headers),
            )
    except httpx.TimeoutException as exc:
        raise FetchError(f"{kind} {url} timed out after {settings.timeout_s:g}s", reason="timeout") from exc
    except httpx.TooManyRedirects as exc:
        raise FetchError(f"{kind} {url} redirects too often", reason="redirects") from exc
    except httpx.HTTPError as exc:
        raise FetchError(f"{kind} {url} failed: {exc}", reason="network") from exc
    finally:
        if own:
            client.close()
