"""Getting into the console and out: the login form, logout, and the one-time setup link of a new user."""

from __future__ import annotations

import secrets

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.templating import Jinja2Templates

from pipeline.config import Settings
from pipeline.state import accounts
from pipeline.state.store import Store
from web.console import auth, locale
from web.console.auth import console_page
from web.console.pages import localized
from web.sync_handlers import threaded


def account_error(request: Request, exc: accounts.AccountError) -> str:
    """The store's account errors (English, for the CLI) as the console says them."""
    said = locale.said(request, exc)
    return said if said != str(exc) else locale.for_request(request)("Nicht möglich: {error}", error=said)


@threaded
def login(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    store: Store = request.app.state.store
    _ = locale.for_request(request)
    next_url = request.query_params.get("next", "/console/articles")
    if not next_url.startswith("/console/") or next_url.startswith("//"):
        next_url = "/console/articles"  # never an open redirect
    error = ""
    status = 200
    if request.method == "POST":
        form = request.state.form
        name = form.get("name", "")
        if not auth.prelogin_csrf_ok(request):
            return PlainTextResponse(_("CSRF-Token fehlt oder ist falsch: Seite bitte neu laden"), status_code=403)
        limits: auth.LoginLimits = request.app.state.login_limits
        address = request.client.host if request.client else "?"
        if not limits.allow(address, name):
            return PlainTextResponse(_("Zu viele Anmeldeversuche: bitte eine Minute warten"), status_code=429,
                                     headers={"Retry-After": "60"})
        user = accounts.check_password(store, name, form.get("password", ""))
        # Every attempt within the limit is audited (name and address, never the password).
        accounts.audit_login(store, name, user is not None, address)
        if user is not None:
            secret, _session = accounts.open_session(store, user, settings.session_hours)
            response = RedirectResponse(next_url, status_code=303)
            auth.set_cookie(response, request, auth.COOKIE, secret, int(settings.session_hours * 3600))
            response.delete_cookie(auth.PRELOGIN_COOKIE, path="/")
            return response
        error, status = _("Name oder Passwort falsch."), 401
    # The same token while the browser keeps it: a second tab or a failed try still works.
    token = request.cookies.get(auth.PRELOGIN_COOKIE, "") or secrets.token_urlsafe(24)
    templates: Jinja2Templates = request.app.state.templates
    response = templates.TemplateResponse(
        request, "console/login.html",
        localized(request, {"csrf": token, "error": error, "user": None, "next": next_url}),
        status_code=status,
    )
    auth.set_cookie(response, request, auth.PRELOGIN_COOKIE, token, 3600)
    return response


@console_page
def logout(request: Request) -> Response:
    accounts.close_session(request.app.state.store, request.cookies.get(auth.COOKIE, ""))
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(auth.COOKIE, path="/")
    return response


@threaded
def setup(request: Request) -> Response:
    store: Store = request.app.state.store
    secret = request.path_params["secret"]
    user = accounts.user_for_setup(store, secret)
    _ = locale.for_request(request)
    if user is None:
        return PlainTextResponse(_("Dieser Link gilt nicht (schon benutzt oder abgelaufen)."), status_code=404)
    error = ""
    if request.method == "POST":
        form = request.state.form
        if not auth.prelogin_csrf_ok(request):
            return PlainTextResponse(_("CSRF-Token fehlt oder ist falsch: Seite bitte neu laden"), status_code=403)
        if form.get("password") != form.get("again"):
            error = _("Die beiden Passwörter sind verschieden.")
        else:
            try:
                accounts.finish_setup(store, secret, form.get("password", ""))
                accounts.audit(store, f"user:{user.name}", "user.setup", user.name)
                return RedirectResponse("/console/login", status_code=303)
            except accounts.AccountError as exc:
                error = account_error(request, exc)
    token = secrets.token_urlsafe(24)
    templates: Jinja2Templates = request.app.state.templates
    response = templates.TemplateResponse(
        request, "console/setup.html",
        localized(request, {"csrf": token, "error": error, "user": None, "name": user.name}),
    )
    auth.set_cookie(response, request, auth.PRELOGIN_COOKIE, token, 3600)
    return response


def choose_language(request: Request) -> Response:
    """The header's language links: remember the choice in a cookie (a preference, no secret:
    no login or CSRF needed) and go back to the page."""
    chosen = request.query_params.get("to", "")
    next_url = request.query_params.get("next", "/console/articles")
    if not next_url.startswith("/console/") or next_url.startswith("//"):
        next_url = "/console/articles"  # never an open redirect
    response = RedirectResponse(next_url, status_code=303)
    if chosen in locale.LANGUAGES:
        auth.set_cookie(response, request, locale.COOKIE, chosen, 365 * 24 * 3600)
    return response
