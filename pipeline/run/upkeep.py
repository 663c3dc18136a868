"""Leftovers of killed processes in output/: temp files and episode files never recorded.

A worker SIGKILLed while writing leaves its ``.*.tmp`` behind (atomic_write could not clean
up), and one killed between writing an MP3 and recording it leaves a file no feed lists. Both
are removed when a worker or a run starts, and by the reconciler: temp files of a writer that
is gone (its tag names host and pid) or older than ``stale_tmp_s``, episode files that have no
record while nobody holds the article's render lease.
"""

from __future__ import annotations

import logging
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline import files
from pipeline.config import Settings
from pipeline.run import reconcile as reconciling
from pipeline.run import upkeep
from pipeline.stages import fragments
from pipeline.state.articles import touch
from pipeline.state.episodes import episode_versions
from pipeline.state.leases import lease_holder
from pipeline.state.store import Store, open_store

if TYPE_CHECKING:  # publish imports this module for writer_tag; it need not load the store
    from pipeline.state.store import Store

log = logging.getLogger("newsaudio.sweep")

EPISODE_FILE = re.compile(r"^([0-9a-f]{16})-v(\d+)\.")


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
    recorded = episode_versions(store)
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
        if lease_holder(store, render(match.group(1))) is None:
            path.unlink(missing_ok=True)
            removed.append(path)
    if removed:
        log.warning("removed %d episode files that have no record", len(removed))
    return removed


def start_sweep(settings: Settings, store: Store) -> None:
    """Leftovers of killed processes: stale temp files and episode files without a record."""
    files.sweep_tmp(settings.output_dir, settings.stale_tmp_s)
    upkeep.sweep_cache_tmp(settings.cache_dir, settings.stale_tmp_s)
    fragments.sweep(settings, settings.stale_tmp_s)
    upkeep.sweep_orphans(settings.audio_dir, store)


def sweep_at_start(settings: Settings) -> None:
    """start_sweep with a store of its own, closed after: a Celery worker runs this in its main
    process, and pool processes forked later must not inherit open database connections. A
    store that does not answer is logged, not raised: the reconciler sweeps later."""
    try:
        store = Store(settings.db_url)
    except Exception:  # noqa: BLE001 - the store may be down
        log.exception("sweep at start: store unreachable")
        return
    try:
        start_sweep(settings, store)
    except Exception:  # noqa: BLE001
        log.exception("sweep at start failed")
    finally:
        store.close()


def reconcile(settings: Settings, store: Store | None = None) -> reconciling.Findings:
    """The periodic pass: sweep leftovers, and find the articles stuck past their deadline
    (their deadline starts again now: one re-queue per stuck_after_s) and the feeds behind
    their episodes. The caller queues the work."""
    store = store or open_store(settings)
    start_sweep(settings, store)
    found = reconciling.find(settings, store)
    for row in found.stuck:
        log.warning("article %s stuck in %s since %s: queued again", row.id, row.status, row.updated_at)
        touch(store, row.id)
    for feed_name in found.feeds_behind:
        log.warning("feed %s is behind its newest episode: publishing", feed_name)
    return found
