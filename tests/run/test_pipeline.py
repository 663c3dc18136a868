"""The spine end to end: the bundled sample feed becomes a German podcast."""

from __future__ import annotations

import io
import json
import os
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

import podcastparser
import pytest

from pipeline.config import FeedConfig, Settings
from pipeline.run.feed import run
from pipeline.run.sample_site import SAMPLE_SITE, serve_site
from pipeline.state.articles import list_articles, record_check
from pipeline.state.episodes import all_episodes, latest_episode, published_episodes
from pipeline.state.store import open_store
from tests.conftest import REPO, reply, settings_in, slow, streamed

SEED_ID_GUID = "ntv-article24649386"
SEED_BOILERPLATE = [
    "Politik\n",
    "00:00",
    "Diese Audioversion wurde künstlich generiert",
    "Mehr Infos",
    "Zusammenkunft 2022",
    "(Foto: IMAGO/ZUMA Wire)",
    "IMAGO",
    "Quelle: ntv.de",
    "Newsletter",
    "Ich möchte gerne Nachrichten",
    "Nicht mehr anzeigen",
]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """A copy of the sample site, so tests may edit pages."""
    root = tmp_path_factory.mktemp("site")
    shutil.copytree(SAMPLE_SITE, root, dirs_exist_ok=True)
    return root


@pytest.fixture(scope="module")
def first_run(site, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("run")
    with serve_site(site) as base:
        settings = settings_in(tmp, f"{base}/feed.xml")
        summary = run(settings)
        yield settings, summary, base


def seed_row(settings: Settings):
    store = open_store(settings)
    (row,) = [r for r in list_articles(store, "sample") if r.guid == SEED_ID_GUID]
    return store, row


def test_four_articles_done_and_the_missing_page_recorded(first_run):
    _, summary, _ = first_run
    assert sorted(o.status for o in summary.outcomes) == ["done"] * 4 + ["failed"]
    (failed,) = summary.failed
    assert failed.reason == "http-404"
    assert "404" in failed.message


def test_feed_lists_the_episodes_each_with_its_mp3(first_run):
    settings, summary, _ = first_run
    (feed_path,) = summary.feed_paths
    parsed = podcastparser.parse(f"{settings.public_base_url}/feeds/sample.xml", io.BytesIO(feed_path.read_bytes()))
    assert len(parsed["episodes"]) == 4
    for ep in parsed["episodes"]:
        (enc,) = ep["enclosures"]
        assert enc["url"].startswith(settings.public_base_url + "/audio/")
        mp3 = settings.audio_dir / enc["url"].rsplit("/", 1)[1]
        assert mp3.stat().st_size == enc["file_size"]
        assert mp3.read_bytes()[:3] == b"ID3"
        assert ep["total_time"] > 10
    titles = [e["title"] for e in parsed["episodes"]]
    assert "Nachschub für die Front? ISW: Russland und Iran planen großes Militärabkommen" in titles


def test_seed_spoken_text_keeps_the_article_and_drops_its_boilerplate(first_run):
    settings, _, _ = first_run
    _, row = seed_row(settings)
    text = row.article().text()
    for junk in SEED_BOILERPLATE:
        assert junk not in text, junk
    (episode,) = all_episodes(open_store(settings), row.id)[:1]
    transcript = settings.audio_dir / episode.episode.file_name.replace(".mp3", ".txt")
    assert transcript.read_text(encoding="utf-8") == text + "\n"
    page = (REPO / "sample/site/articles/politik-russland-iran-militaerabkommen.html").read_text(encoding="utf-8")
    expected = [
        "Nachschub für die Front? ISW: Russland und Iran planen großes Militärabkommen",
        "Die Bande zwischen Moskau und Teheran werden immer enger. Vor allem im Bereich",
        "Russland und der Iran bereiten sich auf die Unterzeichnung",
        "In Telefongesprächen haben der russische Verteidigungsminister",
        "Die erneuten Gespräche über einen zwischenstaatlichen Vertrag",
        "Die Bande zwischen Moskau und Teheran werden immer enger. Zum einen",
    ]
    positions = [text.find(p) for p in expected]
    assert all(p >= 0 for p in positions), list(zip(expected, positions, strict=True))
    assert positions == sorted(positions)
    assert "Nachschub" in page  # the expectations come from the page, not from the extractor


def test_website_finds_the_player_for_each_article_by_its_url(first_run):
    settings, _, base = first_run
    index = json.loads((settings.feeds_dir / "sample.json").read_text(encoding="utf-8"))
    seed = index[f"{base}/articles/politik-russland-iran-militaerabkommen.html"]
    assert seed["guid"] == SEED_ID_GUID
    assert seed["audio"] == f"{settings.public_base_url}/audio/{seed['audio'].rsplit('/', 1)[1]}"
    mp3 = settings.audio_dir / seed["audio"].rsplit("/", 1)[1]
    assert mp3.stat().st_size == seed["bytes"]
    assert (settings.audio_dir / seed["transcript"].rsplit("/", 1)[1]).exists()
    assert seed["chapters"][0]["start_s"] == 0 and seed["duration_s"] > 60
    assert len(index) == 4


def test_nothing_partial_in_output(first_run):
    settings, _, _ = first_run
    names = [p.name for p in settings.output_dir.rglob("*") if p.is_file()]
    assert not [n for n in names if n.startswith(".") or n.endswith(".tmp")]
    assert len([n for n in names if n.endswith(".mp3")]) == 4
    assert len([n for n in names if n.endswith(".txt")]) == 4
    assert sorted(n for n in names if n.startswith("sample.")) == ["sample.json", "sample.xml"]


def test_episodes_record_the_voice_that_spoke(first_run):
    settings, _, _ = first_run
    store = open_store(settings)
    voices = {r.episode.voice for r in published_episodes(store, "sample")}
    assert len(voices) == 1 and voices.pop()


def test_second_run_synthesises_nothing(first_run):
    settings, _, _ = first_run
    store = open_store(settings)
    before = [r.episode.file_name for r in published_episodes(store, "sample")]
    again = run(settings)
    assert again.synthesised_segments == 0
    assert again.count("done") == 0
    assert [r.episode.file_name for r in published_episodes(store, "sample")] == before


def test_edited_article_gets_a_new_version_with_the_same_guid(first_run, site):
    settings, _, _ = first_run
    store, row = seed_row(settings)
    v1 = latest_episode(store, row.id)
    page = site / "articles/politik-russland-iran-militaerabkommen.html"
    html = page.read_text(encoding="utf-8")
    page.write_text(html.replace("am Montag ihren Plan", "am Dienstag ihren Plan"), encoding="utf-8")
    feed = site / "feed.xml"
    later = time.time() + 5
    os.utime(feed, (later, later))  # the site republishes its feed, as news sites do on an update
    os.utime(page, (later, later))  # HTTP dates count seconds: the edit must not share the last fetch's
    # The feed entry itself is the same: the edit is found on the article's next revisit.
    record_check(store, row.id, datetime.now(UTC))
    try:
        summary = run(settings)
    finally:
        page.write_text(html, encoding="utf-8")
    (outcome,) = [o for o in summary.outcomes if o.article_id == row.id]
    assert outcome.status == "done" and outcome.version == v1.episode.version + 1
    # only the edited sentence is spoken again; the rest comes from the sentence cache
    assert outcome.synthesised == 1 and outcome.cached > 10
    v2 = latest_episode(store, row.id)
    assert v2.episode.guid == v1.episode.guid == SEED_ID_GUID
    assert v2.episode.file_name == f"{row.id}-v{v1.episode.version + 1}.mp3"
    assert (settings.audio_dir / v1.episode.file_name).exists()  # an old version stays downloadable
    xml = (settings.feeds_dir / "sample.xml").read_text(encoding="utf-8")
    assert v2.episode.file_name in xml and v1.episode.file_name not in xml


ENGLISH_PAGE = (
    "<html lang='en'><head><title>Markets rally as inflation cools</title></head><body><article>"
    "<h1>Markets rally as inflation cools</h1>"
    + "".join(
        f"<p>Stocks rose on {day} after new figures showed that consumer prices in the United States "
        "increased less than economists had expected, which lifted hopes that the central bank could "
        "begin to lower interest rates later this year. Traders said the mood was cautious but upbeat.</p>"
        for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
    )
    + "</article></body></html>"
).encode()

GOOD_PAGE = (REPO / "sample/site/articles/politik-russland-iran-militaerabkommen.html").read_bytes()


def test_bad_articles_are_recorded_and_never_stop_the_good_one(web, tmp_path):
    items = {
        "missing": "/gone.html",
        "timeout": "/slow.html",
        "no-text": "/empty.html",
        "pdf": "/doc.pdf",
        "huge": "/huge.html",
        "latin1": "/latin1.html",
        "english": "/english.html",
        "good": "/good.html",
    }
    web["/english.html"] = reply(ENGLISH_PAGE)
    web["/slow.html"] = slow(3)
    web["/empty.html"] = reply(b"<html><head><title>Startseite</title></head><body><nav>Politik</nav></body></html>")
    web["/doc.pdf"] = reply(b"%PDF-1.4 ...", "application/pdf")
    web["/huge.html"] = streamed(20_000_000)
    web["/latin1.html"] = reply(GOOD_PAGE.decode("utf-8").encode("cp1252"), "text/html; charset=utf-8")
    web["/good.html"] = reply(GOOD_PAGE)
    entries = "".join(
        f"<item><title>{k}</title><link>{path}</link><guid isPermaLink='false'>{k}</guid></item>"
        for k, path in items.items()
    )
    web["/feed.xml"] = reply(
        f"<rss version='2.0'><channel><title>t</title>{entries}</channel></rss>".encode(), "application/rss+xml"
    )
    settings = settings_in(tmp_path, f"{web.base}/feed.xml")
    settings.timeout_s = 0.5
    summary = run(settings)
    store = open_store(settings)
    state = {r.guid: (r.status, r.reason) for r in list_articles(store, "sample")}
    assert state == {
        "missing": ("failed", "http-404"),
        "timeout": ("failed", "timeout"),
        "no-text": ("failed", "no-article-text"),
        "pdf": ("failed", "wrong-content-type"),
        "huge": ("failed", "too-large"),
        "latin1": ("done", ""),
        "english": ("skipped", "not-german"),
        "good": ("done", ""),
    }
    assert len(summary.failed) == 5
    mp3s = sorted(p.name for p in settings.audio_dir.glob("*.mp3"))
    assert len(mp3s) == 2 and all(n.endswith("-v1.mp3") for n in mp3s)
    everything = [p.name for p in settings.output_dir.rglob("*") if p.is_file()]
    assert not [n for n in everything if n.startswith(".") or n.endswith(".tmp")]  # nothing half-written
    latin1 = next(r for r in list_articles(store, "sample") if r.guid == "latin1").article()
    assert "Militärabkommen" in latin1.spoken_title


def test_a_broken_feed_is_recorded_and_other_feeds_still_run(web, tmp_path):
    web["/broken.xml"] = reply(b"<rss><channel><item>\x00 kaputt", "application/rss+xml")
    web["/good.xml"] = reply(
        b"<rss version='2.0'><channel><title>t</title><item><link>/good.html</link><guid>g</guid></item>"
        b"</channel></rss>",
        "application/rss+xml",
    )
    web["/good.html"] = reply(GOOD_PAGE)
    settings = settings_in(tmp_path, f"{web.base}/broken.xml")
    settings.feeds.append(FeedConfig(name="good", url=f"{web.base}/good.xml"))
    summary = run(settings)
    broken, good = summary.polls
    assert "not a readable RSS/Atom feed" in broken.error
    assert [o.status for o in summary.outcomes] == ["done"]
    assert (settings.feeds_dir / "good.xml").exists()
