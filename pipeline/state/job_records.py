"""Jobs an editor or the CMS asked for, as records: kind, article, status (queued, running,
done, failed), result and who asked. pipeline/run/requests.py submits and runs them."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from pipeline.state import schema
from pipeline.state.store import Store


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
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "kind": self.kind, "article_id": self.article_id, "status": self.status,
            "result": self.result, "actor": self.actor, "message": self.message,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
        }


def _job(r: Any) -> Job:
    return Job(r.id, r.kind, r.article_id, r.status, json.loads(r.result_json or "{}"), r.actor,
               schema.utc(r.created_at), schema.utc(r.updated_at), r.message or "")


def get_job(store: Store, job_id: str) -> Job | None:
    with store.engine.connect() as conn:
        r = conn.execute(select(schema.jobs).where(schema.jobs.c.id == job_id)).first()
    return _job(r) if r else None


def recent_jobs(store: Store, article_id: str | None = None, limit: int = 50) -> list[Job]:
    t = schema.jobs
    query = select(t).order_by(t.c.created_at.desc()).limit(limit)
    if article_id:
        query = query.where(t.c.article_id == article_id)
    with store.engine.connect() as conn:
        return [_job(r) for r in conn.execute(query)]


def pending_job(store: Store, article_id: str, kind: str) -> Job | None:
    """A job of this kind not yet started for the article: asking again joins it."""
    t = schema.jobs
    with store.engine.connect() as conn:
        r = conn.execute(
            select(t).where(t.c.article_id == article_id, t.c.kind == kind, t.c.status == "queued").limit(1)
        ).first()
    return _job(r) if r else None


def add_job(store: Store, kind: str, article_id: str, actor: str, message: str = "") -> str:
    """Record a queued job (with what the asker said, e.g. why to withdraw); its id."""
    job_id = uuid.uuid4().hex
    with store.engine.begin() as conn:
        conn.execute(
            schema.jobs.insert().values(
                id=job_id, kind=kind, article_id=article_id, status="queued", result_json="{}", actor=actor,
                message=message, created_at=schema.now(), updated_at=schema.now(),
            )
        )
    return job_id


def set_job_status(store: Store, job_id: str, status: str, result: dict[str, Any] | None = None) -> None:
    values: dict[str, Any] = {"status": status, "updated_at": schema.now()}
    if result is not None:
        values["result_json"] = json.dumps(result, ensure_ascii=False, default=str)
    with store.engine.begin() as conn:
        conn.execute(update(schema.jobs).where(schema.jobs.c.id == job_id).values(**values))
