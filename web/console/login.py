"""Getting into the console and out: the login form, logout, and the one-time setup link of a new user."""

from __future__ import annotations

import secrets

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.templating import Jinja2Templates

from pipeline.config import Settings
from pipeline.state import accounts
from pipeline.state.store import Store
from web.console import auth
from web.console.auth import console_page
from web.sync_handlers import threaded


def german_account_error(exc: accounts.AccountError) -> str:
    """The store's account errors (English, for the CLI) as the console says them."""
    text = str(exc)
    for english, german in (
        ("at least 10 characters", "Ein Passwort braucht mindestens 10 Zeichen."),
        ("1 to 100 characters", "Ein Name braucht 1 bis 100 Zeichen."),
        ("exists already", "Diesen Benutzer gibt es schon."),
        ("role must be", "Unbekannte Rolle."),
        ("setup link is not valid", "Dieser Link gilt nicht (schon benutzt oder abgelaufen)."),
        ("scopes must be", "Unbekannte Rechte."),
    ):
        if english in text:
            return german
    return f"Nicht möglich: {text}"


@threaded
def login(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    store: Store = request.app.state.store
    next_url = request.query_params.get("next", "/console/articles")
    if not next_url.startswith("/console/") or next_url.startswith("//"):
        next_url = "/console/articles"  # never an open redirect
    error = ""
    status = 200
    if request.method == "POST":
        form = request.state.form
        name = form.get("name", "")
        if not auth.prelogin_csrf_ok(request):
            return PlainTextResponse("CSRF-Token fehlt oder ist falsch: Anmeldeseite bitte neu laden", status_code=403)
        limits: auth.LoginLimits = request.app.state.login_limits
        address = request.client.host if request.client else "?"
        if not limits.allow(address, name):
            return PlainTextResponse("Zu viele Anmeldeversuche: bitte eine Minute warten", status_code=429,
                                     headers={"Retry-After": "60"})
        user = accounts.check_password(store, name, form.get("password", ""))
        # Every attempt within the limit is audited (name and address, never the password).
        accounts.audit_login(store, name, user is not None, address)
        if user is not None:
            secret, _ = accounts.open_session(store, user, settings.session_hours)
            response = RedirectResponse(next_url, status_code=303)
            auth.set_cookie(response, request, auth.COOKIE, secret, int(settings.session_hours * 3600))
            response.delete_cookie(auth.PRELOGIN_COOKIE, path="/")
            return response
        error, status = "Name oder Passwort falsch.", 401
    # The same token while the browser keeps it: a second tab or a failed try still works.
    token = request.cookies.get(auth.PRELOGIN_COOKIE, "") or secrets.token_urlsafe(24)
    templates: Jinja2Templates = request.app.state.templates
    response = templates.TemplateResponse(
        request, "console/login.html", {"csrf": token, "error": error, "user": None, "next": next_url},
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
    if user is None:
        return PlainTextResponse("Dieser Link gilt nicht (schon benutzt oder abgelaufen)", status_code=404)
    error = ""
    if request.method == "POST":
        form = request.state.form
        if not auth.prelogin_csrf_ok(request):
            return PlainTextResponse("CSRF-Token fehlt oder ist falsch: Seite bitte neu laden", status_code=403)
        if form.get("password") != form.get("again"):
            error = "Die beiden Passwörter sind verschieden."
        else:
            try:
                accounts.finish_setup(store, secret, form.get("password", ""))
                accounts.audit(store, f"user:{user.name}", "user.setup", user.name)
                return RedirectResponse("/console/login", status_code=303)
            except accounts.AccountError as exc:
                error = german_account_error(exc)
    token = secrets.token_urlsafe(24)
    templates: Jinja2Templates = request.app.state.templates
    response = templates.TemplateResponse(
        request, "console/setup.html", {"csrf": token, "error": error, "user": None, "name": user.name}
    )
    auth.set_cookie(response, request, auth.PRELOGIN_COOKIE, token, 3600)
    return response
