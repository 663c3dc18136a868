"""The one ASGI app of ``newsaudio serve`` (and the Procfile's ``web``), built from the settings."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount, Route

from pipeline.config import Settings
from pipeline.run import requests
from web.console.routes import all_routes as console_routes
from web.files.static import OutputFiles
from web.health import healthz
from web.player.routes import routes as player_routes


def create_app(settings: Settings) -> Starlette:
    """Handlers read the settings from ``request.app.state.settings``.

    Each part of the web side adds its routes here with one line, above the output files, which
    come last: whatever no route claims is looked up in output/ (or is a 404). Those dynamic
    paths are also the ones deploy/nginx.conf proxies to this app (keep its list in step).
    """
    routes: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET", "HEAD"]),
        *player_routes(settings),  # /player/..., /events, /sample/...
        *console_routes(settings),  # /console/... and /api/v1/...
        Mount("/", app=OutputFiles(settings.output_dir, settings.cors_origins)),
    ]
    app = Starlette(routes=routes)
    app.state.settings = settings
    app.state.dispatch = job_dispatcher(settings)
    return app


def job_dispatcher(settings: Settings) -> requests.Dispatch:
    """Where editors' and the CMS's jobs run: the Celery workers, or this process's pool."""
    if settings.jobs_backend == "celery":
        from workers.client import job_dispatcher as celery_dispatcher

        return celery_dispatcher(settings)
    return requests.in_process(settings)
