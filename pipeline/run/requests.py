"""Jobs an editor or the CMS asks for (process a pushed article, regenerate, re-fetch,
withdraw, restore): one code path at both scales.

``submit`` records the job in the store and hands its id to the dispatcher it is given: the
interface chooses it (``workers.client.job_dispatcher`` sends task ``workers.tasks.run_job``
with ``jobs_backend = "celery"``; ``in_process`` is a small thread pool in the embedded
default), so this room never reaches up to Celery. Either way ``execute`` does the work through pipeline.jobs, publishes
the article's feed and announces the result to the webhooks."""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from pipeline.config import Settings
from pipeline.run import publishing
from pipeline.run.article import process_article, render_article
from pipeline.stages import publish
from pipeline.state import schema, webhooks
from pipeline.state.store import Store, open_store

log = logging.getLogger("newsaudio.console_jobs")

KINDS = ("process", "refetch", "regenerate", "withdraw", "restore")


@dataclass
class Job:
    id: str
    kind: str
    article_id: str
    status: str
    result: dict[str, Any]
    actor: str
    created_at: datetime | None
    updated_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "kind": self.kind, "article_id": self.article_id, "status": self.status,
            "result": self.result, "actor": self.actor,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
        }


def _job(r: Any) -> Job:
    return Job(r.id, r.kind, r.article_id, r.status, json.loads(r.result_json or "{}"), r.actor,
               schema.utc(r.created_at), schema.utc(r.updated_at))


def get(store: Store, job_id: str) -> Job | None:
    schema.ensure(store)
    with store.engine.connect() as conn:
        r = conn.execute(select(schema.jobs).where(schema.jobs.c.id == job_id)).first()
    return _job(r) if r else None


def recent(store: Store, article_id: str | None = None, limit: int = 50) -> list[Job]:
    schema.ensure(store)
    t = schema.jobs
    query = select(t).order_by(t.c.created_at.desc()).limit(limit)
    if article_id:
        query = query.where(t.c.article_id == article_id)
    with store.engine.connect() as conn:
        return [_job(r) for r in conn.execute(query)]


def pending_for(store: Store, article_id: str, kind: str) -> Job | None:
    """A job of this kind not yet started for the article: asking again joins it."""
    t = schema.jobs
    with store.engine.connect() as conn:
        r = conn.execute(
            select(t).where(t.c.article_id == article_id, t.c.kind == kind, t.c.status == "queued").limit(1)
        ).first()
    return _job(r) if r else None


def _set(store: Store, job_id: str, status: str, result: dict[str, Any] | None = None) -> None:
    values: dict[str, Any] = {"status": status, "updated_at": schema.now()}
    if result is not None:
        values["result_json"] = json.dumps(result, ensure_ascii=False, default=str)
    with store.engine.begin() as conn:
        conn.execute(update(schema.jobs).where(schema.jobs.c.id == job_id).values(**values))


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
    settings: Settings, kind: str, article_id: str, actor: str, store: Store | None = None, *, dispatch: Dispatch
) -> Job:
    if kind not in KINDS:
        raise ValueError(f"unknown job kind {kind!r}")
    store = schema.ensure(store or open_store(settings))
    joined = pending_for(store, article_id, kind)
    if joined is not None:
        return joined
    job_id = uuid.uuid4().hex
    with store.engine.begin() as conn:
        conn.execute(
            schema.jobs.insert().values(
                id=job_id, kind=kind, article_id=article_id, status="queued", result_json="{}", actor=actor,
                created_at=schema.now(), updated_at=schema.now(),
            )
        )
    dispatch(job_id)
    job = get(store, job_id)
    assert job is not None
    return job


def _run_logged(job_id: str, settings: Settings) -> None:
    try:
        execute(job_id, settings)
    except Exception:  # the pool would swallow it silently
        log.exception("console job %s failed", job_id)


def article_payload(settings: Settings, store: Store, article_id: str) -> dict[str, Any]:
    row = store.get_article(article_id)
    latest = store.latest_episode(article_id)
    data: dict[str, Any] = {"article_id": row.id, "url": row.url, "guid": row.guid, "feed": row.feed}
    if latest is not None:
        data["version"] = latest.episode.version
        data["audio_url"] = publish.audio_url(settings.public_base_url, latest.episode.file_name)
    return data


def execute(job_id: str, settings: Settings, store: Store | None = None) -> Job:
    """Do one job (in the web process's pool or in a Celery worker)."""
    store = schema.ensure(store or open_store(settings))
    job = get(store, job_id)
    if job is None:
        raise KeyError(f"no job {job_id}")
    _set(store, job_id, "running")
    event = ""
    try:
        row = store.get_article(job.article_id)
        if job.kind in ("process", "refetch"):
            outcome = process_article(job.article_id, settings, store).to_dict()
        elif job.kind == "regenerate":
            # From the stored text, even when a later fetch failed, and even when unchanged.
            if row.article_json and row.status not in ("prepared", "done"):
                store.set_status(job.article_id, "prepared")
            outcome = render_article(job.article_id, settings, store, force=True).to_dict()
        elif job.kind in ("withdraw", "restore"):
            if job.kind == "withdraw":
                publishing.withdraw(job.article_id, settings, store=store)
            else:
                publishing.restore(job.article_id, settings, store)
            outcome = {"status": "withdrawn" if job.kind == "withdraw" else "restored"}
            event = "audio.withdrawn" if job.kind == "withdraw" else ""
        publishing.publish_feed(row.feed, settings, store)
    except Exception as exc:
        log.exception("console job %s (%s %s)", job_id, job.kind, job.article_id)
        _set(store, job_id, "failed", {"error": f"{type(exc).__name__}: {exc}"})
        return get(store, job_id)  # type: ignore[return-value]
    # published/failed were queued by pipeline.jobs itself (also for polls); withdrawn here
    if event:
        webhooks.announce(store, event, article_payload(settings, store, job.article_id))
    try:
        webhooks.deliver_due(store, settings)
    except Exception:  # a receiver's trouble never fails the job; the row keeps the error
        log.exception("webhook delivery")
    _set(store, job_id, "failed" if outcome.get("status") == "failed" else "done", outcome)
    return get(store, job_id)  # type: ignore[return-value]
