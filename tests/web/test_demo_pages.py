"""The bundled demo pages are ours: served only where asked for (serve_sample_pages), they load
nothing from any host but this server (the copies come from a news site with trackers, fonts and
frames, and /sample/ shares its origin with /console/), the player works on the pages that carried
a <base href> to the newsroom, and axe-core finds nothing on them. Real Chromium, real HTTP."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup

from pipeline.run.sample_site import SAMPLE_SITE
from tests.support.axe import WCAG, assert_no_violations
from tests.support.player_support import browser  # noqa: F401 - fixture
from tests.support.webapp import serve_app
from web.player.sample import _INERT_RELS as INERT
from web.player.sample import PLACEHOLDER, strip_outside

PAGES = sorted(p.name for p in (SAMPLE_SITE / "articles").glob("*.html"))
P = "document.querySelector('newsaudio-player')"


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory):
    from tests.conftest import settings_in

    settings = settings_in(tmp_path_factory.mktemp("demo-pages"))
    settings.serve_sample_pages = True
    with serve_app(settings) as base:
        yield base


def loaders(page: str) -> list[str]:
    """What in a page would make a browser load something (scripts that run, styles, frames,
    pictures other than our placeholder, fonts in CSS, a <base>)."""
    soup = BeautifulSoup(page, "lxml")
    found = [str(t)[:80] for t in soup.find_all(["base", "iframe", "embed", "object", "video", "audio", "source"])]
    found += [str(t)[:80] for t in soup.find_all("script")
              if t.get("src") or t.get("type") not in ("application/ld+json", "application/json")]
    found += [str(t)[:80] for t in soup.find_all("link") if not set(t.get("rel") or ["?"]) <= INERT]
    found += [str(t)[:80] for t in soup.find_all("img") if t.get("src") != PLACEHOLDER or t.get("srcset")]
    found += [str(t)[:80] for t in soup.find_all(style=re.compile(r"url\((?!\s*['\"]?(data:|#))", re.I))]
    found += [m.group(0) for t in soup.find_all("style") for m in re.finditer(r"url\([^)#]*\)|@import", t.text)
              if "data:" not in m.group(0)]
    return found


def test_the_bundled_copies_carry_no_outside_resources_and_no_base():
    for name in PAGES:
        page = (SAMPLE_SITE / "articles" / name).read_text(encoding="utf-8")
        assert loaders(page) == [], name
        assert loaders(strip_outside("<html><head><base href='https://x.example/'><script src='https://t.example/a.js'>"
                                     "</script></head><body><img src='https://i.example/p.jpg'></body></html>")) == []


def test_sample_pages_are_off_unless_asked_for(settings, tmp_path: Path):
    settings.serve_sample_pages = False
    with serve_app(settings) as base:
        assert httpx.get(f"{base}/sample/").status_code == 404
        assert httpx.get(f"{base}/sample/articles/{PAGES[0]}").status_code == 404


@pytest.mark.parametrize("name", PAGES)
def test_a_demo_page_requests_nothing_but_this_server_and_axe_finds_nothing(browser, demo_server, name):  # noqa: F811
    page = browser.new_page()
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(f"{demo_server}/sample/articles/{name}", wait_until="load")
    # The player's script came from here and defined its element (also on the pages whose
    # copies said <base href="https://www.n-tv.de/...">).
    page.wait_for_function("!!customElements.get('newsaudio-player')")
    assert page.evaluate(f"!!{P}")
    page.wait_for_timeout(500)  # late loaders (lazy images, timers) would show up by now
    outside = [u for u in requested if not (u.startswith(demo_server + "/") or u.startswith("data:"))]
    assert outside == [], outside
    assert_no_violations(page, options=WCAG)
    page.close()
