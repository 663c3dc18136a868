"""Support for the player tests: real episodes (espeak speech, mastered MP3, per-article JSON
in the schema the publisher writes), the web app served by uvicorn on 127.0.0.1, and Chromium.

The per-article JSON is built here from the pipeline's own stages (extraction, speech script,
synthesis, mastering with its per-segment spans), one spoken part at a time so each segment's
paragraph is known on this branch too.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from pipeline.config import Settings
from pipeline.files import atomic_write
from pipeline.models import Article, Block, FeedEntry, Segment
from pipeline.run.sample_site import SAMPLE_SITE
from pipeline.stages.extract import extract
from pipeline.stages.master import Tags, master
from pipeline.stages.publish.names import article_json_path
from pipeline.stages.speech import Lexicon, to_script
from pipeline.state.articles import set_status, upsert_entry, upsert_feed
from pipeline.state.episodes import add_episode
from pipeline.state.store import Store
from tests.conftest import settings_in
from voices import load_voice, speak
from web.player.routes import routes

SEED = "politik-russland-iran-militaerabkommen.html"
SEED_URL = "https://www.n-tv.de/politik/ISW-Russland-und-Iran-planen-grosses-Militaerabkommen-article24649386.html"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required",
]


def _parts(article: Article) -> list[tuple[str, Article]]:
    """The spoken parts in order (title, lead, each block), each as an Article of its own."""
    parts = [("title", Article(title=article.title, kicker=article.kicker, blocks=[]))]
    if article.lead:
        parts.append(("lead", Article(title="", lead=article.lead, blocks=[])))
    parts += [(b.kind, Article(title="", blocks=[b])) for b in article.blocks]
    return parts


def build_episode(
    article: Article, *, guid: str, episode_id: str, settings: Settings, base_url: str, feed_title: str = "Beispiel"
) -> dict[str, Any]:
    """Speak ``article`` (espeak), master it, write the MP3 and the per-article JSON into
    ``settings.output_dir``; returns the JSON."""
    voice = load_voice("espeak-de", settings)
    segments: list[Segment] = []
    texts: list[tuple[str, str]] = []
    for index, (kind, part) in enumerate(_parts(article)):
        script = to_script(part, lexicon=Lexicon())
        segments += [replace(s, block=index) for s in script.segments]
        written = part.spoken_title or part.lead or (part.blocks[0].text if part.blocks else "")
        texts.append((kind, written))
    pcm, _ = speak(type(script)(segments=segments), voice, None)
    mastered = master(segments, pcm, voice.sample_rate, Tags(title=article.spoken_title, artist="t", album="t"))
    file_name = f"{episode_id}-v1.mp3"
    atomic_write(settings.output_dir / "audio" / file_name, mastered.mp3)
    paragraphs = []
    for index, (kind, text) in enumerate(texts):
        mine = [(s, span) for s, span in zip(segments, mastered.spans, strict=True) if s.block == index]
        paragraphs.append({
            "index": index, "kind": kind, "text": text,
            "start_s": mine[0][1].start_ms / 1000, "end_s": mine[-1][1].end_ms / 1000,
            "sentences": [{"text": s.written or s.text, "start_s": sp.start_ms / 1000, "end_s": sp.end_ms / 1000}
                          for s, sp in mine],
        })
    starts = [c.start_ms / 1000 for c in mastered.chapters] + [mastered.duration_s]
    audio_url = f"{base_url}/audio/{file_name}"
    data = {
        "schema": 1, "guid": guid, "canonical_url": article.canonical_url, "url": article.url,
        "title": article.spoken_title, "version": 1, "published": None, "image": None,
        "feed": {"name": "sample", "title": feed_title, "url": f"{base_url}/feeds/sample.xml"},
        "audio": {"url": audio_url, "type": "audio/mpeg", "bytes": len(mastered.mp3),
                  "duration_s": mastered.duration_s},
        "transcripts": {"vtt": audio_url.replace(".mp3", ".vtt"), "json": audio_url.replace(".mp3", ".json")},
        "chapters_url": audio_url.replace(".mp3", ".chapters.json"),
        "chapters": [{"title": c.title, "start_s": s, "end_s": e}
                     for c, s, e in zip(mastered.chapters, starts, starts[1:], strict=False)],
        "paragraphs": paragraphs,
        # as the publisher writes it (pipeline/stages/publish/player.py): the voice is disclosed
        "synthetic": True,
        "voice": {"name": voice.profile.description or voice.profile.name, "identity": voice.identity,
                  "engine": "espeak", "is_fallback": False},
    }
    rel = article_json_path(article.canonical_url or article.url)
    assert rel is not None
    atomic_write(settings.output_dir / rel, json.dumps(data, ensure_ascii=False).encode("utf-8"))
    return data


def record_article(store: Store, article_id: str, guid: str, url: str, title: str) -> None:
    """The store row an episode belongs to (events are counted only for known GUIDs)."""
    upsert_feed(store, "sample", "http://127.0.0.1/feed.xml", "Beispiel")
    upsert_entry(store, "sample", article_id, FeedEntry(guid=guid, url=url, title=title))
    set_status(store, article_id, "done")


def record_episode(store: Store, article_id: str, version: int = 1) -> None:
    """A published version of the article: /events counts only published GUID/version pairs."""
    add_episode(store, article_id, version=version, voice="espeak-de", voice_is_fallback=False, text_hash="t",
                lexicon_version="", content_key="k", file_name=f"{article_id}-v{version}.mp3", size=1,
                duration_s=1.0, title=article_id, description="", chapters=[])


SHORT_URL = "https://www.example.de/kurz/meldung.html"
SHORT_GUID = "kurz-1"
EVENTS_URL = "https://www.example.de/kurz/gezaehlt.html"
EVENTS_GUID = "kurz-gezaehlt"


def short_page(url: str, blocks: list[tuple[str, str]], title: str, extra: str = "") -> str:
    """A small article page: ``blocks`` are (tag and attributes, inner HTML)."""
    body = "".join(f"<{tag}>{inner}</{tag.split()[0]}>" for tag, inner in blocks)
    return (
        f'<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>{title}</title>'
        f'<link rel="canonical" href="{url}"><script type="module" src="/player/newsaudio-player.js"></script>'
        f'</head><body><main><h1>{title}</h1>{extra}<div class="text">{body}</div></main></body></html>'
    )


@dataclass
class Demo:
    base: str
    settings: Settings
    seed: dict[str, Any]
    short: dict[str, Any]
    site: Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The seed article and a short one published into a temp output/, served with the player's
    routes plus the output/ files, like ``newsaudio serve`` after ``make demo``."""
    folder = tmp_path_factory.mktemp("player")
    settings = settings_in(folder)
    (settings.output_dir / "audio").mkdir(parents=True)
    site = folder / "site"
    site.mkdir()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"

    seed_html = (SAMPLE_SITE / "articles" / SEED).read_text(encoding="utf-8")
    seed_article = extract(seed_html, f"{base}/sample/articles/{SEED}")
    seed = build_episode(seed_article, guid="ntv-article24649386", episode_id="seed", settings=settings,
                         base_url=base)
    short_blocks = [Block("paragraph", "Das ist die erste kurze Meldung."), Block("heading", "Der zweite Teil"),
                    Block("paragraph", "Und hier kommt der zweite Absatz.")]
    short_article = Article(title="Kurze Meldung", blocks=short_blocks, url=SHORT_URL, canonical_url=SHORT_URL)
    short = build_episode(short_article, guid=SHORT_GUID, episode_id="kurz", settings=settings, base_url=base)
    # The listening-numbers test gets an episode of its own (the same audio under another
    # article), so plays in the other tests do not count towards it.
    events = dict(short, guid=EVENTS_GUID, canonical_url=EVENTS_URL, url=EVENTS_URL)
    atomic_write(settings.output_dir / str(article_json_path(EVENTS_URL)), json.dumps(events).encode("utf-8"))
    store = Store(settings.db_url)
    record_article(store, "seed", seed["guid"], SEED_URL, seed["title"])
    record_article(store, "kurz", SHORT_GUID, SHORT_URL, short["title"])
    record_article(store, "gezaehlt", EVENTS_GUID, EVENTS_URL, "Gezählte Meldung")
    for article_id in ("seed", "kurz", "gezaehlt"):
        record_episode(store, article_id)
    store.close()

    short_tag = '<newsaudio-player article-selector=".text"></newsaudio-player>'
    # The page links a word inside the last paragraph: a click on it must not seek.
    page_blocks = [("p", short_blocks[0].text), ("h2", short_blocks[1].text),
                   ("p", 'Und hier kommt der <a href="#mehr">zweite</a> Absatz.')]
    (site / "short.html").write_text(short_page(SHORT_URL, page_blocks, "Kurze Meldung", short_tag))
    (site / "events.html").write_text(short_page(EVENTS_URL, page_blocks, "Gezählte Meldung", short_tag))
    # The same article after an edit the audio does not have yet: read-along must stay off.
    edited = [*page_blocks[:2], ("p", "Und hier steht nach einer Korrektur ein anderer Absatz.")]
    (site / "edited.html").write_text(short_page(SHORT_URL, edited, "Kurze Meldung", short_tag))
    # Paragraphs marked by the page itself (no selector), among unmarked ones; English labels.
    marked = [("p data-newsaudio-paragraph", short_blocks[0].text), ("p", "Anzeige"),
              ("h2 data-newsaudio-paragraph", short_blocks[1].text),
              ("p data-newsaudio-paragraph", short_blocks[2].text)]
    (site / "marked.html").write_text(short_page(SHORT_URL, marked, "Kurze Meldung",
                                                 '<newsaudio-player lang="en"></newsaudio-player>'))
    # No episode for this page: the fallback <audio controls> stays what the listener gets.
    fallback = (f'<newsaudio-player><audio controls preload="none" src="{short["audio"]["url"]}"></audio>'
                "</newsaudio-player>")
    (site / "missing.html").write_text(short_page("https://www.example.de/ohne-audio.html", page_blocks,
                                                  "Ohne Audio", fallback))
    two = (f'<newsaudio-player src-url="{SHORT_URL}" no-stats></newsaudio-player>'
           f'<newsaudio-player src-url="{SEED_URL}" guid="{seed["guid"]}" no-stats></newsaudio-player>')
    (site / "two.html").write_text(short_page("https://www.example.de/", [], "Zwei Player", two))

    app = Starlette(routes=[*routes(settings), Mount("/site", StaticFiles(directory=site)),
                            Mount("/", StaticFiles(directory=settings.output_dir))])
    with serve(app, port):
        yield Demo(base, settings, seed, short, site)


@contextmanager
def serve(app: Starlette, port: int = 0) -> Iterator[str]:
    """Run ``app`` under uvicorn on 127.0.0.1 in a thread; yields its base URL."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(5)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    # Module scope: one sync Playwright may run at a time in a process, and other test modules
    # start their own.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield b
        b.close()
