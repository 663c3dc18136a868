"""Counting downloads the way the podcast industry does (IAB Podcast Measurement Technical
Guidelines v2.2), from nginx's (or a CDN's) access log or as ``newsaudio serve`` serves:

- a download is at least one minute of an episode's audio (or the whole file when it is
  shorter) sent to one client within one UTC day; the byte ranges a client fetched are added up;
- a client is its IP address (IPv6 cut to /64) and User-Agent, kept only as a keyed hash with
  a salt of the day; salts and per-client rows are deleted once the day has closed (the day
  after), so what stays is counts per episode, day and app;
- bots (the OPAWG list) are not counted, nor HEAD requests, errors or 304s; apps are named from
  the User-Agent with the OPAWG lists;
- the same log line read twice counts once, so a log can be ingested again, rotated or gzipped.
"""

from __future__ import annotations

import gzip
import logging
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from pipeline.config import Settings
from pipeline.stages.downloads import Hit, agent, client_key, counts_as_audio, line_key, parse_line
from pipeline.state import downloads, listening
from pipeline.state.episodes import episode_by_file, published_episodes
from pipeline.state.store import Store

log = logging.getLogger("newsaudio.downloads")

MINUTE_S = 60.0


@dataclass
class Ingested:
    lines: int = 0
    hits: int = 0
    repeated: int = 0  # lines read before (the same log again)
    downloads: int = 0


@dataclass(frozen=True)
class _Counted:
    """How a requested file counts: as the episode version's MP3 (the Opus version of it is the
    same episode: a listener's minute is a minute whichever file carried it), the bytes that make
    a download, and the MP3 bytes one byte of this file stands for."""

    file_name: str
    enough: int
    scale: float = 1.0


def _counted(store: Store, file_name: str, cache: dict[str, _Counted | None]) -> _Counted | None:
    """A minute of the episode in MP3 bytes, or the whole file when it is shorter; None when no
    episode has this file (or its Opus version was never recorded)."""
    if file_name not in cache:
        opus = file_name.endswith(".opus")
        mp3 = file_name.removesuffix(".opus") + ".mp3" if opus else file_name
        row = episode_by_file(store, mp3)
        if row is None or not row.episode.bytes or (opus and not row.episode.opus_bytes):
            cache[file_name] = None
        else:
            size, seconds = row.episode.bytes, max(row.episode.duration_s, 0.001)
            scale = size / row.episode.opus_bytes if opus else 1.0
            cache[file_name] = _Counted(mp3, min(size, math.ceil(size * MINUTE_S / seconds)), scale)
    return cache[file_name]


@dataclass
class Known:
    """What one ingest looks up once, not per log line: how each file counts and each day's salt."""

    files: dict[str, _Counted | None] = field(default_factory=dict)
    salts: dict[date, bytes] = field(default_factory=dict)


def record(store: Store, hit: Hit, known: Known | None = None) -> bool:
    """Count one request's bytes; True when it made a download."""
    known = known or Known()
    if not counts_as_audio(hit):
        return False
    who = agent(hit.user_agent)
    if not who.counted:
        return False
    counted = _counted(store, hit.file_name, known.files)
    if counted is None:
        return False
    if hit.day not in known.salts:
        known.salts[hit.day] = downloads.salt(store, hit.day)
    client = client_key(known.salts[hit.day], hit.ip, hit.user_agent)
    sent = math.floor(hit.bytes * counted.scale)
    return downloads.add_bytes(store, hit.day, client, counted.file_name, sent, who.name, counted.enough)


def _lines(path: Path) -> Iterator[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as fh:  # type: ignore[operator]
        yield from fh


def ingest(settings: Settings, store: Store, paths: Iterable[Path], *, today: date | None = None) -> Ingested:
    """Read access logs (``newsaudio`` log format, plain or gzipped) and count their downloads."""
    today = today or datetime.now(UTC).date()
    close_windows(store, today)
    done = Ingested()
    known = Known()
    for path in paths:
        for line in _lines(path):
            done.lines += 1
            hit = parse_line(line)
            if hit is None:
                continue
            if hit.day < today - timedelta(days=1):
                continue  # its day has closed: its clients are forgotten, it cannot be added up
            done.hits += 1
            if not downloads.first_time(store, hit.day, line_key(line)):
                done.repeated += 1
                continue
            done.downloads += record(store, hit, known)
    log.info("downloads: %d lines, %d audio requests (%d read before), %d new downloads",
             done.lines, done.hits, done.repeated, done.downloads)
    return done


def close_windows(store: Store, today: date) -> None:
    """Days before yesterday are closed: their salts and per-client rows are deleted (yesterday
    stays open a day, for logs rotated after midnight)."""
    downloads.close_days_before(store, today - timedelta(days=1))


@dataclass
class EpisodeDay:
    feed: str
    article_id: str
    title: str
    version: int
    day: date
    downloads: dict[str, int] = field(default_factory=dict)  # by app

    @property
    def total(self) -> int:
        return sum(self.downloads.values())


@dataclass
class EpisodeStats:
    feed: str
    article_id: str
    guid: str
    title: str
    days: list[EpisodeDay]
    plays: int = 0
    completions: int = 0

    @property
    def downloads(self) -> int:
        return sum(d.total for d in self.days)

    @property
    def by_app(self) -> list[tuple[str, int]]:
        """Downloads per app over the days, most first."""
        apps: dict[str, int] = {}
        for day in self.days:
            for app, n in day.downloads.items():
                apps[app] = apps.get(app, 0) + n
        return sorted(apps.items(), key=lambda kv: (-kv[1], kv[0]))

    def to_dict(self) -> dict[str, object]:
        return {
            "feed": self.feed, "article_id": self.article_id, "guid": self.guid, "title": self.title,
            "downloads": self.downloads, "web_plays": self.plays, "web_completions": self.completions,
            "days": [{"day": d.day.isoformat(), "version": d.version, "downloads": d.total, "by_app": d.downloads}
                     for d in self.days],
        }


def stats(settings: Settings, store: Store, *, feed: str | None = None, days: int = 7,
          today: date | None = None) -> list[EpisodeStats]:
    """Per published episode of the last ``days`` days: downloads by day and app, and beside them
    the website player's plays and completions (pipeline/state/listening.py)."""
    since = (today or datetime.now(UTC).date()) - timedelta(days=days - 1)
    by_file: dict[str, list[downloads.DayCount]] = {}
    for c in downloads.counts(store, since):
        by_file.setdefault(c.file_name, []).append(c)
    plays = listening.listen_totals(store)
    found: list[EpisodeStats] = []
    for name in [feed] if feed else [f.name for f in settings.feeds]:
        for row in published_episodes(store, name):
            ep = row.episode
            versions = [ep.file_name] + [f"{row.article_id}-v{v}.mp3" for v in range(1, ep.version)]
            per_day: dict[tuple[date, int], EpisodeDay] = {}
            for file_name in versions:
                version = int(file_name.rsplit("-v", 1)[1].split(".")[0])
                for c in by_file.get(file_name, []):
                    empty = EpisodeDay(name, row.article_id, ep.title, version, c.day)
                    day = per_day.setdefault((c.day, version), empty)
                    day.downloads[c.app] = day.downloads.get(c.app, 0) + c.count
            heard = plays.get(ep.guid, {})
            ordered = sorted(per_day.values(), key=lambda d: (d.day, d.version))
            found.append(EpisodeStats(name, row.article_id, ep.guid, ep.title, ordered,
                                      heard.get("play", 0), heard.get("complete", 0)))
    return sorted(found, key=lambda s: (-s.downloads, s.title))
