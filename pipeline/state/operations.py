"""What an operator watches, read from the store so that every machine's work counts: articles
by state and reason, renders' times, the time from first seeing an article to its first
episode, downloads and plays. Written by whoever ran a render (``record_render``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from pipeline.state.schema import articles, download_counts, episodes, listen_counts, now, render_times, utc
from pipeline.state.store import Store, insert_new

STAGES = ("fetch", "extract", "speech", "synthesis", "master", "publish")


def record_render(store: Store, article_id: str, version: int, voice: str, audio_s: float,
                  timings: dict[str, float], at: datetime | None = None) -> None:
    """A render finished: what each stage took (seconds of wall time) for ``audio_s`` of audio."""
    row: dict[str, Any] = {"article_id": article_id, "version": version, "voice": voice, "audio_s": audio_s,
                           "at": at or now()}
    for stage in STAGES:
        row[f"{stage}_s"] = float(timings.get(stage, 0.0))
    row["synthesis_s"] += float(timings.get("join", 0.0))  # parts spoken elsewhere, joined here
    with store.engine.begin() as conn:
        insert_new(conn, render_times, [row])


@dataclass
class VoiceTimes:
    voice: str
    renders: int
    audio_s: float
    stage_s: dict[str, float]

    @property
    def real_time_factor(self) -> float:
        return self.stage_s.get("synthesis", 0.0) / self.audio_s if self.audio_s else 0.0


def articles_by_state(store: Store) -> dict[tuple[str, str], int]:
    query = select(articles.c.status, articles.c.reason, func.count()).group_by(articles.c.status, articles.c.reason)
    with store.engine.connect() as conn:
        return {(status, reason or ""): n for status, reason, n in conn.execute(query)}


def times_by_voice(store: Store) -> list[VoiceTimes]:
    sums = [func.sum(render_times.c[f"{s}_s"]) for s in STAGES]
    query = select(render_times.c.voice, func.count(), func.sum(render_times.c.audio_s), *sums).group_by(
        render_times.c.voice)
    with store.engine.connect() as conn:
        return [VoiceTimes(r[0], r[1], float(r[2] or 0), {s: float(v or 0) for s, v in zip(STAGES, r[3:], strict=True)})
                for r in conn.execute(query)]


def first_episode_delays(store: Store, limit: int = 500) -> list[float]:
    """Seconds from first seeing an article in a feed (or a push) to its first episode, newest
    first: what a listener waits for a new story."""
    query = (
        select(articles.c.seen_at, episodes.c.created_at)
        .join(articles, articles.c.id == episodes.c.article_id)
        .where(episodes.c.version == 1, articles.c.seen_at.is_not(None))
        .order_by(episodes.c.created_at.desc())
        .limit(limit)
    )
    with store.engine.connect() as conn:
        return [max(0.0, (utc(made) - utc(seen)).total_seconds()) for seen, made in conn.execute(query)]



def episode_totals(store: Store) -> tuple[int, float]:
    with store.engine.connect() as conn:
        n, seconds = conn.execute(select(func.count(), func.sum(episodes.c.duration_s))).one()
    return int(n), float(seconds or 0.0)


def downloads_by_app(store: Store) -> dict[str, int]:
    query = select(download_counts.c.app, func.sum(download_counts.c["count"])).group_by(download_counts.c.app)
    with store.engine.connect() as conn:
        return {app: int(n) for app, n in conn.execute(query)}


def plays_by_event(store: Store) -> dict[str, int]:
    query = select(listen_counts.c.event, func.sum(listen_counts.c["count"])).group_by(listen_counts.c.event)
    with store.engine.connect() as conn:
        return {event: int(n) for event, n in conn.execute(query)}
