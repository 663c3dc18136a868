"""The low-bandwidth Opus version over a real run of the bundled sample (espeak): written beside
each MP3 in the same render, listed in the feed item as podcast:alternateEnclosure with the
file's own length, type and integrity, served with the audio's HTTP rules, and played by
Chromium as long as the MP3."""

from __future__ import annotations

import base64
import hashlib
import io
import os

import feedparser
import httpx
import podcastparser
import pytest
from lxml import etree

from pipeline.config import Settings
from pipeline.run.feed import run
from pipeline.run.sample_site import serve_site
from pipeline.stages.publish.names import audio_url, opus_file_name
from pipeline.state.episodes import published_episodes
from pipeline.state.store import open_store
from tests.conftest import settings_in, small_site
from tests.support.webapp import serve_app

PODCAST = "{https://podcastindex.org/namespace/1.0}"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--autoplay-policy=no-user-gesture-required", "--mute-audio"]


@pytest.fixture(scope="module")
def voiced(tmp_path_factory):
    """The small sample (the seed article and a missing page), voiced once with opus_kbps = 20."""
    tmp = tmp_path_factory.mktemp("opus")
    with serve_site(small_site(tmp / "site")) as base:
        settings = settings_in(tmp, f"{base}/feed.xml")
        settings.opus_kbps = 20
        summary = run(settings)
        assert summary.count("done") == 1
        yield settings


def the_episode(settings: Settings):
    (row,) = published_episodes(open_store(settings), "sample")
    return row.episode


def test_the_feed_item_lists_the_opus_file_with_its_length_type_and_integrity(voiced):
    settings = voiced
    episode = the_episode(settings)
    opus = (settings.audio_dir / opus_file_name(episode.file_name)).read_bytes()
    xml = (settings.feeds_dir / "sample.xml").read_bytes()
    (item,) = etree.fromstring(xml).iter("item")
    (alternate,) = item.iter(f"{PODCAST}alternateEnclosure")
    assert alternate.get("type") == "audio/ogg; codecs=opus"
    assert alternate.get("title") == "Sparversion"
    assert int(alternate.get("length")) == len(opus)
    bitrate = int(alternate.get("bitrate"))
    assert bitrate == round(len(opus) * 8 / episode.duration_s)
    assert 14_000 < bitrate < 26_000, bitrate  # about the 20 kbit/s asked for
    (source,) = alternate.iter(f"{PODCAST}source")
    assert source.get("uri") == audio_url(settings.public_base_url, opus_file_name(episode.file_name))
    (integrity,) = alternate.iter(f"{PODCAST}integrity")
    assert integrity.get("type") == "sri"
    assert integrity.get("value") == "sha384-" + base64.b64encode(hashlib.sha384(opus).digest()).decode()
    # The MP3 stays the enclosure every app plays, and the feed still parses for the apps.
    (enclosure,) = item.iter("enclosure")
    assert (enclosure.get("type"), enclosure.get("url")) == ("audio/mpeg", audio_url(settings.public_base_url,
                                                                                      episode.file_name))
    assert not feedparser.parse(xml).bozo
    parsed = podcastparser.parse(f"{settings.public_base_url}/feeds/sample.xml", io.BytesIO(xml))
    (app_episode,) = parsed["episodes"]
    assert [e["mime_type"] for e in app_episode["enclosures"]] == ["audio/mpeg"]


def test_no_opus_file_and_no_alternate_when_turned_off(tmp_path):
    with serve_site(small_site(tmp_path / "site")) as base:
        settings = settings_in(tmp_path, f"{base}/feed.xml")
        settings.opus_kbps = 0
        assert run(settings).count("done") == 1
    assert not list(settings.audio_dir.glob("*.opus"))
    assert b"alternateEnclosure" not in (settings.feeds_dir / "sample.xml").read_bytes()


PLAY_SCRIPT = """async (src) => {
  const audio = document.createElement('audio');
  document.body.appendChild(audio);
  const failed = new Promise((_, fail) => audio.addEventListener(
      'error', () => fail(new Error('media error ' + audio.error.code)), {once: true}));
  audio.src = src;
  const played = new Promise(ok => {
    const check = () => { if (audio.ended || audio.currentTime > 1.5) ok(); };
    audio.addEventListener('timeupdate', check);
    audio.addEventListener('ended', check);
  });
  await Promise.race([audio.play().then(() => played), failed]);
  return {duration: audio.duration, at: audio.currentTime, ended: audio.ended,
          canPlay: audio.canPlayType('audio/ogg; codecs=opus')};
}"""


def test_chromium_plays_the_opus_version_served_by_the_app(voiced):
    settings = voiced
    episode = the_episode(settings)
    name = opus_file_name(episode.file_name)
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: `make install` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with serve_app(settings) as base, sync_playwright() as pw:
        head = httpx.head(f"{base}/audio/{name}")
        assert head.status_code == 200 and head.headers["content-type"] == "audio/ogg; codecs=opus"
        assert head.headers["cache-control"] == "public, max-age=31536000, immutable"
        part = httpx.get(f"{base}/audio/{name}", headers={"Range": "bytes=0-3"})
        assert (part.status_code, part.content) == (206, b"OggS")
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{base}/feeds/sample.json")  # same origin as the audio, like a web player
            result = page.evaluate(PLAY_SCRIPT, f"{base}/audio/{name}")
        finally:
            browser.close()
    assert result["canPlay"] == "probably"
    assert result["ended"] or result["at"] > 1.0, result
    assert result["duration"] == pytest.approx(episode.duration_s, abs=0.3), result
