"""The web process's background work: due webhooks and feed pings (WebSub, Podping) sent every
few seconds while the app runs (started and stopped by web.app's lifespan)."""

from __future__ import annotations

import logging
import threading

from pipeline.config import Settings
from pipeline.run import pings
from pipeline.run.webhook_delivery import deliver_due
from pipeline.state.store import open_store
from web.background import BackgroundThread

log = logging.getLogger("newsaudio.webhooks")

INTERVAL_S = 2.0


class WebhookSender:
    """One app's sender thread. Deliveries are claimed row by row before sending, so a second
    sender (another app, a worker) on the same database never sends one twice."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._thread = BackgroundThread("webhooks", self._run)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop after the delivery under way, if any (waiting at most ``timeout`` seconds for it)."""
        self._thread.stop(timeout)

    def _run(self, stop: threading.Event) -> None:
        while not stop.wait(INTERVAL_S):
            try:
                store = open_store(self.settings)
                deliver_due(store, self.settings)
                pings.send_due(store, self.settings)
            except Exception:  # keep the loop alive; each delivery row records its own error
                log.exception("webhook sender")
