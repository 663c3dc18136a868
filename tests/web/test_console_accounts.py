"""Accounts and tokens from the shell and the console; lexicon history; failures and retry."""

from __future__ import annotations

import re
import time

import httpx
from sqlalchemy import select

from pipeline.cli.main import main
from pipeline.config import FeedConfig
from pipeline.run import feed
from pipeline.run.lexicon import current_lexicon, save_lexicon
from pipeline.run.sample_site import serve_site
from pipeline.run.webhook_delivery import verify
from pipeline.state import accounts, lexicon_versions, schema, webhooks
from pipeline.state.articles import get_article, list_articles
from pipeline.state.store import open_store
from tests.conftest import small_site
from tests.support.webapp import serve_app
from tests.web.test_console_safety import PASSWORD, TIMEOUT, Receiver, csrf_of, login


def test_users_add_asks_the_password_or_prints_a_one_time_setup_link(settings, monkeypatch, capsys):
    answers = iter([PASSWORD, PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert main(["users", "add", "ada", "--role", "admin"], settings=settings) == 0
    store = open_store(settings)
    assert accounts.check_password(store, "ada", PASSWORD).role == "admin"
    assert accounts.check_password(store, "ada", "falsch-falsch") is None
    assert main(["users", "add", "ada", "--role", "editor", "--setup-link"], settings=settings) == 2
    assert "exists already" in capsys.readouterr().err

    assert main(["users", "add", "eddi", "--role", "editor", "--setup-link"], settings=settings) == 0
    link = re.search(r"(http\S+/console/setup/\S+)", capsys.readouterr().out).group(1)
    # the console answers plain http only on this machine: the link says so, not a LAN address
    assert link.startswith(f"http://127.0.0.1:{settings.serve_port}/console/setup/")
    path = link[link.index("/console/"):]
    with serve_app(settings) as base, httpx.Client(base_url=base, follow_redirects=False,
                                                   timeout=TIMEOUT) as client:
        page = client.get(path)
        assert page.status_code == 200 and "eddi" in page.text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        done = client.post(path, data={"csrf": csrf, "password": PASSWORD, "again": PASSWORD})
        assert done.status_code == 303
        assert client.get(path).status_code == 404  # one time only
    assert accounts.check_password(store, "eddi", PASSWORD).role == "editor"


def test_tokens_are_shown_once_stored_hashed_and_revocable(settings, capsys):
    assert main(["tokens", "add", "cms", "--scope", "read,articles:write"], settings=settings) == 0
    secret = capsys.readouterr().out.split()[-1]
    store = open_store(settings)
    assert accounts.token_for(store, secret).scopes == ["read", "articles:write"]
    with store.engine.connect() as conn:
        stored = [tuple(map(str, r)) for r in conn.execute(select(schema.api_tokens))]
    assert not any(secret in value for row in stored for value in row)
    assert main(["tokens", "add", "x", "--scope", "everything"], settings=settings) == 2
    (token,) = accounts.list_tokens(store)
    assert main(["tokens", "revoke", str(token.id)], settings=settings) == 0
    assert accounts.token_for(store, secret) is None

    accounts.add_user(store, "ada", "admin", PASSWORD)
    with serve_app(settings) as base:
        admin = login(base, "ada")
        csrf = csrf_of(admin, "/console/admin/tokens")
        made = admin.post("/console/admin/tokens", data={"csrf": csrf, "name": "wp", "scope_read": "1"})
        shown = re.search(r'class="secret">([^<]+)<', made.text).group(1)
        assert accounts.token_for(store, shown).name == "wp"
        assert shown not in admin.get("/console/admin/tokens").text  # shown once
        csrf = csrf_of(admin, "/console/admin/users")
        made = admin.post("/console/admin/users", data={"csrf": csrf, "name": "<b>neu</b>", "role": "editor"})
        link = re.search(r'class="secret">([^<]+)<', made.text).group(1)
        assert "/console/setup/" in link and "&lt;b&gt;neu&lt;/b&gt;" in made.text
        assert admin.get(link[link.index("/console/"):]).status_code == 200
    actions = [(e.actor, e.action, e.target) for e in accounts.audit_entries(store)]
    assert ("user:ada", "token.add", "wp") in actions and ("cli", "token.revoke", "cms") in actions
    assert ("user:ada", "user.add", "<b>neu</b>") in actions


def test_history_restores_an_earlier_lexicon_version(settings):
    store = open_store(settings)
    first = current_lexicon(settings)
    save_lexicon(store, '[[entry]]\nmatch = "Kreml"\nsay = "Kremmel"\n', author="bea", message="alles weg")
    accounts.add_user(store, "eddi", "editor", PASSWORD)
    with serve_app(settings) as base:
        client = login(base, "eddi")
        history = client.get("/console/lexicon/history").text
        assert "alles weg" in history and "bea" in history
        csrf = csrf_of(client, "/console/lexicon/history")
        answer = client.post("/console/lexicon/restore", data={"csrf": csrf, "version_id": "1"})
        assert answer.status_code == 303
    assert current_lexicon(settings).version == first.version
    newest = lexicon_versions.current(store)
    assert (newest.author, newest.message) == ("eddi", "Version 1 wiederhergestellt")


def test_a_failed_poll_is_announced_listed_and_retried_from_the_console(settings, tmp_path):
    store = open_store(settings)
    receiver = Receiver([])
    hook = webhooks.add_hook(store, receiver.url, ["audio.failed"])
    with serve_site(small_site(tmp_path / "site", keep=("entfernt",))) as site:
        settings.feeds = [FeedConfig(name="sample", url=f"{site}/feed.xml")]
        assert feed.run(settings).count("failed") == 1
        headers, body = receiver.got[0]  # delivered at the end of the run
        assert verify(hook.secret, body, headers["X-Newsaudio-Signature"])
        assert b'"reason": "http-404"' in body and b'"event": "audio.failed"' in body
        (row,) = list_articles(store, status="failed")
        assert row.attempts == 1
        accounts.add_user(store, "eddi", "editor", PASSWORD)
        with serve_app(settings) as base:
            client = login(base, "eddi")
            assert "http-404" in client.get("/console/failures").text
            csrf = csrf_of(client, "/console/failures")
            assert client.post("/console/failures/retry", data={"csrf": csrf, "article_id": "all"}).status_code == 303
            deadline = time.time() + 60
            while get_article(store, row.id).attempts < 2:
                assert time.time() < deadline
                time.sleep(0.2)
    assert [e.action for e in accounts.audit_entries(store)][0] == "article.retry"
