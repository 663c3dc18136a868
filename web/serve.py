"""Run the app under uvicorn: `newsaudio serve` in the foreground."""

from __future__ import annotations

import uvicorn

from pipeline.config import Settings
from web.app import create_app


def serve(settings: Settings, host: str | None = None, port: int | None = None, *, log_level: str = "info") -> None:
    app = create_app(settings)
    # proxy_headers: behind deploy/nginx.conf, client addresses come from X-Forwarded-For.
    # lifespan "on", not "auto": the app's background work (webhooks) must start, or the start fail.
    uvicorn.run(
        app,
        host=host or settings.serve_host,
        port=settings.serve_port if port is None else port,
        log_level=log_level,
        lifespan="on",
        proxy_headers=True,
        server_header=False,
    )
