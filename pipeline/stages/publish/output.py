"""Writing episodes into output/ (a folder, or a bucket: publish/objects.py): an MP3, then its
transcript and sidecars (all before the episode is recorded, so a listed episode is never half
there), a feed and its index, and retiring or bringing back a file behind a tombstone that
answers 410 Gone.

Each function takes the output folder as a Path (as it always did) or a destination."""

from __future__ import annotations

from pathlib import Path, PurePath

from pipeline.stages.publish.names import (
    COVER_NAME,
    tombstone,
    transcript_file_name,
)
from pipeline.stages.publish.objects import Bucket, Folder, as_destination, move_in, move_out
from pipeline.stages.publish.rss import cover_png

Output = Path | Folder | Bucket


def retire_file(output_dir: Output, relpath: str, keep_in: Path | None = None) -> bool:
    """Take a published file away: tombstone first (so it is never a plain 404), then the file
    is moved to ``keep_in`` (to restore it later) or deleted. True when a file was there."""
    dest = as_destination(output_dir)
    dest.put(tombstone(relpath), b"")
    return move_out(dest, relpath, keep_in)


def bring_back(output_dir: Output, relpath: str, kept_in: Path) -> bool:
    """Undo retire_file: the kept file goes back, then the tombstone is removed."""
    dest = as_destination(output_dir)
    found = move_in(dest, relpath, kept_in)
    if found:
        dest.delete(tombstone(relpath))
    return found


def write_feed(output_dir: Output, feed_name: str, xml: bytes, player_index: bytes | None = None) -> PurePath:
    """Write the podcast feed (and the website's player index beside it), each only when its
    bytes changed. The feed goes last: what it lists is there before a reader sees it."""
    dest = as_destination(output_dir)
    rel = f"feeds/{feed_name}.xml"
    if player_index is not None:
        dest.put_if_changed(f"feeds/{feed_name}.json", player_index)
    if not dest.exists(COVER_NAME):
        dest.put(COVER_NAME, cover_png())
    dest.put_if_changed(rel, xml)
    return dest.where(rel)


def write_audio(
    output_dir: Output, file_name: str, mp3: bytes, transcript: str = "", sidecars: dict[str, bytes] | None = None
) -> Path:
    """Write the MP3, then its transcript and the other files beside it (``sidecars``, by file
    name): a transcript never points at an MP3 not there yet. All exist before the episode is
    recorded, so a listed episode always has them all. Returns the MP3's path (in a bucket: the
    path it would have in output_dir, where nothing is, so a caller's clean-up finds nothing)."""
    dest = as_destination(output_dir)
    dest.put(f"audio/{file_name}", mp3)
    if transcript:
        dest.put(f"audio/{transcript_file_name(file_name)}", transcript.encode("utf-8"))
    for name, data in (sidecars or {}).items():
        dest.put(f"audio/{name}", data)
    where = dest.where(f"audio/{file_name}")
    # In a bucket: a local path where nothing is (a caller's clean-up of the folder finds nothing;
    # the orphan sweep removes objects a failed record left).
    return where if isinstance(where, Path) else Path("/nonexistent", *where.parts[1:])
