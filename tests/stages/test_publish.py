from __future__ import annotations

import io
import os
import threading
from datetime import UTC, datetime

import feedparser
import podcastparser

from pipeline.config import Channel
from pipeline.files import atomic_write
from pipeline.models import Episode
from pipeline.stages.publish.names import audio_file_name
from pipeline.stages.publish.output import write_feed
from pipeline.stages.publish.rss import render_feed


def episode(guid: str, version: int, day: int) -> Episode:
    return Episode(
        guid=guid, episode_id=f"id{guid}", version=version, title=f"Titel {guid}", description=f"Lead {guid}",
        link=f"https://www.n-tv.de/{guid}.html", published=datetime(2024, 1, day, 9, 30, tzinfo=UTC),
        voice="espeak-de", text_hash="h", file_name=audio_file_name(f"id{guid}", version), bytes=12345,
        duration_s=61.6,
    )


def feed_xml(*episodes: Episode) -> bytes:
    channel = Channel(title="Kanal", description="Beschreibung", link="https://www.n-tv.de/", author="ntv.de")
    return render_feed(
        channel, list(episodes), feed_name="politik", feed_title="ntv Politik", public_base_url="https://cdn.example/na/"
    )


def test_podcastparser_lists_every_episode_with_its_mp3():
    parsed = podcastparser.parse("https://cdn.example/na/feeds/politik.xml", io.BytesIO(feed_xml(
        episode("a", 1, 2), episode("b", 3, 5)
    )))
    assert parsed["title"] == "ntv Politik"
    assert parsed["language"] == "de"
    assert parsed["explicit"] is False
    by_guid = {e["guid"]: e for e in parsed["episodes"]}
    assert set(by_guid) == {"a", "b"}
    b = by_guid["b"]
    assert b["enclosures"] == [{"url": "https://cdn.example/na/audio/idb-v3.mp3", "file_size": 12345,
                                "mime_type": "audio/mpeg"}]
    assert b["total_time"] == 62
    assert b["description"] == "Lead b"
    assert b["published"] == int(datetime(2024, 1, 5, 9, 30, tzinfo=UTC).timestamp())


def test_feedparser_reads_channel_and_itunes_fields_without_complaint():
    parsed = feedparser.parse(feed_xml(episode("a", 1, 2)))
    assert not parsed.bozo
    ch = parsed.feed
    assert ch.title == "ntv Politik" and ch.language == "de"
    assert ch.author_detail.name == "ntv.de"
    assert ch.image.href == "https://cdn.example/na/cover.png"
    assert ch.tags[0].term == "News"
    assert any(link.rel == "self" and link.href == "https://cdn.example/na/feeds/politik.xml" for link in ch.links)
    item = parsed.entries[0]
    assert item.id == "a" and item.guidislink is False
    assert item.itunes_duration == "62"
    assert item.published == "Tue, 02 Jan 2024 09:30:00 +0000"


def test_each_item_links_its_transcript():
    parsed = feedparser.parse(feed_xml(episode("a", 2, 2)))
    xml = feed_xml(episode("a", 2, 2)).decode()
    assert not parsed.bozo
    assert '<podcast:transcript url="https://cdn.example/na/audio/ida-v2.txt" type="text/plain" language="de"/>' in xml


def test_newest_episode_comes_first():
    parsed = feedparser.parse(feed_xml(episode("old", 1, 2), episode("new", 1, 9)))
    assert [e.id for e in parsed.entries] == ["new", "old"]


def test_a_reader_never_sees_half_a_file(tmp_path):
    target = tmp_path / "feeds" / "politik.xml"
    big_a, big_b = b"A" * 3_000_000, b"B" * 3_000_000
    atomic_write(target, big_a)
    seen: set[bytes] = set()
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            data = target.read_bytes()
            seen.add(data[:1] + data[-1:] + str(len(data)).encode())

    t = threading.Thread(target=reader)
    t.start()
    for i in range(20):
        atomic_write(target, big_b if i % 2 else big_a)
    stop.set()
    t.join()
    assert seen <= {b"AA3000000", b"BB3000000"}
    assert [p.name for p in target.parent.iterdir()] == ["politik.xml"]  # no temp files left


def test_write_feed_adds_a_square_cover(tmp_path):
    path = write_feed(tmp_path, "politik", feed_xml(episode("a", 1, 2)))
    assert path == tmp_path / "feeds" / "politik.xml"
    cover = (tmp_path / "cover.png").read_bytes()
    assert cover[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(cover[16:20], "big") == int.from_bytes(cover[20:24], "big") == 1400
    assert oct(os.stat(path).st_mode)[-3:] == "644"
