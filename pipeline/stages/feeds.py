"""Poll a news feed: feedparser turns RSS/Atom into FeedEntry records.

Polls over HTTP send the last ETag / Last-Modified so an unchanged feed costs one 304.
"""

from __future__ import annotations

import calendar
import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import feedparser

from pipeline.config import Settings
from pipeline.models import FeedEntry, FeedError, FetchError
from pipeline.stages import clean
from pipeline.stages.fetch import fetch

FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/xml",
    "text/xml",
    "application/rdf+xml",
    "application/feed+json",
)


@dataclass
class FeedPoll:
    url: str
    entries: list[FeedEntry] = field(default_factory=list)
    title: str = ""
    etag: str | None = None
    modified: str | None = None
    not_modified: bool = False
    # Entries left out at the entrance, each "link: why" (a javascript: link, no host, ...).
    refused: list[str] = field(default_factory=list)


def _when(*parsed: time.struct_time | None) -> datetime | None:
    """The first of feedparser's parsed (UTC) times that is there, as an aware datetime."""
    found = next((p for p in parsed if p), None)
    return datetime.fromtimestamp(calendar.timegm(found), tz=UTC) if found else None


# A feed needs no document type: its internal subset is where entity bombs and external
# entities live, and feedparser's fallback parser spends seconds on nested entities.
_DOCTYPE = re.compile(rb"<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>", re.S | re.I)


def without_doctype(data: bytes) -> bytes:
    head, rest = data[:65536], data[65536:]
    return _DOCTYPE.sub(b"", head, count=1) + rest


def parse_feed(
    data: bytes, url: str, settings: Settings | None = None, *, content_type: str = "", known_items: int = 0
) -> FeedPoll:
    """Parse feed bytes. Relative article links are resolved against ``url``; ``content_type``
    is what the server said (feedparser flags a document without one).

    Every entry is cleaned here (control characters, bidi overrides, title length), and an
    entry whose link is not an absolute http(s) URL is left out: nothing later publishes it.
    ``known_items`` counts the items a prefilter removed as seen before: a feed that had items,
    all of them known or refused, is a good feed with nothing new, not a broken one."""
    limits = settings or Settings()
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(without_doctype(data), response_headers=headers)
    entries: list[FeedEntry] = []
    refused: list[str] = []
    for item in parsed.entries:
        link = item.get("link", "").strip()
        if not link:
            continue
        # A feed without <guid> still needs a stable identity: the link is the best there is.
        raw = FeedEntry(
            guid=(item.get("id") or "").strip() or link,
            url=link,
            title=item.get("title", ""),
            published=_when(item.get("published_parsed"), item.get("updated_parsed")),
            summary=item.get("summary", ""),
            updated=_when(item.get("updated_parsed")),
        )
        entry = clean.clean_entry(
            raw,
            title_limit=limits.max_title_chars,
            guid_limit=limits.max_guid_chars,
            allow_file=limits.allow_local_files and url.startswith("file:"),
        )
        if entry is None:
            refused.append(f"{clean.clean_text(link)[:200]}: not an http(s) link")
            continue
        entries.append(entry)
    # feedparser reads what it can of broken XML; a feed that yields no usable entry and is
    # malformed (or not a feed at all) is an error the operator must see, not an empty feed.
    if not entries and not refused and not known_items and (parsed.bozo or not parsed.version):
        problem = parsed.get("bozo_exception") or "no RSS or Atom root element"
        raise FeedError(f"{url} is not a readable RSS/Atom feed ({problem!s}); check the feed URL")
    title = clean.clean_title(parsed.feed.get("title", ""), limits.max_title_chars)
    return FeedPoll(url=url, entries=entries, title=title, refused=refused)


def poll(
    url: str, settings: Settings, *, etag: str | None = None, modified: str | None = None,
    prefilter: Callable[[bytes], tuple[bytes, int]] | None = None,
) -> FeedPoll:
    """Fetch and parse a feed; ``not_modified`` is set when the server answered 304.
    ``prefilter`` may drop items from the body before parsing (items seen before); it returns
    the body and how many items it dropped."""
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if modified:
        headers["If-Modified-Since"] = modified
    try:
        page = fetch(url, settings, headers=headers, accept=FEED_TYPES, kind="feed")
    except FetchError as exc:
        raise FeedError(str(exc), reason="feed-" + exc.reason) from exc
    if page.status == 304:
        return FeedPoll(url=url, etag=etag, modified=modified, not_modified=True)
    body, known = prefilter(page.body) if prefilter else (page.body, 0)
    result = parse_feed(body, page.url, settings, content_type=page.headers.get("content-type", ""), known_items=known)
    result.etag = page.headers.get("etag")
    result.modified = page.headers.get("last-modified")
    return result


def entry_id(feed_name: str, guid: str) -> str:
    """A short, file-name-safe id for an entry, stable for as long as the feed keeps its guid."""
    return hashlib.sha256(f"{feed_name}\x00{guid}".encode()).hexdigest()[:16]
