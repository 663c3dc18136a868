from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, text

from pipeline.models import Article, Block, FeedEntry
from pipeline.state.articles import (
    feed_state,
    get_article,
    record_poll,
    save_prepared,
    set_status,
    upsert_entry,
    upsert_feed,
)
from pipeline.state.episodes import DuplicateEpisode, add_episode, all_episodes, published_episodes
from pipeline.state.store import Store

POSTGRES = os.environ.get("NEWSAUDIO_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        s = Store(f"sqlite:///{tmp_path / 'store.db'}")
        yield s
        s.close()
        return
    # Each test gets its own schema, so runs never see each other's rows.
    schema = f"na_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine = create_engine(POSTGRES, connect_args={"options": f"-csearch_path={schema}"})
    s = Store(POSTGRES, engine=engine)
    yield s
    s.close()
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


def add_article(store: Store, article_id: str = "a1") -> None:
    upsert_feed(store, "politik", "https://x/feed.xml", "Politik")
    entry = FeedEntry("guid-1", "https://x/a.html", "Titel", datetime(2024, 1, 16, 9, 42, tzinfo=UTC), "Kurz")
    assert upsert_entry(store, "politik", article_id, entry) is True
    assert upsert_entry(store, "politik", article_id, entry) is False


def add_version(store: Store, version: int, key: str = "k"):
    return add_episode(store,
        "a1", version=version, voice="espeak-de", voice_is_fallback=True, text_hash="t", lexicon_version="l",
        content_key=key, file_name=f"a1-v{version}.mp3", size=1000 + version, duration_s=12.5, title="Titel",
        description="Lead", chapters=[],
    )


def test_feed_validators_are_kept(store):
    add_article(store)
    record_poll(store, "politik", etag='"e1"', modified="Tue, 16 Jan 2024 09:42:00 GMT")
    assert feed_state(store, "politik") == ('"e1"', "Tue, 16 Jan 2024 09:42:00 GMT")
    record_poll(store, "politik", etag=None, modified=None, error="timeout")
    assert feed_state(store, "politik") == ('"e1"', "Tue, 16 Jan 2024 09:42:00 GMT")


def test_article_roundtrip_and_status_with_reason(store):
    add_article(store)
    article = Article(title="ISW: Russland", kicker="Nachschub?", lead="Lead.", blocks=[Block("paragraph", "Text.")],
                      published=datetime(2024, 1, 16, tzinfo=UTC), language="de")
    save_prepared(store, "a1", article)
    row = get_article(store, "a1")
    assert row.status == "prepared" and row.text_hash == article.text_hash()
    assert row.article() == article
    set_status(store, "a1", "failed", "http-404", "page answered HTTP 404")
    set_status(store, "a1", "failed", "http-404", "page answered HTTP 404")
    row = get_article(store, "a1")
    assert (row.status, row.reason, row.attempts) == ("failed", "http-404", 2)
    assert row.published == datetime(2024, 1, 16, 9, 42, tzinfo=UTC)


def test_versions_share_the_guid_and_the_feed_lists_the_newest(store):
    add_article(store)
    add_version(store, 1, "k1")
    set_status(store, "a1", "done")
    latest = add_version(store, 2, "k2")
    assert latest.episode.version == 2 and latest.content_key == "k2"
    published = published_episodes(store, "politik")
    assert [(r.episode.guid, r.episode.file_name) for r in published] == [("guid-1", "a1-v2.mp3")]
    assert [r.episode.version for r in all_episodes(store, "a1")] == [1, 2]


def test_a_version_recorded_twice_is_refused(store):
    add_article(store)
    add_version(store, 1)
    with pytest.raises(DuplicateEpisode):
        add_version(store, 1)


def test_an_episode_stays_published_when_a_later_refresh_fails(store):
    add_article(store)
    assert published_episodes(store, "politik") == []
    add_version(store, 1)
    set_status(store, "a1", "failed", "timeout", "")
    assert [r.episode.version for r in published_episodes(store, "politik")] == [1]


def test_two_polls_creating_the_same_feed_at_once_both_succeed(store):
    """The second insert waits for the first (unique key), then finds the row there: it must
    go on, not fail (on PostgreSQL a caught duplicate error aborts the rest of the transaction)."""
    import threading
    import time

    from pipeline.state.schema import feeds

    errors: list[BaseException] = []
    first = store.engine.connect()
    tx = first.begin()
    first.execute(feeds.insert().values(name="politik", url="https://x/feed.xml", title="alt"))

    def second_poll() -> None:
        try:
            upsert_feed(store, "politik", "https://x/feed.xml", "Politik")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    thread = threading.Thread(target=second_poll)
    if store.engine.dialect.name == "sqlite":  # one writer at a time: commit first, then poll
        tx.commit()
        thread.start()
    else:
        thread.start()
        time.sleep(0.5)  # the second poll now waits on the first one's uncommitted row
        tx.commit()
    thread.join(timeout=30)
    first.close()
    assert errors == []
    with store.engine.connect() as conn:
        assert conn.execute(feeds.select()).all()[0].title == "Politik"


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_workers_starting_at_once_on_a_new_database_all_open_it(kind, tmp_path):
    """Two workers and a run started together against an empty database each create the schema;
    none of them may fail on the others' half-made tables."""
    import threading

    schema = f"na_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES)
    if kind == "postgresql":
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))

    def engine():
        if kind == "sqlite":
            return create_engine(f"sqlite:///{tmp_path / 'store.db'}")
        return create_engine(POSTGRES, connect_args={"options": f"-csearch_path={schema}"})

    gate = threading.Barrier(6)
    errors: list[BaseException] = []
    stores: list[Store] = []

    def open_store():
        e = engine()
        gate.wait()
        try:
            stores.append(Store(POSTGRES if kind == "postgresql" else str(e.url), engine=e))
        except BaseException as exc:  # noqa: BLE001 - the assertion below reports it
            errors.append(exc)

    try:
        threads = [threading.Thread(target=open_store) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        upsert_feed(stores[0], "politik", "https://x/feed.xml", "Politik")
        assert all(feed_state(s, "politik") == (None, None) for s in stores)
    finally:
        for s in stores:
            s.close()
        if kind == "postgresql":
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
