"""The store: what is known about feeds, articles and episodes. SQLite by default, PostgreSQL
by URL. The store is the truth; queues only carry article ids."""

from __future__ import annotations

import json
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Table,
    create_engine,
    event,
    func,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

from pipeline.config import Settings
from pipeline.state.schema import article_keys, articles, episodes, metadata
from pipeline.state.story_keys import guid_key, url_key


def insert_new(conn: Any, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows, skipping those whose key exists already (added meanwhile by another worker)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif conn.dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        conn.execute(table.insert(), rows)
        return
    conn.execute(insert(table).on_conflict_do_nothing(), rows)


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
                    fill_keys(conn)
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


@lru_cache(maxsize=8)
def _store(url: str) -> Store:
    return Store(url)


def open_store(settings: Settings) -> Store:
    """One store (engine and connection pool) per process and database."""
    return _store(settings.db_url)


def fill_keys(conn: Connection) -> None:
    """Stores made before identity keys (pipeline/state/identity.py) get them once, from what
    they know: every article's link, canonical URL and GUID. No article id or GUID changes;
    where two old articles share a key, the one seen first keeps it."""
    if conn.execute(select(article_keys.c.key_hash).limit(1)).first() is not None:
        return
    rows: dict[str, dict[str, str]] = {}
    query = select(articles.c.id, articles.c.url, articles.c.guid, articles.c.article_json)
    for r in conn.execute(query.order_by(articles.c.seen_at, articles.c.id)):
        canonical = ""
        if r.article_json:
            try:
                canonical = json.loads(r.article_json).get("canonical_url") or ""
            except ValueError:
                canonical = ""
        keys = [("url", url_key(u)) for u in (r.url, canonical) if u] + [("guid", guid_key(r.guid))]
        for kind, key in keys:
            rows.setdefault(key, {"key_hash": key, "kind": kind, "article_id": r.id})
    if rows:
        insert_new(conn, article_keys, list(rows.values()))


def claim_attempt(store: Store, table: Table, row_id: int, attempts: int) -> bool:
    """Count one more attempt on a pending row (a webhook delivery, a feed ping), unless another
    sender claimed it first: two senders (the web process, a worker) never send it twice."""
    with store.engine.begin() as conn:
        return bool(conn.execute(
            update(table).where(table.c.id == row_id, table.c.status == "pending", table.c.attempts == attempts)
            .values(attempts=attempts + 1)
        ).rowcount)
