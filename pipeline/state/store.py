"""The store: what is known about feeds, articles and episodes. SQLite by default, PostgreSQL
by URL. The store is the truth; queues only carry article ids."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    bindparam,
    cast,
    create_engine,
    event,
    exists,
    func,
    inspect,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.sql import Select

from pipeline.config import Settings
from pipeline.models import Article, Block, Chapter, Episode, FeedEntry

metadata = MetaData()


class DuplicateEpisode(Exception):
    """Another worker recorded this episode version first (a task ran twice at once)."""

# Anonymous listening numbers from the website's player (web/events.py): one counter per
# article GUID, episode version, UTC day, event and value. Nothing about a listener is kept.
listen_counts = Table(
    "listen_counts",
    metadata,
    Column("guid", String(300), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("day", Date, primary_key=True),
    Column("event", String(20), primary_key=True),
    Column("value", String(20), primary_key=True),
    Column("count", Integer, nullable=False, default=0),
)

feeds = Table(
    "feeds",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("url", Text, nullable=False),
    Column("title", Text, default=""),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("polled_at", DateTime(timezone=True)),
    Column("error", Text),
)

articles = Table(
    "articles",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("feed", String(100), ForeignKey("feeds.name"), nullable=False, index=True),
    Column("guid", Text, nullable=False),
    Column("url", Text, nullable=False),
    Column("title", Text, default=""),
    Column("published", DateTime(timezone=True)),
    Column("summary", Text, default=""),
    # new -> prepared -> done | skipped | failed
    Column("status", String(20), nullable=False, default="new", index=True),
    Column("reason", String(60), default=""),
    Column("message", Text, default=""),
    Column("attempts", Integer, nullable=False, default=0),
    Column("text_hash", String(64)),
    Column("article_json", Text),
    Column("updated_at", DateTime(timezone=True)),
    # Poll bookkeeping: what the feed said last (a hash), the page's validators for conditional
    # GETs, when the entry was first seen and when it is next due for a revisit (null = never).
    Column("entry_hash", String(64)),
    Column("item_hash", String(64), index=True),  # of the item's raw XML: byte-identical items skip parsing
    Column("etag", Text),
    Column("last_modified", Text),
    Column("seen_at", DateTime(timezone=True)),
    Column("next_check_at", DateTime(timezone=True), index=True),
)

episodes = Table(
    "episodes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("article_id", String(32), ForeignKey("articles.id"), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("voice", Text, nullable=False),
    Column("voice_is_fallback", Integer, nullable=False, default=0),
    Column("text_hash", String(64), nullable=False),
    Column("lexicon_version", String(64), nullable=False, default=""),
    Column("content_key", String(64), nullable=False),
    Column("file_name", Text, nullable=False),
    Column("bytes", Integer, nullable=False),
    Column("duration_s", Float, nullable=False),
    Column("title", Text, default=""),
    Column("description", Text, default=""),
    Column("chapters_json", Text, default="[]"),
    Column("created_at", DateTime(timezone=True)),
    # What a feed lists, answerable from an index instead of a scan of the archive: the feed,
    # the time the feed sorts by (the article's date, else the episode's) and when a newer
    # version replaced this one (null: it is the newest).
    Column("feed", String(100)),
    Column("listed_at", DateTime(timezone=True)),
    Column("replaced_at", DateTime(timezone=True), index=True),
    UniqueConstraint("article_id", "version", name="uq_episode_version"),
    Index("ix_episodes_listing", "feed", "listed_at"),
)


# What publishing needs beyond the episode row, kept in tables of their own so existing
# databases gain them without a migration: the article's image and the timed sentences
# (transcripts and read-along are rebuilt from these), the last feed build, and which
# superseded versions' files have been swept.
episode_extras = Table(
    "episode_extras",
    metadata,
    Column("article_id", String(32), ForeignKey("articles.id"), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("image", Text, default=""),
    Column("cues_json", Text),
)

feed_builds = Table(
    "feed_builds",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("content_hash", String(64), nullable=False),
    Column("built_at", DateTime(timezone=True), nullable=False),
    # When the feed was last published, changed or not: what the reconciler compares with the
    # newest episode (the file's time moves only when its bytes do).
    Column("published_at", DateTime(timezone=True)),
)

retired_versions = Table(
    "retired_versions",
    metadata,
    Column("article_id", String(32), ForeignKey("articles.id"), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("retired_at", DateTime(timezone=True)),
)


def _insert_new(conn: Any, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows, skipping those whose key exists already (added meanwhile by another worker)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif conn.dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        conn.execute(table.insert(), rows)
        return
    conn.execute(insert(table).on_conflict_do_nothing(), rows)


def _with_article_and_extras() -> Any:
    """Episodes joined to their article and, when recorded, their extras."""
    return episodes.join(articles, episodes.c.article_id == articles.c.id).outerjoin(
        episode_extras,
        (episode_extras.c.article_id == episodes.c.article_id) & (episode_extras.c.version == episodes.c.version),
    )


def _episodes_with_extras() -> Select[Any]:
    """Episodes with their article's identity and, when recorded, their image and timing flag."""
    return select(
        episodes, articles.c.guid, articles.c.url, articles.c.published,
        episode_extras.c.image, episode_extras.c.cues_json.is_not(None).label("timed"),
    ).select_from(_with_article_and_extras())


class UnknownArticle(LookupError):
    """No article (or more than one) answers to what the user typed."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown article"


# One render per article at a time: a worker holds "render:<article id>" until it is done or
# the lease expires (a worker that died cannot release it).
leases = Table(
    "leases",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("holder", Text, nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)


def _now() -> datetime:
    return datetime.now(UTC)


def _utc(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; everything we store is UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


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

    def article(self) -> Article | None:
        if not self.article_json:
            return None
        data = json.loads(self.article_json)
        data.pop("spoken_title", None)
        data["blocks"] = [Block(**b) for b in data.get("blocks", [])]
        if data.get("published"):
            data["published"] = datetime.fromisoformat(data["published"])
        return Article(**data)


@dataclass
class EpisodeRow:
    episode: Episode
    article_id: str
    content_key: str
    lexicon_version: str
    voice_is_fallback: bool


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # WAL lets the feed renderer read while a worker writes; busy_timeout rides out the brief
    # write locks that several worker processes on one machine take.
    cur = dbapi_conn.cursor()
    # The timeout first: switching to WAL takes a lock too, and several workers opening a new
    # store at once must wait for each other there as well.
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _add_missing_columns(conn: Connection) -> None:
    """create_all makes missing tables, not missing columns: add nullable columns that a newer
    version declares to a store made by an older one."""
    found = inspect(conn)
    for table in metadata.sorted_tables:
        if not found.has_table(table.name):
            continue
        have = {c["name"] for c in found.get_columns(table.name)}
        for column in table.columns:
            if column.name not in have and column.nullable and not column.primary_key:
                kind = column.type.compile(dialect=conn.dialect)
                conn.execute(text(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}'))
        for index in table.indexes:
            index.create(conn, checkfirst=True)


def _status(status: str, reason: str = "", message: str = "") -> dict[str, Any]:
    """The article columns a status change sets."""
    values: dict[str, Any] = {"status": status, "reason": reason, "message": message, "updated_at": _now()}
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


def _fill_listing(conn: Connection) -> None:
    """Episodes recorded before the listing columns existed get them once."""
    if conn.execute(select(episodes.c.id).where(episodes.c.feed.is_(None)).limit(1)).first() is None:
        return
    article = select(articles.c.feed).where(articles.c.id == episodes.c.article_id).scalar_subquery()
    published = select(articles.c.published).where(articles.c.id == episodes.c.article_id).scalar_subquery()
    later = episodes.alias("later")
    replaced = (
        select(func.min(later.c.created_at))
        .where(later.c.article_id == episodes.c.article_id, later.c.version > episodes.c.version)
        .scalar_subquery()
    )
    conn.execute(
        update(episodes).where(episodes.c.feed.is_(None))
        .values(feed=article, listed_at=func.coalesce(published, episodes.c.created_at), replaced_at=replaced)
    )


# Any fixed number: it names the one advisory lock that schema changes take on PostgreSQL.
_SCHEMA_LOCK = 0x6E657773


def make_schema(engine: Engine, tables: list[Table] | None = None) -> None:
    """Create missing tables and columns. Several workers and runs start at once against a new
    database, and each checks for a table before creating it: unless one waits for the other,
    both create it (PostgreSQL: a duplicate key in pg_type; SQLite: "already exists"). So the
    change holds PostgreSQL's advisory lock, or SQLite's write lock from its first statement.
    SQLite answers "database is locked" without waiting in a few cases (a brand-new file
    switching to WAL under several openers): that is tried again."""
    for attempt in range(5):
        try:
            with engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK})
                elif conn.dialect.name == "sqlite":
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
                metadata.create_all(conn, tables=tables)
                if tables is None:
                    _add_missing_columns(conn)
                    _fill_listing(conn)
            return
        except OperationalError as exc:
            if attempt == 4 or "database is locked" not in str(exc):
                raise
            time.sleep(0.2 * (attempt + 1))


class Store:
    def __init__(self, url: str, *, engine: Engine | None = None) -> None:
        self.url = url
        if engine is None and url.startswith("sqlite:///") and len(url) > len("sqlite:///"):
            Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        self.engine = engine or create_engine(url, pool_pre_ping=True)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        make_schema(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    # listening numbers ---------------------------------------------------------------------
    def has_guid(self, guid: str) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(articles.c.id).where(articles.c.guid == guid).limit(1)).first() is not None

    def count_listen(self, guid: str, version: int, event_name: str, value: str = "", day: date | None = None) -> None:
        """Add one to a counter; two web processes counting at once both count."""
        key = {"guid": guid, "version": version, "day": day or _now().date(), "event": event_name, "value": value}
        where = [listen_counts.c[k] == v for k, v in key.items()]
        bump = update(listen_counts).where(*where).values(count=listen_counts.c["count"] + 1)
        for _ in range(3):
            with self.engine.begin() as conn:
                if conn.execute(bump).rowcount:
                    return
            try:
                with self.engine.begin() as conn:
                    conn.execute(listen_counts.insert().values(**key, count=1))
                return
            except IntegrityError:
                continue  # another process inserted the row first: bump it

    def listen_totals(self) -> dict[str, dict[str, int]]:
        """Per GUID, each event's count over all days and versions."""
        query = select(listen_counts.c.guid, listen_counts.c.event, func.sum(listen_counts.c["count"])).group_by(
            listen_counts.c.guid, listen_counts.c.event
        )
        totals: dict[str, dict[str, int]] = {}
        with self.engine.connect() as conn:
            for guid, event_name, n in conn.execute(query):
                totals.setdefault(guid, {})[event_name] = int(n)
        return totals

    # feeds ---------------------------------------------------------------------------------
    def upsert_feed(self, name: str, url: str, title: str = "") -> None:
        # Two polls of a new feed at once both insert: the loser's row is simply not added. (A
        # caught IntegrityError would leave a PostgreSQL transaction aborted for what follows.)
        with self.engine.begin() as conn:
            _insert_new(conn, feeds, [{"name": name, "url": url, "title": title}])
            conn.execute(update(feeds).where(feeds.c.name == name).values(url=url, title=title))

    def feed_state(self, name: str) -> tuple[str | None, str | None]:
        with self.engine.connect() as conn:
            row = conn.execute(select(feeds.c.etag, feeds.c.last_modified).where(feeds.c.name == name)).first()
        return (row.etag, row.last_modified) if row else (None, None)

    def record_poll(
        self, name: str, *, etag: str | None, modified: str | None, error: str | None = None
    ) -> None:
        values: dict[str, Any] = {"polled_at": _now(), "error": error}
        if error is None:
            values.update(etag=etag, last_modified=modified)
        with self.engine.begin() as conn:
            conn.execute(update(feeds).where(feeds.c.name == name).values(**values))

    # articles ------------------------------------------------------------------------------
    def upsert_entry(self, feed_name: str, article_id: str, entry: FeedEntry) -> bool:
        """Record a feed entry; True when it is new."""
        with self.engine.begin() as conn:
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
                        updated_at=_now(),
                        seen_at=_now(),
                    )
                )
            except IntegrityError:
                return False  # another poller recorded it first
            return True

    def get_article(self, article_id: str) -> ArticleRow:
        with self.engine.connect() as conn:
            row = conn.execute(select(articles).where(articles.c.id == article_id)).first()
        if row is None:
            raise KeyError(f"no article with id {article_id}")
        return self._article_row(row)

    @staticmethod
    def _article_row(row: Any) -> ArticleRow:
        return ArticleRow(
            id=row.id,
            feed=row.feed,
            guid=row.guid,
            url=row.url,
            title=row.title or "",
            published=_utc(row.published),
            summary=row.summary or "",
            status=row.status,
            reason=row.reason or "",
            message=row.message or "",
            attempts=row.attempts or 0,
            text_hash=row.text_hash,
            article_json=row.article_json,
            updated_at=_utc(row.updated_at),
        )

    def list_articles(self, feed_name: str | None = None, status: str | None = None) -> list[ArticleRow]:
        query = select(articles).order_by(articles.c.feed, articles.c.published.desc(), articles.c.id)
        if feed_name:
            query = query.where(articles.c.feed == feed_name)
        if status:
            query = query.where(articles.c.status == status)
        with self.engine.connect() as conn:
            return [self._article_row(r) for r in conn.execute(query)]

    def article_states(self, article_ids: list[str]) -> dict[str, tuple[str, datetime | None]]:
        """Status and last change of some articles, in one query (`run --queue` watches them)."""
        if not article_ids:
            return {}
        found: dict[str, tuple[str, datetime | None]] = {}
        with self.engine.connect() as conn:
            for lo in range(0, len(article_ids), 500):
                chosen = articles.c.id.in_(article_ids[lo : lo + 500])
                query = select(articles.c.id, articles.c.status, articles.c.updated_at).where(chosen)
                found.update({r.id: (r.status, _utc(r.updated_at)) for r in conn.execute(query)})
        return found

    def save_prepared(self, article_id: str, article: Article) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(articles)
                .where(articles.c.id == article_id)
                .values(
                    status="prepared",
                    reason="",
                    message="",
                    title=article.spoken_title,
                    text_hash=article.text_hash(),
                    article_json=json.dumps(article.to_dict(), ensure_ascii=False),
                    updated_at=_now(),
                )
            )

    def set_status(self, article_id: str, status: str, reason: str = "", message: str = "") -> None:
        with self.engine.begin() as conn:
            conn.execute(update(articles).where(articles.c.id == article_id).values(**_status(status, reason, message)))

    def stuck_articles(self, older_than: datetime, statuses: tuple[str, ...] = ("new", "prepared")) -> list[ArticleRow]:
        """Articles left in an intermediate state since before ``older_than``."""
        query = select(articles).where(articles.c.status.in_(statuses), articles.c.updated_at < older_than)
        with self.engine.connect() as conn:
            return [self._article_row(r) for r in conn.execute(query.order_by(articles.c.updated_at))]

    def touch(self, article_id: str) -> None:
        """Mark an article as just handled (a re-queue), without changing its state."""
        with self.engine.begin() as conn:
            conn.execute(update(articles).where(articles.c.id == article_id).values(updated_at=_now()))

    # leases --------------------------------------------------------------------------------
    def acquire_lease(self, name: str, holder: str, seconds: float, *, replacing: str | None = None) -> bool:
        """Take the lease ``name`` for ``seconds``: free, expired, ours already, or held by
        ``replacing`` (a holder known to be dead). True when we hold it now."""
        now = _now()
        expires = datetime.fromtimestamp(now.timestamp() + seconds, tz=UTC)
        with self.engine.begin() as conn:
            taken = conn.execute(
                update(leases)
                .where(
                    leases.c.name == name,
                    (leases.c.expires_at < now) | leases.c.holder.in_([holder, replacing or holder]),
                )
                .values(holder=holder, expires_at=expires)
            ).rowcount
        if taken:
            return True
        try:
            with self.engine.begin() as conn:
                conn.execute(leases.insert().values(name=name, holder=holder, expires_at=expires))
        except IntegrityError:
            return False
        return True

    def release_lease(self, name: str, holder: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(leases.delete().where(leases.c.name == name, leases.c.holder == holder))

    def lease_holder(self, name: str) -> tuple[str, datetime] | None:
        """Who holds ``name`` and until when; None when nobody does (or it expired)."""
        with self.engine.connect() as conn:
            row = conn.execute(select(leases.c.holder, leases.c.expires_at).where(leases.c.name == name)).first()
        if row is None or _utc(row.expires_at) < _now():
            return None
        return row.holder, _utc(row.expires_at)
    # polls touch only what changed ---------------------------------------------------------
    def record_entries(
        self, feed_name: str, entries: list[tuple[str, FeedEntry, str, str | None]], now: datetime
    ) -> tuple[int, int]:
        """Record one poll's entries, ``(article_id, entry, fingerprint, item hash)``, in one transaction.
        A new entry is stored as new; a known one whose fingerprint differs is updated and made
        due at once. Returns (new, changed)."""
        ids = [article_id for article_id, *_ in entries]
        known: dict[str, str | None] = {}
        with self.engine.begin() as conn:
            for lo in range(0, len(ids), 500):  # bounded IN lists: only this poll's entries are read
                query = select(articles.c.id, articles.c.entry_hash).where(articles.c.id.in_(ids[lo : lo + 500]))
                known.update({r.id: r.entry_hash for r in conn.execute(query)})
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
                _insert_new(conn, articles, list(fresh.values()))
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

    def known_items(self, feed_name: str, hashes: list[str]) -> set[str]:
        """Which of these raw-item hashes this feed has stored (indexed lookups, in batches)."""
        found: set[str] = set()
        with self.engine.connect() as conn:
            for lo in range(0, len(hashes), 500):
                query = select(articles.c.item_hash).where(
                    articles.c.feed == feed_name, articles.c.item_hash.in_(hashes[lo : lo + 500])
                )
                found.update(r.item_hash for r in conn.execute(query))
        return found

    def work_needed(self, feed_name: str, now: datetime, max_attempts: int) -> list[str]:
        """Ids of the feed's articles that need a fetch now: new or half-done ones, failures with
        attempts left, and finished ones whose entry changed or whose revisit is due. Answered by
        the database from small indexed columns; no article text is loaded."""
        query = (
            select(articles.c.id)
            .where(
                articles.c.feed == feed_name,
                or_(
                    articles.c.status.in_(("new", "prepared")),
                    (articles.c.status == "failed") & (articles.c.attempts < max_attempts),
                    articles.c.status.in_(("done", "skipped")) & (articles.c.next_check_at <= now),
                ),
            )
            .order_by(articles.c.published.desc().nulls_last(), articles.c.id)
        )
        with self.engine.connect() as conn:
            return [r.id for r in conn.execute(query)]

    def page_state(self, article_id: str) -> tuple[str | None, str | None, datetime | None]:
        """(ETag, Last-Modified, first seen) of an article's page."""
        query = select(articles.c.etag, articles.c.last_modified, articles.c.seen_at).where(articles.c.id == article_id)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return (row.etag, row.last_modified, _utc(row.seen_at)) if row else (None, None, None)

    def record_check(
        self, article_id: str, next_check_at: datetime | None, *, etag: str | None = None,
        modified: str | None = None, validators: bool = False,
    ) -> None:
        """After a fetch: when to look again, and (with ``validators``) the page's new ones."""
        values: dict[str, Any] = {"next_check_at": next_check_at}
        if validators:
            values.update(etag=etag, last_modified=modified)
        with self.engine.begin() as conn:
            conn.execute(update(articles).where(articles.c.id == article_id).values(**values))

    # episodes ------------------------------------------------------------------------------
    def newest_episode_time(self, feed_name: str) -> datetime | None:
        query = select(func.max(episodes.c.created_at)).where(episodes.c.feed == feed_name)
        with self.engine.connect() as conn:
            return _utc(conn.execute(query).scalar())

    def latest_episode(self, article_id: str) -> EpisodeRow | None:
        query = (
            select(episodes, articles.c.guid, articles.c.url, articles.c.published)
            .join(articles, episodes.c.article_id == articles.c.id)
            .where(episodes.c.article_id == article_id)
            .order_by(episodes.c.version.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return self._episode_row(row) if row else None

    def add_episode(
        self,
        article_id: str,
        *,
        version: int,
        voice: str,
        voice_is_fallback: bool,
        text_hash: str,
        lexicon_version: str,
        content_key: str,
        file_name: str,
        size: int,
        duration_s: float,
        title: str,
        description: str,
        chapters: list[Chapter],
        image: str = "",
        cues: list[dict[str, Any]] | None = None,
        done: bool = False,
    ) -> EpisodeRow:
        """Record a new version with its extras (image, timed sentences) and, with ``done``, mark
        the article done, all in one transaction: no reader sees the episode without them."""
        extras = {"image": image, "cues_json": json.dumps(cues, ensure_ascii=False) if cues is not None else None}
        try:
            self._insert_episode(extras, done,
                article_id=article_id,
                version=version,
                voice=voice,
                voice_is_fallback=int(voice_is_fallback),
                text_hash=text_hash,
                lexicon_version=lexicon_version,
                content_key=content_key,
                file_name=file_name,
                bytes=size,
                duration_s=duration_s,
                title=title,
                description=description,
                chapters_json=json.dumps([c.__dict__ for c in chapters], ensure_ascii=False),
                created_at=_now(),
            )
        except IntegrityError as exc:
            raise DuplicateEpisode(f"episode {article_id} v{version} exists already") from exc
        latest = self.latest_episode(article_id)
        assert latest is not None
        return latest

    def _insert_episode(self, extras: dict[str, Any], done: bool, **values: Any) -> None:
        with self.engine.begin() as conn:
            article = conn.execute(
                select(articles.c.feed, articles.c.published).where(articles.c.id == values["article_id"])
            ).first()
            feed, published = (article.feed, article.published) if article else (None, None)
            conn.execute(episodes.insert().values(**values, feed=feed, listed_at=published or values["created_at"]))
            conn.execute(
                update(episodes)
                .where(episodes.c.article_id == values["article_id"], episodes.c.version < values["version"],
                       episodes.c.replaced_at.is_(None))
                .values(replaced_at=values["created_at"])
            )
            conn.execute(episode_extras.insert().values(article_id=values["article_id"], version=values["version"],
                                                        **extras))
            if done:
                conn.execute(update(articles).where(articles.c.id == values["article_id"]).values(**_status("done")))

    @staticmethod
    def _episode_row(row: Any) -> EpisodeRow:
        episode = Episode(
            guid=row.guid,
            episode_id=row.article_id,
            version=row.version,
            title=row.title or "",
            description=row.description or "",
            link=row.url,
            published=_utc(row.published) or _utc(row.created_at),
            voice=row.voice,
            text_hash=row.text_hash,
            file_name=row.file_name,
            bytes=row.bytes,
            duration_s=row.duration_s,
            chapters=[Chapter(**c) for c in json.loads(row.chapters_json or "[]")],
            created=_utc(row.created_at),
            image=row._mapping.get("image") or "",
            timed=bool(row._mapping.get("timed")),
        )
        return EpisodeRow(
            episode=episode,
            article_id=row.article_id,
            content_key=row.content_key,
            lexicon_version=row.lexicon_version,
            voice_is_fallback=bool(row.voice_is_fallback),
        )

    def published_episodes(self, feed_name: str) -> list[EpisodeRow]:
        """The newest version of every published article in a feed, the whole archive (the feed
        lists the newest max_items of these: listing)."""
        query = (
            select(episodes, articles.c.guid, articles.c.url, articles.c.published)
            .join(articles, episodes.c.article_id == articles.c.id)
            # A published episode stays when a later refresh of its page fails: listeners keep it.
            .where(episodes.c.feed == feed_name, episodes.c.replaced_at.is_(None), articles.c.status != "withdrawn")
        )
        with self.engine.connect() as conn:
            return [self._episode_row(r) for r in conn.execute(query)]

    def episode_versions(self) -> set[tuple[str, int]]:
        """(article id, version) of every recorded episode: what the orphan sweep keeps."""
        with self.engine.connect() as conn:
            return {(r.article_id, r.version) for r in conn.execute(select(episodes.c.article_id, episodes.c.version))}

    def all_episodes(self, article_id: str | None = None) -> list[EpisodeRow]:
        query = select(episodes, articles.c.guid, articles.c.url, articles.c.published).join(
            articles, episodes.c.article_id == articles.c.id
        )
        if article_id:
            query = query.where(episodes.c.article_id == article_id)
        with self.engine.connect() as conn:
            return [self._episode_row(r) for r in conn.execute(query.order_by(episodes.c.id))]

    # publishing ------------------------------------------------------------------------------
    def newest_episodes(self, feed_name: str, limit: int) -> list[EpisodeRow]:
        """What a feed lists: the newest version of each published article, newest first, at
        most ``limit`` of them. One query with LIMIT, so the cost follows ``limit``, not the
        archive."""
        query = (
            _episodes_with_extras()
            .where(episodes.c.feed == feed_name, episodes.c.replaced_at.is_(None), articles.c.status != "withdrawn")
            .order_by(episodes.c.listed_at.desc(), episodes.c.article_id)
            .limit(max(0, limit))
        )
        with self.engine.connect() as conn:
            return [self._episode_row(r) for r in conn.execute(query)]

    def listing(self, feed_name: str, limit: int) -> list[tuple[Any, ...]]:
        """newest_episodes as keys, cheap to read: per episode its row id, then everything of
        its article and extras an item shows that can change after the episode was recorded.
        Same order; publishing reads full rows only for keys it has not rendered yet."""
        query = (
            select(
                episodes.c.id, articles.c.guid, articles.c.url, cast(articles.c.published, String),
                episode_extras.c.image, episode_extras.c.cues_json.is_not(None),
            )
            .select_from(_with_article_and_extras())
            .where(episodes.c.feed == feed_name, episodes.c.replaced_at.is_(None), articles.c.status != "withdrawn")
            .order_by(episodes.c.listed_at.desc(), episodes.c.article_id)
            .limit(max(0, limit))
        )
        with self.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(query)]

    def episodes_by_id(self, ids: list[int]) -> dict[int, EpisodeRow]:
        """Full rows for episode row ids (from listing)."""
        found: dict[int, EpisodeRow] = {}
        with self.engine.connect() as conn:
            for lo in range(0, len(ids), 500):
                query = _episodes_with_extras().where(episodes.c.id.in_(ids[lo : lo + 500]))
                found.update({r.id: self._episode_row(r) for r in conn.execute(query)})
        return found

    def episode_with_extras(self, article_id: str, version: int | None = None) -> EpisodeRow | None:
        """One episode version (default: the newest) with its image and timing flag."""
        query = (
            _episodes_with_extras()
            .where(episodes.c.article_id == article_id)
            .order_by(episodes.c.version.desc())
            .limit(1)
        )
        if version is not None:
            query = query.where(episodes.c.version == version)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return self._episode_row(row) if row else None

    def episode_cues(self, article_id: str, version: int) -> list[dict[str, Any]] | None:
        """The timed written sentences of one episode version; None for episodes published
        before timings were kept."""
        query = select(episode_extras.c.cues_json).where(
            episode_extras.c.article_id == article_id, episode_extras.c.version == version
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return json.loads(row.cues_json) if row and row.cues_json else None

    def feed_build(self, name: str) -> tuple[str, datetime] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(feed_builds).where(feed_builds.c.name == name)).first()
        return (row.content_hash, _utc(row.built_at)) if row else None  # type: ignore[return-value]

    def feed_published_at(self, name: str) -> datetime | None:
        with self.engine.connect() as conn:
            return _utc(conn.execute(select(feed_builds.c.published_at).where(feed_builds.c.name == name)).scalar())

    def record_feed_build(self, name: str, content_hash: str, built_at: datetime, published_at: datetime) -> None:
        values = {"content_hash": content_hash, "built_at": built_at, "published_at": published_at}
        with self.engine.begin() as conn:
            done = conn.execute(update(feed_builds).where(feed_builds.c.name == name).values(**values)).rowcount
        if not done:
            try:
                with self.engine.begin() as conn:
                    conn.execute(feed_builds.insert().values(name=name, **values))
            except IntegrityError:
                pass  # another publisher recorded a build at the same moment

    def superseded_before(self, cutoff: datetime, limit: int = 1000) -> list[EpisodeRow]:
        """Episode versions a newer version replaced before ``cutoff`` whose files are not yet
        swept (withdrawn articles excepted: their files are kept for a restore)."""
        swept = exists().where(
            (retired_versions.c.article_id == episodes.c.article_id)
            & (retired_versions.c.version == episodes.c.version)
        )
        query = (
            select(episodes, articles.c.guid, articles.c.url, articles.c.published)
            .join(articles, episodes.c.article_id == articles.c.id)
            .where(episodes.c.replaced_at < cutoff, ~swept, articles.c.status != "withdrawn")
            .order_by(episodes.c.id)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [self._episode_row(r) for r in conn.execute(query)]

    def mark_retired(self, article_id: str, version: int) -> None:
        try:
            with self.engine.begin() as conn:
                row = {"article_id": article_id, "version": version, "retired_at": _now()}
                conn.execute(retired_versions.insert().values(**row))
        except IntegrityError:
            pass  # swept by another publisher

    def retired(self, article_id: str) -> set[int]:
        query = select(retired_versions.c.version).where(retired_versions.c.article_id == article_id)
        with self.engine.connect() as conn:
            return {r.version for r in conn.execute(query)}

    def find_articles(self, text: str) -> list[str]:
        """Ids of the articles ``text`` names: an id, a URL (feed or canonical) or a GUID."""
        text = text.strip()
        if not text:
            return []
        variants = {text, text.rstrip("/"), text.rstrip("/") + "/"}
        with self.engine.connect() as conn:
            if conn.execute(select(articles.c.id).where(articles.c.id == text)).first():
                return [text]
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


@lru_cache(maxsize=8)
def _store(url: str) -> Store:
    return Store(url)


def open_store(settings: Settings) -> Store:
    """One store (engine and connection pool) per process and database."""
    return _store(settings.db_url)
