"""The console's reach page: per episode, downloads from podcast apps (counted as the IAB
guidelines count them, by app and day) beside the website player's plays and completions,
the same figures `newsaudio stats` prints."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pipeline.config import Settings
from pipeline.run.downloads import stats
from web.console.auth import console_page
from web.console.pages import render

DAY_CHOICES = (1, 7, 30, 90)


@console_page
def reach(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    feeds = [f.name for f in settings.feeds]
    feed = request.query_params.get("feed", "")
    feed = feed if feed in feeds else ""
    try:
        days = int(request.query_params.get("days", "7"))
    except ValueError:
        days = 7
    days = days if days in DAY_CHOICES else 7
    rows = stats(settings, request.app.state.store, feed=feed or None, days=days)
    apps: dict[str, int] = {}
    for s in rows:
        for app, n in s.by_app:
            apps[app] = apps.get(app, 0) + n
    return render(request, "stats.html", rows=rows, feeds=feeds, feed=feed, days=days,
                  day_choices=DAY_CHOICES, apps=sorted(apps.items(), key=lambda kv: (-kv[1], kv[0])))
