"""Speak a Script: one PCM array per segment, through the sentence cache."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from pipeline.models import Pronunciation, Script, Segment
from voices.base import Voice
from voices.cache import SegmentCache
from voices.spool import Spool

_WORD = re.compile(r"\S+")


@dataclass
class SpeakStats:
    synthesised: int = 0
    cached: int = 0
    seconds: float = 0.0


def squeeze(segment: Segment) -> tuple[str, tuple[Pronunciation, ...]]:
    """The segment's text with whitespace runs as one space, and its spans moved to match.

    A span edge that falls in a whitespace run moves to the end of the word before the run.
    """
    if not segment.pronunciations:
        return " ".join(segment.text.split()), ()
    new_at = [0] * (len(segment.text) + 1)  # old offset -> new offset
    parts: list[str] = []
    length, pos = 0, 0
    for m in _WORD.finditer(segment.text):
        for i in range(pos, m.start()):
            new_at[i] = length  # whitespace maps to the end of the word before it
        length += 1 if parts else 0
        for i in range(m.start(), m.end()):
            new_at[i] = length + i - m.start()
        parts.append(m.group(0))
        length += len(m.group(0))
        pos = m.end()
    for i in range(pos, len(segment.text) + 1):
        new_at[i] = length
    spans = tuple(
        replace(p, start=new_at[p.start], end=new_at[p.end])
        for p in segment.pronunciations
        if 0 <= p.start < p.end <= len(segment.text)
    )
    return " ".join(parts), spans


def speak(
    script: Script, voice: Voice, cache: SegmentCache | None = None, *, into: Spool | None = None
) -> tuple[Sequence[np.ndarray], SpeakStats]:
    """Audio for every segment of ``script`` in order (pauses are the master stage's job), in
    memory or, given a Spool, on disk.

    Only segments whose (voice identity, text, pronunciations) is not cached are
    synthesised, so after a one-sentence edit only that sentence is spoken again. Repeats
    inside one script are synthesised once.
    """
    start = time.perf_counter()
    stats = SpeakStats()
    seen: dict[tuple[str, str], int] = {}  # where a text was spoken before in this script
    out: list[np.ndarray] | Spool = into if into is not None else []
    for segment in script.segments:
        text, spans = squeeze(segment)
        if not text:
            out.append(np.zeros(0, dtype=np.float32))
            continue
        said = Segment(text, pronunciations=spans).pronunciation_key()
        if (text, said) in seen:
            stats.cached += 1
            if isinstance(out, Spool):
                out.again(seen[(text, said)])
            else:
                out.append(out[seen[(text, said)]])
            continue
        pcm = cache.get(voice.identity, text, said) if cache is not None else None
        if pcm is not None:
            stats.cached += 1
        else:
            # Voices that predate phonemes take text alone; only pass spans when there are any.
            pcm = voice.synthesize(text, spans) if spans else voice.synthesize(text)
            stats.synthesised += 1
            if cache is not None:
                cache.put(voice.identity, text, pcm, said)
        seen[(text, said)] = len(out)
        out.append(pcm)
    stats.seconds = time.perf_counter() - start
    return out, stats


# A sentence of ordinary length and rhythm: its real-time factor stands for the voice's.
_CALIBRATION = "Die Bundesregierung will das Gesetz noch vor der Sommerpause im Bundestag beschließen."
_MEASURED: dict[str, float] = {}
_LOCK = threading.Lock()


def real_time_factor(voice: Voice) -> float:
    """Seconds of synthesis per second of speech for ``voice``, measured once per process
    (the second of two runs: the first pays for warming up the engine)."""
    with _LOCK:
        if voice.identity in _MEASURED:
            return _MEASURED[voice.identity]
    seconds = 0.0
    for _ in range(2):
        start = time.perf_counter()
        pcm = voice.synthesize(_CALIBRATION)
        seconds = time.perf_counter() - start
    factor = seconds / max(len(pcm) / voice.sample_rate, 1e-3)
    with _LOCK:
        _MEASURED[voice.identity] = factor
    return factor
