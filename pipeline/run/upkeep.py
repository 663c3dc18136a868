"""Leftovers of killed processes in output/: temp files and episode files never recorded.

A worker SIGKILLed while writing leaves its ``.*.tmp`` behind (atomic_write could not clean
up), and one killed between writing an MP3 and recording it leaves a file no feed lists. Both
are removed when a worker or a run starts, and by the reconciler: temp files of a writer that
is gone (its tag names host and pid) or older than ``stale_tmp_s``, episode files that have no
record while nobody holds the article's render lease.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import time
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # publish imports this module for writer_tag; it need not load the store
    from pipeline.state.store import Store

log = logging.getLogger("newsaudio.sweep")

_HOST = f"{zlib.crc32(socket.gethostname().encode()):08x}"
_TMP = re.compile(r"^\..*\.([0-9a-f]{8})-(\d+)\.[^.]*\.tmp$")
EPISODE_FILE = re.compile(r"^([0-9a-f]{16})-v(\d+)\.")


def writer_tag() -> str:
    """Put into temp file names, so a sweep can tell a dead writer's file from a live one's."""
    return f"{_HOST}-{os.getpid()}"


def alive(pid: int) -> bool:
    """Whether process ``pid`` of this machine is running (one we may not signal is)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stale_tmp(path: Path, older_than_s: float, now: float) -> bool:
    match = _TMP.match(path.name)
    if match and match.group(1) == _HOST and not alive(int(match.group(2))):
        return True
    try:
        return now - path.stat().st_mtime > older_than_s
    except FileNotFoundError:
        return False


def sweep_tmp(root: Path, older_than_s: float) -> list[Path]:
    """Remove temp files under ``root`` whose writer is gone or that are older than the limit."""
    removed: list[Path] = []
    if not root.is_dir():
        return removed
    now = time.time()
    for path in root.rglob(".*.tmp"):
        if path.is_file() and _stale_tmp(path, older_than_s, now):
            path.unlink(missing_ok=True)
            removed.append(path)
    if removed:
        log.warning("removed %d stale temp files under %s", len(removed), root)
    return removed


def sweep_cache_tmp(cache_dir: Path | None, older_than_s: float) -> list[Path]:
    """The sentence cache's own temp files (``.tmp-*``) left by a killed writer."""
    removed: list[Path] = []
    if cache_dir is None or not cache_dir.is_dir():
        return removed
    now = time.time()
    for path in cache_dir.glob("*/.tmp-*"):
        try:
            if now - path.stat().st_mtime > older_than_s:
                path.unlink(missing_ok=True)
                removed.append(path)
        except FileNotFoundError:
            continue
    return removed


def sweep_orphans(audio_dir: Path, store: Store, *, min_age_s: float = 30.0) -> list[Path]:
    """Remove episode files (``<article>-v<N>.*``) with no record, unless a render is under way."""
    from pipeline.state.leases import render  # not at the top: publish imports this module, lease the store

    removed: list[Path] = []
    if not audio_dir.is_dir():
        return removed
    recorded = store.episode_versions()
    now = time.time()
    for path in audio_dir.iterdir():
        match = EPISODE_FILE.match(path.name)
        if not match or (match.group(1), int(match.group(2))) in recorded:
            continue
        try:
            if now - path.stat().st_mtime < min_age_s:
                continue
        except FileNotFoundError:
            continue
        if store.lease_holder(render(match.group(1))) is None:
            path.unlink(missing_ok=True)
            removed.append(path)
    if removed:
        log.warning("removed %d episode files that have no record", len(removed))
    return removed
