"""Exposure by intent: the files answer everyone; the console and the API answer this machine,
and https through a proxy the operator trusts, unless plain http is allowed by name. A client
elsewhere is simulated at the ASGI level (TestClient's client address), and over real HTTP by
X-Forwarded-For through the loopback proxy `newsaudio serve` trusts by default."""

from __future__ import annotations

import re

import httpx
import pytest
from starlette.testclient import TestClient

from pipeline.cli.serve import reachability
from pipeline.config import ConfigError, Settings
from pipeline.state import accounts
from pipeline.state.store import open_store
from tests.support.webservers import Published
from web.app import create_app
from web.console import auth

ELSEWHERE = ("203.0.113.5", 1234)
LOOPBACK = ("127.0.0.1", 1234)
PASSWORD = "redaktion-2024!"
VIA_HTTPS_PROXY = {"X-Forwarded-For": "203.0.113.5", "X-Forwarded-Proto": "https"}


def client(settings: Settings, address: tuple[str, int] = ELSEWHERE) -> TestClient:
    return TestClient(create_app(settings), client=address, follow_redirects=False)


@pytest.mark.parametrize("path", ["/console/", "/console/login", "/console/setup/x", "/api/v1/docs",
                                  "/api/v1/articles/abc"])
def test_console_and_api_are_refused_to_a_client_elsewhere_over_plain_http(settings, path):
    r = client(settings).get(path)
    assert r.status_code == 403
    assert "trusted_proxies" in r.text and r.text.strip().count("\n") == 0
    if path.startswith("/api/"):
        assert "trusted_proxies" in r.json()["error"]


def test_a_post_from_elsewhere_is_refused_before_its_body_or_token_is_looked_at(settings):
    r = client(settings).post("/api/v1/articles", json={"url": "https://x.example/a"},
                              headers={"Authorization": "Bearer nonsense"})
    assert r.status_code == 403 and r.headers["connection"] == "close"


def test_public_parts_answer_everyone(settings):
    c = client(settings)
    assert c.get("/player/newsaudio-player.js").status_code == 200
    assert c.get("/healthz").status_code in (200, 503)
    assert c.get("/feeds/none.xml").status_code == 404  # the files: looked up, not refused


def test_this_machine_gets_the_console(settings):
    assert client(settings, LOOPBACK).get("/console/login").status_code == 200
    assert client(settings, ("::1", 1234)).get("/console/login").status_code == 200


def test_a_trusted_https_proxy_is_believed_and_the_cookies_are_secure(settings):
    c = client(settings, LOOPBACK)
    page = c.get("/console/login", headers=VIA_HTTPS_PROXY)
    assert page.status_code == 200
    assert "secure" in page.headers["set-cookie"].lower()
    assert page.headers["strict-transport-security"].startswith("max-age=")
    # Logging in through the proxy: the session cookie is Secure too.
    accounts.add_user(open_store(settings), "ada", "admin", PASSWORD)
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    answer = c.post("/console/login", data={"name": "ada", "password": PASSWORD, "csrf": token},
                    headers={**VIA_HTTPS_PROXY, "Cookie": f"{auth.PRELOGIN_COOKIE}={token}"})
    assert answer.status_code == 303
    session = next(v for k, v in answer.headers.multi_items() if k == "set-cookie" and auth.COOKIE in v)
    assert "secure" in session.lower() and "httponly" in session.lower()


def test_a_trusted_proxy_saying_plain_http_is_refused(settings):
    r = client(settings, LOOPBACK).get("/console/login", headers={"X-Forwarded-For": "203.0.113.5",
                                                                  "X-Forwarded-Proto": "http"})
    assert r.status_code == 403


def test_a_client_cannot_claim_https_or_loopback_itself(settings):
    c = client(settings)
    assert c.get("/console/login", headers={"X-Forwarded-Proto": "https"}).status_code == 403
    assert c.get("/console/login", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 403
    # Through the trusted proxy, what the client wrote itself is left of what the proxy saw.
    spoofed = {"X-Forwarded-For": "127.0.0.1, 203.0.113.5", "X-Forwarded-Proto": "http"}
    assert client(settings, LOOPBACK).get("/console/login", headers=spoofed).status_code == 403


def test_a_proxy_nobody_named_makes_the_client_unknown(settings):
    settings.trusted_proxies = []
    r = client(settings, LOOPBACK).get("/console/login", headers={"X-Forwarded-For": "203.0.113.5"})
    assert r.status_code == 403
    assert client(settings, LOOPBACK).get("/console/login").status_code == 200


def test_a_named_proxy_elsewhere_with_https(settings):
    settings.trusted_proxies = ["10.0.0.0/8"]
    c = client(settings, ("10.1.2.3", 4000))
    assert c.get("/console/login", headers=VIA_HTTPS_PROXY).status_code == 200
    assert c.get("/console/login").status_code == 403  # the proxy host itself, over plain http


def test_plain_http_from_anywhere_only_when_named_unsafe(settings):
    settings.console_over_plain_http_unsafe = True
    assert client(settings).get("/console/login").status_code == 200


def test_a_wrong_trusted_proxy_stops_the_start(settings):
    settings.trusted_proxies = ["not-an-address"]
    with pytest.raises(ConfigError, match="trusted_proxies"):
        TestClient(create_app(settings)).get("/healthz")


def test_serve_says_what_is_reachable_from_where(settings):
    lines = reachability(settings, "0.0.0.0", 8000)
    assert "every network" in lines[0]
    assert "console and API: this machine, and https through trusted_proxies (127.0.0.1, ::1)" in lines[1]
    settings.console_over_plain_http_unsafe = True
    assert "plain http" in reachability(settings, "0.0.0.0", 8000)[1]
    assert "this machine only" in reachability(settings, "127.0.0.1", 8000)[0]


def test_over_real_http_a_forwarded_client_is_refused_and_https_through_the_proxy_is_not(
    app_server, published: Published
):
    base = app_server.base
    assert httpx.get(f"{base}/console/login").status_code == 200
    r = httpx.get(f"{base}/console/login", headers={"X-Forwarded-For": "203.0.113.5"})
    assert r.status_code == 403
    r = httpx.get(f"{base}/console/login", headers=VIA_HTTPS_PROXY)
    assert r.status_code == 200 and "secure" in r.headers["set-cookie"].lower()
    assert httpx.get(f"{base}/{published.audio}", headers={"X-Forwarded-For": "203.0.113.5"}).status_code == 200
