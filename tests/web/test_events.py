"""POST /events over real HTTP: what is counted, what is refused, and that nothing about a
listener is kept."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import inspect, select
from starlette.applications import Starlette

from pipeline.cli.main import main
from pipeline.config import Settings
from pipeline.state.listening import listen_totals
from pipeline.state.schema import listen_counts
from pipeline.state.store import Store
from tests.support.player_support import record_article, record_episode, serve
from web.player.events import MAX_BODY
from web.player.routes import routes

GUID = "ntv-article24649386"


def record_published(settings: Settings) -> None:
    """The article and its episode v1: only published GUID/version pairs are counted."""
    store = Store(settings.db_url)
    record_article(store, "seed", GUID, "https://www.n-tv.de/politik/a.html", "Ein Artikel")
    record_episode(store, "seed")
    store.close()


def listener(n: int) -> dict[str, str]:
    """Another listener (on one address, the user agent tells them apart)."""
    return {"User-Agent": f"listener-{n}"}


@pytest.fixture
def events(settings: Settings) -> Iterator[tuple[str, Settings]]:
    record_published(settings)
    with serve(Starlette(routes=routes(settings))) as base:
        yield f"{base}/events", settings


def totals(settings: Settings) -> dict[str, int]:
    store = Store(settings.db_url)
    try:
        return listen_totals(store).get(GUID, {})
    finally:
        store.close()


def test_events_are_counted_per_article_and_the_beacon_text_form_works(events):
    url, settings = events
    origin = {"Origin": "https://www.n-tv.de"}
    r = httpx.post(url, json={"guid": GUID, "version": 1, "event": "play"}, headers=origin)
    assert r.status_code == 204
    assert r.headers["access-control-allow-origin"] == "*"
    assert "set-cookie" not in r.headers
    # navigator.sendBeacon sends the JSON as text/plain.
    beacon = json.dumps({"guid": GUID, "version": 1, "event": "play"})
    r = httpx.post(url, content=beacon, headers={**origin, **listener(2), "Content-Type": "text/plain;charset=UTF-8"})
    assert r.status_code == 204
    httpx.post(url, json={"guid": GUID, "event": "complete"})
    httpx.post(url, json={"guid": GUID, "event": "speed", "value": 1.5})
    assert totals(settings) == {"play": 2, "complete": 1, "speed": 1}


def test_two_listeners_are_one_counter_and_no_column_could_hold_a_listener(events):
    url, settings = events
    for ip_hint in ("a", "b"):
        httpx.post(url, json={"guid": GUID, "version": 1, "event": "play"},
                   headers={"User-Agent": f"listener-{ip_hint}", "Cookie": f"id={ip_hint}"})
    store = Store(settings.db_url)
    with store.engine.connect() as conn:
        rows = conn.execute(select(listen_counts)).all()
        columns = {c["name"] for c in inspect(conn).get_columns("listen_counts")}
    store.close()
    assert len(rows) == 1 and rows[0].count == 2
    assert columns == {"guid", "version", "day", "event", "value", "count"}


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"guid": GUID, "event": "clicked-ad"}, 400),
        ({"guid": GUID, "event": "speed", "value": 9}, 400),
        ({"guid": GUID, "event": "play", "version": "1; drop table"}, 400),
        ({"event": "play"}, 400),
        ({"guid": "not-an-episode", "event": "play"}, 404),
        ([1, 2], 400),
    ],
)
def test_bad_events_are_refused_and_not_counted(events, body, status):
    url, settings = events
    assert httpx.post(url, json=body).status_code == status
    assert totals(settings) == {}


def test_a_large_body_is_refused_without_reading_it_all(events):
    url, settings = events
    big = json.dumps({"guid": GUID, "event": "play", "pad": "x" * MAX_BODY})
    assert httpx.post(url, content=big).status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: the server must count for itself
        yield b'{"guid": "' + GUID.encode() + b'", "event": "play", "pad": "'
        for _ in range(100):
            yield b"x" * 1024
        yield b'"}'

    assert httpx.post(url, content=chunks()).status_code == 413
    assert totals(settings) == {}
    assert httpx.post(url, content=b"\xff\xfe").status_code == 400


def test_preflight_and_configured_origins(settings):
    record_published(settings)
    settings.cors_origins = "https://www.n-tv.de, https://m.n-tv.de"  # type: ignore[attr-defined]
    with serve(Starlette(routes=routes(settings))) as base:
        r = httpx.options(f"{base}/events", headers={
            "Origin": "https://m.n-tv.de", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type"})
        assert r.status_code == 204
        assert r.headers["access-control-allow-origin"] == "https://m.n-tv.de"
        assert "POST" in r.headers["access-control-allow-methods"]
        r = httpx.post(f"{base}/events", json={"guid": GUID, "event": "play"}, headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in r.headers
        assert httpx.get(f"{base}/events").status_code == 405


def test_status_shows_plays_and_completion_per_article(events, capsys):
    url, settings = events
    for n, event in enumerate(("play", "play", "play", "play", "complete")):
        httpx.post(url, json={"guid": GUID, "event": event}, headers=listener(n))
    assert main(["status"], settings=settings) == 0
    out = capsys.readouterr().out
    listening = out[out.index("listening (website player)"):]
    row = next(line for line in listening.splitlines() if "│ seed " in line)
    assert [c.strip() for c in row.split("│")[1:4]] == ["seed", "4", "25%"]


def test_status_has_no_listening_table_before_anyone_played(events, capsys):
    url, settings = events
    httpx.post(url, json={"guid": GUID, "event": "loaded"})
    assert main(["status"], settings=settings) == 0
    assert "listening" not in capsys.readouterr().out
