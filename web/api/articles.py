"""The API's articles: a CMS pushes one on publish and on update (fetched and voiced at once, as a
job, instead of waiting for the next feed poll), reads it, has it regenerated, withdrawn or
restored, and follows the jobs."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from pipeline.config import ConfigError, Settings
from pipeline.run import requests
from pipeline.run.publishing import REASON_MAX_CHARS, recorded_voice
from pipeline.stages.publish import names
from pipeline.state import accounts, job_records
from pipeline.state import articles as article_records
from pipeline.state.episodes import all_episodes
from pipeline.state.job_records import Job
from pipeline.state.store import Store
from web.api.answers import body, error
from web.api.auth import read, write_articles


def article_json(settings: Settings, store: Store, article_id: str) -> dict[str, Any]:
    row = article_records.get_article(store, article_id)
    base = settings.public_base_url
    versions = [
        {
            "version": e.episode.version,
            "voice": e.episode.voice,
            "voice_is_fallback": e.voice_is_fallback,
            # every episode is synthetic speech; the voice as a listener is told it
            "synthetic": True,
            "voice_name": recorded_voice(settings, e.episode.voice, e.voice_is_fallback).name,
            "duration_s": round(e.episode.duration_s, 2),
            "audio_url": names.audio_url(base, e.episode.file_name),
            "transcript_url": names.audio_url(base, names.transcript_file_name(e.episode.file_name)),
        }
        for e in sorted(all_episodes(store, article_id), key=lambda e: e.episode.version)
    ]
    return {
        "article_id": row.id, "feed": row.feed, "url": row.url, "guid": row.guid, "title": row.title,
        "status": row.status, "reason": row.reason, "message": row.message,
        "version": versions[-1]["version"] if versions else 0, "versions": versions,
        "synthetic": bool(versions),
    }


def _queued(article_id: str, job: Job) -> JSONResponse:
    """202 Accepted, with where to follow the job."""
    return JSONResponse({"article_id": article_id, "job_id": job.id}, status_code=202,
                        headers={"Location": f"/api/v1/jobs/{job.id}"})


@write_articles
def push(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    store: Store = request.app.state.store
    sent = body(request)
    url = str(sent.get("url") or "").strip()
    feed_name = str(sent.get("feed") or "").strip()
    if not url.startswith(("http://", "https://")):
        return error("'url' must be an http(s) URL", 400)
    try:
        feed = settings.feed(feed_name)
    except ConfigError as exc:
        return error(str(exc), 400)
    # One story, one article: the one a poll or an earlier push made of it (by its link or
    # canonical URL, tracking parameters aside), else a new one (pipeline/state/identity.py).
    from pipeline.run.feed import accept_push  # the pipeline behind a push: loaded with the first one

    article_id = accept_push(store, feed, url, str(sent.get("title") or ""))
    job = requests.submit(settings, "process", article_id, request.state.actor, store,
                          dispatch=request.app.state.dispatch)
    return _queued(article_id, job)


def _article_job(request: Request, kind: str, message: str = "") -> Response:
    store: Store = request.app.state.store
    article_id = request.path_params["article_id"]
    try:
        row = article_records.get_article(store, article_id)
    except KeyError:
        return error("no such article", 404)
    job = requests.submit(request.app.state.settings, kind, article_id, request.state.actor, store,
                          dispatch=request.app.state.dispatch, message=message)
    after: dict[str, str] = {"job": job.id} | ({"reason": message} if message else {})
    accounts.audit(store, request.state.actor, f"article.{kind}", article_id, {"status": row.status}, after)
    return _queued(article_id, job)


def withdraw_reason(request: Request) -> str:
    """Why the CMS withdraws: ``{"reason": ...}`` in the body or ``?reason=`` (a DELETE often has
    no body), one line, bounded; it becomes the withdrawal's message, as an editor's does."""
    sent = body(request).get("reason") or request.query_params.get("reason") or ""
    return " ".join(str(sent).split())[:REASON_MAX_CHARS] or f"withdrawn through the API ({request.state.actor})"


@write_articles
def regenerate(request: Request) -> Response:
    return _article_job(request, "regenerate")


@write_articles
def restore(request: Request) -> Response:
    return _article_job(request, "restore")


@write_articles
def withdraw(request: Request) -> Response:
    return _article_job(request, "withdraw", withdraw_reason(request))


@read
def get_article(request: Request) -> Response:
    try:
        return JSONResponse(article_json(request.app.state.settings, request.app.state.store,
                                         request.path_params["article_id"]))
    except KeyError:
        return error("no such article", 404)


async def article(request: Request) -> Response:
    """GET reads an article, DELETE withdraws it (each with its own scope)."""
    handler = {"GET": get_article, "DELETE": withdraw}[request.method]
    return await handler(request)


@read
def get_job(request: Request) -> Response:
    job = job_records.get_job(request.app.state.store, request.path_params["job_id"])
    if job is None:
        return error("no such job", 404)
    return JSONResponse(job.to_dict())
