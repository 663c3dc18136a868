"""The website's player data: one JSON file per published article (audio, transcripts,
chapters, every paragraph with its timed sentences) and the feed's index of them."""

from __future__ import annotations

import json
from typing import Any

from pipeline.models import Episode
from pipeline.stages.clean import drop_unprintable
from pipeline.stages.publish.disclosure import DISCLOSURE_KIND, SyntheticVoice, voice_from_identity
from pipeline.stages.publish.names import (
    _join,
    audio_url,
    chapters_file_name,
    json_transcript_file_name,
    player_data_guid_path,
    transcript_file_name,
    vtt_file_name,
)
from pipeline.stages.publish.transcripts import Cue, chapter_spans, paragraphs


def player_index_entry(ep: Episode, *, public_base_url: str) -> tuple[str, bytes]:
    """One episode's (key, JSON value) in the player index."""
    entry: dict[str, Any] = {
        "guid": ep.guid,
        "title": ep.title,
        "audio": audio_url(public_base_url, ep.file_name),
        "transcript": audio_url(public_base_url, transcript_file_name(ep.file_name)),
        "duration_s": round(ep.duration_s, 1),
        "bytes": ep.bytes,
        "version": ep.version,
        "chapters": [{"title": c.title, "start_s": c.start_ms / 1000} for c in ep.chapters],
    }
    if ep.timed:
        entry["vtt"] = audio_url(public_base_url, vtt_file_name(ep.file_name))
        entry["chapters_url"] = audio_url(public_base_url, chapters_file_name(ep.file_name))
    data_path = player_data_guid_path(ep.guid)
    if data_path:
        entry["player_data"] = _join(public_base_url, data_path)
    # Compact: the C encoder is several times faster than an indented dump at 300 entries.
    return ep.link, json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def player_index_around(entries: list[tuple[str, bytes]]) -> bytes:
    """The index object from player_index_entry's pairs, by URL, in the order given (the feed's,
    newest first: the website player's "next article" is the entry after the one it played);
    of equal URLs the last one's value wins, at the first one's place."""
    index: dict[str, bytes] = {}
    for link, value in entries:
        index[link] = value
    body = b",".join(json.dumps(link, ensure_ascii=False).encode("utf-8") + b":" + value
                     for link, value in index.items())
    return b"{" + body + b"}"


def render_player_data(
    ep: Episode,
    cues: list[Cue] | None,
    *,
    canonical_url: str,
    feed: dict[str, str],
    public_base_url: str,
    voice: SyntheticVoice | None = None,
) -> bytes:
    """The per-article player data (schema 1, see the README): audio, transcripts, chapters and
    every paragraph with its sentences and their times. ``synthetic`` and ``voice`` say that a
    synthetic voice spoke it and which (``voice`` given: its human name and whether it was the
    fallback; else what the episode's voice identity says); ``disclosure`` is where the spoken
    AI disclosure is heard (None when the feed left it out)."""
    timed = cues is not None
    said = next((c for c in cues or [] if c.kind == DISCLOSURE_KIND), None)
    data = {
        "schema": 1,
        "guid": ep.guid,
        "canonical_url": canonical_url or ep.link,
        "url": ep.link,
        "title": ep.title,
        "version": ep.version,
        "published": ep.published.isoformat() if ep.published else None,
        "image": ep.image or None,
        "feed": feed,
        "audio": {"url": audio_url(public_base_url, ep.file_name), "type": "audio/mpeg", "bytes": ep.bytes,
                  "duration_s": round(ep.duration_s, 3)},
        "transcripts": {
            "vtt": audio_url(public_base_url, vtt_file_name(ep.file_name)) if timed else None,
            "json": audio_url(public_base_url, json_transcript_file_name(ep.file_name)) if timed else None,
        },
        "chapters_url": audio_url(public_base_url, chapters_file_name(ep.file_name)) if timed else None,
        "chapters": [{"title": c.title, "start_s": start, "end_s": end}
                     for c, start, end in chapter_spans(ep.chapters, ep.duration_s)],
        "paragraphs": paragraphs(cues or []),
        "synthetic": True,
        "voice": (voice or voice_from_identity(ep.voice)).to_dict(),
        "disclosure": {"text": said.text, "start_s": said.start_ms / 1000, "end_s": said.end_ms / 1000}
        if said else None,
    }
    return json.dumps(_cleaned(data), ensure_ascii=False, indent=1).encode("utf-8")


def _cleaned(value: Any) -> Any:
    if isinstance(value, str):
        return drop_unprintable(value)
    if isinstance(value, dict):
        return {k: _cleaned(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_cleaned(v) for v in value]
    return value
