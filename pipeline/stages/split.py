"""Whether a long article is worth splitting across synth workers, and where to cut it.

Each part is spoken and mastered by its own task and the parts' MP3s are joined
(pipeline/fragments.py), so N workers finish a long article with a slow voice in about 1/N
of the time (measured in `make bench-scale`: 0.57 with two workers on two cores for the house
voice). With a cheap voice (espeak speaks ~300x faster than real time) a whole article takes
seconds, and the tasks' round trips through the queue and the shared cache would eat the gain.
So the decision uses the voice's measured speed (voices.real_time_factor), not only the
article's length.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pipeline.models import Segment


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
