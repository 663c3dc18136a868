"""Which article an entry announces: an article is the story, not the entry that announced it.

A feed entry (or a CMS push) is matched to a stored article in this order:
1. its link, without fragment and tracking parameters (``utm_*``, ``fbclid``, ...), against
   every link and canonical URL an article is known by (the canonical URL is recorded when the
   page is extracted): a push and a poll of the same story, a GUID that changes on every poll
   and a link with a new tracking parameter all find the one article;
2. its GUID, against the GUID an article was first announced with: a story whose link moved
   keeps its article (the new link is remembered too);
3. otherwise it is a new article, with the id and podcast GUID it has always had
   (``entry_id(feed, guid)`` and the entry's GUID).
Two entries of one poll that share a GUID but link to different stories stay two articles:
the second gets a GUID of its own (the GUID with ``#`` and a hash of its link) and the log says
so. An article's podcast GUID (``articles.guid``) never changes once published.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.engine import Connection

from pipeline.models import FeedEntry
from pipeline.state.schema import article_keys
from pipeline.state.store import Store, insert_new
from pipeline.state.story_keys import guid_key, story_url, url_key

log = logging.getLogger("newsaudio.identity")


def _owners(conn: Connection, keys: Sequence[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    unique = sorted(set(keys))
    for lo in range(0, len(unique), 500):
        query = select(article_keys.c.key_hash, article_keys.c.article_id).where(
            article_keys.c.key_hash.in_(unique[lo : lo + 500]))
        found.update({r.key_hash: r.article_id for r in conn.execute(query)})
    return found


def remember(conn: Connection, article_id: str, *, urls: Sequence[str] = (), guid: str = "") -> None:
    """Keys an article is known by from now on (a key another article holds stays with it)."""
    rows = [{"key_hash": url_key(u), "kind": "url", "article_id": article_id} for u in urls if u]
    if guid:
        rows.append({"key_hash": guid_key(guid), "kind": "guid", "article_id": article_id})
    if rows:
        insert_new(conn, article_keys, list({r["key_hash"]: r for r in rows}.values()))


def identify(
    store: Store, feed_name: str, entries: Sequence[FeedEntry], new_id: Callable[[str, str], str]
) -> list[tuple[str, FeedEntry]]:
    """Each entry's article id (found by the rules above, or ``new_id(feed_name, guid)`` for a
    new story) and the entry as it is to be recorded (a GUID of its own when two stories of this
    poll share one). The keys of each decision are remembered at once, so the same story in the
    next entry, poll or push finds this article."""
    with store.engine.begin() as conn:
        owners = _owners(conn, [url_key(e.url) for e in entries] + [guid_key(e.guid) for e in entries])
        decided: dict[int, tuple[str, FeedEntry]] = {}
        claimed: dict[str, str] = {}  # GUID -> the story (link) that holds it in this poll
        # Entries whose link is known first: they say which story each GUID belongs to now.
        for i, entry in enumerate(entries):
            by_url = owners.get(url_key(entry.url))
            if by_url:
                decided[i] = (by_url, entry)
                claimed.setdefault(entry.guid, story_url(entry.url))
        for i, entry in enumerate(entries):
            if i in decided:
                continue
            link = story_url(entry.url)
            by_guid = owners.get(guid_key(entry.guid))
            if claimed.get(entry.guid, link) != link:
                own = f"{entry.guid}#{hashlib.sha256(link.encode()).hexdigest()[:12]}"
                log.warning("feed %s: two stories share the GUID %r (%s and %s): they stay two articles, the "
                            "second as %r", feed_name, entry.guid[:200], claimed[entry.guid][:200], link[:200],
                            own[:200])
                entry = replace(entry, guid=own)
                article_id = owners.get(guid_key(own)) or new_id(feed_name, own)
                remember(conn, article_id, urls=[entry.url], guid=own)
            elif by_guid:
                article_id = by_guid  # the story moved to a new link: remember that one too
                remember(conn, article_id, urls=[entry.url])
            else:
                article_id = new_id(feed_name, entry.guid)
                remember(conn, article_id, urls=[entry.url], guid=entry.guid)
                owners[guid_key(entry.guid)] = article_id
            claimed.setdefault(entry.guid, link)
            owners[url_key(entry.url)] = article_id
            decided[i] = (article_id, entry)
    return [decided[i] for i in range(len(entries))]


def remember_canonical(store: Store, article_id: str, canonical_url: str) -> None:
    """The page's own URL for the story, recorded at extraction: a later push or entry that
    links to it finds this article."""
    if canonical_url:
        with store.engine.begin() as conn:
            remember(conn, article_id, urls=[canonical_url])


