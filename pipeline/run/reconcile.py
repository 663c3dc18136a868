"""What a periodic pass finds wrong after faults: articles stuck in an intermediate state past
their deadline, and feeds whose newest episode is not in the feed file yet.

A message can be lost (a Redis restart between AOF syncs, a chord whose part failed, a worker
killed while its message was not yet acknowledged); the store is the truth, so a pass over it
puts everything right within ``reconcile_s`` plus ``stuck_after_s`` at most, without waiting
for the next poll.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from pipeline.config import Settings
from pipeline.stages.publish.objects import output_of
from pipeline.state import articles
from pipeline.state.articles import ArticleRow
from pipeline.state.episodes import feed_published_at, newest_episode_time
from pipeline.state.store import Store


@dataclass
class Findings:
    stuck: list[ArticleRow] = field(default_factory=list)
    feeds_behind: list[str] = field(default_factory=list)


def stuck_articles(settings: Settings, store: Store, now: datetime | None = None) -> list[ArticleRow]:
    cutoff = (now or datetime.now(UTC)) - timedelta(seconds=settings.stuck_after_s)
    return articles.stuck_articles(store, cutoff)


def feeds_behind(settings: Settings, store: Store) -> list[str]:
    """Configured feeds whose file is missing, or last published before their newest episode
    was recorded. (Not the file's time: an episode the feed does not list, older than its
    max_items, leaves the bytes and so the time unchanged, and the feed would count as behind
    on every pass.)"""
    behind: list[str] = []
    output = output_of(settings)  # the folder, or the bucket (output_url)
    for feed in settings.feeds:
        newest = newest_episode_time(store, feed.name)
        if newest is None:
            continue
        published = feed_published_at(store, feed.name)
        if not output.exists(f"feeds/{feed.name}.xml") or published is None or published < newest:
            behind.append(feed.name)
    return behind


def find(settings: Settings, store: Store) -> Findings:
    return Findings(stuck=stuck_articles(settings, store), feeds_behind=feeds_behind(settings, store))
