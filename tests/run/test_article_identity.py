"""An article is the story, not the entry that announced it: a push and a poll of the same story,
a feed whose GUIDs change on every poll, a story in two of the newsroom's feeds and a link with
tracking parameters all give one article, one MP3 and one podcast GUID; two stories that share
one GUID stay two."""

from __future__ import annotations

import itertools
from http.server import BaseHTTPRequestHandler

import feedparser
import pytest

from pipeline.config import FeedConfig
from pipeline.run.article import process_article
from pipeline.run.feed import accept_push, run
from pipeline.run.publishing import publish_feed, resolve_article
from pipeline.state.articles import list_articles
from pipeline.state.episodes import all_episodes
from pipeline.state.store import open_store
from pipeline.state.story_keys import story_url
from tests.conftest import reply, settings_in
from tests.run.test_poll_scope import Site, page


def serve_feed(s: Site, path: str, items: callable) -> None:  # type: ignore[valid-type]
    """A feed at ``path`` whose items ``items()`` gives anew on every request: (guid, link, title)."""

    def handler(h: BaseHTTPRequestHandler) -> None:
        body = "".join(f"<item><title>{t}</title><link>{link}</link><guid isPermaLink='false'>{g}</guid></item>"
                       for g, link, t in items())
        reply(f"<rss version='2.0'><channel><title>t</title>{body}</channel></rss>".encode(), "application/rss+xml")(h)

    s.web[path] = handler


def podcast_items(settings, feed: str = "sample") -> list[tuple[str, str]]:
    parsed = feedparser.parse((settings.feeds_dir / f"{feed}.xml").read_bytes())
    return [(e.id, e.title) for e in parsed.entries]


def mp3s(settings) -> list[str]:
    return sorted(p.name for p in settings.audio_dir.glob("*.mp3"))


@pytest.fixture
def site(web, tmp_path):
    s = Site(web)
    s.put("/a.html", page("Neue Brücke eröffnet"))
    s.put("/b.html", page("Alte Brücke gesperrt"))
    settings = settings_in(tmp_path, f"{web.base}/feed.xml")
    return s, settings


def test_guids_that_change_on_every_poll_give_one_article_and_one_episode(site):
    s, settings = site
    counter = itertools.count()
    serve_feed(s, "/feed.xml", lambda: [(f"a-{next(counter)}", f"{s.web.base}/a.html", "Neue Brücke eröffnet")])
    for _ in range(5):
        summary = run(settings)
        assert summary.failed_polls == []
    store = open_store(settings)
    (article,) = list_articles(store)
    assert len(all_episodes(store, article.id)) == 1 and len(mp3s(settings)) == 1
    assert podcast_items(settings) == [(article.guid, "Neue Brücke eröffnet")]
    assert article.guid == "a-0", "the podcast GUID is the first one, forever"
    assert s.fetched() == ["/a.html"]
    assert resolve_article(f"{s.web.base}/a.html", settings) == article.id


def test_one_guid_for_two_stories_stays_two_articles_and_no_episode_flips(site, caplog):
    s, settings = site
    serve_feed(s, "/feed.xml", lambda: [("x", f"{s.web.base}/a.html", "Neue Brücke eröffnet"),
                                        ("x", f"{s.web.base}/b.html", "Alte Brücke gesperrt")])
    with caplog.at_level("WARNING"):
        for _ in range(3):
            run(settings)
    store = open_store(settings)
    rows = list_articles(store)
    assert sorted(r.title for r in rows) == ["Alte Brücke gesperrt", "Neue Brücke eröffnet"]
    assert all(len(all_episodes(store, r.id)) == 1 for r in rows), "no new version on later polls"
    items = podcast_items(settings)
    assert sorted(t for _, t in items) == ["Alte Brücke gesperrt", "Neue Brücke eröffnet"]
    assert len({g for g, _ in items}) == 2, "two stories, two podcast GUIDs"
    assert any("two stories share the GUID" in r.message for r in caplog.records)


def test_the_same_story_in_two_feeds_is_spoken_once_and_listed_in_both(site):
    s, settings = site
    serve_feed(s, "/politik.xml", lambda: [("p-1", f"{s.web.base}/a.html", "Neue Brücke eröffnet")])
    serve_feed(s, "/alle.xml", lambda: [("z-9", f"{s.web.base}/a.html?utm_source=alle#top", "Neue Brücke eröffnet"),
                                        ("z-8", f"{s.web.base}/b.html", "Alte Brücke gesperrt")])
    settings.feeds = [FeedConfig(name="politik", url=f"{s.web.base}/politik.xml", title="Politik"),
                      FeedConfig(name="alle", url=f"{s.web.base}/alle.xml", title="Alle")]
    for _ in range(2):
        run(settings)
    assert len(mp3s(settings)) == 2, "each story spoken once"
    assert s.fetched() == ["/a.html", "/b.html"]
    (politik,) = podcast_items(settings, "politik")
    assert sorted(podcast_items(settings, "alle")) == sorted([politik, ("z-8", "Alte Brücke gesperrt")])


@pytest.mark.parametrize("push_first", [True, False], ids=["push-then-poll", "poll-then-push"])
def test_a_push_and_a_poll_of_one_story_give_one_episode(site, push_first):
    s, settings = site
    link = f"{s.web.base}/a.html"
    serve_feed(s, "/feed.xml", lambda: [("feed-guid-a", f"{link}?utm_medium=rss", "Neue Brücke eröffnet")])
    store = open_store(settings)
    if push_first:
        pushed = accept_push(store, settings.feed("sample"), link, "Neue Brücke eröffnet")
        assert process_article(pushed, settings, store).status == "done"
        publish_feed("sample", settings, store)
        run(settings)
    else:
        run(settings)
        pushed = accept_push(store, settings.feed("sample"), link, "Neue Brücke eröffnet")
        assert process_article(pushed, settings, store).status in ("unchanged", "done")
        publish_feed("sample", settings, store)
    (article,) = list_articles(store)
    assert article.id == pushed
    assert len(mp3s(settings)) == 1 and len(all_episodes(store, pushed)) == 1
    assert podcast_items(settings) == [(link if push_first else "feed-guid-a", "Neue Brücke eröffnet")]


def test_a_link_names_its_story_without_fragment_or_tracking():
    plain = "https://www.example.de/politik/artikel-1.html?id=7"
    dressed = "HTTPS://WWW.Example.de:443/politik/artikel-1.html?utm_source=rss&id=7&fbclid=x#kommentare"
    assert story_url(dressed) == plain
    assert story_url("https://www.example.de/politik/") == "https://www.example.de/politik"
    assert story_url("https://www.example.de/a.html?id=8") != story_url("https://www.example.de/a.html?id=7")
