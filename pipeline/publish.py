"""Publish episodes: MP3 files and the podcast RSS feed, written atomically.

A podcast app or the website may read output/ at any moment, so every file is written to a
temp name in the same folder, flushed, and renamed over the old one. The feed is rendered
whole from the episode records each time, never patched.
"""

from __future__ import annotations

import json
import os
import struct
import tempfile
import zlib
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

from lxml import etree

from pipeline.config import Channel
from pipeline.models import Episode
from pipeline.sweep import writer_tag

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
ATOM = "http://www.w3.org/2005/Atom"
PODCAST = "https://podcastindex.org/namespace/1.0"
NSMAP = {"itunes": ITUNES, "atom": ATOM, "podcast": PODCAST}
COVER_NAME = "cover.png"


def audio_file_name(episode_id: str, version: int) -> str:
    return f"{episode_id}-v{version}.mp3"


def transcript_file_name(audio_file: str) -> str:
    return audio_file.removesuffix(".mp3") + ".txt"


def atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # The writer's tag (host, pid) lets pipeline.sweep remove the file if this process dies.
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{writer_tag()}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _join(base: str, *parts: str) -> str:
    return "/".join([base.rstrip("/"), *parts])


def audio_url(public_base_url: str, file_name: str) -> str:
    return _join(public_base_url, "audio", file_name)


def feed_url(public_base_url: str, feed_name: str) -> str:
    return _join(public_base_url, "feeds", f"{feed_name}.xml")


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrib: str) -> etree._Element:
    el = etree.SubElement(parent, tag, attrib)
    if text is not None:
        el.text = text
    return el


def render_feed(
    channel: Channel,
    episodes: list[Episode],
    *,
    feed_name: str,
    feed_title: str,
    public_base_url: str,
    built: datetime | None = None,
) -> bytes:
    """RSS 2.0 with the itunes namespace; newest episode first."""
    rss = etree.Element("rss", nsmap=NSMAP, version="2.0")
    ch = _sub(rss, "channel")
    title = feed_title or channel.title
    _sub(ch, "title", title)
    _sub(ch, "link", channel.link)
    _sub(ch, "description", channel.description)
    _sub(ch, "language", channel.language)
    _sub(ch, "generator", "newsaudio")
    _sub(ch, "lastBuildDate", format_datetime(built or datetime.now(UTC)))
    _sub(ch, f"{{{ATOM}}}link", href=feed_url(public_base_url, feed_name), rel="self", type="application/rss+xml")
    _sub(ch, f"{{{ITUNES}}}author", channel.author)
    _sub(ch, f"{{{ITUNES}}}summary", channel.description)
    image = channel.image or _join(public_base_url, COVER_NAME)
    _sub(ch, f"{{{ITUNES}}}image", href=image)
    img = _sub(ch, "image")
    _sub(img, "url", image)
    _sub(img, "title", title)
    _sub(img, "link", channel.link)
    etree.SubElement(ch, f"{{{ITUNES}}}category", {"text": channel.category})
    _sub(ch, f"{{{ITUNES}}}explicit", "false")
    _sub(ch, f"{{{ITUNES}}}type", "episodic")
    ordered = sorted(
        episodes,
        key=lambda e: e.published or datetime.min.replace(tzinfo=UTC),
        reverse=True,
    )
    for ep in ordered:
        item = _sub(ch, "item")
        _sub(item, "title", ep.title)
        _sub(item, "description", ep.description)
        _sub(item, "link", ep.link)
        _sub(item, "guid", ep.guid, isPermaLink="false")
        if ep.published:
            _sub(item, "pubDate", format_datetime(ep.published.astimezone(UTC)))
        _sub(
            item,
            "enclosure",
            url=audio_url(public_base_url, ep.file_name),
            length=str(ep.bytes),
            type="audio/mpeg",
        )
        _sub(item, f"{{{ITUNES}}}duration", str(round(ep.duration_s)))
        # Podcasting 2.0 transcript: apps that show text (and listeners who read) get the article.
        _sub(
            item,
            f"{{{PODCAST}}}transcript",
            url=audio_url(public_base_url, transcript_file_name(ep.file_name)),
            type="text/plain",
            language=channel.language,
        )
        _sub(item, f"{{{ITUNES}}}explicit", "false")
        _sub(item, f"{{{ITUNES}}}episodeType", "full")
    return etree.tostring(rss, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def render_player_index(episodes: list[Episode], *, public_base_url: str) -> bytes:
    """What the website needs to put a player next to each article: by article URL, the
    newest MP3, its length and transcript. A static file, so no server has to answer it."""
    index = {
        ep.link: {
            "guid": ep.guid,
            "title": ep.title,
            "audio": audio_url(public_base_url, ep.file_name),
            "transcript": audio_url(public_base_url, transcript_file_name(ep.file_name)),
            "duration_s": round(ep.duration_s, 1),
            "bytes": ep.bytes,
            "version": ep.version,
            "chapters": [{"title": c.title, "start_s": c.start_ms / 1000} for c in ep.chapters],
        }
        for ep in sorted(episodes, key=lambda e: e.link)
    }
    return json.dumps(index, ensure_ascii=False, indent=1).encode("utf-8")


def write_feed(output_dir: Path, feed_name: str, xml: bytes, player_index: bytes | None = None) -> Path:
    """Write the podcast feed (and the website's player index beside it)."""
    path = output_dir / "feeds" / f"{feed_name}.xml"
    if player_index is not None:
        atomic_write(path.with_suffix(".json"), player_index)
    atomic_write(path, xml)
    cover = output_dir / COVER_NAME
    if not cover.exists():
        atomic_write(cover, cover_png())
    return path


def write_audio(output_dir: Path, file_name: str, mp3: bytes, transcript: str = "") -> Path:
    """Write the MP3, then its transcript: a transcript never points at an MP3 not there yet.
    Both exist before the episode is recorded, so a listed episode always has both."""
    path = output_dir / "audio" / file_name
    atomic_write(path, mp3)
    if transcript:
        atomic_write(output_dir / "audio" / transcript_file_name(file_name), transcript.encode("utf-8"))
    return path


def cover_png(size: int = 1400, rgb: tuple[int, int, int] = (0x1F, 0x3A, 0x5F)) -> bytes:
    """A plain square cover: podcast directories reject feeds without a 1400 px image."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    row = b"\x00" + bytes(rgb) * size
    raw = zlib.compress(row * size, 9)
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")
