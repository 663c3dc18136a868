"""One feed: poll it (only what changed needs work), and the embedded run: every configured
feed polled, its articles processed in this process, the feed published."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pipeline.config import FeedConfig, Settings
from pipeline.models import FeedEntry, StageError
from pipeline.run import pings
from pipeline.run.article import process_article
from pipeline.run.events import StageCallback, reporting_stages
from pipeline.run.publishing import publish_feed
from pipeline.run.steps import (
    MAX_ATTEMPTS,
    Outcome,
)
from pipeline.run.upkeep import start_sweep
from pipeline.run.webhook_delivery import deliver_due
from pipeline.stages import feed_items, freshness
from pipeline.stages import feeds as feeds_stage
from pipeline.state import articles
from pipeline.state.articles import (
    feed_state,
    feeds_listing,
    get_article,
    known_items,
    record_entries,
    record_poll,
    upsert_entry,
    upsert_feed,
)
from pipeline.state.identity import identify
from pipeline.state.store import Store, open_store

log = logging.getLogger("newsaudio.feed")


@dataclass
class PollResult:
    feed: str
    article_ids: list[str]
    new: int = 0
    not_modified: bool = False
    error: str = ""
    changed: int = 0  # known entries whose feed item changed
    entries: int = 0  # entries in the feed (0 when it was not modified)


def poll_feed(
    feed: FeedConfig, settings: Settings, store: Store | None = None, *, now: datetime | None = None
) -> PollResult:
    """Poll one feed and return the ids of the articles that need work: new entries, changed
    entries, due revisits and retries. Known, unchanged entries are not touched."""
    store = store or open_store(settings)
    now = now or datetime.now(UTC)
    upsert_feed(store, feed.name, feed.url, feed.title)
    etag, modified = feed_state(store, feed.name)
    scan = feed_items.Scan()

    def unseen(body: bytes) -> tuple[bytes, int]:
        kept = feed_items.unseen_items(body, lambda hashes: known_items(store, feed.name, hashes), scan)
        return kept, scan.known

    try:
        result = feeds_stage.poll(feed.url, settings, etag=etag, modified=modified, prefilter=unseen)
    except StageError as exc:
        record_poll(store, feed.name, etag=None, modified=None, error=str(exc))
        log.error("feed %s: %s", feed.name, exc)
        return PollResult(feed=feed.name, article_ids=work_needed(store, feed.name, now, settings), error=str(exc))
    record_poll(store, feed.name, etag=result.etag, modified=result.modified)
    if result.not_modified:
        log.info("feed %s: not modified since last poll", feed.name)
        return PollResult(feed=feed.name, article_ids=work_needed(store, feed.name, now, settings), not_modified=True)
    for refused in result.refused:
        log.warning("feed %s: entry left out: %s", feed.name, refused)
    # An article is the story, not the entry: push, poll, rotating GUIDs and moved links find
    # the one article (pipeline/state/identity.py).
    decided = identify(store, feed.name, result.entries, feeds_stage.entry_id)
    entries = [  # (a GUID of its own for a second story is not in the scan; its link is)
        (article_id, entry, freshness.entry_fingerprint(entry), scan.item_hash(entry.guid, entry.url))
        for article_id, entry in decided
    ]
    new, changed = record_entries(store, feed.name, entries, now)
    ids = work_needed(store, feed.name, now, settings)
    total = len(entries) + scan.known
    log.info("feed %s: %d entries (%d unchanged byte for byte), %d new, %d changed, %d need work",
             feed.name, total, scan.known, new, changed, len(ids))
    return PollResult(feed=feed.name, article_ids=ids, new=new, changed=changed, entries=total)


def accept_push(store: Store, feed: FeedConfig, url: str, title: str = "") -> str:
    """The article a CMS push names: the one a poll or an earlier push made of the same story
    (by its link or canonical URL, pipeline/state/identity.py), else a new one in ``feed``
    whose podcast GUID is the URL. A known article keeps what its feed said about it."""
    upsert_feed(store, feed.name, feed.url, feed.title)
    pushed = FeedEntry(guid=url, url=url, title=title)
    ((article_id, entry),) = identify(store, feed.name, [pushed], feeds_stage.entry_id)
    try:
        get_article(store, article_id)
    except KeyError:
        upsert_entry(store, feed.name, article_id, entry)
    return article_id


def work_needed(store: Store, feed_name: str, now: datetime, settings: Settings | None = None) -> list[str]:
    limit = (settings or Settings()).max_new_entries_per_poll
    return articles.work_needed(store, feed_name, now, MAX_ATTEMPTS, max_new=limit)


@dataclass
class RunSummary:
    outcomes: list[Outcome] = field(default_factory=list)
    polls: list[PollResult] = field(default_factory=list)
    feed_paths: list[Path] = field(default_factory=list)

    @property
    def failed_polls(self) -> list[PollResult]:
        return [p for p in self.polls if p.error]

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def synthesised_segments(self) -> int:
        return sum(o.synthesised for o in self.outcomes)


def run(
    settings: Settings,
    *,
    feed_names: list[str] | None = None,
    on_article: Callable[[Outcome], None] | None = None,
    on_poll: Callable[[PollResult], None] | None = None,
    on_stage: StageCallback | None = None,
) -> RunSummary:
    """Poll every configured feed, process what needs it, publish each feed: in this process."""
    store = open_store(settings)
    start_sweep(settings, store)
    summary = RunSummary()
    chosen = [settings.feed(n) for n in feed_names] if feed_names else settings.feeds
    with reporting_stages(on_stage):
        for feed in chosen:
            polled = poll_feed(feed, settings, store)
            summary.polls.append(polled)
            if on_poll:
                on_poll(polled)
            outcomes: list[Outcome] = []
            try:
                for article_id in polled.article_ids:
                    outcome = process_article(article_id, settings, store)
                    outcomes.append(outcome)
                    if outcome.status == "done":
                        # The feed follows the work: a run stopped or killed later keeps this in the
                        # feed. One process publishes one article at a time, so no throttle is needed
                        # (publishing one more episode costs milliseconds, see run/publishing.py).
                        for listed_in in feeds_listing(store, article_id):
                            publish_feed(listed_in, settings, store)
                    if on_article:
                        on_article(outcome)
            finally:
                summary.outcomes.extend(outcomes)
            if polled.error and not any(o.status == "done" for o in outcomes):
                # A feed that cannot be read is a failed feed: the last good feed file stays as it is.
                summary.feed_paths.append(settings.feeds_dir / f"{feed.name}.xml")
                continue
            summary.feed_paths.append(publish_feed(feed.name, settings, store))
    try:  # a run from the shell has no web process to send what it announced
        deliver_due(store, settings)
        pings.send_due(store, settings)
    except Exception:
        log.exception("webhooks and pings: delivery after the run")
    return summary

