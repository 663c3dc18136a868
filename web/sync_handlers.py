"""Plain blocking handlers served as async endpoints: the body read on the event loop, the handler
run in the thread pool (the store and the voices block). Shared by the console and the API."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from functools import wraps

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

Handler = Callable[[Request], Awaitable[Response]]
SyncHandler = Callable[[Request], Response]


async def read_body(request: Request) -> None:
    """Read a form or JSON body into request.state (handlers then run off the event loop)."""
    request.state.form = {}
    request.state.json = None
    if request.method in SAFE_METHODS:
        return
    kind = request.headers.get("content-type", "")
    if kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        request.state.form = {k: str(v) for k, v in form.multi_items()}
    elif kind.startswith("application/json"):
        try:
            request.state.json = json.loads(await request.body() or b"null")
        except ValueError:
            request.state.json = ...  # marks an unreadable body


def threaded(handler: SyncHandler) -> Handler:
    """The async endpoint of a plain handler: read the body, then run it in the thread pool."""

    @wraps(handler)
    async def endpoint(request: Request) -> Response:
        await read_body(request)
        return await run_in_threadpool(handler, request)

    return endpoint
