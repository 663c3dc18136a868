"""The JSON API for the CMS under /api/v1 (token with scopes; docs at /api/v1/docs).

The CMS calls ``POST /api/v1/articles`` on publish and on update: the article is fetched and
voiced at once (a job), instead of waiting for the next feed poll."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from pipeline.config import ConfigError, Settings
from pipeline.models import FeedEntry
from pipeline.run import requests
from pipeline.run.lexicon import current_lexicon
from pipeline.stages.feeds import entry_id
from pipeline.stages.publish import names
from pipeline.stages.speech.lexicon import LexiconError
from pipeline.stages.speech.lexicon_toml import entry_dict
from pipeline.state import accounts, job_records, lexicon_versions
from pipeline.state import articles as article_records
from pipeline.state.articles import upsert_entry, upsert_feed
from pipeline.state.episodes import all_episodes
from pipeline.state.schema import articles
from pipeline.state.store import Store
from web.console import auth, data

OPENAPI = Path(__file__).resolve().parent / "openapi.json"


def _error(message: str, status: int) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def find_by_url(store: Store, feed: str, url: str) -> str | None:
    with store.engine.connect() as conn:
        return conn.execute(
            select(articles.c.id).where(articles.c.feed == feed, articles.c.url == url).limit(1)
        ).scalar()


def article_json(settings: Settings, store: Store, article_id: str) -> dict[str, Any]:
    row = article_records.get_article(store, article_id)
    base = settings.public_base_url
    versions = [
        {
            "version": e.episode.version,
            "voice": e.episode.voice,
            "voice_is_fallback": e.voice_is_fallback,
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
    }


def routes(settings: Settings) -> list[BaseRoute]:
    """The API's routes, to mount in the web app: ``*api_routes(settings)``."""
    store = data.lazy_store(settings)
    read = auth.api_endpoint(settings, "read")
    write_articles = auth.api_endpoint(settings, "articles:write")
    write_lexicon = auth.api_endpoint(settings, "lexicon:write")

    def _body(request: Request) -> dict[str, Any]:
        body = request.state.json
        return body if isinstance(body, dict) else {}

    @write_articles
    def push(request: Request) -> Response:
        body = _body(request)
        url = str(body.get("url") or "").strip()
        feed_name = str(body.get("feed") or "").strip()
        if not url.startswith(("http://", "https://")):
            return _error("'url' must be an http(s) URL", 400)
        try:
            feed = settings.feed(feed_name)
        except ConfigError as exc:
            return _error(str(exc), 400)
        upsert_feed(store, feed.name, feed.url, feed.title)
        # Idempotent per URL: the article the poll or an earlier push created is reused.
        article_id = find_by_url(store, feed.name, url)
        if article_id is None:
            article_id = entry_id(feed.name, url)
            upsert_entry(store, feed.name, article_id, FeedEntry(guid=url, url=url, title=str(body.get("title") or "")))
        job = requests.submit(settings, "process", article_id, request.state.actor, store,
            dispatch=request.app.state.dispatch)
        return JSONResponse({"article_id": article_id, "job_id": job.id}, status_code=202,
                            headers={"Location": f"/api/v1/jobs/{job.id}"})

    def _article_job(request: Request, kind: str) -> Response:
        article_id = request.path_params["article_id"]
        try:
            row = article_records.get_article(store, article_id)
        except KeyError:
            return _error("no such article", 404)
        job = requests.submit(settings, kind, article_id, request.state.actor, store,
            dispatch=request.app.state.dispatch)
        accounts.audit(store, request.state.actor, f"article.{kind}", article_id, {"status": row.status},
                       {"job": job.id})
        return JSONResponse({"article_id": article_id, "job_id": job.id}, status_code=202,
                            headers={"Location": f"/api/v1/jobs/{job.id}"})

    @write_articles
    def regenerate(request: Request) -> Response:
        return _article_job(request, "regenerate")

    @write_articles
    def restore(request: Request) -> Response:
        return _article_job(request, "restore")

    @write_articles
    def withdraw(request: Request) -> Response:
        return _article_job(request, "withdraw")

    @read
    def get_article(request: Request) -> Response:
        try:
            return JSONResponse(article_json(settings, store, request.path_params["article_id"]))
        except KeyError:
            return _error("no such article", 404)

    async def article(request: Request) -> Response:
        handler = {"GET": get_article, "DELETE": withdraw}[request.method]
        return await handler(request)

    @read
    def get_job(request: Request) -> Response:
        job = job_records.get_job(store, request.path_params["job_id"])
        if job is None:
            return _error("no such job", 404)
        return JSONResponse(job.to_dict())

    @read
    def get_lexicon(request: Request) -> Response:
        lexicon = current_lexicon(settings, store)
        latest = lexicon_versions.current(store)
        return JSONResponse({
            "id": latest.id if latest else 0, "version": lexicon.version,
            "entries": [entry_dict(e) for e in lexicon.entries],
        })

    def _edit(request: Request, fields: dict[str, Any], status: int = 200) -> Response:
        try:
            d = data.draft(settings, store, fields)
        except LexiconError as exc:
            return _error(str(exc), 422)
        saved = data.save_draft(settings, store, d,
            dispatch=request.app.state.dispatch, author=request.state.actor, actor=request.state.actor,
                                message=str(fields.get("message") or ""))
        return JSONResponse({
            "id": saved.version.id, "version": saved.version.version,
            "affected": [a.article_id for a in saved.affected], "job_ids": [j.id for j in saved.jobs],
        }, status_code=status)

    @write_lexicon
    def add_entry(request: Request) -> Response:
        fields = {k: v for k, v in _body(request).items() if k != "original" and k != "delete"}
        return _edit(request, fields, 201)

    @write_lexicon
    def change_entry(request: Request) -> Response:
        fields = {k: v for k, v in _body(request).items() if k != "delete"}
        return _edit(request, {**fields, "original": request.path_params["match"]})

    @write_lexicon
    def delete_entry(request: Request) -> Response:
        return _edit(request, {"original": request.path_params["match"], "delete": True,
                               "message": request.query_params.get("message", "")})

    async def entry(request: Request) -> Response:
        handler = {"PUT": change_entry, "DELETE": delete_entry}[request.method]
        return await handler(request)

    async def openapi(request: Request) -> Response:
        return FileResponse(OPENAPI, media_type="application/json")

    async def docs(request: Request) -> Response:
        spec = json.loads(OPENAPI.read_text(encoding="utf-8"))
        return HTMLResponse(_docs_html(spec))

    return [
        Mount("/api/v1", routes=[
            Route("/openapi.json", openapi),
            Route("/docs", docs),
            Route("/articles", push, methods=["POST"]),
            Route("/articles/{article_id}", article, methods=["GET", "DELETE"]),
            Route("/articles/{article_id}/regenerate", regenerate, methods=["POST"]),
            Route("/articles/{article_id}/restore", restore, methods=["POST"]),
            Route("/jobs/{job_id}", get_job),
            Route("/lexicon", get_lexicon),
            Route("/lexicon/entries", add_entry, methods=["POST"]),
            Route("/lexicon/entries/{match}", entry, methods=["PUT", "DELETE"]),
        ]),
    ]


def _docs_html(spec: dict[str, Any]) -> str:
    """A plain page listing every operation of the OpenAPI document (no external scripts)."""
    from html import escape

    rows = []
    for path, ops in spec.get("paths", {}).items():
        for method, op in ops.items():
            scope = ", ".join(s for req in op.get("security", []) for v in req.values() for s in v)
            rows.append(
                f"<tr><td><code>{escape(method.upper())} {escape(path)}</code></td>"
                f"<td>{escape(op.get('summary', ''))}</td><td>{escape(scope)}</td></tr>"
            )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>newsaudio API</title></head><body>"
        f"<h1>{escape(spec['info']['title'])} {escape(spec['info']['version'])}</h1>"
        f"<p>{escape(spec['info'].get('description', ''))}</p>"
        "<p>Machine-readable: <a href='/api/v1/openapi.json'>openapi.json</a></p>"
        "<table><tr><th>Operation</th><th>What</th><th>Scope</th></tr>" + "".join(rows) + "</table></body></html>"
    )
