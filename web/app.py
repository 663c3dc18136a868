"""The one ASGI app of ``newsaudio serve`` (and the Procfile's ``web``): every room of the web side
mounted, the state its handlers share, and the background work that runs while it does."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount, Route

from pipeline.config import Settings
from pipeline.run import requests
from web.api.routes import routes as api_routes
from web.console.auth import LoginLimits
from web.console.pages import make_templates
from web.console.routes import routes as console_routes
from web.files.static import OutputFiles
from web.health import healthz
from web.lazy_store import lazy_store
from web.player.routes import routes as player_routes
from web.webhook_sender import WebhookSender


def create_app(settings: Settings) -> Starlette:
    """The app for ``settings``; its handlers read what they share from ``request.app.state``.

    The output files come last: whatever no route claims is looked up in output/ (or is a 404).
    The dynamic paths above them are the ones deploy/nginx.conf proxies to this app (keep its
    list in step). Background work starts with the app's lifespan, never by building it.
    """
    routes: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET", "HEAD"]),
        *player_routes(settings),  # /player/..., /events, /sample/...
        Mount("/console", routes=console_routes),
        Mount("/api/v1", routes=api_routes),
        Mount("/", app=OutputFiles(settings.output_dir, settings.cors_origins)),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.settings = settings
    app.state.dispatch = job_dispatcher(settings)
    app.state.store = lazy_store(settings)
    app.state.templates = make_templates()
    app.state.login_limits = LoginLimits(settings.login_attempts_per_minute)
    return app


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    """While the app serves: due webhooks are sent from this process too."""
    sender = WebhookSender(app.state.settings)
    sender.start()
    try:
        yield
    finally:
        await anyio.to_thread.run_sync(sender.stop)


def job_dispatcher(settings: Settings) -> requests.Dispatch:
    """Where editors' and the CMS's jobs run: the Celery workers, or this process's pool."""
    if settings.jobs_backend == "celery":
        from workers.client import job_dispatcher as celery_dispatcher

        return celery_dispatcher(settings)
    return requests.in_process(settings)
