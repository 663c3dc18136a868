"""<newsaudio-player>'s second round in real Chromium, on the demo's pages served with the
player's routes: speeds 0.5-3x, share links at a time (#t=), the transcript panel, sentence
read-along, the compact bar while the player is scrolled away, "next article" from the feed's
player index under the browsers' autoplay rules, chapter ticks, axe-core with everything open,
and a page with a strict Content-Security-Policy."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from pipeline.files import atomic_write
from pipeline.models import Chapter, Episode
from pipeline.stages.publish.names import player_data_guid_path
from pipeline.stages.publish.player import player_index_around, player_index_entry
from pipeline.stages.publish.transcripts import Cue, render_json_transcript
from tests.support.axe import assert_player_accessible
from tests.support.player_support import (  # noqa: F401 - fixtures
    SEED,
    SEED_URL,
    SHORT_GUID,
    SHORT_URL,
    Demo,
    browser,
    demo,
    short_page,
)

P = "document.querySelector('newsaudio-player')"
TOL = 0.3
SHORT_TAG = '<newsaudio-player article-selector=".text"></newsaudio-player>'
# What a strict site (or the console) allows: nothing inline, everything from its own origin.
CSP = "default-src 'self'; script-src 'self'; style-src 'self'; media-src 'self'; connect-src 'self'; img-src 'self'"


def _episode(data: dict[str, Any], episode_id: str, link: str) -> Episode:
    return Episode(
        guid=data["guid"], episode_id=episode_id, version=1, title=data["title"], description="", link=link,
        published=None, voice="espeak-de", text_hash="t", file_name=f"{episode_id}-v1.mp3",
        bytes=data["audio"]["bytes"], duration_s=data["audio"]["duration_s"],
        chapters=[Chapter(c["title"], round(c["start_s"] * 1000)) for c in data["chapters"]], timed=True,
    )


@pytest.fixture(scope="module")
def site(demo: Demo) -> Demo:  # noqa: F811
    """The demo plus what the publisher writes beside an episode and a feed: the seed's timed
    transcript JSON, its player data by GUID, and the feed's player index (the short article
    first, then the seed: the seed is "next" after the short one); and three more pages."""
    out = demo.settings.output_dir
    seed = demo.seed
    cues = [Cue(p["index"], p["kind"], s["text"], round(s["start_s"] * 1000), round(s["end_s"] * 1000))
            for p in seed["paragraphs"] for s in p["sentences"]]
    atomic_write(out / "audio" / "seed-v1.json", render_json_transcript(cues))
    atomic_write(out / str(player_data_guid_path(seed["guid"])), json.dumps(seed).encode("utf-8"))
    entries = [player_index_entry(_episode(demo.short, "kurz", SHORT_URL), public_base_url=demo.base),
               player_index_entry(_episode(seed, "seed", SEED_URL), public_base_url=demo.base)]
    atomic_write(out / "feeds" / "sample.json", player_index_around(entries))
    texts = [p["text"] for p in demo.short["paragraphs"][1:]]
    # The first paragraph differs from the spoken one in punctuation only: read-along pairs it
    # (letters and digits agree) but its sentence cannot be marked exactly.
    inexact = [("p", texts[0].replace(".", "!")), ("h2", texts[1]), ("p", texts[2])]
    (demo.site / "inexact.html").write_text(short_page(SHORT_URL, inexact, "Kurze Meldung", SHORT_TAG))
    strict = short_page(SHORT_URL, [("p", texts[0]), ("h2", texts[1]), ("p", texts[2])], "Kurze Meldung", SHORT_TAG)
    strict = strict.replace("<head>", f'<head><meta http-equiv="Content-Security-Policy" content="{CSP}">')
    (demo.site / "csp.html").write_text(strict)
    # A page that asks to play on arrival: what "navigate to the next article and autoplay" meets.
    arrive = f'<audio autoplay src="{demo.short["audio"]["url"]}"></audio>'
    (demo.site / "autoplay.html").write_text(short_page("https://www.example.de/x.html", [], "Autoplay", arrive))
    demo.settings.serve_sample_pages = True
    return demo


@pytest.fixture
def context(browser) -> Iterator[Any]:  # noqa: F811
    ctx = browser.new_context(viewport={"width": 900, "height": 600})
    yield ctx
    ctx.close()


def new_page(context: Any, base: str) -> Any:
    page = context.new_page()
    page.errors = []
    page.on("console", lambda m: m.type in ("error", "warning") and page.errors.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: page.errors.append(f"pageerror: {e}"))
    # Never the internet: the sample page's photo comes from its newsroom's image host.
    page.route(lambda url: not url.startswith(base), lambda route: route.fulfill(status=204))
    return page


@pytest.fixture
def page(context, site) -> Any:
    return new_page(context, site.base)


def open_player(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_function(f"{P} && {P}.audio")


def seed_url(site: Demo) -> str:
    return f"{site.base}/sample/articles/{SEED}"


def now(page: Any) -> float:
    return page.evaluate(f"{P}.audio.currentTime")


def settled(page: Any) -> float:
    page.wait_for_function(f"!{P}.audio.seeking && {P}.audio.readyState >= 1")
    return now(page)


def seek_to(page: Any, seconds: float) -> None:
    page.evaluate(
        """([s]) => new Promise(done => { const a = document.querySelector('newsaudio-player').audio;
        a.addEventListener('seeked', done, {once: true}); a.currentTime = s; })""",
        [seconds],
    )


def start_then_pause(page: Any) -> None:
    page.locator("newsaudio-player .pl").click()
    page.wait_for_function(f"!{P}.audio.paused && {P}.audio.currentTime > 0.2")
    page.locator("newsaudio-player .pl").click()
    page.wait_for_function(f"{P}.audio.paused")


def shadow_active(page: Any) -> str:
    return page.evaluate(f"{P}.shadowRoot.activeElement?.className || ''")


def test_speeds_from_half_to_three_times_are_offered_remembered_and_counted(page, site):
    open_player(page, seed_url(site))
    options = page.locator("newsaudio-player .sp option")
    assert [float(v) for v in options.evaluate_all("os => os.map(o => o.value)")] == \
        [0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.5, 3]
    assert options.all_inner_texts()[0] == "0,5×" and options.all_inner_texts()[-1] == "3×"
    page.locator("newsaudio-player .sp").select_option("3")
    assert page.evaluate(f"{P}.audio.playbackRate") == 3
    page.reload()
    page.wait_for_function(f"{P} && {P}.audio")
    assert page.evaluate(f"{P}.audio.playbackRate") == 3
    page.locator("newsaudio-player .sp").select_option("0.5")
    start_then_pause(page)
    assert page.evaluate(f"{P}.audio.playbackRate") == 0.5
    # The listening numbers take every speed the player offers (an unknown one is refused).
    for speed, status in ((0.5, 204), (3, 204), (4, 400)):
        r = httpx.post(f"{site.base}/events", json={"guid": SHORT_GUID, "event": "speed", "value": speed})
        assert r.status_code == status, speed


def test_a_share_link_shows_its_time_and_playback_starts_there(page, site):
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    open_player(page, seed_url(site) + "#t=1:05")
    assert page.locator("newsaudio-player .el").inner_text() == "1:05"
    assert page.locator("newsaudio-player .s").input_value() == "65"
    assert not any(u.endswith(".mp3") for u in requests)  # shown, nothing loaded before play
    page.locator("newsaudio-player .pl").click()
    page.wait_for_function(f"!{P}.audio.paused && !{P}.audio.seeking && {P}.audio.currentTime > 0")
    assert 65 - TOL <= now(page) < 67
    # Plain seconds, and a link followed on the same page (only the fragment changes).
    page.evaluate("location.hash = 't=90'")
    page.wait_for_function(f"Math.abs({P}.audio.currentTime - 90) < 2")
    forms = page.evaluate(
        """import(document.querySelector('script[type=module]').src).then(m =>
        ['#t=83', '#t=1:23', '#t=01:02:03', '#t=83.5', '#a=1&t=7', '#t=', '#x=3', '#t=abc'].map(m.hashTime))""")
    assert forms == [83, 83, 3723, 83.5, 7, None, None, None]
    assert page.errors == []


def test_copy_link_writes_the_page_url_at_the_current_second_to_the_clipboard(browser, site):  # noqa: F811
    ctx = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = new_page(ctx, site.base)
    open_player(page, seed_url(site))
    start_then_pause(page)
    seek_to(page, 42.6)
    share = page.locator("newsaudio-player .sh")
    assert share.get_attribute("aria-label") == "Link zur Stelle kopieren"
    share.click()
    page.wait_for_function(f"{P}.shadowRoot.querySelector('.st').textContent === 'Link kopiert'")
    link = page.evaluate("navigator.clipboard.readText()")
    assert link == seed_url(site) + "#t=42"
    # The copied link opens the article at that second.
    page.goto(link)
    page.wait_for_function(f"{P} && {P}.audio")
    assert page.locator("newsaudio-player .el").inner_text() == "0:42"
    ctx.close()


def test_without_a_clipboard_the_link_is_shown_selected_for_copying(browser, site):  # noqa: F811
    ctx = browser.new_context()
    # As on a page served over plain http from another host: no navigator.clipboard at all.
    ctx.add_init_script("Object.defineProperty(Navigator.prototype, 'clipboard', {get: () => undefined})")
    page = new_page(ctx, site.base)
    open_player(page, f"{site.base}/site/short.html")
    page.locator("newsaudio-player .sh").click()
    field = page.locator("newsaudio-player .lk")
    assert field.is_visible() and field.input_value() == f"{site.base}/site/short.html#t=0"
    assert shadow_active(page) == "lk"
    assert page.evaluate(f"(f => [f.selectionStart, f.selectionEnd])({P}.shadowRoot.querySelector('.lk'))") == \
        [0, len(field.input_value())]
    assert page.locator("newsaudio-player .st").inner_text() == "Link markiert: mit Strg+C kopieren"
    ctx.close()


def test_transcript_panel_from_the_timed_transcript_searches_and_seeks(page, site):
    segments = json.loads((site.settings.output_dir / "audio" / "seed-v1.json").read_text())["segments"]
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    open_player(page, seed_url(site))
    toggle = page.locator("newsaudio-player .tb")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not page.locator("newsaudio-player .tl").is_visible()
    assert not any(u.endswith("/audio/seed-v1.json") for u in requests)  # fetched when opened, not before
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    lines = page.locator("newsaudio-player .tl button")
    lines.first.wait_for()
    assert lines.all_inner_texts() == [s["body"] for s in segments]
    assert any(u.endswith("/audio/seed-v1.json") for u in requests)
    # Search: only matching sentences stay, the match is marked, the count is announced.
    page.locator("newsaudio-player .q").fill("iran")
    want = [s["body"] for s in segments if "iran" in s["body"].lower()]
    assert 2 <= len(want) < len(segments)
    shown = page.locator("newsaudio-player .tl button:visible")
    assert shown.all_inner_texts() == want
    assert {m.lower() for m in page.locator("newsaudio-player .tl mark").all_inner_texts()} == {"iran"}
    assert page.locator("newsaudio-player .qn").inner_text() == f"{len(want)} Treffer"
    # A tap on a sentence plays from it, and it is the one marked as being spoken.
    target = next(s for s in segments if s["body"] == want[1])
    shown.nth(1).click()
    page.wait_for_function(f"!{P}.audio.paused && !{P}.audio.seeking && {P}.audio.currentTime > 0")
    assert target["startTime"] - TOL <= now(page) < target["endTime"]
    current = page.locator("newsaudio-player .tl button[aria-current=true]")
    assert current.count() == 1 and current.inner_text() == want[1]
    page.locator("newsaudio-player .q").fill("")
    assert page.locator("newsaudio-player .tl button:visible").count() == len(segments)
    assert page.locator("newsaudio-player .tl mark").count() == 0
    # Playing on, the mark follows the speech.
    later = segments[segments.index(target) + 1]
    seek_to(page, later["startTime"] + 0.2)
    page.wait_for_function(f"{P}.shadowRoot.querySelector('.tl button[aria-current=true]')?.textContent === "
                           f"{json.dumps(later['body'])}")
    assert page.errors == []


def test_transcript_panel_falls_back_to_the_player_datas_sentences(page, site):
    open_player(page, f"{site.base}/site/short.html")  # no timed transcript file beside this MP3
    page.locator("newsaudio-player .tb").click()
    lines = page.locator("newsaudio-player .tl button")
    lines.first.wait_for()
    assert lines.all_inner_texts() == [s["text"] for p in site.short["paragraphs"] for s in p["sentences"]]


def lit(page: Any) -> str:
    return page.evaluate("[...document.querySelectorAll('[data-newsaudio-sentence]')].map(e => e.textContent).join('')")


def test_the_sentence_being_spoken_is_marked_inside_its_paragraph_without_moving_the_layout(page, site):
    paras = site.seed["paragraphs"]
    open_player(page, seed_url(site))
    where = "[...document.querySelectorAll('.article__text p')].map(e => e.getBoundingClientRect().y)"
    boxes = page.evaluate(where)
    spans = page.evaluate(f"{P}.spans.map(s => s ? s.length : 0)")
    assert spans == [0] + [len(p["sentences"]) for p in paras[1:]]  # the headline is not in this body
    start_then_pause(page)
    last = paras[-1]
    for sentence in last["sentences"][:3]:
        seek_to(page, (sentence["start_s"] + sentence["end_s"]) / 2)
        page.wait_for_function(f"[...document.querySelectorAll('[data-newsaudio-sentence]')]"
                               f".map(e => e.textContent).join('') === {json.dumps(sentence['text'])}")
        # The paragraph keeps its own mark around the sentence's.
        assert page.evaluate("document.querySelector('[data-newsaudio-current] [data-newsaudio-sentence]') !== null")
        assert page.evaluate(where) == boxes
    # The page's text is untouched: the spans only wrap it.
    assert page.evaluate("document.querySelector('[data-newsaudio-current]').textContent.replace(/\\s+/g, ' ')"
                         ".trim()") == last["text"]


def test_a_paragraph_that_differs_in_punctuation_keeps_only_the_paragraph_mark(page, site):
    paras = site.short["paragraphs"]
    open_player(page, f"{site.base}/site/inexact.html")
    assert page.evaluate(f"{P}.readAlong")
    assert page.locator(".text p").first.locator("[data-newsaudio-s]").count() == 0
    assert page.locator(".text h2 [data-newsaudio-s]").count() == 1
    start_then_pause(page)
    seek_to(page, (paras[1]["start_s"] + paras[1]["end_s"]) / 2)
    page.wait_for_function("document.querySelectorAll('[data-newsaudio-current]').length === 1")
    page.wait_for_timeout(100)
    assert lit(page) == ""
    seek_to(page, (paras[2]["start_s"] + paras[2]["end_s"]) / 2)
    page.wait_for_function(f"[...document.querySelectorAll('[data-newsaudio-sentence]')].map(e => e.textContent)"
                           f".join('') === {json.dumps(paras[2]['text'])}")


def bar_shown(page: Any) -> bool:
    return page.evaluate(f"!{P}.shadowRoot.querySelector('.br').hidden")


def test_a_compact_bar_follows_the_page_once_playing_and_works_by_keyboard(page, site):
    open_player(page, seed_url(site))
    bottom = "window.scrollTo(0, document.documentElement.scrollHeight)"
    page.evaluate(bottom)
    page.wait_for_timeout(300)
    assert not bar_shown(page)  # not started: nothing follows the reader
    page.evaluate("window.scrollTo(0, 0)")
    page.locator("newsaudio-player .pl").click()
    page.wait_for_function(f"!{P}.audio.paused && {P}.audio.currentTime > 0.3")
    page.evaluate(bottom)
    bar = page.locator("newsaudio-player .br")
    bar.wait_for(state="visible")
    box = bar.bounding_box()
    assert box["y"] + box["height"] == pytest.approx(600, abs=1) and box["y"] > 500  # fixed at the bottom
    assert page.locator("newsaudio-player .pl").bounding_box()["y"] < 0  # the player itself is out of view
    assert bar.get_attribute("aria-label").startswith("Mini-Player: ")
    page.wait_for_function(f"{P}.shadowRoot.querySelector('.be').textContent !== '0:00'")
    # Keyboard: the bar's controls are in the tab order next to each other.
    page.locator("newsaudio-player .bx").focus()
    page.keyboard.press("Shift+Tab")
    assert shadow_active(page) == "bp"
    assert page.locator("newsaudio-player .bp").get_attribute("aria-label") == "Pause"
    page.keyboard.press("Space")
    page.wait_for_function(f"{P}.audio.paused")
    # the label follows the element's "pause" event, which comes just after paused is true
    expect(page.locator("newsaudio-player .bp")).to_have_attribute("aria-label", "Abspielen")
    page.keyboard.press("Enter")
    page.wait_for_function(f"!{P}.audio.paused")
    page.keyboard.press("Tab")
    assert shadow_active(page) == "bx"
    page.keyboard.press("Enter")
    bar.wait_for(state="hidden")
    assert shadow_active(page) == "pl"  # focus goes to the player, not lost with the bar
    assert not page.evaluate(f"{P}.audio.paused")  # closing the bar does not stop the audio
    page.evaluate("window.scrollTo(0, 0)")
    page.evaluate(bottom)
    page.wait_for_timeout(300)
    assert not bar_shown(page)  # closed stays closed on this page


def test_the_bar_goes_when_the_player_scrolls_back_into_view(page, site):
    open_player(page, seed_url(site))
    start_then_pause(page)
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    page.locator("newsaudio-player .br").wait_for(state="visible")
    page.evaluate("window.scrollTo(0, 0)")
    page.locator("newsaudio-player .br").wait_for(state="hidden")


@pytest.fixture(scope="module")
def strict_browser(browser) -> Iterator[Any]:  # noqa: F811
    """Chromium with a desktop browser's autoplay rule (sound only after the listener's gesture
    on the page), unlike the other tests' browser, which lets any page play."""
    b = browser.browser_type.launch(executable_path="/usr/bin/chromium", args=[
        "--no-sandbox", "--disable-gpu", "--autoplay-policy=document-user-activation-required"])
    yield b
    b.close()


def test_next_article_plays_in_place_after_the_end_when_opted_in_under_autoplay_rules(strict_browser, site):
    ctx = strict_browser.new_context()
    page = new_page(ctx, site.base)
    # A new page cannot start sound on its own here: why the next article plays in this page.
    page.goto(f"{site.base}/site/autoplay.html")
    page.wait_for_timeout(1000)
    assert page.evaluate("document.querySelector('audio').paused")
    open_player(page, f"{site.base}/site/short.html")
    opt = page.locator("newsaudio-player .au")
    assert not opt.is_checked()
    assert page.locator("newsaudio-player label").inner_text() == "Danach nächsten Artikel abspielen"
    opt.check()
    page.reload()  # remembered
    page.wait_for_function(f"{P} && {P}.audio")
    assert page.locator("newsaudio-player .au").is_checked()
    page.locator("newsaudio-player .sp").select_option("3")
    page.locator("newsaudio-player .pl").click()
    page.wait_for_function(f"{P}.audio.src.endsWith('/audio/seed-v1.mp3')", timeout=20_000)
    page.wait_for_function(f"!{P}.audio.paused && {P}.audio.currentTime > 0.3", timeout=10_000)
    assert page.locator("newsaudio-player .t").inner_text() == site.seed["title"]
    status = page.locator("newsaudio-player .st")
    assert status.inner_text() == f"Jetzt: {site.seed['title']}"
    assert status.locator("a").get_attribute("href") == SEED_URL
    assert page.locator("newsaudio-player .pl").get_attribute("aria-label") == "Pause"
    assert page.evaluate(f"{P}.audio.playbackRate") == 3  # the listener's speed carries on
    # The next article's page is not this one: this page's paragraphs are not marked for it.
    assert not page.evaluate(f"{P}.readAlong")
    assert page.locator("[data-newsaudio-current]").count() == 0
    assert page.errors == []
    ctx.close()


def test_without_the_opt_in_the_episode_just_ends(strict_browser, site):
    ctx = strict_browser.new_context()
    page = new_page(ctx, site.base)
    open_player(page, f"{site.base}/site/short.html")
    page.locator("newsaudio-player .sp").select_option("3")
    page.locator("newsaudio-player .pl").click()
    page.wait_for_function(f"{P}.audio.ended", timeout=20_000)
    page.wait_for_timeout(500)
    assert page.evaluate(f"{P}.audio.src").endswith("/audio/kurz-v1.mp3")
    assert page.evaluate(f"{P}.audio.paused")
    ctx.close()


def test_the_player_index_keeps_the_feeds_order():
    entries = [("https://b.example/2", b'{"guid":"new"}'), ("https://a.example/1", b'{"guid":"old"}')]
    assert list(json.loads(player_index_around(entries))) == ["https://b.example/2", "https://a.example/1"]


def test_chapters_are_ticks_on_the_seek_bar_and_the_current_one_is_marked(page, site):
    chapters, dur = site.short["chapters"], site.short["audio"]["duration_s"]
    open_player(page, f"{site.base}/site/short.html")
    ticks = page.locator("newsaudio-player .tk i")
    assert ticks.count() == len(chapters) == 2
    bar = page.locator("newsaudio-player .s").bounding_box()
    for tick, chapter in zip(ticks.all(), chapters, strict=True):
        x = tick.bounding_box()["x"] - bar["x"]
        assert x == pytest.approx(bar["width"] * chapter["start_s"] / dur, abs=2)
    start_then_pause(page)
    seek_to(page, chapters[1]["start_s"] + 0.3)
    page.wait_for_function(f"{P}.shadowRoot.querySelectorAll('.tk i')[1].classList.contains('on')")
    assert ticks.nth(0).get_attribute("class") in (None, "")
    assert chapters[1]["title"] in page.locator("newsaudio-player .s").get_attribute("aria-valuetext")
    page.locator("newsaudio-player summary").click()
    menu = page.locator("newsaudio-player .cm button")
    assert menu.nth(1).get_attribute("aria-current") == "true" and menu.nth(0).get_attribute("aria-current") is None
    seek_to(page, 0.1)
    page.wait_for_function(f"{P}.shadowRoot.querySelectorAll('.cm button')[0].getAttribute('aria-current') === 'true'")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violations_with_the_new_controls_open(page, site, scheme):
    page.emulate_media(color_scheme=scheme)
    open_player(page, seed_url(site))
    page.locator("newsaudio-player .tb").click()
    page.locator("newsaudio-player .tl button").first.wait_for()
    page.locator("newsaudio-player .q").fill("Iran")  # marks in the panel
    page.locator("newsaudio-player .sh").click()  # the link field and its status
    page.locator("newsaudio-player .lk").wait_for()
    para = site.seed["paragraphs"][2]
    page.locator("newsaudio-player .pl").click()
    page.wait_for_function(f"!{P}.audio.paused")
    page.locator("newsaudio-player .pl").click()
    seek_to(page, (para["sentences"][0]["start_s"] + para["sentences"][0]["end_s"]) / 2)
    page.wait_for_function("document.querySelector('[data-newsaudio-sentence]')")  # a sentence is marked
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    page.locator("newsaudio-player .br").wait_for(state="visible")  # and the compact bar shows
    assert_player_accessible(page)


def test_english_labels_for_the_new_controls(page, site):
    open_player(page, f"{site.base}/site/marked.html")
    assert page.locator("newsaudio-player .sh").get_attribute("aria-label") == "Copy link to this moment"
    assert page.locator("newsaudio-player .tb").inner_text() == "Transcript"
    assert page.locator("newsaudio-player label").inner_text() == "Then play the next article"
    page.locator("newsaudio-player .tb").click()
    assert page.locator("newsaudio-player .q").get_attribute("aria-label") == "Search the transcript"


def test_a_page_with_a_strict_content_security_policy_runs_the_styled_player(page, site):
    violations: list[str] = []
    page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
    page.goto(f"{site.base}/site/csp.html")
    page.evaluate("document.addEventListener('securitypolicyviolation', e => (window.csp = window.csp || [])"
                  ".push(e.violatedDirective + ' ' + e.blockedURI))")
    page.wait_for_function(f"() => {P} && {P}.audio")
    assert page.evaluate(f"{P}.readAlong")
    play = page.locator("newsaudio-player .pl")
    assert play.evaluate("b => getComputedStyle(b).borderRadius") == "50%"  # the player's own CSS applies
    assert page.locator("newsaudio-player .tk i").nth(1).evaluate("i => i.style.left").endswith("%")
    page.locator("newsaudio-player .tb").click()
    page.locator("newsaudio-player .tl button").first.wait_for()
    play.click()
    # (Waits as functions: a string would be evaluated by eval, which this very policy forbids.)
    page.wait_for_function(f"() => !{P}.audio.paused && {P}.audio.currentTime > 0.3")
    page.wait_for_function("() => document.querySelector('[data-newsaudio-current]')")
    assert page.evaluate("document.querySelector('[data-newsaudio-current]').getAttribute('data-newsaudio-p')")
    assert page.evaluate("window.csp || []") == [] and violations == []
    # (This short episode has no timed transcript file beside it: its 404 is expected.)
    assert [e for e in page.errors if "404" not in e] == []


def test_a_browser_without_constructable_stylesheets_still_gets_the_styled_player(browser, site):  # noqa: F811
    ctx = browser.new_context()
    # As in Safari before 16.4: no adoptedStyleSheets on documents and shadow roots.
    ctx.add_init_script("delete Document.prototype.adoptedStyleSheets; delete ShadowRoot.prototype.adoptedStyleSheets")
    page = new_page(ctx, site.base)
    open_player(page, seed_url(site))
    assert page.evaluate("document.adoptedStyleSheets") is None
    assert page.locator("newsaudio-player .pl").evaluate("b => getComputedStyle(b).borderRadius") == "50%"
    assert page.locator("newsaudio-player .br").is_hidden()
    page.locator("newsaudio-player .pl").click()
    page.wait_for_function("document.querySelector('[data-newsaudio-current]')")
    outline = page.evaluate("getComputedStyle(document.querySelector('[data-newsaudio-current]')).outlineStyle")
    assert outline == "solid"  # the page's read-along marks are styled too
    assert page.errors == []
    ctx.close()
