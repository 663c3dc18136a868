from __future__ import annotations

import pytest

from pipeline.models import FeedError
from pipeline.stages.feeds import parse_feed, poll
from tests.conftest import reply

SAMPLE_GUIDS = ["ntv-article24649386", "ntv-id30134161", "ntv-article25136526", "ntv-article24075843"]


def test_sample_feed_entries_resolve_to_absolute_article_urls(sample_site, settings):
    result = poll(f"{sample_site}/feed.xml", settings)
    assert [e.guid for e in result.entries][:4] == SAMPLE_GUIDS
    first = result.entries[0]
    assert first.url == f"{sample_site}/articles/politik-russland-iran-militaerabkommen.html"
    assert first.title.startswith("Nachschub für die Front?")
    assert first.published is not None and first.published.year == 2024
    assert result.etag or result.modified


def test_second_poll_with_validators_is_not_modified(sample_site, settings):
    first = poll(f"{sample_site}/feed.xml", settings)
    again = poll(f"{sample_site}/feed.xml", settings, etag=first.etag, modified=first.modified)
    assert again.not_modified
    assert again.entries == []


def test_conditional_get_sends_etag(web, settings):
    seen: list[str | None] = []

    def handler(h):
        seen.append(h.headers.get("If-None-Match"))
        if h.headers.get("If-None-Match") == '"v1"':
            h.send_response(304)
            h.end_headers()
            return
        body = b"<rss version='2.0'><channel><title>t</title><item><link>http://x/a</link></item></channel></rss>"
        h.send_response(200)
        h.send_header("Content-Type", "application/rss+xml")
        h.send_header("ETag", '"v1"')
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    web["/feed"] = handler
    first = poll(f"{web.base}/feed", settings)
    assert first.etag == '"v1"' and len(first.entries) == 1
    assert first.entries[0].guid == "http://x/a"  # no <guid>: the link is the identity
    assert poll(f"{web.base}/feed", settings, etag=first.etag).not_modified
    assert seen == [None, '"v1"']


def test_malformed_feed_is_a_clear_error():
    with pytest.raises(FeedError, match="not a readable RSS/Atom feed"):
        parse_feed(b"<html><body>Wartungsarbeiten</body></html>\x00<<<", "http://x/feed")


def test_feed_that_is_html_is_refused(web, settings):
    web["/feed"] = reply(b"<html>nope</html>", "text/html")
    with pytest.raises(FeedError) as err:
        poll(f"{web.base}/feed", settings)
    assert err.value.reason == "feed-wrong-content-type"
