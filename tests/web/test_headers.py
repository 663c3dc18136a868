"""Security headers: every console page carries a strict CSP whose nonce is on each of its
scripts and styles, cannot be framed or sniffed, sends no referrer elsewhere and is never
stored (the token and setup pages show secrets); API answers are not stored either; HSTS over
https only."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from pipeline.state import accounts
from pipeline.state.store import open_store
from web.app import create_app

PAGES = ["/console/articles", "/console/failures", "/console/lexicon", "/console/lexicon/history",
         "/console/admin/users", "/console/admin/tokens", "/console/admin/webhooks", "/console/admin/audit"]


@pytest.fixture
def admin(settings) -> TestClient:
    store = open_store(settings)
    user = accounts.add_user(store, "ada", "admin", "redaktion-2024!")
    secret, _ = accounts.open_session(store, user, 1)
    c = TestClient(create_app(settings), client=("127.0.0.1", 1000), follow_redirects=False)
    c.cookies.set("newsaudio_session", secret)
    return c


def check_page(r) -> None:
    csp = r.headers["content-security-policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin"
    assert r.headers["cache-control"] == "no-store"
    assert "strict-transport-security" not in r.headers  # plain http: HSTS means nothing there
    for tag in re.findall(r"<(?:script|style)\b[^>]*>", r.text):
        assert f'nonce="{nonce}"' in tag, tag
    assert not re.search(r"\son[a-z]+=", r.text), "inline event handlers need a nonce'd script instead"


@pytest.mark.parametrize("path", PAGES)
def test_every_console_page_has_the_headers(admin, path):
    r = admin.get(path)
    assert r.status_code == 200, (path, r.status_code)
    check_page(r)


def test_a_redirect_has_them_too(admin):
    r = admin.get("/console/")
    assert r.status_code == 303 and r.headers["cache-control"] == "no-store" and r.headers["x-frame-options"] == "DENY"


def test_the_nonce_is_new_on_every_answer(admin):
    first, second = (admin.get("/console/lexicon").headers["content-security-policy"] for _ in range(2))
    assert first != second


def test_login_setup_and_a_new_token_are_not_stored(admin, settings):
    login = TestClient(create_app(settings), client=("127.0.0.1", 1000)).get("/console/login")
    check_page(login)
    secret = accounts.setup_link_token(open_store(settings), "ada")
    check_page(admin.get(f"/console/setup/{secret}"))
    page = admin.get("/console/admin/tokens")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    made = admin.post("/console/admin/tokens", data={"csrf": csrf, "name": "cms", "scopes": "read"})
    assert made.headers["cache-control"] == "no-store"
    assert made.headers["x-frame-options"] == "DENY"


def test_api_answers_are_not_stored_and_https_gets_hsts(admin):
    r = admin.get("/api/v1/lexicon")
    assert r.status_code == 401 and r.headers["cache-control"] == "no-store"
    r = admin.get("/console/login", headers={"X-Forwarded-Proto": "https"})
    assert r.headers["strict-transport-security"] == "max-age=31536000"


def test_public_files_keep_their_cache_policy(admin):
    r = admin.get("/player/newsaudio-player.js")
    assert r.headers["cache-control"].startswith("public")
    assert "content-security-policy" not in r.headers
