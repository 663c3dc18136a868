"""The web app's plan: every room mounted by web.app.create_app, the output files last, and the
background work tied to the app's lifespan (building the app starts nothing)."""

from __future__ import annotations

import threading
import time

from starlette.routing import Mount
from starlette.testclient import TestClient

from pipeline.state import webhooks
from pipeline.state.store import open_store
from tests.web.test_console_safety import Receiver
from web.app import create_app
from web.files.static import OutputFiles


def senders() -> int:
    return sum(1 for t in threading.enumerate() if t.name == "webhooks" and t.is_alive())


def test_the_rooms_are_mounted_in_order_with_the_output_files_last(settings):
    app = create_app(settings)
    paths = [getattr(r, "path", None) for r in app.routes]
    assert paths == ["/healthz", "/metrics", "/player", "/events", "/sample/", "/sample/{path:path}", "/console",
                     "/api/v1", ""]
    last = app.routes[-1]
    assert isinstance(last, Mount) and isinstance(last.app, OutputFiles)


def test_the_webhook_sender_runs_while_the_app_does_and_only_then(settings):
    store = open_store(settings)
    receiver = Receiver([])
    hook = webhooks.add_hook(store, receiver.url, ["audio.published"])
    before = senders()
    app = create_app(settings)
    assert senders() == before
    webhooks.announce(store, "audio.published", {"url": "https://x.example/a", "guid": "g1"})
    with TestClient(app):
        assert senders() == before + 1
        deadline = time.monotonic() + 15
        while not receiver.got:
            assert time.monotonic() < deadline, "the running app sent no webhook"
            time.sleep(0.1)
    assert senders() == before
    assert [d.status for d in webhooks.deliveries(store) if d.webhook_id == hook.id] == ["delivered"]
    receiver.server.shutdown()
