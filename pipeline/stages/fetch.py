"""Fetch one URL with guards: scheme, address, deadline, size cap and content type.

A feed names URLs we did not choose, so every hop (redirects included) is checked before a
byte is sent: only http(s), and no loopback/private/link-local address unless the settings
allow it (``allowed_hosts`` for named hosts, ``allow_private_addresses`` for all). An IPv6
address that carries an IPv4 one (mapped, compatible, NAT64, 6to4, Teredo) is judged by the
IPv4 inside. The name is resolved once, and the connection goes to the address that was
checked (no DNS rebinding between check and connect); TLS still verifies the host name.

Bounds, all from the settings: ``fetch_deadline_s`` for the whole request (every network wait
is cut to what is left of it, so a server trickling a byte a second cannot hold a run),
``timeout_s`` for each single wait, and ``max_response_bytes`` counted after every
Content-Encoding layer (decoded in bounded steps, at most ``max_content_encodings`` layers),
so a small gzip bomb costs no more memory than an honest page of the cap's size.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import time
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import httpcore
import httpx

from pipeline.config import Settings
from pipeline.models import FetchError
from pipeline.stages.charset import decode_html

HTML_TYPES = ("text/html", "application/xhtml+xml")
# The codings we ask for and decode ourselves, step by step (see _decoded).
ACCEPT_ENCODING = "gzip, deflate"
_STEP = 64 * 1024  # decoded bytes produced per decompression call, per layer

# Address blocks whose IPv6 addresses carry an IPv4 address in their last 32 bits.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215: network-specific, never public
_V4_COMPATIBLE = ipaddress.ip_network("::/96")


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


# -- addresses -------------------------------------------------------------------------------


def embedded_ipv4(addr: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address stands for (empty when it is plain IPv6)."""
    found: list[ipaddress.IPv4Address] = []
    if addr.ipv4_mapped:
        found.append(addr.ipv4_mapped)
    if addr in _NAT64 or (addr in _V4_COMPATIBLE and int(addr) > 1):
        found.append(ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF))
    if addr.sixtofour:
        found.append(addr.sixtofour)
    if addr.teredo:
        found.extend(addr.teredo)
    return found


def is_public(addr: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True when the address is on the public internet, judging embedded IPv4 by itself."""
    if isinstance(addr, ipaddress.IPv6Address):
        if addr in _NAT64_LOCAL:
            return False
        inner = embedded_ipv4(addr)
        if inner:
            return all(is_public(v4) for v4 in inner)
    return addr.is_global and not addr.is_multicast


def _host_allowed(host: str, port: int, settings: Settings) -> bool:
    names = {h.strip().lower() for h in settings.allowed_hosts}
    host = host.lower().strip("[]")
    return host in names or f"{host}:{port}" in names or f"[{host}]:{port}" in names


def resolve_checked(host: str, port: int, settings: Settings) -> str:
    """Resolve ``host`` once and return the address to connect to; refuse a private one."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise FetchError(f"cannot resolve host {host!r}: {exc}", reason="dns") from exc
    if not infos:
        raise FetchError(f"cannot resolve host {host!r}", reason="dns")
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    if not (settings.allow_private_addresses or _host_allowed(host, port, settings)):
        for addr in addresses:
            if not is_public(addr):
                raise FetchError(
                    f"{host} resolves to {addr}, a private or loopback address; name it in allowed_hosts "
                    "(or set allow_private_addresses = true) in newsaudio.toml if this source is trusted",
                    reason="blocked-address",
                )
    return str(addresses[0])


def _check_url(url: str, settings: Settings) -> None:
    """What can be refused without the network: scheme and host. Addresses are checked at connect."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchError(f"refusing {parts.scheme or 'schemeless'} URL {url}: only http(s)", reason="bad-scheme")
    if not parts.hostname:
        raise FetchError(f"URL {url} has no host", reason="bad-url")


# -- the connection: pinned to the checked address, every wait cut to the deadline ----------


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def left(self) -> float:
        return self.at - time.monotonic()

    def cut(self, timeout: float | None) -> float:
        left = self.left()
        if left <= 0:
            raise httpcore.ReadTimeout(f"deadline of {self.seconds:g}s passed")
        return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, deadline: _Deadline) -> None:
        self.inner = inner
        self.deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.inner.read(max_bytes, self.deadline.cut(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.inner.write(buffer, self.deadline.cut(timeout))

    def close(self) -> None:
        self.inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        # server_hostname is the URL's host: SNI and certificate checks are by name, not address.
        return _DeadlineStream(self.inner.start_tls(ssl_context, server_hostname, self.deadline.cut(timeout)),
                               self.deadline)

    def get_extra_info(self, info: str) -> Any:
        return self.inner.get_extra_info(info)


class _PinnedBackend(httpcore.NetworkBackend):
    """Connects to the address ``resolve_checked`` approved, never to a second DNS answer."""

    def __init__(self, settings: Settings, deadline: _Deadline) -> None:
        self.settings = settings
        self.deadline = deadline
        self.inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        address = resolve_checked(host, port, self.settings)
        stream = self.inner.connect_tcp(address, port, self.deadline.cut(timeout), local_address, socket_options)
        return _DeadlineStream(stream, self.deadline)

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        raise FetchError("unix sockets are not fetched", reason="bad-url")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


@lru_cache(maxsize=1)
def _tls() -> ssl.SSLContext:
    """One TLS context per process: loading the CA bundle costs ~140 ms, more than a whole
    304 poll should."""
    return httpx.create_ssl_context(trust_env=False)


def _transport(settings: Settings, deadline: _Deadline) -> httpx.HTTPTransport:
    transport = httpx.HTTPTransport(trust_env=False, verify=_tls())
    # httpx has no public hook for the network backend; its pool takes one. Swapping the pool
    # keeps httpx's request mapping and error translation.
    transport._pool = httpcore.ConnectionPool(
        ssl_context=_tls(),
        max_connections=4,
        network_backend=_PinnedBackend(settings, deadline),
    )
    return transport


def guarded_transport(settings: Settings, total_s: float) -> httpx.HTTPTransport:
    """A transport with the fetch guards for a request of our own to a configured address (a
    webhook): the address is checked and pinned at connect, every wait cut to ``total_s``."""
    return _transport(settings, _Deadline(total_s))


def check_url(url: str, settings: Settings) -> None:
    """Refuse a URL newsaudio must not send to: not http(s), no host, or a host that resolves to
    a private or loopback address (unless allowed_hosts names it): FetchError saying why."""
    _check_url(url, settings)
    parts = urlsplit(url)
    resolve_checked(parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80), settings)


# -- bodies: decoded layer by layer in bounded steps -----------------------------------------


def _zlib_header(chunk: bytes) -> bool:
    return len(chunk) >= 2 and chunk[0] & 0x0F == 8 and (chunk[0] << 8 | chunk[1]) % 31 == 0


def _inflate(source: Iterator[bytes], coding: str) -> Iterator[bytes]:
    """One Content-Encoding layer undone, never more than _STEP bytes produced per call."""
    decoder: Any = None
    for chunk in source:
        if decoder is None:
            if coding != "deflate":
                decoder = zlib.decompressobj(zlib.MAX_WBITS | 16)
            elif _zlib_header(chunk):
                decoder = zlib.decompressobj(zlib.MAX_WBITS)
            else:  # raw deflate, as some servers send
                decoder = zlib.decompressobj(-zlib.MAX_WBITS)
        data = chunk
        while True:
            out = decoder.decompress(data, _STEP)
            data = decoder.unconsumed_tail
            if out:
                yield out
            if not data and len(out) < _STEP:
                break
            if decoder.eof:
                break


def _codings(header: str, settings: Settings, url: str) -> list[str]:
    codings = [c for c in (part.strip().lower() for part in header.split(",")) if c and c != "identity"]
    if len(codings) > settings.max_content_encodings:
        raise FetchError(
            f"{url} is encoded {len(codings)} times over ({header}); at most "
            f"{settings.max_content_encodings} Content-Encoding layers are decoded",
            reason="stacked-encoding",
        )
    for coding in codings:
        if coding not in ("gzip", "x-gzip", "deflate"):
            raise FetchError(f"{url} uses Content-Encoding {coding!r}, which we did not ask for", reason="bad-encoding")
    return codings


def _decoded(raw: Iterator[bytes], codings: list[str]) -> Iterator[bytes]:
    stream = raw
    for coding in reversed(codings):  # the last coding listed was applied last
        stream = _inflate(stream, coding)
    return stream


def _read_body(resp: httpx.Response, settings: Settings, kind: str, url: str) -> bytes:
    cap = settings.max_response_bytes
    codings = _codings(resp.headers.get("content-encoding", ""), settings, url)
    raw_size = 0

    def counted() -> Iterator[bytes]:
        nonlocal raw_size
        for chunk in resp.iter_raw():
            raw_size += len(chunk)
            if raw_size > cap:
                raise FetchError(f"{kind} {url} is over the {cap}-byte cap", reason="too-large")
            yield chunk

    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in _decoded(counted(), codings):
            size += len(chunk)
            if size > cap:
                raise FetchError(
                    f"{kind} {url} is over the {cap}-byte cap once decoded ({raw_size} bytes sent)", reason="too-large"
                )
            chunks.append(chunk)
    except zlib.error as exc:
        raise FetchError(f"{kind} {url} is not valid {'+'.join(codings)} data: {exc}", reason="bad-encoding") from exc
    return b"".join(chunks)


# -- local files -----------------------------------------------------------------------------


def _local_roots(settings: Settings) -> list[Path]:
    if settings.local_files_dir is not None:
        return [settings.local_files_dir.resolve()]
    return [
        Path(unquote(urlsplit(f.url).path)).resolve().parent for f in settings.feeds if f.url.startswith("file:")
    ]


def _read_local(url: str, settings: Settings) -> Page:
    if not settings.allow_local_files:
        raise FetchError(
            f"refusing local file {url}: set allow_local_files = true in newsaudio.toml to read from disk",
            reason="bad-scheme",
        )
    path = Path(unquote(urlsplit(url).path)).resolve()
    # A relative link in a local feed may climb (../../etc/passwd): files stay in their folder.
    if not any(path.is_relative_to(root) for root in _local_roots(settings)):
        raise FetchError(
            f"refusing local file {path}: outside the feed's folder (set local_files_dir to choose it)",
            reason="outside-folder",
        )
    try:
        size = path.stat().st_size
        if size > settings.max_response_bytes:
            raise FetchError(f"{path} is {size} bytes, over the {settings.max_response_bytes} cap", reason="too-large")
        body = path.read_bytes()
    except OSError as exc:
        raise FetchError(f"cannot read {path}: {exc.strerror}", reason="not-found") from exc
    ctype = "text/html" if path.suffix in (".html", ".htm") else "application/xml"
    return Page(url=url, status=200, body=body, content_type=ctype)


# -- fetch -----------------------------------------------------------------------------------


def _media_type(value: str) -> tuple[str, str | None]:
    main, _, params = value.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, val = param.partition("=")
        if key.strip().lower() == "charset":
            charset = val.strip().strip("\"'") or None
    return main.strip().lower(), charset


def retry_after(value: str, now: float | None = None) -> float | None:
    """Seconds a Retry-After header asks for (delta seconds or an HTTP date); None when absent
    or unreadable."""
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def fetch(
    url: str,
    settings: Settings,
    *,
    headers: dict[str, str] | None = None,
    accept: tuple[str, ...] = HTML_TYPES,
    kind: str = "page",
) -> Page:
    """GET ``url``; raise FetchError with a reason word on anything a listener should not get."""
    if url.startswith("file:"):
        return _read_local(url, settings)
    _check_url(url, settings)
    deadline = _Deadline(settings.fetch_deadline_s)

    def on_request(request: httpx.Request) -> None:
        _check_url(str(request.url), settings)  # a redirect hop: checked like the first

    timeout = httpx.Timeout(settings.timeout_s, connect=min(10.0, settings.timeout_s))
    client = httpx.Client(
        timeout=timeout,
        follow_redirects=True,
        max_redirects=5,
        headers={"User-Agent": settings.user_agent, "Accept-Encoding": ACCEPT_ENCODING},
        event_hooks={"request": [on_request]},
        transport=_transport(settings, deadline),
        trust_env=False,
    )
    try:
        with client.stream("GET", url, headers=headers or {}) as resp:
            if resp.status_code == 304:
                return Page(url=str(resp.url), status=304, body=b"", headers=dict(resp.headers))
            if resp.status_code >= 400:
                error = FetchError(f"{kind} {url} answered HTTP {resp.status_code}", reason=f"http-{resp.status_code}")
                if resp.status_code in (429, 503):
                    error.retry_after = retry_after(resp.headers.get("retry-after", ""))
                raise error
            ctype, charset = _media_type(resp.headers.get("content-type", ""))
            if ctype and ctype not in accept:
                raise FetchError(
                    f"{kind} {url} is {ctype}, not {' or '.join(accept[:2])}", reason="wrong-content-type"
                )
            declared = int(resp.headers.get("content-length") or 0)
            cap = settings.max_response_bytes
            if declared > cap:
                raise FetchError(f"{kind} {url} is {declared} bytes, over the {cap}-byte cap", reason="too-large")
            body = _read_body(resp, settings, kind, url)
            return Page(
                url=str(resp.url),
                status=resp.status_code,
                body=body,
                content_type=ctype,
                charset=charset,
                headers=dict(resp.headers),
            )
    except httpx.TimeoutException as exc:
        if deadline.left() <= 0.05:
            raise FetchError(
                f"{kind} {url} took longer than fetch_deadline_s = {settings.fetch_deadline_s:g}s", reason="deadline"
            ) from exc
        raise FetchError(f"{kind} {url} timed out after {settings.timeout_s:g}s", reason="timeout") from exc
    except httpx.TooManyRedirects as exc:
        raise FetchError(f"{kind} {url} redirects too often", reason="redirects") from exc
    except httpx.InvalidURL as exc:  # e.g. a redirect to "javascript:alert(1)"
        raise FetchError(f"{kind} {url} leads to an invalid URL: {exc}", reason="bad-url") from exc
    except httpx.HTTPError as exc:
        raise FetchError(f"{kind} {url} failed: {exc}", reason="network") from exc
    finally:
        client.close()
