"""Timed transcripts, chapters and player data of a real episode: the seed article voiced by
espeak, published, and read back the way podcast apps and the website read it."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import feedparser
import podcastparser
import pytest
from lxml import etree
from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from pipeline.run.feed import run
from pipeline.run.sample_site import serve_site
from pipeline.stages.publish.names import player_data_guid_path, player_data_path, stem
from pipeline.state.episodes import published_episodes
from pipeline.state.store import open_store
from tests.conftest import settings_in, small_site

CANONICAL = "https://www.n-tv.de/politik/ISW-Russland-und-Iran-planen-grosses-Militaerabkommen-article24649386.html"
FULL_TITLE = "Nachschub für die Front? ISW: Russland und Iran planen großes Militärabkommen"
PODCAST = "{https://podcastindex.org/namespace/1.0}"
# JSON chapters 1.2: every field the spec defines, at the top and per chapter.
CHAPTERS_TOP = {"version", "chapters", "author", "title", "podcastName", "description", "fileName", "waypoints"}
CHAPTER_FIELDS = {"startTime", "endTime", "title", "img", "url", "toc", "location"}
_TIME = r"(\d{2,}):([0-5]\d):([0-5]\d)\.(\d{3})"
_TIMING = re.compile(rf"^{_TIME} --> {_TIME}$")


@pytest.fixture(scope="module")
def seed(tmp_path_factory):
    """The seed article alone, voiced with espeak and published once for the whole module."""
    root = tmp_path_factory.mktemp("transcripts")
    site = small_site(root / "site", ("russland-iran",))
    page = site / "articles/politik-russland-iran-militaerabkommen.html"
    html = page.read_text(encoding="utf-8")
    # A subheading in the body (the page has none): it must become a chapter, written as written.
    marker = "<p>Die erneuten Gespräche"
    assert html.count(marker) == 1
    page.write_text(html.replace(marker, "<h2>Vertrag im Frühjahr 2024?</h2>\n" + marker), encoding="utf-8")
    with serve_site(site) as base:
        settings = settings_in(root, f"{base}/feed.xml")
        settings.voice = "espeak-de"
        summary = run(settings)
    assert [o.status for o in summary.outcomes] == ["done"]
    (row,) = published_episodes(open_store(settings), "sample")
    mp3 = settings.audio_dir / row.episode.file_name
    return settings, row.episode, mp3


def parse_vtt(text: str) -> list[tuple[str, float, float, str]]:
    """A strict reader for what we write: header, NOTE blocks, then id / timing / text cues."""
    blocks = text.split("\n\n")
    assert blocks[0] == "WEBVTT"
    cues = []
    for block in blocks[1:]:
        lines = block.strip("\n").split("\n")
        if not block.strip() or lines[0].startswith("NOTE"):
            continue
        ident, timing, *body = lines
        assert "-->" not in ident and ident.strip() == ident
        m = _TIMING.match(timing)
        assert m, timing
        g = [int(x) for x in m.groups()]
        start = g[0] * 3600 + g[1] * 60 + g[2] + g[3] / 1000
        end = g[4] * 3600 + g[5] * 60 + g[6] + g[7] / 1000
        assert body and all(line and "-->" not in line for line in body)
        cues.append((ident, start, end, "\n".join(body)))
    return cues


def sidecar(settings, episode, suffix: str) -> Path:
    return settings.audio_dir / (stem(episode.file_name) + suffix)


def test_vtt_cues_are_ordered_inside_the_audio_and_end_with_it(seed):
    settings, episode, mp3 = seed
    cues = parse_vtt(sidecar(settings, episode, ".vtt").read_text(encoding="utf-8"))
    duration = MP3(str(mp3)).info.length
    assert len(cues) >= 15
    previous_end = 0.0
    for _, start, end, _ in cues:
        assert previous_end <= start < end <= duration
        previous_end = end
    assert duration - cues[-1][2] < 1.0
    assert cues[0][1] < 1.0


def test_cue_text_is_the_written_sentence(seed):
    settings, episode, _ = seed
    cues = parse_vtt(sidecar(settings, episode, ".vtt").read_text(encoding="utf-8"))
    texts = [c[3] for c in cues]
    whole = " ".join(texts)
    assert "Ih-Ess-Weh" not in whole and "zweitausend vierund zwanzig" not in whole
    assert texts[0] == "Nachschub für die Front?"
    assert texts[1] == "ISW: Russland und Iran planen großes Militärabkommen"
    assert "Vertrag im Frühjahr 2024?" in texts
    assert any(t.startswith("Dem ISW zufolge wollen Moskau und Teheran") for t in texts)
    # One cue per sentence: a long sentence cut into chunks for the voice is still one cue.
    assert len(texts) == len(set(texts)) + texts.count("Die Bande zwischen Moskau und Teheran werden immer enger.") - 1


def test_cues_carry_their_paragraph_in_order(seed):
    settings, episode, _ = seed
    cues = parse_vtt(sidecar(settings, episode, ".vtt").read_text(encoding="utf-8"))
    # The spoken AI disclosure ("ai-<n>") follows the title; it is no paragraph of the article.
    assert re.fullmatch(r"ai-3", cues[2][0])
    cues = [c for c in cues if not c[0].startswith("ai-")]
    paragraphs = [int(re.fullmatch(r"p(\d+)-(\d+)", c[0]).group(1)) for c in cues]
    assert paragraphs[:2] == [0, 0]  # the kicker and the title are the title paragraph
    assert paragraphs == sorted(paragraphs)
    heading = next(i for i, c in enumerate(cues) if c[3] == "Vertrag im Frühjahr 2024?")
    assert paragraphs[heading] == 4  # title 0, lead 1, then the article's blocks: 2 paragraphs before it


def test_json_transcript_matches_the_vtt(seed):
    settings, episode, _ = seed
    cues = parse_vtt(sidecar(settings, episode, ".vtt").read_text(encoding="utf-8"))
    data = json.loads(sidecar(settings, episode, ".json").read_text(encoding="utf-8"))
    assert data["version"] == "1.0.0"
    segments = data["segments"]
    assert [(s["startTime"], s["endTime"], s["body"]) for s in segments] == [
        (pytest.approx(c[1], abs=1e-6), pytest.approx(c[2], abs=1e-6), c[3]) for c in cues
    ]
    assert [f"p{s['paragraph']}" if s["paragraph"] >= 0 else "ai" for s in segments] == [
        c[0].split("-")[0] for c in cues]


def test_chapters_json_follows_v1_2_and_matches_the_id3_chapters(seed):
    settings, episode, mp3 = seed
    data = json.loads(sidecar(settings, episode, ".chapters.json").read_text(encoding="utf-8"))
    assert set(data) <= CHAPTERS_TOP and data["version"] == "1.2.0"
    chapters = data["chapters"]
    assert chapters and all(set(c) <= CHAPTER_FIELDS and isinstance(c["startTime"], int | float) for c in chapters)
    starts = [c["startTime"] for c in chapters]
    assert starts == sorted(starts) and starts[0] == 0
    titles = [c["title"] for c in chapters]
    # The kicker leads into the title chapter; it is no chapter of its own. Headings are written.
    assert titles == [FULL_TITLE, "Vertrag im Frühjahr 2024?"]
    id3 = ID3(str(mp3))
    chaps = sorted(id3.getall("CHAP"), key=lambda c: c.start_time)
    assert [c.sub_frames["TIT2"].text[0] for c in chaps] == titles
    assert [c.start_time / 1000 for c in chaps] == starts


def test_feed_lists_timed_transcripts_first_and_chapters(seed):
    settings, episode, _ = seed
    xml = (settings.feeds_dir / "sample.xml").read_bytes()
    item = etree.fromstring(xml).find("channel/item")
    transcripts = [(t.get("type"), t.get("url")) for t in item.findall(f"{PODCAST}transcript")]
    base = f"{settings.public_base_url}/audio/{stem(episode.file_name)}"
    assert transcripts == [("text/vtt", base + ".vtt"), ("application/json", base + ".json"),
                           ("text/plain", base + ".txt")]
    (chapters,) = item.findall(f"{PODCAST}chapters")
    assert chapters.get("type") == "application/json+chapters" and chapters.get("url") == base + ".chapters.json"
    # podcastparser knows the podcast namespace only by an older URL: it reads the episode itself.
    parsed = podcastparser.parse(f"{settings.public_base_url}/feeds/sample.xml", io.BytesIO(xml))
    (ep,) = parsed["episodes"]
    assert ep["title"] == FULL_TITLE and ep["enclosures"][0]["url"] == base + ".mp3"
    read = feedparser.parse(xml)
    assert not read.bozo
    assert read.entries[0].podcast_chapters == {"url": base + ".chapters.json", "type": "application/json+chapters"}


def test_player_data_by_url_and_guid_agrees_with_the_transcript(seed):
    settings, episode, mp3 = seed
    by_url = settings.output_dir / player_data_path(CANONICAL)
    assert by_url == settings.output_dir / "articles/www.n-tv.de/politik" / (CANONICAL.rsplit("/", 1)[1] + ".json")
    data = json.loads(by_url.read_text(encoding="utf-8"))
    assert (settings.output_dir / player_data_guid_path(episode.guid)).read_bytes() == by_url.read_bytes()
    assert data["schema"] == 1 and data["guid"] == episode.guid and data["canonical_url"] == CANONICAL
    assert data["title"] == FULL_TITLE and data["version"] == episode.version
    feed_url = f"{settings.public_base_url}/feeds/sample.xml"
    assert data["feed"] == {"name": "sample", "title": "Beispiel", "url": feed_url}
    assert data["audio"]["bytes"] == mp3.stat().st_size and data["audio"]["type"] == "audio/mpeg"
    assert data["transcripts"]["vtt"].endswith(".vtt") and data["chapters_url"].endswith(".chapters.json")
    assert [c["title"] for c in data["chapters"]] == [FULL_TITLE, "Vertrag im Frühjahr 2024?"]
    assert data["chapters"][-1]["end_s"] == pytest.approx(data["audio"]["duration_s"], abs=0.01)
    cues = parse_vtt(sidecar(settings, episode, ".vtt").read_text(encoding="utf-8"))
    cues = [c for c in cues if not c[0].startswith("ai-")]  # the AI disclosure: no paragraph of the article
    sentences = [(s["text"], s["start_s"], s["end_s"]) for p in data["paragraphs"] for s in p["sentences"]]
    assert sentences == [(c[3], pytest.approx(c[1], abs=1e-6), pytest.approx(c[2], abs=1e-6)) for c in cues]
    kinds = [(p["index"], p["kind"]) for p in data["paragraphs"]]
    assert kinds == [(0, "title"), (1, "lead"), (2, "paragraph"), (3, "paragraph"), (4, "heading"),
                     (5, "paragraph"), (6, "paragraph")]
    title = data["paragraphs"][0]
    assert title["text"] == FULL_TITLE and title["start_s"] == 0
