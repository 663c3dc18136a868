"""Run the web app under uvicorn on 127.0.0.1 and a free port, in a thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.types import ASGIApp

from pipeline.config import Settings
from web.app import create_app


@contextmanager
def serving(app: ASGIApp, *, must_stop: bool = False) -> Iterator[str]:
    """``app`` under uvicorn with its lifespan "on", as `newsaudio serve` runs it (background
    work starts and stops with the app); on exit the server shuts down as serve does, and with
    ``must_stop`` the test fails when it has not within 20 s."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started:
        assert time.time() < deadline and thread.is_alive(), "the web app did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        assert not (must_stop and thread.is_alive()), "the web app did not stop"


@contextmanager
def serve_app(settings: Settings) -> Iterator[str]:
    with serving(create_app(settings)) as base:
        yield base
