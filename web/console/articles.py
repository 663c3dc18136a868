"""The console's articles: the list (filters, search in title, URL and text), one article's page
and its actions (regenerate, refetch, withdraw with a reason, restore, voice, paragraphs left out),
job status, and the failures to retry or ignore."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response

from pipeline.config import Settings
from pipeline.run import publishing, requests
from pipeline.stages.publish.names import audio_url
from pipeline.state import accounts, editor_choices, webhooks
from pipeline.state.articles import SEARCH_MAX_CHARS, get_article, list_articles, search_articles, set_ignored
from pipeline.state.episodes import EpisodeRow
from pipeline.state.job_records import get_job, recent_jobs
from pipeline.state.listening import listen_totals
from pipeline.state.store import Store
from web.console import data, locale
from web.console.auth import console_page
from web.console.pages import back, render

STATUSES = ["new", "prepared", "done", "skipped", "failed", "withdrawn"]
# Withdrawing is not among them: it needs a reason, asked for on its own page (withdraw below).
ACTIONS = ("regenerate", "refetch", "restore")
NO_ARTICLE = "Diesen Artikel gibt es nicht."


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
    )
    needle = " ".join(q.get("q", "").split())[:SEARCH_MAX_CHARS]
    if needle:
        lines = _found(lines, needle, search_articles(store, needle))
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
        return PlainTextResponse(locale.for_request(request)(NO_ARTICLE), status_code=404)
    from voices import list_profiles

    voices = [v.name for v in list_profiles(settings)]
    audio = {e.episode.version: audio_url(settings.public_base_url, e.episode.file_name) for e in view.episodes}
    return render(request, "article.html", view=view, voices=voices, audio=audio,
                  provenance=provenance_of(settings, view.episodes, locale.for_request(request)),
                  jobs=recent_jobs(store, view.row.id, limit=10), queued=request.query_params.get("job", ""))


def provenance_of(settings: Settings, episodes: list[EpisodeRow],
                  _: locale.Translate = locale.GERMAN) -> dict[int, str]:
    """Per version, what `newsaudio verify` says of its published MP3, in the editors' words."""
    from pipeline.run.verify import verify  # c2pa: only for an article's page

    said: dict[int, str] = {}
    for e in episodes:
        path = settings.audio_dir / e.episode.file_name
        if not path.is_file():
            continue
        verdict = verify(path, settings)
        if verdict.status == "valid":
            trust = _("vertrauenswürdig") if verdict.trusted else _("Signatur nicht vertrauenswürdig")
            if verdict.local_test_signer:
                trust = _("lokale Test-Signatur, nicht vertrauenswürdig")
            said[e.episode.version] = _("Herkunft (C2PA): gültig, signiert von {signer} ({trust})",
                                        signer=verdict.signer or "?", trust=trust)
        elif verdict.status == "altered":
            said[e.episode.version] = _("Herkunft (C2PA): VERÄNDERT seit der Signatur")
        elif verdict.status == "unsigned":
            said[e.episode.version] = _("Herkunft (C2PA): nicht signiert")
        else:
            said[e.episode.version] = _("Herkunft (C2PA): ungültig")
    return said


@console_page
def article_action(request: Request) -> Response:
    store: Store = request.app.state.store
    article_id = request.path_params["article_id"]
    action = request.state.form.get("action", "")
    try:
        row = get_article(store, article_id)
    except KeyError:
        return PlainTextResponse(locale.for_request(request)(NO_ARTICLE), status_code=404)
    if action not in ACTIONS:
        return PlainTextResponse(locale.for_request(request)("Unbekannte Aktion."), status_code=400)
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
        return JSONResponse({"error": locale.for_request(request)("Diesen Auftrag gibt es nicht.")}, status_code=404)
    return JSONResponse(job.to_dict())


def _found(lines: list[data.ArticleLine], needle: str, candidates: set[str]) -> list[data.ArticleLine]:
    """The lines the search keeps: the database found the needle in title, URL or the stored
    JSON; the JSON's own keys ("blocks", "text") must not count, so the text decides here."""
    low = needle.lower()
    kept: list[data.ArticleLine] = []
    for line in lines:
        if line.row.id not in candidates:
            continue
        row = line.row
        article = row.article() if low not in row.title.lower() and low not in row.url.lower() else None
        if article is None or low in article.text().lower():
            kept.append(line)
    return kept


@console_page
def withdraw(request: Request) -> Response:
    """Withdrawing asks first: a page that names the article and wants a reason, which becomes
    the withdrawal's message and goes into the audit log. Done here, not as a job, because the
    job has no way to carry the reason; it is quick (the feed and a few file moves)."""
    settings: Settings = request.app.state.settings
    store: Store = request.app.state.store
    article_id = request.path_params["article_id"]
    try:
        row = get_article(store, article_id)
    except KeyError:
        return PlainTextResponse(locale.for_request(request)(NO_ARTICLE), status_code=404)
    error = ""
    reason = ""
    _ = locale.for_request(request)
    if request.method == "POST":
        reason = " ".join(request.state.form.get("reason", "").split())[:publishing.REASON_MAX_CHARS]
        if row.status == "withdrawn":
            error = _("Der Artikel ist schon zurückgezogen.")
        elif not reason:
            error = _("Bitte einen Grund angeben.")
        else:
            try:
                publishing.withdraw_article(article_id, settings, store, message=reason)
            except publishing.WithdrawalError as exc:
                error = _("Nicht zurückgezogen: {error}", error=locale.said(request, exc))
            else:
                accounts.audit(store, request.state.actor, "article.withdraw", article_id,
                               {"status": row.status}, {"status": "withdrawn", "reason": reason})
                # The same announcement the withdraw job makes; the web process's sender delivers it.
                webhooks.announce(store, "audio.withdrawn", requests.article_payload(settings, store, article_id))
                return back(f"/console/articles/{article_id}", withdrawn="1")
    return render(request, "withdraw.html", row=row, error=error, reason=reason, max_chars=publishing.REASON_MAX_CHARS)


@console_page
def failures(request: Request) -> Response:
    failed = list_articles(request.app.state.store, status="failed")
    lines = [data.ArticleLine(r, None, data.updated(r)) for r in failed if r.ignored_at is None]
    ignored = [data.ArticleLine(r, None, data.updated(r)) for r in failed if r.ignored_at is not None]
    return render(request, "failures.html", lines=lines, ignored=ignored, q=request.query_params)


@console_page
def ignore(request: Request) -> Response:
    """Ignore a failure (off the list, never retried by a poll) or take that back."""
    store: Store = request.app.state.store
    form = request.state.form
    article_id = form.get("article_id", "")
    undo = form.get("undo") == "1"
    if not set_ignored(store, article_id, not undo):
        return PlainTextResponse(locale.for_request(request)("Diesen fehlgeschlagenen Artikel gibt es nicht."),
                                 status_code=404)
    accounts.audit(store, request.state.actor, "article.unignore" if undo else "article.ignore", article_id)
    return back("/console/failures", **({"unignored": "1"} if undo else {"ignored": "1"}))


@console_page
def retry(request: Request) -> Response:
    store: Store = request.app.state.store
    wanted = request.state.form.get("article_id", "")
    failed = [r.id for r in list_articles(store, status="failed") if r.ignored_at is None]
    ids = failed if wanted == "all" else [wanted]
    for article_id in ids:
        job = requests.submit(request.app.state.settings, "process", article_id, request.state.actor, store,
                              dispatch=request.app.state.dispatch)
        accounts.audit(store, request.state.actor, "article.retry", article_id, None, {"job": job.id})
    return back("/console/failures", retried=str(len(ids)))
