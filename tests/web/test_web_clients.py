"""Real clients against both servers: podcast feed parsers read the feed over HTTP and every
episode's audio downloads; Chromium (Debian's, driven by Playwright) can seek in an episode."""

from __future__ import annotations

import io
import os

import feedparser
import httpx
import podcastparser
import pytest

from tests.support.webservers import EPISODES, Published, Server, write_feed

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


def test_podcast_parsers_read_the_feed_over_http_with_every_episode(server: Server, published: Published):
    path = write_feed(published, f"over-http-{server.kind}", server.base)
    url = f"{server.base}/{path}"
    r = httpx.get(url, timeout=10)
    assert r.status_code == 200

    parsed = podcastparser.parse(url, io.BytesIO(r.content))
    assert len(parsed["episodes"]) == len(EPISODES)
    assert {e["guid"] for e in parsed["episodes"]} == {f"guid-{e}" for e in EPISODES}

    # feedparser fetches by itself, as an aggregator does.
    fp = feedparser.parse(url)
    assert fp.get("status") == 200 and not fp.bozo, fp.get("bozo_exception")
    assert fp.feed.title == "Beispiel"
    assert len(fp.entries) == len(EPISODES)
    assert fp.entries[0].title.startswith("Ärger über Straßenbäume")

    # Every enclosure is there, at its stated length, and seekable.
    for episode in parsed["episodes"]:
        (enclosure,) = episode["enclosures"]
        assert enclosure["url"].startswith(server.base + "/audio/")
        head = httpx.head(enclosure["url"], timeout=10)
        assert head.status_code == 200
        assert int(head.headers["content-length"]) == enclosure["file_size"]
        assert head.headers["content-type"] == "audio/mpeg"
        part = httpx.get(enclosure["url"], headers={"Range": "bytes=0-2"}, timeout=10)
        assert (part.status_code, part.content) == (206, published.audio_bytes[:3])

    # An app polling again gets a 304.
    assert httpx.get(url, headers={"If-None-Match": r.headers["etag"]}, timeout=10).status_code == 304


@pytest.fixture(scope="module")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: `make install` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


SEEK_SCRIPT = """async (src) => {
  const audio = document.createElement('audio');
  audio.preload = 'auto';
  document.body.appendChild(audio);
  const loaded = new Promise((ok, fail) => {
    audio.addEventListener('loadedmetadata', ok, {once: true});
    audio.addEventListener('error', () => fail(new Error('media error ' + audio.error.code)), {once: true});
  });
  audio.src = src;
  await loaded;
  const ranges = [];
  for (let i = 0; i < audio.seekable.length; i++) ranges.push([audio.seekable.start(i), audio.seekable.end(i)]);
  const duration = audio.duration;
  const seeked = new Promise(ok => audio.addEventListener('seeked', ok, {once: true}));
  audio.currentTime = duration / 2;
  await seeked;
  return {duration, ranges, at: audio.currentTime};
}"""


def test_chromium_can_seek_anywhere_in_an_episode(browser, server: Server, published: Published):
    page = browser.new_page()
    try:
        page.goto(f"{server.base}/feeds/sample.json")  # same origin as the audio, like a web player
        result = page.evaluate(SEEK_SCRIPT, f"{server.base}/{published.audio}")
    finally:
        page.close()
    duration = result["duration"]
    assert abs(duration - published.duration_s) < 1.0
    assert len(result["ranges"]) == 1, result
    start, end = result["ranges"][0]
    assert start == 0 and end == pytest.approx(duration, abs=0.1), "seekable over the whole episode"
    assert result["at"] == pytest.approx(duration / 2, abs=0.5), "the seek lands in the middle"
