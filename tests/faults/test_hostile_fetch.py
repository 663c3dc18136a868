"""A hostile web server on loopback: every way a site can try to exhaust or misdirect a fetch
ends in a FetchError with a named reason, within the time and memory the settings allow."""

from __future__ import annotations

import gzip
import socket
import time
import tracemalloc
import zlib
from http.server import BaseHTTPRequestHandler

import pytest

from pipeline.models import FetchError
from pipeline.stages.fetch import fetch, is_public, resolve_checked
from tests.conftest import reply

CAP = 1_000_000


@pytest.fixture
def tight(settings):
    """Loopback allowed by name (as the demo does), small caps, short deadline."""
    settings.allowed_hosts = ["127.0.0.1"]
    settings.max_response_bytes = CAP
    settings.timeout_s = 1.0
    settings.fetch_deadline_s = 2.0
    return settings


def encoded(body: bytes, codings: list[str], content_type: str = "text/html") -> callable:
    data = body
    for coding in codings:
        data = gzip.compress(data, 9) if coding == "gzip" else zlib.compress(data, 9)

    return coded(data, ", ".join(codings), content_type)


def coded(data: bytes, coding: str, content_type: str = "text/html") -> callable:
    """A handler sending ``data`` as is under the given Content-Encoding header."""

    def handler(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", content_type)
        h.send_header("Content-Encoding", coding)
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    return handler


def measured(call) -> tuple[object, float, int]:
    """(result or exception, seconds, peak bytes allocated by Python meanwhile)."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        result: object = call()
    except FetchError as exc:
        result = exc
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return result, elapsed, peak


def test_honest_gzip_page_is_read(web, tight):
    web["/ok"] = encoded("<p>Grüße aus Köln</p>".encode(), ["gzip"])
    assert "Grüße" in fetch(web.base + "/ok", tight).text


def test_double_gzip_bomb_is_cut_at_the_cap_after_decoding(web, tight):
    # 200 MB of zeros, gzipped twice: a few hundred bytes on the wire.
    web["/bomb"] = encoded(b"\0" * 200_000_000, ["gzip", "gzip"])
    err, elapsed, peak = measured(lambda: fetch(web.base + "/bomb", tight))
    assert isinstance(err, FetchError) and err.reason == "too-large"
    assert "decoded" in str(err)
    assert peak < 4 * CAP, f"peak {peak} bytes for a {CAP}-byte cap"
    assert elapsed < tight.fetch_deadline_s


def test_single_gzip_bomb_is_cut_at_the_cap(web, tight):
    web["/bomb"] = encoded(b"a" * 100_000_000, ["gzip"])
    err, _, peak = measured(lambda: fetch(web.base + "/bomb", tight))
    assert isinstance(err, FetchError) and err.reason == "too-large"
    assert peak < 4 * CAP


def test_deflate_bomb_is_cut_at_the_cap(web, tight):
    web["/bomb"] = encoded(b"a" * 100_000_000, ["deflate"])
    err, _, peak = measured(lambda: fetch(web.base + "/bomb", tight))
    assert isinstance(err, FetchError) and err.reason == "too-large"
    assert peak < 4 * CAP


def test_encodings_stacked_beyond_the_setting_are_refused(web, tight):
    web["/triple"] = encoded(b"<p>x</p>", ["gzip", "gzip", "gzip"])
    with pytest.raises(FetchError) as err:
        fetch(web.base + "/triple", tight)
    assert err.value.reason == "stacked-encoding"


def test_unknown_encoding_is_refused(web, tight):
    web["/z"] = coded(b"abc", "zstd")
    with pytest.raises(FetchError) as err:
        fetch(web.base + "/z", tight)
    assert err.value.reason == "bad-encoding"


def test_corrupt_gzip_is_a_named_failure(web, tight):
    web["/bad"] = coded(b"\x1f\x8b" + b"garbage-garbage!!!", "gzip")
    with pytest.raises(FetchError) as err:
        fetch(web.base + "/bad", tight)
    assert err.value.reason == "bad-encoding"


def trickle(header_first: bool):
    def handler(h: BaseHTTPRequestHandler) -> None:
        try:
            if header_first:
                h.send_response(200)
                h.send_header("Content-Type", "text/html")
                h.end_headers()
                h.wfile.flush()
                data = b"<p>" + b"x" * 1000
            else:
                data = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Slow: " + b"y" * 1000
            for byte in data:  # one byte every 0.3 s: each read is quick, the whole is endless
                h.wfile.write(bytes([byte]))
                h.wfile.flush()
                time.sleep(0.3)
        except OSError:
            pass  # the client gave up, as it should

    return handler


@pytest.mark.parametrize("header_first", [True, False], ids=["trickled-body", "trickled-headers"])
def test_trickling_server_is_cut_at_the_deadline(web, tight, header_first):
    web["/slow"] = trickle(header_first)
    start = time.perf_counter()
    with pytest.raises(FetchError) as err:
        fetch(web.base + "/slow", tight)
    elapsed = time.perf_counter() - start
    assert err.value.reason == "deadline"
    assert "fetch_deadline_s" in str(err.value)
    assert elapsed < tight.fetch_deadline_s + 1.0


def test_huge_page_without_length_is_cut_at_the_cap(web, tight):
    from tests.conftest import streamed

    web["/huge"] = streamed(50_000_000)
    err, _, peak = measured(lambda: fetch(web.base + "/huge", tight))
    assert isinstance(err, FetchError) and err.reason == "too-large"
    assert peak < 4 * CAP


# -- addresses -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::127.0.0.1",  # IPv4-compatible (deprecated)
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 of the cloud metadata address 169.254.169.254
        "64:ff9b:1::a00:1",  # local-use NAT64
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "2002:c0a8:101::1",  # 6to4 of 192.168.1.1
        "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo, client 127.0.0.1
        "127.0.0.1", "10.1.2.3", "169.254.169.254", "::1", "fe80::1", "fc00::1", "100.64.0.1", "0.0.0.0",
    ],
)
def test_private_ipv4_inside_ipv6_is_refused(address, settings):
    from ipaddress import ip_address

    settings.allowed_hosts = []
    assert not is_public(ip_address(address))
    with pytest.raises(FetchError) as err:
        resolve_checked(address, 80, settings)
    assert err.value.reason == "blocked-address"


@pytest.mark.parametrize("address", ["8.8.8.8", "64:ff9b::808:808", "2002:808:808::1", "2606:4700::1111"])
def test_public_addresses_stay_public(address):
    from ipaddress import ip_address

    assert is_public(ip_address(address))


def test_nat64_url_is_refused_before_any_connection(web, settings):
    hits = []
    web["/x"] = lambda h: (hits.append(1), reply(b"<p>x</p>")(h))
    port = web.base.rsplit(":", 1)[1]
    with pytest.raises(FetchError) as err:
        fetch(f"http://[64:ff9b::7f00:1]:{port}/x", settings)
    assert err.value.reason == "blocked-address" and not hits


def test_allowed_hosts_names_one_host_not_every_private_one(web, settings):
    web["/x"] = reply(b"<p>erlaubt</p>")
    # as shipped: the demo's loopback host, nothing else private
    assert settings.allowed_hosts == ["127.0.0.1"] and not settings.allow_private_addresses
    with pytest.raises(FetchError) as err:
        resolve_checked("10.0.0.1", 80, settings)
    assert err.value.reason == "blocked-address"
    assert "erlaubt" in fetch(web.base + "/x", settings).text
    port = web.base.rsplit(":", 1)[1]
    with pytest.raises(FetchError) as err:
        fetch(f"http://localhost:{port}/x", settings)  # same server, another name: not allowed
    assert err.value.reason == "blocked-address"


def test_connection_goes_to_the_address_that_was_checked(web, settings, monkeypatch):
    """DNS rebinding: the name answers 127.0.0.1 (allowed) once, then an unroutable address.
    Were it resolved again for the connection, the fetch would go there and fail."""
    web["/x"] = reply(b"<p>gepinnt</p>")
    port = int(web.base.rsplit(":", 1)[1])
    settings.allowed_hosts = ["rebind.test"]
    settings.timeout_s = 1.0
    real = socket.getaddrinfo
    answers = iter(["127.0.0.1"] + ["192.0.2.1"] * 10)
    calls = []

    def resolver(host, *args, **kwargs):
        if host != "rebind.test":
            return real(host, *args, **kwargs)
        calls.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    page = fetch(f"http://rebind.test:{port}/x", settings)
    assert "gepinnt" in page.text
    assert calls == ["rebind.test"]


def test_rebinding_to_loopback_is_refused_without_a_request(web, settings, monkeypatch):
    hits = []
    web["/x"] = lambda h: (hits.append(1), reply(b"<p>x</p>")(h))
    port = int(web.base.rsplit(":", 1)[1])
    real = socket.getaddrinfo

    def resolver(host, *args, **kwargs):
        if host != "evil.test":
            return real(host, *args, **kwargs)
        return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("::ffff:127.0.0.1", port, 0, 0))]

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    with pytest.raises(FetchError) as err:
        fetch(f"http://evil.test:{port}/x", settings)
    assert err.value.reason == "blocked-address" and not hits


def test_redirect_to_private_address_is_refused(web, settings):
    settings.allowed_hosts = ["127.0.0.1"]
    port = web.base.rsplit(":", 1)[1]

    def redirect(h: BaseHTTPRequestHandler) -> None:
        h.send_response(302)
        h.send_header("Location", f"http://[::ffff:7f00:1]:{port}/x")
        h.send_header("Content-Length", "0")
        h.end_headers()

    web["/r"] = redirect
    web["/x"] = reply(b"<p>x</p>")
    with pytest.raises(FetchError) as err:
        fetch(web.base + "/r", settings)
    assert err.value.reason == "blocked-address"


def test_redirect_to_javascript_is_refused(web, settings):
    settings.allowed_hosts = ["127.0.0.1"]

    def redirect(h: BaseHTTPRequestHandler) -> None:
        h.send_response(302)
        h.send_header("Location", "javascript:alert(1)")
        h.send_header("Content-Length", "0")
        h.end_headers()

    web["/r"] = redirect
    with pytest.raises(FetchError) as err:
        fetch(web.base + "/r", settings)
    assert err.value.reason in ("bad-scheme", "bad-url")


# -- local files -----------------------------------------------------------------------------


def test_local_file_link_cannot_climb_out_of_its_folder(tmp_path, settings):
    from pipeline.config import FeedConfig

    feeds = tmp_path / "site"
    feeds.mkdir()
    (feeds / "feed.xml").write_text("<rss/>", encoding="utf-8")
    (feeds / "a.html").write_text("<p>drinnen</p>", encoding="utf-8")
    (tmp_path / "secret.html").write_text("<p>geheim</p>", encoding="utf-8")
    settings.allow_local_files = True
    settings.feeds = [FeedConfig(name="local", url=(feeds / "feed.xml").as_uri())]
    assert "drinnen" in fetch((feeds / "a.html").as_uri(), settings).text
    with pytest.raises(FetchError) as err:
        fetch(feeds.as_uri() + "/../secret.html", settings)
    assert err.value.reason == "outside-folder"
    (feeds / "link.html").symlink_to(tmp_path / "secret.html")
    with pytest.raises(FetchError) as err:
        fetch((feeds / "link.html").as_uri(), settings)
    assert err.value.reason == "outside-folder"
