"""A daemon thread of the web process that the app's lifespan starts and stops (the webhook and
ping sender, the download counter)."""

from __future__ import annotations

import threading
from collections.abc import Callable


class BackgroundThread:
    """Runs ``body(stop)`` in a daemon thread; ``stop`` is set when the app asks it to end."""

    def __init__(self, name: str, body: Callable[[threading.Event], None]) -> None:
        self.name = name
        self.body = body
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self.body, args=(self._stop,), daemon=True, name=self.name)
        self._thread.start()

    def stop(self, timeout: float) -> None:
        """Ask the body to end and wait for it at most ``timeout`` seconds."""
        thread, self._thread = self._thread, None
        self._stop.set()
        if thread is not None:
            thread.join(timeout)
