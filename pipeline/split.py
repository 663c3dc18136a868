"""Whether a long article is worth splitting across synth workers, and where to cut it.

Each part is spoken and mastered by its own task and the parts' MP3s are joined
(pipeline/fragments.py), so N workers finish a long article with a slow voice in about 1/N
of the time (measured in `make bench-scale`: 0.57 with two workers on two cores for the house
voice). With a cheap voice (espeak speaks ~300x faster than real time) a whole article takes
seconds, and the tasks' round trips through the queue and the shared cache would eat the gain.
So the decision uses the voice's measured speed, not only the article's length.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import numpy as np

from pipeline.models import Segment
from voices import Voice

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


def parts_for(segments: int, segments_per_task: int, factor: float, min_factor: float) -> int:
    """How many synth tasks should speak an article of ``segments`` segments (1 = no split)."""
    if segments_per_task <= 0 or segments <= segments_per_task or factor < min_factor:
        return 1
    return -(-segments // segments_per_task)


def part_bounds(segments: Sequence[Segment], parts: int) -> list[int]:
    """Where the contiguous parts of a script start, and its end: ``[0, ..., len(segments)]``.

    Parts are mastered apart and their MP3s joined, so each seam must fall in a pause between
    blocks (paragraphs, headings), never inside one; the cuts balance the parts by text length,
    which is what their speaking time follows. Fewer parts come back when there are fewer blocks."""
    n = len(segments)
    if parts <= 1 or n == 0:
        return [0, n]
    sizes = np.cumsum([0] + [len(s.text) for s in segments])
    seams = [i for i in range(1, n)
             if (segments[i].kind, segments[i].block) != (segments[i - 1].kind, segments[i - 1].block)]
    cuts: list[int] = []
    for k in range(1, parts):
        target = sizes[-1] * k / parts
        later = [i for i in seams if not cuts or i > cuts[-1]]
        if not later:
            break
        cuts.append(min(later, key=lambda i: abs(sizes[i] - target)))
    return [0, *cuts, n]  # each cut lies after the one before
