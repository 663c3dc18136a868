"""/events counts only published episodes, and one listener cannot inflate a number: a play
counts once per episode per interval, and a burst stops counting after the per-minute budget."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.testclient import TestClient

from pipeline.state.listening import listen_totals
from pipeline.state.store import open_store
from tests.web.test_events import GUID, record_published
from web.app import create_app
from web.player.events import Budget
from web.player.routes import routes


def counter(settings, address: str = "198.51.100.9") -> TestClient:
    return TestClient(Starlette(routes=routes(settings)), client=(address, 1000))


def test_unknown_guid_and_unpublished_version_are_404(settings):
    record_published(settings)
    c = counter(settings)
    assert c.post("/events", json={"guid": "nope", "version": 1, "event": "play"}).status_code == 404
    assert c.post("/events", json={"guid": GUID, "version": 7, "event": "play"}).status_code == 404
    assert c.post("/events", json={"guid": GUID, "version": 1, "event": "play"}).status_code == 204
    assert c.post("/events", json={"guid": GUID, "event": "complete"}).status_code == 204  # no version: any
    assert listen_totals(open_store(settings))[GUID] == {"play": 1, "complete": 1}


def test_thirty_plays_from_one_client_are_one_play(settings):
    record_published(settings)
    c = counter(settings)
    answers = [c.post("/events", json={"guid": GUID, "version": 1, "event": "play"}).status_code for _ in range(30)]
    assert set(answers) == {204}  # counted or not, the answer is the same
    assert listen_totals(open_store(settings))[GUID]["play"] == 1
    # Another listener (another address, or another user agent) counts.
    assert counter(settings, "198.51.100.10").post(
        "/events", json={"guid": GUID, "version": 1, "event": "play"}).status_code == 204
    assert c.post("/events", json={"guid": GUID, "version": 1, "event": "play"},
                  headers={"User-Agent": "another"}).status_code == 204
    assert listen_totals(open_store(settings))[GUID]["play"] == 3


def test_a_burst_stops_counting_at_the_minute_budget(settings):
    record_published(settings)
    settings.events_per_client_per_minute = 10
    c = counter(settings)
    for _ in range(25):
        assert c.post("/events", json={"guid": GUID, "version": 1, "event": "speed", "value": 1.5}).status_code == 204
    # Spent: nothing else from this client counts in this minute, nor reaches the store.
    assert c.post("/events", json={"guid": "random-guid", "version": 1, "event": "play"}).status_code == 204
    assert c.post("/events", json={"guid": GUID, "version": 1, "event": "play"}).status_code == 204
    assert listen_totals(open_store(settings))[GUID] == {"speed": 10}


def test_reloads_progress_and_completion_count_once_per_listener(settings):
    record_published(settings)
    c = counter(settings)
    for _ in range(3):
        for event in ("loaded", "play", "progress25", "progress50", "progress75", "complete"):
            assert c.post("/events", json={"guid": GUID, "version": 1, "event": event}).status_code == 204
    assert set(listen_totals(open_store(settings))[GUID].values()) == {1}


def test_through_the_whole_app_the_proxy_client_is_the_listener(settings):
    record_published(settings)
    app = TestClient(create_app(settings), client=("127.0.0.1", 1000))
    for n in range(3):  # three listeners behind the loopback proxy (nginx)
        r = app.post("/events", json={"guid": GUID, "version": 1, "event": "play"},
                     headers={"X-Forwarded-For": f"203.0.113.{n}"})
        assert r.status_code == 204
    assert listen_totals(open_store(settings))[GUID]["play"] == 3


def test_the_listener_key_is_salted_per_process():
    one, two = Budget(1800, 20), Budget(1800, 20)
    assert one.client("198.51.100.9", "ua") == one.client("198.51.100.9", "ua")
    assert one.client("198.51.100.9", "ua") != two.client("198.51.100.9", "ua")
