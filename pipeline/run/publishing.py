"""What happens to published episodes after rendering: the feed and the website's data are
written (bounded, and only when their bytes change), old versions are swept after their grace
period, and articles are withdrawn and restored. jobs.py calls these; so does the CLI.

Withdrawn files leave output/ (kept in data_dir/withdrawn/ for a restore) and an empty
tombstone at output/.gone/<same path> tells both servers to answer 410 Gone. output/ may be a
bucket (output_url): the same files, tombstones included, are objects there. Whatever is
removed is named to the CDN's purge hook (cdn_purge_url, run/purge.py).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path, PurePath
from typing import Any
from weakref import WeakKeyDictionary

from pipeline.config import Channel, Settings, channel_for
from pipeline.models import Episode, Segment
from pipeline.run import pings, purge
from pipeline.stages.publish import item_guard
from pipeline.stages.publish.disclosure import SyntheticVoice, voice_from_identity
from pipeline.stages.publish.names import (
    OPML_PATH,
    chapters_file_name,
    episode_files,
    feed_url,
    json_transcript_file_name,
    player_data_guid_path,
    player_data_path,
    tombstone,
    vtt_file_name,
)
from pipeline.stages.publish.objects import output_of
from pipeline.stages.publish.output import bring_back, retire_file, write_feed
from pipeline.stages.publish.player import player_index_around, player_index_entry, render_player_data
from pipeline.stages.publish.rss import render_feed_around, render_item, render_opml
from pipeline.stages.publish.transcripts import Cue, build_cues, render_chapters, render_json_transcript, render_vtt
from pipeline.state.articles import ArticleRow, UnknownArticle, find_articles, get_article, set_status
from pipeline.state.episodes import (
    all_episodes,
    episode_cues,
    episode_with_extras,
    episodes_by_id,
    feed_base_url,
    feed_build,
    feed_published_at,
    latest_episode,
    listing,
    mark_retired,
    published_episodes,
    record_feed_build,
    retired,
    superseded_before,
)
from pipeline.state.store import Store, open_store

log = logging.getLogger("newsaudio.publish")

# The feed is rendered once with this date, to learn whether anything else changed.
_PLACEHOLDER = datetime(1970, 1, 1, tzinfo=UTC)
_PLACEHOLDER_XML = f"<lastBuildDate>{format_datetime(_PLACEHOLDER)}</lastBuildDate>".encode()
GONE_REASONS = ("http-404", "http-410")


def channel_of(settings: Settings, feed_name: str) -> Channel:
    feed = next((f for f in settings.feeds if f.name == feed_name), None)
    return channel_for(settings.channel, feed)


def feed_info(settings: Settings, feed_name: str) -> dict[str, str]:
    return {
        "name": feed_name,
        "title": channel_of(settings, feed_name).title,
        "url": feed_url(settings.public_base_url, feed_name),
    }


# -- rendering one episode's files -------------------------------------------------------------


def timed_files(
    file_name: str, segments: list[Segment], mastered_spans: list, chapters: list, duration_s: float,
    *, title: str, podcast: str,
) -> tuple[list[Cue] | None, dict[str, bytes]]:
    """The cues and the timed files (VTT, JSON transcript, JSON chapters) of one new episode.
    No spans (a master that kept none): no timed files, the plain transcript still goes out."""
    try:
        cues = build_cues(segments, mastered_spans, duration_s)
    except ValueError as exc:
        log.warning("%s: no timed transcript: %s", file_name, exc)
        return None, {}
    files = {
        vtt_file_name(file_name): render_vtt(cues),
        json_transcript_file_name(file_name): render_json_transcript(cues),
        chapters_file_name(file_name): render_chapters(
            chapters, duration_s, title=title, podcast=podcast, file_name=file_name
        ),
    }
    return cues, files


# -- player data per article -------------------------------------------------------------------


def _canonical(row: ArticleRow) -> str:
    article = row.article()
    return (article.canonical_url or article.url) if article else ""


def player_data_paths(row: ArticleRow, episode: Episode | None = None) -> list[str]:
    guid = episode.guid if episode else row.guid
    paths = (player_data_path(_canonical(row) or row.url), player_data_guid_path(guid))
    return [p for p in paths if p]


def recorded_voice(settings: Settings, identity: str, is_fallback: bool) -> SyntheticVoice:
    """The voice an episode record names, with a human name from its profile when the profile
    is still there (a name to show listeners, not a code)."""
    # Imported here: the voices package loads numpy and the engines' helpers, which `status` and
    # the console's lists never need.
    from voices.profile import get_profile

    voice = voice_from_identity(identity, is_fallback=is_fallback)
    try:
        profile = get_profile(voice.name, settings)
    except Exception:  # noqa: BLE001 - a profile removed since: the record's name stands
        return voice
    name = getattr(profile, "display_name", "") or profile.description or profile.name
    return dataclasses.replace(voice, name=name)


def write_player_data(settings: Settings, store: Store, article_id: str) -> list[str]:
    """Write (when changed) the article's player data, by URL and by GUID."""
    row = get_article(store, article_id)
    latest = episode_with_extras(store, article_id)
    if latest is None or row.status == "withdrawn":
        return []
    ep = latest.episode
    raw = episode_cues(store, article_id, ep.version)
    cues = [Cue.from_dict(c) for c in raw] if raw is not None else None
    data = render_player_data(
        ep, cues, canonical_url=_canonical(row), feed=feed_info(settings, row.feed),
        public_base_url=settings.public_base_url, voice=recorded_voice(settings, ep.voice, latest.voice_is_fallback),
    )
    paths = player_data_paths(row, ep)
    dest = output_of(settings)
    for rel in paths:
        dest.put_if_changed(rel, data)
        dest.delete(tombstone(rel))
    return paths


# -- the feed ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Item:
    """One listed episode, rendered: its feed <item> and its player index entry."""

    episode: Episode
    xml: bytes
    index_entry: tuple[str, bytes]


# Rendered items per store and feed, by listing key, for as long as the channel settings that
# shape them stay the same: publishing one more episode renders one item, not max_items.
_rendered: WeakKeyDictionary[Store, dict[str, tuple[str, dict[tuple[Any, ...], _Item]]]] = WeakKeyDictionary()


def _listed_items(
    feed_name: str, settings: Settings, store: Store, channel: Channel
) -> tuple[list[_Item], list[_Item]]:
    """The newest ``max_items`` episodes of the feed as rendered items, rendering only those
    not rendered before in this process; an episode that cannot be rendered is left out and
    recorded. Returns the listed items and those of them rendered now."""
    context = repr((channel, settings.public_base_url))
    feeds = _rendered.setdefault(store, {})
    known_context, known = feeds.get(feed_name, ("", {}))
    if known_context != context:
        known = {}
    keys = listing(store, feed_name, settings.max_items)
    rows = episodes_by_id(store, [k[0] for k in keys if k not in known])
    bylines = {row.article_id: _byline(store, row.article_id) for row in rows.values()}
    fresh, left_out = item_guard.render_each(
        lambda ep: render_item(
            channel, ep, public_base_url=settings.public_base_url, byline=bylines.get(ep.episode_id, "")
        ),
        [r.episode for r in rows.values()],
    )
    made = {
        ep.episode_id: _Item(ep, xml, player_index_entry(ep, public_base_url=settings.public_base_url))
        for ep, xml in fresh
    }
    for bad in left_out:
        log.error("feed %s: episode %s left out: %s", feed_name, bad.episode.episode_id, bad.reason)
        if get_article(store, bad.episode.episode_id).reason != "unpublishable":
            set_status(store, bad.episode.episode_id, "failed", "unpublishable", bad.reason)
    by_row = {row_id: made[row.article_id] for row_id, row in rows.items() if row.article_id in made}
    listed: dict[tuple[Any, ...], _Item] = {}
    for key in keys:
        item = known.get(key) or by_row.get(key[0])
        if item is not None:
            listed[key] = item
    feeds[feed_name] = (context, listed)
    return list(listed.values()), list(made.values())


def _byline(store: Store, article_id: str) -> str:
    """The author the article's page states (extraction records it; it is not spoken)."""
    try:
        article = get_article(store, article_id).article()
    except (KeyError, ValueError, TypeError) as exc:  # an old or damaged record: no byline, still an item
        log.warning("article %s: no byline: %s", article_id, exc)
        return ""
    return article.author if article else ""


def other_feed_urls(settings: Settings, feed_name: str) -> list[str]:
    """The newsroom's other feeds, in config order: this feed's podcast:podroll."""
    return [feed_url(settings.public_base_url, f.name) for f in settings.feeds if f.name != feed_name]


def write_opml(settings: Settings) -> PurePath:
    """output/feeds/index.opml: every configured feed, to subscribe to all at once. Rewritten
    only when its bytes change (it depends on the config alone)."""
    feeds = []
    for f in settings.feeds:
        channel = channel_of(settings, f.name)
        feeds.append((channel.title, feed_url(settings.public_base_url, f.name), channel.link))
    dest = output_of(settings)
    dest.put_if_changed(OPML_PATH, render_opml(settings.channel.title, feeds))
    return dest.where(OPML_PATH)


def publish_feed(feed_name: str, settings: Settings, store: Store | None = None) -> PurePath:
    """Write the feed and player index of the newest ``max_items`` episodes, each file only
    when its bytes change. lastBuildDate moves only when the content does, so the same
    episodes give the same bytes (and ETag): apps polling every few minutes get 304s."""
    store = store or open_store(settings)
    channel = channel_of(settings, feed_name)
    items, fresh = _listed_items(feed_name, settings, store, channel)
    xml = render_feed_around(
        channel, [i.xml for i in items], feed_name=feed_name, feed_title=channel.title,
        public_base_url=settings.public_base_url, built=_PLACEHOLDER, hubs=settings.websub_hubs,
        poll_minutes=settings.poll_minutes, podroll=other_feed_urls(settings, feed_name),
    )
    digest = hashlib.sha256(xml).hexdigest()
    known = feed_build(store, feed_name)
    now = datetime.now(UTC)
    built = known[1] if known and known[0] == digest else now.replace(microsecond=0)
    moved = feed_base_url(store, feed_name) != settings.public_base_url
    xml = xml.replace(_PLACEHOLDER_XML, f"<lastBuildDate>{format_datetime(built)}</lastBuildDate>".encode(), 1)
    index = player_index_around([i.index_entry for i in items])
    dest = output_of(settings)
    write_opml(settings)  # before the feed: the feed is the last file written
    path = write_feed(dest, feed_name, xml, index)
    if moved:
        # The address listeners reach output/ at changed (or is not known to this store yet):
        # every published article's player data names it, listed in the feed or not.
        rewritten = [write_player_data(settings, store, row.article_id) for row in published_episodes(store, feed_name)]
        log.info("feed %s: written for %s (%d articles' player data)", feed_name, settings.public_base_url,
                 len(rewritten))
    else:
        # Player data is written when an episode is rendered; this only fills gaps (episodes
        # from before player data existed, a wiped output folder) for items this process has
        # not listed before: one stat each.
        for item in fresh:
            by_guid = player_data_guid_path(item.episode.guid)
            if by_guid and not dest.exists(by_guid):
                write_player_data(settings, store, item.episode.episode_id)
    # Recorded after the files: a publisher killed in between writes them all again.
    record_feed_build(store, feed_name, digest, built, published_at=now, base_url=settings.public_base_url)
    if known is None or known[0] != digest:
        pings.feed_changed(settings, store, feed_name)  # apps learn at once (sent apart from this)
    sweep_old_versions(settings, store)
    return path


def publish_soon(feed_name: str, settings: Settings, store: Store | None = None) -> float:
    """Publish the feed now (returns 0), unless it was published less than
    ``feed_publish_interval_s`` ago, under a burst of finished articles: then the seconds until
    it may be published again, and the caller sees to it then (a delayed task, the next
    finished article, the end of the run). Publishing is idempotent: two at once only cost work."""
    store = store or open_store(settings)
    last = feed_published_at(store, feed_name)
    if last is not None:
        wait = settings.feed_publish_interval_s - (datetime.now(UTC) - last).total_seconds()
        if wait > 0:
            return wait
    publish_feed(feed_name, settings, store)
    return 0.0


def sweep_old_versions(settings: Settings, store: Store, now: datetime | None = None) -> list[str]:
    """Remove the files of versions a newer version replaced more than the grace period ago
    (apps that fetched the old feed could still download them until then); tombstones say 410."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=settings.old_versions_grace_days)
    removed: list[str] = []
    dest = output_of(settings)
    for old in superseded_before(store, cutoff):
        for rel in episode_files(old.episode.file_name):
            if dest.exists(rel):
                retire_file(dest, rel)
                removed.append(rel)
        mark_retired(store, old.article_id, old.episode.version)
    if removed:
        log.info("swept %d files of superseded episode versions", len(removed))
        purge.removed(settings, removed)
    return removed


# -- withdrawal ------------------------------------------------------------------------------------


class WithdrawalError(ValueError):
    """Withdrawing what is withdrawn already, or restoring what is not."""


@dataclass
class Withdrawal:
    article_id: str
    feed: str
    files: list[str]


def _kept(settings: Settings) -> Path:
    return settings.data_dir / "withdrawn"


def _unswept_files(store: Store, article_id: str) -> list[str]:
    """The files of every version of the article the grace sweep has not removed."""
    swept = retired(store, article_id)
    return [rel for old in all_episodes(store, article_id) if old.episode.version not in swept
            for rel in episode_files(old.episode.file_name)]


def withdraw_article(
    article_id: str, settings: Settings, store: Store, *, reason: str = "withdrawn", message: str = ""
) -> Withdrawal:
    """Take an article's episode out of its feed and indexes; its files answer 410 Gone."""
    row = get_article(store, article_id)
    if row.status == "withdrawn":
        raise WithdrawalError(f"article {article_id} is withdrawn already ({row.reason}: {row.message})")
    set_status(store, article_id, "withdrawn", reason, message or "withdrawn by an editor")
    publish_feed(row.feed, settings, store)  # out of the feed first, then the files go
    moved: list[str] = []
    dest = output_of(settings)
    for rel in _unswept_files(store, article_id):
        if dest.exists(rel):
            retire_file(dest, rel, _kept(settings))
            moved.append(rel)
    for rel in player_data_paths(row, None):
        if dest.exists(rel):
            retire_file(dest, rel)  # rebuilt from the store on restore
            moved.append(rel)
    log.info("article %s withdrawn: %d files removed", article_id, len(moved))
    purge.removed(settings, moved)  # caches in front of output/ must not keep serving them
    return Withdrawal(article_id, row.feed, moved)


def restore_article(article_id: str, settings: Settings, store: Store) -> Withdrawal:
    """Undo a withdrawal: files back, tombstones gone, the episode back in feed and indexes."""
    row = get_article(store, article_id)
    if row.status != "withdrawn":
        raise WithdrawalError(f"article {article_id} is not withdrawn (it is {row.status})")
    dest = output_of(settings)
    back = [rel for rel in _unswept_files(store, article_id) if bring_back(dest, rel, _kept(settings))]
    latest = latest_episode(store, article_id)
    set_status(store, article_id, "done" if latest else "new")
    if latest and not dest.exists(f"audio/{latest.episode.file_name}"):
        log.warning("article %s: %s is missing; regenerate it", article_id, latest.episode.file_name)
    back += write_player_data(settings, store, article_id)
    publish_feed(row.feed, settings, store)
    return Withdrawal(article_id, row.feed, back)


def withdraw_if_gone(row: ArticleRow, reason: str, settings: Settings, store: Store) -> bool:
    """A published article whose page answered 404/410 on this refresh and the one before is
    withdrawn (``auto_withdraw_gone``). ``row`` is the article as it was before this refresh."""
    if not settings.auto_withdraw_gone or reason not in GONE_REASONS:
        return False
    if row.status != "failed" or row.reason not in GONE_REASONS or latest_episode(store, row.id) is None:
        return False
    code = reason.removeprefix("http-")
    withdraw_article(
        row.id, settings, store, reason="source-gone",
        message=f"the page answered HTTP {code} on two refreshes in a row (withdrawn automatically)",
    )
    return True


# -- naming an article -----------------------------------------------------------------------------


def resolve_article(text: str, settings: Settings, store: Store | None = None) -> str:
    """The id of the article ``text`` names: its id, its URL (feed or canonical) or its GUID;
    raises UnknownArticle with a one-line message when none (or several) match."""
    store = store or open_store(settings)
    ids = find_articles(store, text)
    if not ids:
        raise UnknownArticle(f"no article {text!r}: give an article id, URL or GUID (see `newsaudio status`)")
    if len(ids) > 1:
        raise UnknownArticle(f"{text!r} names {len(ids)} articles ({', '.join(ids)}): give the article id")
    return ids[0]


# How long a withdrawal's reason may be (the console's field, the API's, the job that carries it).
REASON_MAX_CHARS = 500


def withdraw(article: str, settings: Settings, *, message: str = "", store: Store | None = None) -> Withdrawal:
    """Withdraw the article named by id, URL or GUID: out of feed and indexes, files 410."""
    store = store or open_store(settings)
    return withdraw_article(resolve_article(article, settings, store), settings, store, message=message)


def restore(article: str, settings: Settings, store: Store | None = None) -> Withdrawal:
    """Undo a withdrawal (WithdrawalError when the article is not withdrawn)."""
    store = store or open_store(settings)
    return restore_article(resolve_article(article, settings, store), settings, store)
