"""The API's lexicon: the current entries, and adding, changing or deleting one (each a new
version that queues the published articles it touches)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from pipeline.config import Settings
from pipeline.run.lexicon import current_lexicon
from pipeline.stages.speech.lexicon import LexiconError
from pipeline.stages.speech.lexicon_toml import entry_dict
from pipeline.state import lexicon_versions
from pipeline.state.store import Store
from web import lexicon_edits
from web.api.answers import body, error
from web.api.auth import read, write_lexicon


@read
def get_lexicon(request: Request) -> Response:
    store: Store = request.app.state.store
    lexicon = current_lexicon(request.app.state.settings, store)
    latest = lexicon_versions.current(store)
    return JSONResponse({
        "id": latest.id if latest else 0, "version": lexicon.version,
        "entries": [entry_dict(e) for e in lexicon.entries],
    })


def _edit(request: Request, fields: dict[str, Any], status: int = 200) -> Response:
    settings: Settings = request.app.state.settings
    store: Store = request.app.state.store
    try:
        d = lexicon_edits.draft(settings, store, fields)
    except LexiconError as exc:
        return error(str(exc), 422)
    saved = lexicon_edits.save_draft(settings, store, d, dispatch=request.app.state.dispatch,
                                     author=request.state.actor, actor=request.state.actor,
                                     message=str(fields.get("message") or ""))
    return JSONResponse({
        "id": saved.version.id, "version": saved.version.version,
        "affected": [a.article_id for a in saved.affected], "job_ids": [j.id for j in saved.jobs],
    }, status_code=status)


@write_lexicon
def add_entry(request: Request) -> Response:
    fields = {k: v for k, v in body(request).items() if k != "original" and k != "delete"}
    return _edit(request, fields, 201)


@write_lexicon
def change_entry(request: Request) -> Response:
    fields = {k: v for k, v in body(request).items() if k != "delete"}
    return _edit(request, {**fields, "original": request.path_params["match"]})


@write_lexicon
def delete_entry(request: Request) -> Response:
    return _edit(request, {"original": request.path_params["match"], "delete": True,
                           "message": request.query_params.get("message", "")})


async def entry(request: Request) -> Response:
    """PUT changes an entry, DELETE removes it."""
    handler = {"PUT": change_entry, "DELETE": delete_entry}[request.method]
    return await handler(request)
