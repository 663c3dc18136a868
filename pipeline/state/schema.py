"""Tables the console and the API add to the store: lexicon versions, accounts, audit log,
jobs, article options and webhooks. Same ``metadata`` as pipeline/store.py, so one
``create_all`` makes them all; ``ensure`` makes them on a store opened before this module
was imported."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, Integer, String, Table, Text

from pipeline.state.store import Store, make_schema, metadata

lexicon_versions = Table(
    "lexicon_versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("version", String(64), nullable=False, index=True),  # Lexicon.version (hash of entries)
    Column("toml", Text, nullable=False),
    Column("author", String(100), nullable=False, default=""),
    Column("message", Text, nullable=False, default=""),
    Column("created_at", DateTime(timezone=True)),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("role", String(20), nullable=False),  # editor | admin
    Column("password_hash", Text, nullable=False, default=""),
    Column("setup_hash", String(64)),  # sha256 of a one-time setup token
    Column("setup_expires", DateTime(timezone=True)),
    Column("disabled", Integer, nullable=False, default=0),
    Column("created_at", DateTime(timezone=True)),
)

sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, nullable=False, index=True),
    Column("csrf", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True)),
    Column("expires_at", DateTime(timezone=True)),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("scopes", Text, nullable=False),  # comma separated
    Column("created_by", String(100), nullable=False, default=""),
    Column("created_at", DateTime(timezone=True)),
    Column("revoked_at", DateTime(timezone=True)),
    Column("last_used_at", DateTime(timezone=True)),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), index=True),
    Column("actor", String(120), nullable=False),  # "user:NAME", "token:NAME" or "cli"
    Column("action", String(60), nullable=False),
    Column("target", Text, nullable=False, default=""),
    Column("before_json", Text, nullable=False, default="null"),
    Column("after_json", Text, nullable=False, default="null"),
)

jobs = Table(
    "console_jobs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("kind", String(30), nullable=False),
    Column("article_id", String(32), index=True),
    Column("status", String(20), nullable=False),  # queued | running | done | failed
    Column("result_json", Text, nullable=False, default="{}"),
    Column("actor", String(120), nullable=False, default=""),
    Column("created_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True)),
)

article_options = Table(
    "article_options",
    metadata,
    Column("article_id", String(32), primary_key=True),
    Column("voice", String(100), nullable=False, default=""),
    # sha256 of each paragraph an editor left out: found again in later versions of the page
    Column("excluded_json", Text, nullable=False, default="[]"),
)

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("url", Text, nullable=False),
    Column("secret", Text, nullable=False),
    Column("events", Text, nullable=False),  # comma separated
    Column("active", Integer, nullable=False, default=1),
    Column("created_at", DateTime(timezone=True)),
)

deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("webhook_id", Integer, nullable=False, index=True),
    Column("event", String(40), nullable=False),
    Column("payload", Text, nullable=False),
    Column("status", String(20), nullable=False),  # pending | delivered | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("response_code", Integer),
    Column("error", Text, nullable=False, default=""),
    Column("next_at", DateTime(timezone=True), index=True),
    Column("created_at", DateTime(timezone=True)),
    Column("delivered_at", DateTime(timezone=True)),
)

ALL = [lexicon_versions, users, sessions, api_tokens, audit_log, jobs, article_options, webhooks, deliveries]
_made: set[int] = set()


def ensure(store: Store) -> Store:
    if id(store.engine) not in _made:
        make_schema(store.engine, ALL)
        _made.add(id(store.engine))
    return store


def now() -> datetime:
    return datetime.now(UTC)


def utc(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value
