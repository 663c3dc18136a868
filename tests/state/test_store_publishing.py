"""The store queries publishing relies on, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from pipeline.models import Article, Block, FeedEntry
from pipeline.state.articles import (
    find_articles,
    get_article,
    record_entries,
    save_prepared,
    set_status,
    upsert_entry,
    upsert_feed,
)
from pipeline.state.episodes import (
    DuplicateEpisode,
    add_episode,
    episode_cues,
    feed_build,
    mark_retired,
    newest_episodes,
    record_feed_build,
    retired,
    superseded_before,
)
from pipeline.state.schema import episodes
from pipeline.state.store import Store
from tests.state.test_store import store  # noqa: F401 - the SQLite/PostgreSQL fixture

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def publish(
    db: Store, n: int, version: int = 1, *, published: datetime | None = None, extras: dict | None = None, **article
) -> str:
    article_id = f"a{n}"
    upsert_feed(db, "politik", "https://x/feed.xml")
    url = f"https://x/{n}.html"
    upsert_entry(db, "politik", article_id, FeedEntry(f"g{n}", url, f"T{n}", published or T0 + timedelta(hours=n)))
    save_prepared(db, article_id, Article(title=f"T{n}", blocks=[Block("paragraph", "x")], url=url, **article))
    add_episode(db,
        article_id, version=version, voice="v", voice_is_fallback=False, text_hash="t", lexicon_version="",
        content_key=f"k{version}", file_name=f"{article_id}-v{version}.mp3", size=10, duration_s=1.0,
        title=f"T{n}", description="", chapters=[], **(extras or {}), done=True,
    )
    return article_id


def test_newest_episodes_is_bounded_newest_first_newest_version(store):  # noqa: F811
    for n in range(1, 6):
        publish(store, n)
    publish(store, 2, version=2, extras={"image": "https://x/i.jpg", "cues": []})
    set_status(store, "a4", "withdrawn", "withdrawn", "editor")
    rows = newest_episodes(store, "politik", 3)
    assert [(r.article_id, r.episode.version) for r in rows] == [("a5", 1), ("a3", 1), ("a2", 2)]
    assert rows[2].episode.image == "https://x/i.jpg" and rows[2].episode.timed
    assert not rows[0].episode.timed and rows[0].episode.created is not None
    assert episode_cues(store, "a2", 2) == [] and episode_cues(store, "a5", 1) is None


def test_a_feed_entry_whose_date_changes_moves_in_the_listing(store):  # noqa: F811
    for n in range(1, 4):
        publish(store, n)
    # the site re-dates article 1 (a correction pushed to the top), once by a single upsert ...
    upsert_entry(store, "politik", "a1", FeedEntry("g1", "https://x/1.html", "T1", T0 + timedelta(days=1)))
    assert [r.article_id for r in newest_episodes(store, "politik", 2)] == ["a1", "a3"]
    # ... and once in a whole poll's batch
    moved = FeedEntry("g2", "https://x/2.html", "T2", T0 + timedelta(days=2))
    record_entries(store, "politik", [("a2", moved, "changed", None)], T0 + timedelta(days=2))
    assert [r.article_id for r in newest_episodes(store, "politik", 2)] == ["a2", "a1"]


def test_a_store_from_before_the_listing_columns_lists_after_reopening(store):  # noqa: F811
    for n in range(1, 4):
        publish(store, n)
    publish(store, 1, version=2)
    with store.engine.begin() as conn:  # as an older newsaudio left it
        conn.execute(update(episodes).values(feed=None, listed_at=None, replaced_at=None))
    assert newest_episodes(store, "politik", 10) == []
    reopened = Store(store.url, engine=store.engine)
    rows = newest_episodes(reopened, "politik", 10)
    assert [(r.article_id, r.episode.version) for r in rows] == [("a3", 1), ("a2", 1), ("a1", 2)]
    assert [r.episode.version for r in superseded_before(reopened, datetime.now(UTC) + timedelta(days=1))] == [1]


def test_feed_build_is_remembered(store):  # noqa: F811
    assert feed_build(store, "politik") is None
    upsert_feed(store, "politik", "https://x/feed.xml")
    record_feed_build(store, "politik", "h1", T0, published_at=T0)
    record_feed_build(store, "politik", "h2", T0 + timedelta(days=1), published_at=T0 + timedelta(days=1))
    assert feed_build(store, "politik") == ("h2", T0 + timedelta(days=1))


def test_superseded_versions_until_swept(store):  # noqa: F811
    publish(store, 1)
    publish(store, 1, version=2)
    publish(store, 2)
    with store.engine.begin() as conn:
        conn.execute(update(episodes).where(episodes.c.article_id == "a1", episodes.c.version == 1)
                     .values(replaced_at=T0))  # version 2 came at T0
    found = superseded_before(store, T0 + timedelta(days=1))
    assert [(r.article_id, r.episode.version) for r in found] == [("a1", 1)]
    assert superseded_before(store, T0) == []
    mark_retired(store, "a1", 1)
    mark_retired(store, "a1", 1)
    assert superseded_before(store, T0 + timedelta(days=1)) == [] and retired(store, "a1") == {1}


def test_find_articles_by_id_url_canonical_and_guid(store):  # noqa: F811
    publish(store, 1, canonical_url="https://x/kanon_1%.html")
    publish(store, 2, canonical_url="https://x/kanonAB1x.html")
    assert find_articles(store, "a1") == ["a1"]
    assert find_articles(store, "https://x/1.html") == ["a1"]
    assert find_articles(store, "g2") == ["a2"]
    assert find_articles(store, "https://x/kanon_1%.html") == ["a1"]
    # % and _ are literal characters, not LIKE wildcards.
    assert find_articles(store, "https://x/kanon__1%.html") == []
    assert find_articles(store, "https://x/kanon%") == []
    assert find_articles(store, "nichts") == [] and find_articles(store, "  ") == []


def test_an_episode_its_extras_and_the_done_status_are_recorded_together(store):  # noqa: F811
    publish(store, 1, extras={"image": "https://x/1.jpg", "cues": [{"text": "Satz."}]})
    assert get_article(store, "a1").status == "done"
    (row,) = newest_episodes(store, "politik", 5)
    assert row.episode.image == "https://x/1.jpg" and row.episode.timed
    set_status(store, "a1", "prepared")
    # a second recording of the same version (a redelivered task) changes nothing
    with pytest.raises(DuplicateEpisode):
        publish(store, 1, extras={"image": "https://x/other.jpg", "cues": None})
    assert get_article(store, "a1").status == "prepared"
    assert episode_cues(store, "a1", 1) == [{"text": "Satz."}]
    assert newest_episodes(store, "politik", 5)[0].episode.image == "https://x/1.jpg"
