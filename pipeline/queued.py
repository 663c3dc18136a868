"""``newsaudio run --queue``: send each feed's poll to the Celery workers, follow the articles
in the store until each has ended, then have the feed published.

The store is the truth, not the chord: a chord whose part failed, a Redis restart or a killed
worker never leaves this waiting on a result that cannot come. Progress is reported as the
store changes; a run that cannot finish ends with a QueueError saying what is left, never a
traceback.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pipeline import jobs
from pipeline.config import Settings

ENDED = ("done", "skipped", "failed", "withdrawn")
BROKER_HINT = "start them with `honcho start` (or `celery -A workers.app worker -Q default,synth`)"


class QueueError(Exception):
    """The queued run could not finish; the message says what is left and what to do."""


@dataclass
class Progress:
    feed: str
    ended: int
    total: int
    waiting: list[str]


def _get(result: Any, timeout: float, what: str, settings: Settings) -> Any:
    """A Celery result, with every way of not getting it turned into a QueueError.

    Read by polling the result backend rather than ``result.get()``: that subscribes to Redis,
    and Celery unsubscribes in the result's __del__, which at interpreter exit prints a
    traceback instead of the clean ending a user should see."""
    backend = result.backend
    result.backend = None  # nothing for __del__ to cancel: we never subscribe
    deadline = time.monotonic() + timeout
    while True:
        try:
            meta = backend.get_task_meta(result.id)
        except Exception as exc:  # noqa: BLE001 - Redis restarting: wait like the workers do
            meta = {"status": "PENDING"}
            if time.monotonic() > deadline:
                raise QueueError(f"{what}: the broker at {settings.broker_url} is unreachable ({type(exc).__name__})"
                                 ) from None
        status = meta.get("status")
        if status == "SUCCESS":
            return meta.get("result")
        if status in ("FAILURE", "REVOKED"):
            exc = meta.get("result")
            raise QueueError(f"{what} failed in the workers ({type(exc).__name__}: {exc})")
        if time.monotonic() > deadline:
            raise QueueError(
                f"{what}: no answer from the Celery workers via {settings.broker_url} within {timeout:g}s; "
                + BROKER_HINT
            )
        time.sleep(0.25)


def _send(app: Any, name: str, args: tuple[Any, ...], settings: Settings) -> Any:
    try:
        return app.send_task(name, args=args, retry=True, retry_policy={"max_retries": 3, "interval_max": 2})
    except Exception as exc:  # noqa: BLE001 - kombu/redis connection errors
        raise QueueError(f"cannot reach the broker at {settings.broker_url} ({type(exc).__name__}); "
                         "is Redis running?") from None


def _ended(row: jobs.ArticleRow, since: datetime) -> bool:
    return row.status in ENDED and row.updated_at is not None and row.updated_at >= since


def _from_store(read: Callable[[], Any], deadline: float) -> Any:
    """Read the store; while it is unreachable (restarting), wait as the workers do."""
    while True:
        try:
            return read()
        except jobs.TRANSIENT:
            if time.monotonic() > deadline:
                raise QueueError("the store is unreachable; the workers go on once it is back") from None
            time.sleep(1.0)


def _outcome(store: Any, article_id: str) -> jobs.Outcome:
    row = store.get_article(article_id)
    latest = store.latest_episode(article_id)
    return jobs.Outcome(
        row.id, row.status, row.reason, row.message, title=row.title,
        version=latest.episode.version if latest else 0,
        duration_s=latest.episode.duration_s if latest else 0.0,
    )


def run_on_queue(
    settings: Settings,
    feed_names: list[str] | None,
    timeout: float,
    on_progress: Callable[[Progress], None] | None = None,
) -> jobs.RunSummary:
    from workers.app import make_app

    app = make_app(settings)
    # We read results by polling (see _get), so the backend need not subscribe to each task's
    # result channel when sending it; that subscription is what retried for a minute against
    # a Redis that is down.
    app.backend.on_task_call = lambda *args, **kwargs: None
    try:
        return _run(app, settings, feed_names, timeout, on_progress)
    finally:
        # Celery results unsubscribe in __del__; collected now, not at interpreter exit, where
        # their teardown prints a traceback.
        gc.collect()
        app.close()


def _run(
    app: Any,
    settings: Settings,
    feed_names: list[str] | None,
    timeout: float,
    on_progress: Callable[[Progress], None] | None,
) -> jobs.RunSummary:
    summary = jobs.RunSummary()
    store = jobs.open_store(settings)
    deadline = time.monotonic() + timeout
    chosen = [settings.feed(n) for n in feed_names] if feed_names else settings.feeds
    for feed in chosen:
        # The store's clock is the workers' clock; a second of slack for the one we read here.
        since = datetime.now(UTC) - timedelta(seconds=1)
        polled = _get(
            _send(app, "workers.tasks.poll_feed", (feed.name,), settings),
            max(1.0, deadline - time.monotonic()), f"polling feed {feed.name}", settings,
        )
        summary.polls.append(
            jobs.PollResult(feed.name, polled["article_ids"], polled["new"], polled["not_modified"], polled["error"])
        )
        ids: list[str] = polled["article_ids"]
        last: tuple[int, int] | None = None
        while True:
            rows = _from_store(lambda ids=ids: [store.get_article(i) for i in ids], deadline)
            waiting = [r for r in rows if not _ended(r, since)]
            if on_progress and last != (len(rows) - len(waiting), len(rows)):
                last = (len(rows) - len(waiting), len(rows))
                on_progress(Progress(feed.name, last[0], last[1], [r.id for r in waiting]))
            if not waiting:
                break
            if time.monotonic() > deadline:
                states = ", ".join(f"{r.id} {r.status}" for r in waiting[:10])
                raise QueueError(
                    f"feed {feed.name}: {len(waiting)} of {len(rows)} articles not finished after {timeout:g}s "
                    f"({states}); the workers go on with them and the reconciler publishes the feed when they "
                    "end. Run again with a longer --timeout to wait."
                )
            time.sleep(0.5)
        if polled["error"] and not _from_store(lambda ids=ids: any(store.latest_episode(i) for i in ids), deadline):
            summary.feed_paths.append(settings.feeds_dir / f"{feed.name}.xml")  # the last good feed stays
        else:
            # Published here, not by trusting the chord's callback: a failed part would cancel it.
            path = _get(
                _send(app, "workers.tasks.publish_feed", (feed.name,), settings),
                max(1.0, deadline - time.monotonic()), f"publishing feed {feed.name}", settings,
            )
            summary.feed_paths.append(Path(path))
        summary.outcomes.extend(_from_store(lambda ids=ids: [_outcome(store, i) for i in ids], deadline))
    return summary
