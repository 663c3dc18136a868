"""Apps learn at once: when a feed's bytes change, every WebSub hub is told (hub.mode=publish)
and Podping too (reason=update, with the newsroom's token), once per change, retried with
backoff when a hub fails, and never while publishing itself waits."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import feedparser
import pytest

from pipeline.run import pings as sending
from pipeline.run import publishing
from pipeline.stages.publish.names import feed_url
from pipeline.state import pings
from pipeline.state.store import open_store
from tests.support.fake_episodes import add_episode


@pytest.fixture
def hub():
    """A hub and a Podping endpoint on 127.0.0.1 that keep what they were told."""
    told: list[tuple[str, str, dict[str, list[str]], str]] = []  # (method, path, fields, authorization)
    failing: set[str] = set()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, fields: dict[str, list[str]]) -> None:
            path = urlsplit(self.path).path
            told.append((self.command, path, fields, self.headers.get("Authorization", "")))
            self.send_response(500 if path in failing else 202)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_POST(self) -> None:  # noqa: N802 - stdlib name
            length = int(self.headers.get("Content-Length", "0"))
            self._answer(parse_qs(self.rfile.read(length).decode()))

        def do_GET(self) -> None:  # noqa: N802 - stdlib name
            self._answer(parse_qs(urlsplit(self.path).query))

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", told, failing
    server.shutdown()
    server.server_close()


def test_a_changed_feed_tells_the_hubs_and_podping_once(settings, hub):
    base, told, _ = hub
    settings.websub_hubs = [f"{base}/hub"]
    settings.podping_url = f"{base}/podping"
    settings.podping_token = "geheim"
    store = open_store(settings)
    add_episode(store, settings, 1)
    publishing.publish_feed("sample", settings, store)
    assert sending.send_due(store, settings) == 2
    mine = feed_url(settings.public_base_url, "sample")
    channel = feedparser.parse((settings.feeds_dir / "sample.xml").read_bytes()).feed
    assert {(link.rel, link.href) for link in channel.links} >= {("hub", f"{base}/hub"), ("self", mine)}
    by_path = {path: (method, fields, auth) for method, path, fields, auth in told}
    assert by_path["/hub"][:2] == ("POST", {"hub.mode": ["publish"], "hub.url": [mine]})
    assert by_path["/podping"] == ("GET", {"url": [mine], "reason": ["update"], "medium": ["podcast"]}, "geheim")
    publishing.publish_feed("sample", settings, store)  # same bytes: nothing to tell
    assert sending.send_due(store, settings) == 0 and len(told) == 2
    add_episode(store, settings, 2)
    publishing.publish_feed("sample", settings, store)
    assert sending.send_due(store, settings) == 2 and len(told) == 4


def test_a_hub_that_fails_is_tried_again_later_and_publishing_never_waits(settings, hub):
    base, told, failing = hub
    failing.add("/hub")
    settings.websub_hubs = [f"{base}/hub"]
    store = open_store(settings)
    add_episode(store, settings, 1)
    publishing.publish_feed("sample", settings, store)
    assert told == [], "publishing only owes the ping"
    assert sending.send_due(store, settings) == 0
    (ping,) = pings.recent(store)
    assert (ping.status, ping.attempts) == ("pending", 1) and "HTTP 500" in ping.error
    assert ping.next_at > datetime.now(UTC)
    assert sending.send_due(store, settings) == 0 and len(told) == 1, "not again before its time"


def test_no_hubs_configured_owes_nothing(settings):
    store = open_store(settings)
    add_episode(store, settings, 1)
    publishing.publish_feed("sample", settings, store)
    assert pings.recent(store) == []
