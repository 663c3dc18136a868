"""Spoken audio kept on disk while an article is mastered, not in memory.

An hour of speech is ~300 MB of float32 samples, and mastering reads it twice, one segment at a
time: an unlinked temporary file holds it instead, so a render's memory does not grow with the
article, and nothing is left behind when the worker is killed.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import overload

import numpy as np


class Spool(Sequence[np.ndarray]):
    """Segments appended in order, read back by index as float32 arrays."""

    def __init__(self, folder: Path | None = None) -> None:
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
        self._file = tempfile.TemporaryFile(prefix="newsaudio-spool-", dir=folder)
        self._spans: list[tuple[int, int]] = []  # (byte offset, samples)
        self._end = 0

    def append(self, pcm: np.ndarray) -> None:
        data = np.ascontiguousarray(pcm, dtype=np.float32).reshape(-1).tobytes()
        view = memoryview(data)
        while view:
            written = os.pwrite(self._file.fileno(), view, self._end + len(data) - len(view))
            view = view[written:]
        self._spans.append((self._end, len(data) // 4))
        self._end += len(data)

    def again(self, index: int) -> None:
        """Append segment ``index`` once more (a repeated sentence), without copying it."""
        self._spans.append(self._spans[index])

    def sizes(self) -> list[int]:
        """Samples of each segment, without reading them."""
        return [samples for _, samples in self._spans]

    def __len__(self) -> int:
        return len(self._spans)

    @overload
    def __getitem__(self, index: int) -> np.ndarray: ...
    @overload
    def __getitem__(self, index: slice) -> list[np.ndarray]: ...
    def __getitem__(self, index: int | slice) -> np.ndarray | list[np.ndarray]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        offset, samples = self._spans[index]
        data = bytearray()
        while len(data) < samples * 4:
            chunk = os.pread(self._file.fileno(), samples * 4 - len(data), offset + len(data))
            if not chunk:
                raise OSError(f"spool file ended early at segment {index}")
            data += chunk
        return np.frombuffer(data, dtype=np.float32)

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
