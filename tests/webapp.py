"""Run the web app (or, before web/app.py exists on this branch, the console and API routes
alone) under uvicorn on 127.0.0.1 and a free port, in a thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from starlette.applications import Starlette

from pipeline.config import Settings


def make_app(settings: Settings) -> Starlette:
    import web

    # Only this checkout's web/app.py (an editable install elsewhere could supply another).
    if not (Path(web.__file__).parent / "app.py").exists():
        from web.console.routes import all_routes

        return Starlette(routes=all_routes(settings))
    from web.app import create_app  # the full app mounts the console itself

    return create_app(settings)


@contextmanager
def serve_app(settings: Settings) -> Iterator[str]:
    config = uvicorn.Config(make_app(settings), host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
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
        thread.join(timeout=10)
        from web.console.routes import stop_webhook_sender

        stop_webhook_sender(settings)
