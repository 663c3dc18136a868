"""The editors' console: server-rendered pages (Jinja2, autoescaped) under /console.

Mount with ``routes(settings)``; every page needs a login, every state change a CSRF token."""

from __future__ import annotations

import base64
import secrets
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.templating import Jinja2Templates

from pipeline.config import Settings
from pipeline.run import requests
from pipeline.run.article import say
from pipeline.run.lexicon import current_lexicon, save_lexicon
from pipeline.run.webhook_delivery import deliver_due
from pipeline.stages.publish.names import audio_url
from pipeline.stages.speech import Lexicon
from pipeline.stages.speech.lexicon import LexiconError, parse_lexicon
from pipeline.state import accounts, editor_choices, lexicon_versions, webhooks
from pipeline.state.articles import get_article, list_articles
from pipeline.state.job_records import get_job, recent_jobs
from pipeline.state.listening import listen_totals
from pipeline.state.store import open_store
from web.console import auth, data

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
templates = Jinja2Templates(directory=str(TEMPLATES))  # autoescape on for .html


def _http_only(url: str) -> str:
    """A feed's URL as a link target only when it is http(s): escaping alone lets
    ``javascript:`` through."""
    return url if url.lower().startswith(("http://", "https://")) else "#"


templates.env.filters["http_only"] = _http_only


def _page(request: Request, name: str, **context: Any) -> Response:
    session = getattr(request.state, "session", None)
    context.update(user=session.user if session else None, csrf=session.csrf if session else "")
    return templates.TemplateResponse(request, f"console/{name}", context)


def _back(path: str, **query: str) -> RedirectResponse:
    return RedirectResponse(path + ("?" + urlencode(query) if query else ""), status_code=303)


def _webhook_sender(settings: Settings, stop: threading.Event) -> None:
    """Deliver due webhooks (retries with backoff) from the web process, once a few seconds."""
    while not stop.wait(2.0):
        try:
            deliver_due(open_store(settings), settings)
        except Exception:  # keep the loop alive; each delivery row records its own error
            requests.log.exception("webhook sender")


_senders: dict[str, threading.Event] = {}
_sender_lock = threading.Lock()


def start_webhook_sender(settings: Settings) -> None:
    with _sender_lock:
        if settings.db_url in _senders:
            return
        stop = _senders[settings.db_url] = threading.Event()
    threading.Thread(target=_webhook_sender, args=(settings, stop), daemon=True, name="webhooks").start()


def stop_webhook_sender(settings: Settings) -> None:
    with _sender_lock:
        stop = _senders.pop(settings.db_url, None)
    if stop is not None:
        stop.set()


def routes(settings: Settings) -> list[BaseRoute]:
    """The console's routes, to mount in the web app: ``*console_routes(settings)``."""
    store = data.lazy_store(settings)
    page = auth.console_page(settings)
    admin_page = auth.console_page(settings, admin=True)
    limiter = auth.RateLimit(settings.login_attempts_per_minute)
    # A whole newsroom may share one address: per address, a few names' worth of attempts.
    per_address = auth.RateLimit(settings.login_attempts_per_minute * 4)

    # -- login -----------------------------------------------------------------------------

    @auth.threaded
    def login(request: Request) -> Response:
        next_url = request.query_params.get("next", "/console/articles")
        if not next_url.startswith("/console/") or next_url.startswith("//"):
            next_url = "/console/articles"  # never an open redirect
        error = ""
        status = 200
        if request.method == "POST":
            form = request.state.form
            name = form.get("name", "")
            sent, expected = form.get("csrf", ""), request.cookies.get(auth.PRELOGIN_COOKIE, "")
            client = request.client.host if request.client else "?"
            if not expected or not secrets.compare_digest(sent.encode(), expected.encode()):
                return PlainTextResponse("missing or wrong CSRF token: reload the login page", status_code=403)
            if not limiter.hit(f"{client}|{name.lower()}") or not per_address.hit(client):
                return PlainTextResponse("too many login attempts: wait a minute", status_code=429,
                                         headers={"Retry-After": "60"})
            user = accounts.check_password(store, name, form.get("password", ""))
            if user is not None:
                secret, _ = accounts.open_session(store, user, settings.session_hours)
                response = RedirectResponse(next_url, status_code=303)
                auth.set_cookie(response, request, auth.COOKIE, secret, int(settings.session_hours * 3600))
                response.delete_cookie(auth.PRELOGIN_COOKIE, path="/")
                return response
            error, status = "Name or password wrong.", 401
        # The same token while the browser keeps it: a second tab or a failed try still works.
        token = request.cookies.get(auth.PRELOGIN_COOKIE, "") or secrets.token_urlsafe(24)
        response = templates.TemplateResponse(
            request, "console/login.html", {"csrf": token, "error": error, "user": None, "next": next_url},
            status_code=status,
        )
        auth.set_cookie(response, request, auth.PRELOGIN_COOKIE, token, 3600)
        return response

    @page
    def logout(request: Request) -> Response:
        accounts.close_session(store, request.cookies.get(auth.COOKIE, ""))
        response = RedirectResponse("/console/login", status_code=303)
        response.delete_cookie(auth.COOKIE, path="/")
        return response

    @auth.threaded
    def setup(request: Request) -> Response:
        secret = request.path_params["secret"]
        user = accounts.user_for_setup(store, secret)
        if user is None:
            return PlainTextResponse("this setup link is not valid (used or expired)", status_code=404)
        error = ""
        if request.method == "POST":
            form = request.state.form
            expected = request.cookies.get(auth.PRELOGIN_COOKIE, "")
            if not expected or not secrets.compare_digest(form.get("csrf", "").encode(), expected.encode()):
                return PlainTextResponse("missing or wrong CSRF token: reload the page", status_code=403)
            if form.get("password") != form.get("again"):
                error = "The two passwords differ."
            else:
                try:
                    accounts.finish_setup(store, secret, form.get("password", ""))
                    accounts.audit(store, f"user:{user.name}", "user.setup", user.name)
                    return RedirectResponse("/console/login", status_code=303)
                except accounts.AccountError as exc:
                    error = str(exc)
        token = secrets.token_urlsafe(24)
        response = templates.TemplateResponse(
            request, "console/setup.html", {"csrf": token, "error": error, "user": None, "name": user.name}
        )
        auth.set_cookie(response, request, auth.PRELOGIN_COOKIE, token, 3600)
        return response

    # -- articles --------------------------------------------------------------------------

    @page
    def index(request: Request) -> Response:
        return RedirectResponse("/console/articles", status_code=303)

    @page
    def articles(request: Request) -> Response:
        q = request.query_params
        lines = data.article_lines(
            store, feed=q.get("feed", ""), status=q.get("status", ""), fallback=bool(q.get("fallback")),
            query=q.get("q", ""),
        )
        feeds = sorted({f.name for f in settings.feeds} | {r.row.feed for r in lines})
        return _page(request, "articles.html", lines=lines, feeds=feeds, q=q, listens=listen_totals(store),
                     statuses=["new", "prepared", "done", "skipped", "failed", "withdrawn"])

    @page
    def article(request: Request) -> Response:
        try:
            view = data.article_view(settings, store, request.path_params["article_id"])
        except KeyError:
            return PlainTextResponse("no such article", status_code=404)
        from voices import list_profiles

        voices = [v.name for v in list_profiles(settings)]
        audio = {
            e.episode.version: audio_url(settings.public_base_url, e.episode.file_name) for e in view.episodes
        }
        return _page(request, "article.html", view=view, voices=voices, audio=audio,
                     jobs=recent_jobs(store, view.row.id, limit=10),
                     queued=request.query_params.get("job", ""))

    @page
    def article_action(request: Request) -> Response:
        article_id = request.path_params["article_id"]
        action = request.state.form.get("action", "")
        try:
            row = get_article(store, article_id)
        except KeyError:
            return PlainTextResponse("no such article", status_code=404)
        if action not in ("regenerate", "refetch", "withdraw", "restore"):
            return PlainTextResponse("unknown action", status_code=400)
        job = requests.submit(settings, action, article_id, request.state.actor, store,
            dispatch=request.app.state.dispatch)
        accounts.audit(store, request.state.actor, f"article.{action}", article_id,
                       {"status": row.status}, {"job": job.id})
        return _back(f"/console/articles/{article_id}", job=job.id)

    @page
    def article_voice(request: Request) -> Response:
        article_id = request.path_params["article_id"]
        options = editor_choices.get(store, article_id)
        before = options.voice
        options.voice = request.state.form.get("voice", "")
        editor_choices.put(store, article_id, options)
        accounts.audit(store, request.state.actor, "article.voice", article_id, before or None, options.voice or None)
        return _back(f"/console/articles/{article_id}")

    @page
    def article_paragraph(request: Request) -> Response:
        article_id = request.path_params["article_id"]
        form = request.state.form
        options = editor_choices.get(store, article_id)
        key = form.get("key", "")
        leave_out = form.get("leave_out") == "1"
        (options.excluded.add if leave_out else options.excluded.discard)(key)
        editor_choices.put(store, article_id, options)
        accounts.audit(store, request.state.actor, "article.paragraph", article_id,
                       None, {"paragraph": form.get("text", "")[:200], "left_out": leave_out})
        return _back(f"/console/articles/{article_id}")

    @page
    def job_status(request: Request) -> Response:
        job = get_job(store, request.path_params["job_id"])
        if job is None:
            return JSONResponse({"error": "no such job"}, status_code=404)
        return JSONResponse(job.to_dict())

    @page
    def failures(request: Request) -> Response:
        rows = [data.ArticleLine(r, None, data.updated(r)) for r in list_articles(store, status="failed")]
        return _page(request, "failures.html", lines=rows)

    @page
    def retry(request: Request) -> Response:
        wanted = request.state.form.get("article_id", "")
        ids = [r.id for r in list_articles(store, status="failed")] if wanted == "all" else [wanted]
        for article_id in ids:
            job = requests.submit(settings, "process", article_id, request.state.actor, store,
                dispatch=request.app.state.dispatch)
            accounts.audit(store, request.state.actor, "article.retry", article_id, None, {"job": job.id})
        return _back("/console/failures", retried=str(len(ids)))

    # -- pronunciations --------------------------------------------------------------------

    @page
    def lexicon_page(request: Request) -> Response:
        current = current_lexicon(settings, store)
        latest = lexicon_versions.current(store)
        saved_jobs = [j for j in (get_job(store, i) for i in request.query_params.getlist("job")) if j]
        return _page(request, "lexicon.html", entries=current.entries, latest=latest, saved_jobs=saved_jobs,
                     edit=request.query_params.get("edit", ""))

    def _draft(form: dict[str, str]) -> data.Draft:
        fields: dict[str, Any] = {k: form.get(k, "") for k in ("original", "delete", "match", "kind", "say",
                                                                "espeak", "ipa", "note")}
        fields |= {"case_sensitive": "case_sensitive" in form, "whole_word": "whole_word" in form}
        return data.draft(settings, store, fields)

    @page
    def lexicon_check(request: Request) -> Response:
        """As an entry is typed: is it valid, and which published articles would it touch?"""
        try:
            d = _draft(request.state.form)
        except LexiconError as exc:
            return JSONResponse({"ok": False, "error": str(exc)})
        hits = data.affected_by(settings, store, d.current, d.lexicon)
        changed = Lexicon(d.lexicon.changed_entries(d.current))
        return JSONResponse({"ok": True, "affected": [h.__dict__ for h in hits],
                             "sentences": data.sentences_with(store, changed)})

    @page
    def lexicon_preview(request: Request) -> Response:
        """The sentence spoken with the draft entry: audio and the spoken text, nothing saved."""
        form = request.state.form
        sentence = form.get("sentence", "").strip()
        if not sentence:
            return JSONResponse({"ok": False, "error": "type or pick a sentence to hear"})
        try:
            d = _draft(form)
            mastered, voice = say(sentence[:2000], settings, lexicon=d.lexicon)
        except (LexiconError, ValueError) as exc:
            return JSONResponse({"ok": False, "error": str(exc)})
        return JSONResponse({
            "ok": True,
            "spoken": " ".join(data.spoken_form(sentence, d.lexicon, settings)),
            "before": " ".join(data.spoken_form(sentence, d.current, settings)),
            "audio": "data:audio/mpeg;base64," + base64.b64encode(mastered.mp3).decode("ascii"),
            "voice": voice.identity,
        })

    @page
    def lexicon_save(request: Request) -> Response:
        form = request.state.form
        try:
            d = _draft(form)
        except LexiconError as exc:
            return PlainTextResponse(f"not saved: {exc}", status_code=400)
        saved = data.save_draft(settings, store, d,
            dispatch=request.app.state.dispatch, author=request.state.session.user.name,
                                actor=request.state.actor, message=form.get("message", ""))
        query = urlencode([("saved", str(saved.version.id)), *(("job", j.id) for j in saved.jobs)])
        return RedirectResponse(f"/console/lexicon?{query}", status_code=303)

    @page
    def lexicon_history(request: Request) -> Response:
        return _page(request, "history.html", versions=lexicon_versions.history(store))

    @page
    def lexicon_restore(request: Request) -> Response:
        chosen = lexicon_versions.by_id(store, int(request.state.form.get("version_id", "0") or 0))
        if chosen is None:
            return PlainTextResponse("no such version", status_code=404)
        current = current_lexicon(settings, store)
        user = request.state.session.user.name
        saved = save_lexicon(store, chosen.toml, author=user, message=f"restore version {chosen.id}")
        accounts.audit(store, request.state.actor, "lexicon.restore", f"version {chosen.id}",
                       {"version": current.version}, {"version": saved.version, "id": saved.id})
        hits = data.affected_by(settings, store, current, parse_lexicon(chosen.toml))
        queued = [requests.submit(settings, "regenerate", h.article_id, request.state.actor, store,
            dispatch=request.app.state.dispatch) for h in hits]
        query = urlencode([("saved", str(saved.id)), *(("job", j.id) for j in queued)])
        return RedirectResponse(f"/console/lexicon?{query}", status_code=303)

    # -- admin -----------------------------------------------------------------------------

    @admin_page
    def users(request: Request) -> Response:
        shown = ""
        error = ""
        if request.method == "POST":
            form = request.state.form
            try:
                if form.get("disable") or form.get("enable"):
                    name = form.get("disable") or form.get("enable")
                    accounts.set_disabled(store, name, bool(form.get("disable")))
                    accounts.audit(store, request.state.actor, "user.disable" if form.get("disable") else
                                   "user.enable", name)
                else:
                    user = accounts.add_user(store, form.get("name", ""), form.get("role", ""))
                    secret = accounts.setup_link_token(store, user.name)
                    base = (settings.console_base_url or str(request.base_url)).rstrip("/")
                    shown = f"{base}/console/setup/{secret}"
                    accounts.audit(store, request.state.actor, "user.add", user.name, None, {"role": user.role})
            except accounts.AccountError as exc:
                error = str(exc)
        return _page(request, "users.html", users=accounts.list_users(store), shown=shown, error=error)

    @admin_page
    def tokens(request: Request) -> Response:
        shown = ""
        error = ""
        if request.method == "POST":
            form = request.state.form
            try:
                if form.get("revoke"):
                    token = accounts.revoke_token(store, int(form["revoke"]))
                    accounts.audit(store, request.state.actor, "token.revoke", token.name if token else form["revoke"])
                else:
                    scopes = [s for s in accounts.SCOPES if form.get(f"scope_{s}")]
                    shown = accounts.add_token(store, form.get("name", "").strip() or "cms",
                                               scopes, request.state.session.user.name)
                    accounts.audit(store, request.state.actor, "token.add", form.get("name", ""), None,
                                   {"scopes": scopes})
            except (accounts.AccountError, ValueError) as exc:
                error = str(exc)
        return _page(request, "tokens.html", tokens=accounts.list_tokens(store), shown=shown, error=error,
                     scopes=accounts.SCOPES)

    @admin_page
    def hooks(request: Request) -> Response:
        error = ""
        if request.method == "POST":
            form = request.state.form
            try:
                if form.get("toggle"):
                    hook_id = int(form["toggle"])
                    active = form.get("active") == "1"
                    webhooks.set_active(store, hook_id, active)
                    accounts.audit(store, request.state.actor, "webhook.active", str(hook_id), None, active)
                else:
                    events = [e for e in webhooks.EVENTS if form.get(f"event_{e}")]
                    hook = webhooks.add_hook(store, form.get("url", ""), events, form.get("secret", ""))
                    accounts.audit(store, request.state.actor, "webhook.add", hook.url, None, {"events": events})
            except ValueError as exc:
                error = str(exc)
        return _page(request, "webhooks.html", hooks=webhooks.hooks(store), deliveries=webhooks.deliveries(store),
                     events=webhooks.EVENTS, error=error)

    @admin_page
    def audit(request: Request) -> Response:
        return _page(request, "audit.html", entries=accounts.audit_entries(store, 500))

    start_webhook_sender(settings)
    return [
        Mount("/console", routes=[
            Route("/", index),
            Route("/login", login, methods=["GET", "POST"]),
            Route("/logout", logout, methods=["POST"]),
            Route("/setup/{secret}", setup, methods=["GET", "POST"]),
            Route("/articles", articles),
            Route("/articles/{article_id}", article),
            Route("/articles/{article_id}/action", article_action, methods=["POST"]),
            Route("/articles/{article_id}/voice", article_voice, methods=["POST"]),
            Route("/articles/{article_id}/paragraph", article_paragraph, methods=["POST"]),
            Route("/jobs/{job_id}", job_status),
            Route("/failures", failures),
            Route("/failures/retry", retry, methods=["POST"]),
            Route("/lexicon", lexicon_page),
            Route("/lexicon/check", lexicon_check, methods=["POST"]),
            Route("/lexicon/preview", lexicon_preview, methods=["POST"]),
            Route("/lexicon/save", lexicon_save, methods=["POST"]),
            Route("/lexicon/history", lexicon_history),
            Route("/lexicon/restore", lexicon_restore, methods=["POST"]),
            Route("/admin/users", users, methods=["GET", "POST"]),
            Route("/admin/tokens", tokens, methods=["GET", "POST"]),
            Route("/admin/webhooks", hooks, methods=["GET", "POST"]),
            Route("/admin/audit", audit),
        ]),
    ]


def all_routes(settings: Settings) -> list[BaseRoute]:
    """Console and API together: the one line the web app needs."""
    from web.api.routes import routes as api_routes

    return [*routes(settings), *api_routes(settings)]
