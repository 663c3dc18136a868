"""The console's and the API's safety promises, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from starlette.routing import Mount, Route

from pipeline.models import FeedEntry
from pipeline.run.lexicon import current_lexicon
from pipeline.run.webhook_delivery import deliver_due, verify
from pipeline.state import accounts, webhooks
from pipeline.state.articles import get_article, upsert_entry, upsert_feed
from pipeline.state.listening import count_listen
from pipeline.state.store import open_store
from tests.support.webapp import serve_app
from web.app import create_app
from web.console import auth

PASSWORD = "richtig-geheim-1"
# argon2 takes seconds on a loaded CI machine: wait for answers longer than httpx's 5 s
TIMEOUT = 60.0
post = partial(httpx.post, timeout=TIMEOUT)
get = partial(httpx.get, timeout=TIMEOUT)


@pytest.fixture
def app(settings) -> Iterator[tuple[str, object]]:
    store = open_store(settings)
    accounts.add_user(store, "ada", "admin", PASSWORD)
    accounts.add_user(store, "eddi", "editor", PASSWORD)
    upsert_feed(store, "sample", "http://127.0.0.1:9/feed.xml", "Beispiel")
    upsert_entry(store, "sample", "evil", FeedEntry(guid="g-evil", url="javascript:alert(1)//evil",
                                                   title='<script>alert("x")</script> Böse'))
    with serve_app(settings) as base:
        yield base, settings


def login(base: str, name: str, password: str = PASSWORD, **headers: str) -> httpx.Client:
    client = httpx.Client(base_url=base, follow_redirects=False, headers=headers, timeout=TIMEOUT)
    page = client.get("/console/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    answer = client.post("/console/login", data={"name": name, "password": password, "csrf": csrf})
    assert answer.status_code == 303, answer.text
    return client


def csrf_of(client: httpx.Client, path: str = "/console/articles") -> str:
    return re.search(r'<meta name="csrf" content="([^"]+)"', client.get(path).text).group(1)


def paths(settings, prefix: str) -> list[tuple[str, str]]:
    found = []
    for mount in create_app(settings).routes:
        if not isinstance(mount, Mount) or mount.path not in ("/console", "/api/v1"):
            continue
        for route in mount.routes:
            assert isinstance(route, Route)
            path = mount.path + re.sub(r"\{[^}]+\}", "x", route.path)
            for method in sorted(route.methods - {"HEAD"}):
                if path.startswith(prefix):
                    found.append((method, path))
    return found


def test_every_console_page_refuses_without_a_session(app):
    base, settings = app
    # the login, a setup link and the language choice (a preference cookie) are for everyone
    routes = [(m, p) for m, p in paths(settings, "/console")
              if not p.startswith(("/console/login", "/console/setup", "/console/language"))]
    assert len(routes) > 15
    with httpx.Client(base_url=base, follow_redirects=False, timeout=TIMEOUT) as anon:
        for method, path in routes:
            answer = anon.request(method, path, data={"csrf": "x"} if method == "POST" else None)
            if method == "GET":
                assert answer.status_code == 303 and answer.headers["location"].startswith("/console/login"), path
            else:
                assert answer.status_code == 401, (method, path)
            assert "Böse" not in answer.text


def test_every_api_route_refuses_without_a_token_and_a_wrong_scope_is_403(app):
    base, settings = app
    store = open_store(settings)
    routes = [(m, p) for m, p in paths(settings, "/api") if not p.endswith(("openapi.json", "/docs"))]
    assert len(routes) >= 10
    reader = accounts.add_token(store, "leser", ["read"], "test")
    revoked = accounts.add_token(store, "alt", ["read", "articles:write", "lexicon:write"], "test")
    accounts.revoke_token(store, accounts.list_tokens(store)[-1].id)
    with httpx.Client(base_url=base, timeout=TIMEOUT) as client:
        for method, path in routes:
            for header in ({}, {"Authorization": "Bearer falsch"}, {"Authorization": f"Bearer {revoked}"}):
                answer = client.request(method, path, headers=header, json={})
                assert answer.status_code == 401, (method, path, header)
            answer = client.request(method, path, headers={"Authorization": f"Bearer {reader}"}, json={})
            if method == "GET":
                assert answer.status_code in (200, 404), (method, path)
            else:
                assert answer.status_code == 403, (method, path)
                assert "scope" in answer.json()["error"]


def test_state_changes_need_the_csrf_token(app):
    base, settings = app
    client = login(base, "eddi")
    for path, form in [("/console/articles/evil/action", {"action": "withdraw"}),
                       ("/console/lexicon/save", {"match": "Kreml", "say": "Kremmel"}),
                       ("/console/lexicon/preview", {"match": "Kreml", "say": "K", "sentence": "Der Kreml."}),
                       ("/console/logout", {})]:
        assert client.post(path, data=form).status_code == 403
        assert client.post(path, data={**form, "csrf": "geraten"}).status_code == 403
    assert get_article(open_store(settings), "evil").status == "new"
    assert client.get("/console/articles").status_code == 200  # still logged in
    # the login form has its own token too
    with httpx.Client(base_url=base, timeout=TIMEOUT) as anon:
        assert anon.post("/console/login", data={"name": "eddi", "password": PASSWORD}).status_code == 403


def test_login_attempts_are_rate_limited(app):
    base, settings = app
    client = httpx.Client(base_url=base, follow_redirects=False, timeout=TIMEOUT)
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/console/login").text).group(1)
    codes = [client.post("/console/login", data={"name": "ada", "password": "falsch", "csrf": csrf}).status_code
             for _ in range(settings.login_attempts_per_minute + 1)]
    assert codes[:-1] == [401] * settings.login_attempts_per_minute
    assert codes[-1] == 429
    # even the right password waits now
    right = client.post("/console/login", data={"name": "ada", "password": PASSWORD, "csrf": csrf})
    assert right.status_code == 429


def test_session_cookie_flags_and_logout(app):
    base, _ = app
    client = login(base, "eddi")
    assert client.get("/console/articles").status_code == 200
    csrf = csrf_of(client)
    assert client.post("/console/logout", data={"csrf": csrf}).status_code == 303
    assert client.get("/console/articles").status_code == 303  # the session is gone server-side
    plain = httpx.Client(base_url=base, follow_redirects=False, timeout=TIMEOUT)
    page = plain.get("/console/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    answer = plain.post("/console/login", data={"name": "eddi", "password": PASSWORD, "csrf": token})
    assert answer.status_code == 303, answer.text
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    proxied = httpx.Client(base_url=base, follow_redirects=False, headers={"X-Forwarded-Proto": "https"},
                           timeout=TIMEOUT)
    page = proxied.get("/console/login")
    assert "secure" in page.headers["set-cookie"].lower()
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    # httpx (like a browser) keeps Secure cookies off plain http: send it as the proxy would
    answer = post(f"{base}/console/login", data={"name": "eddi", "password": PASSWORD, "csrf": token},
                        headers={"X-Forwarded-Proto": "https", "Cookie": f"{auth.PRELOGIN_COOKIE}={token}"})
    assert answer.status_code == 303
    assert "secure" in answer.headers["set-cookie"].lower()


def test_admin_pages_are_for_admins(app):
    base, _ = app
    editor = login(base, "eddi")
    admin = login(base, "ada")
    for path in ("/console/admin/users", "/console/admin/tokens", "/console/admin/webhooks", "/console/admin/audit"):
        assert editor.get(path).status_code == 403
        assert admin.get(path).status_code == 200


def test_a_script_in_an_article_title_is_escaped(app):
    base, _ = app
    client = login(base, "eddi")
    for path in ("/console/articles", "/console/articles/evil", "/console/articles?q=B%C3%B6se"):
        page = client.get(path).text
        assert '<script>alert("x")</script>' not in page
        assert "&lt;script&gt;alert(" in page
        assert 'href="javascript:' not in page


def test_the_articles_list_shows_the_players_listening_numbers(app):
    base, settings = app
    store = open_store(settings)
    for event in ("play", "play", "play", "play", "complete"):
        count_listen(store, "g-evil", 1, event)
    page = login(base, "eddi").get("/console/articles").text
    assert "4 Wiedergaben, 25 % bis zum Ende" in page


def test_an_invalid_lexicon_entry_is_refused_naming_it(app):
    base, settings = app
    store = open_store(settings)
    before = current_lexicon(settings).version
    client = login(base, "eddi")
    csrf = csrf_of(client, "/console/lexicon")
    form = {"match": "Kreml", "kind": "substitute", "say": "", "csrf": csrf, "whole_word": "1"}
    checked = client.post("/console/lexicon/check", data=form).json()
    assert checked["ok"] is False and "'Kreml'" in checked["error"]
    saved = client.post("/console/lexicon/save", data=form)
    assert saved.status_code == 400 and "'Kreml'" in saved.text
    writer = accounts.add_token(store, "cms", ["lexicon:write", "read"], "test")
    answer = post(f"{base}/api/v1/lexicon/entries", headers={"Authorization": f"Bearer {writer}"},
                        json={"match": "Kreml", "type": "sing", "say": "x"})
    assert answer.status_code == 422 and "'Kreml'" in answer.json()["error"]
    assert current_lexicon(settings).version == before
    good = post(f"{base}/api/v1/lexicon/entries", headers={"Authorization": f"Bearer {writer}"},
                      json={"match": "Kreml", "say": "Kremmel", "message": "neu"})
    assert good.status_code == 201 and good.json()["affected"] == []
    listed = get(f"{base}/api/v1/lexicon", headers={"Authorization": f"Bearer {writer}"}).json()
    assert {"match": "Kreml", "say": "Kremmel"}.items() <= next(e for e in listed["entries"]
                                                                if e["match"] == "Kreml").items()
    (entry, *_) = accounts.audit_entries(store)
    assert (entry.actor, entry.action, entry.target) == ("token:cms", "lexicon.save", "add Kreml")


class Receiver:
    def __init__(self, codes: list[int]) -> None:
        self.codes = codes
        self.got: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - stdlib name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.got.append((dict(self.headers), body))
                self.send_response(receiver.codes.pop(0) if receiver.codes else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def test_webhooks_are_signed_retried_with_backoff_and_logged(settings):
    store = open_store(settings)
    receiver = Receiver([500])
    hook = webhooks.add_hook(store, receiver.url, ["audio.published"], secret="geteilt")
    other = webhooks.add_hook(store, receiver.url, ["audio.withdrawn"])
    assert webhooks.announce(store, "audio.published", {"url": "https://x.example/a", "guid": "g1"}) == 1
    assert deliver_due(store, settings) == 0  # the receiver answered 500
    (first,) = webhooks.deliveries(store)
    assert (first.status, first.attempts, first.response_code, first.error) == ("pending", 1, 500, "HTTP 500")
    assert (first.next_at - first.created_at).total_seconds() >= 9  # backed off, not hammered
    assert deliver_due(store, settings) == 0  # not due yet
    assert len(receiver.got) == 1
    from sqlalchemy import update

    from pipeline.state import schema

    with store.engine.begin() as conn:  # time passes
        conn.execute(update(schema.deliveries).values(next_at=first.created_at))
    assert deliver_due(store, settings) == 1
    (done,) = webhooks.deliveries(store)
    assert (done.status, done.attempts, done.response_code) == ("delivered", 2, 200)
    headers, body = receiver.got[-1]
    assert verify("geteilt", body, headers["X-Newsaudio-Signature"])
    assert not verify(other.secret, body, headers["X-Newsaudio-Signature"])
    assert not verify("geteilt", body + b" ", headers["X-Newsaudio-Signature"])
    assert json.loads(body) == {"event": "audio.published", "url": "https://x.example/a", "guid": "g1"}
    assert headers["X-Newsaudio-Event"] == "audio.published"
    assert hook.id != other.id
    receiver.server.shutdown()


def test_a_delivery_gives_up_after_the_last_attempt(settings):
    store = open_store(settings)
    settings.webhook_max_attempts = 2
    receiver = Receiver([503, 503, 503])
    webhooks.add_hook(store, receiver.url, ["audio.failed"])
    webhooks.announce(store, "audio.failed", {"url": "u", "guid": "g"})
    from sqlalchemy import update

    from pipeline.state import schema

    for _ in range(3):
        deliver_due(store, settings)
        with store.engine.begin() as conn:
            conn.execute(update(schema.deliveries).values(next_at=schema.now()))
    (d,) = webhooks.deliveries(store)
    assert (d.status, d.attempts, d.error) == ("failed", 2, "HTTP 503")
    assert len(receiver.got) == 2
    receiver.server.shutdown()


def test_the_api_docs_describe_every_api_route(app):
    base, settings = app
    spec = get(f"{base}/api/v1/openapi.json").json()
    documented = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    served = {(m, re.sub(r"/x(?=/|$)", "/{}", p)) for m, p in paths(settings, "/api")
              if not p.endswith(("openapi.json", "/docs"))}
    assert {(m, re.sub(r"\{[^}]+\}", "{}", p)) for m, p in documented} == served
    docs = get(f"{base}/api/v1/docs").text
    assert "POST /api/v1/articles" in docs
