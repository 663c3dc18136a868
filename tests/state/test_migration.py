"""A store written by the release before the state package (round 2, commit 5301061: its
`make demo`, dumped with sqlite3 .dump into tests/fixtures/state/round2-store.sql) opens and
runs unchanged: its articles, episodes, lexicon and feed are all there, and editors' tables
work on it."""

from __future__ import annotations

import sqlite3

import feedparser
import pytest

from pipeline.config import FeedConfig
from pipeline.run import publishing
from pipeline.run.lexicon import current_lexicon, save_lexicon
from pipeline.state import accounts, job_records, lexicon_versions
from pipeline.state.articles import get_article, list_articles
from pipeline.state.episodes import latest_episode, published_episodes
from pipeline.state.store import Store
from tests.conftest import FIXTURES

DUMP = FIXTURES / "state" / "round2-store.sql"
SEED = "b85fa5157860d887"  # the seed article (Russland / Iran) in that demo


@pytest.fixture
def old_store(settings, tmp_path):
    path = tmp_path / "round2.db"
    with sqlite3.connect(path) as db:
        db.executescript(DUMP.read_text(encoding="utf-8"))
    settings.database_url = f"sqlite:///{path}"
    settings.public_base_url = "https://audio.example.de"
    settings.feeds = [FeedConfig(name="sample", url="http://127.0.0.1:8753/feed.xml", title="Beispiel")]
    store = Store(settings.database_url)
    yield settings, store
    store.close()


def test_its_articles_and_episodes_read_as_before(old_store):
    _, store = old_store
    states = sorted(r.status for r in list_articles(store, "sample"))
    assert states == ["done", "done", "done", "done", "failed"]
    failed = next(r for r in list_articles(store, "sample") if r.status == "failed")
    assert failed.reason == "http-404"
    seed = get_article(store, SEED)
    assert seed.article() is not None and "Iran" in seed.article().title
    assert latest_episode(store, SEED).episode.file_name == f"{SEED}-v1.mp3"
    assert len(published_episodes(store, "sample")) == 4


def test_its_feed_is_published_from_it(old_store):
    settings, store = old_store
    path = publishing.publish_feed("sample", settings, store)
    feed = feedparser.parse(path.read_bytes())
    assert len(feed.entries) == 4
    assert {e.enclosures[0].href.rsplit("/", 1)[1] for e in feed.entries} == {
        f"{r.article_id}-v1.mp3" for r in published_episodes(store, "sample")
    }


def test_its_lexicon_is_the_current_one_and_a_save_adds_a_version(old_store):
    settings, store = old_store
    before = lexicon_versions.current(store)
    assert before is not None
    assert current_lexicon(settings, store).version == before.version
    saved = save_lexicon(store, before.toml + '\n[[entry]]\nmatch = "Lybke"\nsay = "Lüpke"\n',
                         author="test", message="one more")
    assert lexicon_versions.current(store).id == saved.id > before.id


def test_editors_tables_work_on_it(old_store):
    settings, store = old_store
    accounts.add_user(store, "chefin", "admin", password="ein langes Passwort")
    assert [u.name for u in accounts.list_users(store)] == ["chefin"]
    job_id = job_records.add_job(store, "regenerate", SEED, "user:chefin")
    assert job_records.get_job(store, job_id).status == "queued"


def test_withdraw_and_restore_by_url(old_store):
    settings, store = old_store
    url = get_article(store, SEED).url
    publishing.withdraw(url, settings, message="Test", store=store)
    assert get_article(store, SEED).status == "withdrawn"
    assert len(published_episodes(store, "sample")) == 3
    publishing.restore(url, settings, store)
    assert len(published_episodes(store, "sample")) == 4
