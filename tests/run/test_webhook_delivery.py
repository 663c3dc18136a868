"""Webhooks a receiver can trust and that cannot be aimed inward: the signature covers the time
of sending and the body (a captured delivery replayed later fails), and a hook URL on a private
or loopback address is refused like a fetch would be, unless allowed_hosts names it."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pipeline.models import FetchError
from pipeline.run.webhook_delivery import SIGNATURE_HEADER, check_hook_url, deliver_due, sign, verify
from pipeline.state import webhooks
from pipeline.state.store import open_store


@pytest.fixture
def receiver():
    """A webhook receiver on 127.0.0.1 that keeps what it was sent: (signature header, body)."""
    got: list[tuple[str, bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - stdlib name
            got.append((self.headers.get(SIGNATURE_HEADER, ""), self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{server.server_address[1]}", got
    server.shutdown()
    server.server_close()


def test_a_replayed_delivery_fails_verification():
    body = b'{"event": "audio.published"}'
    header = sign("geheim", body)
    assert verify("geheim", body, header)
    assert not verify("geheim", body + b" ", header), "the body is signed"
    assert not verify("anders", body, header), "the secret is signed"
    captured = sign("geheim", body, at=int(time.time()) - 3600)
    assert not verify("geheim", body, captured), "an hour-old delivery is a replay"
    assert verify("geheim", body, captured, now=time.time() - 3600), "it was valid when sent"
    assert not verify("geheim", body, "sha256=" + "0" * 64), "the old unsigned-time form is refused"


def test_a_hook_on_a_private_address_is_refused_unless_allowed(settings):
    settings.allowed_hosts = []
    settings.allow_private_addresses = False
    for url in ("http://127.0.0.1:9/hook", "http://10.1.2.3/hook", "http://[::1]/hook", "http://localhost/hook"):
        with pytest.raises(FetchError) as refused:
            check_hook_url(url, settings)
        assert refused.value.reason == "blocked-address"
    with pytest.raises(FetchError):
        check_hook_url("file:///etc/passwd", settings)
    settings.allowed_hosts = ["127.0.0.1:9"]
    check_hook_url("http://127.0.0.1:9/hook", settings)


def test_a_delivery_to_a_private_address_is_not_sent_and_says_why(settings, receiver):
    host, got = receiver
    settings.allowed_hosts = []
    settings.allow_private_addresses = False
    store = open_store(settings)
    webhooks.add_hook(store, f"http://{host}/hook", ["audio.published"])
    assert webhooks.announce(store, "audio.published", {"article_id": "a1"}) == 1
    assert deliver_due(store, settings) == 0
    (delivery,) = webhooks.deliveries(store)
    assert "private or loopback" in delivery.error
    assert got == []


def test_a_delivery_to_an_allowed_receiver_carries_a_fresh_signature(settings, receiver):
    host, got = receiver
    settings.allowed_hosts = [host]
    store = open_store(settings)
    hook = webhooks.add_hook(store, f"http://{host}/hook", ["audio.published"])
    webhooks.announce(store, "audio.published", {"article_id": "a1"})
    assert deliver_due(store, settings) == 1
    (delivery,) = webhooks.deliveries(store)
    assert delivery.status == "delivered", delivery.error
    ((header, body),) = got
    assert header.startswith("t=") and verify(hook.secret, body, header)
    assert json.loads(body)["article_id"] == "a1"
