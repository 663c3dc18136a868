"""A newsroom that lists its origins (cors_origins) lets only those pages read the player data,
on both servers; other origins get no CORS header, and caches are told the answer varies."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.support.webservers import Published, start_app, stop
from web.files.nginx import running_nginx

ORIGINS = "https://www.n-tv.de, https://n-tv.de"
PATH = "audio/3f2a9c1e0b7d4a55-v1.vtt"


@pytest.fixture(scope="module", params=["app", "nginx"])
def listed(request: pytest.FixtureRequest, published: Published) -> Iterator[str]:
    proc, base = start_app(published.output, published.output.parent / "data-cors",
                           {"NEWSAUDIO_CORS_ORIGINS": ORIGINS})
    try:
        if request.param == "app":
            yield base
        else:
            with running_nginx(published.output, upstream=base.removeprefix("http://"), cors_origins=ORIGINS) as nginx:
                yield nginx
    finally:
        stop(proc)


def test_a_listed_origin_is_echoed_and_others_get_nothing(listed: str):
    ok = httpx.get(f"{listed}/{PATH}", headers={"Origin": "https://n-tv.de"}, timeout=10)
    assert ok.headers["access-control-allow-origin"] == "https://n-tv.de"
    assert "origin" in ok.headers["vary"].lower()
    other = httpx.get(f"{listed}/{PATH}", headers={"Origin": "https://evil.example"}, timeout=10)
    assert other.status_code == 200
    assert "access-control-allow-origin" not in other.headers
    assert "origin" in other.headers["vary"].lower()
    asks = {"Origin": "https://www.n-tv.de", "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "range"}
    pre = httpx.options(f"{listed}/{PATH}", timeout=10, headers=asks)
    assert pre.headers["access-control-allow-origin"] == "https://www.n-tv.de"
