"""<newsaudio-player> in real Chromium, on the demo's seed article page served with the
player's routes: controls, read-along, memory across pages, one player at a time, keyboard
operation, accessibility (axe-core), the size budget, and listening numbers in `status`."""

from __future__ import annotations

import gzip
import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from pipeline.cli.main import main
from pipeline.state.listening import listen_totals
from pipeline.state.store import Store
from tests.support.axe import assert_player_accessible
from tests.support.player_support import EVENTS_GUID, SEED, browser, demo  # noqa: F401 - fixtures
from web.player.script import PLAYER_DIR, SCRIPT_NAME

P = "document.querySelector('newsaudio-player')"
TOL = 0.3  # seconds: a paused seek lands where asked; a playing one moves on a little


class Console(list[str]):
    pass


@pytest.fixture
def context(browser) -> Iterator[Any]:  # noqa: F811
    ctx = browser.new_context()
    yield ctx
    ctx.close()


@pytest.fixture
def page(context, demo) -> Iterator[Any]:  # noqa: F811
    demo.settings.serve_sample_pages = True  # the demo pages are served where the config asks (newsaudio.toml)
    page = context.new_page()
    page.errors = Console()
    page.on("console", lambda m: m.type in ("error", "warning") and page.errors.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: page.errors.append(f"pageerror: {e}"))
    # Never the internet: the sample page's photo comes from its newsroom's image host.
    page.route(lambda url: not url.startswith(demo.base), lambda route: route.fulfill(status=204))
    yield page


def open_player(page, url: str) -> None:
    page.goto(url)
    page.wait_for_function(f"{P} && {P}.audio")


def seed_url(demo) -> str:  # noqa: F811
    return f"{demo.base}/sample/articles/{SEED}"


def now(page, which: int = 0) -> float:
    return page.evaluate(f"document.querySelectorAll('newsaudio-player')[{which}].audio.currentTime")


def settled(page) -> float:
    page.wait_for_function(f"!{P}.audio.seeking && {P}.audio.readyState >= 1")
    return now(page)


def start_then_pause(page) -> None:
    """Play a moment (so the audio has loaded its metadata), then pause."""
    page.locator("newsaudio-player .pl").click()
    page.wait_for_function(f"!{P}.audio.paused && {P}.audio.currentTime > 0.2")
    page.locator("newsaudio-player .pl").click()
    page.wait_for_function(f"{P}.audio.paused")


def seek_to(page, seconds: float) -> None:
    page.evaluate(
        """([s]) => new Promise(done => { const a = document.querySelector('newsaudio-player').audio;
        a.addEventListener('seeked', done, {once: true}); a.currentTime = s; })""",
        [seconds],
    )


def current_marks(page) -> list[str]:
    return page.evaluate("[...document.querySelectorAll('[data-newsaudio-current]')].map(e => e.textContent)")


def norm(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.lower())


def test_demo_page_loads_the_player_with_no_console_errors_and_no_audio_before_play(page, demo):  # noqa: F811
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    open_player(page, seed_url(demo))
    page.wait_for_timeout(300)
    assert page.errors == []
    shadow = page.locator("newsaudio-player .t")
    assert shadow.inner_text() == demo.seed["title"]
    assert page.locator("newsaudio-player .pl").get_attribute("aria-label") == "Abspielen"
    ours = [u for u in requests if u.startswith(demo.base)]
    assert not any(u.endswith(".mp3") for u in ours), ours  # preload="none": no audio before play
    assert any(u.endswith(".json") and "/articles/www.n-tv.de/politik/" in u for u in ours)
    assert page.evaluate(f"{P}.audio.preload") == "none"
    # The page's own paragraphs (lead and four body paragraphs) are paired with the spoken ones.
    assert page.evaluate(f"{P}.readAlong")
    assert page.locator("[data-newsaudio-p]").count() == len(demo.seed["paragraphs"]) - 1


def test_play_pause_seek_skip_and_paragraph_steps_move_current_time(page, demo):  # noqa: F811
    paras = demo.seed["paragraphs"]
    open_player(page, seed_url(demo))
    start_then_pause(page)
    t = settled(page)
    assert t > 0.2
    page.locator("newsaudio-player .fw").click()
    assert settled(page) == pytest.approx(t + 30, abs=TOL)
    page.locator("newsaudio-player .bk").click()
    assert settled(page) == pytest.approx(t + 15, abs=TOL)
    page.locator("newsaudio-player .s").fill("60")
    assert settled(page) == pytest.approx(60, abs=TOL)
    k = max(i for i, p in enumerate(paras) if p["start_s"] <= 60)
    page.locator("newsaudio-player .nx").click()
    assert settled(page) == pytest.approx(paras[k + 1]["start_s"], abs=TOL)
    # At a paragraph's very start, "previous" goes to the one before ...
    page.locator("newsaudio-player .pv").click()
    assert settled(page) == pytest.approx(paras[k]["start_s"], abs=TOL)
    # ... and well into a paragraph, back to its own start.
    seek_to(page, paras[k]["start_s"] + 5)
    page.locator("newsaudio-player .pv").click()
    assert settled(page) == pytest.approx(paras[k]["start_s"], abs=TOL)
    page.locator("newsaudio-player .pl").click()
    page.wait_for_function(f"!{P}.audio.paused")
    # The button says what it does next once the audio's "play" event has run (a moment after
    # `paused` turns false): wait for that, then it must say "Pause".
    page.wait_for_function(f"{P}.shadowRoot.querySelector('.pl').getAttribute('aria-label') !== 'Abspielen'",
                           timeout=5000)
    assert page.locator("newsaudio-player .pl").get_attribute("aria-label") == "Pause"
    page.wait_for_function(f"{P}.audio.currentTime > {paras[k]['start_s'] + 0.5}")


def test_current_time_in_paragraph_k_highlights_k_and_no_other_without_moving_the_layout(page, demo):  # noqa: F811
    open_player(page, seed_url(demo))
    where = "[...document.querySelectorAll('.article__text p')].map(e => e.getBoundingClientRect().y)"
    boxes = page.evaluate(where)
    start_then_pause(page)
    for p in demo.seed["paragraphs"]:
        if p["kind"] == "title":
            continue  # the headline sits outside the article body this page names
        seek_to(page, (p["start_s"] + p["end_s"]) / 2)
        page.wait_for_function("document.querySelectorAll('[data-newsaudio-current]').length === 1")
        marks = current_marks(page)
        assert [norm(m) for m in marks] == [norm(p["text"])]
        assert page.evaluate(where) == boxes


def test_clicking_paragraph_k_plays_from_its_start_but_a_link_inside_does_not(page, demo):  # noqa: F811
    paras = demo.seed["paragraphs"]
    open_player(page, seed_url(demo))
    k = 3
    page.locator(f'[data-newsaudio-p="{k}"]').click()
    page.wait_for_function(f"!{P}.audio.paused && !{P}.audio.seeking")
    assert paras[k]["start_s"] - TOL <= now(page) < paras[k]["start_s"] + 1.5
    page.wait_for_function("document.querySelectorAll('[data-newsaudio-current]').length === 1")
    assert [norm(m) for m in current_marks(page)] == [norm(paras[k]["text"])]

    open_player(page, f"{demo.base}/site/short.html")
    page.locator('newsaudio-player ~ .text a, .text a').first.click()
    page.wait_for_timeout(300)
    assert page.url.endswith("#mehr")
    assert page.evaluate(f"{P}.audio.paused") and now(page) == 0


def test_speed_survives_a_reload_and_another_article(page, demo):  # noqa: F811
    open_player(page, seed_url(demo))
    page.locator("newsaudio-player .sp").select_option("1.5")
    assert page.evaluate(f"{P}.audio.playbackRate") == 1.5
    page.reload()
    page.wait_for_function(f"{P} && {P}.audio")
    assert page.evaluate(f"{P}.audio.playbackRate") == 1.5
    assert page.locator("newsaudio-player .sp").input_value() == "1.5"
    open_player(page, f"{demo.base}/site/short.html")
    assert page.evaluate(f"{P}.audio.playbackRate") == 1.5
    start_then_pause(page)
    assert page.evaluate(f"{P}.audio.playbackRate") == 1.5


def test_position_resumes_after_a_reload(page, demo):  # noqa: F811
    open_player(page, seed_url(demo))
    start_then_pause(page)
    page.locator("newsaudio-player .s").fill("40")
    settled(page)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.reload()
    page.wait_for_function(f"{P} && {P}.audio")
    assert page.locator("newsaudio-player .el").inner_text() == "0:40"
    page.wait_for_timeout(300)
    assert not any(u.endswith(".mp3") for u in requests)  # remembering a position loads nothing
    page.locator("newsaudio-player .pl").click()
    page.wait_for_function(f"!{P}.audio.paused && !{P}.audio.seeking && {P}.audio.currentTime > 0")
    assert 40 - TOL <= now(page) < 42


def test_two_players_on_one_page_never_play_together(page, demo):  # noqa: F811
    open_player(page, f"{demo.base}/site/two.html")
    page.wait_for_function("[...document.querySelectorAll('newsaudio-player')].every(p => p.audio)")
    playing = "[...document.querySelectorAll('newsaudio-player')].map(p => !p.audio.paused)"
    buttons = page.locator("newsaudio-player .pl")
    buttons.nth(0).click()
    page.wait_for_function(f"{playing}[0]")
    buttons.nth(1).click()
    page.wait_for_function(f"{playing}[1]")
    page.wait_for_timeout(200)
    assert page.evaluate(playing) == [False, True]
    # Started another way (lock screen, script): the other one still stops.
    page.evaluate("document.querySelectorAll('newsaudio-player')[0].audio.play()")
    page.wait_for_function(f"{playing}[0]")
    page.wait_for_timeout(200)
    assert page.evaluate(playing) == [True, False]


def focus(page, selector: str, key: str = "Tab") -> None:
    """Press Tab (or Shift+Tab) until the player's element ``selector`` has the focus."""
    for _ in range(40):
        if page.evaluate(f"!!{P}.shadowRoot.activeElement?.matches({selector!r})"):
            outline = page.evaluate(f"getComputedStyle({P}.shadowRoot.activeElement).outlineStyle")
            assert outline != "none", f"{selector} has no visible focus"
            return
        page.keyboard.press(key)
    raise AssertionError(f"{selector} cannot be reached with {key}")


def test_keyboard_alone_operates_everything(page, demo):  # noqa: F811
    paras = demo.seed["paragraphs"]
    open_player(page, seed_url(demo))
    focus(page, ".pl")
    page.keyboard.press("Enter")
    page.wait_for_function(f"!{P}.audio.paused && {P}.audio.currentTime > 0.2")
    page.keyboard.press("Space")
    page.wait_for_function(f"{P}.audio.paused")
    t = settled(page)
    focus(page, ".fw")
    page.keyboard.press("Enter")
    assert settled(page) == pytest.approx(t + 30, abs=TOL)
    focus(page, ".bk", "Shift+Tab")
    page.keyboard.press("Enter")
    assert settled(page) == pytest.approx(t + 15, abs=TOL)
    focus(page, ".nx")
    page.keyboard.press("Enter")
    k = max(i for i, p in enumerate(paras) if p["start_s"] <= settled(page) + 0.05)
    assert settled(page) == pytest.approx(paras[k]["start_s"], abs=TOL)
    focus(page, ".pv", "Shift+Tab")
    page.keyboard.press("Enter")
    assert settled(page) == pytest.approx(paras[k - 1]["start_s"], abs=TOL)
    focus(page, ".s")
    before = settled(page)
    page.keyboard.press("ArrowRight")
    assert settled(page) == pytest.approx(before + 5, abs=TOL)
    focus(page, ".sp")
    page.keyboard.press("ArrowDown")
    page.wait_for_function(f"{P}.audio.playbackRate === 1.25")
    focus(page, "summary")
    page.keyboard.press("Enter")
    focus(page, "ol button")
    page.keyboard.press("Enter")
    page.wait_for_function(f"!{P}.audio.paused")
    assert now(page) < 2  # the one chapter of this article starts at 0
    assert page.evaluate(f"{P}.shadowRoot.activeElement.tagName") == "SUMMARY"  # focus back on the menu
    focus(page, "a[download]")
    assert page.evaluate(f"{P}.shadowRoot.activeElement.href") == demo.seed["audio"]["url"]


def test_chapters_menu_seeks_to_a_chapter(page, demo):  # noqa: F811
    chapters = demo.short["chapters"]
    assert len(chapters) == 2
    open_player(page, f"{demo.base}/site/short.html")
    page.locator("newsaudio-player summary").click()
    page.locator("newsaudio-player ol button").nth(1).click()
    page.wait_for_function(f"!{P}.audio.paused && !{P}.audio.seeking")
    assert chapters[1]["start_s"] - TOL <= now(page) < chapters[1]["start_s"] + 1


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violations_on_the_demo_page(page, demo, scheme):  # noqa: F811
    page.emulate_media(color_scheme=scheme)
    open_player(page, seed_url(demo))
    start_then_pause(page)
    seek_to(page, demo.seed["paragraphs"][2]["start_s"] + 1)  # a paragraph is highlighted too
    page.locator("newsaudio-player summary").click()  # and the chapters menu is open
    assert_player_accessible(page)


def test_the_player_is_at_most_15_kb_gzipped_and_served_as_javascript(demo):  # noqa: F811
    source = (PLAYER_DIR / SCRIPT_NAME).read_bytes()
    size = len(gzip.compress(source, 9))
    print(f"player: {len(source)} bytes, {size} bytes gzipped")
    assert size <= 15 * 1024
    r = httpx.get(f"{demo.base}/player/{SCRIPT_NAME}")
    assert r.status_code == 200 and r.content == source
    assert r.headers["content-type"].startswith("text/javascript")
    assert r.headers["access-control-allow-origin"] == "*"


def test_an_episode_played_to_the_end_is_one_play_with_full_completion_in_status(page, demo, capsys):  # noqa: F811
    open_player(page, f"{demo.base}/site/events.html")
    page.locator("newsaudio-player .sp").select_option("2")
    page.locator("newsaudio-player .pl").click()
    page.wait_for_function(f"{P}.audio.ended", timeout=30_000)
    store = Store(demo.settings.db_url)
    deadline = time.monotonic() + 10
    while listen_totals(store).get(EVENTS_GUID, {}).get("complete", 0) < 1 and time.monotonic() < deadline:
        page.wait_for_timeout(100)  # (not time.sleep: Playwright must keep routing the page's requests)
    counts = listen_totals(store)[EVENTS_GUID]
    store.close()
    assert counts["play"] == 1 and counts["complete"] == 1 and counts["loaded"] >= 1
    assert counts["progress25"] == counts["progress50"] == counts["progress75"] == 1
    assert main(["status"], settings=demo.settings) == 0
    out = capsys.readouterr().out
    listening = out[out.index("listening (website player)"):]
    row = next(line for line in listening.splitlines() if "│ gezaehlt " in line)
    assert [c.strip() for c in row.split("│")[1:4]] == ["gezaehlt", "1", "100%"]


def test_read_along_switches_off_when_the_page_differs_from_the_audio(page, demo):  # noqa: F811
    open_player(page, f"{demo.base}/site/edited.html")
    assert not page.evaluate(f"{P}.readAlong")
    start_then_pause(page)
    seek_to(page, demo.short["paragraphs"][-1]["start_s"] + 0.3)
    page.wait_for_timeout(200)
    assert current_marks(page) == [] and page.locator("[data-newsaudio-p]").count() == 0
    assert page.errors == []


def test_paragraphs_marked_by_the_page_and_english_labels(page, demo):  # noqa: F811
    open_player(page, f"{demo.base}/site/marked.html")
    assert page.evaluate(f"{P}.readAlong")
    assert page.locator("newsaudio-player .pl").get_attribute("aria-label") == "Play"
    assert page.locator("newsaudio-player .nx").get_attribute("aria-label") == "Next paragraph"
    heading = demo.short["paragraphs"][2]
    assert heading["kind"] == "heading"
    page.locator("h2[data-newsaudio-p]").click()
    page.wait_for_function("document.querySelectorAll('[data-newsaudio-current]').length === 1")
    assert current_marks(page) == [heading["text"]]
    assert heading["start_s"] - TOL <= now(page) < heading["end_s"]


def test_without_an_episode_or_without_javascript_the_fallback_audio_plays(browser, demo):  # noqa: F811
    for js in (True, False):
        ctx = browser.new_context(java_script_enabled=js)
        page = ctx.new_page()
        page.goto(f"{demo.base}/site/missing.html")
        page.wait_for_timeout(500)
        fallback = page.locator("newsaudio-player > audio[controls]")
        assert fallback.is_visible()
        assert fallback.bounding_box()["height"] > 0
        ctx.close()
    ctx = browser.new_context()
    page = ctx.new_page()
    page.goto(f"{demo.base}/site/missing.html")
    page.evaluate("document.querySelector('newsaudio-player > audio').play()")
    page.wait_for_function("document.querySelector('newsaudio-player > audio').currentTime > 0.2")
    ctx.close()


def test_lock_screen_metadata_and_no_events_with_no_stats(page, demo):  # noqa: F811
    posts: list[str] = []
    page.on("request", lambda r: r.method == "POST" and posts.append(r.url))
    open_player(page, f"{demo.base}/site/two.html")
    page.locator("newsaudio-player .pl").nth(1).click()
    page.wait_for_function("navigator.mediaSession.metadata?.title")
    assert page.evaluate("navigator.mediaSession.metadata.title") == demo.seed["title"]
    assert page.evaluate("navigator.mediaSession.metadata.artist") == demo.seed["feed"]["title"]
    page.wait_for_timeout(300)
    assert posts == []


def test_the_player_says_the_voice_is_synthetic_and_names_it_for_everyone(page, demo):  # noqa: F811
    open_player(page, seed_url(demo))
    label = page.locator("newsaudio-player .ai")
    assert label.is_visible() and label.inner_text() == "KI-Stimme"
    named = label.get_attribute("aria-label")
    assert named.startswith("Gelesen von einer künstlichen Stimme: ") and len(named) > 40
    label.focus()  # the voice's name shows on focus as on hover, for keyboard users too
    shown = label.evaluate("e => getComputedStyle(e, '::after').content")
    assert label.get_attribute("data-v") in shown
    open_player(page, f"{demo.base}/site/marked.html")
    assert page.locator("newsaudio-player .ai").inner_text() == "AI voice"
    assert page.errors == []
