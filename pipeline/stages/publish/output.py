"""Writing episodes into output/: an MP3, then its transcript and sidecars (all before the
episode is recorded, so a listed episode is never half there), a feed and its index, and
retiring or bringing back a file behind a tombstone that answers 410 Gone."""

from __future__ import annotations

import shutil
from pathlib import Path

from pipeline.files import atomic_write, write_if_changed
from pipeline.stages.publish.names import (
    COVER_NAME,
    gone_path,
    transcript_file_name,
)
from pipeline.stages.publish.rss import cover_png


def retire_file(output_dir: Path, relpath: str, keep_in: Path | None = None) -> bool:
    """Take a published file away: tombstone first (so it is never a plain 404), then the file
    is moved to ``keep_in`` (to restore it later) or deleted. True when a file was there."""
    atomic_write(gone_path(output_dir, relpath), b"")
    path = output_dir / relpath
    if not path.exists():
        return False
    if keep_in is None:
        path.unlink()
    else:
        target = keep_in / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(path), str(target))
    return True


def bring_back(output_dir: Path, relpath: str, kept_in: Path) -> bool:
    """Undo retire_file: the kept file goes back, then the tombstone is removed."""
    source = kept_in / relpath
    if source.exists():
        target = output_dir / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(source), str(target))
    found = (output_dir / relpath).exists()
    if found:
        gone_path(output_dir, relpath).unlink(missing_ok=True)
    return found


def write_feed(output_dir: Path, feed_name: str, xml: bytes, player_index: bytes | None = None) -> Path:
    """Write the podcast feed (and the website's player index beside it), each only when its
    bytes changed."""
    path = output_dir / "feeds" / f"{feed_name}.xml"
    if player_index is not None:
        write_if_changed(path.with_suffix(".json"), player_index)
    write_if_changed(path, xml)
    cover = output_dir / COVER_NAME
    if not cover.exists():
        atomic_write(cover, cover_png())
    return path


def write_audio(
    output_dir: Path, file_name: str, mp3: bytes, transcript: str = "", sidecars: dict[str, bytes] | None = None
) -> Path:
    """Write the MP3, then its transcript and the other files beside it (``sidecars``, by file
    name): a transcript never points at an MP3 not there yet. All exist before the episode is
    recorded, so a listed episode always has them all."""
    path = output_dir / "audio" / file_name
    atomic_write(path, mp3)
    if transcript:
        atomic_write(output_dir / "audio" / transcript_file_name(file_name), transcript.encode("utf-8"))
    for name, data in (sidecars or {}).items():
        atomic_write(output_dir / "audio" / name, data)
    return path
