"""Who is calling the API: a CMS's Bearer token and the scopes it carries.

Tokens are not cookies, so no CSRF is possible or checked; the store keeps only their hashes."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from pipeline.state import accounts
from pipeline.state.store import Store
from web.sync_handlers import Handler, SyncHandler, threaded


def bearer_secret(request: Request) -> str:
    """The token of ``Authorization: Bearer <token>``, empty when there is none."""
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else ""


def api_endpoint(scope: str) -> Callable[[SyncHandler], Handler]:
    """An API endpoint: a Bearer token with ``scope`` (401 without a valid token, 403 without
    the scope, 400 for a JSON body that does not parse). The handler is a plain function run in
    the thread pool, with ``request.state.token`` and ``request.state.actor`` set."""

    def wrap(handler: SyncHandler) -> Handler:
        def guarded(request: Request) -> Response:
            store: Store = request.app.state.store
            token = accounts.token_for(store, bearer_secret(request))
            if token is None:
                return JSONResponse(
                    {"error": "a valid API token is required (Authorization: Bearer ...)"},
                    status_code=401, headers={"WWW-Authenticate": "Bearer"},
                )
            if scope not in token.scopes:
                return JSONResponse({"error": f"this token lacks the scope {scope!r}"}, status_code=403)
            if request.state.json is ...:
                return JSONResponse({"error": "the body is not valid JSON"}, status_code=400)
            request.state.token = token
            request.state.actor = f"token:{token.name}"
            return handler(request)

        return wraps(handler)(threaded(guarded))

    return wrap


read = api_endpoint("read")
write_articles = api_endpoint("articles:write")
write_lexicon = api_endpoint("lexicon:write")
