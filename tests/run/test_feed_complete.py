"""The feed as directories and apps read it: Podcasting 2.0 channel metadata, per-feed channel
settings, a bounded item list, byte-stable output, the player data files and the sweep of old
versions. Episodes are store rows with placeholder files (tests/support/fake_episodes.py)."""

from __future__ import annotations

import io
import json
import time
from datetime import UTC, datetime, timedelta

import feedparser
import podcastparser
import pytest
from lxml import etree

from pipeline.cli import main
from pipeline.config import load_settings
from pipeline.run import publishing
from pipeline.stages.publish.disclosure import CHANNEL_NOTE
from pipeline.stages.publish.names import episode_files, player_data_guid_path, player_data_path, podcast_guid
from pipeline.state.articles import upsert_entry
from pipeline.state.episodes import latest_episode
from pipeline.state.store import open_store
from tests.support.fake_episodes import add_episode, url_of

ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
PODCAST = "{https://podcastindex.org/namespace/1.0}"


@pytest.fixture
def store(settings):
    return open_store(settings)


def feed_tree(settings, name: str = "sample") -> etree._Element:
    return etree.fromstring((settings.feeds_dir / f"{name}.xml").read_bytes()).find("channel")


def test_podcast_guid_is_the_uuid_podcast_index_derives():
    # The Podcast Index lists podnews.net/rss under this podcast:guid.
    assert podcast_guid("https://podnews.net/rss") == "9b024349-ccf0-5f69-a609-6b82873eab3c"
    assert podcast_guid("http://podnews.net/rss/") == "9b024349-ccf0-5f69-a609-6b82873eab3c"


def test_channel_has_guid_owner_lock_and_copyright(settings, store):
    settings.channel.owner_name = "Redaktion Audio"
    settings.channel.owner_email = "audio@example.de"
    settings.channel.copyright = "© 2024 Example Verlag"
    settings.channel.locked = True
    add_episode(store, settings, 1)
    publishing.publish_feed("sample", settings, store)
    ch = feed_tree(settings)
    self_url = f"{settings.public_base_url}/feeds/sample.xml"
    assert ch.findtext(f"{PODCAST}guid") == podcast_guid(self_url)
    locked = ch.find(f"{PODCAST}locked")
    assert (locked.text, locked.get("owner")) == ("yes", "audio@example.de")
    assert ch.findtext(f"{ITUNES}owner/{ITUNES}name") == "Redaktion Audio"
    assert ch.findtext(f"{ITUNES}owner/{ITUNES}email") == "audio@example.de"
    assert ch.findtext("copyright") == "© 2024 Example Verlag"
    xml = (settings.feeds_dir / "sample.xml").read_bytes()
    assert not feedparser.parse(xml).bozo
    parsed = podcastparser.parse(self_url, io.BytesIO(xml))
    assert len(parsed["episodes"]) == 1


def test_each_feed_is_its_own_podcast_and_inherits_the_rest(tmp_path):
    config = tmp_path / "newsaudio.toml"
    config.write_text(
        """
public_base_url = "https://audio.example.de"
[channel]
title = "Example zum Hören"
description = "Alle Artikel"
author = "Example Verlag"
owner_email = "audio@example.de"
copyright = "© Example Verlag"
category = "News"
[[feeds]]
name = "politik"
url = "http://127.0.0.1:9/politik.xml"
title = "Politik zum Hören"
description = "Nur Politik"
image = "https://audio.example.de/politik.png"
owner_email = "politik@example.de"
locked = true
[[feeds]]
name = "sport"
url = "http://127.0.0.1:9/sport.xml"
""",
        encoding="utf-8",
    )
    settings = load_settings(config, env={})
    settings.output_dir, settings.data_dir = tmp_path / "output", tmp_path / "data"
    store = open_store(settings)
    add_episode(store, settings, 1, feed="politik")
    add_episode(store, settings, 2, feed="sport")
    for name in ("politik", "sport"):
        publishing.publish_feed(name, settings, store)
    politik, sport = feed_tree(settings, "politik"), feed_tree(settings, "sport")
    assert politik.findtext("title") == "Politik zum Hören" and sport.findtext("title") == "Example zum Hören"
    # Each description says that the voices are synthetic (pipeline/stages/publish/disclosure.py).
    assert politik.findtext("description") == f"Nur Politik {CHANNEL_NOTE}"
    assert sport.findtext("description") == f"Alle Artikel {CHANNEL_NOTE}"
    assert politik.find(f"{ITUNES}image").get("href") == "https://audio.example.de/politik.png"
    assert sport.find(f"{ITUNES}image").get("href") == "https://audio.example.de/cover.png"
    assert politik.findtext(f"{ITUNES}owner/{ITUNES}email") == "politik@example.de"
    assert sport.findtext(f"{ITUNES}owner/{ITUNES}email") == "audio@example.de"
    assert politik.find(f"{PODCAST}locked").text == "yes" and sport.find(f"{PODCAST}locked").text == "no"
    assert politik.findtext("copyright") == sport.findtext("copyright") == "© Example Verlag"
    assert politik.findtext(f"{ITUNES}author") == sport.findtext(f"{ITUNES}author") == "Example Verlag"
    assert politik.findtext(f"{PODCAST}guid") != sport.findtext(f"{PODCAST}guid")


def test_episode_image_only_when_the_setting_is_on(settings, store):
    add_episode(store, settings, 1, image="https://bilder.example.de/foto.jpg")
    publishing.publish_feed("sample", settings, store)
    assert feed_tree(settings).find(f"item/{ITUNES}image") is None
    settings.channel.episode_images = True
    publishing.publish_feed("sample", settings, store)
    assert feed_tree(settings).find(f"item/{ITUNES}image").get("href") == "https://bilder.example.de/foto.jpg"


def test_markup_and_control_characters_in_titles_do_not_break_the_feed(settings, store):
    add_episode(store, settings, 1, title="Streit um <b>Zölle</b> & \x1b[31mRot\x00 \"quoted\"")
    publishing.publish_feed("sample", settings, store)
    xml = (settings.feeds_dir / "sample.xml").read_bytes()
    parsed = feedparser.parse(xml)
    assert not parsed.bozo
    assert feed_tree(settings).findtext("item/title") == "Streit um <b>Zölle</b> & [31mRot \"quoted\""
    assert b"\x1b" not in xml and b"\x00" not in xml


def test_the_feed_lists_only_the_newest_max_items(settings, store):
    for n in range(1, 8):
        add_episode(store, settings, n)
    settings.max_items = 3
    publishing.publish_feed("sample", settings, store)
    items = feed_tree(settings).findall("item")
    assert [i.findtext("link") for i in items] == [url_of(7), url_of(6), url_of(5)]
    index = json.loads((settings.feeds_dir / "sample.json").read_text(encoding="utf-8"))
    assert sorted(index) == sorted([url_of(7), url_of(6), url_of(5)])
    # Older episodes are still downloadable and keep their player data: only the feed is bounded.
    assert (settings.output_dir / player_data_path(url_of(1))).exists()


def test_a_worker_that_published_before_writes_what_a_fresh_one_writes(settings, store):
    """Items rendered on an earlier publish are reused; what they show must still follow the
    store: an article's new URL, date or image reaches the feed on the next publish."""
    from pipeline.models import FeedEntry
    from pipeline.state.store import Store

    for n in range(1, 6):
        add_episode(store, settings, n)
    publishing.publish_feed("sample", settings, store)
    add_episode(store, settings, 6)
    moved = FeedEntry(guid="guid-sample-3", url="https://example.org/neu/3.html", title="T3",
                      published=datetime(2025, 6, 1, tzinfo=UTC))
    upsert_entry(store, "sample", "sample00003", moved)
    publishing.publish_feed("sample", settings, store)
    warm = (settings.feeds_dir / "sample.xml").read_bytes()
    warm_index = (settings.feeds_dir / "sample.json").read_bytes()
    items = feed_tree(settings).findall("item")
    assert items[0].findtext("link") == "https://example.org/neu/3.html"  # newest date now: first
    assert items[0].findtext("pubDate") == "Sun, 01 Jun 2025 00:00:00 +0000"
    assert len(items) == 6
    fresh_store = Store(store.url)  # another process: nothing rendered yet
    publishing.publish_feed("sample", settings, fresh_store)
    assert (settings.feeds_dir / "sample.xml").read_bytes() == warm
    assert (settings.feeds_dir / "sample.json").read_bytes() == warm_index


def test_same_episodes_give_the_same_bytes_and_no_rewrite(settings, store):
    add_episode(store, settings, 1)
    path = publishing.publish_feed("sample", settings, store)
    first, stamp = path.read_bytes(), path.stat().st_mtime_ns
    index_stamp = path.with_suffix(".json").stat().st_mtime_ns
    time.sleep(1.1)  # lastBuildDate has whole seconds: a clock-driven date would differ now
    publishing.publish_feed("sample", settings, store)
    assert path.read_bytes() == first
    assert path.stat().st_mtime_ns == stamp and path.with_suffix(".json").stat().st_mtime_ns == index_stamp
    add_episode(store, settings, 2)
    publishing.publish_feed("sample", settings, store)
    second = path.read_bytes()
    assert second != first
    built = [etree.fromstring(x).findtext("channel/lastBuildDate") for x in (first, second)]
    assert built[0] != built[1]


def test_one_more_episode_writes_only_its_own_player_data(settings, store):
    for n in range(1, 6):
        add_episode(store, settings, n)
    publishing.publish_feed("sample", settings, store)
    files = sorted((settings.output_dir / "articles").rglob("*.json"))
    assert len(files) == 10  # by URL and by GUID
    stamps = {p: p.stat().st_mtime_ns for p in files}
    time.sleep(0.05)
    add_episode(store, settings, 6)
    publishing.publish_feed("sample", settings, store)
    assert {p: p.stat().st_mtime_ns for p in files} == stamps
    assert (settings.output_dir / player_data_path(url_of(6))).exists()


def test_player_data_paths_follow_the_schema():
    path = player_data_path
    assert path("https://www.n-tv.de/politik/Iran-article1.html?utm=x#top") == (
        "articles/www.n-tv.de/politik/Iran-article1.html.json"
    )
    assert path("http://Example.COM:8080/a/b/") == "articles/example.com_8080/a/b/index.json"
    assert path("https://example.com:443") == "articles/example.com/index.json"
    assert path("https://x.de/../etc/pa ss%20wd") == "articles/x.de/_/etc/pa_ss_20wd.json"
    assert path("https://x.de/" + "a" * 300) == "articles/x.de/" + "a" * 200 + ".json"
    assert player_data_guid_path("https://x.de/?p=1") == "articles/guid/https___x.de__p_1.json"


def test_player_data_content(settings, store):
    article_id = add_episode(store, settings, 3, canonical="https://www.example.de/kanonisch-3.html",
                             image="https://bilder.example.de/3.jpg")
    data = json.loads((settings.output_dir / player_data_path(
        "https://www.example.de/kanonisch-3.html")).read_text(encoding="utf-8"))
    row = latest_episode(store, article_id)
    assert data["schema"] == 1 and data["guid"] == row.episode.guid
    assert data["canonical_url"] == "https://www.example.de/kanonisch-3.html" and data["url"] == url_of(3)
    assert data["image"] == "https://bilder.example.de/3.jpg"
    assert data["published"] == "2024-01-01T03:00:00+00:00"
    assert data["audio"] == {"url": f"{settings.public_base_url}/audio/{row.episode.file_name}",
                             "type": "audio/mpeg", "bytes": row.episode.bytes, "duration_s": 4.5}
    assert data["chapters"] == [{"title": "Titel 3", "start_s": 0.0, "end_s": 4.5}]
    assert [(p["index"], p["kind"], p["text"], p["start_s"], p["end_s"]) for p in data["paragraphs"]] == [
        (0, "title", "Titel 3", 0.0, 1.5), (1, "paragraph", "Absatz 3.", 2.4, 4.0)
    ]


def test_old_versions_are_swept_after_the_grace_period(settings, store):
    now = datetime.now(UTC)
    add_episode(store, settings, 1, version=1, created=now - timedelta(days=20))
    add_episode(store, settings, 1, version=2, created=now - timedelta(days=8))
    add_episode(store, settings, 2, version=1, created=now - timedelta(days=3))
    add_episode(store, settings, 2, version=2, created=now - timedelta(days=2))
    publishing.publish_feed("sample", settings, store)
    out = settings.output_dir
    for rel in episode_files("sample00001-v1.mp3"):
        assert not (out / rel).exists() and (out / ".gone" / rel).exists(), rel
    for name in ("sample00001-v2.mp3", "sample00002-v1.mp3", "sample00002-v2.mp3"):
        assert (out / "audio" / name).exists() and not (out / ".gone/audio" / name).exists()
    settings.old_versions_grace_days = 1
    publishing.publish_feed("sample", settings, store)
    assert not (out / "audio/sample00002-v1.mp3").exists() and (out / ".gone/audio/sample00002-v1.mp3").exists()
    assert (out / "audio/sample00002-v2.mp3").exists()


def test_article_is_named_by_id_url_canonical_url_or_guid(settings, store):
    article_id = add_episode(store, settings, 4, canonical="https://www.example.de/kanonisch_4%.html")
    add_episode(store, settings, 5)
    resolve = publishing.resolve_article
    assert resolve(article_id, settings) == article_id
    assert resolve(url_of(4), settings) == article_id
    assert resolve(" https://www.example.de/kanonisch_4%.html ", settings) == article_id
    assert resolve("guid-sample-4", settings) == article_id
    with pytest.raises(LookupError, match="no article"):
        resolve("https://www.example.de/kanonisch_5%.html", settings)


@pytest.mark.parametrize("command", [["withdraw"], ["restore"], ["regenerate", "--dry-run"], ["status", "--article"]])
def test_an_unknown_article_is_a_one_line_error(settings, store, capsys, command):
    add_episode(store, settings, 1)
    code = main([*command, "https://nirgends.example/x.html"], settings=settings)
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip().count("\n") == 0 and "no article" in err and "Traceback" not in err


def test_status_filters_by_article(settings, store, capsys):
    add_episode(store, settings, 1)
    add_episode(store, settings, 2)
    assert main(["status", "--article", "guid-sample-2"], settings=settings) == 0
    out = capsys.readouterr().out
    assert "Titel 2" in out and "Titel 1" not in out

