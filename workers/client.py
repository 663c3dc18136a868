"""``newsaudio run --queue``: send each feed's poll to the Celery workers, follow the articles
in the store until each has ended, then have the feed published.

Before sending anything it asks the workers which queues they consume: with nobody on a queue
the work would sit there forever, so it says so and gives up at once. The store is the truth,
not the chord: a chord whose part failed, a Redis restart or a killed worker never leaves this
waiting on a result that cannot come. Progress (articles ended, messages still queued) is
reported as the store changes; a run that cannot finish ends with a WorkersUnavailable saying
what is left and what to do, never a traceback (TimeoutError, ChordError).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pipeline.config import Settings
from pipeline.run.feed import PollResult, RunSummary
from pipeline.run.steps import TRANSIENT, Outcome
from pipeline.state.articles import article_states, get_article
from pipeline.state.episodes import latest_episode, published_episodes
from pipeline.state.store import open_store

# The queues workers/app.py routes tasks to: poll, fetch and publish on default, voices on synth.
QUEUES = ("default", "synth")
ENDED = ("done", "skipped", "failed", "withdrawn")
# How often the queue's progress is reported, at most, when nothing changes.
REPORT_EVERY_S = 30.0
# How often the workers are asked whether they are still there while the work runs.
PING_EVERY_S = 15.0
PING_GRACE_S = 30.0
WORKER_HINT = "start one with `make worker` (or `celery -A workers.app worker -Q default,synth`)"


class WorkersUnavailable(Exception):
    """The work could not be done through the queue; ``exit_code`` 1 (workers, timeout) or 2 (broker)."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def _broker(app: Any) -> str:
    conn = app.connection()
    uri = conn.as_uri()  # kombu hides the password as "**"
    return uri if conn.password else uri.replace(":**@", "")


def check_workers(app: Any, timeout: float) -> None:
    """Raise WorkersUnavailable unless some worker consumes each queue the work needs within
    ``timeout`` seconds. Asked again every second: a worker that is still starting misses a
    broadcast, and a running one answers the first."""
    deadline = time.monotonic() + timeout
    missing: list[str] = list(QUEUES)
    while True:
        try:
            replies = app.control.inspect(timeout=min(1.0, timeout)).active_queues() or {}
        except Exception as exc:  # kombu's OperationalError and friends: the broker itself is down
            raise WorkersUnavailable(
                f"the broker {_broker(app)} does not answer ({type(exc).__name__}: {exc}); start Redis, "
                "or fix broker_url / NEWSAUDIO_BROKER_URL",
                exit_code=2,
            ) from exc
        consumed = {q.get("name") for queues in replies.values() for q in queues or []}
        missing = [q for q in QUEUES if q not in consumed]
        if not missing or time.monotonic() >= deadline:
            break
    if missing:
        raise WorkersUnavailable(
            f"no worker is consuming queue {missing[0]!r} on {_broker(app)} (waited {timeout:g} s for an answer); "
            + WORKER_HINT
        )


def queue_lengths(app: Any) -> dict[str, int]:
    """Messages waiting in each queue (not those a worker is running)."""
    lengths: dict[str, int] = {}
    try:
        with app.connection_for_read() as conn:
            for queue in QUEUES:
                try:
                    lengths[queue] = conn.default_channel.queue_declare(queue=queue, passive=True).message_count
                except Exception:  # a queue nobody sent to yet does not exist: nothing waits there
                    lengths[queue] = 0
    except Exception:  # progress is a courtesy: a hiccup reading it must not end the run
        pass
    return lengths


def _get(app: Any, task_id: str, deadline: float, what: str) -> Any:
    """A task's result, with every way of not getting it turned into WorkersUnavailable.

    Read by polling the result backend rather than ``AsyncResult.get()``: that subscribes to
    Redis, and Celery unsubscribes in the result's __del__, which at interpreter exit prints a
    traceback instead of the clean ending a user should see."""
    last_ping = time.monotonic()
    while True:
        try:
            meta = app.backend.get_task_meta(task_id)
        except Exception as exc:  # noqa: BLE001 - Redis restarting: wait like the workers do
            meta = {"status": "PENDING"}
            if time.monotonic() > deadline:
                raise WorkersUnavailable(f"{what}: the broker {_broker(app)} is unreachable ({type(exc).__name__})",
                                         exit_code=2) from None
        status = meta.get("status")
        if status == "SUCCESS":
            return meta.get("result")
        if status in ("FAILURE", "REVOKED"):
            exc = meta.get("result")
            raise WorkersUnavailable(f"{what} failed in the workers ({type(exc).__name__}: {exc})")
        now = time.monotonic()
        if now > deadline:
            raise WorkersUnavailable(f"{what}: no answer from the Celery workers within --timeout; see their "
                                     "logs, or raise --timeout")
        if now - last_ping > PING_EVERY_S:
            last_ping = now
            if not _ping(app):
                raise WorkersUnavailable(f"{what}: the workers stopped answering; {WORKER_HINT}")
        time.sleep(0.25)


def _ping(app: Any) -> bool:
    """Whether some worker answers within PING_GRACE_S. One unanswered ping is not enough: a
    worker reconnecting after a Redis restart misses broadcasts for a few seconds."""
    deadline = time.monotonic() + PING_GRACE_S
    while True:
        try:
            if app.control.ping(timeout=2.0):
                return True
        except Exception:  # noqa: BLE001 - the broker restarting is not the workers leaving
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(1.0)


def _send(app: Any, name: str, args: tuple[Any, ...]) -> str:
    try:
        # Kombu retries at 0, 0.5, 1.5, 2, 2, ... s: a Redis restart (seconds) is ridden out.
        policy = {"max_retries": 15, "interval_start": 0.5, "interval_step": 1.0, "interval_max": 2.0}
        return app.send_task(name, args=args, retry=True, retry_policy=policy).id
    except Exception as exc:  # noqa: BLE001 - kombu/redis connection errors
        raise WorkersUnavailable(f"cannot reach the broker {_broker(app)} ({type(exc).__name__}); is Redis running?",
                                 exit_code=2) from None


def _ended(state: tuple[str, datetime | None], since: datetime) -> bool:
    status, updated_at = state
    return status in ENDED and updated_at is not None and updated_at >= since


def _from_store(read: Callable[[], Any], deadline: float) -> Any:
    """Read the store; while it is unreachable (restarting), wait as the workers do."""
    while True:
        try:
            return read()
        except TRANSIENT:
            if time.monotonic() > deadline:
                raise WorkersUnavailable("the store is unreachable; the workers go on once it is back") from None
            time.sleep(1.0)


def _outcome(store: Any, article_id: str, before: int) -> Outcome:
    row = get_article(store, article_id)
    latest = latest_episode(store, article_id)
    version = latest.episode.version if latest else 0
    status = "unchanged" if row.status == "done" and version == before else row.status
    return Outcome(
        row.id, status, row.reason, row.message, title=row.title, version=version,
        duration_s=latest.episode.duration_s if latest else 0.0,
    )


def default_timeout(settings: Settings) -> float:
    """How long `run --queue` waits for a feed unless told (--timeout): long enough for its
    longest article to be killed at its synth hard limit, found abandoned by the reconciler
    (its lease lapses after lease_timeout_s, the next pass within reconcile_s re-queues it) and
    rendered again by another worker up to the limit: 3900 s with the shipped settings."""
    hard = settings.synth_task_limit_s + settings.task_grace_s
    return 2 * hard + settings.lease_timeout_s + settings.reconcile_s


def run_on_queue(
    settings: Settings, feed_names: list[str] | None, reporter: Any, *, timeout: float | None = None,
    worker_timeout: float,
) -> RunSummary:
    from workers.app import make_app

    if timeout is None:
        timeout = default_timeout(settings)

    app = make_app(settings)
    # Results are read by polling (see _get), so the backend need not subscribe to each task's
    # result channel when sending it; that subscription is what retried for a minute against
    # a Redis that is down.
    app.backend.on_task_call = lambda *args, **kwargs: None
    try:
        reporter.note(f"asking the workers on {_broker(app)} which queues they consume", broker=_broker(app))
        check_workers(app, worker_timeout)
        return _run(app, settings, feed_names, reporter, timeout)
    finally:
        reporter.close()
        # Celery results unsubscribe in __del__; collected now, not at interpreter exit, where
        # their teardown prints a traceback.
        gc.collect()
        app.close()


def _run(app: Any, settings: Settings, feed_names: list[str] | None, reporter: Any, timeout: float) -> RunSummary:
    summary = RunSummary()
    store = open_store(settings)
    deadline = time.monotonic() + timeout
    chosen = [settings.feed(n) for n in feed_names] if feed_names else settings.feeds
    for feed in chosen:
        before = {r.article_id: r.episode.version for r in published_episodes(store, feed.name)}
        # The store's clock is the workers' clock; a second of slack for the one we read here.
        since = datetime.now(UTC) - timedelta(seconds=1)
        reporter.polling(feed.name, feed.url)
        polled = _get(app, _send(app, "workers.tasks.poll_feed", (feed.name,)), deadline, f"polling feed {feed.name}")
        result = PollResult(feed.name, polled["article_ids"], polled["new"], polled["not_modified"],
                                 polled["error"])
        summary.polls.append(result)
        reporter.polled(result)
        ids: list[str] = polled["article_ids"]
        reported: set[str] = set()
        last_note, last_text, last_ping = 0.0, "", time.monotonic()
        waiting = list(ids)
        while True:
            # One query for the unfinished ones' states: the rows themselves only when they end.
            states = _from_store(lambda w=waiting: article_states(store, w), deadline)
            for article_id in waiting:
                if _ended(states.get(article_id, ("", None)), since):
                    reported.add(article_id)
                    outcome = _from_store(lambda i=article_id, b=before: _outcome(store, i, b.get(i, 0)), deadline)
                    summary.outcomes.append(outcome)
                    reporter.article(outcome)
            waiting = [i for i in waiting if i not in reported]
            if not waiting:
                break
            now = time.monotonic()
            lengths = queue_lengths(app)
            text = (f"feed {feed.name}: waiting for the workers, {len(reported)}/{len(ids)} articles finished; "
                    "queued: " + ", ".join(f"{q} {n}" for q, n in lengths.items()))
            if text != last_text or now - last_note > REPORT_EVERY_S:
                reporter.note(text, feed=feed.name, finished=len(reported), total=len(ids), queued=lengths)
                last_text, last_note = text, now
            if now > deadline:
                listed = ", ".join(f"{i} {states.get(i, ('gone',))[0]}" for i in waiting[:10])
                raise WorkersUnavailable(
                    f"feed {feed.name}: {len(waiting)} of {len(ids)} articles not finished within --timeout "
                    f"({timeout:g} s: {listed}); the workers go on with them and the reconciler publishes the feed "
                    "when they end. Run again with a longer --timeout to wait."
                )
            if now - last_ping > PING_EVERY_S:
                last_ping = now
                if not _ping(app):
                    raise WorkersUnavailable(f"feed {feed.name}: the workers stopped answering; {WORKER_HINT}")
            time.sleep(0.5)
        if polled["error"] and not _from_store(lambda ids=ids: any(latest_episode(store, i) for i in ids), deadline):
            summary.feed_paths.append(settings.feeds_dir / f"{feed.name}.xml")  # the last good feed stays
        else:
            # Published here, not by trusting the chord's callback: a failed part would cancel it.
            path = _get(app, _send(app, "workers.tasks.publish_feed", (feed.name,)), deadline,
                        f"publishing feed {feed.name}")
            summary.feed_paths.append(Path(path))
    return summary


def job_dispatcher(settings: Settings) -> Callable[[str], object]:
    """Editors' and the CMS's jobs (pipeline.run.requests) sent to the workers as
    ``workers.tasks.run_job``: one Celery app for the process, not one per job."""
    from workers.app import make_app

    app = make_app(settings)
    return lambda job_id: app.send_task("workers.tasks.run_job", args=(job_id,))
