"""Run the app under uvicorn: `newsaudio serve` in the foreground, with the connection limits
of the settings (the same ones deploy/nginx.conf is rendered with)."""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from pipeline.config import Settings
from web.app import create_app


class HeadDeadlineH11(H11Protocol):
    """uvicorn's h11 protocol plus a deadline for the request head.

    uvicorn arms its keep-alive timer only after an answer, and any byte that arrives cancels
    it: a connection that never sends a request, or sends its head one byte every few seconds
    (slowloris), is held for ever. Here the whole head must arrive within ``header_timeout_s``
    of the connection opening or of the previous answer, however it trickles; otherwise the
    connection is closed. (h11, not httptools: h11 also bounds the head's size.)"""

    header_timeout_s = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_deadline()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm_head_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
        super().connection_lost(exc)

    def _arm_head_deadline(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
        self._head_timer = self.loop.call_later(self.header_timeout_s, self._head_expired, self.cycle)

    def _head_expired(self, cycle: object) -> None:
        # A new request since the deadline was set has its own cycle: its head arrived in time.
        waiting = self.cycle is cycle and (cycle is None or self.cycle.response_complete)
        if waiting and not self.transport.is_closing():
            self.transport.close()


def protocol(settings: Settings) -> type[H11Protocol]:
    return type("HeadDeadlineH11", (HeadDeadlineH11,), {"header_timeout_s": settings.serve_header_timeout_s})


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """The server's limits. proxy_headers off: web.app's Edge reads X-Forwarded-* itself, from
    trusted_proxies only (uvicorn's own would believe any loopback peer before the app sees it)."""
    return {
        "http": protocol(settings),
        "timeout_keep_alive": settings.serve_keep_alive_s,
        "limit_concurrency": settings.serve_max_connections,
        "h11_max_incomplete_event_size": settings.serve_max_header_bytes,
        "proxy_headers": False,
        "server_header": False,
    }


def serve(settings: Settings, host: str | None = None, port: int | None = None, *, log_level: str = "info") -> None:
    app = create_app(settings)
    # lifespan "on", not "auto": the app's background work (webhooks) must start, or the start fail.
    uvicorn.run(
        app,
        host=host or settings.serve_host,
        port=settings.serve_port if port is None else port,
        log_level=log_level,
        lifespan="on",
        **uvicorn_options(settings),
    )
