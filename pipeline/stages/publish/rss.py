"""The podcast RSS feed: the channel (iTunes and Podcasting 2.0 tags, cover art) around the
items, each item rendered on its own so a publisher can reuse the bytes of unchanged ones."""

from __future__ import annotations

import re
import struct
import zlib
from datetime import UTC, datetime
from email.utils import format_datetime

from lxml import etree

from pipeline.config import Channel
from pipeline.models import Chapter, Episode
from pipeline.stages.clean import drop_unprintable
from pipeline.stages.opus import OPUS_TYPE, bitrate_bps
from pipeline.stages.publish.disclosure import channel_description
from pipeline.stages.publish.names import (
    COVER_NAME,
    _join,
    audio_url,
    chapters_file_name,
    feed_url,
    json_transcript_file_name,
    opus_file_name,
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


def update_frequency(poll_minutes: float) -> tuple[str, str]:
    """(rrule, text) of podcast:updateFrequency for a feed polled every ``poll_minutes``: a new
    episode can appear after any poll, so the poll interval is the schedule (RFC 5545 RRULE, in
    the largest whole unit; the text is what apps may show, in German like the feed)."""
    minutes = max(1, round(poll_minutes))
    if minutes % 1440 == 0:
        n, freq, one, many = minutes // 1440, "DAILY", "Täglich", "Alle {n} Tage"
    elif minutes % 60 == 0:
        n, freq, one, many = minutes // 60, "HOURLY", "Stündlich", "Alle {n} Stunden"
    else:
        n, freq, one, many = minutes, "MINUTELY", "Jede Minute", "Alle {n} Minuten"
    if n == 1:
        return f"FREQ={freq}", one
    return f"FREQ={freq};INTERVAL={n}", many.format(n=n)


def _channel_elements(
    ch: etree._Element, channel: Channel, self_url: str, *, poll_minutes: float | None, podroll: list[str]
) -> None:
    _sub(ch, f"{{{PODCAST}}}guid", podcast_guid(self_url))
    _sub(ch, f"{{{PODCAST}}}medium", "podcast")
    if poll_minutes is not None:
        rrule, text = update_frequency(poll_minutes)
        _sub(ch, f"{{{PODCAST}}}updateFrequency", text, rrule=rrule)
    if channel.txt_verify.strip():
        _sub(ch, f"{{{PODCAST}}}txt", channel.txt_verify.strip(), purpose="verify")
    if podroll:
        # The newsroom's other podcasts, named by their podcast:guid (what apps look them up by).
        roll = _sub(ch, f"{{{PODCAST}}}podroll")
        for url in podroll:
            _sub(roll, f"{{{PODCAST}}}remoteItem", feedGuid=podcast_guid(url), feedUrl=url)
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
    poll_minutes: float | None = None,
    podroll: list[str] | None = None,
) -> bytes:
    """The feed from items rendered by render_item, in the order given. Publishing keeps each
    item's bytes and renders only new ones, so adding an episode does not re-render the others.
    ``hubs``: the WebSub hubs apps may subscribe at to hear of a change at once;
    ``poll_minutes``: how often new episodes can appear (podcast:updateFrequency);
    ``podroll``: the URLs of the newsroom's other feeds (podcast:podroll)."""
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
    _channel_elements(ch, channel, self_url, poll_minutes=poll_minutes, podroll=podroll or [])
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


# Spotify (and YouTube-style players) make chapters only from timestamp lines in the
# description, and only when there are at least three of them, the first at 00:00.
MIN_DESCRIPTION_CHAPTERS = 3


def _clock(seconds: int, hours: bool) -> str:
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h:02d}:{m:02d}:{s:02d}" if hours else f"{m:02d}:{s:02d}"


def chapter_lines(chapters: list[Chapter]) -> list[str]:
    """``MM:SS Titel`` per chapter (``HH:MM:SS`` throughout when one starts past an hour), or
    none for fewer than three. The first line says 00:00 whatever the first chapter's start (a
    disclosure may precede the title): apps ignore lists that do not start at zero. A chapter
    starting in the same second as the one before is left out, since times must ascend."""
    lines: list[tuple[int, str]] = []
    for c in chapters:
        title = " ".join(c.title.split())
        at = 0 if not lines else max(0, c.start_ms) // 1000
        if title and (not lines or at > lines[-1][0]):
            lines.append((at, title))
    if len(lines) < MIN_DESCRIPTION_CHAPTERS:
        return []
    hours = lines[-1][0] >= 3600
    return [f"{_clock(at, hours)} {title}" for at, title in lines]


def item_description(ep: Episode) -> str:
    """The episode's description, and its chapter list below it when it has enough chapters."""
    lines = chapter_lines(ep.chapters)
    if not lines:
        return ep.description
    return "\n\n".join(p for p in (ep.description, "\n".join(lines)) if p)


# "Von Anna Muster und Ben Beispiel", "Anna Muster, Ben Beispiel / dpa": one person each.
_BYLINE_SPLIT = re.compile(r"\s*(?:,|;|/|&|\bund\b|\band\b)\s*")
_BYLINE_FROM = re.compile(r"^(?:von|by)\s+", re.IGNORECASE)
MAX_PERSON_CHARS = 128  # the namespace's limit for a podcast:person name
MAX_PERSONS = 10


def byline_names(byline: str) -> list[str]:
    """The people a byline names, in order, without duplicates."""
    names: list[str] = []
    for part in _BYLINE_SPLIT.split(_BYLINE_FROM.sub("", " ".join(byline.split()))):
        name = _BYLINE_FROM.sub("", part).strip(" .")
        if name and len(name) <= MAX_PERSON_CHARS and name not in names:
            names.append(name)
    return names[:MAX_PERSONS]


def render_item(channel: Channel, ep: Episode, *, public_base_url: str, byline: str = "") -> bytes:
    """One episode's <item>, serialised exactly as it sits in a whole feed (indent included).
    ``byline``: the article's author as its page states it (podcast:person, never spoken)."""
    rss = etree.Element("rss", nsmap=NSMAP, version="2.0")
    item = _sub(_sub(rss, "channel"), "item")
    _sub(item, "title", ep.title)
    _sub(item, "description", item_description(ep))
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
    if ep.opus_bytes:
        _alternate_opus(item, ep, public_base_url)
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
    # The taxonomy's "Author": wrote text that is now read verbatim, which is what happens here.
    for name in byline_names(byline):
        _sub(item, f"{{{PODCAST}}}person", name, group="writing", role="author")
    _sub(item, f"{{{ITUNES}}}explicit", "false")
    _sub(item, f"{{{ITUNES}}}episodeType", "full")
    doc = etree.tostring(rss, encoding="UTF-8", pretty_print=True)
    start = doc.rindex(b"\n", 0, doc.index(b"<item>")) + 1
    return doc[start : doc.rindex(b"</item>") + len(b"</item>\n")]


# What apps show for the Opus version in a choice of files ("economy version").
OPUS_TITLE = "Sparversion"


def _alternate_opus(item: etree._Element, ep: Episode, public_base_url: str) -> None:
    """podcast:alternateEnclosure for the low-bandwidth Opus version (Podcasting 2.0): where it
    is (podcast:source) and what its bytes hash to (podcast:integrity, SRI), so an app can check
    the file. The MP3 stays the <enclosure> every app plays."""
    alt = _sub(item, f"{{{PODCAST}}}alternateEnclosure", type=OPUS_TYPE, length=str(ep.opus_bytes),
               bitrate=str(bitrate_bps(ep.opus_bytes, ep.duration_s)), title=OPUS_TITLE)
    _sub(alt, f"{{{PODCAST}}}source", uri=audio_url(public_base_url, opus_file_name(ep.file_name)))
    if ep.opus_integrity:
        _sub(alt, f"{{{PODCAST}}}integrity", type="sri", value=ep.opus_integrity)


def render_opml(title: str, feeds: list[tuple[str, str, str]]) -> bytes:
    """OPML 2.0 subscription list of (title, feed URL, website URL) per feed. No dates in it, so
    the same feeds give the same bytes."""
    opml = etree.Element("opml", version="2.0")
    _sub(_sub(opml, "head"), "title", title)
    body = _sub(opml, "body")
    for name, xml_url, html_url in feeds:
        attrib = {"type": "rss", "text": name, "title": name, "xmlUrl": xml_url}
        if html_url:
            attrib["htmlUrl"] = html_url
        _sub(body, "outline", **attrib)
    return etree.tostring(opml, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def cover_png(size: int = 1400, rgb: tuple[int, int, int] = (0x1F, 0x3A, 0x5F)) -> bytes:
    """A plain square cover: podcast directories reject feeds without a 1400 px image."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    row = b"\x00" + bytes(rgb) * size
    raw = zlib.compress(row * size, 9)
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")
