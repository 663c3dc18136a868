"""Episodes in the store: every version of an article's audio with its extras (image, timed
sentences), what a feed lists (the newest versions, from an index), feed builds, and which
superseded versions' files were swept."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    String,
    cast,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import Select

from pipeline.models import Chapter, Episode
from pipeline.state.articles import status_values
from pipeline.state.schema import (
    article_feeds,
    articles,
    episode_extras,
    episodes,
    feed_builds,
    now,
    retired_versions,
    utc,
)
from pipeline.state.store import Store


def in_feed(feed_name: str) -> Any:
    """Episodes a feed lists: its own articles' and those of stories it shares with another
    feed of the newsroom (spoken once, by the feed that announced them first)."""
    shared = select(article_feeds.c.article_id).where(article_feeds.c.feed == feed_name)
    return or_(episodes.c.feed == feed_name, episodes.c.article_id.in_(shared))


def newest_episode_time(store: Store, feed_name: str) -> datetime | None:
    query = select(func.max(episodes.c.created_at)).where(in_feed(feed_name))
    with store.engine.connect() as conn:
        return utc(conn.execute(query).scalar())


def episode_by_file(store: Store, file_name: str) -> EpisodeRow | None:
    """The episode version whose MP3 is ``file_name`` (what a download counter sees), with its
    Opus version's size when one was made."""
    query = _episodes_with_extras().where(episodes.c.file_name == file_name).limit(1)
    with store.engine.connect() as conn:
        row = conn.execute(query).first()
    return _episode_row(row) if row else None


def latest_episode(store: Store, article_id: str) -> EpisodeRow | None:
    query = (
        select(episodes, articles.c.guid, articles.c.url, articles.c.published)
        .join(articles, episodes.c.article_id == articles.c.id)
        .where(episodes.c.article_id == article_id)
        .order_by(episodes.c.version.desc())
        .limit(1)
    )
    with store.engine.connect() as conn:
        row = conn.execute(query).first()
    return _episode_row(row) if row else None


def add_episode(store: Store, article_id: str,
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
    opus_bytes: int | None = None,
    opus_integrity: str | None = None,
) -> EpisodeRow:
    """Record a new version with its extras (image, timed sentences, the Opus version's size and
    SRI) and, with ``done``, mark
    the article done, all in one transaction: no reader sees the episode without them."""
    extras = {"image": image, "cues_json": json.dumps(cues, ensure_ascii=False) if cues is not None else None,
              "opus_bytes": opus_bytes, "opus_integrity": opus_integrity}
    try:
        _insert_episode(store, extras, done,
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
            created_at=now(),
        )
    except IntegrityError as exc:
        raise DuplicateEpisode(f"episode {article_id} v{version} exists already") from exc
    latest = latest_episode(store, article_id)
    assert latest is not None
    return latest


def _insert_episode(store: Store, extras: dict[str, Any], done: bool, **values: Any) -> None:
    with store.engine.begin() as conn:
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
            conn.execute(update(articles).where(articles.c.id == values["article_id"]).values(**status_values("done")))


def _episode_row(row: Any) -> EpisodeRow:
    episode = Episode(
        guid=row.guid,
        episode_id=row.article_id,
        version=row.version,
        title=row.title or "",
        description=row.description or "",
        link=row.url,
        published=utc(row.published) or utc(row.created_at),
        voice=row.voice,
        text_hash=row.text_hash,
        file_name=row.file_name,
        bytes=row.bytes,
        duration_s=row.duration_s,
        chapters=[Chapter(**c) for c in json.loads(row.chapters_json or "[]")],
        created=utc(row.created_at),
        image=row._mapping.get("image") or "",
        timed=bool(row._mapping.get("timed")),
        opus_bytes=row._mapping.get("opus_bytes") or 0,
        opus_integrity=row._mapping.get("opus_integrity") or "",
    )
    return EpisodeRow(
        episode=episode,
        article_id=row.article_id,
        content_key=row.content_key,
        lexicon_version=row.lexicon_version,
        voice_is_fallback=bool(row.voice_is_fallback),
    )


def published_episodes(store: Store, feed_name: str) -> list[EpisodeRow]:
    """The newest version of every published article in a feed, the whole archive (the feed
    lists the newest max_items of these: listing)."""
    query = (
        select(episodes, articles.c.guid, articles.c.url, articles.c.published)
        .join(articles, episodes.c.article_id == articles.c.id)
        # A published episode stays when a later refresh of its page fails: listeners keep it.
        .where(in_feed(feed_name), episodes.c.replaced_at.is_(None), articles.c.status != "withdrawn")
    )
    with store.engine.connect() as conn:
        return [_episode_row(r) for r in conn.execute(query)]


def episode_versions(store: Store) -> set[tuple[str, int]]:
    """(article id, version) of every recorded episode: what the orphan sweep keeps."""
    with store.engine.connect() as conn:
        return {(r.article_id, r.version) for r in conn.execute(select(episodes.c.article_id, episodes.c.version))}


def all_episodes(store: Store, article_id: str | None = None) -> list[EpisodeRow]:
    query = select(episodes, articles.c.guid, articles.c.url, articles.c.published).join(
        articles, episodes.c.article_id == articles.c.id
    )
    if article_id:
        query = query.where(episodes.c.article_id == article_id)
    with store.engine.connect() as conn:
        return [_episode_row(r) for r in conn.execute(query.order_by(episodes.c.id))]


def newest_episodes(store: Store, feed_name: str, limit: int) -> list[EpisodeRow]:
    """What a feed lists: the newest version of each published article, newest first, at
    most ``limit`` of them. One query with LIMIT, so the cost follows ``limit``, not the
    archive."""
    query = (
        _episodes_with_extras()
        .where(in_feed(feed_name), episodes.c.replaced_at.is_(None), articles.c.status != "withdrawn")
        .order_by(episodes.c.listed_at.desc(), episodes.c.article_id)
        .limit(max(0, limit))
    )
    with store.engine.connect() as conn:
        return [_episode_row(r) for r in conn.execute(query)]


def listing(store: Store, feed_name: str, limit: int) -> list[tuple[Any, ...]]:
    """newest_episodes as keys, cheap to read: per episode its row id, then everything of
    its article and extras an item shows that can change after the episode was recorded.
    Same order; publishing reads full rows only for keys it has not rendered yet."""
    query = (
        select(
            episodes.c.id, articles.c.guid, articles.c.url, cast(articles.c.published, String),
            episode_extras.c.image, episode_extras.c.cues_json.is_not(None),
        )
        .select_from(_with_article_and_extras())
        .where(in_feed(feed_name), episodes.c.replaced_at.is_(None), articles.c.status != "withdrawn")
        .order_by(episodes.c.listed_at.desc(), episodes.c.article_id)
        .limit(max(0, limit))
    )
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(query)]


def episodes_by_id(store: Store, ids: list[int]) -> dict[int, EpisodeRow]:
    """Full rows for episode row ids (from listing)."""
    found: dict[int, EpisodeRow] = {}
    with store.engine.connect() as conn:
        for lo in range(0, len(ids), 500):
            query = _episodes_with_extras().where(episodes.c.id.in_(ids[lo : lo + 500]))
            found.update({r.id: _episode_row(r) for r in conn.execute(query)})
    return found


def episode_with_extras(store: Store, article_id: str, version: int | None = None) -> EpisodeRow | None:
    """One episode version (default: the newest) with its image and timing flag."""
    query = (
        _episodes_with_extras()
        .where(episodes.c.article_id == article_id)
        .order_by(episodes.c.version.desc())
        .limit(1)
    )
    if version is not None:
        query = query.where(episodes.c.version == version)
    with store.engine.connect() as conn:
        row = conn.execute(query).first()
    return _episode_row(row) if row else None


def episode_cues(store: Store, article_id: str, version: int) -> list[dict[str, Any]] | None:
    """The timed written sentences of one episode version; None for episodes published
    before timings were kept."""
    query = select(episode_extras.c.cues_json).where(
        episode_extras.c.article_id == article_id, episode_extras.c.version == version
    )
    with store.engine.connect() as conn:
        row = conn.execute(query).first()
    return json.loads(row.cues_json) if row and row.cues_json else None


def feed_build(store: Store, name: str) -> tuple[str, datetime] | None:
    with store.engine.connect() as conn:
        row = conn.execute(select(feed_builds).where(feed_builds.c.name == name)).first()
    return (row.content_hash, utc(row.built_at)) if row else None  # type: ignore[return-value]


def feed_published_at(store: Store, name: str) -> datetime | None:
    with store.engine.connect() as conn:
        return utc(conn.execute(select(feed_builds.c.published_at).where(feed_builds.c.name == name)).scalar())


def feed_base_url(store: Store, name: str) -> str | None:
    """The public_base_url the feed's files were last written with (None: not known)."""
    with store.engine.connect() as conn:
        return conn.execute(select(feed_builds.c.base_url).where(feed_builds.c.name == name)).scalar()


def record_feed_build(
    store: Store, name: str, content_hash: str, built_at: datetime, published_at: datetime, base_url: str = ""
) -> None:
    values = {"content_hash": content_hash, "built_at": built_at, "published_at": published_at}
    if base_url:
        values["base_url"] = base_url
    with store.engine.begin() as conn:
        done = conn.execute(update(feed_builds).where(feed_builds.c.name == name).values(**values)).rowcount
    if not done:
        try:
            with store.engine.begin() as conn:
                conn.execute(feed_builds.insert().values(name=name, **values))
        except IntegrityError:
            pass  # another publisher recorded a build at the same moment


def superseded_before(store: Store, cutoff: datetime, limit: int = 1000) -> list[EpisodeRow]:
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
    with store.engine.connect() as conn:
        return [_episode_row(r) for r in conn.execute(query)]


def mark_retired(store: Store, article_id: str, version: int) -> None:
    try:
        with store.engine.begin() as conn:
            row = {"article_id": article_id, "version": version, "retired_at": now()}
            conn.execute(retired_versions.insert().values(**row))
    except IntegrityError:
        pass  # swept by another publisher


def retired(store: Store, article_id: str) -> set[int]:
    query = select(retired_versions.c.version).where(retired_versions.c.article_id == article_id)
    with store.engine.connect() as conn:
        return {r.version for r in conn.execute(query)}


class DuplicateEpisode(Exception):
    """Another worker recorded this episode version first (a task ran twice at once)."""


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
        episode_extras.c.opus_bytes, episode_extras.c.opus_integrity,
    ).select_from(_with_article_and_extras())


@dataclass
class EpisodeRow:
    episode: Episode
    article_id: str
    content_key: str
    lexicon_version: str
    voice_is_fallback: bool
