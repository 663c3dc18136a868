"""The podcast RSS feed: the channel (iTunes and Podcasting 2.0 tags, cover art) around the
items, each item rendered on its own so a publisher can reuse the bytes of unchanged ones."""

from __future__ import annotations

import struct
import zlib
from datetime import UTC, datetime
from email.utils import format_datetime

from lxml import etree

from pipeline.config import Channel
from pipeline.models import Episode
from pipeline.stages.clean import drop_unprintable
from pipeline.stages.publish.disclosure import channel_description
from pipeline.stages.publish.names import (
    COVER_NAME,
    _join,
    audio_url,
    chapters_file_name,
    feed_url,
    json_transcript_file_name,
    podcast_guid,
    transcript_file_name,
    vtt_file_name,
)

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"


ATOM = "http://www.w3.org/2005/Atom"


PODCAST = "https://podcastindex.org/namespace/1.0"


NSMAP = {"itunes": ITUNES, "atom": ATOM, "podcast": PODCAST}


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
    hubs: list[str] | None = None,
) -> bytes:
    """The feed from items rendered by render_item, in the order given. Publishing keeps each
    item's bytes and renders only new ones, so adding an episode does not re-render the others.
    ``hubs``: the WebSub hubs apps may subscribe at to hear of a change at once."""
    rss = etree.Element("rss", nsmap=NSMAP, version="2.0")
    ch = _sub(rss, "channel")
    title = feed_title or channel.title
    _sub(ch, "title", title)
    _sub(ch, "link", channel.link)
    # Every episode is synthetic speech: the channel says so too (Apple wants it in the metadata).
    description = channel_description(channel.description)
    _sub(ch, "description", description)
    _sub(ch, "language", channel.language)
    _sub(ch, "generator", "newsaudio")
    _sub(ch, "lastBuildDate", format_datetime(built or datetime.now(UTC)))
    self_url = feed_url(public_base_url, feed_name)
    _sub(ch, f"{{{ATOM}}}link", href=self_url, rel="self", type="application/rss+xml")
    for hub in hubs or []:
        _sub(ch, f"{{{ATOM}}}link", href=hub, rel="hub")
    _sub(ch, f"{{{ITUNES}}}author", channel.author)
    _sub(ch, f"{{{ITUNES}}}summary", description)
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


def cover_png(size: int = 1400, rgb: tuple[int, int, int] = (0x1F, 0x3A, 0x5F)) -> bytes:
    """A plain square cover: podcast directories reject feeds without a 1400 px image."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    row = b"\x00" + bytes(rgb) * size
    raw = zlib.compress(row * size, 9)
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")
