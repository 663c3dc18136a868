"""Leftovers of killed processes in output/: temp files and episode files never recorded; and
the articles they abandoned.

A worker SIGKILLed while writing leaves its ``.*.tmp`` behind (atomic_write could not clean
up), and one killed between writing an MP3 and recording it leaves a file no feed lists. Both
are removed when a worker or a run starts, and by the reconciler: temp files of a writer that
is gone (its tag names host and pid) or older than ``stale_tmp_s``, episode files that have no
record while nobody holds the article's render lease.

A worker killed mid-render leaves its article ``prepared`` and its message unacknowledged,
which Redis hands out again only after ``visibility_timeout_s`` (an hour). The render lease is
the liveness signal instead: once it has gone unrenewed for ``lease_timeout_s`` (or was never
taken) and no message waits for the article, the reconciler queues it again.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

from pipeline import files
from pipeline.config import Settings
from pipeline.run import reconcile as reconciling
from pipeline.run import upkeep
from pipeline.stages import fragments
from pipeline.stages.publish.objects import Bucket, output_of
from pipeline.state.articles import ArticleRow, stuck_articles, touch
from pipeline.state.episodes import episode_versions
from pipeline.state.leases import lease_expiries, lease_holder, render
from pipeline.state.store import Store, open_store

if TYPE_CHECKING:  # publish imports this module for writer_tag; it need not load the store
    from pipeline.state.store import Store

log = logging.getLogger("newsaudio.sweep")

EPISODE_FILE = re.compile(r"^([0-9a-f]{16})-v(\d+)\.")

# Which of these articles a message still stands for (waiting in a queue, or received by a
# live worker); None when that cannot be told. The interface that owns the queue answers it
# (workers.tasks), so this module knows nothing of Celery.
InFlight = Callable[[list[str]], "set[str] | None"]


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


def sweep_orphans(audio_dir: Path | Bucket, store: Store, *, min_age_s: float = 30.0) -> list[PurePath]:
    """Remove episode files (``<article>-v<N>.*``) with no record, unless a render is under way.
    ``audio_dir`` may be the bucket output/ is in (output_url): its ``audio/`` objects then."""
    from pipeline.state.leases import render  # not at the top: publish imports this module, lease the store

    if isinstance(audio_dir, Bucket):
        return _sweep_bucket_orphans(audio_dir, store, min_age_s)
    removed: list[PurePath] = []
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


def _sweep_bucket_orphans(bucket: Bucket, store: Store, min_age_s: float) -> list[PurePath]:
    """sweep_orphans for output/ in a bucket: an object store has no temp files (a PUT is
    whole or nothing), but a render killed between upload and record leaves objects."""
    removed: list[PurePath] = []
    recorded = episode_versions(store)
    now = time.time()
    for rel, mtime in list(bucket.listing("audio")):
        match = EPISODE_FILE.match(rel.removeprefix("audio/"))
        if not match or (match.group(1), int(match.group(2))) in recorded or now - mtime < min_age_s:
            continue
        if lease_holder(store, render(match.group(1))) is None and bucket.delete(rel):
            removed.append(bucket.where(rel))
    if removed:
        log.warning("removed %d episode objects that have no record", len(removed))
    return removed


def start_sweep(settings: Settings, store: Store) -> None:
    """Leftovers of killed processes: stale temp files and episode files without a record."""
    files.sweep_tmp(settings.output_dir, settings.stale_tmp_s)
    upkeep.sweep_cache_tmp(settings.cache_dir, settings.stale_tmp_s)
    fragments.sweep(settings, settings.stale_tmp_s)
    dest = output_of(settings)
    upkeep.sweep_orphans(dest if isinstance(dest, Bucket) else settings.audio_dir, store)


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


def abandoned_renders(
    settings: Settings, store: Store, in_flight: InFlight | None = None, now: datetime | None = None
) -> list[ArticleRow]:
    """Prepared articles nobody renders any more: unchanged for ``lease_timeout_s``, with a
    render lease that lapsed (its holder stopped renewing it: dead) or was never taken, and no
    message waiting for them or held by a live worker (``in_flight``). Without that answer a
    lapsed lease is evidence enough, but a render never begun may be a message still waiting
    behind others: it waits for ``stuck_after_s`` as before, not to be queued twice."""
    now = now or datetime.now(UTC)
    quiet = stuck_articles(store, now - timedelta(seconds=settings.lease_timeout_s), ("prepared",))
    if not quiet:
        return []
    expiries = lease_expiries(store, [render(r.id) for r in quiet])

    def rendering(article_id: str) -> bool:
        # A live lease (renewed within lease_timeout_s) is a render under way, however long the
        # article has been prepared.
        expires = expiries.get(render(article_id))
        return expires is not None and expires >= now

    idle = [r for r in quiet if not rendering(r.id)]
    if not idle:
        return []
    busy = in_flight([r.id for r in idle]) if in_flight is not None else None
    if busy is not None:
        return [r for r in idle if r.id not in busy]
    stale = now - timedelta(seconds=settings.stuck_after_s)
    return [r for r in idle if render(r.id) in expiries or (r.updated_at is not None and r.updated_at < stale)]


def reconcile(settings: Settings, store: Store | None = None, *, in_flight: InFlight | None = None
) -> reconciling.Findings:
    """The periodic pass: sweep leftovers, and find the articles to queue again and the feeds
    behind their episodes. The caller queues the work. An article left in ``new`` (its fetch
    lost) is queued after ``stuck_after_s``; a prepared one as soon as its render counts as
    abandoned (abandoned_renders). Either deadline starts again now: one re-queue per period."""
    store = store or open_store(settings)
    start_sweep(settings, store)
    found = reconciling.find(settings, store)
    found.stuck = [row for row in found.stuck if row.status != "prepared"]
    for row in found.stuck:
        log.warning("article %s stuck in %s since %s: queued again", row.id, row.status, row.updated_at)
        touch(store, row.id)
    for row in abandoned_renders(settings, store, in_flight):
        log.warning("article %s prepared since %s and nobody renders it (its worker died?): queued again",
                    row.id, row.updated_at)
        touch(store, row.id)
        found.stuck.append(row)
    for feed_name in found.feeds_behind:
        log.warning("feed %s is behind its newest episode: publishing", feed_name)
    return found
