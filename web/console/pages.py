"""How console pages are rendered: the Jinja2 templates (autoescaped) and the redirect after a form."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def http_only(url: str) -> str:
    """A feed's URL as a link target only when it is http(s): escaping alone lets
    ``javascript:`` through."""
    return url if url.lower().startswith(("http://", "https://")) else "#"


def make_templates() -> Jinja2Templates:
    """The console's templates, one set per app (web.app puts it on ``app.state.templates``)."""
    templates = Jinja2Templates(directory=str(TEMPLATES))  # autoescape on for .html
    templates.env.filters["http_only"] = http_only
    return templates


def render(request: Request, name: str, **context: Any) -> Response:
    """A page of a logged-in user, with the user and the session's CSRF token in its context."""
    session = getattr(request.state, "session", None)
    context.update(user=session.user if session else None, csrf=session.csrf if session else "")
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, f"console/{name}", context)


def back(path: str, **query: str) -> RedirectResponse:
    """See other: the page to show after a form was handled."""
    return RedirectResponse(path + ("?" + urlencode(query) if query else ""), status_code=303)
