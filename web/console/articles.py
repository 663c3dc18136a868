"""The console's articles: the list, one article's page and its actions (regenerate, refetch,
withdraw, restore, voice, paragraphs left out), job status, and the failures to retry."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response

from pipeline.config import Settings
from pipeline.run import requests
from pipeline.stages.publish.names import audio_url
from pipeline.state import accounts, editor_choices
from pipeline.state.articles import get_article, list_articles
from pipeline.state.job_records import get_job, recent_jobs
from pipeline.state.listening import listen_totals
from pipeline.state.store import Store
from web.console import data
from web.console.auth import console_page
from web.console.pages import back, render

STATUSES = ["new", "prepared", "done", "skipped", "failed", "withdrawn"]
ACTIONS = ("regenerate", "refetch", "withdraw", "restore")


@console_page
def index(request: Request) -> Response:
    return RedirectResponse("/console/articles", status_code=303)


@console_page
def articles(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    store: Store = request.app.state.store
    q = request.query_params
    lines = data.article_lines(
        store, feed=q.get("feed", ""), status=q.get("status", ""), fallback=bool(q.get("fallback")),
        query=q.get("q", ""),
    )
    feeds = sorted({f.name for f in settings.feeds} | {r.row.feed for r in lines})
    return render(request, "articles.html", lines=lines, feeds=feeds, q=q, listens=listen_totals(store),
                  statuses=STATUSES)


@console_page
def article(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    store: Store = request.app.state.store
    try:
        view = data.article_view(settings, store, request.path_params["article_id"])
    except KeyError:
        return PlainTextResponse("no such article", status_code=404)
    from voices import list_profiles

    voices = [v.name for v in list_profiles(settings)]
    audio = {e.episode.version: audio_url(settings.public_base_url, e.episode.file_name) for e in view.episodes}
    return render(request, "article.html", view=view, voices=voices, audio=audio,
                  jobs=recent_jobs(store, view.row.id, limit=10), queued=request.query_params.get("job", ""))


@console_page
def article_action(request: Request) -> Response:
    store: Store = request.app.state.store
    article_id = request.path_params["article_id"]
    action = request.state.form.get("action", "")
    try:
        row = get_article(store, article_id)
    except KeyError:
        return PlainTextResponse("no such article", status_code=404)
    if action not in ACTIONS:
        return PlainTextResponse("unknown action", status_code=400)
    job = requests.submit(request.app.state.settings, action, article_id, request.state.actor, store,
                          dispatch=request.app.state.dispatch)
    accounts.audit(store, request.state.actor, f"article.{action}", article_id, {"status": row.status}, {"job": job.id})
    return back(f"/console/articles/{article_id}", job=job.id)


@console_page
def article_voice(request: Request) -> Response:
    store: Store = request.app.state.store
    article_id = request.path_params["article_id"]
    options = editor_choices.get(store, article_id)
    before = options.voice
    options.voice = request.state.form.get("voice", "")
    editor_choices.put(store, article_id, options)
    accounts.audit(store, request.state.actor, "article.voice", article_id, before or None, options.voice or None)
    return back(f"/console/articles/{article_id}")


@console_page
def article_paragraph(request: Request) -> Response:
    store: Store = request.app.state.store
    article_id = request.path_params["article_id"]
    form = request.state.form
    options = editor_choices.get(store, article_id)
    key = form.get("key", "")
    leave_out = form.get("leave_out") == "1"
    (options.excluded.add if leave_out else options.excluded.discard)(key)
    editor_choices.put(store, article_id, options)
    accounts.audit(store, request.state.actor, "article.paragraph", article_id,
                   None, {"paragraph": form.get("text", "")[:200], "left_out": leave_out})
    return back(f"/console/articles/{article_id}")


@console_page
def job_status(request: Request) -> Response:
    job = get_job(request.app.state.store, request.path_params["job_id"])
    if job is None:
        return JSONResponse({"error": "no such job"}, status_code=404)
    return JSONResponse(job.to_dict())


@console_page
def failures(request: Request) -> Response:
    rows = [data.ArticleLine(r, None, data.updated(r)) for r in list_articles(request.app.state.store, status="failed")]
    return render(request, "failures.html", lines=rows)


@console_page
def retry(request: Request) -> Response:
    store: Store = request.app.state.store
    wanted = request.state.form.get("article_id", "")
    ids = [r.id for r in list_articles(store, status="failed")] if wanted == "all" else [wanted]
    for article_id in ids:
        job = requests.submit(request.app.state.settings, "process", article_id, request.state.actor, store,
                              dispatch=request.app.state.dispatch)
        accounts.audit(store, request.state.actor, "article.retry", article_id, None, {"job": job.id})
    return back("/console/failures", retried=str(len(ids)))
