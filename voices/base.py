"""The Voice interface every engine implements, and the small helpers they share."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    from pipeline.models import Pronunciation
    from voices.profile import VoiceProfile


@runtime_checkable
class Voice(Protocol):
    name: str
    engine: str
    sample_rate: int
    profile: VoiceProfile
    # profile name + engine + model-file hash: the voice that actually spoke.
    identity: str
    is_fallback: bool
    fallback_reason: str

    def synthesize(self, text: str, pronunciations: Sequence[Pronunciation] = ()) -> np.ndarray:
        """float32 mono PCM in [-1, 1] at ``sample_rate``.

        ``pronunciations`` say how spans of ``text`` sound; a voice that takes phonemes speaks
        them in place of the span, any other voice reads the text.
        """
        ...


def split_spans(
    text: str, pronunciations: Sequence[Pronunciation], phonemes: Callable[[Pronunciation], str]
) -> list[tuple[str, str | None]]:
    """``text`` as (piece, None) for text and (span text, phonemes) for each usable span.

    ``phonemes`` picks what this voice takes ("" when the entry has none for it: the span
    then stays text). Overlapping or out-of-range spans are ignored, never half-applied.
    """
    out: list[tuple[str, str | None]] = []
    pos = 0
    for p in sorted(pronunciations, key=lambda p: p.start):
        said = phonemes(p)
        if not said or p.start < pos or p.end > len(text) or p.start >= p.end:
            continue
        if p.start > pos:
            out.append((text[pos : p.start], None))
        out.append((text[p.start : p.end], said))
        pos = p.end
    if pos < len(text):
        out.append((text[pos:], None))
    return out


_DIGESTS: dict[tuple[str, int, int], str] = {}


def file_digest(*paths: Path, length: int = 12) -> str:
    """A short sha256 over the given files' bytes.

    Remembered per (path, size, mtime) so a 300 MB checkpoint is hashed once per process,
    not once per load or per segment.
    """
    h = hashlib.sha256()
    for path in paths:
        st = os.stat(path)
        key = (str(Path(path).resolve()), st.st_size, st.st_mtime_ns)
        digest = _DIGESTS.get(key)
        if digest is None:
            fh = hashlib.sha256()
            with open(path, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    fh.update(block)
            digest = _DIGESTS[key] = fh.hexdigest()
        h.update(digest.encode())
    return h.hexdigest()[:length]


def make_identity(profile_name: str, engine: str, digest: str) -> str:
    return f"{profile_name}+{engine}+{digest}"


def to_pcm(wav: object) -> np.ndarray:
    """Any engine output (list, tensor-as-array, int16) as float32 mono in [-1, 1]."""
    arr = np.asarray(wav)
    if arr.dtype == np.int16:
        arr = arr.astype(np.float32) / 32768.0
    arr = arr.astype(np.float32, copy=False).reshape(-1)
    # Neural vocoders can overshoot slightly; NaN would poison loudness normalisation later.
    arr = np.nan_to_num(arr, nan=0.0, posinf=1.0, neginf=-1.0)
    return np.clip(arr, -1.0, 1.0)


@dataclass(frozen=True)
class ModelFiles:
    """What an engine resolved a profile's ``model`` to; hashable, so it keys the voice cache."""

    paths: tuple[Path, ...] = ()
    # Extra paths an engine needs next to the model (a vocoder, a config), same hashability.
    extra: tuple[Path, ...] = ()
    model_name: str = ""
