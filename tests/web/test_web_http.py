"""HTTP conformance of the published output, against `newsaudio serve` and against nginx with
deploy/nginx.conf: the same test, both servers (the `server` fixture runs each test twice).

What podcast apps, browsers and CDNs rely on: byte ranges, HEAD, validators and 304, charsets,
CORS for the website's scripts, cache policy, and that nothing outside output/ (or hidden in it,
or withdrawn) is ever served.
"""

from __future__ import annotations

import os
import socket
from email.utils import formatdate, parsedate_to_datetime

import httpx
import pytest

from tests.support.webservers import SECRET, Published, Server


def get(server: Server, path: str, **headers: str) -> httpx.Response:
    return httpx.get(server.base + "/" + path.lstrip("/"), headers=headers, timeout=10)


def raw_request(server: Server, target: str, method: str = "GET") -> tuple[int, bytes]:
    """Send the request line byte for byte: no client normalises `..` or decodes anything."""
    host, port = server.base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(f"{method} {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode("latin-1"))
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    status_line = data.split(b"\r\n", 1)[0]
    return int(status_line.split()[1]), data


# -- byte ranges -------------------------------------------------------------------------------


def test_a_byte_range_answers_206_with_exactly_those_bytes(server: Server, published: Published):
    size = len(published.audio_bytes)
    r = get(server, published.audio, Range="bytes=0-99")
    assert r.status_code == 206
    assert r.headers["content-range"] == f"bytes 0-99/{size}"
    assert r.headers["content-length"] == "100"
    assert r.content == published.audio_bytes[:100]

    r = get(server, published.audio, Range="bytes=1000-66535")
    assert r.status_code == 206
    assert r.content == published.audio_bytes[1000:66536]


def test_suffix_and_open_ranges(server: Server, published: Published):
    data, size = published.audio_bytes, len(published.audio_bytes)
    r = get(server, published.audio, Range="bytes=-500")
    assert (r.status_code, r.headers["content-range"]) == (206, f"bytes {size - 500}-{size - 1}/{size}")
    assert r.content == data[-500:]
    r = get(server, published.audio, Range=f"bytes={size - 10}-")
    assert (r.status_code, r.headers["content-range"]) == (206, f"bytes {size - 10}-{size - 1}/{size}")
    assert r.content == data[-10:]
    # A range running past the end is cut at the end.
    r = get(server, published.audio, Range=f"bytes={size - 5}-{size + 1000}")
    assert (r.status_code, r.content) == (206, data[-5:])


def test_a_range_past_the_end_is_416_with_the_size(server: Server, published: Published):
    size = len(published.audio_bytes)
    r = get(server, published.audio, Range=f"bytes={size}-")
    assert r.status_code == 416
    assert r.headers["content-range"] == f"bytes */{size}"


def test_several_ranges_answer_the_whole_file(server: Server, published: Published):
    r = get(server, published.audio, Range="bytes=0-9,100-109")
    assert r.status_code == 200
    assert r.content == published.audio_bytes


def test_if_range_applies_the_range_only_while_the_file_is_unchanged(server: Server, published: Published):
    first = get(server, published.audio)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert get(server, published.audio, Range="bytes=0-9", **{"If-Range": etag}).status_code == 206
    assert get(server, published.audio, Range="bytes=0-9", **{"If-Range": modified}).status_code == 206
    stale = get(server, published.audio, Range="bytes=0-9", **{"If-Range": '"an-older-version"'})
    assert (stale.status_code, stale.content) == (200, published.audio_bytes)
    older = formatdate(parsedate_to_datetime(modified).timestamp() - 3600, usegmt=True)
    assert get(server, published.audio, Range="bytes=0-9", **{"If-Range": older}).status_code == 200


# -- HEAD, validators, 304 ---------------------------------------------------------------------


def test_head_has_the_headers_of_get_and_no_body(server: Server, published: Published):
    got = get(server, published.audio)
    head = httpx.head(f"{server.base}/{published.audio}", timeout=10)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == str(len(published.audio_bytes))
    assert head.headers["accept-ranges"] == "bytes"
    assert head.headers["etag"] == got.headers["etag"]
    assert head.headers["last-modified"] == got.headers["last-modified"]
    assert got.headers["accept-ranges"] == "bytes"


def test_strong_etag_and_last_modified_give_304(server: Server, published: Published):
    for path in (published.audio, "feeds/sample.xml", "feeds/sample.json"):
        r = get(server, path)
        etag, modified = r.headers["etag"], r.headers["last-modified"]
        assert etag.startswith('"'), "a strong ETag (W/ would forbid ranges with If-Range)"
        assert parsedate_to_datetime(modified)

        again = get(server, path, **{"If-None-Match": etag})
        assert again.status_code == 304
        assert again.content == b""
        assert again.headers["etag"] == etag
        assert get(server, path, **{"If-None-Match": f'"x", {etag}'}).status_code == 304
        assert get(server, path, **{"If-Modified-Since": modified}).status_code == 304
        assert get(server, path, **{"If-None-Match": '"something-else"'}).status_code == 200
        older = formatdate(parsedate_to_datetime(modified).timestamp() - 3600, usegmt=True)
        assert get(server, path, **{"If-Modified-Since": older}).status_code == 200


# -- types, CORS, caching -------------------------------------------------------------------------


def _type(r: httpx.Response) -> str:
    return r.headers["content-type"].replace(" ", "").lower()


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("feeds/sample.xml", "application/rss+xml;charset=utf-8"),
        ("feeds/sample.json", "application/json;charset=utf-8"),
        ("audio/3f2a9c1e0b7d4a55-v1.vtt", "text/vtt;charset=utf-8"),
        ("audio/3f2a9c1e0b7d4a55-v1.json", "application/json;charset=utf-8"),
        ("audio/3f2a9c1e0b7d4a55-v1.txt", "text/plain;charset=utf-8"),
        ("audio/3f2a9c1e0b7d4a55-v1.chapters.json", "application/json+chapters;charset=utf-8"),
        ("articles/www.n-tv.de/politik/koeln.html.json", "application/json;charset=utf-8"),
        ("audio/3f2a9c1e0b7d4a55-v1.mp3", "audio/mpeg"),
        ("cover.png", "image/png"),
    ],
)
def test_content_types_say_their_charset(server: Server, path: str, expected: str):
    r = get(server, path)
    assert r.status_code == 200
    assert _type(r) == expected
    if "charset" in expected:
        assert "Ärger" in r.text or "Grüße" in r.text or path.startswith("feeds/")


CORS_PATHS = [
    "audio/3f2a9c1e0b7d4a55-v1.vtt",
    "audio/3f2a9c1e0b7d4a55-v1.json",
    "audio/3f2a9c1e0b7d4a55-v1.chapters.json",
    "feeds/sample.json",
    "articles/www.n-tv.de/politik/koeln.html.json",
]


@pytest.mark.parametrize("path", CORS_PATHS)
def test_pages_on_another_origin_may_read_the_player_data(server: Server, path: str):
    r = get(server, path, Origin="https://www.n-tv.de")
    assert r.headers["access-control-allow-origin"] == "*"
    # A preflight, as a fetch() with a Range header sends it.
    pre = httpx.options(
        f"{server.base}/{path}",
        headers={
            "Origin": "https://www.n-tv.de",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "range",
        },
        timeout=10,
    )
    assert 200 <= pre.status_code < 300
    assert pre.headers["access-control-allow-origin"] == "*"
    assert "range" in pre.headers["access-control-allow-headers"].lower()
    assert "GET" in pre.headers["access-control-allow-methods"]


def test_versioned_audio_is_immutable_and_feeds_revalidate_within_a_minute(server: Server, published: Published):
    audio = get(server, published.audio).headers["cache-control"]
    assert "immutable" in audio and "max-age=31536000" in audio and "public" in audio
    for path in ("feeds/sample.xml", "feeds/sample.json", "articles/www.n-tv.de/politik/koeln.html.json",
                 "audio/3f2a9c1e0b7d4a55-v1.vtt", "audio/3f2a9c1e0b7d4a55-v1.chapters.json"):
        cc = get(server, path).headers["cache-control"]
        assert "immutable" not in cc
        max_age = int(cc.split("max-age=")[1].split(",")[0]) if "max-age=" in cc else 0
        assert max_age <= 60 and ("must-revalidate" in cc or "no-cache" in cc), (path, cc)


# -- what is never served ------------------------------------------------------------------------


TRAVERSALS = [
    "/../secret.txt",
    "/audio/../../secret.txt",
    "/%2e%2e/secret.txt",
    "/audio/%2E%2E/%2e%2e/secret.txt",
    "/audio%2f..%2f..%2fsecret.txt",
    "/..%2fsecret.txt",
    "/..%5csecret.txt",
    "/audio/..\\..\\secret.txt",
    "/%2e%2e%2fsecret.txt",
    "/./../secret.txt",
    "//secret.txt",
    "/audio/3f2a9c1e0b7d4a55-v1.mp3%00.txt",
]


@pytest.mark.parametrize("target", TRAVERSALS)
def test_traversal_never_leaves_the_output_folder(server: Server, published: Published, target: str):
    status, data = raw_request(server, target)
    assert status in (400, 404), (target, status)
    assert SECRET not in data


def test_absolute_paths_are_not_files_of_the_machine(server: Server, published: Published):
    for target in ("/etc/passwd", f"/{published.secret}", f"/{published.output}/cover.png"):
        status, data = raw_request(server, target)
        assert status == 404, target
        assert b"root:" not in data and SECRET not in data


@pytest.mark.parametrize("path", ["/", "/audio/", "/audio", "/feeds/", "/articles/www.n-tv.de/"])
def test_folders_are_not_listed(server: Server, path: str):
    status, data = raw_request(server, path)
    assert status == 404
    assert b"-v1.mp3" not in data and b"sample.xml" not in data


@pytest.mark.parametrize(
    "path",
    ["/.gone/audio/0000000000000000-v1.mp3", "/.gone/", "/audio/.3f2a9c1e0b7d4a55-v9.mp3.x1y2.tmp"],
)
def test_hidden_files_are_not_served(server: Server, published: Published, path: str):
    assert (published.output / path.lstrip("/")).exists()
    status, data = raw_request(server, path)
    assert status == 404
    assert b"half-written" not in data


def test_a_withdrawn_episode_is_gone_and_unknown_paths_are_404(server: Server):
    assert get(server, "audio/0000000000000000-v1.mp3").status_code == 410
    assert get(server, "audio/0000000000000000-v2.mp3").status_code == 404
    assert get(server, "no/such/file.json").status_code == 404
    assert httpx.head(f"{server.base}/audio/0000000000000000-v1.mp3", timeout=10).status_code == 410


def test_restoring_an_episode_serves_it_again(server: Server, published: Published, tmp_path):
    name = f"audio/restored-{server.kind}-v1.mp3"
    tomb = published.output / ".gone" / name
    tomb.parent.mkdir(parents=True, exist_ok=True)
    tomb.write_bytes(b"")
    assert get(server, name).status_code == 410
    (published.output / name).write_bytes(b"ID3 restored")
    tomb.unlink()
    r = get(server, name)
    assert (r.status_code, r.content) == (200, b"ID3 restored")


def test_only_reading_methods_are_allowed(server: Server, published: Published):
    r = httpx.post(f"{server.base}/{published.audio}", content=b"x", timeout=10)
    assert r.status_code == 405
    assert (published.output / published.audio).read_bytes() == published.audio_bytes


def test_healthz_answers_through_both(server: Server):
    r = get(server, "healthz")
    assert r.status_code == 200
    assert r.json() == {"ok": True}


def test_large_files_stream_whole_and_in_ranges(server: Server, published: Published):
    big = published.output / "audio" / "big-episode-v1.mp3"
    if not big.exists():
        big.write_bytes(os.urandom(3 * 1024 * 1024 + 17))
    data = big.read_bytes()
    r = get(server, "audio/big-episode-v1.mp3")
    assert (r.status_code, r.content) == (200, data)
    r = get(server, "audio/big-episode-v1.mp3", Range="bytes=100000-2900000")
    assert (r.status_code, r.content) == (206, data[100000:2900001])
    # A player that hangs up mid-file does not disturb the next listener.
    host, port = server.base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(f"GET /audio/big-episode-v1.mp3 HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        s.recv(1000)
    assert get(server, "audio/big-episode-v1.mp3", Range="bytes=-3").content == data[-3:]
