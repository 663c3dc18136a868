"""``newsaudio run --queue``: send each feed's poll to the Celery workers and watch the work.

Before sending anything it asks the workers which queues they consume: with nobody on a queue
the work would sit there forever, so it says so and gives up at once. While waiting it reports
what it waits for and how far the work is (articles finished in the store, messages still in the
queues), and it gives up with a clear message when the workers stop answering or the time is up.
It never lets a Celery exception (TimeoutError, ChordError) reach the operator as a traceback.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from celery.states import READY_STATES

from pipeline import jobs
from pipeline.config import Settings

# The queues workers/app.py routes tasks to: poll, fetch and publish on default, voices on synth.
QUEUES = ("default", "synth")
# How often the queue's progress is reported outside a terminal, at most, when nothing changes.
REPORT_EVERY_S = 30.0
# How often the workers are asked whether they are still there while the work runs.
PING_EVERY_S = 15.0


class WorkersUnavailable(Exception):
    """The work could not be done through the queue; ``exit_code`` 1 (workers) or 2 (broker)."""

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
            f"start one with `make worker` (or `celery -A workers.app worker -Q {','.join(QUEUES)}`)"
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


def _outcome(store: Any, article_id: str, status: str, before: int) -> jobs.Outcome:
    row = store.get_article(article_id)
    latest = store.latest_episode(article_id)
    version = latest.episode.version if latest else 0
    if status == "done" and version == before:
        status = "unchanged"
    return jobs.Outcome(
        article_id, status, row.reason, row.message, title=row.title, version=version,
        duration_s=latest.episode.duration_s if latest else 0.0,
    )


def _task(app: Any, task_id: str) -> tuple[bool, bool, Any]:
    """(finished, failed, result) of a task, read from the result backend. Not through
    AsyncResult: reading a chord's result that way subscribes to its children, and releasing
    those at interpreter exit prints an ignored traceback."""
    meta = app.backend.get_task_meta(task_id)
    status = meta.get("status")
    return status in READY_STATES, status != "SUCCESS", meta.get("result")


def _wait_result(app: Any, task_id: str, deadline: float, what: str) -> Any:
    """The result of one task, waiting for it with the workers watched."""
    last_ping = time.monotonic()
    while True:
        finished, failed, result = _task(app, task_id)
        if finished:
            break
        now = time.monotonic()
        if now > deadline:
            raise WorkersUnavailable(f"{what}: no result within the timeout; see the workers' logs, or raise --timeout")
        if now - last_ping > PING_EVERY_S:
            last_ping = now
            if not app.control.ping(timeout=2.0):
                raise WorkersUnavailable(f"{what}: the workers stopped answering; start them with `make worker`")
        time.sleep(0.5)
    if failed:
        raise WorkersUnavailable(f"{what} failed on the worker: {result!r}")
    return result


def run_on_queue(
    settings: Settings, feed_names: list[str] | None, reporter: Any, *, timeout: float, worker_timeout: float
) -> jobs.RunSummary:
    from workers.app import make_app

    app = make_app(settings)
    store = jobs.open_store(settings)
    chosen = [settings.feed(n) for n in feed_names] if feed_names else settings.feeds
    summary = jobs.RunSummary()
    try:
        reporter.note(f"asking the workers on {_broker(app)} which queues they consume", broker=_broker(app))
        check_workers(app, worker_timeout)
        for feed in chosen:
            deadline = time.monotonic() + timeout
            before = {r.article_id: r.episode.version for r in store.published_episodes(feed.name)}
            sent_at = datetime.now(UTC) - timedelta(seconds=2)  # allow for a little clock skew
            reporter.polling(feed.name, feed.url)
            task_id = app.send_task("workers.tasks.poll_feed", args=(feed.name,)).id
            polled = _wait_result(app, task_id, deadline, f"the poll of feed {feed.name}")
            result = jobs.PollResult(
                feed.name, polled["article_ids"], polled["new"], polled["not_modified"], polled["error"]
            )
            summary.polls.append(result)
            reporter.polled(result)
            failed, published = _watch(
                app, store, feed.name, result.article_ids, before, sent_at, polled["publish_id"], deadline, reporter,
                summary,
            )
            if failed:
                # One article's chain broke (a ChordError): the feed was not published this time.
                result.error = f"publishing on the workers failed: {published!r}"
                summary.feed_paths.append(settings.feeds_dir / f"{feed.name}.xml")
            else:
                summary.feed_paths.append(published)
    finally:
        reporter.close()
    return summary


def _watch(
    app: Any, store: Any, feed: str, ids: list[str], before: dict[str, int], sent_at: datetime,
    publish_id: str, deadline: float, reporter: Any, summary: jobs.RunSummary,
) -> tuple[bool, Any]:
    """Report each article as it finishes, and the queues, until the feed is published;
    returns (failed, result) of the publish task."""
    reported: set[str] = set()
    last_note, last_ping, last_text = 0.0, time.monotonic(), ""
    while True:
        # Read first: once published, every article read below is final.
        finished, failed, published = _task(app, publish_id)
        for article_id, (status, updated) in store.article_states(ids).items():
            if article_id in reported or status not in ("done", "skipped", "failed"):
                continue
            if updated is None or updated < sent_at:
                continue
            reported.add(article_id)
            outcome = _outcome(store, article_id, status, before.get(article_id, 0))
            summary.outcomes.append(outcome)
            reporter.article(outcome)
        if finished:
            # Articles the workers found nothing to do for keep their old time stamp.
            for article_id in ids:
                if article_id not in reported:
                    status = store.get_article(article_id).status
                    outcome = _outcome(store, article_id, status, before.get(article_id, 0))
                    summary.outcomes.append(outcome)
                    reporter.article(outcome)
            return failed, published
        now = time.monotonic()
        lengths = queue_lengths(app)
        text = (
            f"feed {feed}: waiting for the workers, {len(reported)}/{len(ids)} articles finished; queued: "
            + ", ".join(f"{q} {n}" for q, n in lengths.items())
        )
        if text != last_text or now - last_note > REPORT_EVERY_S:
            reporter.note(text, feed=feed, finished=len(reported), total=len(ids), queued=lengths)
            last_text, last_note = text, now
        if now > deadline:
            raise WorkersUnavailable(
                f"feed {feed}: not published within the timeout ({len(reported)}/{len(ids)} articles finished); "
                "the workers may be busy or stuck: see their logs, or raise --timeout"
            )
        if now - last_ping > PING_EVERY_S:
            last_ping = now
            if not app.control.ping(timeout=2.0):
                raise WorkersUnavailable(f"feed {feed}: the workers stopped answering; start them with `make worker`")
        time.sleep(1.0)
