"""The console's admin pages: users (with their setup links), API tokens, webhooks, the audit log."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pipeline.config import Settings
from pipeline.state import accounts, webhooks
from pipeline.state.store import Store
from web.console import locale
from web.console.auth import admin_page
from web.console.login import account_error
from web.console.pages import render


@admin_page
def users(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    store: Store = request.app.state.store
    shown = ""
    error = ""
    if request.method == "POST":
        form = request.state.form
        try:
            if form.get("disable") or form.get("enable"):
                name = form.get("disable") or form.get("enable")
                accounts.set_disabled(store, name, bool(form.get("disable")))
                accounts.audit(store, request.state.actor, "user.disable" if form.get("disable") else "user.enable",
                               name)
            else:
                user = accounts.add_user(store, form.get("name", ""), form.get("role", ""))
                secret = accounts.setup_link_token(store, user.name)
                base = (settings.console_base_url or str(request.base_url)).rstrip("/")
                shown = f"{base}/console/setup/{secret}"
                accounts.audit(store, request.state.actor, "user.add", user.name, None, {"role": user.role})
        except accounts.AccountError as exc:
            error = account_error(request, exc)
    return render(request, "users.html", users=accounts.list_users(store), shown=shown, error=error)


@admin_page
def tokens(request: Request) -> Response:
    store: Store = request.app.state.store
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
                shown = accounts.add_token(store, form.get("name", "").strip() or "cms", scopes,
                                           request.state.session.user.name)
                accounts.audit(store, request.state.actor, "token.add", form.get("name", ""), None,
                               {"scopes": scopes})
        except accounts.AccountError as exc:
            error = account_error(request, exc)
        except ValueError as exc:
            error = locale.for_request(request)("Nicht möglich: {error}", error=locale.said(request, exc))
    return render(request, "tokens.html", tokens=accounts.list_tokens(store), shown=shown, error=error,
                  scopes=accounts.SCOPES)


@admin_page
def hooks(request: Request) -> Response:
    store: Store = request.app.state.store
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
            error = locale.for_request(request)("Nicht möglich: {error}", error=locale.said(request, exc))
    return render(request, "webhooks.html", hooks=webhooks.hooks(store), deliveries=webhooks.deliveries(store),
                  events=webhooks.EVENTS, error=error)


@admin_page
def audit(request: Request) -> Response:
    return render(request, "audit.html", entries=accounts.audit_entries(request.app.state.store, 500))
