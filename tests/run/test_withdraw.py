"""Withdrawal: an editor's `newsaudio withdraw` / `restore`, and pages that are gone."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from pipeline.cli import main
from pipeline.models import FeedEntry
from pipeline.run import publishing
from pipeline.run.article import prepare_article
from pipeline.stages.publish.names import episode_files, player_data_guid_path, player_data_path
from pipeline.state.articles import get_article, upsert_entry, upsert_feed
from pipeline.state.store import open_store
from tests.conftest import reply
from tests.support.fake_episodes import add_episode, url_of


@pytest.fixture
def store(settings):
    return open_store(settings)


def listed(settings) -> list[str]:
    feed = etree.fromstring((settings.feeds_dir / "sample.xml").read_bytes())
    return [i.findtext("link") for i in feed.iter("item")]


def indexed(settings) -> list[str]:
    return sorted(json.loads((settings.feeds_dir / "sample.json").read_text(encoding="utf-8")))


def test_withdraw_by_url_and_restore_by_guid(settings, store, capsys):
    add_episode(store, settings, 1, version=1)
    add_episode(store, settings, 1, version=2)
    add_episode(store, settings, 2)
    publishing.publish_feed("sample", settings, store)
    out = settings.output_dir
    files = episode_files("sample00001-v1.mp3") + episode_files("sample00001-v2.mp3")
    data = [player_data_path(url_of(1)), player_data_guid_path("guid-sample-1")]
    assert all((out / rel).exists() for rel in files + data)

    assert main(["withdraw", url_of(1), "--reason", "Gegendarstellung"], settings=settings) == 0
    assert "withdrew sample00001" in capsys.readouterr().out
    assert listed(settings) == [url_of(2)] and indexed(settings) == [url_of(2)]
    for rel in files + data:
        assert not (out / rel).exists() and (out / ".gone" / rel).exists(), rel
    assert all((settings.data_dir / "withdrawn" / rel).exists() for rel in files)
    assert (out / player_data_path(url_of(2))).exists()

    assert main(["status", "--state", "withdrawn"], settings=settings) == 0
    assert "Gegendarstellung" in capsys.readouterr().out
    assert main(["withdraw", "sample00001"], settings=settings) == 2
    assert "withdrawn already" in capsys.readouterr().err
    # A later refresh of the page does not bring it back on its own.
    assert prepare_article("sample00001", settings, store).status == "withdrawn"
    publishing.publish_feed("sample", settings, store)
    assert listed(settings) == [url_of(2)]

    assert main(["restore", "guid-sample-1"], settings=settings) == 0
    assert listed(settings) == [url_of(2), url_of(1)] and indexed(settings) == [url_of(1), url_of(2)]
    for rel in files + data:
        assert (out / rel).exists() and not (out / ".gone" / rel).exists(), rel
    assert get_article(store, "sample00001").status == "done"
    assert json.loads((out / data[0]).read_text(encoding="utf-8"))["version"] == 2

    capsys.readouterr()
    assert main(["restore", "sample00001"], settings=settings) == 2
    assert "not withdrawn" in capsys.readouterr().err
    # Both changes are in the audit log the console shows, with who made them from the shell.
    from pipeline.state import accounts

    logged = [(e.action, e.target, e.before, e.after) for e in accounts.audit_entries(store)]
    assert ("article.restore", "sample00001", {"status": "withdrawn"}, {"status": "done", "reason": ""}) in logged
    assert any(a == "article.withdraw" and after["reason"] == "Gegendarstellung" for a, _, _, after in logged)
    assert all(e.actor.startswith("cli:") for e in accounts.audit_entries(store))


def test_withdrawn_old_versions_past_grace_stay_gone_after_restore(settings, store):
    now = datetime.now(UTC)
    add_episode(store, settings, 1, version=1, created=now - timedelta(days=30))
    add_episode(store, settings, 1, version=2, created=now - timedelta(days=10))
    publishing.publish_feed("sample", settings, store)  # sweeps v1
    publishing.withdraw("sample00001", settings, store=store)
    publishing.restore(url_of(1), settings, store=store)
    out = settings.output_dir
    assert (out / "audio/sample00001-v2.mp3").exists()
    assert not (out / "audio/sample00001-v1.mp3").exists() and (out / ".gone/audio/sample00001-v1.mp3").exists()


@pytest.mark.parametrize("status", [404, 410])
def test_a_page_gone_on_two_refreshes_in_a_row_is_withdrawn(settings, store, web, status):
    url = f"{web.base}/politik/weg.html"
    web["/politik/weg.html"] = reply(b"<html><body>weg</body></html>", status=status)
    article_id = add_episode(store, settings, 1, url=url)
    add_episode(store, settings, 2)
    publishing.publish_feed("sample", settings, store)

    first = prepare_article(article_id, settings, store)
    assert (first.status, first.reason) == ("failed", f"http-{status}")
    publishing.publish_feed("sample", settings, store)
    assert url in listed(settings)  # one bad answer may be a hiccup: listeners keep the episode

    second = prepare_article(article_id, settings, store)
    assert second.status == "withdrawn"
    assert url not in listed(settings)
    assert (settings.output_dir / ".gone/audio/sample00001-v1.mp3").exists()
    row = get_article(store, article_id)
    assert row.status == "withdrawn" and row.reason == "source-gone" and f"HTTP {status}" in row.message


def test_gone_answers_must_come_in_a_row_and_the_setting_switches_it_off(settings, store, web):
    answers = iter([404, 500, 404, 404])

    def handler(h) -> None:
        reply(b"<html></html>", status=next(answers))(h)

    web["/a.html"] = handler
    article_id = add_episode(store, settings, 1, url=f"{web.base}/a.html")
    reasons = [prepare_article(article_id, settings, store).reason for _ in range(2)]
    assert reasons == ["http-404", "http-500"]
    settings.auto_withdraw_gone = False
    assert prepare_article(article_id, settings, store).status == "failed"
    assert prepare_article(article_id, settings, store).status == "failed"
    assert get_article(store, article_id).status == "failed"
    publishing.publish_feed("sample", settings, store)
    assert listed(settings) == [f"{web.base}/a.html"]


def test_an_article_never_published_is_not_withdrawn(settings, store, web):
    web["/neu.html"] = reply(b"<html></html>", status=404)
    upsert_feed(store, "sample", "http://127.0.0.1:9/feed.xml")
    upsert_entry(store, "sample", "neu", FeedEntry(guid="neu", url=f"{web.base}/neu.html", title="Neu"))
    for _ in range(2):
        outcome = prepare_article("neu", settings, store)
    assert (outcome.status, outcome.reason) == ("failed", "http-404")
