"""An editor's session in real Chromium (Playwright driving Debian's chromium): fix a
pronunciation with a spoken preview, then leave a paragraph out of an article."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import feedparser
import pytest

from pipeline.config import FeedConfig
from pipeline.run.feed import run
from pipeline.run.sample_site import serve_site
from pipeline.stages.publish.names import transcript_file_name
from pipeline.state import accounts
from pipeline.state.articles import list_articles
from pipeline.state.episodes import latest_episode
from pipeline.state.store import open_store
from tests.conftest import small_site
from tests.support.webapp import serve_app

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        "--autoplay-policy=no-user-gesture-required"]
PASSWORD = "redaktion-2024!"
SEED = "ntv-article24649386"
LEFT_OUT = "Die erneuten Gespräche über einen zwischenstaatlichen Vertrag"


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        pytest.fail("Debian's chromium is needed at /usr/bin/chromium (make setup installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def newsroom(settings, tmp_path):
    """Two published articles (the seed and another), an editor and an admin, the console."""
    with serve_site(small_site(tmp_path / "site", keep=("russland-iran", "trump"))) as site:
        settings.feeds = [FeedConfig(name="sample", url=f"{site}/feed.xml", title="Beispiel")]
        assert run(settings).count("done") == 2
        store = open_store(settings)
        accounts.add_user(store, "eddi", "editor", PASSWORD)
        accounts.add_user(store, "ada", "admin", PASSWORD)
        with serve_app(settings) as base:
            yield settings, store, base


def feed(settings) -> dict[str, str]:
    parsed = feedparser.parse((settings.feeds_dir / "sample.xml").read_bytes())
    return {e.id: e.enclosures[0].href for e in parsed.entries}


def log_in(page, base: str, name: str) -> None:
    page.goto(f"{base}/console/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("text=Anmelden >> nth=-1")
    page.wait_for_url(f"{base}/console/articles")


def test_editor_fixes_a_pronunciation_with_a_preview_then_leaves_a_paragraph_out(browser, newsroom):
    settings, store, base = newsroom
    before = feed(settings)
    assert len(before) == 2 and all(url.endswith("-v1.mp3") for url in before.values())
    seed_id = next(r.id for r in list_articles(store, "sample") if r.guid == SEED)

    page = browser.new_page()
    log_in(page, base, "eddi")
    page.fill("input[name=q]", "Militärabkommen")
    page.click("text=Filtern")
    page.click("text=Russland und Iran planen")
    assert page.url == f"{base}/console/articles/{seed_id}"
    assert page.locator("td.spoken", has_text="Aschtiani").count() >= 1

    page.click("text=Aussprache")
    page.fill("#match", "Aschtiani")
    page.fill("#say", "Aschtjaani")
    page.wait_for_selector("#affected-count")
    assert page.text_content("#affected-count") == "1 Artikel betroffen"
    assert "Russland und Iran" in page.text_content("#affected")
    page.click("button.pick >> nth=0")  # a sentence of the article, offered to pick
    assert "Aschtiani" in page.input_value("#sentence")
    page.click("#preview")
    # selectors and evaluate, not wait_for_function: the console's CSP forbids the eval it uses
    page.wait_for_selector("#spoken:not(:empty)")
    assert "Aschtjaani" in page.text_content("#spoken")
    assert "Aschtiani" in page.text_content("#before")
    # the preview audio really plays in the browser
    deadline = time.time() + 20
    while page.evaluate("document.getElementById('audio').currentTime") <= 0.2:
        assert time.time() < deadline, "the preview does not play"
        time.sleep(0.1)
    assert page.evaluate("document.getElementById('audio').duration") > 1
    page.fill("input[name=message]", "Aschtiani richtig betonen")
    page.click("#save")
    page.wait_for_selector("li.job .job-status:text-matches('fertig')", timeout=180000)

    after = feed(settings)
    assert set(after) == set(before)  # same GUIDs
    assert after[SEED] != before[SEED] and after[SEED].endswith("-v2.mp3")  # new enclosure URL
    other = next(g for g in before if g != SEED)
    assert after[other] == before[other]  # exactly that article
    assert latest_episode(store, seed_id).episode.version == 2

    admin = browser.new_page()
    log_in(admin, base, "ada")
    admin.goto(f"{base}/console/admin/audit")
    row = admin.locator("#audit tr", has_text="lexicon.save")
    assert "user:eddi" in row.first.text_content() and "add Aschtiani" in row.first.text_content()

    # leave a paragraph out, regenerate: the new transcript lacks it
    page.goto(f"{base}/console/articles/{seed_id}")
    page.locator("tr", has_text=LEFT_OUT).locator("text=Weglassen").click()
    assert "excluded" in page.locator("tr", has_text=LEFT_OUT).get_attribute("class")
    page.click("text=Jetzt neu vertonen")
    deadline = time.time() + 180
    while latest_episode(store, seed_id).episode.version < 3:
        assert time.time() < deadline
        time.sleep(0.5)
    page.wait_for_selector("li.job .job-status:text-matches('fertig')", timeout=60000)
    transcript = settings.audio_dir / transcript_file_name(latest_episode(store, seed_id).episode.file_name)
    old = settings.audio_dir / transcript_file_name(Path(after[SEED]).name)
    assert LEFT_OUT in old.read_text(encoding="utf-8")
    assert LEFT_OUT not in transcript.read_text(encoding="utf-8")
    assert feed(settings)[SEED].endswith("-v3.mp3")
