"""Timed text of one episode: WebVTT and Podcast Index JSON transcripts, JSON chapters (v1.2)
and the per-article player data, all from the mastered audio's timeline.

A cue is one spoken sentence, shown as the article writes it. Its times are where the
sentence is heard in the final MP3 (Mastered.spans, taken while mastering, so pauses and
loudness processing cannot shift them). Each cue keeps the number of the article's block it
came from (title 0, lead 1 when there is one, then each block), so a player can highlight
and skip by paragraph. The spoken AI disclosure is a cue of its own (kind "disclosure", block
-1): in the transcripts with its time, but no paragraph of the article's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pipeline.models import Chapter, Segment, Span
from pipeline.stages.clean import drop_unprintable
from pipeline.stages.publish.disclosure import DISCLOSURE_BLOCK, DISCLOSURE_KIND, SyntheticVoice


@dataclass(frozen=True)
class Cue:
    block: int
    kind: str  # title | lead | heading | paragraph
    text: str  # the written sentence
    start_ms: int
    end_ms: int

    def to_dict(self) -> dict[str, Any]:
        return {"block": self.block, "kind": self.kind, "text": self.text,
                "start_ms": self.start_ms, "end_ms": self.end_ms}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Cue:
        return cls(int(data["block"]), str(data["kind"]), str(data["text"]), int(data["start_ms"]),
                   int(data["end_ms"]))


def build_cues(segments: list[Segment], spans: list[Span], duration_s: float) -> list[Cue]:
    """One cue per spoken sentence: the chunks of a long sentence (same block, same written
    sentence, in a row) are one cue. Cues are in order, never overlap and end inside the audio."""
    if len(segments) != len(spans):
        raise ValueError(f"{len(segments)} segments but {len(spans)} spans")
    limit = int(duration_s * 1000)
    cues: list[Cue] = []
    for seg, span in zip(segments, spans, strict=True):
        text = " ".join(drop_unprintable(seg.written or seg.text).split())
        kind = DISCLOSURE_KIND if seg.block == DISCLOSURE_BLOCK else seg.kind
        last = cues[-1] if cues else None
        if last and last.block == seg.block and last.text == text and last.kind == kind:
            cues[-1] = Cue(last.block, last.kind, text, last.start_ms, max(last.end_ms, span.end_ms))
            continue
        cues.append(Cue(seg.block, kind, text, span.start_ms, span.end_ms))
    out: list[Cue] = []
    floor = 0
    for cue in cues:
        start = max(cue.start_ms, floor)
        end = min(cue.end_ms, limit)
        if end <= start or not cue.text:
            continue
        out.append(Cue(cue.block, cue.kind, cue.text, start, end))
        floor = end
    return out


def _vtt_time(ms: int) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def _vtt_text(text: str) -> str:
    # Cue text is markup: & and < start entities and tags, and "-->" may not appear at all.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _note_text(text: str) -> str:
    # A NOTE ends at a blank line and may not contain "-->".
    return " ".join(drop_unprintable(text).split()).replace("-->", "->")


def render_vtt(cues: list[Cue], *, voice: SyntheticVoice | None = None) -> bytes:
    """WebVTT, one cue per sentence. The cue identifier ``p<block>-<n>`` names the article's
    paragraph (block) and the sentence's number in the episode; the spoken AI disclosure is
    ``ai-<n>``. A NOTE says that the speech is synthetic (and by which voice, when known)."""
    synthetic = voice.note() if voice else "Synthetische Sprache: diese Audiodatei wurde per Sprachsynthese erzeugt."
    lines = ["WEBVTT", "", "NOTE", _note_text(synthetic), "",
             "NOTE", "Cue identifiers are p<paragraph>-<sentence>; paragraph 0 is the title; ai-<sentence> is "
             "the spoken disclosure that the voice is synthetic.", ""]
    for n, cue in enumerate(cues, 1):
        ident = f"ai-{n}" if cue.kind == DISCLOSURE_KIND else f"p{cue.block}-{n}"
        lines += [ident, f"{_vtt_time(cue.start_ms)} --> {_vtt_time(cue.end_ms)}", _vtt_text(cue.text), ""]
    return "\n".join(lines).encode("utf-8")


def render_json_transcript(cues: list[Cue], *, voice: SyntheticVoice | None = None) -> bytes:
    """Podcast Index JSON transcript (version 1.0.0); ``paragraph``, ``disclosure`` (on the
    spoken AI disclosure) and the top-level ``synthetic`` / ``voice`` are our extra fields."""
    segments: list[dict[str, Any]] = []
    for cue in cues:
        seg: dict[str, Any] = {"startTime": cue.start_ms / 1000, "endTime": cue.end_ms / 1000, "body": cue.text,
                               "paragraph": cue.block}
        if cue.kind == DISCLOSURE_KIND:
            seg["disclosure"] = True
        segments.append(seg)
    data: dict[str, Any] = {"version": "1.0.0", "synthetic": True}
    if voice is not None:
        data["voice"] = voice.to_dict()
    data["segments"] = segments
    return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")


def chapter_spans(chapters: list[Chapter], duration_s: float) -> list[tuple[Chapter, float, float]]:
    """Each chapter with its start and end in seconds (it ends where the next starts)."""
    if not chapters:
        return []
    ends = [c.start_ms / 1000 for c in chapters[1:]] + [round(duration_s, 3)]
    return [(c, c.start_ms / 1000, end) for c, end in zip(chapters, ends, strict=True)]


def render_chapters(
    chapters: list[Chapter], duration_s: float, *, title: str, podcast: str, file_name: str
) -> bytes:
    """JSON chapters format 1.2.0 (what podcast:chapters links to)."""
    data = {
        "version": "1.2.0",
        "title": drop_unprintable(title),
        "podcastName": drop_unprintable(podcast),
        "fileName": file_name,
        "chapters": [
            {"startTime": start, "endTime": end, "title": drop_unprintable(c.title)}
            for c, start, end in chapter_spans(chapters, duration_s)
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")


def paragraphs(cues: list[Cue]) -> list[dict[str, Any]]:
    """The player data's paragraphs: cues grouped by block, in order. The spoken disclosure is
    no paragraph of the article (read-along pairs these with the page's paragraphs)."""
    out: list[dict[str, Any]] = []
    for cue in cues:
        if cue.kind == DISCLOSURE_KIND:
            continue
        sentence = {"text": cue.text, "start_s": cue.start_ms / 1000, "end_s": cue.end_ms / 1000}
        if out and out[-1]["index"] == cue.block:
            para = out[-1]
            para["sentences"].append(sentence)
            para["text"] += " " + cue.text
            para["end_s"] = sentence["end_s"]
            continue
        out.append({"index": cue.block, "kind": cue.kind, "text": cue.text, "start_s": sentence["start_s"],
                    "end_s": sentence["end_s"], "sentences": [sentence]})
    return out
