"""Every table of the store on one MetaData: feeds, articles and their polls; episodes, their
extras, feed builds and swept versions; leases; listening numbers; and what the console and
the API add (lexicon versions, accounts, sessions, tokens, the audit log, job records, article
options, webhooks). Importing the state package registers all of them before any engine
exists, so one ``create_all`` makes a new store whole."""

from __future__ import annotations

from datetime import UTC, datetime

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
)

metadata = MetaData()


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
    # An editor's "ignore" of a failure (console): off the failures list and never retried by a
    # poll until un-ignored. Null = not ignored; a new column, so older stores get it as null.
    Column("ignored_at", DateTime(timezone=True)),
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
    # The Opus version's size and sha384 SRI (null: none was made); added to older stores as
    # nullable columns by store._add_missing_columns.
    Column("opus_bytes", Integer),
    Column("opus_integrity", Text),
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
    # The public_base_url its files were written with: when it changes, every file that names
    # it (feed, index, every published article's player data) is written again.
    Column("base_url", Text),
)


retired_versions = Table(
    "retired_versions",
    metadata,
    Column("article_id", String(32), ForeignKey("articles.id"), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("retired_at", DateTime(timezone=True)),
)


# One render per article at a time: a worker holds "render:<article id>" until it is done or
# the lease expires (a worker that died cannot release it).
leases = Table(
    "leases",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("holder", Text, nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)



# An article is the story, not the entry that announced it (pipeline/state/identity.py): the
# keys it is known by (its links without tracking parameters, its canonical URL, the GUID it
# was first announced with), each naming one article.
article_keys = Table(
    "article_keys",
    metadata,
    Column("key_hash", String(64), primary_key=True),
    Column("kind", String(12), nullable=False),  # url | guid
    # No foreign key: a poll remembers its decision just before it records the new article.
    Column("article_id", String(32), nullable=False, index=True),
)

# The same story in more of the newsroom's feeds (sections) than its own: spoken once (its own
# feed, articles.feed, does the work), listed in each of these too.
article_feeds = Table(
    "article_feeds",
    metadata,
    Column("article_id", String(32), ForeignKey("articles.id"), primary_key=True),
    Column("feed", String(100), primary_key=True, index=True),
)

# A feed changed: one ping per WebSub hub (and Podping), sent and retried apart from publishing.
feed_pings = Table(
    "feed_pings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("feed", String(100), nullable=False),
    Column("kind", String(20), nullable=False),  # websub | podping
    Column("target", Text, nullable=False),
    Column("status", String(20), nullable=False, index=True),  # pending | sent | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_at", DateTime(timezone=True), index=True),
    Column("error", Text, nullable=False, default=""),
    Column("created_at", DateTime(timezone=True)),
    Column("sent_at", DateTime(timezone=True)),
)

# Downloads of episode audio (pipeline/run/downloads.py). A client is known for one UTC day
# only, by a keyed hash whose salt is deleted with the day's progress rows once the day has
# closed; what stays is counts per episode file, day and app.
download_salts = Table(
    "download_salts",
    metadata,
    Column("day", Date, primary_key=True),
    Column("salt", String(64), nullable=False),
)

download_progress = Table(
    "download_progress",
    metadata,
    Column("day", Date, primary_key=True),
    Column("client", String(32), primary_key=True),
    Column("file_name", String(120), primary_key=True),
    Column("bytes", Integer, nullable=False, default=0),
    Column("counted", Integer, nullable=False, default=0),
)

download_counts = Table(
    "download_counts",
    metadata,
    Column("day", Date, primary_key=True),
    Column("file_name", String(120), primary_key=True),
    Column("app", String(100), primary_key=True),
    Column("count", Integer, nullable=False, default=0),
)

# Log lines already counted (the same log ingested twice counts once), kept as long as the
# day's salt.
download_lines = Table(
    "download_lines",
    metadata,
    Column("day", Date, primary_key=True),
    Column("line", String(32), primary_key=True),
)


# What each finished render took, for the operator's metrics (web/metrics.py): one row per
# episode version, written by whoever ran the render (embedded run or worker).
render_times = Table(
    "render_times",
    metadata,
    Column("article_id", String(32), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("voice", Text, nullable=False, default=""),
    Column("audio_s", Float, nullable=False, default=0.0),
    Column("fetch_s", Float, nullable=False, default=0.0),
    Column("extract_s", Float, nullable=False, default=0.0),
    Column("speech_s", Float, nullable=False, default=0.0),
    Column("synthesis_s", Float, nullable=False, default=0.0),
    Column("master_s", Float, nullable=False, default=0.0),
    Column("publish_s", Float, nullable=False, default=0.0),
    Column("at", DateTime(timezone=True), index=True),
)

# What the console and the API add.
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
    # what the asker said: a withdrawal's reason travels with its job to whichever process runs it
    Column("message", Text, default=""),
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


def now() -> datetime:
    return datetime.now(UTC)


def utc(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value
