"""Polls touch only what changed: known, unchanged entries are not fetched again; changed entries
and due revisits are, and a revisit asks conditionally so an unchanged page costs one 304."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler

import pytest

from pipeline.models import FeedEntry
from pipeline.run import article as article_run
from pipeline.run.article import prepare_article, process_article
from pipeline.run.feed import poll_feed, run
from pipeline.stages.freshness import entry_fingerprint, next_check, parse_schedule
from pipeline.state.articles import (
    get_article,
    known_items,
    list_articles,
    page_state,
    record_check,
    record_entries,
    set_status,
    upsert_feed,
    work_needed,
)
from pipeline.state.store import open_store
from tests.conftest import reply, settings_in
from tests.state.test_store import store  # noqa: F401 - the SQLite and PostgreSQL store fixture


def page(title: str, extra: str = "") -> bytes:
    return (
        f"<html lang='de'><head><title>{title}</title></head><body><article><h1>{title}</h1>"
        "<p>Die neue Brücke über den Fluss ist am Morgen für den Verkehr freigegeben worden. "
        f"Der Bürgermeister sprach von einem guten Tag für die Stadt.{extra}</p>"
        "<p>Nach drei Jahren Bauzeit können nun Autos und Fahrräder den Fluss wieder queren. "
        "Die Anwohner hatten lange auf diesen Tag gewartet, denn der Umweg über die Autobahn kostete sie "
        "jeden Tag fast eine halbe Stunde.</p>"
        "</article></body></html>"
    ).encode()


class Site:
    """Article pages with ETags that answer If-None-Match with 304, counting what they serve."""

    def __init__(self, web) -> None:
        self.web = web
        self.pages: dict[str, bytes] = {}
        self.hits: list[tuple[str, str]] = []  # (path, the If-None-Match it carried)
        self.items: dict[str, str] = {}  # guid -> title in the feed

    def put(self, path: str, body: bytes) -> None:
        self.pages[path] = body
        self.web[path] = self.serve

    def serve(self, h: BaseHTTPRequestHandler) -> None:
        path = h.path.split("?")[0]  # a link may carry tracking parameters; the page is the same
        body = self.pages[path]
        etag = f'"{hash(body) & 0xFFFFFFFF:x}"'
        self.hits.append((path, h.headers.get("If-None-Match", "")))
        if h.headers.get("If-None-Match") == etag:
            h.send_response(304)
            h.send_header("ETag", etag)
            h.end_headers()
            return
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.send_header("Content-Length", str(len(body)))
        h.send_header("ETag", etag)
        h.end_headers()
        h.wfile.write(body)

    def publish_feed(self) -> None:
        items = "".join(
            f"<item><title>{title}</title><link>/{guid}.html</link><guid isPermaLink='false'>{guid}</guid></item>"
            for guid, title in self.items.items()
        )
        self.web["/feed.xml"] = reply(
            f"<rss version='2.0'><channel><title>t</title>{items}</channel></rss>".encode(), "application/rss+xml"
        )

    def fetched(self) -> list[str]:
        paths = [p for p, _ in self.hits]
        self.hits.clear()
        return sorted(paths)


@pytest.fixture
def site(web, tmp_path):
    s = Site(web)
    for guid, title in (("a", "Neue Brücke eröffnet"), ("b", "Alte Brücke gesperrt")):
        s.items[guid] = title
        s.put(f"/{guid}.html", page(title))
    s.publish_feed()
    settings = settings_in(tmp_path, f"{web.base}/feed.xml")
    summary = run(settings)
    assert sorted(o.status for o in summary.outcomes) == ["done", "done"]
    assert s.fetched() == ["/a.html", "/b.html"]
    return s, settings


def test_a_known_unchanged_entry_is_not_fetched_again_only_the_new_one_is(site):
    s, settings = site
    s.items["c"] = "Dritte Brücke geplant"
    s.put("/c.html", page("Dritte Brücke geplant"))
    s.publish_feed()
    summary = run(settings)
    (polled,) = summary.polls
    assert (polled.entries, polled.new, polled.changed) == (3, 1, 0)
    assert s.fetched() == ["/c.html"]
    assert [o.status for o in summary.outcomes] == ["done"]


def test_a_changed_entry_is_fetched_again_and_gets_a_new_version(site):
    s, settings = site
    s.items["b"] = "Alte Brücke gesperrt: Umleitung"
    s.put("/b.html", page("Alte Brücke gesperrt: Umleitung", " Eine Umleitung ist ausgeschildert."))
    s.publish_feed()
    summary = run(settings)
    assert summary.polls[0].changed == 1
    assert s.fetched() == ["/b.html"]
    (outcome,) = summary.outcomes
    assert (outcome.status, outcome.version) == ("done", 2)


def test_a_due_revisit_asks_conditionally_and_a_304_costs_no_extraction(site, monkeypatch):
    s, settings = site
    db = open_store(settings)
    seen = {r.guid: page_state(db, r.id)[2] for r in list_articles(db, "sample")}
    assert poll_feed(settings.feed("sample"), settings, now=seen["a"] + timedelta(minutes=5)).article_ids == []
    later = max(seen.values()) + timedelta(minutes=11)
    ids = poll_feed(settings.feed("sample"), settings, now=later).article_ids
    assert len(ids) == 2  # both are young and reached their first revisit
    extracted: list[str] = []
    real_extract = article_run.extract
    counted = lambda html, url, **kw: extracted.append(url) or real_extract(html, url, **kw)  # noqa: E731
    monkeypatch.setattr(article_run, "extract", counted)
    s.put("/b.html", page("Alte Brücke gesperrt", " Nachtrag: Die Sperrung dauert eine Woche."))  # b was edited
    outcomes = {get_article(db, i).guid: process_article(i, settings, now=later) for i in ids}
    assert sorted(p for p, _ in s.hits) == ["/a.html", "/b.html"]
    assert all(inm for _, inm in s.hits), "every revisit carries the page's ETag"
    assert outcomes["a"].status == "unchanged" and "extract" not in outcomes["a"].timings
    assert outcomes["b"].status == "done" and outcomes["b"].version == 2
    assert [u.rsplit("/", 1)[1] for u in extracted] == ["b.html"]
    s.fetched()
    # the first revisit is done: nothing is due until the next step of the schedule
    assert poll_feed(settings.feed("sample"), settings, now=later).article_ids == []
    # after the last step (24 h) an article is never fetched again
    a_id = next(r.id for r in list_articles(db, "sample") if r.guid == "a")
    for age in (timedelta(minutes=31), timedelta(hours=2, minutes=1), timedelta(hours=6, minutes=1),
                timedelta(hours=25)):
        now = seen["a"] + age
        assert a_id in poll_feed(settings.feed("sample"), settings, now=now).article_ids
        assert prepare_article(a_id, settings, now=now).status == "unchanged"
    assert a_id not in poll_feed(settings.feed("sample"), settings, now=seen["a"] + timedelta(days=30)).article_ids


def test_schedule_steps_and_fingerprint():
    steps = parse_schedule("30m, 10m 2h 6h 1d")
    assert steps == [timedelta(minutes=10), timedelta(minutes=30), timedelta(hours=2), timedelta(hours=6),
                     timedelta(days=1)]
    seen = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
    assert next_check(seen, seen, steps) == seen + timedelta(minutes=10)
    assert next_check(seen, seen + timedelta(minutes=10), steps) == seen + timedelta(minutes=30)
    assert next_check(seen, seen + timedelta(days=1), steps) is None
    assert parse_schedule("") == []
    with pytest.raises(ValueError, match="revisit_after: '10' is not"):
        parse_schedule("10 minutes")
    entry = FeedEntry("g", "https://x/a.html", "Titel", seen, "Kurz")
    same = FeedEntry("g", "https://x/a.html", "Titel", seen, "Kurz")
    assert entry_fingerprint(entry) == entry_fingerprint(same)
    for changed in (FeedEntry("g", "https://x/a.html", "Titel!", seen, "Kurz"),
                    FeedEntry("g", "https://x/a.html", "Titel", seen, "Kurz."),
                    FeedEntry("g", "https://x/a.html", "Titel", seen, "Kurz", updated=seen)):
        assert entry_fingerprint(changed) != entry_fingerprint(entry)


def test_the_store_answers_what_needs_work_in_one_write_per_poll(store):  # noqa: F811
    now = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
    upsert_feed(store, "politik", "https://x/feed.xml", "Politik")
    entries = [FeedEntry(f"g{i}", f"https://x/{i}.html", f"Titel {i}", now - timedelta(minutes=i)) for i in range(5)]
    rows = [(f"id{i}", e, entry_fingerprint(e), f"item{i}") for i, e in enumerate(entries)]
    assert record_entries(store, "politik", rows, now) == (5, 0)
    assert work_needed(store, "politik", now, 3) == [f"id{i}" for i in range(5)]  # newest first
    for i in range(5):
        set_status(store, f"id{i}", "done")
        record_check(store, f"id{i}", now + timedelta(minutes=10))
    set_status(store, "id3", "failed")
    assert record_entries(store, "politik", rows, now) == (0, 0)
    assert work_needed(store, "politik", now, 3) == ["id3"]  # a failure with attempts left
    edited = FeedEntry("g1", "https://x/1.html", "Titel 1 (aktualisiert)", entries[1].published)
    assert record_entries(store, "politik", [rows[0], ("id1", edited, entry_fingerprint(edited), "item1b")],
                                now) == (0, 1)
    assert known_items(store, "politik", ["item0", "item1", "item1b", "other"]) == {"item0", "item1b"}
    assert work_needed(store, "politik", now, 3) == ["id1", "id3"]
    assert get_article(store, "id1").title == "Titel 1 (aktualisiert)"
    assert set(work_needed(store, "politik", now + timedelta(minutes=10), 3)) == {"id0", "id1", "id2", "id3", "id4"}


def test_items_seen_byte_for_byte_are_not_parsed_again_in_rss_and_atom():
    from pipeline.stages.feed_items import Scan, unseen_items
    from pipeline.stages.feeds import parse_feed

    rss = (b"<?xml version='1.0'?><rss version='2.0'><channel><title>t</title>"
           b"<item><title>Eins</title><link>https://x/1.html</link><guid>g1</guid></item>"
           b"<item><title>Zwei</title><link>https://x/2.html</link></item></channel></rss>")
    atom = (b"<feed xmlns='http://www.w3.org/2005/Atom'><title>t</title>"
            b"<entry><id>urn:1</id><title>Eins</title><link href='https://x/1.html'/></entry>"
            b"<entry><id>urn:2</id><title>Zwei</title><link href='https://x/2.html'/></entry></feed>")
    for body in (rss, atom):
        first = Scan()
        whole = unseen_items(body, lambda hashes: set(), first)
        assert whole == body and first.total == 2 and first.known == 0
        entries = parse_feed(whole, "https://x/feed").entries
        hashes = {e.title: first.item_hash(e.guid, e.url) for e in entries}
        assert all(hashes.values()) and len(set(hashes.values())) == 2
        again = Scan()
        rest = unseen_items(body, lambda seen, h=hashes: set(seen) & {h["Eins"]}, again)
        assert (again.total, again.known) == (2, 1)
        assert [e.title for e in parse_feed(rest, "https://x/feed").entries] == ["Zwei"]
    broken = b"<rss><channel><item><title>kaputt"
    assert unseen_items(broken, lambda hashes: set(hashes), Scan()) == broken  # feedparser's job


def rebuilt_every_time(s: Site, links: dict[str, str] | None = None):
    """A feed as many news sites serve it: rebuilt on every request (a new lastBuildDate), no
    ETag or Last-Modified, so a conditional GET always gets the whole feed again."""
    polls = []

    def handler(h: BaseHTTPRequestHandler) -> None:
        polls.append(h.headers.get("If-None-Match"))
        items = "".join(
            f"<item><title>{title}</title><link>{(links or {}).get(guid, f'/{guid}.html')}</link>"
            f"<guid isPermaLink='false'>{guid}</guid></item>"
            for guid, title in s.items.items()
        )
        built = datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S.%f +0000")
        reply(f"<rss version='2.0'><channel><title>t</title><lastBuildDate>{built}</lastBuildDate>{items}"
              "</channel></rss>".encode(), "application/rss+xml; charset=utf-8")(h)

    s.web["/feed.xml"] = handler
    return polls


def test_a_feed_rebuilt_on_every_request_is_a_quiet_successful_poll(site, caplog):
    s, settings = site
    polls = rebuilt_every_time(s)
    before = len(s.hits)
    with caplog.at_level("INFO"):
        for _ in range(5):
            summary = run(settings)
            assert summary.failed_polls == [] and summary.outcomes == []
    assert len(polls) == 5
    assert [r.message for r in caplog.records if r.levelname == "ERROR"] == []
    assert len(s.hits) == before, "no article page is fetched again"


def test_a_feed_whose_only_change_is_a_refused_link_is_no_failure(site, caplog):
    s, settings = site
    rebuilt_every_time(s, links={"b": "javascript:alert(1)"})
    with caplog.at_level("INFO"):
        summary = run(settings)
    assert summary.failed_polls == []
    assert [r.message for r in caplog.records if r.levelname == "ERROR"] == []
    assert any("entry left out" in r.message for r in caplog.records)
    assert {a.status for a in list_articles(open_store(settings))} == {"done"}, "the published episode stays"
