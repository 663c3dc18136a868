"""Speak a Script: one PCM array per segment, through the sentence cache."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from pipeline.models import Script
from voices.base import Voice
from voices.cache import SegmentCache


@dataclass
class SpeakStats:
    synthesised: int = 0
    cached: int = 0
    seconds: float = 0.0


def speak(script: Script, voice: Voice, cache: SegmentCache | None = None) -> tuple[list[np.ndarray], SpeakStats]:
    """Audio for every segment of ``script`` in order (pauses are the master stage's job).

    Only segments whose (voice identity, text) is not cached are synthesised, so after a
    one-sentence edit only that sentence is spoken again. Repeats inside one script are
    synthesised once.
    """
    start = time.perf_counter()
    stats = SpeakStats()
    seen: dict[str, np.ndarray] = {}
    out: list[np.ndarray] = []
    for segment in script.segments:
        text = " ".join(segment.text.split())
        if not text:
            out.append(np.zeros(0, dtype=np.float32))
            continue
        pcm = seen.get(text)
        if pcm is None and cache is not None:
            pcm = cache.get(voice.identity, text)
            if pcm is not None:
                stats.cached += 1
        elif pcm is not None:
            stats.cached += 1
        if pcm is None:
            pcm = voice.synthesize(text)
            stats.synthesised += 1
            if cache is not None:
                cache.put(voice.identity, text, pcm)
        seen[text] = pcm
        out.append(pcm)
    stats.seconds = time.perf_counter() - start
    return out, stats
