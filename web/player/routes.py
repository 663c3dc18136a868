"""The player's route table: its script under /player/, /events, and the sample site under /sample/,
which web.app mounts before the output files.

The player is also served on its own (the demo and its tests mount ``routes(settings)`` in a bare
Starlette app, with no ``app.state``), so its endpoints are methods of per-app objects built here."""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount, Route

from pipeline.config import Settings
from web.player.events import EventCounter
from web.player.sample import SampleSite
from web.player.script import PLAYER_DIR, SCRIPT_NAME, PlayerFiles

# Where callers (the tests, the demo) have always found the script.
__all__ = ["PLAYER_DIR", "SCRIPT_NAME", "routes"]


def routes(settings: Settings) -> list[BaseRoute]:
    events = EventCounter(settings)
    sample = SampleSite(settings)
    return [
        Mount("/player", app=PlayerFiles(directory=PLAYER_DIR), name="player"),
        Route("/events", events.post, methods=["POST", "OPTIONS"]),
        Route("/sample/", sample.page),
        Route("/sample/{path:path}", sample.page),
    ]
