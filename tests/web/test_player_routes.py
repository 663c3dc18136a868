"""The player's routes over real HTTP: the script's headers, and the sample site served with the
player embedded (what a new user opens after `make demo`)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from lxml import html as lxml_html
from starlette.applications import Starlette

from pipeline.config import Settings
from pipeline.files import atomic_write
from pipeline.stages.publish.names import article_json_path
from tests.support.player_support import SEED, SEED_URL, serve
from web.player.routes import routes
from web.player.script import SCRIPT_NAME


@pytest.fixture
def app_base(settings: Settings) -> Iterator[str]:
    settings.serve_sample_pages = True  # as the shipped demo config says
    with serve(Starlette(routes=routes(settings))) as base:
        yield base


def publish_json(settings: Settings, canonical: str, audio: str) -> None:
    data = {"schema": 1, "guid": "g", "canonical_url": canonical, "url": canonical, "audio": {"url": audio}}
    atomic_write(settings.output_dir / str(article_json_path(SEED_URL)), json.dumps(data).encode())


def test_player_script_headers_and_revalidation(app_base):
    r = httpx.get(f"{app_base}/player/{SCRIPT_NAME}")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/javascript; charset=utf-8"
    assert "max-age=300" in r.headers["cache-control"]
    again = httpx.get(f"{app_base}/player/{SCRIPT_NAME}", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304
    assert httpx.get(f"{app_base}/player/").status_code == 404  # no listing


def test_sample_page_gets_the_player_before_the_article_body(settings, app_base):
    audio = "http://localhost:8000/audio/x-v1.mp3?a=1&b=<2>"
    publish_json(settings, SEED_URL, audio)
    r = httpx.get(f"{app_base}/sample/articles/{SEED}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    doc = lxml_html.fromstring(r.text)
    assert doc.xpath('//head/script[@type="module"]/@src') == [f"/player/{SCRIPT_NAME}"]
    (player,) = doc.xpath("//newsaudio-player")
    assert player.get("article-selector") == "div.article__text"
    assert player.getnext().get("class") == "article__text"
    assert player.xpath("audio[@controls]/@src") == [audio]  # escaped in, read back intact
    assert "&b=&lt;2&gt;" in r.text or "&amp;b=&lt;2&gt;" in r.text
    # The article text itself is untouched.
    assert len(doc.xpath('//div[@class="article__text"]/p')) == 5


def test_sample_page_without_a_matching_episode_keeps_an_empty_fallback(settings, app_base):
    publish_json(settings, "https://www.n-tv.de/politik/ein-anderer-artikel.html", "http://x/y.mp3")
    doc = lxml_html.fromstring(httpx.get(f"{app_base}/sample/articles/{SEED}").text)
    assert doc.xpath("//newsaudio-player/audio/@src") == []


def test_sample_index_and_no_way_out_of_the_sample_folder(app_base):
    r = httpx.get(f"{app_base}/sample/")
    links = lxml_html.fromstring(r.text).xpath("//main//a/@href")
    assert f"articles/{SEED}" in links and len(links) == 4  # the feed's missing page is not listed
    for bad in ("/sample/../pyproject.toml", "/sample/%2e%2e/pyproject.toml", "/sample/articles/..%2f..%2fMakefile",
                "/sample//etc/passwd"):
        assert httpx.get(f"{app_base}{bad}").status_code == 404, bad
