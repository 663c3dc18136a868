"""``/metrics`` for the operator, in Prometheus's text format (prometheus-client): read from the
store at each scrape, so every worker machine's work counts without a shared metrics folder, and
the queues' depth from the broker. Exposed like the console (see web/app.py)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from pipeline.config import Settings
from pipeline.state import operations
from pipeline.state.store import open_store

log = logging.getLogger("newsaudio.metrics")

QUEUES = ("default", "synth")
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class StoreCollector(Collector):
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def collect(self) -> Iterator[Metric]:
        store = open_store(self.settings)
        states = GaugeMetricFamily("newsaudio_articles", "Articles by state and reason", labels=["state", "reason"])
        failures = GaugeMetricFamily("newsaudio_failed_articles", "Failed articles by reason", labels=["reason"])
        for (state, reason), n in sorted(operations.articles_by_state(store).items()):
            states.add_metric([state, reason], n)
            if state == "failed":
                failures.add_metric([reason], n)
        yield states
        yield failures

        count, seconds = operations.episode_totals(store)
        yield CounterMetricFamily("newsaudio_episodes", "Episode versions published", value=count)
        yield CounterMetricFamily("newsaudio_audio_seconds", "Seconds of audio published", value=seconds)

        stage = CounterMetricFamily("newsaudio_stage_seconds", "Wall seconds renders spent per stage and voice",
                                    labels=["stage", "voice"])
        rtf = GaugeMetricFamily("newsaudio_real_time_factor", "Synthesis seconds per audio second, per voice",
                                labels=["voice"])
        renders = CounterMetricFamily("newsaudio_renders", "Renders recorded, per voice", labels=["voice"])
        for times in operations.times_by_voice(store):
            for name, value in times.stage_s.items():
                stage.add_metric([name, times.voice], value)
            rtf.add_metric([times.voice], times.real_time_factor)
            renders.add_metric([times.voice], times.renders)
        yield stage
        yield rtf
        yield renders

        delays = sorted(operations.first_episode_delays(store))
        latency = GaugeMetricFamily("newsaudio_first_episode_seconds",
                                    "Seconds from first seeing an article to its first episode (last 500)",
                                    labels=["quantile"])
        for q in (0.5, 0.9, 0.99):
            if delays:
                latency.add_metric([str(q)], delays[min(len(delays) - 1, int(q * len(delays)))])
        yield latency

        downloads = CounterMetricFamily("newsaudio_downloads", "Downloads (IAB v2.2) by app", labels=["app"])
        for app, n in sorted(operations.downloads_by_app(store).items()):
            downloads.add_metric([app], n)
        yield downloads
        plays = CounterMetricFamily("newsaudio_player_events", "Web player events by kind", labels=["event"])
        for event, n in sorted(operations.plays_by_event(store).items()):
            plays.add_metric([event], n)
        yield plays

        depth = GaugeMetricFamily("newsaudio_queue_depth", "Messages waiting per Celery queue", labels=["queue"])
        for queue, n in _queue_depths(self.settings).items():
            depth.add_metric([queue], n)
        yield depth


def _queue_depths(settings: Settings) -> dict[str, int]:
    """Messages waiting in the broker's queues (Redis lists); nothing when there is no broker or
    it does not answer (the scrape must not fail for that)."""
    url = settings.broker_url or ""
    if not url.startswith(("redis://", "rediss://")):
        return {}
    try:
        import redis  # the workers' broker client; only a scrape with a broker needs it

        client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        try:
            return {q: int(client.llen(q)) for q in QUEUES}
        finally:
            client.close()
    except Exception as exc:  # noqa: BLE001
        log.debug("metrics: queue depth unknown: %s", exc)
        return {}


def render(settings: Settings) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(settings))
    return generate_latest(registry)


async def metrics(request: Request) -> Response:
    body = await run_in_threadpool(render, request.app.state.settings)
    return Response(body, media_type=CONTENT_TYPE, headers={"Cache-Control": "no-store"})
