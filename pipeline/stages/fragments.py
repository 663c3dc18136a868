"""A long article's parts, mastered apart by parallel workers and joined into one MP3.

Each part task speaks a contiguous run of the script (cut between blocks, see
split.part_bounds) and masters it on its own to the same loudness and peak targets, so the
mastering is spread over the workers too. The render task then joins the parts' MP3 frames
without decoding: a seam adds the encoder's few milliseconds of priming and padding inside a
pause between paragraphs, and the timed spans and chapters are moved by where each part starts.

Parts live beside the sentence cache (which the workers share), named by article, content
key and part, and are removed once the episode is recorded. Workers that share no folder share
a bucket instead (``parts_url = "s3://bucket/prefix"``): a part task uploads its timing and
then its MP3 under the same names, and the render downloads them beside its own cache.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from mutagen.mp3 import MP3

from pipeline.config import Settings
from pipeline.files import atomic_write, sweep_tmp
from pipeline.models import Chapter, Span
from pipeline.stages.master import FFMPEG, Mastered, Tags, write_tags
from pipeline.stages.publish.objects import parts_of

_NAME = re.compile(r"-(\d+)of(\d+)\.mp3$")


def folder(settings: Settings) -> Path:
    return (settings.cache_dir or settings.data_dir) / "parts"


def path(settings: Settings, article_id: str, key: str, part: int, parts: int) -> Path:
    return folder(settings) / f"{article_id}-{key[:20]}-{part}of{parts}.mp3"


def save(target: Path, mastered: Mastered) -> None:
    """The part's timing first, then its MP3: a part is complete when its MP3 exists."""
    timing = {
        "duration_s": mastered.duration_s,
        "loudness_lufs": mastered.loudness_lufs,
        "spans": [[s.start_ms, s.end_ms] for s in mastered.spans],
        "chapters": [[c.title, c.start_ms] for c in mastered.chapters],
    }
    atomic_write(target.with_suffix(".json"), json.dumps(timing, ensure_ascii=False).encode("utf-8"))
    atomic_write(target, mastered.mp3)


def done(settings: Settings, target: Path) -> bool:
    """Whether this part is complete already (a redelivered task finds it so)."""
    bucket = parts_of(settings)
    return bucket.exists(target.name) if bucket is not None else target.exists()


def share(settings: Settings, target: Path) -> None:
    """A part saved at ``target`` goes to the parts bucket, when there is one: timing first,
    then the MP3 (complete when its MP3 is there, as in the folder). The local copy goes."""
    bucket = parts_of(settings)
    if bucket is None:
        return
    timing = target.with_suffix(".json")
    bucket.put(timing.name, timing.read_bytes())
    bucket.put(target.name, target.read_bytes())
    timing.unlink(missing_ok=True)
    target.unlink(missing_ok=True)


def _fetch_from_bucket(settings: Settings, article_id: str, key: str) -> None:
    """Download the bucket's parts of this article and key that are not here yet."""
    bucket = parts_of(settings)
    if bucket is None:
        return
    names = {rel for rel, _ in bucket.matching(f"{article_id}-{key[:20]}-")}
    local = folder(settings)
    for name in sorted(names):
        named = _NAME.search(name)
        if not named or name.removesuffix(".mp3") + ".json" not in names:
            continue
        mp3 = local / name
        if mp3.exists() and mp3.with_suffix(".json").exists():
            continue
        timing, audio = bucket.read(mp3.with_suffix(".json").name), bucket.read(name)
        if timing is None or audio is None:
            continue  # removed meanwhile (another render published it)
        atomic_write(mp3.with_suffix(".json"), timing)
        atomic_write(mp3, audio)


def complete(settings: Settings, article_id: str, key: str) -> list[Path] | None:
    """Every part of this article's audio for ``key``, in order; None while any is missing."""
    _fetch_from_bucket(settings, article_id, key)
    found: dict[int, Path] = {}
    parts = 0
    for candidate in folder(settings).glob(f"{article_id}-{key[:20]}-*of*.mp3"):
        named = _NAME.search(candidate.name)
        if named and candidate.with_suffix(".json").exists():
            found[int(named.group(1))] = candidate
            parts = int(named.group(2))
    if parts < 2 or sorted(found) != list(range(parts)):
        return None
    return [found[i] for i in range(parts)]


def remove(settings: Settings, article_id: str) -> None:
    """All parts of an article, of any content key (an older key's parts are of no more use)."""
    for leftover in folder(settings).glob(f"{article_id}-*of*.*"):
        leftover.unlink(missing_ok=True)
    bucket = parts_of(settings)
    if bucket is not None:
        for name, _ in list(bucket.matching(f"{article_id}-")):
            if "of" in name:
                bucket.delete(name)


@dataclass
class _Part:
    mp3: Path
    duration_s: float
    loudness_lufs: float
    spans: list[Span]
    chapters: list[Chapter]


def _read(mp3: Path) -> _Part:
    timing = json.loads(mp3.with_suffix(".json").read_text(encoding="utf-8"))
    return _Part(
        mp3, timing["duration_s"], timing["loudness_lufs"],
        [Span(a, b) for a, b in timing["spans"]], [Chapter(t, s) for t, s in timing["chapters"]],
    )


def join(paths: list[Path], tags: Tags) -> Mastered:
    """One MP3 from the parts' frames, tagged, with spans and chapters on its timeline."""
    parts = [_read(p) for p in paths]
    with tempfile.TemporaryDirectory(prefix="newsaudio-join-") as tmp:
        listing = Path(tmp) / "parts.txt"
        listing.write_text("".join(f"file '{p.mp3}'\n" for p in parts), encoding="utf-8")
        out = Path(tmp) / "joined.mp3"
        done = subprocess.run(
            [FFMPEG, "-v", "error", "-nostdin", "-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy",
             "-f", "mp3", "-y", str(out)],
            capture_output=True,
        )
        if done.returncode != 0:
            raise RuntimeError(f"ffmpeg could not join the parts: {done.stderr.decode(errors='replace')[-500:]}")
        mp3 = out.read_bytes()
    spans: list[Span] = []
    chapters: list[Chapter] = []
    at_ms = 0
    for part in parts:
        spans += [Span(s.start_ms + at_ms, s.end_ms + at_ms) for s in part.spans]
        chapters += [Chapter(c.title, c.start_ms + at_ms) for c in part.chapters]
        at_ms += round(part.duration_s * 1000)  # its frames, priming and padding included
    duration_s = MP3(io.BytesIO(mp3)).info.length
    # Loudness of the whole from the parts': energies add by time.
    energy = sum(p.duration_s * 10 ** (p.loudness_lufs / 10) for p in parts) / sum(p.duration_s for p in parts)
    loudness = 10 * float(np.log10(energy)) if energy > 0 else float("-inf")
    mp3 = write_tags(mp3, tags, chapters, int(duration_s * 1000))
    return Mastered(mp3=mp3, duration_s=duration_s, loudness_lufs=loudness, chapters=chapters, spans=spans)


def sweep(settings: Settings, stale_tmp_s: float, stale_part_s: float = 86400.0) -> list[Path]:
    """Temp files of killed part writers (the shared rule of pipeline/sweep.py), and parts no
    render joined within a day (an article that changed again, or whose render found its
    audio unchanged)."""
    root = folder(settings)
    removed = sweep_tmp(root, stale_tmp_s)
    now = time.time()
    for leftover in root.glob("*of*.*") if root.is_dir() else []:
        try:
            stale = now - leftover.stat().st_mtime > stale_part_s
        except FileNotFoundError:
            continue
        if stale:
            leftover.unlink(missing_ok=True)
            removed.append(leftover)
    bucket = parts_of(settings)
    if bucket is not None:
        for name, mtime in list(bucket.matching("")):
            part = _NAME.search(name.removesuffix(".json") + ".mp3" if name.endswith(".json") else name)
            if part and now - mtime > stale_part_s:
                bucket.delete(name)
                removed.append(Path(str(bucket.where(name))))
    return removed
