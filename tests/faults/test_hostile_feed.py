"""A hostile news site on loopback, end to end: what a feed or page sends never freezes the podcast
feed, never reaches a listener as a dangerous link, never breaks the terminal output."""

from __future__ import annotations

import dataclasses
import json

import pytest
from lxml import etree

from pipeline.cli.main import main
from pipeline.config import FeedConfig
from pipeline.run import publishing
from pipeline.run.feed import poll_feed, run
from pipeline.run.sample_site import serve_site
from pipeline.state.articles import get_article, list_articles, set_status, upsert_entry
from pipeline.state.episodes import add_episode, latest_episode, newest_episodes
from pipeline.state.store import open_store
from tests.support.hostile_site import article_html, change_feed, feed_xml, write_site

BAD_TITLE = "Rat&#x1; tagt [/x] [bold]laut\u202e heute"


@pytest.fixture
def hostile(settings, tmp_path):
    """A site with one voiced article whose feed entry and page title are hostile."""
    site = write_site(
        tmp_path / "site",
        {"a.html": article_html(BAD_TITLE, raw_title=True), "b.html": article_html("Zweiter Artikel")},
        feed_xml([("guid&#x1;-a\u202e", "a.html", BAD_TITLE)]),
    )
    settings.allowed_hosts = ["127.0.0.1"]
    settings.allow_private_addresses = False
    with serve_site(site) as base:
        settings.feeds = [FeedConfig(name="hostile", url=f"{base}/feed.xml", title="Feindselig")]
        yield settings, site, base


def squeezed(table: str) -> str:
    """A rich table's text without borders, spaces and line breaks (cells fold long text)."""
    return "".join(ch for ch in table if ch not in " \n│┃")


def feed_items(settings) -> list[etree._Element]:
    tree = etree.parse(str(settings.feeds_dir / "hostile.xml"))  # strict XML: fails on \x01
    return tree.findall(".//item")


def test_control_characters_and_markup_in_titles_do_not_freeze_the_feed(hostile, capsys):
    settings, _, _ = hostile
    assert main(["run"], settings=settings) == 0
    (item,) = feed_items(settings)
    title = item.findtext("title")
    assert title == "Rat tagt [/x] [bold]laut heute"
    assert "\x01" not in item.findtext("guid") and "\u202e" not in item.findtext("guid")
    out = capsys.readouterr().out
    assert "[/x]" in out  # the run summary prints the title as text, not as markup
    # status shows the title as is, and a second run still writes the feed
    assert main(["status"], settings=settings) == 0
    shown = squeezed(capsys.readouterr().out)
    assert "[/x]" in shown and "[bold]laut" in shown
    assert main(["run"], settings=settings) == 0
    assert len(feed_items(settings)) == 1


def test_an_old_record_with_control_characters_cannot_freeze_the_feed(hostile):
    settings, _, _ = hostile
    assert main(["run"], settings=settings) == 0
    store = open_store(settings)
    (good,) = list_articles(store, "hostile")
    # A record from before entrance cleaning: its title and GUID hold a control character.
    from pipeline.models import FeedEntry

    upsert_entry(store, "hostile", "oldbad", FeedEntry(guid="old\x01guid", url="http://127.0.0.1/old", title="alt"))
    ep = latest_episode(store, good.id).episode
    add_episode(store,
        "oldbad", version=1, voice=ep.voice, voice_is_fallback=False, text_hash="x", lexicon_version="",
        content_key="x", file_name=ep.file_name, size=ep.bytes, duration_s=ep.duration_s,
        title="Alt\x01er Titel", description="", chapters=[],
    )
    set_status(store, "oldbad", "done")
    publishing.publish_feed("hostile", settings)
    items = feed_items(settings)  # the feed is written, and parses
    assert good.guid in [i.findtext("guid") for i in items]
    assert "Alter Titel" in [i.findtext("title") for i in items]
    assert "\x01" not in (settings.feeds_dir / "hostile.xml").read_text(encoding="utf-8")


def test_an_item_that_cannot_be_rendered_is_left_out_with_its_reason(hostile, capsys):
    from pipeline.stages.publish import item_guard
    from pipeline.stages.publish.rss import render_item

    settings, _, _ = hostile
    assert main(["run"], settings=settings) == 0
    (row,) = newest_episodes(open_store(settings), "hostile", 10)
    good = row.episode
    broken = dataclasses.replace(good, episode_id="broken", guid="broken-guid")

    def render(ep):  # a renderer that chokes on one item, as a bug in one item's data would
        if ep.guid == "broken-guid":
            raise ValueError("All strings must be XML compatible")
        return render_item(settings.channel, ep, public_base_url=settings.public_base_url)

    rendered, left_out = item_guard.render_each(render, [good, broken])
    assert [b.episode.guid for b in left_out] == ["broken-guid"]
    assert "XML compatible" in left_out[0].reason
    assert [ep.guid for ep, _ in rendered] == [good.guid] and good.guid.encode() in rendered[0][1]


def test_links_are_only_ever_http_even_when_the_feed_changes_them(hostile):
    settings, site, base = hostile
    assert main(["run"], settings=settings) == 0
    (item,) = feed_items(settings)
    assert item.findtext("link") == f"{base}/a.html"
    # The feed now says the same entry lives at javascript:, and adds a data: entry.
    change_feed(site, feed_xml([
        ("guid&#x1;-a\u202e", "javascript:alert(document.cookie)", BAD_TITLE),
        ("new", "data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;", "Neu"),
        ("vb", " vbscript:msgbox ", "Neu2"),
    ]))
    main(["run"], settings=settings)
    (item,) = feed_items(settings)
    assert item.findtext("link") == f"{base}/a.html"
    for row in list_articles(open_store(settings), "hostile"):
        assert row.url.startswith("http://")
    index = json.loads((settings.feeds_dir / "hostile.json").read_text(encoding="utf-8"))
    assert list(index) == [f"{base}/a.html"]


def test_a_feed_that_cannot_be_read_fails_and_keeps_the_last_good_feed(hostile, capsys):
    settings, site, _ = hostile
    assert main(["run"], settings=settings) == 0
    good = (settings.feeds_dir / "hostile.xml").read_bytes()
    change_feed(site, "<html><body>Wartungsarbeiten</body></html>")
    assert main(["run"], settings=settings) == 1
    assert (settings.feeds_dir / "hostile.xml").read_bytes() == good
    assert "last good feed file is kept" in capsys.readouterr().err


def test_a_feed_unreadable_from_the_start_writes_no_empty_feed(hostile):
    settings, site, _ = hostile
    change_feed(site, b"\x00\x01garbage")
    assert main(["run"], settings=settings) == 1
    assert not (settings.feeds_dir / "hostile.xml").exists()


def test_absurdly_long_title_is_capped_and_marked(hostile):
    settings, site, _ = hostile
    settings.max_title_chars = 120
    long_title = "Sehr " * 2000 + "lang"
    change_feed(site, feed_xml([("long", "b.html", long_title)]))
    polled = poll_feed(settings.feed("hostile"), settings)
    (row,) = [get_article(open_store(settings), i) for i in polled.article_ids]
    assert len(row.title) <= 120 and row.title.endswith("…")


def test_article_over_the_length_limit_is_recorded_too_long_not_voiced(hostile):
    settings, site, _ = hostile
    settings.max_article_chars = 2000
    (site / "long.html").write_text(article_html("Ein sehr langer Bericht", 60), encoding="utf-8")
    change_feed(site, feed_xml([("long", "long.html", "Lang")]))
    summary = run(settings)
    (outcome,) = summary.outcomes
    assert (outcome.status, outcome.reason) == ("skipped", "too-long")
    assert "max_article_chars" in outcome.message
    assert not list(settings.audio_dir.glob("*.mp3")) if settings.audio_dir.exists() else True


def test_extract_prints_brackets_as_text_in_text_and_json(tmp_path, settings, capsys):
    page = tmp_path / "p.html"
    page.write_text(article_html("Streit um [/x] und [bold]Klammern[/bold] :smile:"), encoding="utf-8")
    assert main(["extract", str(page)], settings=settings) == 0
    text = capsys.readouterr().out
    assert "Streit um [/x] und [bold]Klammern[/bold] :smile:" in text
    assert main(["extract", "--json", str(page)], settings=settings) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["title"] == "Streit um [/x] und [bold]Klammern[/bold] :smile:"


def test_extract_of_a_hostile_url_reports_the_reason_escaped(web, settings, capsys):
    settings.allowed_hosts = []
    assert main(["extract", web.base + "/[/x]"], settings=settings) == 1
    err = capsys.readouterr().err
    assert "[/x]" in err and "127.0.0.1" in err


def lol_feed(levels: int = 8) -> bytes:
    entities = '<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + i)} "' + f"&{chr(97 + i)};" * 10 + '">' for i in range(levels)
    )
    return (
        f'<?xml version="1.0"?><!DOCTYPE rss [{entities}]><rss version="2.0"><channel><title>t</title>'
        f"<item><guid>1</guid><link>http://example.org/a</link><title>&{chr(97 + levels)};</title></item>"
        "</channel></rss>"
    ).encode()


def test_entity_bomb_in_a_feed_is_not_expanded():
    import time
    import tracemalloc

    from pipeline.stages.feeds import parse_feed

    tracemalloc.start()
    start = time.perf_counter()
    (entry,) = parse_feed(lol_feed(), "http://example.org/feed.xml").entries
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(entry.title) < 100  # 10^9 "a" were asked for
    assert peak < 5_000_000 and elapsed < 5


def test_external_entity_in_a_feed_is_never_read(tmp_path):
    from pipeline.stages.feeds import parse_feed

    secret = tmp_path / "secret.txt"
    secret.write_text("GEHEIM-1234", encoding="utf-8")
    data = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "{secret.as_uri()}">]><rss version="2.0"><channel>'
        "<title>t &x;</title><item><guid>1</guid><link>http://example.org/a</link><title>A &x; B</title>"
        "<description>&x;</description></item></channel></rss>"
    ).encode()
    poll = parse_feed(data, "http://example.org/feed.xml")
    (entry,) = poll.entries
    assert "GEHEIM" not in entry.title + entry.summary + poll.title
