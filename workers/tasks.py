"""Thin tasks: each calls one function of pipeline.run and returns a JSON-able summary.

Every task has soft and hard time limits (workers.app), and is retried with exponential backoff
when the store or the broker is unreachable: an outage delays work, it does not fail it.
"""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

import redis.exceptions
from celery import Task, chord, group, signature
from celery.signals import worker_ready
from kombu.exceptions import OperationalError as BrokerError

from pipeline.run import article, feed, parts, pings, publishing, requests, upkeep
from pipeline.run.steps import TRANSIENT
from pipeline.state.articles import feeds_listing
from pipeline.state.job_records import get_job
from pipeline.state.store import open_store
from workers.app import app, settings
from workers.client import QUEUES

log = logging.getLogger("newsaudio.tasks")

RETRY_ON = (*TRANSIENT, BrokerError, redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
RETRYING = {
    "autoretry_for": RETRY_ON,
    "retry_backoff": 2,
    "retry_backoff_max": settings().task_backoff_max_s,
    "retry_jitter": True,
    "max_retries": settings().task_retries,
}


@worker_ready.connect
def _sweep_on_start(**_: Any) -> None:
    """A worker starting after a crash removes what the crashed one left half-written."""
    upkeep.sweep_at_start(settings())


def _article_chain(article_id: str, *, prepared: bool = False) -> Any:
    speak = signature("workers.tasks.speak_article", args=(article_id,), immutable=True)
    if prepared:
        return speak
    return signature("workers.tasks.prepare_article", args=(article_id,), immutable=True) | speak


@app.task(name="workers.tasks.poll_feed", **RETRYING)
def poll_feed(feed_name: str) -> dict[str, Any]:
    """Poll one feed, then fan out one prepare->render chain per article that needs work (never
    per feed entry: known, unchanged entries get no task); publish when all end. If a part of
    that fails for good, the reconciler publishes the feed anyway."""
    config = settings()
    polled = feed.poll_feed(config.feed(feed_name), config)
    header = [_article_chain(article_id) for article_id in polled.article_ids]
    publish = signature("workers.tasks.publish_feed", args=(feed_name,), immutable=True)
    result = chord(header)(publish) if header else publish.delay()
    return {
        "feed": feed_name,
        "article_ids": polled.article_ids,
        "new": polled.new,
        "changed": polled.changed,
        "not_modified": polled.not_modified,
        "error": polled.error,
        "publish_id": result.id,
    }


@app.task(name="workers.tasks.prepare_article", **RETRYING)
def prepare_article(article_id: str) -> dict[str, Any]:
    return article.prepare_article(article_id, settings()).to_dict()


@app.task(name="workers.tasks.speak_article", bind=True, **RETRYING)
def speak_article(self: Task, article_id: str) -> dict[str, Any]:
    """Render a short article at once; split a long one into parallel synth tasks first, so
    its latency shrinks with more workers. The chord replaces this task in the workflow, so
    whatever waits for this task waits for the rendering."""
    config = settings()
    done = article.settled(article_id, config)
    if done is not None:  # a 304 or a failed fetch: nothing to speak
        return done.to_dict()
    count = parts.plan_parts(article_id, config)
    if count <= 1:
        return _rendered(self, article_id)
    speakers = group(
        signature("workers.tasks.speak_part", args=(article_id, i, count), immutable=True) for i in range(count)
    )
    render = signature("workers.tasks.render_article", args=(article_id,), immutable=True)
    raise self.replace(chord(speakers, render))


@app.task(name="workers.tasks.speak_part", **RETRYING)
def speak_part(article_id: str, part: int, count: int) -> int:
    return parts.speak_part(article_id, part, count, settings())


@app.task(name="workers.tasks.render_article", bind=True, **RETRYING)
def render_article(self: Task, article_id: str) -> dict[str, Any]:
    return _rendered(self, article_id)


def _rendered(task: Task, article_id: str) -> dict[str, Any]:
    """Render; while another worker holds the article (or a dead one's lease has not lapsed
    yet), try again when the lease would have lapsed. Whoever renders last finds it unchanged."""
    config = settings()
    outcome = article.render_article(article_id, config)
    if outcome.status == "busy" and task.request.retries < config.task_retries:
        raise task.retry(countdown=config.lease_s, max_retries=config.task_retries)
    if outcome.status == "done":
        _follow(article_id)
    return outcome.to_dict()


def _follow(article_id: str) -> None:
    """The feed follows the work: publish the article's feed now, or (under a burst of finished
    articles on many workers) once the interval has passed, so a feed is never behind by more
    than ``feed_publish_interval_s`` and never rewritten for every one of a hundred articles.
    Publishing fails softly here: the poll's own publish and the reconciler come after."""
    config = settings()
    try:
        for feed_name in feeds_listing(open_store(config), article_id):
            wait = publishing.publish_soon(feed_name, config)
            if wait > 0:
                publish_feed.apply_async((feed_name,), countdown=wait)
    except Exception:  # noqa: BLE001
        log.exception("article %s: publishing its feed after the render", article_id)


@app.task(name="workers.tasks.process_article", **RETRYING)
def process_article(article_id: str) -> dict[str, Any]:
    """Both steps in one task, for a regeneration an editor asks for."""
    return article.process_article(article_id, settings()).to_dict()


@app.task(name="workers.tasks.publish_feed", **RETRYING)
def publish_feed(feed_name: str) -> str:
    """Render the feed from the store and write what changed (pipeline.run.publishing); then
    tell the hubs if it changed (a hub that does not answer never fails the publish)."""
    config = settings()
    path = publishing.publish_feed(feed_name, config)
    try:
        pings.send_due(open_store(config), config)
    except Exception:  # noqa: BLE001
        log.exception("pings after publishing %s", feed_name)
    return str(path)


@app.task(name="workers.tasks.run_job")
def run_job(job_id: str) -> dict[str, Any]:
    """A console or API job (see pipeline/run/requests.py): the same code the web process's
    embedded pool runs. A pushed article goes the way a polled one does instead (prepare, then
    its parts spoken by every free synth process at once, then the render), and the job is
    finished after it: one task speaking it whole would keep the other synth processes idle
    while the CMS waits."""
    config = settings()
    store = open_store(config)
    job = get_job(store, job_id)
    if job is None or job.kind not in requests.SPLITTABLE:
        return requests.execute(job_id, config, store).to_dict()
    requests.start(job_id, store)
    flow = _article_chain(job.article_id) | signature("workers.tasks.finish_job", args=(job_id,))
    flow.apply_async(link_error=signature("workers.tasks.job_failed", args=(job_id,)))
    return {"id": job_id, "status": "running", "workflow": True}


@app.task(name="workers.tasks.finish_job", **RETRYING)
def finish_job(outcome: dict[str, Any], job_id: str) -> dict[str, Any]:
    """The end of a job run as its article's workflow: publish, announce, record the outcome."""
    return requests.finish(job_id, outcome, settings()).to_dict()


@app.task(name="workers.tasks.job_failed")
def job_failed(request: Any, exc: BaseException, traceback: Any, job_id: str) -> None:
    """A task of a job's workflow failed for good: the job says so (its article keeps its
    reason; the reconciler takes the article up again)."""
    requests.failed(job_id, exc, open_store(settings()))


# The tasks whose first argument is an article id: a message of one of them stands for its article.
ARTICLE_TASKS = frozenset({
    "workers.tasks.prepare_article", "workers.tasks.speak_article", "workers.tasks.speak_part",
    "workers.tasks.render_article", "workers.tasks.process_article",
})
# How long the reconciler waits for the workers' answers about what they run (per question).
INSPECT_TIMEOUT_S = 1.0


def _message_article(raw: bytes | str) -> str | None:
    """The article a queued message (kombu's JSON envelope, Celery protocol 2) is for, if any."""
    try:
        message = json.loads(raw)
        if message.get("headers", {}).get("task") not in ARTICLE_TASKS:
            return None
        body = message["body"]
        if message.get("properties", {}).get("body_encoding") == "base64":
            body = base64.b64decode(body)
        args = json.loads(body)[0]
    except (ValueError, KeyError, IndexError, TypeError):  # not ours, or not a Celery message
        return None
    return args[0] if args and isinstance(args[0], str) else None


def _request_article(request: dict[str, Any]) -> str | None:
    """The article a task a worker reports (running, reserved, due later) is for, if any."""
    args = request.get("args")
    if request.get("name") not in ARTICLE_TASKS or not isinstance(args, list | tuple) or not args:
        return None
    return args[0] if isinstance(args[0], str) else None


def queued_articles(celery: Any, wanted: set[str]) -> set[str]:
    """Of ``wanted``, the articles a message waits for in a queue (Redis lists, one per queue
    and priority step): a backlog is not an abandoned render."""
    found: set[str] = set()
    with celery.connection_for_read() as conn:
        channel = conn.default_channel
        for queue in QUEUES:
            for name in {channel._q_for_pri(queue, pri) for pri in channel.priority_steps}:
                for raw in channel.client.lrange(name, 0, -1):
                    if (article_id := _message_article(raw)) in wanted:
                        found.add(article_id)
    return found


def in_flight(article_ids: list[str], celery: Any = app) -> set[str] | None:
    """Of these articles, those a message still stands for: waiting in a queue, or received by
    a worker that answers (running, reserved, or a retry due later; also the parts spoken before
    the render takes its lease). What is left is held by no one alive: a dead worker's
    unacknowledged message, which Redis would hand out again only after its visibility timeout,
    or a message lost. None when that cannot be told (broker unreadable, no worker answering):
    the reconciler then re-queues only what lapsed leases prove abandoned. A worker too busy to
    answer within INSPECT_TIMEOUT_S counts as gone: at worst its article is queued twice, and
    the render lease and the content key still publish it once."""
    wanted = set(article_ids)
    try:
        found = queued_articles(celery, wanted)
        inspect = celery.control.inspect(timeout=INSPECT_TIMEOUT_S)
        replies = [inspect.active(), inspect.reserved(), inspect.scheduled()]
    except Exception:  # noqa: BLE001 - kombu/redis errors: not knowing is an answer too
        log.warning("reconcile: cannot read the queues or ask the workers what they run", exc_info=True)
        return None
    if not any(replies):
        return None  # not even this worker answered (a solo pool busy with this very task)
    for reply in replies:
        for tasks in (reply or {}).values():
            for task in tasks or []:
                # scheduled() wraps each request with its ETA
                if (article_id := _request_article(task.get("request", task))) in wanted:
                    found.add(article_id)
    return found


@app.task(name="workers.tasks.reconcile", **RETRYING)
def reconcile() -> dict[str, Any]:
    """Re-queue articles stuck past their deadline or abandoned by a dead worker, publish feeds
    behind their episodes, sweep leftovers of killed workers. Runs on beat every reconcile_s."""
    found = upkeep.reconcile(settings(), in_flight=in_flight)
    by_feed: dict[str, list[Any]] = {}
    for row in found.stuck:
        by_feed.setdefault(row.feed, []).append(_article_chain(row.id, prepared=row.status == "prepared"))
    for feed_name, chains in by_feed.items():  # one publish per feed, after its articles
        chord(chains)(signature("workers.tasks.publish_feed", args=(feed_name,), immutable=True))
    for feed_name in found.feeds_behind:
        publish_feed.delay(feed_name)
    return {"requeued": [r.id for r in found.stuck], "published": found.feeds_behind}
