"""Sentence cache: segment audio on disk, keyed by voice identity + segment text (+ its
pronunciations, so an edit to a lexicon entry's phonemes alone is spoken again).

Safe with many worker processes without a server:
- entries are written to a private temp file and renamed into place, so a reader sees a
  whole entry or none;
- a hit touches the file's mtime, which is the LRU clock shared by every process;
- eviction runs under an exclusive ``flock`` on ``.lock`` so two processes don't race over the
  same list; a reader whose entry vanished mid-read simply counts a miss.
Eviction cost: one directory scan, done when this process has written about a twentieth of
the limit since its last scan (and on its first write), so the limit can be overshot by at
most that much per process between scans.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

_SUFFIX = ".npy"


def cache_key(identity: str, text: str, pronunciations: str = "") -> str:
    """``pronunciations`` is Segment.pronunciation_key(); "" leaves the key as it always was,
    so entries cached before phonemes existed stay valid."""
    extra = f"\x00{pronunciations}" if pronunciations else ""
    return hashlib.sha256(f"{identity}\x00{text}{extra}".encode()).hexdigest()


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    evicted: int = 0


class SegmentCache:
    def __init__(self, dir: Path, max_bytes: int) -> None:  # noqa: A002 - name fixed by the API
        self.dir = Path(dir)
        self.max_bytes = int(max_bytes)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.stats = CacheStats()
        self._written_since_scan: int | None = None  # None: no scan yet in this process

    def _path(self, key: str) -> Path:
        return self.dir / key[:2] / (key + _SUFFIX)

    def get(self, identity: str, text: str, pronunciations: str = "") -> np.ndarray | None:
        path = self._path(cache_key(identity, text, pronunciations))
        try:
            pcm = np.load(path, allow_pickle=False)
            os.utime(path)  # LRU: a hit makes the entry young again
        except FileNotFoundError:
            self.stats.misses += 1
            return None
        except (ValueError, OSError, EOFError):
            # A damaged entry (disk full while another process wrote it, say): drop it.
            path.unlink(missing_ok=True)
            self.stats.misses += 1
            return None
        self.stats.hits += 1
        return pcm

    def put(self, identity: str, text: str, pcm: np.ndarray, pronunciations: str = "") -> None:
        path = self._path(cache_key(identity, text, pronunciations))
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=_SUFFIX)
        try:
            with os.fdopen(fd, "wb") as f:
                np.save(f, np.asarray(pcm, dtype=np.float32), allow_pickle=False)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        size = path.stat().st_size
        if self._written_since_scan is None or self._written_since_scan + size > self.max_bytes // 20:
            self.evict()
        else:
            self._written_since_scan += size

    def entries(self) -> list[tuple[float, int, Path]]:
        """(mtime, size, path) of every entry, oldest first."""
        out = []
        for path in self.dir.glob(f"??/*{_SUFFIX}"):
            if path.name.startswith(".tmp-"):
                continue
            try:
                st = path.stat()
            except FileNotFoundError:
                continue
            out.append((st.st_mtime, st.st_size, path))
        out.sort()
        return out

    def size_bytes(self) -> int:
        return sum(size for _, size, _ in self.entries())

    def evict(self) -> int:
        """Delete least-recently-used entries until the cache fits ``max_bytes``."""
        removed = 0
        with open(self.dir / ".lock", "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            entries = self.entries()
            total = sum(size for _, size, _ in entries)
            for _, size, path in entries:
                if total <= self.max_bytes:
                    break
                path.unlink(missing_ok=True)
                total -= size
                removed += 1
        self.stats.evicted += removed
        self._written_since_scan = 0
        return removed
