"""Feeds, their polls and the articles their entries announce: what each article's state is
(new -> prepared -> done | skipped | failed | withdrawn, with the reason), what a poll found,
what needs work now, and how an article is named (id, URL or GUID)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    DateTime,
    bindparam,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from pipeline.models import Article, Block, FeedEntry
from pipeline.state.schema import (
    article_feeds,
    article_keys,
    articles,
    episodes,
    feeds,
    now,
    utc,
)
from pipeline.state.store import Store, insert_new
from pipeline.state.story_keys import url_key


def upsert_feed(store: Store, name: str, url: str, title: str = "") -> None:
    # Two polls of a new feed at once both insert: the loser's row is simply not added. (A
    # caught IntegrityError would leave a PostgreSQL transaction aborted for what follows.)
    with store.engine.begin() as conn:
        insert_new(conn, feeds, [{"name": name, "url": url, "title": title}])
        conn.execute(update(feeds).where(feeds.c.name == name).values(url=url, title=title))


def feed_state(store: Store, name: str) -> tuple[str | None, str | None]:
    with store.engine.connect() as conn:
        row = conn.execute(select(feeds.c.etag, feeds.c.last_modified).where(feeds.c.name == name)).first()
    return (row.etag, row.last_modified) if row else (None, None)


def record_poll(store: Store, name: str, *, etag: str | None, modified: str | None, error: str | None = None
) -> None:
    values: dict[str, Any] = {"polled_at": now(), "error": error}
    if error is None:
        values.update(etag=etag, last_modified=modified)
    with store.engine.begin() as conn:
        conn.execute(update(feeds).where(feeds.c.name == name).values(**values))


def upsert_entry(store: Store, feed_name: str, article_id: str, entry: FeedEntry) -> bool:
    """Record a feed entry; True when it is new."""
    with store.engine.begin() as conn:
        exists = conn.execute(select(articles.c.id).where(articles.c.id == article_id)).first()
        if exists:
            conn.execute(
                update(articles)
                .where(articles.c.id == article_id)
                .values(url=entry.url, title=entry.title, published=entry.published, summary=entry.summary)
            )
            _relist(conn, [{"key": article_id, "published": entry.published}])
            return False
        try:
            conn.execute(
                articles.insert().values(
                    id=article_id,
                    feed=feed_name,
                    guid=entry.guid,
                    url=entry.url,
                    title=entry.title,
                    published=entry.published,
                    summary=entry.summary,
                    status="new",
                    attempts=0,
                    updated_at=now(),
                    seen_at=now(),
                )
            )
        except IntegrityError:
            return False  # another poller recorded it first
        return True


def get_article(store: Store, article_id: str) -> ArticleRow:
    with store.engine.connect() as conn:
        row = conn.execute(select(articles).where(articles.c.id == article_id)).first()
    if row is None:
        raise KeyError(f"no article with id {article_id}")
    return _article_row(row)


def _article_row(row: Any) -> ArticleRow:
    return ArticleRow(
        id=row.id,
        feed=row.feed,
        guid=row.guid,
        url=row.url,
        title=row.title or "",
        published=utc(row.published),
        summary=row.summary or "",
        status=row.status,
        reason=row.reason or "",
        message=row.message or "",
        attempts=row.attempts or 0,
        text_hash=row.text_hash,
        article_json=row.article_json,
        updated_at=utc(row.updated_at),
        ignored_at=utc(row.ignored_at),
    )


def list_articles(store: Store, feed_name: str | None = None, status: str | None = None) -> list[ArticleRow]:
    query = select(articles).order_by(articles.c.feed, articles.c.published.desc(), articles.c.id)
    if feed_name:
        query = query.where(articles.c.feed == feed_name)
    if status:
        query = query.where(articles.c.status == status)
    with store.engine.connect() as conn:
        return [_article_row(r) for r in conn.execute(query)]


def article_states(store: Store, article_ids: list[str]) -> dict[str, tuple[str, datetime | None]]:
    """Status and last change of some articles, in one query (`run --queue` watches them)."""
    if not article_ids:
        return {}
    found: dict[str, tuple[str, datetime | None]] = {}
    with store.engine.connect() as conn:
        for lo in range(0, len(article_ids), 500):
            chosen = articles.c.id.in_(article_ids[lo : lo + 500])
            query = select(articles.c.id, articles.c.status, articles.c.updated_at).where(chosen)
            found.update({r.id: (r.status, utc(r.updated_at)) for r in conn.execute(query)})
    return found


def save_prepared(store: Store, article_id: str, article: Article,
                  language_guesses: dict[str, list[Any]] | None = None) -> None:
    """Record the cleaned article (and, beside it, the language guesses its preparation made for
    the speech stage's foreign spans, so the synth worker need not make them again)."""
    data = article.to_dict()
    if language_guesses:
        data["language_guesses"] = language_guesses
    with store.engine.begin() as conn:
        conn.execute(
            update(articles)
            .where(articles.c.id == article_id)
            .values(
                status="prepared",
                reason="",
                message="",
                title=article.spoken_title,
                text_hash=article.text_hash(),
                article_json=json.dumps(data, ensure_ascii=False),
                updated_at=now(),
            )
        )


def set_status(store: Store, article_id: str, status: str, reason: str = "", message: str = "") -> None:
    with store.engine.begin() as conn:
        values = status_values(status, reason, message)
        conn.execute(update(articles).where(articles.c.id == article_id).values(**values))


def stuck_articles(
    store: Store, older_than: datetime, statuses: tuple[str, ...] = ("new", "prepared")
) -> list[ArticleRow]:
    """Articles left in an intermediate state since before ``older_than``."""
    query = select(articles).where(articles.c.status.in_(statuses), articles.c.updated_at < older_than)
    with store.engine.connect() as conn:
        return [_article_row(r) for r in conn.execute(query.order_by(articles.c.updated_at))]


def touch(store: Store, article_id: str) -> None:
    """Mark an article as just handled (a re-queue), without changing its state."""
    with store.engine.begin() as conn:
        conn.execute(update(articles).where(articles.c.id == article_id).values(updated_at=now()))


def record_entries(
    store: Store, feed_name: str, entries: list[tuple[str, FeedEntry, str, str | None]], now: datetime
) -> tuple[int, int]:
    """Record one poll's entries, ``(article_id, entry, fingerprint, item hash)``, in one transaction.
    A new entry is stored as new; a known one whose fingerprint differs is updated and made
    due at once. A story another feed announced first stays that feed's article (its entry
    there drives refreshes) and is listed in this feed too. Returns (new, changed)."""
    ids = [article_id for article_id, *_ in entries]
    known: dict[str, str | None] = {}
    home: dict[str, str] = {}
    with store.engine.begin() as conn:
        for lo in range(0, len(ids), 500):  # bounded IN lists: only this poll's entries are read
            query = select(articles.c.id, articles.c.entry_hash, articles.c.feed).where(
                articles.c.id.in_(ids[lo : lo + 500]))
            for r in conn.execute(query):
                known[r.id], home[r.id] = r.entry_hash, r.feed
        elsewhere = {a for a in ids if home.get(a, feed_name) != feed_name}
        if elsewhere:
            insert_new(conn, article_feeds, [{"article_id": a, "feed": feed_name} for a in sorted(elsewhere)])
        entries = [e for e in entries if e[0] not in elsewhere]
        fresh: dict[str, dict[str, Any]] = {}
        changed: list[dict[str, Any]] = []
        adopt: list[dict[str, Any]] = []
        for article_id, entry, fingerprint, item_hash in entries:
            values = {"url": entry.url, "title": entry.title, "published": entry.published,
                      "summary": entry.summary, "entry_hash": fingerprint, "item_hash": item_hash}
            if article_id not in known:
                fresh.setdefault(article_id, {
                    "id": article_id, "feed": feed_name, "guid": entry.guid, **values, "status": "new",
                    "attempts": 0, "updated_at": now, "seen_at": now,
                })
            elif known[article_id] is None:  # stored before fingerprints existed: adopt, no refetch
                adopt.append({"key": article_id, **values})
            elif known[article_id] != fingerprint:
                changed.append({"key": article_id, **values, "next_check_at": now})
        if fresh:  # a concurrent poll of the same feed may have recorded some of them first
            insert_new(conn, articles, list(fresh.values()))
        unchanged = [{"key": a, "item_hash": h} for a, _, f, h in entries if h and known.get(a) == f]
        if unchanged:  # same entry, new bytes (say, a reordered attribute): remember the bytes
            conn.execute(update(articles).where(articles.c.id == bindparam("key"))
                         .values(item_hash=bindparam("item_hash")), unchanged)
        for rows, due in ((adopt, False), (changed, True)):
            if not rows:
                continue
            values = {k: bindparam(k) for k in ("url", "title", "published", "summary", "entry_hash", "item_hash")}
            if due:
                # A given-up failure gets fresh attempts when the newsroom changes its entry.
                values.update(next_check_at=bindparam("next_check_at"), attempts=0)
            conn.execute(update(articles).where(articles.c.id == bindparam("key")).values(**values), rows)
            _relist(conn, [{"key": r["key"], "published": r["published"]} for r in rows])
    return len(fresh), len(changed)


def known_items(store: Store, feed_name: str, hashes: list[str]) -> set[str]:
    """Which of these raw-item hashes this feed has stored (indexed lookups, in batches)."""
    found: set[str] = set()
    with store.engine.connect() as conn:
        for lo in range(0, len(hashes), 500):
            query = select(articles.c.item_hash).where(
                articles.c.feed == feed_name, articles.c.item_hash.in_(hashes[lo : lo + 500])
            )
            found.update(r.item_hash for r in conn.execute(query))
    return found


def work_needed(
    store: Store, feed_name: str, now: datetime, max_attempts: int, *, max_new: int | None = None
) -> list[str]:
    """Ids of the feed's articles that need a fetch now: new or half-done ones, failures with
    attempts left (or whose slow retry is due), and finished ones whose entry changed or whose
    revisit is due; of the new ones only the newest ``max_new`` (the rest wait for later polls,
    so a feed of 20,000 entries costs a bounded poll). Answered by the database from small
    indexed columns; no article text is loaded."""
    newest_first = (articles.c.published.desc().nulls_last(), articles.c.id)
    mine = articles.c.feed == feed_name
    fresh = select(articles.c.id, articles.c.published).where(mine, articles.c.status == "new").order_by(*newest_first)
    if max_new is not None:
        fresh = fresh.limit(max(0, max_new))
    others = select(articles.c.id, articles.c.published).where(
        mine,
        articles.c.ignored_at.is_(None),  # a failure an editor ignored is never retried by a poll
        or_(
            articles.c.status == "prepared",
            (articles.c.status == "failed") & (articles.c.attempts < max_attempts),
            # failed all its attempts: tried again only on the slow schedule (failed_retry_after_s)
            articles.c.status.in_(("done", "skipped", "failed")) & (articles.c.next_check_at <= now),
        ),
    )
    with store.engine.connect() as conn:
        rows = {r.id: utc(r.published) for query in (fresh, others) for r in conn.execute(query)}
    # the database's order: newest first, undated last, then by id
    dated = sorted((a for a, p in rows.items() if p is not None), key=lambda a: (-rows[a].timestamp(), a))  # type: ignore[union-attr]
    return dated + sorted(a for a, p in rows.items() if p is None)


SEARCH_MAX_CHARS = 100
SEARCH_MAX_HITS = 1000


def search_articles(store: Store, query: str, limit: int = SEARCH_MAX_HITS) -> set[str]:
    """Ids of articles whose title, URL or stored text contains ``query`` (case-insensitive).
    Bounded: the query is cut to SEARCH_MAX_CHARS and at most ``limit`` ids come back, so a
    console search costs one indexed-or-scanned query, never a Python pass over every text."""
    needle = " ".join(query.split())[:SEARCH_MAX_CHARS]
    if not needle:
        return set()
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    hit = or_(*(c.ilike(pattern, escape="\\") for c in (articles.c.title, articles.c.url, articles.c.article_json)))
    with store.engine.connect() as conn:
        return {r.id for r in conn.execute(select(articles.c.id).where(hit).limit(max(0, limit)))}


def set_ignored(store: Store, article_id: str, ignored: bool) -> bool:
    """Mark a failed article ignored (or not); False when there is no such article, or (when
    ignoring) it is not failed. An ignored article keeps its status and reason."""
    where = articles.c.id == article_id
    if ignored:
        where = where & (articles.c.status == "failed")
    with store.engine.begin() as conn:
        changed = conn.execute(update(articles).where(where).values(ignored_at=now() if ignored else None))
    return bool(changed.rowcount)


def page_state(store: Store, article_id: str) -> tuple[str | None, str | None, datetime | None]:
    """(ETag, Last-Modified, first seen) of an article's page."""
    query = select(articles.c.etag, articles.c.last_modified, articles.c.seen_at).where(articles.c.id == article_id)
    with store.engine.connect() as conn:
        row = conn.execute(query).first()
    return (row.etag, row.last_modified, utc(row.seen_at)) if row else (None, None, None)


def record_check(store: Store, article_id: str, next_check_at: datetime | None, *, etag: str | None = None,
    modified: str | None = None, validators: bool = False,
) -> None:
    """After a fetch: when to look again, and (with ``validators``) the page's new ones."""
    values: dict[str, Any] = {"next_check_at": next_check_at}
    if validators:
        values.update(etag=etag, last_modified=modified)
    with store.engine.begin() as conn:
        conn.execute(update(articles).where(articles.c.id == article_id).values(**values))


def find_articles(store: Store, text: str) -> list[str]:
    """Ids of the articles ``text`` names: an id, a URL (feed or canonical) or a GUID."""
    text = text.strip()
    if not text:
        return []
    variants = {text, text.rstrip("/"), text.rstrip("/") + "/"}
    with store.engine.connect() as conn:
        if conn.execute(select(articles.c.id).where(articles.c.id == text)).first():
            return [text]
        if "://" in text:  # the story a link names, however the link was dressed (pipeline/state/identity.py)
            named = article_keys.c.key_hash == url_key(text)
            owner = conn.execute(select(article_keys.c.article_id).where(named)).scalar()
            if owner:
                return [owner]
        ids = [r.id for r in conn.execute(
            select(articles.c.id).where(or_(articles.c.url.in_(variants), articles.c.guid == text))
        )]
        if ids or "://" not in text:
            return sorted(set(ids))
        # The canonical URL lives in the stored article; a LIKE finds candidates, the JSON decides.
        escaped = text.rstrip("/").replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        candidates = conn.execute(
            select(articles.c.id, articles.c.article_json).where(
                articles.c.article_json.like(f"%{escaped}%", escape="\\")
            )
        )
        for row in candidates:
            canonical = (json.loads(row.article_json or "{}").get("canonical_url") or "")
            if canonical in variants:
                ids.append(row.id)
    return sorted(set(ids))


class UnknownArticle(LookupError):
    """No article (or more than one) answers to what the user typed."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown article"


@dataclass
class ArticleRow:
    id: str
    feed: str
    guid: str
    url: str
    title: str
    published: datetime | None
    summary: str
    status: str
    reason: str
    message: str
    attempts: int
    text_hash: str | None
    article_json: str | None
    updated_at: datetime | None = None
    ignored_at: datetime | None = None

    def article(self) -> Article | None:
        if not self.article_json:
            return None
        data = json.loads(self.article_json)
        data.pop("spoken_title", None)
        data.pop("language_guesses", None)
        data["blocks"] = [Block(**b) for b in data.get("blocks", [])]
        if data.get("published"):
            data["published"] = datetime.fromisoformat(data["published"])
        return Article(**data)


def language_guesses(row: ArticleRow) -> dict[str, list[Any]]:
    """The language guesses recorded with the prepared article (save_prepared), or none."""
    if not row.article_json:
        return {}
    found = json.loads(row.article_json).get("language_guesses")
    return found if isinstance(found, dict) else {}


def status_values(status: str, reason: str = "", message: str = "") -> dict[str, Any]:
    """The article columns a status change sets."""
    values: dict[str, Any] = {"status": status, "reason": reason, "message": message, "updated_at": now()}
    if status == "failed":
        values["attempts"] = articles.c.attempts + 1
    elif status == "done":
        values["attempts"] = 0
    return values


def _relist(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """An article's date changed (``key``, ``published``): its episodes sort by the new one."""
    published = bindparam("published", type_=DateTime(timezone=True))
    conn.execute(
        update(episodes).where(episodes.c.article_id == bindparam("key"))
        .values(listed_at=func.coalesce(published, episodes.c.created_at)),
        rows,
    )


def feeds_listing(store: Store, article_id: str) -> list[str]:
    """The feeds that list an article: its own first, then those that share the story."""
    with store.engine.connect() as conn:
        own = conn.execute(select(articles.c.feed).where(articles.c.id == article_id)).scalar()
        shared = conn.execute(select(article_feeds.c.feed).where(article_feeds.c.article_id == article_id)
                              .order_by(article_feeds.c.feed)).scalars().all()
    return ([own] if own else []) + [f for f in shared if f != own]
