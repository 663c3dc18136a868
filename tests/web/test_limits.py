"""Limits before work, on a real `newsaudio serve`: bodies over a route's limit are 413 before
they are read (declared or chunked, with or without a token), and the process does not grow;
connections that idle, trickle their head or stall their body are closed; past the concurrency
limit new requests get 503. And deploy/nginx.conf is rendered with the same limits."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.support.webservers import start_app, stop
from web.app import create_app
from web.files.nginx import render

MB = 1024 * 1024


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, int]]:
    """`newsaudio serve` with short timeouts and a small concurrency limit: (pid, port)."""
    root = tmp_path_factory.mktemp("limits")
    (root / "output").mkdir()
    env = {"NEWSAUDIO_SERVE_HEADER_TIMEOUT_S": "1", "NEWSAUDIO_SERVE_BODY_TIMEOUT_S": "1",
           "NEWSAUDIO_SERVE_KEEP_ALIVE_S": "1", "NEWSAUDIO_SERVE_MAX_CONNECTIONS": "20"}
    proc, base = start_app(root / "output", root / "data", env)
    try:
        yield proc.pid, int(base.rsplit(":", 1)[1])
    finally:
        stop(proc)


def connect(port: int) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    return s


def read_answer(s: socket.socket) -> bytes:
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except (ConnectionResetError, TimeoutError):
        pass
    return data


def push(s: socket.socket, total: int) -> int:
    """Send ``total`` bytes of body in 64 KB pieces until the server stops taking them."""
    sent = 0
    piece = b"x" * 65536
    try:
        while sent < total:
            s.sendall(piece)
            sent += len(piece)
    except (BrokenPipeError, ConnectionResetError, TimeoutError):
        pass
    return sent


def closed_within(s: socket.socket, seconds: float) -> float | None:
    """Seconds until the server closed the connection (None: still open after ``seconds``)."""
    s.settimeout(seconds)
    start = time.monotonic()
    try:
        while s.recv(65536):
            pass
    except TimeoutError:
        return None
    except ConnectionResetError:
        pass
    return time.monotonic() - start


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_50_mb_body_without_a_token_is_413_and_the_process_does_not_grow(served, chunked):
    pid, port = served
    with connect(port) as s:  # warm up: the API's routes are imported on their first request
        s.sendall(b"GET /api/v1/lexicon HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert read_answer(s).startswith(b"HTTP/1.1 401")
    before = rss_mb(pid)
    framing = b"Transfer-Encoding: chunked" if chunked else f"Content-Length: {50 * MB}".encode()
    with connect(port) as s:
        s.sendall(b"POST /api/v1/articles HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  + framing + b"\r\n\r\n")
        if chunked:
            s.sendall(b"%x\r\n" % (50 * MB))
        push(s, 50 * MB)
        answer = read_answer(s)
    grown = rss_mb(pid) - before
    print(f"RSS before {before:.1f} MB, grown by {grown:.1f} MB ({'chunked' if chunked else 'declared'})")
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"connection: close" in answer.lower()
    assert grown < 20


def test_a_connection_that_sends_nothing_is_closed(served):
    with connect(port := served[1]) as s:
        took = closed_within(s, 5)
    assert took is not None and took < 3, f"port {port}: idle connection still open"


def test_a_head_trickled_one_byte_at_a_time_is_cut(served):
    with connect(served[1]) as s:
        start = time.monotonic()
        head = b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100
        try:
            for byte in head:
                s.sendall(bytes([byte]))
                time.sleep(0.1)
        except (BrokenPipeError, ConnectionResetError):
            pass
        s.settimeout(5)
        try:
            rest = s.recv(100)
        except ConnectionResetError:
            rest = b""
    assert rest == b"" and time.monotonic() - start < 4


def test_an_idle_keep_alive_connection_is_closed(served):
    with connect(served[1]) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_answer(s).startswith(b"HTTP/1.1 ")
        took = closed_within(s, 5)
    assert took is not None and took < 3


def test_a_stalled_body_is_408(served):
    with connect(served[1]) as s:
        s.sendall(b"POST /console/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                  b"Content-Length: 100\r\n\r\nname=ada")
        s.settimeout(5)
        answer = read_answer(s)
    assert answer.startswith(b"HTTP/1.1 408")


def test_an_oversized_head_is_400(served):
    # h11 bounds the head it holds unparsed (serve_max_header_bytes): a head that keeps coming
    # is refused once that much waits. (One that arrives whole in one read is parsed; its size
    # is then bounded by the read, 64 KB.)
    with connect(served[1]) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: ")
        try:
            for _ in range(10):
                time.sleep(0.02)
                s.sendall(b"a" * 4000)
        except (BrokenPipeError, ConnectionResetError):
            pass
        assert read_answer(s).startswith(b"HTTP/1.1 400")


def test_past_the_concurrency_limit_new_requests_get_503(served):
    held = [connect(served[1]) for _ in range(20)]
    try:
        with connect(served[1]) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert read_answer(s).startswith(b"HTTP/1.1 503")
    finally:
        for s in held:
            s.close()


@pytest.mark.parametrize(("path", "size", "status"), [
    ("/api/v1/articles", 1_200_000, 413),        # API JSON: 1 MB
    ("/api/v1/lexicon/entries", 1_200_000, 401),  # the lexicon: 2 MB, then the token is checked
    ("/api/v1/lexicon/entries", 2_100_000, 413),
    ("/console/login", 70_000, 413),             # forms: 64 KB
    ("/events", 70_000, 413),
])
def test_limits_per_route_before_authentication(settings, path, size, status):
    app = TestClient(create_app(settings), client=("127.0.0.1", 1000))
    assert app.post(path, content=b"{" + b" " * size + b"}", headers={"Content-Type": "application/json"}
                    ).status_code == status

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        for _ in range(size // 10_000 + 1):
            yield b" " * 10_000

    assert app.post(path, content=chunks(), headers={"Content-Type": "application/json"}).status_code in (status, 400)


def test_nginx_is_rendered_with_the_same_limits(settings, tmp_path):
    settings.serve_header_timeout_s = 7
    settings.max_lexicon_body_bytes = 3_000_000
    conf = render(tmp_path, settings=settings)
    for line in ("client_header_timeout 7000ms;", "client_body_timeout 30000ms;", "keepalive_timeout 5000ms;",
                 "client_max_body_size 65536;", "client_max_body_size 3000000;", "limit_conn newsaudio_app_total 500;"):
        assert line in conf
