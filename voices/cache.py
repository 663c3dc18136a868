"""Sentence cache: segment audio on disk, keyed by voice identity + segment text (+ its
pronunciations, so an edit to a lexicon entry's phonemes alone is spoken again).

Format: one ``.seg`` file per segment, compact and lossless to the bit, because mastering
measures loudness on the float samples and a changed low bit can change the gain and so the MP3
bytes. Each entry is stored in the smallest of two forms that gives back exactly what the voice
produced:
- ``i``: samples that are int16 / 32768 exactly (espeak-ng, any engine that speaks int16) are
  kept as int16, delta-coded, byte planes split, zlib: about 1.5 MB per audio minute instead of
  5.3 for float32 ``.npy`` (FLAC at its best level is 2% smaller, but soundfile is not a
  dependency of the project, only of the neural extras);
- ``f``: any other float32 (neural voices) is kept as float32 with its byte planes split (signs
  and exponents compress, the mantissa's low bytes hardly), zlib: 3.5 instead of 5.3 MB per
  minute for a VITS voice. FLAC 24-bit would be smaller but rounds float32, so it is not used.
Whether a segment fits ``i`` is decided by a round trip that must give back the same bytes, so
the form never changes what the mastering stage reads. Entries of the old ``.npy`` form are
read (and rewritten in the new form on that read); a damaged entry of either form is a miss.

Age: an entry's mtime is the last time any render used it: a write or a hit touches it. Every
render of an article reads or writes all its segments, so an entry is as young as the newest
render of an article it belongs to; a sentence shared by a new article stays young with it.
Eviction, like nginx's ``inactive`` + ``max_size``, first drops entries unused for more than
``keep_days`` (even under the budget: the cache grows to what the last week spoke, not to the
budget), then, if still over ``max_bytes``, the least recently used. So an edit to any article
rendered in the last ``keep_days`` re-speaks only its changed sentences as long as the budget
holds that many days of output; when it does not, a warning says how much would.

Safe with many worker processes without a server:
- entries are written to a private temp file and renamed into place, so a reader sees a
  whole entry or none;
- mtimes are the age clock shared by every process;
- eviction runs under an exclusive ``flock`` on ``.lock`` so two processes don't race over the
  same list; a reader whose entry vanished mid-read simply counts a miss.
Eviction cost: one directory scan, done when this process has written about a twentieth of
the limit since its last scan (and on its first write), so the limit can be overshot by at
most that much per process between scans.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import struct
import tempfile
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

_SUFFIX = ".seg"
_OLD_SUFFIX = ".npy"  # float32 entries written before the compact form; read, then rewritten
_MAGIC = b"NSG1"
_HEADER = struct.Struct("<4scQ")  # magic, form (b"i" or b"f"), sample count
_DAY_S = 86400.0
_WARN_EVERY_S = 3600.0  # a budget too small for keep_days is said once an hour per process, not per scan


def cache_key(identity: str, text: str, pronunciations: str = "") -> str:
    """``pronunciations`` is Segment.pronunciation_key(); "" leaves the key as it always was,
    so entries cached before phonemes existed stay valid."""
    extra = f"\x00{pronunciations}" if pronunciations else ""
    return hashlib.sha256(f"{identity}\x00{text}{extra}".encode()).hexdigest()


def _planes(data: np.ndarray) -> bytes:
    """The bytes of ``data`` plane by plane (all first bytes, then all second bytes, ...): the
    slowly changing high bytes then sit together, which zlib finds."""
    width = data.dtype.itemsize
    return np.ascontiguousarray(data.view(np.uint8).reshape(-1, width).T).tobytes()


def _unplanes(raw: bytes, dtype: str, n: int) -> np.ndarray:
    width = np.dtype(dtype).itemsize
    if len(raw) != n * width:
        raise ValueError("segment entry: payload does not match its sample count")
    return np.frombuffer(raw, dtype=np.uint8).reshape(width, n).T.copy().view(dtype).reshape(-1)


def _as_int16(pcm: np.ndarray) -> np.ndarray | None:
    """``pcm`` as int16 when int16 / 32768 gives back exactly its bytes (-0.0 and NaN do not)."""
    scaled = pcm * np.float32(32768.0)  # a power of two: exact
    if pcm.size and not (np.all(scaled == np.rint(scaled)) and scaled.min() >= -32768 and scaled.max() <= 32767):
        return None
    ints = scaled.astype("<i2")
    back = ints.astype(np.float32) / np.float32(32768.0)
    return ints if back.tobytes() == pcm.tobytes() else None


def encode(pcm: np.ndarray) -> bytes:
    """One entry's bytes: header + zlib payload in the smallest lossless form (see the module)."""
    pcm = np.ascontiguousarray(pcm, dtype="<f4").reshape(-1)
    ints = _as_int16(pcm)
    if ints is not None:
        # Deltas wrap modulo 2**16 and the cumulative sum unwraps them: exact for any int16.
        form, payload = b"i", _planes(np.diff(ints, prepend=np.int16(0)).astype("<i2"))
    else:
        form, payload = b"f", _planes(pcm)
    return _HEADER.pack(_MAGIC, form, pcm.size) + zlib.compress(payload, 6)


def decode(data: bytes) -> np.ndarray:
    """float32 samples of an entry written by :func:`encode`; ValueError when damaged."""
    if len(data) < _HEADER.size:
        raise ValueError("segment entry: too short")
    magic, form, n = _HEADER.unpack_from(data)
    if magic != _MAGIC:
        raise ValueError("segment entry: not a segment")
    try:
        raw = zlib.decompress(data[_HEADER.size :])  # its Adler-32 catches a damaged payload
    except zlib.error as exc:
        raise ValueError(f"segment entry: {exc}") from exc
    if form == b"i":
        ints = np.cumsum(_unplanes(raw, "<i2", n), dtype=np.int16)
        return ints.astype(np.float32) / np.float32(32768.0)
    if form == b"f":
        return _unplanes(raw, "<f4", n).astype(np.float32)
    raise ValueError(f"segment entry: unknown form {form!r}")


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    evicted: int = 0  # every entry removed by eviction, expired ones included
    expired: int = 0  # of those, unused for more than keep_days


class SegmentCache:
    def __init__(self, dir: Path, max_bytes: int, keep_days: float = 7.0) -> None:  # noqa: A002 - name fixed by the API
        """``keep_days``: entries unused that long are dropped at the next eviction scan even
        under ``max_bytes``; 0 = only the budget evicts."""
        self.dir = Path(dir)
        self.max_bytes = int(max_bytes)
        self.keep_days = float(keep_days)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.stats = CacheStats()
        self._written_since_scan: int | None = None  # None: no scan yet in this process
        self._warned_at = float("-inf")

    def _path(self, key: str, suffix: str = _SUFFIX) -> Path:
        return self.dir / key[:2] / (key + suffix)

    def get(self, identity: str, text: str, pronunciations: str = "") -> np.ndarray | None:
        key = cache_key(identity, text, pronunciations)
        path = self._path(key)
        try:
            pcm = decode(path.read_bytes())
            os.utime(path)  # age: a hit makes the entry young again
        except FileNotFoundError:
            pcm = self._get_old(key, identity, text, pronunciations)
            if pcm is None:
                self.stats.misses += 1
                return None
        except (ValueError, OSError):
            # A damaged entry (disk full while another process wrote it, say): drop it.
            path.unlink(missing_ok=True)
            self.stats.misses += 1
            return None
        self.stats.hits += 1
        return pcm

    def _get_old(self, key: str, identity: str, text: str, pronunciations: str) -> np.ndarray | None:
        """An entry of the old float32 ``.npy`` form, rewritten in the compact form (it is used
        now, so it is worth its room; the two forms give the same samples)."""
        path = self._path(key, _OLD_SUFFIX)
        try:
            pcm = np.load(path, allow_pickle=False)
        except FileNotFoundError:
            return None
        except (ValueError, OSError, EOFError):
            path.unlink(missing_ok=True)
            return None
        if pcm.dtype != np.float32 or pcm.ndim != 1:
            path.unlink(missing_ok=True)  # never written by this cache
            return None
        try:
            self._store(self._path(key), pcm)
            path.unlink(missing_ok=True)
        except OSError:
            pass  # a full disk: the old entry still answers, the next hit tries again
        return pcm

    def put(self, identity: str, text: str, pcm: np.ndarray, pronunciations: str = "") -> None:
        size = self._store(self._path(cache_key(identity, text, pronunciations)), pcm)
        if self._written_since_scan is None or self._written_since_scan + size > self.max_bytes // 20:
            self.evict()
        else:
            self._written_since_scan += size

    def _store(self, path: Path, pcm: np.ndarray) -> int:
        data = encode(pcm)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=_SUFFIX)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)  # a fresh file: its mtime is now, the write is a use
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return len(data)

    def entries(self) -> list[tuple[float, int, Path]]:
        """(mtime, size, path) of every entry, of both forms, oldest first."""
        out = []
        for path in self.dir.glob("??/*"):
            if path.name.startswith(".tmp-") or path.suffix not in (_SUFFIX, _OLD_SUFFIX):
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

    def evict(self, now: float | None = None) -> int:
        """Drop entries unused for more than ``keep_days``, then least-recently-used ones until
        the cache fits ``max_bytes``; returns how many went."""
        now = time.time() if now is None else now
        cutoff = now - self.keep_days * _DAY_S if self.keep_days > 0 else float("-inf")
        removed = expired = young = 0
        with open(self.dir / ".lock", "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            entries = self.entries()
            total = sum(size for _, size, _ in entries)
            kept_from = now
            for mtime, size, path in entries:
                if mtime >= cutoff and total <= self.max_bytes:
                    kept_from = mtime
                    break
                path.unlink(missing_ok=True)
                total -= size
                removed += 1
                if mtime < cutoff:
                    expired += 1
                else:
                    young += 1
        self.stats.evicted += removed
        self.stats.expired += expired
        self._written_since_scan = 0
        if young and now - self._warned_at >= _WARN_EVERY_S:
            self._warned_at = now
            held = max(now - kept_from, 1.0) / _DAY_S
            log.warning(
                "sentence cache: cache_max_mb (%d) holds the segments of only the last %.2f days, not "
                "cache_keep_days (%g): edits to older articles re-speak them whole; about %d MB would hold them",
                self.max_bytes // 2**20, held, self.keep_days, self.max_bytes / 2**20 * self.keep_days / held,
            )
        return removed
