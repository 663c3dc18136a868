"""Serve the bundled sample site on 127.0.0.1 so the demo exercises the real fetch path."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SAMPLE_SITE = Path(__file__).resolve().parents[2] / "sample" / "site"


class _QuietHandler(SimpleHTTPRequestHandler):
    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".xml": "application/rss+xml",
        ".html": "text/html; charset=utf-8",
    }

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass


@contextmanager
def serve_site(root: Path = SAMPLE_SITE, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve ``root`` in a background thread; yields the base URL."""
    if not root.is_dir():
        raise FileNotFoundError(f"sample site not found at {root}")
    try:
        server = ThreadingHTTPServer((host, port), partial(_QuietHandler, directory=str(root)))
    except OSError as exc:
        raise OSError(f"cannot serve the sample site on {host}:{port} ({exc.strerror}); "
                      "stop what uses the port or change the feed URL's port in newsaudio.toml") from exc
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
