"""Polling that is bounded and polite: a huge feed costs a bounded poll, a site that asks us to
wait (429/503 with Retry-After) is waited for without counting a failure, and an article that
failed all its attempts is tried again on a slow schedule instead of never."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler

import pytest

from pipeline.run.feed import poll_feed, run, work_needed
from pipeline.stages.fetch import retry_after
from pipeline.state.articles import get_article, list_articles
from pipeline.state.store import open_store
from tests.conftest import reply, settings_in
from tests.run.test_poll_scope import page

# feedparser warns once per entry about a date field it maps; 20,000 of them say nothing here
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def huge_feed(base: str, count: int) -> bytes:
    items = "".join(
        f"<item><title>Meldung {i}</title><link>{base}/m{i}.html</link><guid isPermaLink='false'>m{i}</guid>"
        f"<pubDate>{(datetime(2025, 1, 1, tzinfo=UTC) + timedelta(minutes=i)).strftime('%a, %d %b %Y %H:%M:%S +0000')}"
        "</pubDate></item>"
        for i in range(count)
    )
    return f"<rss version='2.0'><channel><title>t</title>{items}</channel></rss>".encode()


def test_a_feed_of_20000_entries_costs_one_bounded_poll_newest_first(web, tmp_path):
    fetched: list[str] = []

    def gone(h: BaseHTTPRequestHandler) -> None:
        fetched.append(h.path)
        h.send_error(404)

    for i in range(20_000):
        web[f"/m{i}.html"] = gone
    web["/feed.xml"] = reply(huge_feed(web.base, 20_000), "application/rss+xml")
    settings = settings_in(tmp_path, f"{web.base}/feed.xml")
    settings.max_new_entries_per_poll = 3
    summary = run(settings)
    assert len(fetched) == 3
    assert sorted(fetched) == ["/m19997.html", "/m19998.html", "/m19999.html"], "the newest entries first"
    assert summary.polls[0].error == ""
    assert len(summary.outcomes) == 3


def test_a_429_with_retry_after_is_waited_for_and_the_article_voiced_in_the_same_run(web, tmp_path):
    answers = []

    def busy_once(h: BaseHTTPRequestHandler) -> None:
        answers.append(time.monotonic())
        if len(answers) == 1:
            h.send_response(429)
            h.send_header("Retry-After", "2")
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        reply(page("Neue Brücke eröffnet"))(h)

    web["/a.html"] = busy_once
    web["/feed.xml"] = reply(b"<rss version='2.0'><channel><title>t</title><item><title>Neue Br\xc3\xbccke</title>"
                             b"<link>/a.html</link><guid>a</guid></item></channel></rss>", "application/rss+xml")
    settings = settings_in(tmp_path, f"{web.base}/feed.xml")
    (outcome,) = run(settings).outcomes
    assert outcome.status == "done"
    assert len(answers) == 2 and answers[1] - answers[0] >= 1.9, "asked again only after the wait"
    assert get_article(open_store(settings), outcome.article_id).attempts == 0


def test_a_long_retry_after_defers_the_article_without_spending_an_attempt(web, tmp_path):
    def closed(h: BaseHTTPRequestHandler) -> None:
        h.send_response(503)
        h.send_header("Retry-After", "3600")
        h.send_header("Content-Length", "0")
        h.end_headers()

    web["/b.html"] = closed
    web["/feed.xml"] = reply(b"<rss version='2.0'><channel><title>t</title><item><title>Gesperrt</title>"
                             b"<link>/b.html</link><guid>b</guid></item></channel></rss>", "application/rss+xml")
    settings = settings_in(tmp_path, f"{web.base}/feed.xml")
    start = time.monotonic()
    (outcome,) = run(settings).outcomes
    assert time.monotonic() - start < 20
    assert outcome.status == "deferred"
    row = get_article(open_store(settings), outcome.article_id)
    assert (row.status, row.attempts) == ("new", 0)


def test_an_article_that_failed_all_its_attempts_is_tried_again_a_day_later(web, tmp_path):
    web["/c.html"] = lambda h: h.send_error(500)
    web["/feed.xml"] = reply(b"<rss version='2.0'><channel><title>t</title><item><title>Kaputt</title>"
                             b"<link>/c.html</link><guid>c</guid></item></channel></rss>", "application/rss+xml")
    settings = settings_in(tmp_path, f"{web.base}/feed.xml")
    for _ in range(3):
        run(settings)
    store = open_store(settings)
    (row,) = list_articles(store)
    assert (row.status, row.attempts) == ("failed", 3)
    now = datetime.now(UTC)
    assert work_needed(store, "sample", now, settings) == []
    assert poll_feed(settings.feed("sample"), settings, now=now + timedelta(hours=23)).article_ids == []
    assert work_needed(store, "sample", now + timedelta(seconds=settings.failed_retry_after_s + 60), settings) == [
        row.id]


def test_retry_after_reads_seconds_and_http_dates():
    assert retry_after("2") == 2.0
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=datetime(2015, 10, 21, 7, 27, tzinfo=UTC).timestamp()) == 60
    assert retry_after("") is None and retry_after("bald") is None
