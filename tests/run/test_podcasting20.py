"""Podcasting 2.0 and the big apps' own rules: chapter times in the description (Spotify reads
them there), podcast:medium, updateFrequency, txt, podroll and person on a published feed, and
the OPML list of all feeds. Every feed must still parse with feedparser and podcastparser."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import feedparser
import podcastparser
import pytest
from lxml import etree

from pipeline.config import FeedConfig
from pipeline.models import Chapter, Episode
from pipeline.run import publishing
from pipeline.stages.publish.names import podcast_guid
from pipeline.stages.publish.rss import (
    byline_names,
    chapter_lines,
    render_feed_around,
    render_item,
    update_frequency,
)
from pipeline.state.articles import get_article, save_prepared
from pipeline.state.store import open_store
from tests.support.fake_episodes import add_episode

PODCAST = "{https://podcastindex.org/namespace/1.0}"


def episode(n: int, chapters: list[Chapter]) -> Episode:
    return Episode(
        guid=f"guid-{n}", episode_id=f"a{n}", version=1, title=f"Titel {n}", description=f"Absatz {n}.",
        link=f"https://www.example.de/{n}.html", published=datetime(2024, 1, 1, n, tzinfo=UTC), voice="v",
        text_hash="h", file_name=f"a{n}-v1.mp3", bytes=1000, duration_s=4000.0, chapters=chapters, timed=True,
    )


def parsed_both(xml: bytes, url: str) -> dict:
    assert not feedparser.parse(xml).bozo
    return podcastparser.parse(url, io.BytesIO(xml))


def test_three_chapters_go_into_the_description_two_do_not(settings):
    three = episode(1, [Chapter("Wahl: <Ergebnis> & Folgen", 900), Chapter("Reaktionen", 65_000),
                        Chapter("Ausblick", 3_725_000)])
    two = episode(2, [Chapter("Titel", 0), Chapter("Mehr", 30_000)])
    items = [render_item(settings.channel, ep, public_base_url=settings.public_base_url) for ep in (three, two)]
    xml = render_feed_around(settings.channel, items, feed_name="sample", feed_title="",
                             public_base_url=settings.public_base_url)
    parsed = parsed_both(xml, "https://audio.example.de/feeds/sample.xml")
    apps = {e["title"]: e["description"] for e in parsed["episodes"]}
    assert "00:01:05 Reaktionen\n01:02:05 Ausblick" in apps["Titel 1"]
    assert apps["Titel 2"] == "Absatz 2."
    described = {i.findtext("title"): i.findtext("description") for i in etree.fromstring(xml).iter("item")}
    # The first chapter starts after a disclosure here: the list still opens at zero, and one
    # chapter past the hour puts every line in HH:MM:SS. Titles stay text, escaped.
    assert described["Titel 1"] == (
        "Absatz 1.\n\n00:00:00 Wahl: <Ergebnis> & Folgen\n00:01:05 Reaktionen\n01:02:05 Ausblick"
    )
    assert b"&lt;Ergebnis&gt; &amp; Folgen" in xml


def test_chapter_lines_ascend_and_need_three():
    assert chapter_lines([Chapter("A", 0), Chapter("B", 12_000), Chapter("C", 75_500)]) == [
        "00:00 A", "00:12 B", "01:15 C"
    ]
    # Two chapters in the same second: one line, and then fewer than three.
    assert chapter_lines([Chapter("A", 0), Chapter("B", 5_000), Chapter("C", 5_400)]) == []


def test_update_frequency_follows_the_poll_interval():
    assert update_frequency(15) == ("FREQ=MINUTELY;INTERVAL=15", "Alle 15 Minuten")
    assert update_frequency(60) == ("FREQ=HOURLY", "Stündlich")
    assert update_frequency(120) == ("FREQ=HOURLY;INTERVAL=2", "Alle 2 Stunden")
    assert update_frequency(1440) == ("FREQ=DAILY", "Täglich")


def test_byline_names_each_person_once():
    assert byline_names("Von Anna Muster und Ben Beispiel, Anna Muster") == ["Anna Muster", "Ben Beispiel"]
    assert byline_names("") == []


@pytest.fixture
def newsroom(settings):
    settings.public_base_url = "https://audio.example.de"
    settings.poll_minutes = 60
    settings.channel.txt_verify = "S6lpp-7ZCn8 <&>"
    settings.feeds = [
        FeedConfig(name="sample", url="http://127.0.0.1:9/feed.xml", title="Beispiel"),
        FeedConfig(name="sport", url="http://127.0.0.1:9/sport.xml", title="Sport & Spiel",
                   link="https://www.example.de/sport/"),
    ]
    return settings


def test_the_channel_has_medium_frequency_txt_and_a_podroll(newsroom):
    store = open_store(newsroom)
    add_episode(store, newsroom, 1)
    publishing.publish_feed("sample", newsroom, store)
    xml = (newsroom.feeds_dir / "sample.xml").read_bytes()
    parsed_both(xml, "https://audio.example.de/feeds/sample.xml")
    ch = etree.fromstring(xml).find("channel")
    assert ch.findtext(f"{PODCAST}medium") == "podcast"
    freq = ch.find(f"{PODCAST}updateFrequency")
    assert (freq.get("rrule"), freq.text) == ("FREQ=HOURLY", "Stündlich")
    txt = ch.find(f"{PODCAST}txt")
    assert (txt.get("purpose"), txt.text) == ("verify", "S6lpp-7ZCn8 <&>")
    remote = ch.findall(f"{PODCAST}podroll/{PODCAST}remoteItem")
    sport = "https://audio.example.de/feeds/sport.xml"
    assert [(r.get("feedGuid"), r.get("feedUrl")) for r in remote] == [(podcast_guid(sport), sport)]
    # Without a token there is no txt; published again, the same feed gives the same bytes.
    newsroom.channel.txt_verify = ""
    publishing.publish_feed("sample", newsroom, store)
    again = (newsroom.feeds_dir / "sample.xml").read_bytes()
    assert b"podcast:txt" not in again
    publishing.publish_feed("sample", newsroom, store)
    assert (newsroom.feeds_dir / "sample.xml").read_bytes() == again


def test_index_opml_lists_every_feed(newsroom):
    store = open_store(newsroom)
    add_episode(store, newsroom, 1)
    publishing.publish_feed("sample", newsroom, store)
    opml = newsroom.output_dir / "feeds" / "index.opml"
    first = opml.read_bytes()
    outlines = etree.fromstring(first).findall("body/outline")
    assert [(o.get("xmlUrl"), o.get("title"), o.get("type")) for o in outlines] == [
        ("https://audio.example.de/feeds/sample.xml", "Beispiel", "rss"),
        ("https://audio.example.de/feeds/sport.xml", "Sport & Spiel", "rss"),
    ]
    assert outlines[1].get("htmlUrl") == "https://www.example.de/sport/"
    publishing.publish_feed("sample", newsroom, store)
    assert opml.read_bytes() == first


def test_a_byline_becomes_podcast_person(newsroom):
    store = open_store(newsroom)
    with_author = add_episode(store, newsroom, 1)
    add_episode(store, newsroom, 2)
    article = get_article(store, with_author).article()
    article.author = "Von Anna <Muster> und Ben Beispiel"
    save_prepared(store, with_author, article)
    publishing.publish_feed("sample", newsroom, store)
    xml = (newsroom.feeds_dir / "sample.xml").read_bytes()
    parsed_both(xml, "https://audio.example.de/feeds/sample.xml")
    items = {i.findtext("title"): i for i in etree.fromstring(xml).iter("item")}
    persons = items["Titel 1"].findall(f"{PODCAST}person")
    assert [(p.text, p.get("group"), p.get("role")) for p in persons] == [
        ("Anna <Muster>", "writing", "author"), ("Ben Beispiel", "writing", "author"),
    ]
    assert items["Titel 2"].findall(f"{PODCAST}person") == []
