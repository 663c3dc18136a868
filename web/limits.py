"""Per-client rate limits kept in this process's memory: the console's login attempts and the
player's events both count what one key did in the last minute."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Hashable

WINDOW_S = 60.0


class RateLimit:
    """At most ``per_minute`` hits per key in any 60 s window. Bounded: past ``max_keys`` keys
    the expired ones go, and under a flood of new keys all of them (a flood must not grow
    memory; it costs a few hits allowed again at worst)."""

    def __init__(self, per_minute: int, max_keys: int = 100_000) -> None:
        self.per_minute = per_minute
        self.max_keys = max_keys
        self._seen: dict[Hashable, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: Hashable) -> bool:
        """Count one hit; False when the key's minute is spent."""
        now = time.monotonic()
        with self._lock:
            if len(self._seen) >= self.max_keys:
                self._seen = {k: q for k, q in self._seen.items() if q and now - q[-1] <= WINDOW_S}
                if len(self._seen) >= self.max_keys // 2:
                    self._seen.clear()
            seen = self._seen.setdefault(key, deque())
            while seen and now - seen[0] > WINDOW_S:
                seen.popleft()
            if len(seen) >= self.per_minute:
                return False
            seen.append(now)
            return True
