"""Jobs an editor or the CMS asks for (process a pushed article, regenerate, re-fetch,
withdraw, restore): one code path at both scales.

``submit`` records the job in the store and hands its id to the dispatcher it is given: the
interface chooses it (``workers.client.job_dispatcher`` sends task ``workers.tasks.run_job``
with ``jobs_backend = "celery"``; ``in_process`` is a small thread pool in the embedded
default), so this room never reaches up to Celery. Either way ``execute`` does the work through pipeline.jobs, publishes
the article's feed and announces the result to the webhooks."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pipeline.config import Settings
from pipeline.run import publishing
from pipeline.run.webhook_delivery import deliver_due
from pipeline.stages.publish import names
from pipeline.state import webhooks
from pipeline.state.articles import get_article, set_status
from pipeline.state.episodes import latest_episode
from pipeline.state.job_records import Job, add_job, get_job, pending_job, set_job_status
from pipeline.state.store import Store, open_store

log = logging.getLogger("newsaudio.console_jobs")

KINDS = ("process", "refetch", "regenerate", "withdraw", "restore")


Dispatch = Callable[[str], object]
"""Hands a recorded job's id to whatever runs it (``execute`` in the end)."""

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def in_process(settings: Settings) -> Dispatch:
    """The embedded default: jobs run in a small thread pool of this process (one per process)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=max(1, settings.console_workers), thread_name_prefix="console-job")
        pool = _pool
    return lambda job_id: pool.submit(_run_logged, job_id, settings)


def submit(
    settings: Settings, kind: str, article_id: str, actor: str, store: Store | None = None, *, dispatch: Dispatch,
    message: str = "",
) -> Job:
    """Record a job and hand it to the dispatcher; a queued job of the same kind for the article
    is joined instead. ``message`` travels with the job: a withdrawal's reason becomes the
    withdrawal's message wherever the job runs."""
    if kind not in KINDS:
        raise ValueError(f"unknown job kind {kind!r}")
    store = store or open_store(settings)
    joined = pending_job(store, article_id, kind)
    if joined is not None:
        return joined
    job_id = add_job(store, kind, article_id, actor, message)
    dispatch(job_id)
    job = get_job(store, job_id)
    assert job is not None
    return job


def _run_logged(job_id: str, settings: Settings) -> None:
    try:
        execute(job_id, settings)
    except Exception:  # the pool would swallow it silently
        log.exception("console job %s failed", job_id)


def article_payload(settings: Settings, store: Store, article_id: str) -> dict[str, Any]:
    row = get_article(store, article_id)
    latest = latest_episode(store, article_id)
    data: dict[str, Any] = {"article_id": row.id, "url": row.url, "guid": row.guid, "feed": row.feed}
    if latest is not None:
        data["version"] = latest.episode.version
        data["audio_url"] = names.audio_url(settings.public_base_url, latest.episode.file_name)
    return data


def execute(job_id: str, settings: Settings, store: Store | None = None) -> Job:
    """Do one job (in the web process's pool or in a Celery worker)."""
    # Imported with the first job, not with the module: the web process submits jobs on its
    # first console page, and running one needs the whole pipeline (speech, mastering, scipy).
    from pipeline.run.article import process_article, render_article

    store = store or open_store(settings)
    job = start(job_id, store)
    event = ""
    try:
        row = get_article(store, job.article_id)
        if job.kind in ("process", "refetch"):
            outcome = process_article(job.article_id, settings, store).to_dict()
        elif job.kind == "regenerate":
            # From the stored text, even when a later fetch failed, and even when unchanged.
            if row.article_json and row.status not in ("prepared", "done"):
                set_status(store, job.article_id, "prepared")
            outcome = render_article(job.article_id, settings, store, force=True).to_dict()
        elif job.kind in ("withdraw", "restore"):
            if job.kind == "withdraw":
                publishing.withdraw(job.article_id, settings, message=job.message, store=store)
            else:
                publishing.restore(job.article_id, settings, store)
            outcome = {"status": "withdrawn" if job.kind == "withdraw" else "restored"}
            event = "audio.withdrawn" if job.kind == "withdraw" else ""
    except Exception as exc:
        return failed(job_id, exc, store)
    return finish(job_id, outcome, settings, store, event=event)


# The jobs a Celery worker may hand to the article's own workflow (prepare, then the parts of a
# long article spoken by several synth processes at once, then the render) instead of doing
# them in one task: the CMS's push is what a listener waits for.
SPLITTABLE = frozenset({"process", "refetch"})


def start(job_id: str, store: Store) -> Job:
    """Mark a recorded job running (KeyError when there is none)."""
    job = get_job(store, job_id)
    if job is None:
        raise KeyError(f"no job {job_id}")
    set_job_status(store, job_id, "running")
    return job


def failed(job_id: str, exc: BaseException, store: Store) -> Job:
    job = get_job(store, job_id)
    log.error("console job %s (%s %s) failed: %s", job_id, job.kind if job else "?", job.article_id if job else "?",
              exc, exc_info=exc)
    set_job_status(store, job_id, "failed", {"error": f"{type(exc).__name__}: {exc}"})
    return get_job(store, job_id)  # type: ignore[return-value]


def finish(job_id: str, outcome: dict[str, Any], settings: Settings, store: Store | None = None, *,
           event: str = "") -> Job:
    """After the work: publish the article's feed, announce, deliver the webhooks due, and record
    the outcome (however the work ran: here, or as the article's workflow on the workers)."""
    store = store or open_store(settings)
    job = get_job(store, job_id)
    if job is None:
        raise KeyError(f"no job {job_id}")
    try:
        publishing.publish_feed(get_article(store, job.article_id).feed, settings, store)
    except Exception as exc:
        return failed(job_id, exc, store)
    # published/failed were queued by the render itself (also for polls); withdrawn here
    if event:
        webhooks.announce(store, event, article_payload(settings, store, job.article_id))
    try:
        deliver_due(store, settings)
    except Exception:  # a receiver's trouble never fails the job; the row keeps the error
        log.exception("webhook delivery")
    set_job_status(store, job_id, "failed" if outcome.get("status") == "failed" else "done", outcome)
    return get_job(store, job_id)  # type: ignore[return-value]
