"""When a known article is worth looking at again.

A poll touches only what changed: an entry whose feed item (title, summary, dates) is the same
as last time is not fetched, except on its revisits. News pages are corrected most in their
first hours, so a young article is re-checked at growing ages (by default 10 min, 30 min, 2 h,
6 h and 24 h after it was first seen), each time with a conditional GET, and then never again.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta

from pipeline.models import FeedEntry

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_STEP = re.compile(r"^(\d+(?:\.\d+)?)([smhd])$")


def parse_schedule(text: str) -> list[timedelta]:
    """``"10m 30m 2h 6h 24h"`` -> ages at which an article is checked again (sorted).
    Empty means never. Commas or spaces separate the steps."""
    steps: list[timedelta] = []
    for word in text.replace(",", " ").split():
        match = _STEP.match(word.strip().lower())
        if not match:
            raise ValueError(f"revisit_after: {word!r} is not a number with s, m, h or d (like 10m or 6h)")
        steps.append(timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)]))
    return sorted(steps)


def next_check(seen_at: datetime | None, now: datetime, schedule: list[timedelta]) -> datetime | None:
    """The first scheduled age still ahead of ``now``; None when the schedule is over."""
    if seen_at is None:
        return None
    for age in schedule:
        if seen_at + age > now:
            return seen_at + age
    return None


def entry_fingerprint(entry: FeedEntry) -> str:
    """What the feed says about an entry; a different value means the newsroom changed it."""
    dates = [d.isoformat() if d else "" for d in (entry.published, entry.updated)]
    text = "\x00".join([entry.url, entry.title, entry.summary, *dates])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
