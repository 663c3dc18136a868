"""The console speaks one language per page: German first, English when an editor picks it in
the header (or the setting says so). Every word a page shows goes through the translation
table, messages from below the console (a refused lexicon entry, an account rule) included.
And the reach page: downloads by app beside the website's plays, per episode."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from pipeline.run import downloads
from pipeline.stages.downloads import Hit
from pipeline.state import accounts
from pipeline.state.schema import episodes
from pipeline.state.store import open_store
from tests.support.fake_episodes import add_episode
from tests.support.webapp import serve_app
from tests.web.test_console_browser import browser  # noqa: F401 - the fixture
from web.console import locale, pages

PASSWORD = "ein langes Passwort"
TEMPLATES = Path(__file__).resolve().parents[2] / "web" / "templates" / "console"
CONSOLE = Path(__file__).resolve().parents[2] / "web" / "console"
# What may stand in a template outside ``_()``: names that are the same in both languages.
# (the role codes are the CLI's words; "s" is seconds)
SAME_IN_BOTH = {"newsaudio", "URL", "GUID", "Hook", "v", "IPA", "espeak", "h", "s", "admin", "editor"}


def _msgids(text: str) -> set[str]:
    return {m.group(2) for m in re.finditer(r"""\b_\(\s*(["'])(.+?)\1""", text)}


def test_every_text_of_the_console_has_its_english():
    missing = set()
    for path in [*TEMPLATES.glob("*.html"), *(p for p in CONSOLE.glob("*.py") if p.name != "locale.py")]:
        missing |= {(path.name, m) for m in _msgids(path.read_text(encoding="utf-8")) if m not in locale.EN}
    assert not missing
    for table in (pages.ARTICLE_STATUS, pages.JOB_STATUS, pages.JOB_KIND, pages.ENTRY_KIND, pages.AUDIT_ACTION):
        assert set(table.values()) <= set(locale.EN), table


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES.glob("*.html")))
def test_no_template_shows_a_word_outside_the_translation(template):
    text = (TEMPLATES / template).read_text(encoding="utf-8")
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S)
    text = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|<[^>]+>|&\w+;", " ", text, flags=re.S)
    words = {w for w in re.findall(r"[A-Za-zÄÖÜäöüß][\w-]*", text)} - SAME_IN_BOTH
    assert not words, words


def test_messages_from_below_the_console_are_said_in_its_language():
    refused = ("Eintrag 'Kreml': die Lautschrift 'nonsense' klingt nicht nach 'Kreml' (kaum ein Laut gemeinsam). "
               "Ist das Lautschrift?")
    assert locale.message(refused, "en").startswith("Entry 'Kreml': the phonemes 'nonsense' do not sound like 'Kreml'")
    assert locale.message("'Kreml': a substitute entry needs 'say'", "de") == "Eintrag 'Kreml': „Gesprochen als“ fehlt"
    assert locale.message("a password needs at least 10 characters", "en") == "A password needs at least 10 characters."
    assert locale.message("something nobody translated", "en") == "something nobody translated"
    assert locale.counted("en", 1, "Artikel") == "1 article" and locale.counted("en", 3, "Artikel") == "3 articles"


@pytest.fixture
def newsroom(settings):
    store = open_store(settings)
    accounts.add_user(store, "ada", "admin", PASSWORD)
    article_id = add_episode(store, settings, 1, title="Haushalt beschlossen")
    add_episode(store, settings, 2, title="Wetter am Wochenende")
    with store.engine.begin() as conn:  # ten minutes of 1.44 MB: a minute is 144,000 bytes
        conn.execute(update(episodes).values(bytes=1_440_000, duration_s=600.0))
    now = datetime.now(UTC)
    file_name = f"{article_id}-v1.mp3"
    for ip, agent in (("198.51.100.7", "Podcasts/1585.0.1 CFNetwork/1335.0.3 Darwin/21.6.0"),
                      ("198.51.100.8", "Overcast/3.0 (+http://overcast.fm/; iOS podcast app)"),
                      ("198.51.100.9", "Podcasts/1585.0.1 CFNetwork/1335.0.3 Darwin/21.6.0")):
        downloads.record(store, Hit(at=now, ip=ip, method="GET", file_name=file_name, status=206, bytes=300_000,
                                    user_agent=agent))
    with serve_app(settings) as base:
        yield base, settings, article_id


def _login(page, base: str) -> None:
    page.goto(f"{base}/console/login")
    page.fill("input[name=name]", "ada")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button")


def test_an_editor_switches_the_console_to_english_and_every_page_follows(newsroom, browser):  # noqa: F811
    base, settings, article_id = newsroom
    page = browser.new_page()
    page.goto(f"{base}/console/login")
    assert page.locator("h1").inner_text() == "Anmelden" and page.locator("html").get_attribute("lang") == "de"
    page.click("header a[lang=en]")
    assert page.locator("h1").inner_text() == "Log in" and page.locator("html").get_attribute("lang") == "en"
    page.fill("input[name=name]", "ada")
    page.fill("input[name=password]", "falsch falsch falsch")
    page.click("form button")
    assert page.locator(".error").inner_text() == "Wrong name or password."
    _login(page, base)
    assert page.locator("h1").inner_text() == "Articles"
    assert page.locator("header").inner_text().count("Pronunciation") == 1
    assert "done" in page.locator("tbody").inner_text()  # the store's codes in English words too
    page.goto(f"{base}/console/articles/{article_id}/withdraw")
    assert page.locator("h1").inner_text() == "Withdraw the article?"
    page.fill("#reason", "   ")
    page.click("#confirm-withdraw")
    assert page.locator("#error").inner_text() == "Please give a reason."
    page.goto(f"{base}/console/lexicon")
    page.fill("#match", "Kreml")
    page.select_option("#kind", "phonemes")
    page.fill("input[name=espeak]", "nonsense")
    expect(page.locator("#check")).to_contain_text("do not sound like 'Kreml'")
    page.goto(f"{base}/console/failures")
    assert page.locator("td").first.inner_text() == "Nothing failed."
    page.goto(f"{base}/console/stats")
    assert page.locator("h1").inner_text() == "Reach: downloads and plays"
    page.click("header a[lang=de]")
    assert page.locator("h1").inner_text() == "Reichweite: Downloads und Wiedergaben"
    page.close()


def test_the_setting_chooses_the_language_until_an_editor_picks_one(settings):
    settings.console_language = "en"
    with serve_app(settings) as base, httpx.Client(base_url=base, timeout=30) as client:
        assert "<h1>Log in</h1>" in client.get("/console/login").text
        client.get("/console/language", params={"to": "de", "next": "/console/login"})
        assert "<h1>Anmelden</h1>" in client.get("/console/login").text
        away = client.get("/console/language", params={"to": "en", "next": "https://evil.example/"},
                          follow_redirects=False)
        assert away.headers["location"] == "/console/articles"  # never an open redirect


def test_the_reach_page_shows_downloads_by_app_beside_web_plays(newsroom):
    base, settings, article_id = newsroom
    with httpx.Client(base_url=base, timeout=30, follow_redirects=True) as client:
        page = client.get("/console/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        client.post("/console/login", data={"name": "ada", "password": PASSWORD, "csrf": csrf})
        html = client.get("/console/stats", params={"days": "7"}).text
    row = re.search(rf'<tr data-article="{article_id}">(.*?)</tr>\s*(?=<tr data-article|</tbody>)', html, re.S).group(1)
    assert "Haushalt beschlossen" in row
    assert re.search(r'class="num downloads">3<', row)
    assert "Apple Podcasts 2, Overcast 1" in row
    assert re.search(r'class="num plays">0<', row)
    apps = re.search(r'<table id="apps">(.*?)</table>', html, re.S).group(1)
    assert re.search(r"Apple Podcasts</td><td class=\"num\">2<", apps)
    assert "198.51.100" not in html and "CFNetwork" not in html
