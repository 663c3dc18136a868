"""Publish episodes: MP3 files and the podcast RSS feed, written atomically.

A podcast app or the website may read output/ at any moment, so every file is written to a
temp name in the same folder, flushed, and renamed over the old one. The feed is rendered
whole from the episode records each time, never patched.
"""

from __future__ import annotations

import json
import re
import shutil
import struct
import uuid
import zlib
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from lxml import etree

from pipeline.config import Channel
from pipeline.files import atomic_write, write_if_changed
from pipeline.models import Episode
from pipeline.stages.clean import drop_unprintable
from pipeline.stages.publish.names import article_json_path, guid_json_path
from pipeline.stages.publish.transcripts import Cue, chapter_spans, paragraphs

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
ATOM = "http://www.w3.org/2005/Atom"
PODCAST = "https://podcastindex.org/namespace/1.0"
NSMAP = {"itunes": ITUNES, "atom": ATOM, "podcast": PODCAST}
COVER_NAME = "cover.png"
# podcast:guid is a UUIDv5 of the feed URL in this namespace (Podcasting 2.0 spec).
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
# Every file one episode version has in output/audio/, by suffix after its stem.
EPISODE_SUFFIXES = (".mp3", ".txt", ".vtt", ".json", ".chapters.json")
GONE_DIR = ".gone"


def audio_file_name(episode_id: str, version: int) -> str:
    return f"{episode_id}-v{version}.mp3"


def stem(audio_file: str) -> str:
    return audio_file.removesuffix(".mp3")


def transcript_file_name(audio_file: str) -> str:
    return stem(audio_file) + ".txt"


def vtt_file_name(audio_file: str) -> str:
    return stem(audio_file) + ".vtt"


def json_transcript_file_name(audio_file: str) -> str:
    return stem(audio_file) + ".json"


def chapters_file_name(audio_file: str) -> str:
    return stem(audio_file) + ".chapters.json"


def episode_files(audio_file: str) -> list[str]:
    """Paths under output/ of every file of one episode version."""
    return [f"audio/{stem(audio_file)}{suffix}" for suffix in EPISODE_SUFFIXES]


def podcast_guid(url: str) -> str:
    """podcast:guid: UUIDv5 of the feed URL without its scheme and trailing slashes."""
    bare = re.sub(r"^[A-Za-z][A-Za-z0-9+.-]*://", "", url.strip()).rstrip("/")
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, bare))


def player_data_path(url: str) -> str | None:
    """Where an article's player data lives under output/, by its canonical URL (None when the
    URL has no host). The player computes the same path in JavaScript: see article_paths."""
    return article_json_path(url)


def player_data_guid_path(guid: str) -> str | None:
    return guid_json_path(guid)


def gone_path(output_dir: Path, relpath: str) -> Path:
    """The tombstone of ``relpath``: servers answer 410 Gone while it exists."""
    return output_dir / GONE_DIR / relpath


def retire_file(output_dir: Path, relpath: str, keep_in: Path | None = None) -> bool:
    """Take a published file away: tombstone first (so it is never a plain 404), then the file
    is moved to ``keep_in`` (to restore it later) or deleted. True when a file was there."""
    atomic_write(gone_path(output_dir, relpath), b"")
    path = output_dir / relpath
    if not path.exists():
        return False
    if keep_in is None:
        path.unlink()
    else:
        target = keep_in / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(path), str(target))
    return True


def bring_back(output_dir: Path, relpath: str, kept_in: Path) -> bool:
    """Undo retire_file: the kept file goes back, then the tombstone is removed."""
    source = kept_in / relpath
    if source.exists():
        target = output_dir / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(source), str(target))
    found = (output_dir / relpath).exists()
    if found:
        gone_path(output_dir, relpath).unlink(missing_ok=True)
    return found


def _join(base: str, *parts: str) -> str:
    return "/".join([base.rstrip("/"), *parts])


def audio_url(public_base_url: str, file_name: str) -> str:
    return _join(public_base_url, "audio", file_name)


def feed_url(public_base_url: str, feed_name: str) -> str:
    return _join(public_base_url, "feeds", f"{feed_name}.xml")


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrib: str) -> etree._Element:
    # Control characters would make lxml refuse the whole feed: they go, as a last line of defence.
    el = etree.SubElement(parent, tag, {k: drop_unprintable(v) for k, v in attrib.items()})
    if text is not None:
        el.text = drop_unprintable(text)
    return el


def _channel_elements(ch: etree._Element, channel: Channel, self_url: str) -> None:
    _sub(ch, f"{{{PODCAST}}}guid", podcast_guid(self_url))
    owner_email = channel.owner_email.strip()
    locked = {"owner": owner_email} if owner_email else {}
    _sub(ch, f"{{{PODCAST}}}locked", "yes" if channel.locked else "no", **locked)
    owner_name = channel.owner_name or channel.author
    if owner_name or owner_email:
        owner = _sub(ch, f"{{{ITUNES}}}owner")
        if owner_name:
            _sub(owner, f"{{{ITUNES}}}name", owner_name)
        if owner_email:
            _sub(owner, f"{{{ITUNES}}}email", owner_email)
    if channel.copyright:
        _sub(ch, "copyright", channel.copyright)


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
    ordered = sorted(episodes, key=lambda e: e.published or datetime.min.replace(tzinfo=UTC), reverse=True)
    items = [render_item(channel, ep, public_base_url=public_base_url) for ep in ordered]
    return render_feed_around(
        channel, items, feed_name=feed_name, feed_title=feed_title, public_base_url=public_base_url, built=built
    )


def render_feed_around(
    channel: Channel,
    items: list[bytes],
    *,
    feed_name: str,
    feed_title: str,
    public_base_url: str,
    built: datetime | None = None,
) -> bytes:
    """The feed from items rendered by render_item, in the order given. Publishing keeps each
    item's bytes and renders only new ones, so adding an episode does not re-render the others."""
    rss = etree.Element("rss", nsmap=NSMAP, version="2.0")
    ch = _sub(rss, "channel")
    title = feed_title or channel.title
    _sub(ch, "title", title)
    _sub(ch, "link", channel.link)
    _sub(ch, "description", channel.description)
    _sub(ch, "language", channel.language)
    _sub(ch, "generator", "newsaudio")
    _sub(ch, "lastBuildDate", format_datetime(built or datetime.now(UTC)))
    self_url = feed_url(public_base_url, feed_name)
    _sub(ch, f"{{{ATOM}}}link", href=self_url, rel="self", type="application/rss+xml")
    _sub(ch, f"{{{ITUNES}}}author", channel.author)
    _sub(ch, f"{{{ITUNES}}}summary", channel.description)
    image = channel.image or _join(public_base_url, COVER_NAME)
    _channel_elements(ch, channel, self_url)
    _sub(ch, f"{{{ITUNES}}}image", href=image)
    img = _sub(ch, "image")
    _sub(img, "url", image)
    _sub(img, "title", title)
    _sub(img, "link", channel.link)
    etree.SubElement(ch, f"{{{ITUNES}}}category", {"text": channel.category})
    _sub(ch, f"{{{ITUNES}}}explicit", "false")
    _sub(ch, f"{{{ITUNES}}}type", "episodic")
    head = etree.tostring(rss, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    # Text is escaped, so the only "</channel>" is the element's own end tag.
    cut = head.rindex(b"  </channel>")
    return head[:cut] + b"".join(items) + head[cut:]


def render_item(channel: Channel, ep: Episode, *, public_base_url: str) -> bytes:
    """One episode's <item>, serialised exactly as it sits in a whole feed (indent included)."""
    rss = etree.Element("rss", nsmap=NSMAP, version="2.0")
    item = _sub(_sub(rss, "channel"), "item")
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
    if channel.episode_images and ep.image.startswith(("http://", "https://")):
        _sub(item, f"{{{ITUNES}}}image", href=ep.image)
    # Podcasting 2.0 transcripts, timed ones first (Apple ingests WebVTT), then the plain text.
    transcripts = [(transcript_file_name(ep.file_name), "text/plain")]
    if ep.timed:
        transcripts[:0] = [(vtt_file_name(ep.file_name), "text/vtt"),
                           (json_transcript_file_name(ep.file_name), "application/json")]
    for name, kind in transcripts:
        _sub(item, f"{{{PODCAST}}}transcript", url=audio_url(public_base_url, name), type=kind,
             language=channel.language)
    if ep.timed:
        _sub(item, f"{{{PODCAST}}}chapters", url=audio_url(public_base_url, chapters_file_name(ep.file_name)),
             type="application/json+chapters")
    _sub(item, f"{{{ITUNES}}}explicit", "false")
    _sub(item, f"{{{ITUNES}}}episodeType", "full")
    doc = etree.tostring(rss, encoding="UTF-8", pretty_print=True)
    start = doc.rindex(b"\n", 0, doc.index(b"<item>")) + 1
    return doc[start : doc.rindex(b"</item>") + len(b"</item>\n")]


def player_index_entry(ep: Episode, *, public_base_url: str) -> tuple[str, bytes]:
    """One episode's (key, JSON value) in the player index."""
    entry: dict[str, Any] = {
        "guid": ep.guid,
        "title": ep.title,
        "audio": audio_url(public_base_url, ep.file_name),
        "transcript": audio_url(public_base_url, transcript_file_name(ep.file_name)),
        "duration_s": round(ep.duration_s, 1),
        "bytes": ep.bytes,
        "version": ep.version,
        "chapters": [{"title": c.title, "start_s": c.start_ms / 1000} for c in ep.chapters],
    }
    if ep.timed:
        entry["vtt"] = audio_url(public_base_url, vtt_file_name(ep.file_name))
        entry["chapters_url"] = audio_url(public_base_url, chapters_file_name(ep.file_name))
    data_path = player_data_guid_path(ep.guid)
    if data_path:
        entry["player_data"] = _join(public_base_url, data_path)
    # Compact: the C encoder is several times faster than an indented dump at 300 entries.
    return ep.link, json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def player_index_around(entries: list[tuple[str, bytes]]) -> bytes:
    """The index object from player_index_entry's pairs, by URL (the last of equal URLs wins)."""
    index: dict[str, bytes] = {}
    for link, value in sorted(entries, key=lambda e: e[0]):
        index[link] = value
    body = b",".join(json.dumps(link, ensure_ascii=False).encode("utf-8") + b":" + value
                     for link, value in index.items())
    return b"{" + body + b"}"


def render_player_data(
    ep: Episode,
    cues: list[Cue] | None,
    *,
    canonical_url: str,
    feed: dict[str, str],
    public_base_url: str,
) -> bytes:
    """The per-article player data (schema 1, see the README): audio, transcripts, chapters and
    every paragraph with its sentences and their times."""
    timed = cues is not None
    data = {
        "schema": 1,
        "guid": ep.guid,
        "canonical_url": canonical_url or ep.link,
        "url": ep.link,
        "title": ep.title,
        "version": ep.version,
        "published": ep.published.isoformat() if ep.published else None,
        "image": ep.image or None,
        "feed": feed,
        "audio": {"url": audio_url(public_base_url, ep.file_name), "type": "audio/mpeg", "bytes": ep.bytes,
                  "duration_s": round(ep.duration_s, 3)},
        "transcripts": {
            "vtt": audio_url(public_base_url, vtt_file_name(ep.file_name)) if timed else None,
            "json": audio_url(public_base_url, json_transcript_file_name(ep.file_name)) if timed else None,
        },
        "chapters_url": audio_url(public_base_url, chapters_file_name(ep.file_name)) if timed else None,
        "chapters": [{"title": c.title, "start_s": start, "end_s": end}
                     for c, start, end in chapter_spans(ep.chapters, ep.duration_s)],
        "paragraphs": paragraphs(cues or []),
    }
    return json.dumps(_cleaned(data), ensure_ascii=False, indent=1).encode("utf-8")


def _cleaned(value: Any) -> Any:
    if isinstance(value, str):
        return drop_unprintable(value)
    if isinstance(value, dict):
        return {k: _cleaned(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_cleaned(v) for v in value]
    return value


def write_feed(output_dir: Path, feed_name: str, xml: bytes, player_index: bytes | None = None) -> Path:
    """Write the podcast feed (and the website's player index beside it), each only when its
    bytes changed."""
    path = output_dir / "feeds" / f"{feed_name}.xml"
    if player_index is not None:
        write_if_changed(path.with_suffix(".json"), player_index)
    write_if_changed(path, xml)
    cover = output_dir / COVER_NAME
    if not cover.exists():
        atomic_write(cover, cover_png())
    return path


def write_audio(
    output_dir: Path, file_name: str, mp3: bytes, transcript: str = "", sidecars: dict[str, bytes] | None = None
) -> Path:
    """Write the MP3, then its transcript and the other files beside it (``sidecars``, by file
    name): a transcript never points at an MP3 not there yet. All exist before the episode is
    recorded, so a listed episode always has them all."""
    path = output_dir / "audio" / file_name
    atomic_write(path, mp3)
    if transcript:
        atomic_write(output_dir / "audio" / transcript_file_name(file_name), transcript.encode("utf-8"))
    for name, data in (sidecars or {}).items():
        atomic_write(output_dir / "audio" / name, data)
    return path


def cover_png(size: int = 1400, rgb: tuple[int, int, int] = (0x1F, 0x3A, 0x5F)) -> bytes:
    """A plain square cover: podcast directories reject feeds without a 1400 px image."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    row = b"\x00" + bytes(rgb) * size
    raw = zlib.compress(row * size, 9)
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")
