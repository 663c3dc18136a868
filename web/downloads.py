"""Podcast downloads counted as ``newsaudio serve`` sends episode audio (README "Downloads from
podcast apps"): the same IAB v2.2 rules as ``newsaudio stats ingest`` applies to nginx's log,
through the same ``pipeline.run.downloads.record``.

Off the request path: web.files.static tells ``served`` what it sent, which makes a ``Hit``
(client address as the Edge middleware resolved it from trusted proxies, User-Agent, status,
body bytes) and puts it in a bounded in-memory queue without waiting. A thread started with the
app's lifespan records the queued hits in batches; an answer never waits for the store, and a
store that is slow or down costs hits only once the queue is full (counted and logged, never
blocking). The raw address and User-Agent live only in the queue, in memory: ``record`` keeps a
keyed hash of them.

Counted in one place: the app counts only what it sent itself. Behind nginx serving output/
(deploy/nginx.conf), audio never reaches the app, and ``stats ingest`` counts nginx's log; a
deployment that proxies audio to the app must not also ingest that proxy's log (or turn
``count_downloads`` off).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime

from starlette.datastructures import Headers
from starlette.types import Scope

from pipeline.config import Settings
from pipeline.stages.downloads import EPISODE_AUDIO, Hit
from web.background import BackgroundThread

log = logging.getLogger("newsaudio.downloads")

# Hits waiting for the store at most (a few MB): past this, new hits are dropped and counted.
MAX_QUEUED = 20_000
# Hits recorded per batch (one salt lookup and one episode lookup per file for all of them).
BATCH = 500
# How long the recorder sleeps when there is nothing to record.
IDLE_S = 0.5


class DownloadCounter:
    """One app's queue of served audio and the thread that records it."""

    def __init__(self, settings: Settings, *, max_queued: int = MAX_QUEUED,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.settings = settings
        self.clock = clock or (lambda: datetime.now(UTC))
        self.dropped = 0
        self.counted = 0  # downloads the recorded hits made
        self._queue: queue.Queue[Hit] = queue.Queue(maxsize=max_queued)
        self._thread = BackgroundThread("downloads", self._run)
        self._closed_before: date | None = None

    # -- on the event loop -----------------------------------------------------------------

    def served(self, scope: Scope, rel: str, status: int, sent: int) -> None:
        """web.files.static answered a GET of output/<rel> with ``sent`` body bytes: queue it
        when it is an episode's MP3. Never blocks."""
        audio = EPISODE_AUDIO.match("/" + rel)
        if audio is None or sent <= 0:
            return
        client = scope.get("client")
        hit = Hit(at=self.clock(), ip=client[0] if client else "", method=scope["method"],
                  file_name=audio.group(1), status=status, bytes=sent,
                  user_agent=Headers(scope=scope).get("user-agent", ""))
        try:
            self._queue.put_nowait(hit)
        except queue.Full:
            self.dropped += 1
            if self.dropped == 1 or self.dropped % 1000 == 0:
                log.warning("downloads: %d served requests not counted: the store does not keep up", self.dropped)

    # -- the recorder thread -----------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Record what is queued, then stop (waiting at most ``timeout`` seconds)."""
        self._thread.stop(timeout)

    def _run(self, stop: threading.Event) -> None:
        while True:
            batch = self._take()
            if batch:
                self._record(batch)
            elif stop.is_set():
                return

    def _take(self) -> list[Hit]:
        try:
            batch = [self._queue.get(timeout=IDLE_S)]
        except queue.Empty:
            return []
        while len(batch) < BATCH:
            try:
                batch.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return batch

    def _record(self, batch: list[Hit]) -> None:
        # Imported here: the store and the run room are not a file server's business until the
        # first download (see web.app on the app's memory).
        from pipeline.run import downloads
        from pipeline.state.store import open_store

        try:
            store = open_store(self.settings)
            today = max(hit.day for hit in batch)
            if self._closed_before != today:  # a new day: yesterday's clients stay a day, older go
                downloads.close_windows(store, today)
                self._closed_before = today
            known = downloads.Known()  # one lookup of each salt and file per batch
            for hit in batch:
                self.counted += downloads.record(store, hit, known)
        except Exception:  # the store is unreachable: these hits are lost, the server goes on
            log.exception("downloads: %d served requests could not be counted", len(batch))
            time.sleep(IDLE_S)


def counter_for(settings: Settings) -> DownloadCounter | None:
    """The app's counter, or None when ``count_downloads`` is off."""
    return DownloadCounter(settings) if settings.count_downloads else None
